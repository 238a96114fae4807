//! The HTTP API and the HR pages: one `router()` lists every route; authentication is an
//! extractor; every API error becomes a JSON answer in one place (`ApiError`), so handlers just
//! use `?`. Handlers live in rooms by who calls them: devices (`device`), HR scripts (`admin`),
//! HR people in a browser (`crate::web`).

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
use crate::config::Config;
use crate::db::Pool;
use crate::metrics::Metrics;

pub mod admin;
pub mod device;
pub mod error;
pub mod extract;
pub mod observe;

pub use error::{ApiError, ApiResult, blocking};
use extract::RateLimiter;

/// The `Retry-After` of a 503, in seconds: long enough for a database restart or a writer queue
/// to clear, short enough that devices catch up the same minute.
pub const RETRY_AFTER_UNAVAILABLE: u64 = 5;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

#[derive(Clone, Debug)]
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub(crate) limiter: Arc<RateLimiter>,
    pub(crate) logins: Arc<crate::web::LoginThrottle>,
}

impl AppState {
    pub fn new(pool: Pool, config: Config) -> AppState {
        let limiter = Arc::new(RateLimiter::new(config.rate_limit_per_minute));
        AppState {
            pool,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            limiter,
            logins: Arc::default(),
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
        .route("/api/v1/career-paths", get(device::career_paths))
        .merge(crate::web::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), observe::buffer_body))
        .layer(middleware::from_fn_with_state(state.clone(), observe::observe))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
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

pub async fn serve(state: AppState, on_bound: impl FnOnce(SocketAddr, bool)) -> Result<(), Error> {
    let config = state.config.clone();
    let listener = std::net::TcpListener::bind(config.listen)
        .map_err(|e| Error::Config(format!("cannot listen on {}: {e}", config.listen)))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let addr = listener.local_addr().map_err(|e| Error::Internal(e.to_string()))?;
    // The dashboard's twelve months are read once at the start, in the background, so that HR's
    // first page after a restart is not the one that loads the company (store::ReportCache).
    let warm = state.pool.clone();
    tokio::task::spawn_blocking(move || {
        let now = crate::store::current_month();
        if let Err(e) = crate::store::month_views(&warm, now.plus(-11).unwrap_or(now), now) {
            tracing::warn!(error = %e, "could not read the last twelve months ahead");
        }
    });
    let state_for_plain = state.clone();
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
            let mut server = axum_server::from_tcp_rustls(listener, tls).map_err(|e| Error::Internal(e.to_string()))?;
            server
                .http_builder()
                .http1()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(config.header_timeout_seconds));
            server
                .handle(handle)
                .serve(app)
                .await
                .map_err(|e| Error::Internal(e.to_string()))
        }
        _ => {
            let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| Error::Internal(e.to_string()))?;
            on_bound(addr, false);
            let headers = Duration::from_secs(config.header_timeout_seconds);
            serve_guarded(listener, router(state_for_plain), headers, config.max_connections).await
        }
    }
}

/// Serves plain HTTP with what `axum::serve` leaves out: a header read timeout (a client that
/// sends its request a byte at a time is cut off) and a limit on open connections. Bodies have
/// their own time limit in `observe::buffer_body`.
async fn serve_guarded(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: Duration,
    max_connections: usize,
) -> Result<(), Error> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::ServiceExt as _;

    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let mut stop = std::pin::pin!(shutdown_signal());
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.map_err(|e| Error::Internal(e.to_string()))?,
            () = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let service = app
            .clone()
            .map_request(move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                request.map(axum::body::Body::new)
            });
        let connection = builder
            .serve_connection_with_upgrades(
                TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(service),
            )
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(Duration::from_secs(10)) => {},
    }
    Ok(())
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
