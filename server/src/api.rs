//! The HTTP API: one `router()` lists every route; authentication is an extractor; every error
//! becomes a JSON answer in one place (`ApiError`), so handlers just use `?`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, MatchedPath, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use taiwa_protocol::{CompletionBatch, EnrolRequest, EnrolResponse, ErrorBody, ErrorDetail, Month};

use crate::config::Config;
use crate::db::Pool;
use crate::metrics::Metrics;
use crate::{Error, store};

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

#[derive(Clone, Debug)]
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    limiter: Arc<RateLimiter>,
}

impl AppState {
    pub fn new(pool: Pool, config: Config) -> AppState {
        let limiter = Arc::new(RateLimiter::new(config.rate_limit_per_minute));
        AppState {
            pool,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            limiter,
        }
    }
}

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/enrol", post(enrol))
        .route("/api/v1/roster", get(roster))
        .route("/api/v1/completions", put(completions))
        .route("/api/v1/device", delete(revoke))
        .route("/api/v1/admin/completion", get(admin_completion))
        .route("/api/v1/admin/completion.csv", get(admin_completion_csv))
        .route("/api/v1/admin/pairs", get(admin_pairs))
        .fallback(not_found)
        .layer(middleware::from_fn(buffer_body))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

// ---------------------------------------------------------------------------------------------
// Errors

/// An error as the client sees it: a status and a JSON body with a stable code.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorDetail,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorDetail {
                code: code.into(),
                message: message.into(),
                problems: Vec::new(),
            },
            retry_after: None,
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let message = e.to_string();
        match e {
            Error::Invalid(_) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", message),
            Error::InvalidRecords(problems) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                body: ErrorDetail {
                    code: "invalid_records".into(),
                    message,
                    problems,
                },
                retry_after: None,
            },
            Error::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
            Error::Unauthorized => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message),
            Error::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            Error::InvalidCode => ApiError::new(StatusCode::BAD_REQUEST, "invalid_code", message),
            Error::TooLarge(_) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message),
            Error::RateLimited(secs) => ApiError {
                retry_after: Some(secs),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
            },
            Error::Unavailable(_) | Error::Database(_) => {
                tracing::error!(error = %message, "storage failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the server cannot reach its database right now; try again later",
                )
            }
            Error::Config(_) | Error::Internal(_) | Error::Directory(_) => {
                tracing::error!(error = %message, "internal error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(ErrorBody { error: self.body })).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Runs blocking database work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> ApiResult<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(e) => Err(Error::Internal(e.to_string()).into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Extractors

/// A JSON body: at most `BODY_LIMIT` bytes, strictly typed, unknown fields refused.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_json",
                "send the body as Content-Type: application/json",
            ));
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > BODY_LIMIT) {
            return Err(Error::TooLarge(BODY_LIMIT).into());
        }
        let bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| ApiError::from(Error::TooLarge(BODY_LIMIT)))?;
        // The path names the field at fault: `records[3].minutes: invalid type …`.
        let invalid = |message: String| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("the body is not valid: {message}"),
            )
        };
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            invalid(if path == "." {
                e.inner().to_string()
            } else {
                format!("{path}: {}", e.inner())
            })
        })?;
        deserializer.end().map_err(|e| invalid(e.to_string()))?;
        Ok(JsonBody(value))
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim().to_owned())
}

/// An enrolled device: the bearer token of a device that is not revoked.
pub struct Device {
    pub employee_id: String,
    token: String,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("employee_id", &self.employee_id)
            .field("token", &"***")
            .finish()
    }
}

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(Error::Unauthorized)?;
        state.limiter.check(&format!("token:{}", store::hash_secret(&token)))?;
        let pool = state.pool.clone();
        let lookup = token.clone();
        let employee_id = blocking(move || store::device_for_token(&pool, &lookup))
            .await?
            .ok_or(Error::Unauthorized)?;
        Ok(Device { employee_id, token })
    }
}

/// An HR administrator's bearer token.
#[derive(Debug)]
pub struct Admin {
    pub email: String,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(Error::Unauthorized)?;
        state.limiter.check(&format!("token:{}", store::hash_secret(&token)))?;
        let pool = state.pool.clone();
        let email = blocking(move || store::admin_for_token(&pool, &token))
            .await?
            .ok_or(Error::Unauthorized)?;
        Ok(Admin { email })
    }
}

// ---------------------------------------------------------------------------------------------
// Rate limiting: a fixed one-minute window per key, kept in this instance's memory.

#[derive(Debug)]
struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (u64, u32)>>,
    started: Instant,
}

impl RateLimiter {
    fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
            started: Instant::now(),
        }
    }

    fn check(&self, key: &str) -> Result<(), Error> {
        let elapsed = self.started.elapsed().as_secs();
        let window = elapsed / 60;
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        if windows.len() > 100_000 {
            windows.retain(|_, (w, _)| *w == window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 >= self.per_minute {
            return Err(Error::RateLimited(60 - elapsed % 60));
        }
        entry.1 += 1;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Observability

/// Reads the body (up to the limit) before any extractor runs, so that an early answer such as a
/// 401 never leaves a client's request half-sent, which it would see as a reset connection.
async fn buffer_body(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    // A body somewhat over the limit is still read (and dropped) so that the client, which is
    // still sending, sees the 413 rather than a reset connection; memory stays bounded.
    match axum::body::to_bytes(body, DRAIN_LIMIT).await {
        Ok(bytes) if bytes.len() <= BODY_LIMIT => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        _ => {
            let mut response = ApiError::from(Error::TooLarge(BODY_LIMIT)).into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// How much of an oversized body is read before answering 413.
const DRAIN_LIMIT: usize = 1024 * 1024;

async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
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

// ---------------------------------------------------------------------------------------------
// Handlers

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn healthz(State(state): State<AppState>) -> ApiResult<&'static str> {
    let pool = state.pool.clone();
    blocking(move || pool.with(|conn| conn.query("SELECT 1", &[]).map(drop))).await?;
    Ok("ok\n")
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

async fn enrol(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    JsonBody(request): JsonBody<EnrolRequest>,
) -> ApiResult<(StatusCode, Json<EnrolResponse>)> {
    // Codes are guessed one request at a time: limit tries per address.
    state.limiter.check(&format!("enrol:{}", addr.ip()))?;
    let pool = state.pool.clone();
    let (device_token, manager) = blocking(move || store::enrol(&pool, &request.code, &request.device_name)).await?;
    tracing::info!(employee = %manager.employee_id, "device enrolled");
    Ok((StatusCode::CREATED, Json(EnrolResponse { device_token, manager })))
}

async fn roster(State(state): State<AppState>, device: Device) -> ApiResult<Json<taiwa_protocol::Roster>> {
    let pool = state.pool.clone();
    Ok(Json(blocking(move || store::roster(&pool, &device.employee_id)).await?))
}

async fn completions(
    State(state): State<AppState>,
    device: Device,
    JsonBody(batch): JsonBody<CompletionBatch>,
) -> ApiResult<Json<taiwa_protocol::CompletionResponse>> {
    let pool = state.pool.clone();
    let count = batch.records.len() as u64;
    let result = blocking(move || store::ingest(&pool, &device.employee_id, &batch.records)).await;
    match &result {
        Ok(r) => state.metrics.records(u64::from(r.accepted), u64::from(r.stale), 0),
        Err(_) => state.metrics.records(0, 0, count),
    }
    Ok(Json(result?))
}

async fn revoke(State(state): State<AppState>, device: Device) -> ApiResult<StatusCode> {
    let pool = state.pool.clone();
    blocking(move || store::revoke_device(&pool, &device.token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn month_param(query: &HashMap<String, String>, name: &str) -> Result<Month, Error> {
    let text = query
        .get(name)
        .ok_or_else(|| Error::Invalid(format!("the query parameter '{name}' (YYYY-MM) is required")))?;
    text.parse::<Month>()
        .map_err(|e| Error::Invalid(format!("{name}: {e}")))
}

async fn admin_completion(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<taiwa_protocol::CompletionReport>> {
    let month = month_param(&query, "month")?;
    let org = query.get("org").cloned();
    let pool = state.pool.clone();
    Ok(Json(
        blocking(move || store::completion(&pool, month, org.as_deref())).await?,
    ))
}

async fn admin_pairs(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<taiwa_protocol::PairsReport>> {
    if !state.config.pair_detail {
        return Err(Error::Forbidden("pair-level detail is turned off on this server".into()).into());
    }
    let month = month_param(&query, "month")?;
    let org = query
        .get("org")
        .cloned()
        .ok_or_else(|| Error::Invalid("the query parameter 'org' is required".into()))?;
    let pool = state.pool.clone();
    Ok(Json(
        blocking(move || store::pairs(&pool, month, &org, &admin.email)).await?,
    ))
}

async fn admin_completion_csv(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let from = month_param(&query, "from")?;
    let to = month_param(&query, "to")?;
    let org = query.get("org").cloned();
    let pool = state.pool.clone();
    let csv = blocking(move || store::completion_csv(&pool, from, to, org.as_deref())).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"completion-{from}-{to}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

/// Serves until Ctrl-C or SIGTERM. `on_bound` is told the address actually bound (port 0 picks one).
pub async fn serve(state: AppState, on_bound: impl FnOnce(SocketAddr, bool)) -> Result<(), Error> {
    let config = state.config.clone();
    let listener = std::net::TcpListener::bind(config.listen)
        .map_err(|e| Error::Config(format!("cannot listen on {}: {e}", config.listen)))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let addr = listener.local_addr().map_err(|e| Error::Internal(e.to_string()))?;
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => {
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| Error::Config(format!("cannot load the TLS certificate or key: {e}")))?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                stopper.graceful_shutdown(Some(Duration::from_secs(10)));
            });
            on_bound(addr, true);
            axum_server::from_tcp_rustls(listener, tls)
                .map_err(|e| Error::Internal(e.to_string()))?
                .handle(handle)
                .serve(app)
                .await
                .map_err(|e| Error::Internal(e.to_string()))
        }
        _ => {
            let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| Error::Internal(e.to_string()))?;
            on_bound(addr, false);
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
                .map_err(|e| Error::Internal(e.to_string()))
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_name_the_field() {
        let bytes = br#"{"records": [{"member_employee_id": 6}]}"#;
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let err = serde_path_to_error::deserialize::<_, taiwa_protocol::CompletionBatch>(&mut de).unwrap_err();
        assert_eq!(err.path().to_string(), "records[0].member_employee_id");
    }
}
