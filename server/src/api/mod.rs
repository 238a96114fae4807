//! The HTTP API: authentication is an extractor; every API error becomes a JSON answer in one
//! place (`ApiError`), so handlers just use `?`. Handlers live in rooms by who calls them:
//! devices (`device`), HR scripts (`admin`); HR people in a browser are `crate::web`'s. The
//! routes are listed, and the state built, in `crate::app`.

pub mod admin;
pub mod channel;
pub mod device;
pub mod error;
pub mod extract;
pub mod observe;

pub use error::{ApiError, ApiResult, blocking};

/// The `Retry-After` of a 503, in seconds: long enough for a database restart or a writer queue
/// to clear, short enough that devices catch up the same minute.
pub const RETRY_AFTER_UNAVAILABLE: u64 = 5;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

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
