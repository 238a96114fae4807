//! Middleware: bodies read whole before any extractor, and every request counted and logged.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::BODY_LIMIT;
use super::error::ApiError;
use crate::Error;
use crate::app::AppState;

/// Reads the body (up to the limit) before any extractor runs, so that an early answer such as a
/// 401 never leaves a client's request half-sent, which it would see as a reset connection.
pub async fn buffer_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    // HR's uploads (a survey, a catalogue, the directory) may be larger, for a signed-in hr_admin
    // only (one read of the session, before the body); everything else is small.
    let upload = parts.method == axum::http::Method::POST
        && crate::web::UPLOAD_ROUTES.contains(&parts.uri.path())
        && crate::web::signed_in_admin(&state, &parts.headers).await;
    let (limit, drain) = if upload {
        (crate::web::UPLOAD_LIMIT, crate::web::UPLOAD_LIMIT + DRAIN_LIMIT)
    } else {
        (BODY_LIMIT, DRAIN_LIMIT)
    };
    // A body somewhat over the limit is still read (and dropped) so that the client, which is
    // still sending, sees the 413 rather than a reset connection; memory stays bounded.
    let deadline = std::time::Duration::from_secs(state.config.body_timeout_seconds);
    let Ok(read) = tokio::time::timeout(deadline, axum::body::to_bytes(body, drain)).await else {
        let mut response = ApiError::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            taiwa_protocol::ApiCode::Timeout,
            "the body did not arrive in time",
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    };
    let mut response = match read {
        Ok(bytes) if bytes.len() <= limit => {
            return next
                .run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await;
        }
        Ok(_) => ApiError::from(Error::TooLarge(limit)).into_response(),
        // Over even the drain limit: too large. Anything else: the body stopped short of what
        // its Content-Length promised (or the connection broke while sending it).
        Err(e) if is_length_limit(&e) => ApiError::from(Error::TooLarge(limit)).into_response(),
        Err(_) => ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            taiwa_protocol::ApiCode::InvalidBody,
            "the body was cut short: fewer bytes arrived than were announced",
        )
        .into_response(),
    };
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Whether reading a body failed because it passed the limit (and not because it was cut short).
fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// The method as a metrics label: one of the few HTTP defines, never what a client made up.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// How much of an oversized body is read before answering 413.
const DRAIN_LIMIT: usize = 1024 * 1024;

pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method()).to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    // Every 503 says when to come back (a restarting database, a full writer queue), whichever
    // part of the server gave it.
    if response.status() == axum::http::StatusCode::SERVICE_UNAVAILABLE
        && !response.headers().contains_key(header::RETRY_AFTER)
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(super::RETRY_AFTER_UNAVAILABLE));
    }
    let took = started.elapsed();
    let status = response.status().as_u16();
    if QUIET_ROUTES.contains(&route.as_str()) && response.status().is_success() {
        tracing::debug!(method, route, status, "request");
    } else {
        state.metrics.request(&method, &route, status, took);
        tracing::info!(method, route, status, ms = took.as_secs_f64() * 1000.0, "request");
    }
    response
}

/// The routes whose successful answers would time one device's sync to the second (a push of
/// changed months, a withdrawal): neither counted in `/metrics` nor logged at the default level.
pub const QUIET_ROUTES: [&str; 2] = ["/api/v1/completions", "/api/v1/withdrawals"];
