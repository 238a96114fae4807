//! Taiwa's domain: the words of a 1on1 practice as plain types, and the rules that the app, the
//! command line and the server's client all apply the same way.
//!
//! Invariants kept here rather than in storage: a session belongs to the month of its *local* date
//! (the manager's calendar, not UTC); a person is counted for a month only while active in it; a
//! carried-over agenda item is carried once per hop, never duplicated. This crate does no I/O, so
//! every rule is unit- and property-tested with plain values.

mod cadence;
mod carry;
mod kinds;
mod month;
mod zone;

pub use cadence::{DueState, MonthSummary, PersonFacts, PersonMonth, SessionFacts, month_summary, person_month};
pub use carry::{ActionFacts, AgendaFacts, carry_over, open_actions_before, previous_session};
pub use kinds::{Cadence, Owner, ParseKindError, Relationship, SessionState, TopicKind, Wants};
pub use month::{Month, MonthError};
pub use zone::Zone;

/// Longest a single session may be held, in minutes (eight hours); the server applies the same bound.
pub const MAX_SESSION_MINUTES: u32 = 480;
