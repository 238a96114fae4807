//! Extractors: a strict JSON body, a device's bearer token, an HR API token; and the rate limiter
//! they share.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde::de::DeserializeOwned;

use super::BODY_LIMIT;
use super::error::{ApiError, blocking};
use crate::app::AppState;
use crate::throttle::AUTH_FAILURES_PER_MINUTE;
use crate::{Error, store};

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
                taiwa_protocol::ApiCode::InvalidJson,
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
                taiwa_protocol::ApiCode::InvalidJson,
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
    pub(crate) token: String,
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
        let (employee_id, token) = authenticate(parts, state, store::device_for_token).await?;
        Ok(Device { employee_id, token })
    }
}

/// A member's browser, paired: the bearer token `POST /me/api/pair` gave it.
pub struct Member {
    pub pair: store::Pair,
    /// The company's time zone, read with the token.
    pub zone: chrono_tz::Tz,
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Member").field("token", &"***").finish_non_exhaustive()
    }
}

impl FromRequestParts<AppState> for Member {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (browser, _) = authenticate(parts, state, store::member_for_token).await?;
        Ok(Member {
            pair: browser.pair,
            zone: browser.zone,
        })
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
        let (email, _) = authenticate(parts, state, store::admin_for_token).await?;
        Ok(Admin { email })
    }
}

/// The address a request comes from, through a trusted proxy's header when configured.
pub fn client_ip(parts: &Parts, state: &AppState) -> std::net::IpAddr {
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    state.config.client_ip(peer, &parts.headers)
}

/// Looks up a bearer token and counts a failure against the client's address. An address that
/// failed too often is not refused outright (a valid token must never be refused because of its
/// neighbours' guesses, behind one company address): its lookups run one at a time across the
/// server, so a flood of guesses costs the database one read at a time. A valid token then has
/// its own budget.
async fn authenticate<T: Send + 'static>(
    parts: &Parts,
    state: &AppState,
    lookup: impl FnOnce(&crate::db::Pool, &str) -> Result<Option<T>, Error> + Send + 'static,
) -> Result<(T, String), ApiError> {
    let failures = format!("authfail:{}", crate::listen::address_key(client_ip(parts, state)));
    let suspect = state.limiter.allowed(&failures, AUTH_FAILURES_PER_MINUTE).is_err();
    let Some(token) = bearer(parts) else {
        state.limiter.failed(&failures);
        return Err(Error::Unauthorized.into());
    };
    let _turn = if suspect {
        Some(state.suspect_lookups.lock().await)
    } else {
        None
    };
    let pool = state.pool.clone();
    let probe = token.clone();
    let Some(found) = blocking(move || lookup(&pool, &probe)).await? else {
        state.limiter.failed(&failures);
        return Err(if suspect {
            // Still guessing past its budget: told to slow down, as before.
            Error::RateLimited(60).into()
        } else {
            Error::Unauthorized.into()
        });
    };
    state.limiter.check(&format!("token:{}", store::hash_secret(&token)))?;
    Ok((found, token))
}

/// Typed query parameters: unknown, repeated or malformed ones get a JSON 400 naming them.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default())
            .map(ApiQuery)
            .map_err(ApiError::from)
    }
}

/// Parses a query string into `T`: a parameter given twice, an unknown one, a missing one or a
/// malformed value is an `Invalid` error that names it.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Error> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| Error::Invalid("the query string is not valid URL encoding".into()))?;
    let mut seen = std::collections::HashSet::new();
    for (name, _) in &pairs {
        if !seen.insert(name.as_str()) {
            return Err(Error::Invalid(format!("the query parameter '{name}' is given twice")));
        }
    }
    serde_urlencoded::from_str::<T>(query).map_err(|e| {
        let text = e.to_string();
        let field = text.split('`').nth(1).unwrap_or_default().to_owned();
        Error::Invalid(if text.starts_with("missing field") {
            format!("the query parameter '{field}' is required")
        } else if text.starts_with("unknown field") {
            format!("there is no query parameter '{field}'")
        } else {
            format!("the query is not valid: {text}")
        })
    })
}
