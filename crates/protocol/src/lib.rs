//! The wire types of Taiwa's sync, shared by the desktop app, the CLI and the server.
//!
//! The promise to managers and members is kept here by construction: what a device sends holds ids,
//! months, enums and counts, and the one free-text field is the device name chosen at enrolment
//! (at most 64 characters). No note, agenda item, topic, reason or timestamp finer than a month has
//! a field to travel in. Every request type refuses unknown fields, so nothing can be smuggled in
//! beside them either.

use serde::{Deserialize, Serialize};

pub mod channel;
pub use taiwa_domain::{Month, Relationship};

/// Path prefix of every API route.
pub const API: &str = "/api/v1";
/// The longest device name accepted at enrolment, in characters.
pub const MAX_DEVICE_NAME_CHARS: usize = 64;
/// The most records one completion batch may carry.
pub const MAX_BATCH_RECORDS: usize = 500;
/// The highest number of sessions a record may count in a month.
pub const MAX_SESSIONS_PER_MONTH: u32 = 31;
/// The most minutes a record may count per session held.
pub const MAX_MINUTES_PER_SESSION: u32 = taiwa_domain::MAX_SESSION_MINUTES;
/// How far back a record may go, in months before the current one.
pub const MAX_MONTHS_BACK: i32 = 24;

/// `POST /api/v1/enrol`: a one-time code from HR and a name for this device.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time code HR issued: an id, not text.
    #[cfg_attr(feature = "schema", schemars(extend("x-kind" = "id")))]
    pub code: String,
    /// The one free-text field a device ever sends, at most 64 characters.
    #[cfg_attr(feature = "schema", schemars(length(max = 64), extend("x-kind" = "device-name")))]
    pub device_name: String,
}

/// The manager as the directory knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manager {
    pub employee_id: String,
    pub name: String,
}

/// `201` answer to an enrolment: the device's bearer token, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolResponse {
    pub device_token: String,
    pub manager: Manager,
}

/// The code and the token are secrets: their `Debug` shows `***`.
impl std::fmt::Debug for EnrolRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolRequest")
            .field("code", &"***")
            .field("device_name", &self.device_name)
            .finish()
    }
}

impl std::fmt::Debug for EnrolResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolResponse")
            .field("device_token", &"***")
            .field("manager", &self.manager)
            .finish()
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_code_or_a_token() {
        let request = EnrolRequest {
            code: "CODE-SECRET-1234".into(),
            device_name: "laptop".into(),
        };
        let shown = format!("{request:?}");
        assert!(!shown.contains("CODE-SECRET") && shown.contains("laptop"), "{shown}");
        let response = EnrolResponse {
            device_token: "TOKEN-SECRET-5678".into(),
            manager: Manager {
                employee_id: "M1".into(),
                name: "Mgr".into(),
            },
        };
        let shown = format!("{response:?}");
        assert!(!shown.contains("TOKEN-SECRET") && shown.contains("M1"), "{shown}");
    }
}

/// One person on the roster (server to device only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterMember {
    pub employee_id: String,
    pub name: String,
    /// How the name is read (ふりがな), when the directory says; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    pub email: String,
    pub org_unit_id: String,
    pub org_unit_name: String,
}

/// `GET /api/v1/roster`: the manager and their direct reports this month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    pub manager: RosterMember,
    pub members: Vec<RosterMember>,
}

/// A (manager, member, month) completion figure. The manager is the device's; never named here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CompletionRecord {
    #[cfg_attr(feature = "schema", schemars(extend("x-kind" = "id")))]
    pub member_employee_id: String,
    pub month: Month,
    pub relationship: Relationship,
    pub sessions_held: u32,
    pub minutes: u32,
    /// Rises with every change on the device; the server keeps the highest it has seen.
    pub revision: u64,
}

/// `PUT /api/v1/completions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CompletionBatch {
    pub records: Vec<CompletionRecord>,
}

/// An employee id alone on the wire (the id alphabet: ASCII letters, digits, `-`, `_`, `.`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("x-kind" = "id")))]
#[serde(transparent)]
pub struct MemberId(pub String);

/// `POST /api/v1/withdrawals`: the manager marked these people private, so every record this
/// manager sent about them is removed (at most `MAX_BATCH_RECORDS` ids). Ids only: a withdrawal
/// carries no reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WithdrawalRequest {
    pub members: Vec<MemberId>,
}

/// `200` answer to a withdrawal: how many (member, month) records were removed. An id with
/// nothing on the server removes nothing, and is answered the same way as any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalResponse {
    pub removed: u32,
}

/// `200` answer to a batch: how many records were taken, and how many were older than what the
/// server already had (a resent batch is all stale, and changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionResponse {
    pub accepted: u32,
    pub stale: u32,
}

/// What is wrong with one record of a rejected batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordProblem {
    /// The record's position in the batch, from 0.
    pub index: usize,
    pub field: String,
    /// The rule the record broke (none from older servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<RecordRule>,
    pub problem: String,
}

/// Why the server refused one record: every rule it checks, one name each on the wire. A client
/// has a message for each (the UI's catalogue is typed by this enum); one from a newer server
/// that this client does not know reads as `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RecordRule {
    /// The month is after the server's current month.
    FutureMonth,
    /// The month is more than `MAX_MONTHS_BACK` months back.
    TooOld,
    /// A number outside what the server takes (sessions, the revision).
    OutOfRange,
    /// More minutes than the sessions can hold.
    TooManyMinutes,
    /// The same member and month twice in one batch.
    Duplicate,
    /// A line record for someone the directory does not give this manager that month (unknown
    /// ids get the same answer, so that a device cannot probe the directory).
    NotYourReport,
    /// A cross record with oneself.
    Yourself,
    /// An id that is not 1–64 ASCII letters, digits, `-`, `_` or `.`.
    InvalidId,
    #[serde(other)]
    Unknown,
}

impl RecordRule {
    /// The rule's name on the wire (what a client stores beside a refused record).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordRule::FutureMonth => "future_month",
            RecordRule::TooOld => "too_old",
            RecordRule::OutOfRange => "out_of_range",
            RecordRule::TooManyMinutes => "too_many_minutes",
            RecordRule::Duplicate => "duplicate",
            RecordRule::NotYourReport => "not_your_report",
            RecordRule::Yourself => "yourself",
            RecordRule::InvalidId => "invalid_id",
            RecordRule::Unknown => "unknown",
        }
    }

    /// The rule named `name` (a stored name, or one from a newer server: `Unknown`).
    pub fn named(name: &str) -> RecordRule {
        RecordRule::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .unwrap_or(RecordRule::Unknown)
    }

    pub const ALL: [RecordRule; 9] = [
        RecordRule::FutureMonth,
        RecordRule::TooOld,
        RecordRule::OutOfRange,
        RecordRule::TooManyMinutes,
        RecordRule::Duplicate,
        RecordRule::NotYourReport,
        RecordRule::Yourself,
        RecordRule::InvalidId,
        RecordRule::Unknown,
    ];
}

/// What kind of refusal an error answer is: every code the server sends, one name each on the
/// wire. Clients act on this, never on the message's text; one from a newer server that this
/// client does not know reads as `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ApiCode {
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    InvalidJson,
    InvalidBody,
    InvalidInput,
    InvalidRecords,
    InvalidCode,
    TooLarge,
    Timeout,
    RateLimited,
    Unavailable,
    Internal,
    /// The request contradicts what the server holds (a message number other than the next, a
    /// month already rated from another browser).
    Conflict,
    #[serde(other)]
    Unknown,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    pub code: ApiCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<RecordProblem>,
}

/// One org unit's completion in a month (its whole subtree). While the company has pair-level
/// detail off, small groups are pooled up the tree as on the org viewers' pages (docs/SECURITY.md):
/// a unit with 1 to k−1 reporting pairs is withheld, and a shown unit's figures leave out the
/// pairs counted in a unit above.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionRow {
    pub org_unit_id: String,
    pub name: String,
    pub parent_id: Option<String>,
    /// (manager, direct report) pairs in the subtree that `met` is counted over; `None` when
    /// withheld.
    pub pairs: Option<u64>,
    /// Of those, pairs with at least one session held in the month; `None` when withheld.
    pub met: Option<u64>,
    /// `met / pairs`, or `None` with no pairs or when withheld.
    pub rate: Option<f64>,
    /// Why the unit's figures are withheld, if they are.
    pub withheld: Option<Withheld>,
    /// Pairs of the subtree counted in a unit above (small groups), not in `pairs`.
    pub counted_above: u64,
}

/// Why figures are withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Withheld {
    /// Fewer than k pairs report in the unit's subtree.
    FewerReporting,
}

/// `GET /api/v1/admin/completion?month=…[&org=…]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionReport {
    pub month: Month,
    pub rows: Vec<CompletionRow>,
    pub totals: Totals,
}

/// The figures of the unit asked for, or of the whole company (as the rows are).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    pub pairs: Option<u64>,
    pub met: Option<u64>,
    pub rate: Option<f64>,
    pub withheld: Option<Withheld>,
    pub counted_above: u64,
}

/// The most months one admin report over a range (`from`..`to`, both included) may cover.
pub const MAX_REPORT_MONTHS: i32 = 36;

/// `GET /api/v1/admin/quality?from=…&to=…[&org=…]`: the quality of 1on1s, from the members who
/// chose to rate, per org unit (each with its whole subtree) and month, as HR's pages show it
/// (docs/SECURITY.md, "What HR sees of ratings"): under the k rule whatever the pair-level
/// detail switch says, never by pair or by manager, and only for months whose ratings are final.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityReport {
    pub from: Month,
    pub to: Month,
    /// The company's k: a shown group holds at least k ratings.
    pub k: u32,
    /// Each month of the range, oldest first.
    pub months: Vec<QualityMonth>,
}

/// One month of a `QualityReport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityMonth {
    pub month: Month,
    /// The day (UTC, `YYYY-MM-DD`) from which the month's ratings can no longer be given or
    /// changed; until then every figure of the month is withheld as `not_final`.
    pub final_from: String,
    pub rows: Vec<QualityRow>,
    /// The unit asked for, or the whole company (the groups shown at its top units).
    pub totals: QualityFigures,
}

/// One org unit's quality in a month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityRow {
    pub org_unit_id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub quality: QualityFigures,
}

/// What may be shown of a unit's quality; every figure is `None` when withheld.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityFigures {
    /// Ratings counted here (the groups released at the unit and below).
    pub ratings: Option<u64>,
    /// Ratings that gave a すっきり度 (1–5), and the average of those.
    pub clarity_answers: Option<u64>,
    pub clarity_average: Option<f64>,
    /// Answers to "did we talk about what you wanted?", and `yes` over those answers.
    pub talked_yes: Option<u64>,
    pub talked_partly: Option<u64>,
    pub talked_no: Option<u64>,
    pub talked_share: Option<f64>,
    /// Pairs that met in the month, those whose member rated it, and that share.
    pub met_pairs: Option<u64>,
    pub met_pairs_rated: Option<u64>,
    pub response_rate: Option<f64>,
    pub withheld: Option<QualityWithheld>,
    /// Ratings of the subtree counted in a unit above (small groups), not in `ratings`.
    pub counted_above: u64,
}

/// Why a unit's quality is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityWithheld {
    /// The unit's ratings are all counted in a unit above: alone they would be fewer than k.
    FewerRatings,
    /// Ratings of the month may still be given or changed (see `final_from`).
    NotFinal,
}

/// One pair's figures: `GET /api/v1/admin/pairs?month=…&org=…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairRow {
    pub manager_employee_id: String,
    pub manager_name: String,
    pub member_employee_id: String,
    pub member_name: String,
    pub org_unit_id: String,
    pub held: u32,
    pub minutes: u32,
}

/// The answer of the pair-level route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairsReport {
    pub month: Month,
    pub org_unit_id: String,
    pub pairs: Vec<PairRow>,
}

/// One entry of the company's career-path catalogue, as HR published it. Server to device only:
/// devices never send catalogue text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareerPath {
    pub path_id: String,
    pub org_unit_id: String,
    /// The unit's name in the current directory (empty when the unit is gone).
    pub org_unit_name: String,
    pub title: String,
    pub description: String,
    pub skills: Vec<String>,
    pub next_roles: Vec<String>,
}

/// `GET /api/v1/career-paths` (device token; `ETag`/`If-None-Match`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareerPaths {
    /// Rises with every change of the catalogue; the `ETag` is derived from it.
    pub version: u64,
    pub paths: Vec<CareerPath>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_and_code_has_one_name_and_a_newer_ones_read_as_unknown() {
        for rule in RecordRule::ALL {
            let wire = serde_json::to_value(rule).unwrap();
            assert_eq!(wire, rule.as_str(), "{rule:?}");
            assert_eq!(RecordRule::named(rule.as_str()), rule);
        }
        let newer: RecordRule = serde_json::from_str("\"a_rule_of_tomorrow\"").unwrap();
        assert_eq!(newer, RecordRule::Unknown);
        let problem: RecordProblem = serde_json::from_str(r#"{"index":0,"field":"month","problem":"p"}"#).unwrap();
        assert_eq!(problem.rule, None, "older servers name no rule");
        let code: ApiCode = serde_json::from_str("\"invalid_code\"").unwrap();
        assert_eq!(code, ApiCode::InvalidCode);
        let newer: ApiCode = serde_json::from_str("\"teapot\"").unwrap();
        assert_eq!(newer, ApiCode::Unknown);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let smuggled = r#"{"records":[{"member_employee_id":"E1","month":"2026-11","relationship":"line",
            "sessions_held":1,"minutes":30,"revision":1,"note":"転職を考えている"}]}"#;
        let err = serde_json::from_str::<CompletionBatch>(smuggled)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `note`"), "{err}");
    }

    #[test]
    fn a_record_round_trips_with_months_as_text() {
        let record = CompletionRecord {
            member_employee_id: "E000002".into(),
            month: "2026-11".parse().unwrap(),
            relationship: Relationship::Line,
            sessions_held: 1,
            minutes: 35,
            revision: 7,
        };
        let text = serde_json::to_string(&record).unwrap();
        assert_eq!(
            text,
            r#"{"member_employee_id":"E000002","month":"2026-11","relationship":"line","sessions_held":1,"minutes":35,"revision":7}"#
        );
        assert_eq!(serde_json::from_str::<CompletionRecord>(&text).unwrap(), record);
    }
}
