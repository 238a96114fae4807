//! The sync client, used by the desktop app and the `taiwa` command line.
//!
//! It sends the company server, per (member, month), how many 1on1s were held and for how many
//! minutes, and nothing else: what it sends is built only from `taiwa_vault::OutgoingRecord`
//! (ids, months, counts) into `taiwa_protocol` types, which have no field for anything else. The
//! network and the vault never meet inside one call: a caller reads the outbox, sends without
//! holding the vault, then records the answer, so the app's UI never waits on the network.

mod client;
mod engine;
pub mod member;
mod push;
mod roster;
mod schedule;

pub use client::{Client, Disposition, SyncError, check_server_url};
pub use engine::{
    Cycle, CycleReport, MAX_BATCHES_PER_CYCLE, Outbox, VaultAccess, connection, enrol, next_batch, outbox, sync_cycle,
};
pub use push::{Backoff, PushReport, record_outcome, to_wire};
pub use roster::{RosterChoices, RosterMatch, apply_roster, default_device_name, directory_entry};
pub use schedule::{INTERVAL, LOOK_AGAIN, SPREAD, Schedule, random_unit};
