//! The TypeScript side of the IPC schema, generated from the Rust types.

use ts_rs::{Config, TS};

use crate::sync::*;
use crate::types::*;

macro_rules! declarations {
    ($cfg:expr; $($ty:ty),* $(,)?) => {{
        let mut out = String::new();
        $(
            out.push_str("export ");
            out.push_str(&<$ty as TS>::decl($cfg));
            out.push_str("\n\n");
        )*
        out
    }};
}

/// The whole `ui/src/lib/bindings.ts`, one declaration per type, in a stable order.
pub fn typescript_bindings() -> String {
    let cfg = Config::new().with_large_int("number");
    let body = declarations!(&cfg;
        ErrorCode, IpcError, taiwa_vault::Problem, taiwa_vault::Rule, Language, Theme, Settings, AppStatus, Secret, CreateVaultInput, CreatedVault, UnlockInput, RecoverInput,
        PersonInput, PlanInput, MoveInput, AgendaInput, ActionInput, ActionEditInput, FinishInput, StripCell, HomePerson, Home, PersonPage, Saved,
        taiwa_domain::Relationship, taiwa_domain::Cadence, taiwa_domain::SessionState, taiwa_domain::TopicKind,
        taiwa_domain::Wants, taiwa_domain::Owner, taiwa_domain::DueState, taiwa_domain::PersonMonth,
        taiwa_domain::MonthSummary,
        taiwa_vault::Person, taiwa_vault::Session, taiwa_vault::SessionView, taiwa_vault::LastTime, taiwa_vault::AgendaItem,
        taiwa_vault::Note, taiwa_vault::Action, taiwa_vault::PersonStatus, taiwa_vault::Hit, taiwa_vault::HitKind, taiwa_vault::HitState, taiwa_vault::SearchFilter, taiwa_vault::SearchPage, taiwa_vault::PersonMatch,
        taiwa_vault::SnippetPart, taiwa_vault::CareerNote, taiwa_vault::BacklogItem, taiwa_vault::Footprint,
        EnrolInput, SyncOverview, NewMember, DirectoryAnswer, HrDiffers, taiwa_vault::DirectoryChange, taiwa_vault::DirectoryEntry, ExportPeriod, ExportKind, ExportInput, Exported, taiwa_vault::CompletionSummary, taiwa_vault::MonthTotal, taiwa_vault::SummaryRow, taiwa_vault::SessionText, ChangePassphraseInput, PassphraseInput, VaultFileDone, taiwa_vault::VerifyReport, taiwa_vault::Enrolment, taiwa_vault::SyncStatus,
        taiwa_vault::OutgoingRecord, Refused, taiwa_protocol::RecordRule, taiwa_vault::SyncLogEntry,
        crate::member::QrCode, crate::member::MemberPairingView, crate::member::MemberExchange, crate::member::TakeTopicInput, crate::member::SessionMember,
        taiwa_vault::PairingStage, taiwa_vault::TopicState, taiwa_vault::MemberTopic, taiwa_vault::MemberRequest,
        taiwa_protocol::channel::MemberSummary, taiwa_protocol::channel::SummaryTopic, taiwa_protocol::channel::SummaryItem,
        taiwa_protocol::channel::TeamQuality, taiwa_protocol::channel::TeamMonth, taiwa_protocol::channel::TeamWithheld,
    );
    format!("// Generated from the Rust types by crates/ipc (typescript_bindings). Do not edit:\n// run `TAIWA_UPDATE_BINDINGS=1 cargo test -p taiwa-ipc bindings` after changing a type.\n\n{body}{}", shared_values())
        .trim_end()
        .to_owned()
        + "\n"
}

/// The limits and vocabularies the UI shares with Rust, as values: a form's bounds and a select's
/// options come from here, never from a number or a list written again in the UI.
fn shared_values() -> String {
    fn list<T: std::fmt::Display>(items: &[T]) -> String {
        items.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", ")
    }
    let kinds: Vec<&str> = taiwa_domain::TopicKind::ALL.iter().map(|k| k.as_str()).collect();
    let wants: Vec<&str> = taiwa_domain::Wants::ALL.iter().map(|w| w.as_str()).collect();
    format!(
        "/** The longest a 1on1 may be, in minutes (taiwa_domain::MAX_SESSION_MINUTES). */\n\
         export const MAX_SESSION_MINUTES = {};\n\n\
         /** The time of day a new 1on1 is offered at (taiwa_domain::DEFAULT_PLAN_TIME). */\n\
         export const DEFAULT_PLAN_TIME = \"{}\";\n\n\
         /** The shortest passphrase, in characters (taiwa_vault::MIN_PASSPHRASE_CHARS). */\n\
         export const MIN_PASSPHRASE_CHARS = {};\n\n\
         /** How many months back a device may send (taiwa_protocol::MAX_MONTHS_BACK). */\n\
         export const MAX_MONTHS_BACK = {};\n\n\
         /** The longest auto-lock time, in minutes (taiwa_ipc::MAX_AUTO_LOCK_MINUTES). */\n\
         export const MAX_AUTO_LOCK_MINUTES = {};\n\n\
         /** What an agenda item can be about, in the order a select offers them. */\n\
         export const TOPIC_KINDS: readonly TopicKind[] = [{}];\n\n\
         /** What a member can want from the manager, in the order a select offers them. */\n\
         export const WANTS: readonly Wants[] = [{}];\n\n",
        taiwa_domain::MAX_SESSION_MINUTES,
        taiwa_domain::DEFAULT_PLAN_TIME,
        taiwa_vault::MIN_PASSPHRASE_CHARS,
        taiwa_protocol::MAX_MONTHS_BACK,
        crate::MAX_AUTO_LOCK_MINUTES,
        list(&kinds),
        list(&wants),
    )
}
