//! The desktop app's commands, written once here and called by thin Tauri commands in
//! `src-tauri/`. Everything the UI can ask is a method of [`App`] taking and returning types that
//! derive TypeScript bindings (`ui/src/lib/bindings.ts`, checked for staleness by a test), and every
//! failure crosses the boundary as an [`IpcError`] with a stable `code` the UI switches on.
//!
//! Invariants: the data key lives only inside the open `Vault` here, and locking drops it (the
//! vault wipes it); secrets arriving from the UI are wiped after use; nothing here knows Tauri.

mod app;
mod bindings;
mod member;
mod sync;
mod types;

pub use app::{App, safe_file_name};
pub use bindings::typescript_bindings;
pub use member::{MemberExchange, MemberPairingView, QrCode, SessionMember, TakeTopicInput, qr_code};
pub use sync::{DirectoryAnswer, EnrolInput, NewMember, Shared, SyncOverview};
pub use taiwa_protocol::channel::{MemberSummary, TeamQuality};
pub use types::*;

/// The longest auto-lock time a manager may choose, in minutes.
pub const MAX_AUTO_LOCK_MINUTES: u32 = 240;
