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

pub use cadence::{
    DueState, MonthFacts, MonthSummary, PersonFacts, PersonMonth, SessionFacts, month_figures, month_summary,
    person_month,
};
pub use carry::{ActionFacts, AgendaFacts, carry_over, open_actions_before, previous_session};
pub use kinds::{Cadence, Owner, ParseKindError, Relationship, SessionState, TopicKind, Wants};
pub use month::{Month, MonthError};
pub use zone::Zone;

/// Whether `text` is an email address as Taiwa takes one (the one rule for the app, the directory
/// and HR's accounts): one `@` with something before it, a domain with an inner dot after it, no
/// whitespace or control character, at most 254 characters.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && text.len() <= 254
}

/// Whether `text` is an employee (or org unit) id as Taiwa accepts and sends them: 1 to 64
/// characters from ASCII letters, digits, `-`, `_` and `.`. An id, never a phrase: whatever is
/// typed into the field could otherwise leave the laptop.
pub fn is_employee_id(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Longest a single session may be held, in minutes (eight hours); the server applies the same bound.
pub const MAX_SESSION_MINUTES: u32 = 480;

/// The time of day a new 1on1 is offered at when the manager has not chosen one (`HH:MM`).
pub const DEFAULT_PLAN_TIME: &str = "10:00";

#[cfg(test)]
mod email_tests {
    #[test]
    fn one_email_rule() {
        for good in ["hanako@example.co.jp", "a.b+c@x.jp"] {
            assert!(super::is_email(good), "{good}");
        }
        for bad in [
            "",
            "hanako",
            "@example.co.jp",
            "a@b",
            "a@.jp",
            "a@x.",
            "a@@x.jp",
            "a b@x.jp",
            "a@x.jp\n",
        ] {
            assert!(!super::is_email(bad), "{bad:?}");
        }
        assert!(!super::is_email(&format!("{}@x.jp", "a".repeat(250))));
    }
}

#[cfg(test)]
mod tests {
    use super::is_employee_id;

    #[test]
    fn employee_ids_are_ids_not_phrases() {
        for ok in ["E000123", "a-1_2.3", &"9".repeat(64)] {
            assert!(is_employee_id(ok), "{ok}");
        }
        for bad in ["", "E 1", "転職したい", "Ｅ０１", &"9".repeat(65), "E1\n", "a/b", "x@y"] {
            assert!(!is_employee_id(bad), "{bad}");
        }
    }
}
