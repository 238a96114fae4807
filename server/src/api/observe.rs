//! Middleware: bodies read whole before any extractor, and every request counted and logged.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::{AppState, BODY_LIMIT};
use crate::Error;

/// Reads the body (up to the limit) before any extractor runs, so that an early answer such as a
/// 401 never leaves a client's request half-sent, which it would see as a reset connection.
pub async fn buffer_body(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    // HR's uploads (a survey, a catalogue) may be larger; everything else is small.
    let upload = parts.method == axum::http::Method::POST && parts.uri.path().ends_with("/import");
    let (limit, drain) = if upload {
        (crate::web::UPLOAD_LIMIT, crate::web::UPLOAD_LIMIT + DRAIN_LIMIT)
    } else {
        (BODY_LIMIT, DRAIN_LIMIT)
    };
    // A body somewhat over the limit is still read (and dropped) so that the client, which is
    // still sending, sees the 413 rather than a reset connection; memory stays bounded.
    match axum::body::to_bytes(body, drain).await {
        Ok(bytes) if bytes.len() <= limit => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        _ => {
            let mut response = ApiError::from(Error::TooLarge(limit)).into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// How much of an oversized body is read before answering 413.
const DRAIN_LIMIT: usize = 1024 * 1024;

pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.request(&method, &route, status, took);
    tracing::info!(method, route, status, ms = took.as_secs_f64() * 1000.0, "request");
    response
}
