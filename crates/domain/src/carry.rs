//! Carry-over: what was left open last time surfaces on the next session by itself.
//!
//! Agenda items belong to one session, so an open one is *copied* forward, remembering the item it
//! came from; the copy is made once per hop (the store keeps `(session, carried_from)` unique), and
//! what is left open again travels on from the copy, never again from the original. Action items
//! belong to the person, so they are not copied: every session shows the person's open ones.

use chrono::NaiveDateTime as DateTime;

use crate::SessionState;

/// What carry-over needs to know about an agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgendaFacts {
    pub id: i64,
    pub done: bool,
    /// The item this one was carried from, if it was.
    pub carried_from: Option<i64>,
}

/// What carry-over needs to know about an action item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionFacts {
    pub id: i64,
    pub created: DateTime,
    pub done: bool,
}

/// The session that comes before the one at `at`, among a person's sessions `(id, at, state)`:
/// the latest earlier one that was not cancelled (a skipped session's agenda still stands).
pub fn previous_session(sessions: &[(i64, DateTime, SessionState)], this_id: i64, at: DateTime) -> Option<i64> {
    sessions
        .iter()
        .filter(|(id, when, state)| *id != this_id && (*when, *id) < (at, this_id) && *state != SessionState::Cancelled)
        .max_by_key(|(id, when, _)| (*when, *id))
        .map(|(id, _, _)| *id)
}

/// The items of the previous session to copy into the next: the open ones not already carried
/// there, nor removed from it by the manager (`declined`: the items whose copies were removed).
pub fn carry_over(previous: &[AgendaFacts], next: &[AgendaFacts], declined: &[i64]) -> Vec<i64> {
    previous
        .iter()
        .filter(|item| !item.done)
        .filter(|item| !next.iter().any(|n| n.carried_from == Some(item.id)))
        .filter(|item| !declined.contains(&item.id))
        .map(|item| item.id)
        .collect()
}

/// The person's action items to show on a session at `at`: those still open that were made before it.
pub fn open_actions_before(actions: &[ActionFacts], at: DateTime) -> Vec<i64> {
    actions
        .iter()
        .filter(|a| !a.done && a.created <= at)
        .map(|a| a.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    use proptest::prelude::*;

    fn open(id: i64) -> AgendaFacts {
        AgendaFacts {
            id,
            done: false,
            carried_from: None,
        }
    }

    #[test]
    fn open_items_carry_once() {
        let previous = [
            open(1),
            AgendaFacts {
                id: 2,
                done: true,
                carried_from: None,
            },
            open(3),
        ];
        assert_eq!(carry_over(&previous, &[], &[]), vec![1, 3]);
        // A copy the manager removed from the next session is not made again.
        assert_eq!(carry_over(&previous, &[], &[1]), vec![3]);
        // After copying, asking again carries nothing more: no duplicates.
        let next = [
            AgendaFacts {
                id: 10,
                done: false,
                carried_from: Some(1),
            },
            AgendaFacts {
                id: 11,
                done: false,
                carried_from: Some(3),
            },
            open(12),
        ];
        assert!(carry_over(&previous, &next, &[]).is_empty());
        // Ticking the copy off does not bring the original back.
        let ticked = [
            AgendaFacts {
                id: 10,
                done: true,
                carried_from: Some(1),
            },
            next[1],
        ];
        assert!(carry_over(&previous, &ticked, &[]).is_empty());
    }

    #[test]
    fn previous_session_skips_cancelled_and_later_ones() {
        let d = |day| date(2026, 11, day).and_hms_opt(10, 0, 0).unwrap();
        let sessions = [
            (1, d(2), SessionState::Held),
            (2, d(9), SessionState::Cancelled),
            (3, d(16), SessionState::Planned),
            (4, d(23), SessionState::Skipped),
        ];
        assert_eq!(previous_session(&sessions, 3, d(16)), Some(1));
        assert_eq!(previous_session(&sessions, 4, d(23)), Some(3));
        assert_eq!(previous_session(&sessions, 1, d(2)), None);
        // Two sessions at the same minute are ordered by id.
        let twins = [(5, d(2), SessionState::Held), (6, d(2), SessionState::Planned)];
        assert_eq!(previous_session(&twins, 6, d(2)), Some(5));
        assert_eq!(previous_session(&twins, 5, d(2)), None);
    }

    #[test]
    fn open_actions_show_until_done() {
        let d = |day| date(2026, 11, day).and_hms_opt(10, 0, 0).unwrap();
        let actions = [
            ActionFacts {
                id: 1,
                created: d(2),
                done: false,
            },
            ActionFacts {
                id: 2,
                created: d(2),
                done: true,
            },
            ActionFacts {
                id: 3,
                created: d(20),
                done: false,
            },
        ];
        assert_eq!(open_actions_before(&actions, d(16)), vec![1]);
        assert_eq!(open_actions_before(&actions, d(21)), vec![1, 3]);
    }

    proptest! {
        #[test]
        fn carrying_twice_is_carrying_once(done in prop::collection::vec(any::<bool>(), 0..20)) {
            let previous: Vec<AgendaFacts> = done.iter().enumerate().map(|(i, d)| AgendaFacts { id: i as i64, done: *d, carried_from: None }).collect();
            let first = carry_over(&previous, &[], &[]);
            prop_assert_eq!(first.len(), done.iter().filter(|d| !**d).count());
            let next: Vec<AgendaFacts> = first.iter().map(|id| AgendaFacts { id: 100 + id, done: false, carried_from: Some(*id) }).collect();
            prop_assert!(carry_over(&previous, &next, &[]).is_empty());
        }
    }
}
