use std::path::{Path, PathBuf};

/// The part of a vault that is damaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    KeyFile,
    Database,
    Backup,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Part::KeyFile => "key file (vault.key)",
            Part::Database => "database (vault.db)",
            Part::Backup => "backup file",
        })
    }
}

/// Everything that can go wrong with a vault, one variant per thing a caller can act on.
/// Messages name the problem and never contain a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("wrong recovery key: it does not belong to this vault")]
    WrongRecoveryKey,
    #[error("there is no vault in {0}")]
    NoVault(PathBuf),
    #[error("a vault already exists in {0}; nothing was changed")]
    VaultExists(PathBuf),
    #[error("the vault's {part} is damaged: {detail}")]
    Damaged { part: Part, detail: String },
    #[error("this build of SQLite has no encryption (SQLCipher): refusing to store notes unencrypted")]
    NoEncryption,
    #[error(
        "this {what} was written by a newer Taiwa (version {found}; this one knows up to {supported}): update Taiwa to open it"
    )]
    TooNew {
        what: &'static str,
        found: u32,
        supported: u32,
    },
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: i64 },
    #[error("{}", .0.message)]
    Invalid(Box<Problem>),
    #[error(
        "could not write to the disk (is it full?): the last change was not saved, and what was saved before is intact"
    )]
    DiskFull,
    #[error("could not use {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the vault is busy in another program; try again")]
    Busy,
    #[error("the system's random number generator failed")]
    Random,
    #[error("database error: {0}")]
    Storage(rusqlite::Error),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        if source.raw_os_error() == Some(28) || source.kind() == std::io::ErrorKind::StorageFull {
            return Error::DiskFull;
        }
        Error::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// An input that breaks `rule` for `field`, said in English by `message`.
    pub(crate) fn invalid(field: &str, rule: Rule, message: impl Into<String>) -> Error {
        Error::Invalid(Box::new(Problem::new(field, rule, message)))
    }
}

/// Which rule an input broke: stable, for the UI to say in its own language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Nothing was written.
    Empty,
    /// Longer than `limit` characters.
    TooLong,
    /// Larger than `limit` megabytes.
    TooLarge,
    ControlCharacters,
    NotADate,
    NotADateTime,
    NotAMonth,
    NotAnEmail,
    NotAnEmployeeId,
    /// Already used by someone else (`value` names who).
    Taken,
    /// An end before its start.
    EndsBeforeStart,
    /// A range longer than `limit` months.
    RangeTooLong,
    /// A number outside 1…`limit`.
    OutOfRange,
    /// The person is archived.
    Archived,
    /// Not possible in the session's current state (`value`).
    WrongState,
    /// A session with someone else.
    WrongPerson,
    /// The file already exists.
    FileExists,
    NotAFileName,
    /// Shorter than `limit` characters.
    PassphraseTooShort,
    PassphrasesDiffer,
    NotARecoveryKey,
    RecoveryKeyTypo,
    /// A destructive step that must be confirmed first.
    NeedsConfirmation,
    /// Not a web or mail address.
    NotALink,
}

/// What is wrong with an input: the field, the rule, its limit and the value at fault (never a
/// secret), with the same said in English for the command line and logs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// `name`, `employee_id`, `email`, `reason`, `note`, `agenda_item`, `action_item`, `minutes`,
    /// `start_date`, `end_date`, `due_date`, `at`, `month`, `search`, `file`, `passphrase`, …
    pub field: String,
    pub rule: Rule,
    pub limit: Option<i64>,
    pub value: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn new(field: &str, rule: Rule, message: impl Into<String>) -> Problem {
        Problem {
            field: field.replace(' ', "_"),
            rule,
            limit: None,
            value: None,
            message: message.into(),
        }
    }

    pub fn limit(mut self, limit: impl TryInto<i64>) -> Problem {
        self.limit = limit.try_into().ok();
        self
    }

    pub fn value(mut self, value: impl std::fmt::Display) -> Problem {
        self.value = Some(value.to_string());
        self
    }
}

impl From<Problem> for Error {
    fn from(problem: Problem) -> Error {
        Error::Invalid(Box::new(problem))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        use rusqlite::ffi::{self, ErrorCode};
        if let rusqlite::Error::SqliteFailure(failure, _) = &e
            && matches!(
                failure.extended_code,
                ffi::SQLITE_IOERR_WRITE
                    | ffi::SQLITE_IOERR_FSYNC
                    | ffi::SQLITE_IOERR_TRUNCATE
                    | ffi::SQLITE_IOERR_SHMSIZE
            )
        {
            return Error::DiskFull;
        }
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Error::Damaged {
                part: Part::Database,
                detail: "a page does not decrypt or its structure is broken; run `taiwa verify`, then restore a backup"
                    .into(),
            },
            Some(ErrorCode::DiskFull) => Error::DiskFull,
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy,
            _ => Error::Storage(e),
        }
    }
}

/// The kinds of failure a caller can act on: `Error` grouped for scripts and the UI to switch on
/// (never the message). Not `non_exhaustive`, unlike `Error`, so that whoever maps these (the
/// desktop app's `ErrorCode`) does so with an exhaustive match: a new kind fails to compile there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    WrongPassphrase,
    WrongRecoveryKey,
    NoVault,
    VaultExists,
    Damaged,
    NoEncryption,
    TooNew,
    NotFound,
    InvalidInput,
    DiskFull,
    Io,
    Busy,
    Internal,
}

impl ErrorKind {
    /// The kind as scripts read it (`wrong_passphrase`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::WrongPassphrase => "wrong_passphrase",
            ErrorKind::WrongRecoveryKey => "wrong_recovery_key",
            ErrorKind::NoVault => "no_vault",
            ErrorKind::VaultExists => "vault_exists",
            ErrorKind::Damaged => "damaged",
            ErrorKind::NoEncryption => "no_encryption",
            ErrorKind::TooNew => "too_new",
            ErrorKind::NotFound => "not_found",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::DiskFull => "disk_full",
            ErrorKind::Io => "io",
            ErrorKind::Busy => "busy",
            ErrorKind::Internal => "internal",
        }
    }
}

impl Error {
    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::WrongPassphrase => ErrorKind::WrongPassphrase,
            Error::WrongRecoveryKey => ErrorKind::WrongRecoveryKey,
            Error::NoVault(_) => ErrorKind::NoVault,
            Error::VaultExists(_) => ErrorKind::VaultExists,
            Error::Damaged { .. } => ErrorKind::Damaged,
            Error::NoEncryption => ErrorKind::NoEncryption,
            Error::TooNew { .. } => ErrorKind::TooNew,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Invalid(_) => ErrorKind::InvalidInput,
            Error::DiskFull => ErrorKind::DiskFull,
            Error::Io { .. } => ErrorKind::Io,
            Error::Busy => ErrorKind::Busy,
            Error::Random | Error::Storage(_) => ErrorKind::Internal,
        }
    }

    /// A stable code for the kind of failure, for scripts and the UI to switch on (never the message).
    pub fn code(&self) -> &'static str {
        self.kind().as_str()
    }
}
