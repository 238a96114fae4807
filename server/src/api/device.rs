//! The routes devices call: enrolment, the roster, completion records, revocation.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use taiwa_protocol::{CompletionBatch, EnrolRequest, EnrolResponse, WithdrawalRequest};

use super::error::{ApiResult, blocking};
use super::extract::{Device, JsonBody};
use crate::app::AppState;
use crate::store;

pub async fn enrol(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    JsonBody(request): JsonBody<EnrolRequest>,
) -> ApiResult<(StatusCode, Json<EnrolResponse>)> {
    // Codes are guessed one request at a time: wrong codes are counted per address (the client's,
    // through a trusted proxy), so one guesser behind the company proxy does not block everyone;
    // past the limit the address is answered 429 before any database work.
    // An address past its budget may still use a code whose first group names an outstanding
    // code: wrong secrets against it are counted per code and per person (`store::enrol`), so a
    // guesser behind the company proxy cannot lock out a colleague who holds a real code.
    let failures = format!(
        "enrolfail:{}",
        crate::listen::address_key(state.config.client_ip(addr.ip(), &headers))
    );
    if let Err(limited) = state
        .limiter
        .allowed(&failures, crate::throttle::AUTH_FAILURES_PER_MINUTE)
    {
        let (pool, code) = (state.pool.clone(), request.code.clone());
        if !blocking(move || store::code_is_outstanding(&pool, &code)).await? {
            return Err(limited.into());
        }
    }
    let pool = state.pool.clone();
    let enrolled = blocking(move || store::enrol(&pool, &request.code, &request.device_name)).await;
    if enrolled.is_err() {
        state.limiter.failed(&failures);
    }
    let (device_token, manager) = enrolled?;
    tracing::info!(employee = %manager.employee_id, "device enrolled");
    Ok((StatusCode::CREATED, Json(EnrolResponse { device_token, manager })))
}

pub async fn roster(State(state): State<AppState>, device: Device) -> ApiResult<Json<taiwa_protocol::Roster>> {
    let pool = state.pool.clone();
    Ok(Json(blocking(move || store::roster(&pool, &device.employee_id)).await?))
}

pub async fn completions(
    State(state): State<AppState>,
    device: Device,
    JsonBody(batch): JsonBody<CompletionBatch>,
) -> ApiResult<Json<taiwa_protocol::CompletionResponse>> {
    let pool = state.pool.clone();
    let count = batch.records.len() as u64;
    let result = blocking(move || store::ingest(&pool, &device.employee_id, &batch.records)).await;
    match &result {
        Ok(_) => {}
        Err(_) => state.metrics.rejected(count),
    }
    Ok(Json(result?))
}

pub async fn withdrawals(
    State(state): State<AppState>,
    device: Device,
    JsonBody(request): JsonBody<WithdrawalRequest>,
) -> ApiResult<Json<taiwa_protocol::WithdrawalResponse>> {
    let pool = state.pool.clone();
    let members: Vec<String> = request.members.into_iter().map(|m| m.0).collect();
    Ok(Json(
        blocking(move || store::withdraw(&pool, &device.employee_id, &members)).await?,
    ))
}

pub async fn revoke(State(state): State<AppState>, device: Device) -> ApiResult<StatusCode> {
    let pool = state.pool.clone();
    blocking(move || store::revoke_device(&pool, &device.token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The career-path catalogue; an unchanged one (`If-None-Match` with the last `ETag`) costs a
/// 304 and no body.
pub async fn career_paths(
    State(state): State<AppState>,
    _device: Device,
    headers: axum::http::HeaderMap,
) -> ApiResult<axum::response::Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let pool = state.pool.clone();
    let version = blocking(move || store::career_paths_version(&pool)).await?;
    let etag = format!("\"career-paths-{version}\"");
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let pool = state.pool.clone();
    let catalog = blocking(move || store::career_paths(&pool)).await?;
    // The version read with the rows is the one the ETag names.
    let etag = format!("\"career-paths-{}\"", catalog.version);
    Ok(([(header::ETAG, etag)], Json(catalog)).into_response())
}
