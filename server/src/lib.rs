//! Taiwa's company server: the directory, enrolment of managers' devices, completion ingest, and
//! the admin API that HR reads completion rates from.
//!
//! It learns, per (manager, member) pair and month, how many 1on1s were held and for how many
//! minutes, plus the device name; nothing else reaches it (the wire types in `taiwa-protocol` have
//! no field for anything else). It keeps no state outside its database, so several instances can
//! serve one PostgreSQL. A library with a thin binary: tests start it on port 0.

pub mod api;
pub mod app;
pub mod career;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod directory;
pub mod figures;
pub mod listen;
pub mod metrics;
pub mod spreadsheet;
pub mod store;
pub mod survey;
pub mod throttle;
pub mod web;

use taiwa_protocol::RecordProblem;

/// Everything that can go wrong, one variant per answer a client can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Database(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// A row read from the database is not what the store expected (a column missing, NULL or of
    /// another type): a bug or a database changed by other hands, answered like `Internal`. Not a
    /// `Database` error, which would make the pool drop a connection that works.
    #[error("database row: {0}")]
    Row(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the batch was rejected: {} record(s) are invalid", .0.len())]
    InvalidRecords(Vec<RecordProblem>),
    /// A file (the directory, a survey, the career paths) with problems: nothing was stored.
    #[error("the {what} was not imported: {count} problem(s)", what = .0, count = .1.len())]
    Import(&'static str, Vec<spreadsheet::Problem>),
    #[error("{0}")]
    NotFound(String),
    #[error("a valid bearer token is required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("this enrolment code is unknown, already used or expired: ask HR for a new one")]
    InvalidCode,
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("too many requests: try again in {0} seconds")]
    RateLimited(u64),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::Database(e.to_string())
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Error {
        // The driver's own words are terse ("error performing TLS handshake"): the cause is
        // what an operator needs (an unknown certificate issuer, a refused connection).
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Error::Database(message)
    }
}
