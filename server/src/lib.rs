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
    /// A refusal a person can act on, said in both of the pages' languages (the English is the
    /// command line's and the API's, as `Invalid`).
    #[error("{0}")]
    Refused(Said),
    /// Something named that does not exist, said in both languages (answered as `NotFound`).
    #[error("{0}")]
    Missing(Said),
    #[error("a valid bearer token is required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("this enrolment code is unknown, already used or expired: ask HR for a new one")]
    InvalidCode,
    #[error("this pairing code is unknown, already used or expired: ask your manager to show a new one")]
    InvalidPairingCode,
    /// The request contradicts what the server holds (a message number other than the next one,
    /// a month already rated from another browser).
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("too many requests: try again in {0} seconds")]
    RateLimited(u64),
}

impl Error {
    /// A refusal in both languages.
    pub fn refused(en: impl Into<String>, ja: impl Into<String>) -> Error {
        Error::Refused(Said::new(en, ja))
    }

    /// Something named that does not exist, in both languages.
    pub fn missing(en: impl Into<String>, ja: impl Into<String>) -> Error {
        Error::Missing(Said::new(en, ja))
    }
}

/// A message in English and in Japanese: what a person is told, on the command line (English)
/// or on the pages (their language). Sentences are whole per language, never put together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    en: String,
    ja: String,
}

impl Said {
    pub fn new(en: impl Into<String>, ja: impl Into<String>) -> Said {
        Said {
            en: en.into(),
            ja: ja.into(),
        }
    }

    pub fn en(&self) -> &str {
        &self.en
    }

    pub fn ja(&self) -> &str {
        &self.ja
    }

    /// The message in a page's language.
    pub fn in_lang(&self, lang: web::Lang) -> &str {
        lang.pick(&self.en, &self.ja)
    }
}

impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
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
