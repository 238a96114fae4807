//! The month at a glance: who is met, planned, due or overdue.

use serde::Serialize;
use taiwa_domain::{
    Cadence, Month, MonthSummary, PersonFacts, PersonMonth, Relationship, month_figures, month_summary, person_month,
};

use crate::{Error, Person, Session, Vault};
use chrono::NaiveDate as Date;

/// One person's line in the month.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonStatus {
    pub person_id: i64,
    pub name: String,
    /// How the name is read, when known: lists sort by it.
    pub reading: Option<String>,
    pub relationship: Relationship,
    pub cadence: Cadence,
    #[serde(flatten)]
    pub figures: PersonMonth,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusReport {
    pub month: Month,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub today: chrono::NaiveDate,
    pub people: Vec<PersonStatus>,
    pub summary: MonthSummary,
}

impl Vault {
    /// A person's figures for `month`. Without a start date, a person counts from the day they
    /// were added or from their first session (`first_session`), whichever is earlier: a session
    /// logged after the fact proves they were already in the manager's care. `sessions` must hold
    /// at least the person's sessions in `month` and their last held one before it.
    pub(crate) fn figures(
        &self,
        person: &Person,
        sessions: &[Session],
        first_session: Option<Date>,
        month: Month,
        today: Date,
    ) -> Option<PersonMonth> {
        let facts: Vec<_> = sessions.iter().map(Session::facts).collect();
        person_month(&self.person_facts(person, first_session), &facts, month, today)
    }

    /// What the rules need to know about `person`, whose first session was on `first_session`.
    fn person_facts(&self, person: &Person, first_session: Option<Date>) -> PersonFacts {
        let added = self.local_time(&person.created_at).date();
        let known_since = first_session.map_or(added, |first| first.min(added));
        person.facts(known_since)
    }

    /// Everyone active in `month`, with their state as of today, and the month's completion.
    /// Reads only what the month's figures need (`MonthFacts`: how many sessions each person held
    /// in it, and for this month and later their last held one and next planned one) from
    /// indexes, so its cost follows the people, not the sessions or the years of history.
    pub fn status(&self, month: Month) -> Result<StatusReport, Error> {
        self.month_status(&self.everyone()?, month)
    }

    /// `status` for each month from `first` through `last` (Home's twelve-month strip), reading
    /// the people and their first dates once.
    pub fn statuses(&self, first: Month, last: Month) -> Result<Vec<StatusReport>, Error> {
        let everyone = self.everyone()?;
        first
            .through(last)
            .map(|month| self.month_status(&everyone, month))
            .collect()
    }

    /// Everyone, archived too, with what the rules need to know about them.
    fn everyone(&self) -> Result<Vec<(Person, PersonFacts)>, Error> {
        let firsts = super::sessions::first_dates(self.conn())?;
        Ok(self
            .people(true)?
            .into_iter()
            .map(|person| {
                let facts = self.person_facts(&person, firsts.get(&person.id).copied());
                (person, facts)
            })
            .collect())
    }

    fn month_status(&self, everyone: &[(Person, PersonFacts)], month: Month) -> Result<StatusReport, Error> {
        let today = self.today();
        let facts = super::sessions::month_facts(self.conn(), month, today)?;
        let mut people = Vec::new();
        for (person, person_facts) in everyone {
            let theirs = facts.get(&person.id).copied().unwrap_or_default();
            if let Some(figures) = month_figures(person_facts, &theirs, month, today) {
                people.push(PersonStatus {
                    person_id: person.id,
                    name: person.name.clone(),
                    reading: person.reading.clone(),
                    relationship: person.relationship,
                    cadence: person.cadence,
                    figures,
                });
            }
        }
        let summary = month_summary(month, people.iter().map(|p| &p.figures));
        Ok(StatusReport {
            month,
            today,
            people,
            summary,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Days;
    use taiwa_domain::{Cadence, SessionState, Zone};

    use crate::{NewPerson, Passphrase, Vault};

    use super::*;

    /// The month's figures from only what `status` reads (counts kept on write, indexes) equal
    /// the figures from each person's whole history, for every month of three years, past and
    /// future, with every state, after sessions were corrected, moved and deleted.
    #[test]
    fn status_reads_only_the_month_and_agrees_with_the_whole_history() {
        let tmp = tempfile::tempdir().unwrap();
        let zone = Zone::named("Asia/Tokyo").unwrap();
        let (mut vault, _) = Vault::create(
            &tmp.path().join("v"),
            &Passphrase::new("status agrees with history".into()),
            zone,
        )
        .unwrap();
        let today = vault.today();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut dice = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let cadences = [Cadence::Weekly, Cadence::Biweekly, Cadence::Monthly];
        for p in 0..6u64 {
            let person = vault
                .add_person(NewPerson {
                    name: format!("P{p}"),
                    cadence: cadences[usize::try_from(p % 3).unwrap()],
                    ..Default::default()
                })
                .unwrap();
            let mut day = today - Days::new(800 + dice(60));
            while day < today + Days::new(60) {
                let at = day.and_hms_opt(10, 0, 0).unwrap();
                let session = vault.plan_session(person.id, at, 30).unwrap();
                if day <= today {
                    match dice(4) {
                        0 | 1 => drop(vault.hold_session(session.id, Some(30)).unwrap()),
                        2 => drop(vault.skip_session(session.id, "busy").unwrap()),
                        _ => {}
                    }
                }
                day = day + Days::new(5 + dice(40));
            }
        }
        // Then what a manager changes afterwards, which the counts kept on write must follow:
        // minutes corrected, a 1on1 taken back and held again in another month, one deleted.
        let held: Vec<Session> = vault
            .sessions(None)
            .unwrap()
            .into_iter()
            .filter(|s| s.state == SessionState::Held)
            .collect();
        assert!(held.len() > 30, "{}", held.len());
        for (i, session) in held.iter().enumerate() {
            match i % 5 {
                0 => drop(vault.hold_session(session.id, Some(45)).unwrap()),
                1 => {
                    vault.reopen_session(session.id).unwrap();
                    vault
                        .reschedule_session(session.id, session.at - Days::new(40), None)
                        .unwrap();
                    if i % 2 == 0 {
                        vault.hold_session(session.id, None).unwrap();
                    }
                }
                2 => vault.delete_session(session.id).unwrap(),
                _ => {}
            }
        }
        let this = Month::of(today);
        let people = vault.people(true).unwrap();
        for back in -2..30 {
            let month = this.plus(-back).unwrap();
            let report = vault.status(month).unwrap();
            let mut expected = Vec::new();
            for person in &people {
                let all = vault.sessions(Some(person.id)).unwrap();
                let first = all.iter().map(|s| s.at.date()).min();
                if let Some(f) = vault.figures(person, &all, first, month, today) {
                    expected.push((person.id, f));
                }
            }
            let got: Vec<_> = report.people.iter().map(|p| (p.person_id, p.figures.clone())).collect();
            assert_eq!(got, expected, "{month}");
        }
    }
}
