//! Every error becomes one JSON answer here; handlers just use `?`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use taiwa_protocol::{ApiCode, ErrorBody, ErrorDetail};

use crate::Error;

/// An error as the client sees it: a status and a JSON body with a stable code.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorDetail,
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ApiCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorDetail {
                code,
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
            Error::Invalid(_) | Error::Refused(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, ApiCode::InvalidInput, message)
            }
            Error::InvalidRecords(problems) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                body: ErrorDetail {
                    code: ApiCode::InvalidRecords,
                    message,
                    problems,
                },
                retry_after: None,
            },
            Error::NotFound(_) | Error::Missing(_) => ApiError::new(StatusCode::NOT_FOUND, ApiCode::NotFound, message),
            Error::Unauthorized => ApiError::new(StatusCode::UNAUTHORIZED, ApiCode::Unauthorized, message),
            Error::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, ApiCode::Forbidden, message),
            Error::InvalidCode | Error::InvalidPairingCode => {
                ApiError::new(StatusCode::BAD_REQUEST, ApiCode::InvalidCode, message)
            }
            Error::Conflict(_) => ApiError::new(StatusCode::CONFLICT, ApiCode::Conflict, message),
            Error::TooLarge(_) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ApiCode::TooLarge, message),
            Error::RateLimited(secs) => ApiError {
                retry_after: Some(secs),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, ApiCode::RateLimited, message)
            },
            Error::Unavailable(_) | Error::Database(_) => {
                tracing::error!(error = %message, "storage failed");
                ApiError {
                    retry_after: Some(super::RETRY_AFTER_UNAVAILABLE),
                    ..ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        ApiCode::Unavailable,
                        "the server cannot reach its database right now; try again later",
                    )
                }
            }
            Error::Config(_) | Error::Internal(_) | Error::Row(_) | Error::Import(..) => {
                tracing::error!(error = %message, "internal error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ApiCode::Internal, "internal error")
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

pub type ApiResult<T> = Result<T, ApiError>;

/// Runs blocking database work off the async threads.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> ApiResult<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(e) => Err(Error::Internal(e.to_string()).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_error_is_an_internal_error_that_tells_the_client_nothing() {
        let e = ApiError::from(Error::Row("column `created_at`: expected a number, found NULL".into()));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.body.code, ApiCode::Internal);
        assert_eq!(
            e.body.message, "internal error",
            "no column or table reaches the client"
        );
        assert_eq!(e.retry_after, None);
    }
}
