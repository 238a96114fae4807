//! The server's composition root: the state every handler shares (`AppState`: the database, the
//! configuration, the metrics and the throttles), the one `router()` that lists every route of
//! the device API, the admin API and HR's pages, and `serve`, which binds and runs it. `api/` and
//! `web/` both take their state from here; neither knows the other.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};

use crate::Error;
use crate::api::error::{ApiError, ApiResult, blocking};
use crate::api::{admin, channel, device, observe};
use crate::config::Config;
use crate::db::Pool;
use crate::metrics::Metrics;
use crate::throttle::{LoginThrottle, RateLimiter};

#[derive(Clone, Debug)]
pub struct AppState {
    pub pool: Pool,
    /// HR's month views kept between requests, beside the database (`store::Reports`).
    pub reports: Arc<crate::store::Reports>,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub(crate) limiter: Arc<RateLimiter>,
    pub(crate) logins: Arc<LoginThrottle>,
    /// Token lookups for addresses past their failure budget run one at a time.
    pub(crate) suspect_lookups: Arc<tokio::sync::Mutex<()>>,
}

impl AppState {
    pub fn new(pool: Pool, config: Config) -> AppState {
        let limiter = Arc::new(RateLimiter::new(config.rate_limit_per_minute));
        AppState {
            pool,
            reports: Arc::default(),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            limiter,
            logins: Arc::default(),
            suspect_lookups: Arc::default(),
        }
    }
}

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/enrol", post(device::enrol))
        .route("/api/v1/roster", get(device::roster))
        .route("/api/v1/completions", put(device::completions))
        .route("/api/v1/withdrawals", post(device::withdrawals))
        .route("/api/v1/device", delete(device::revoke))
        .route("/api/v1/admin/completion", get(admin::completion))
        .route("/api/v1/admin/completion.csv", get(admin::completion_csv))
        .route("/api/v1/admin/pairs", get(admin::pairs))
        .route("/api/v1/admin/quality", get(admin::quality))
        .route("/api/v1/admin/quality.csv", get(admin::quality_csv))
        .route("/api/v1/career-paths", get(device::career_paths))
        .route("/api/v1/pairings", post(channel::create_pairing).get(channel::pairings))
        .route("/api/v1/pairings/{member}", delete(channel::unpair))
        .route(
            "/api/v1/channel/messages",
            post(channel::manager_send).get(channel::manager_inbox),
        )
        .route("/api/v1/channel/acks", post(channel::manager_acks))
        .route("/api/v1/team-quality", get(channel::team_quality))
        .route("/me/api/pair", post(channel::member_pair))
        .route("/me/api/state", get(channel::member_state))
        .route(
            "/me/api/messages",
            post(channel::member_send).get(channel::member_inbox),
        )
        .route("/me/api/acks", post(channel::member_acks))
        .route("/me/api/ratings", post(channel::member_rate))
        .merge(crate::web::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), observe::buffer_body))
        .layer(middleware::from_fn_with_state(state.clone(), observe::observe))
        .layer(middleware::from_fn_with_state(state.clone(), strict_transport))
        .with_state(state)
}

/// Under HTTPS (TLS here, or a proxy the config names), browsers are told to use nothing else.
async fn strict_transport(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    if state.config.https() {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        taiwa_protocol::ApiCode::NotFound,
        "no such route",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        taiwa_protocol::ApiCode::MethodNotAllowed,
        "this route does not take that method",
    )
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

/// How often uploads past their time waiting for a confirmation are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(5 * 60);

pub async fn serve(state: AppState, on_bound: impl FnOnce(SocketAddr, bool)) -> Result<(), Error> {
    let config = state.config.clone();
    if config.public_url.is_some() && config.trusted_proxies.is_empty() {
        tracing::warn!(
            "public_url names a proxy in front, but trusted_proxies is empty: every request will seem to come from the proxy's address, so limits per address count everyone behind it together; list the proxy in trusted_proxies"
        );
    }
    let listener = std::net::TcpListener::bind(config.listen)
        .map_err(|e| Error::Config(format!("cannot listen on {}: {e}", config.listen)))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let addr = listener.local_addr().map_err(|e| Error::Internal(e.to_string()))?;
    // The address actually bound (port 0 asks for any), for the links the server hands out.
    let mut state = state;
    state.config = Arc::new(Config {
        listen: addr,
        ..(*state.config).clone()
    });
    let config = state.config.clone();
    // The dashboard's twelve months are read once at the start, in the background, so that HR's
    // first page after a restart is not the one that loads the company (store::ReportCache).
    let (warm, reports) = (state.pool.clone(), state.reports.clone());
    tokio::task::spawn_blocking(move || {
        let now = crate::store::current_month();
        if let Err(e) = crate::store::month_views(&warm, &reports, now.plus(-11).unwrap_or(now), now) {
            tracing::warn!(error = %e, "could not read the last twelve months ahead");
        }
    });
    // Uploads left waiting for a confirmation are deleted soon after their time, whoever signs in.
    let purge = state.pool.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PURGE_EVERY);
        loop {
            every.tick().await;
            let pool = purge.clone();
            if let Ok(Err(e)) = tokio::task::spawn_blocking(move || crate::store::purge_expired_imports(&pool)).await {
                tracing::warn!(error = %e, "could not delete expired uploads");
            }
            // Relayed messages past their days and pairing codes past their time go too.
            let pool = purge.clone();
            match tokio::task::spawn_blocking(move || crate::store::sweep_channel(&pool, crate::store::now())).await {
                Ok(Err(e)) => tracing::warn!(error = %e, "could not sweep the member channel"),
                Ok(Ok(swept)) if swept.messages > 0 => {
                    tracing::info!(messages = swept.messages, "relayed messages past their days deleted");
                }
                _ => {}
            }
        }
    });
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(crate::listen::tls_config(cert, key)?),
        _ => None,
    };
    let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| Error::Internal(e.to_string()))?;
    on_bound(addr, tls.is_some());
    let limits = crate::listen::Limits {
        header_timeout: Duration::from_secs(config.header_timeout_seconds),
        max_connections: config.max_connections,
        per_address: config.max_connections_per_address,
        exempt: config.trusted_proxies.clone(),
    };
    crate::listen::serve(listener, router(state), tls, limits, shutdown_signal()).await
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
