//! The member channel on the wire: what the manager's app and the member's page send through the
//! company server (pairing, sealed messages, acknowledgements, ratings), and what travels *inside*
//! the sealed messages, which the server never sees (`ToManager`, `ToMember`).
//!
//! The server-visible types hold ids, public keys, sequence numbers, ciphertext padded to a few
//! sizes (base64url, no padding), days and ratings; no field carries a word either person wrote.
//! The sealing itself is `taiwa-channel`'s (HPKE, RFC 9180); a message's pair, direction and number
//! are its associated data there, so the `seq` here is the one it was sealed under.

use serde::{Deserialize, Serialize};
use taiwa_domain::{Month, Owner, TopicKind, Wants};

/// Path prefix of the member page's API (the member's bearer token, never a device's).
pub const MEMBER_API: &str = "/me/api";
/// How long a pairing code may be used, in minutes, from when the manager's app asked for it.
pub const PAIRING_CODE_MINUTES: i64 = 15;
/// How many days the server keeps a relayed message nobody acknowledged.
pub const RELAY_KEEP_DAYS: i64 = 60;
/// How many days a rating can be changed, from the day it was given.
pub const RATING_CHANGE_DAYS: i64 = 7;
/// How many months the server keeps ratings (and the marks that a pair rated), counted back from
/// the current month: HR's two years of history and the month before; older ones are deleted.
pub const RATINGS_KEEP_MONTHS: i32 = 25;
/// The longest topic a member may send, in characters.
pub const MAX_TOPIC_CHARS: usize = 500;
/// The longest note on a request for a 1on1, in characters.
pub const MAX_REQUEST_NOTE_CHARS: usize = 200;
/// The most messages one inbox answer carries (the rest come on the next fetch).
pub const MAX_INBOX_MESSAGES: usize = 200;

/// `POST /api/v1/pairings`: the manager's app asks for a pairing code for one person, with the
/// public key it made for this pair (X25519, base64url).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    #[cfg_attr(feature = "schema", schemars(extend("x-kind" = "id")))]
    pub member_employee_id: String,
    #[cfg_attr(feature = "schema", schemars(length(min = 43, max = 43), extend("x-kind" = "key")))]
    pub manager_key: String,
}

/// `201` answer: the code the member types (or scans), and when it stops working (Unix seconds).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairingCode {
    pub code: String,
    pub expires_at: i64,
}

impl std::fmt::Debug for PairingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PairingCode")
            .field("code", &"***")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Where a pairing stands on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PairingState {
    /// A code was made and not yet used.
    Waiting,
    /// The member's browser used the code: its key is here.
    Paired,
}

/// One of the manager's pairings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pairing {
    pub member_employee_id: String,
    pub state: PairingState,
    pub manager_key: String,
    /// The member browser's public key, once paired.
    pub member_key: Option<String>,
    /// The day the member paired (`YYYY-MM-DD`), once paired.
    pub since: Option<String>,
    /// The number the manager's next message to the member must carry (0 while waiting): after
    /// a send whose answer was lost, the app learns here that it arrived.
    pub next_seq: u64,
}

/// `GET /api/v1/pairings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pairings {
    pub pairings: Vec<Pairing>,
}

/// A sealed message as its sender posts it: the number it was sealed under, HPKE's encapsulated
/// key and the ciphertext (both base64url).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SealedMessage {
    pub seq: u64,
    #[cfg_attr(feature = "schema", schemars(extend("x-kind" = "ciphertext")))]
    pub enc: String,
    #[cfg_attr(feature = "schema", schemars(extend("x-kind" = "ciphertext")))]
    pub ciphertext: String,
}

/// `POST /api/v1/channel/messages`: the manager's app sends one sealed message to a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ManagerSend {
    #[cfg_attr(feature = "schema", schemars(extend("x-kind" = "id")))]
    pub member_employee_id: String,
    pub seq: u64,
    #[cfg_attr(feature = "schema", schemars(extend("x-kind" = "ciphertext")))]
    pub enc: String,
    #[cfg_attr(feature = "schema", schemars(extend("x-kind" = "ciphertext")))]
    pub ciphertext: String,
}

impl ManagerSend {
    /// The sealed message alone.
    pub fn message(&self) -> SealedMessage {
        SealedMessage {
            seq: self.seq,
            enc: self.enc.clone(),
            ciphertext: self.ciphertext.clone(),
        }
    }
}

/// A message waiting in an inbox: whose pair it belongs to (the member's id), the sealed message,
/// and the day it arrived (`YYYY-MM-DD`), the finest time the server keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RelayedMessage {
    pub member_employee_id: String,
    pub seq: u64,
    pub enc: String,
    pub ciphertext: String,
    pub arrived: String,
}

/// `GET /api/v1/channel/messages` and `GET /me/api/messages`: the messages waiting for the caller,
/// by pair and number, at most `MAX_INBOX_MESSAGES`; `more` when others wait behind them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Inbox {
    pub messages: Vec<RelayedMessage>,
    pub more: bool,
}

/// Every message of one pair up to and including `through` was received and kept: the server
/// deletes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Ack {
    #[cfg_attr(feature = "schema", schemars(extend("x-kind" = "id")))]
    pub member_employee_id: String,
    pub through: u64,
}

/// `POST /api/v1/channel/acks` and `POST /me/api/acks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Acks {
    pub acks: Vec<Ack>,
}

/// `200` answer to acknowledgements: how many messages were deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Acked {
    pub deleted: u32,
}

/// `201` answer to a sent message: the number the next one must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Sent {
    pub next_seq: u64,
}

/// `POST /me/api/pair`: the member's browser uses a pairing code, with the public key it made
/// (its private key never leaves the browser).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct MemberPairRequest {
    #[cfg_attr(feature = "schema", schemars(extend("x-kind" = "id")))]
    pub code: String,
    #[cfg_attr(feature = "schema", schemars(length(min = 43, max = 43), extend("x-kind" = "key")))]
    pub member_key: String,
}

impl std::fmt::Debug for MemberPairRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberPairRequest")
            .field("code", &"***")
            .field("member_key", &self.member_key)
            .finish()
    }
}

/// A person of the pair as the directory names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PairPerson {
    pub employee_id: String,
    pub name: String,
}

/// `GET /me/api/state`: the member's pairing as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct MemberState {
    pub manager: PairPerson,
    pub member: PairPerson,
    pub manager_key: String,
    pub member_key: String,
    /// The day the member paired (`YYYY-MM-DD`).
    pub since: String,
    /// The number the member's next message must carry.
    pub next_seq: u64,
    /// The months the member may rate now (this month and the one before), oldest first.
    pub rateable: Vec<Month>,
    /// Of those, the months this pair has already rated.
    pub rated: Vec<Month>,
    /// The company's k: no average is shown, to HR or the manager, of fewer answers.
    pub k: u32,
}

/// `201` answer to a pairing: the member's bearer token (shown once, kept by the browser) and the
/// pairing.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct MemberPaired {
    pub token: String,
    pub state: MemberState,
}

impl std::fmt::Debug for MemberPaired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberPaired")
            .field("token", &"***")
            .field("state", &self.state)
            .finish()
    }
}

/// `POST /me/api/messages`: the member's page sends one sealed message to the manager.
pub type MemberSend = SealedMessage;

/// "Did we talk about what you wanted?"
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Talked {
    Yes,
    Partly,
    No,
}

impl Talked {
    pub const ALL: [Talked; 3] = [Talked::Yes, Talked::Partly, Talked::No];

    pub fn as_str(self) -> &'static str {
        match self {
            Talked::Yes => "yes",
            Talked::Partly => "partly",
            Talked::No => "no",
        }
    }

    pub fn named(name: &str) -> Option<Talked> {
        Talked::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// The lowest and highest すっきり度 (how clear the member feels after the 1on1).
pub const CLARITY_MIN: u8 = 1;
pub const CLARITY_MAX: u8 = 5;

/// `POST /me/api/ratings`: the member's rating of a month's 1on1, in the clear, with a random
/// token (32 bytes, base64url) that only their browser keeps: the same token again within
/// `RATING_CHANGE_DAYS` changes the rating. The server keeps the score under the member's unit and
/// the month, apart from the mark that this pair rated, with nothing linking the two.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    pub month: Month,
    /// すっきり度, `CLARITY_MIN`..=`CLARITY_MAX`; `None` when not answered.
    pub clarity: Option<u8>,
    pub talked: Option<Talked>,
    #[cfg_attr(feature = "schema", schemars(length(min = 43, max = 43), extend("x-kind" = "key")))]
    pub token: String,
}

impl std::fmt::Debug for RatingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RatingRequest")
            .field("month", &self.month)
            .field("clarity", &self.clarity)
            .field("talked", &self.talked)
            .field("token", &"***")
            .finish()
    }
}

/// `201` (first rating) or `200` (changed) answer: the last day the rating can be changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Rated {
    pub changeable_until: String,
}

/// Why a month's team すっきり度 is not shown to the manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TeamWithheld {
    /// Fewer than k members rated, or fewer than k gave a すっきり度.
    FewerThanK,
    /// Members may still rate or change a rating: the figure could still move by one answer.
    NotFinal,
    /// Set beside HR's figures for the organisation (and the averages other managers see), it
    /// would tell the answers of fewer than k members.
    WouldTellFewer,
}

/// One month of the manager's own team's すっきり度.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct TeamMonth {
    pub month: Month,
    /// The average, when shown (at least k members gave one, and the month is final).
    pub average: Option<f64>,
    /// How many members rated, when shown.
    pub raters: Option<u32>,
    pub withheld: Option<TeamWithheld>,
    /// The day from which the month is final (`YYYY-MM-DD`).
    pub final_from: String,
}

/// `GET /api/v1/team-quality`: the manager's own team's すっきり度 over the last 12 months. Never
/// one member's: a month is shown only with k members who gave one, once no rating can change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct TeamQuality {
    pub k: u32,
    pub months: Vec<TeamMonth>,
}

// ---------------------------------------------------------------------------------------------
// Inside the sealed messages: never seen by the server.

/// What the member's page says to the manager's app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ToManager {
    /// A topic for the next 1on1 (sent again with the same `id` when edited, until it is taken).
    Topic {
        /// Chosen by the member's browser (random), so an edit or a withdrawal names it.
        id: String,
        text: String,
        kind: TopicKind,
        wants: Wants,
    },
    /// The member took a topic back before the manager took it.
    TopicWithdrawn { id: String },
    /// "I'd like to talk soon", with an optional short note.
    AskSoon { note: Option<String> },
    /// The member ticked (or unticked) one of their action items from a summary.
    ItemDone { item: i64, done: bool },
}

/// One agenda item in a summary: done, or carried to next time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SummaryTopic {
    pub text: String,
    pub done: bool,
}

/// One open action item in a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SummaryItem {
    /// The manager's app's id for it: the member's "done" names it.
    pub item: i64,
    pub text: String,
    pub owner: Owner,
    /// `YYYY-MM-DD`, when it has one.
    pub due: Option<String>,
    pub done: bool,
}

/// The summary the manager sends after a held 1on1: the same content as the "Summary for the
/// member" file, never the private note or a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct MemberSummary {
    /// The day the 1on1 was held (`YYYY-MM-DD`).
    pub held_on: String,
    pub agenda: Vec<SummaryTopic>,
    pub items: Vec<SummaryItem>,
}

/// What the manager's app says to the member's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ToMember {
    /// The manager took the member's topic into the agenda: it can no longer be edited.
    TopicTaken { id: String },
    /// A held 1on1's summary.
    Summary { summary: MemberSummary },
    /// The manager set an item's state (undoing the member's "done", or marking it done).
    ItemState { item: i64, done: bool },
}

/// The whole `me/src/lib/wire.ts`: the member page's side of these types, generated from them.
#[cfg(feature = "ts")]
pub fn typescript() -> String {
    use ts_rs::{Config, TS};
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust types by crates/protocol (channel::typescript). Do not edit:\n\
         // run `TAIWA_UPDATE_BINDINGS=1 cargo test -p taiwa-protocol wire` after changing a type.\n\n",
    );
    let decls = [
        taiwa_domain::TopicKind::decl(&cfg),
        taiwa_domain::Wants::decl(&cfg),
        taiwa_domain::Owner::decl(&cfg),
        PairingState::decl(&cfg),
        SealedMessage::decl(&cfg),
        RelayedMessage::decl(&cfg),
        Inbox::decl(&cfg),
        Ack::decl(&cfg),
        Acks::decl(&cfg),
        Acked::decl(&cfg),
        Sent::decl(&cfg),
        MemberPairRequest::decl(&cfg),
        PairPerson::decl(&cfg),
        MemberState::decl(&cfg),
        MemberPaired::decl(&cfg),
        Talked::decl(&cfg),
        RatingRequest::decl(&cfg),
        Rated::decl(&cfg),
        ToManager::decl(&cfg),
        SummaryTopic::decl(&cfg),
        SummaryItem::decl(&cfg),
        MemberSummary::decl(&cfg),
        ToMember::decl(&cfg),
        crate::ApiCode::decl(&cfg),
    ];
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    let list = |items: &[&str]| items.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", ");
    let kinds: Vec<&str> = taiwa_domain::TopicKind::ALL.iter().map(|k| k.as_str()).collect();
    let wants: Vec<&str> = taiwa_domain::Wants::ALL.iter().map(|w| w.as_str()).collect();
    let talked: Vec<&str> = Talked::ALL.iter().map(|t| t.as_str()).collect();
    out.push_str(&format!(
        "export const MEMBER_API = \"{MEMBER_API}\";\n\
         export const MAX_TOPIC_CHARS = {MAX_TOPIC_CHARS};\n\
         export const MAX_REQUEST_NOTE_CHARS = {MAX_REQUEST_NOTE_CHARS};\n\
         export const RATING_CHANGE_DAYS = {RATING_CHANGE_DAYS};\n\
         export const RATINGS_KEEP_MONTHS = {RATINGS_KEEP_MONTHS};\n\
         export const RELAY_KEEP_DAYS = {RELAY_KEEP_DAYS};\n\
         export const CLARITY_MIN = {CLARITY_MIN};\n\
         export const CLARITY_MAX = {CLARITY_MAX};\n\
         export const TOPIC_KINDS: readonly TopicKind[] = [{}];\n\
         export const WANTS: readonly Wants[] = [{}];\n\
         export const TALKED: readonly Talked[] = [{}];\n",
        list(&kinds),
        list(&wants),
        list(&talked)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_inside_the_seal_read_as_tagged_json() {
        let topic = ToManager::Topic {
            id: "t1".into(),
            text: "来期の目標".into(),
            kind: TopicKind::Career,
            wants: Wants::Think,
        };
        let json = serde_json::to_string(&topic).unwrap();
        assert_eq!(
            json,
            r#"{"type":"topic","id":"t1","text":"来期の目標","kind":"career","wants":"think"}"#
        );
        assert_eq!(serde_json::from_str::<ToManager>(&json).unwrap(), topic);
        assert!(serde_json::from_str::<ToManager>(r#"{"type":"topic","id":"t1"}"#).is_err());
    }

    #[test]
    fn a_sent_message_is_flat_on_the_wire() {
        let send = ManagerSend {
            member_employee_id: "E2".into(),
            seq: 3,
            enc: "AA".into(),
            ciphertext: "BB".into(),
        };
        let json = serde_json::to_string(&send).unwrap();
        assert_eq!(
            json,
            r#"{"member_employee_id":"E2","seq":3,"enc":"AA","ciphertext":"BB"}"#
        );
        assert_eq!(serde_json::from_str::<ManagerSend>(&json).unwrap(), send);
    }

    #[test]
    fn debug_never_shows_a_code_token_or_rating_token() {
        let shown = format!(
            "{:?} {:?} {:?}",
            PairingCode {
                code: "SECRETCODE".into(),
                expires_at: 1
            },
            MemberPairRequest {
                code: "SECRETCODE".into(),
                member_key: "k".into()
            },
            RatingRequest {
                month: "2026-12".parse().unwrap(),
                clarity: Some(4),
                talked: None,
                token: "SECRETTOKEN".into()
            }
        );
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
