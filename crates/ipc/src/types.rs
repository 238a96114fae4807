//! Request and response types of the IPC schema.

use serde::{Deserialize, Serialize};
use taiwa_domain::{Cadence, Month, MonthSummary, Owner, Relationship, TopicKind, Wants};
use taiwa_vault::{Action, AgendaItem, BacklogItem, CareerNote, Person, PersonStatus, Session};
use ts_rs::TS;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// What went wrong, stable for the UI to say in its own language (every code has a message in
/// both catalogs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Locked,
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
    InvalidServer,
    InvalidCaFile,
    NotEnrolled,
    Unreachable,
    TokenRevoked,
    InvalidCode,
    Rejected,
    RateLimited,
    ServerError,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 23] = [
        ErrorCode::Locked,
        ErrorCode::WrongPassphrase,
        ErrorCode::WrongRecoveryKey,
        ErrorCode::NoVault,
        ErrorCode::VaultExists,
        ErrorCode::Damaged,
        ErrorCode::NoEncryption,
        ErrorCode::TooNew,
        ErrorCode::NotFound,
        ErrorCode::InvalidInput,
        ErrorCode::DiskFull,
        ErrorCode::Io,
        ErrorCode::Busy,
        ErrorCode::Internal,
        ErrorCode::InvalidServer,
        ErrorCode::InvalidCaFile,
        ErrorCode::NotEnrolled,
        ErrorCode::Unreachable,
        ErrorCode::TokenRevoked,
        ErrorCode::InvalidCode,
        ErrorCode::Rejected,
        ErrorCode::RateLimited,
        ErrorCode::ServerError,
    ];

    /// The code as it is written on the wire (`wrong_passphrase`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Locked => "locked",
            ErrorCode::WrongPassphrase => "wrong_passphrase",
            ErrorCode::WrongRecoveryKey => "wrong_recovery_key",
            ErrorCode::NoVault => "no_vault",
            ErrorCode::VaultExists => "vault_exists",
            ErrorCode::Damaged => "damaged",
            ErrorCode::NoEncryption => "no_encryption",
            ErrorCode::TooNew => "too_new",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::DiskFull => "disk_full",
            ErrorCode::Io => "io",
            ErrorCode::Busy => "busy",
            ErrorCode::Internal => "internal",
            ErrorCode::InvalidServer => "invalid_server",
            ErrorCode::InvalidCaFile => "invalid_ca_file",
            ErrorCode::NotEnrolled => "not_enrolled",
            ErrorCode::Unreachable => "unreachable",
            ErrorCode::TokenRevoked => "token_revoked",
            ErrorCode::InvalidCode => "invalid_code",
            ErrorCode::Rejected => "rejected",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ServerError => "server_error",
        }
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Every failure, as the UI sees it: the UI says `code` (and, for `invalid_input`, `problem`) in
/// its own language; `message` is the same in English, for logs and the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    /// For `invalid_input`: the field, the rule it broke, its limit and the value at fault.
    pub problem: Option<Box<taiwa_vault::Problem>>,
    /// A detail some codes carry: the damaged part (`key_file`, `database`, `backup`), what was
    /// not found, the seconds to wait, the server's HTTP status.
    pub detail: Option<String>,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> IpcError {
        IpcError {
            code,
            message: message.into(),
            problem: None,
            detail: None,
        }
    }

    pub fn not_found(what: &str) -> IpcError {
        IpcError::new(ErrorCode::NotFound, format!("no {what}"))
    }

    pub fn locked() -> IpcError {
        IpcError::new(ErrorCode::Locked, "the vault is locked")
    }

    /// An input that breaks `rule` for `field`.
    pub fn invalid(problem: taiwa_vault::Problem) -> IpcError {
        IpcError {
            code: ErrorCode::InvalidInput,
            message: problem.message.clone(),
            problem: Some(Box::new(problem)),
            detail: None,
        }
    }

    pub fn io(e: &std::io::Error) -> IpcError {
        if e.raw_os_error() == Some(28) {
            return IpcError::new(ErrorCode::DiskFull, e.to_string());
        }
        IpcError::new(ErrorCode::Io, e.to_string())
    }
}

impl From<taiwa_vault::ErrorKind> for ErrorCode {
    /// Every kind of vault failure has its code: a new kind fails to compile here.
    fn from(kind: taiwa_vault::ErrorKind) -> ErrorCode {
        use taiwa_vault::ErrorKind as K;
        match kind {
            K::WrongPassphrase => ErrorCode::WrongPassphrase,
            K::WrongRecoveryKey => ErrorCode::WrongRecoveryKey,
            K::NoVault => ErrorCode::NoVault,
            K::VaultExists => ErrorCode::VaultExists,
            K::Damaged => ErrorCode::Damaged,
            K::NoEncryption => ErrorCode::NoEncryption,
            K::TooNew => ErrorCode::TooNew,
            K::NotFound => ErrorCode::NotFound,
            K::InvalidInput => ErrorCode::InvalidInput,
            K::DiskFull => ErrorCode::DiskFull,
            K::Io => ErrorCode::Io,
            K::Busy => ErrorCode::Busy,
            K::Internal => ErrorCode::Internal,
        }
    }
}

impl From<taiwa_vault::Error> for IpcError {
    fn from(e: taiwa_vault::Error) -> IpcError {
        use taiwa_vault::{Error, Part};
        let mut out = IpcError::new(ErrorCode::from(e.kind()), e.to_string());
        match e {
            Error::Invalid(problem) => out.problem = Some(problem),
            Error::Damaged { part, .. } => {
                out.detail = Some(
                    match part {
                        Part::KeyFile => "key_file",
                        Part::Database => "database",
                        Part::Backup => "backup",
                    }
                    .into(),
                );
            }
            Error::NotFound { what, .. } => out.detail = Some(what.replace(' ', "_")),
            _ => {}
        }
        out
    }
}

pub type IpcResult<T> = Result<T, IpcError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Ja,
    En,
}

impl From<Language> for taiwa_vault::ExportLanguage {
    fn from(language: Language) -> taiwa_vault::ExportLanguage {
        match language {
            Language::Ja => taiwa_vault::ExportLanguage::Ja,
            Language::En => taiwa_vault::ExportLanguage::En,
        }
    }
}

/// The colours of the app: following the system, or always light or dark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// Settings kept beside the vault in plain text, because they are needed before unlocking.
/// They hold no content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    /// `None` until chosen: the UI then follows the OS language.
    pub language: Option<Language>,
    /// Minutes without activity before the vault locks itself.
    pub auto_lock_minutes: u32,
    pub theme: Theme,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            language: None,
            auto_lock_minutes: 10,
            theme: Theme::System,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AppStatus {
    pub vault_exists: bool,
    pub unlocked: bool,
    pub vault_path: String,
    pub settings: Settings,
    /// The session in progress (its clock running), while unlocked: the app returns to it.
    pub running_session: Option<i64>,
}

/// A secret typed in the UI; wiped when dropped, never printed.
#[derive(Clone, Deserialize, TS, Zeroize, ZeroizeOnDrop)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct Secret(pub(crate) String);

impl Secret {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct CreateVaultInput {
    pub passphrase: Secret,
    pub passphrase_again: Secret,
}

/// The recovery key, shown once (its `Debug` hides it).
#[derive(Serialize, TS)]
pub struct CreatedVault {
    pub recovery_key: String,
}

impl std::fmt::Debug for CreatedVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedVault").field("recovery_key", &"***").finish()
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct UnlockInput {
    pub passphrase: Secret,
}

#[derive(Debug, Deserialize, TS)]
pub struct RecoverInput {
    pub recovery_key: Secret,
    pub new_passphrase: Secret,
    pub new_passphrase_again: Secret,
}

/// A person as the form sends it; dates `YYYY-MM-DD`, empty strings mean "none".
#[derive(Debug, Clone, Deserialize, TS)]
pub struct PersonInput {
    pub name: String,
    /// ふりがな, or empty (older callers may leave it out).
    #[serde(default)]
    pub reading: String,
    pub relationship: Relationship,
    pub cadence: Cadence,
    pub employee_id: String,
    pub email: String,
    pub org_unit: String,
    pub start_date: String,
    pub end_date: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct PlanInput {
    pub person_id: i64,
    /// Local date and time, `YYYY-MM-DDTHH:MM`.
    pub at: String,
    pub minutes: u32,
    /// Plan it even though the person already has a 1on1 planned at that time (asked first).
    #[serde(default)]
    pub again: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct AgendaInput {
    pub text: String,
    pub kind: TopicKind,
    pub wants: Option<Wants>,
}

impl From<AgendaInput> for taiwa_vault::NewAgendaItem {
    fn from(input: AgendaInput) -> taiwa_vault::NewAgendaItem {
        taiwa_vault::NewAgendaItem {
            text: input.text,
            kind: input.kind,
            wants: input.wants,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ActionInput {
    pub person_id: i64,
    pub session_id: Option<i64>,
    pub text: String,
    pub owner: Owner,
    /// `YYYY-MM-DD` or empty.
    pub due_date: String,
}

/// A planned session moved to another time or length.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct MoveInput {
    /// Local date and time, `YYYY-MM-DDTHH:MM`.
    pub at: String,
    pub minutes: u32,
}

/// What can change in an action item.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ActionEditInput {
    pub text: String,
    pub owner: Owner,
    /// `YYYY-MM-DD` or empty.
    pub due_date: String,
}

/// How a session ended.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum FinishInput {
    /// `held_at`: when it was held (`YYYY-MM-DDTHH:MM`), or empty for the vault's rule (the
    /// clock's start, or the planned time or now, whichever is earlier).
    Held {
        minutes: u32,
        #[serde(default)]
        held_at: String,
    },
    Skipped {
        reason: String,
    },
    Cancelled {
        reason: String,
    },
}

/// One month in a person's 12-month strip.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StripCell {
    pub month: Month,
    /// Whether the person was in the manager's care that month.
    pub active: bool,
    pub met: bool,
    /// Sessions skipped or cancelled in the month.
    pub not_held: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct HomePerson {
    pub status: PersonStatus,
    pub strip: Vec<StripCell>,
}

/// "This month" at a glance.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Home {
    pub month: Month,
    #[ts(type = "string")]
    pub today: chrono::NaiveDate,
    pub summary: MonthSummary,
    pub people: Vec<HomePerson>,
    /// Planned sessions from now on, soonest first.
    pub upcoming: Vec<Session>,
    /// Planned sessions whose time is over and that were never closed: "Did these happen?"
    pub unclosed: Vec<Session>,
    /// Open action items due within a week or already late, soonest first.
    pub actions_due: Vec<Action>,
    /// The session in progress, if any.
    pub running: Option<Session>,
    /// Why "N of M met" here can differ from HR's figure for the team (enrolled vaults only,
    /// and only when it can).
    pub differs: Option<HrDiffers>,
    /// Members who asked, from their page, for a 1on1 soon.
    pub member_requests: Vec<taiwa_vault::MemberRequest>,
    /// The team's すっきり度 as the server last allowed it (kept from the last exchange).
    pub team_quality: Option<taiwa_protocol::channel::TeamQuality>,
}

/// People counted in This month whom HR's figure does not count, and direct reports HR counts
/// who are not in the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct HrDiffers {
    /// Cross-organisation mentees: counted here, never in HR's completion.
    pub cross: u32,
    /// Direct reports marked private: nothing about them is sent.
    pub private: u32,
    /// Direct reports without an employee id: nothing can be sent about them.
    pub no_employee_id: u32,
    /// Ids a roster named as direct reports who are not in the list.
    pub not_in_list: u32,
}

/// How many sessions and done action items a person's page shows at first (and adds each time the
/// manager asks to see further back).
pub const PAGE_SIZE: u32 = 50;

#[derive(Debug, Clone, Serialize, TS)]
pub struct PersonPage {
    pub person: Person,
    /// The latest sessions, newest first (as many as asked for).
    pub sessions: Vec<Session>,
    /// How many sessions the person has in all.
    pub sessions_total: u32,
    pub open_actions: Vec<Action>,
    /// Done action items, most recently done first (as many as asked for).
    pub done_actions: Vec<Action>,
    /// How many done action items there are in all.
    pub done_total: u32,
    pub backlog: Vec<BacklogItem>,
    pub career_note: Option<CareerNote>,
    /// Never sent to the company server.
    pub private: bool,
    /// This vault is enrolled with a company server (so the person's page can be paired).
    pub enrolled: bool,
    /// The person's page is paired and its safety code confirmed.
    pub member_paired: bool,
}

/// What saving a note answers: when it was stored.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Saved {
    pub updated_at: String,
}

/// The agenda item type, re-exported for the bindings.
pub type Agenda = AgendaItem;

/// The period of a completion summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportPeriod {
    ThisMonth,
    ThisQuarter,
    /// The fiscal year from April that today is in.
    FiscalYear,
    /// `from` and `to` of the input.
    Range,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    Csv,
    Markdown,
    Html,
}

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportInput {
    pub period: ExportPeriod,
    /// `YYYY-MM`, for `range` only.
    pub from: String,
    pub to: String,
    pub kind: ExportKind,
    /// Agenda and note text too: the file is then not encrypted, and says so.
    pub include_notes: bool,
    /// One person's summary (from their page); everyone when `null`.
    pub person_id: Option<i64>,
    /// The language of the file's words and name: the UI's.
    pub language: Language,
}

/// Where an export went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Exported {
    pub path: String,
    pub bytes: u32,
    pub from: Month,
    pub to: Month,
}

/// A passphrase change from Settings.
#[derive(Debug, Deserialize, TS)]
pub struct ChangePassphraseInput {
    pub current: Secret,
    pub new_passphrase: Secret,
    pub new_passphrase_again: Secret,
}

/// Anything that only needs the passphrase again (a new recovery key, a check, a restore).
#[derive(Debug, Deserialize, TS)]
pub struct PassphraseInput {
    pub passphrase: Secret,
}

/// What a backup or a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VaultFileDone {
    /// The backup file written or read.
    pub path: String,
    /// Where the replaced vault was kept, after a restore over it.
    pub moved_aside: Option<String>,
}
