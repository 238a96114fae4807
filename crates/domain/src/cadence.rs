//! Who is due, who is overdue, and how complete a month is.
//!
//! Completion, as HR counts it, is simple: a person is *met* in a month when at least one session
//! with them was held in it. The cadence adds the manager's own rhythm on top: a weekly person is due
//! again seven days after the last session, a biweekly one fourteen days after, a monthly one by the
//! end of the next calendar month. "Overdue" means that date has passed; for a monthly person that
//! is a whole missed month, never a single late day.

use chrono::{Datelike, Days, NaiveDate as Date, NaiveDateTime as DateTime, Weekday};
use serde::Serialize;

use crate::{Cadence, Month, SessionState};

/// What the rules need to know about a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    pub cadence: Cadence,
    /// First day the person is in the manager's care; when absent, the day they were added.
    pub start: Date,
    /// Last day they are; archiving a person sets this to the day of archiving when it was open.
    pub end: Option<Date>,
    /// The first day the manager's records know them (the day they were added, or their first
    /// session if earlier): the rhythm never asks for a 1on1 before the month of this day, however
    /// early `start` is.
    pub known_from: Date,
}

/// What the rules need to know about a session: its local time, state and held minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionFacts {
    pub at: DateTime,
    pub state: SessionState,
    pub minutes: u32,
}

/// Where a person stands in the manager's rhythm in a month. This is never HR's figure: whether
/// a person was *met* is `PersonMonth::met` alone (a weekly person added this week owes nothing
/// yet this month, and is still not met).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DueState {
    /// Nothing more is owed this month: the next session is due after the month ends (for a past
    /// month: at least one session was held in it).
    Clear,
    /// A session is planned before the due date, or (once that date has passed) at all.
    Planned,
    /// A session is owed by the due date, which has not passed yet.
    Due,
    /// The due date has passed without a held session.
    Overdue,
    /// A past month in which no session was held.
    Missed,
}

/// One person's figures for one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonMonth {
    pub month: Month,
    pub state: DueState,
    /// Sessions held in the month.
    pub held: u32,
    /// Total minutes of the held sessions.
    pub minutes: u32,
    /// How many sessions the cadence asks for in this month.
    pub expected: u32,
    /// At least one session held: the completion figure HR sees.
    pub met: bool,
    /// The date by which the next session is owed (current and future months, also when that
    /// date is after the month: "next due …").
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub due_by: Option<Date>,
    /// The next planned session from `today` on, within the month.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub next_planned: Option<DateTime>,
}

impl Cadence {
    /// Sessions the cadence asks for in `month`: one a month, two, or one per week that starts in it.
    pub fn expected_in(self, month: Month) -> u32 {
        match self {
            Cadence::Monthly => 1,
            Cadence::Biweekly => 2,
            Cadence::Weekly => {
                let mut day = month.first_day();
                while day.weekday() != Weekday::Mon {
                    day = day.succ_opt().unwrap_or(day);
                }
                let mut count = 0;
                while month.contains(day) {
                    count += 1;
                    day = match day.checked_add_days(Days::new(7)) {
                        Some(next) => next,
                        None => break,
                    };
                }
                count
            }
        }
    }

    /// The date by which the next session is owed, counting from the last held session's date, or
    /// for someone never met, from the day they started (their first month, or first week).
    pub fn next_due(self, last_held: Option<Date>, start: Date) -> Date {
        match (self, last_held) {
            (Cadence::Monthly, Some(held)) => Month::of(held).next().map_or(Date::MAX, Month::last_day),
            (Cadence::Monthly, None) => Month::of(start).last_day(),
            (Cadence::Weekly, held) => held
                .unwrap_or(start)
                .checked_add_days(Days::new(7))
                .unwrap_or(Date::MAX),
            (Cadence::Biweekly, held) => held
                .unwrap_or(start)
                .checked_add_days(Days::new(14))
                .unwrap_or(Date::MAX),
        }
    }
}

impl PersonFacts {
    /// The day a never-met person's rhythm counts from: the later of their start and the first
    /// day of the month the records knew them (someone added today with a start in 2024 is due
    /// this month, not overdue since 2024).
    pub fn owed_from(&self) -> Date {
        self.start.max(Month::of(self.known_from).first_day())
    }

    /// Whether the person is in the manager's care for any day of `month`.
    pub fn active_in(&self, month: Month) -> bool {
        self.start <= month.last_day() && self.end.is_none_or(|end| end >= month.first_day())
    }
}

/// What a month's figures need from a person's sessions, however many there are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthFacts {
    /// Sessions held in the month.
    pub held: u32,
    /// Their minutes.
    pub minutes: u32,
    /// The date of the last session held on or before the month's horizon (today, kept within
    /// the month): the rhythm counts from it. Not needed for a month before today's.
    pub last_held: Option<Date>,
    /// The earliest session planned in the month from today on. Not needed for a month before
    /// today's.
    pub next_planned: Option<DateTime>,
}

impl MonthFacts {
    /// The facts of `month` as seen on `today`, from the person's sessions (at least those in
    /// the month and the last held one before it).
    pub fn of(sessions: &[SessionFacts], month: Month, today: Date) -> MonthFacts {
        let horizon = today.max(month.first_day()).min(month.last_day());
        let held = sessions.iter().filter(|s| s.state == SessionState::Held);
        let (count, minutes) = held
            .clone()
            .filter(|s| month.contains(s.at.date()))
            .fold((0u32, 0u32), |(count, minutes), s| {
                (count.saturating_add(1), minutes + s.minutes)
            });
        MonthFacts {
            held: count,
            minutes,
            last_held: held.map(|s| s.at.date()).filter(|d| *d <= horizon).max(),
            next_planned: sessions
                .iter()
                .filter(|s| s.state == SessionState::Planned && s.at.date() >= today && month.contains(s.at.date()))
                .map(|s| s.at)
                .min(),
        }
    }
}

/// The person's figures for `month` as seen on `today`, or `None` when they were not active in it.
pub fn person_month(person: &PersonFacts, sessions: &[SessionFacts], month: Month, today: Date) -> Option<PersonMonth> {
    month_figures(person, &MonthFacts::of(sessions, month, today), month, today)
}

/// The person's figures for `month` as seen on `today` from what they need of the sessions
/// (`MonthFacts`), or `None` when the person was not active in it. A month before today's needs
/// only how many sessions were held in it and their minutes.
pub fn month_figures(person: &PersonFacts, facts: &MonthFacts, month: Month, today: Date) -> Option<PersonMonth> {
    if !person.active_in(month) {
        return None;
    }
    let met = facts.held > 0;
    let mut figures = PersonMonth {
        month,
        state: if met { DueState::Clear } else { DueState::Missed },
        held: facts.held,
        minutes: facts.minutes,
        expected: person.cadence.expected_in(month),
        met,
        due_by: None,
        next_planned: None,
    };
    if month < Month::of(today) {
        return Some(figures);
    }
    // A session held in the month counts for the rhythm even when it is dated after today (held
    // ahead of its time, before sessions were dated when held): the rhythm then counts from today.
    let horizon = today.max(month.first_day()).min(month.last_day());
    let last_held = if met && facts.last_held.is_none_or(|d| !month.contains(d)) {
        Some(horizon)
    } else {
        facts.last_held
    };
    let due_by = person.cadence.next_due(last_held, person.owed_from());
    figures.next_planned = facts.next_planned;
    // A planned session answers what is owed, also once its date has passed: planning the overdue
    // 1on1 clears "overdue".
    figures.state = if due_by > month.last_day() {
        DueState::Clear
    } else if facts
        .next_planned
        .is_some_and(|at| at.date() <= due_by || due_by < today)
    {
        DueState::Planned
    } else if due_by < today {
        DueState::Overdue
    } else {
        DueState::Due
    };
    figures.due_by = Some(due_by);
    Some(figures)
}

/// The completion of a month over everyone active in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MonthSummary {
    pub month: Month,
    /// People active in the month.
    pub people: u32,
    /// Of those, people with at least one held session.
    pub met: u32,
    /// `met / people`, or `None` when nobody was active.
    pub rate: Option<f64>,
    pub sessions_held: u32,
    pub minutes: u32,
}

/// Sums per-person figures of one month into the month's completion.
pub fn month_summary<'a>(month: Month, figures: impl IntoIterator<Item = &'a PersonMonth>) -> MonthSummary {
    let mut summary = MonthSummary {
        month,
        people: 0,
        met: 0,
        rate: None,
        sessions_held: 0,
        minutes: 0,
    };
    for person in figures.into_iter().filter(|f| f.month == month) {
        summary.people += 1;
        summary.met += u32::from(person.met);
        summary.sessions_held += person.held;
        summary.minutes += person.minutes;
    }
    if summary.people > 0 {
        summary.rate = Some(f64::from(summary.met) / f64::from(summary.people));
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    use proptest::prelude::*;

    fn m(s: &str) -> Month {
        s.parse().unwrap()
    }

    fn person(cadence: Cadence, start: Date) -> PersonFacts {
        PersonFacts {
            cadence,
            start,
            end: None,
            known_from: start,
        }
    }

    fn session(at: Date, state: SessionState) -> SessionFacts {
        SessionFacts {
            at: at.and_hms_opt(10, 0, 0).unwrap(),
            state,
            minutes: if state == SessionState::Held { 30 } else { 0 },
        }
    }

    #[test]
    fn monthly_person_met_this_month_is_done() {
        let p = person(Cadence::Monthly, date(2026, 1, 1));
        let s = [session(date(2026, 11, 3), SessionState::Held)];
        let f = person_month(&p, &s, m("2026-11"), date(2026, 11, 25)).unwrap();
        assert_eq!(
            (f.state, f.held, f.minutes, f.met, f.due_by),
            (DueState::Clear, 1, 30, true, Some(date(2026, 12, 31)))
        );
    }

    #[test]
    fn monthly_person_met_last_month_is_due_by_month_end_then_planned() {
        let p = person(Cadence::Monthly, date(2026, 1, 1));
        let mut s = vec![session(date(2026, 10, 20), SessionState::Held)];
        let f = person_month(&p, &s, m("2026-11"), date(2026, 11, 25)).unwrap();
        assert_eq!((f.state, f.due_by), (DueState::Due, Some(date(2026, 11, 30))));
        s.push(session(date(2026, 11, 27), SessionState::Planned));
        let f = person_month(&p, &s, m("2026-11"), date(2026, 11, 25)).unwrap();
        assert_eq!(f.state, DueState::Planned);
        assert_eq!(f.next_planned, Some(date(2026, 11, 27).and_hms_opt(10, 0, 0).unwrap()));
    }

    #[test]
    fn monthly_person_who_missed_a_whole_month_is_overdue() {
        let p = person(Cadence::Monthly, date(2026, 1, 1));
        let s = [
            session(date(2026, 9, 20), SessionState::Held),
            session(date(2026, 10, 5), SessionState::Skipped),
        ];
        let f = person_month(&p, &s, m("2026-11"), date(2026, 11, 2)).unwrap();
        assert_eq!((f.state, f.due_by), (DueState::Overdue, Some(date(2026, 10, 31))));
    }

    #[test]
    fn new_person_is_due_in_their_first_month_not_overdue() {
        let p = person(Cadence::Monthly, date(2026, 11, 20));
        let f = person_month(&p, &[], m("2026-11"), date(2026, 11, 25)).unwrap();
        assert_eq!(f.state, DueState::Due);
        assert!(
            person_month(&p, &[], m("2026-10"), date(2026, 11, 25)).is_none(),
            "not active before start"
        );
    }

    #[test]
    fn weekly_and_biweekly_run_on_days_since_the_last_session() {
        let held = [session(date(2026, 11, 10), SessionState::Held)];
        let weekly = person(Cadence::Weekly, date(2026, 1, 1));
        let f = person_month(&weekly, &held, m("2026-11"), date(2026, 11, 16)).unwrap();
        assert_eq!((f.state, f.due_by), (DueState::Due, Some(date(2026, 11, 17))));
        let f = person_month(&weekly, &held, m("2026-11"), date(2026, 11, 18)).unwrap();
        assert_eq!(f.state, DueState::Overdue);
        let biweekly = person(Cadence::Biweekly, date(2026, 1, 1));
        let f = person_month(&biweekly, &held, m("2026-11"), date(2026, 11, 18)).unwrap();
        assert_eq!((f.state, f.due_by), (DueState::Due, Some(date(2026, 11, 24))));
        // A weekly session late in the month covers the rest of it.
        let late = [session(date(2026, 11, 27), SessionState::Held)];
        let f = person_month(&weekly, &late, m("2026-11"), date(2026, 11, 28)).unwrap();
        assert_eq!(f.state, DueState::Clear);
    }

    #[test]
    fn owing_nothing_yet_is_not_met() {
        // A weekly person added this week, with no session held: nothing is owed before next
        // week, which is next month, and still they were not met this month.
        let p = person(Cadence::Weekly, date(2026, 11, 25));
        let f = person_month(&p, &[], m("2026-11"), date(2026, 11, 25)).unwrap();
        assert_eq!((f.state, f.met, f.held), (DueState::Clear, false, 0));
        assert_eq!(
            f.due_by,
            Some(date(2026, 12, 2)),
            "the rhythm says when the next one is owed"
        );
        // A planned session does not make anyone met either.
        let planned = [session(date(2026, 11, 27), SessionState::Planned)];
        let f = person_month(&p, &planned, m("2026-11"), date(2026, 11, 25)).unwrap();
        assert!(!f.met);
        // The month's summary counts met people only.
        let others = [
            person_month(&p, &[], m("2026-11"), date(2026, 11, 25)).unwrap(),
            person_month(
                &person(Cadence::Monthly, date(2026, 1, 1)),
                &[session(date(2026, 11, 3), SessionState::Held)],
                m("2026-11"),
                date(2026, 11, 25),
            )
            .unwrap(),
        ];
        let summary = month_summary(m("2026-11"), others.iter());
        assert_eq!((summary.people, summary.met), (2, 1));
    }

    #[test]
    fn past_months_are_met_or_missed() {
        let p = person(Cadence::Monthly, date(2025, 1, 1));
        let s = [
            session(date(2025, 12, 31), SessionState::Held),
            session(date(2026, 1, 15), SessionState::Cancelled),
        ];
        let today = date(2026, 3, 1);
        assert_eq!(
            person_month(&p, &s, m("2025-12"), today).unwrap().state,
            DueState::Clear
        );
        let jan = person_month(&p, &s, m("2026-01"), today).unwrap();
        assert_eq!((jan.state, jan.held, jan.met), (DueState::Missed, 0, false));
    }

    #[test]
    fn a_session_late_on_new_years_eve_counts_for_december() {
        let p = person(Cadence::Monthly, date(2025, 1, 1));
        let s = [SessionFacts {
            at: date(2025, 12, 31).and_hms_opt(23, 30, 0).unwrap(),
            state: SessionState::Held,
            minutes: 45,
        }];
        let today = date(2026, 1, 10);
        assert!(person_month(&p, &s, m("2025-12"), today).unwrap().met);
        let jan = person_month(&p, &s, m("2026-01"), today).unwrap();
        assert!(!jan.met);
        assert_eq!((jan.state, jan.due_by), (DueState::Due, Some(date(2026, 1, 31))));
    }

    #[test]
    fn someone_added_today_with_an_old_start_is_due_this_month_not_overdue_since_then() {
        let p = PersonFacts {
            cadence: Cadence::Monthly,
            start: date(2024, 4, 8),
            end: None,
            known_from: date(2026, 12, 7),
        };
        let today = date(2026, 12, 7);
        let f = person_month(&p, &[], m("2026-12"), today).unwrap();
        assert_eq!((f.state, f.due_by), (DueState::Due, Some(date(2026, 12, 31))));
        // They still count as in the manager's care in earlier months (HR's figure is not the
        // rhythm's): a past month is missed, not skipped over.
        assert_eq!(
            person_month(&p, &[], m("2026-11"), today).unwrap().state,
            DueState::Missed
        );
        // A weekly person is due a week into the month the vault knew them, at the earliest.
        let weekly = PersonFacts {
            cadence: Cadence::Weekly,
            ..p
        };
        let f = person_month(&weekly, &[], m("2026-12"), today).unwrap();
        assert_eq!((f.state, f.due_by), (DueState::Due, Some(date(2026, 12, 8))));
    }

    #[test]
    fn planning_the_overdue_1on1_clears_overdue() {
        let p = person(Cadence::Monthly, date(2026, 1, 1));
        let held = session(date(2026, 10, 20), SessionState::Held);
        let today = date(2026, 12, 7);
        let f = person_month(&p, &[held], m("2026-12"), today).unwrap();
        assert_eq!((f.state, f.due_by), (DueState::Overdue, Some(date(2026, 11, 30))));
        let planned = session(date(2026, 12, 10), SessionState::Planned);
        let f = person_month(&p, &[held, planned], m("2026-12"), today).unwrap();
        assert_eq!(f.state, DueState::Planned);
        assert_eq!(f.next_planned, Some(planned.at));
    }

    #[test]
    fn a_session_held_ahead_of_its_date_still_answers_the_month() {
        // Held on the 2nd but dated the 3rd (a vault from before sessions were dated when held).
        let p = person(Cadence::Monthly, date(2026, 1, 1));
        let s = [
            session(date(2026, 11, 20), SessionState::Held),
            session(date(2026, 12, 3), SessionState::Held),
        ];
        let f = person_month(&p, &s, m("2026-12"), date(2026, 12, 2)).unwrap();
        assert!(f.met);
        assert_eq!((f.state, f.due_by), (DueState::Clear, Some(date(2027, 1, 31))));
    }

    #[test]
    fn people_who_left_are_not_counted_after_they_left() {
        let p = PersonFacts {
            cadence: Cadence::Monthly,
            start: date(2025, 1, 1),
            end: Some(date(2026, 9, 3)),
            known_from: date(2025, 1, 1),
        };
        assert!(p.active_in(m("2026-09")));
        assert!(!p.active_in(m("2026-10")));
        assert!(person_month(&p, &[], m("2026-11"), date(2026, 11, 25)).is_none());
    }

    #[test]
    fn expected_sessions_follow_the_cadence() {
        assert_eq!(Cadence::Monthly.expected_in(m("2026-11")), 1);
        assert_eq!(Cadence::Biweekly.expected_in(m("2026-11")), 2);
        assert_eq!(Cadence::Weekly.expected_in(m("2026-11")), 5); // Mondays: 2, 9, 16, 23, 30
        assert_eq!(Cadence::Weekly.expected_in(m("2026-02")), 4);
    }

    #[test]
    fn month_summary_counts_people_met_once_however_often() {
        let today = date(2026, 11, 25);
        let people = [
            person(Cadence::Weekly, date(2026, 1, 1)),
            person(Cadence::Monthly, date(2026, 1, 1)),
            person(Cadence::Monthly, date(2026, 1, 1)),
        ];
        let sessions = [
            vec![
                session(date(2026, 11, 2), SessionState::Held),
                session(date(2026, 11, 9), SessionState::Held),
            ],
            vec![session(date(2026, 11, 4), SessionState::Held)],
            vec![session(date(2026, 11, 4), SessionState::Skipped)],
        ];
        let figures: Vec<PersonMonth> = people
            .iter()
            .zip(&sessions)
            .filter_map(|(p, s)| person_month(p, s, m("2026-11"), today))
            .collect();
        let summary = month_summary(m("2026-11"), &figures);
        assert_eq!(
            (summary.people, summary.met, summary.sessions_held, summary.minutes),
            (3, 2, 3, 90)
        );
        assert_eq!(summary.rate, Some(2.0 / 3.0));
        assert_eq!(month_summary(m("2026-10"), &figures).rate, None);
    }

    proptest! {
        #[test]
        fn met_means_a_held_session_in_the_month(
            days in prop::collection::vec((0i32..400, 0usize..4), 0..12),
            view in 0i32..14,
            today_offset in 0i32..420,
            cadence in prop::sample::select(Cadence::ALL.to_vec()),
        ) {
            let origin = date(2025, 10, 1);
            let states = [SessionState::Planned, SessionState::Held, SessionState::Skipped, SessionState::Cancelled];
            let sessions: Vec<SessionFacts> = days
                .iter()
                .map(|(d, s)| session(origin + chrono::Duration::days(i64::from(*d)), states[*s]))
                .collect();
            let month = Month::of(origin).plus(view).unwrap();
            let today = origin + chrono::Duration::days(i64::from(today_offset));
            let p = person(cadence, origin);
            let f = person_month(&p, &sessions, month, today).unwrap();
            let held_here = sessions.iter().filter(|s| s.state == SessionState::Held && month.contains(s.at.date())).count();
            prop_assert_eq!(f.held as usize, held_here);
            prop_assert_eq!(f.met, held_here > 0);
            prop_assert_eq!(f.minutes as usize, held_here * 30);
            if month < Month::of(today) {
                prop_assert_eq!(f.state, if f.met { DueState::Clear } else { DueState::Missed });
            } else {
                prop_assert!(f.state != DueState::Missed);
                prop_assert!(f.due_by.is_some());
                prop_assert_eq!(f.state == DueState::Clear, f.due_by.unwrap() > month.last_day());
                if f.state == DueState::Overdue { prop_assert!(f.due_by.unwrap() < today); }
                // One true state: met this month under a monthly rhythm owes nothing more this month.
                if f.met && cadence == Cadence::Monthly {
                    prop_assert_eq!(f.state, DueState::Clear);
                }
            }
        }
    }
}
