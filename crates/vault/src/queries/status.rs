//! The month at a glance: who is met, planned, due or overdue.

use serde::Serialize;
use taiwa_domain::{Cadence, Month, MonthSummary, PersonMonth, Relationship, month_summary, person_month};

use crate::{Error, Person, Session, Vault};
use chrono::NaiveDate as Date;

/// One person's line in the month.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonStatus {
    pub person_id: i64,
    pub name: String,
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
    /// were added or from their first session, whichever is earlier: a session logged after the
    /// fact proves they were already in the manager's care.
    pub(crate) fn figures(
        &self,
        person: &Person,
        sessions: &[Session],
        month: Month,
        today: Date,
    ) -> Option<PersonMonth> {
        let added = self.local_time(&person.created_at).date();
        let known_since = sessions
            .iter()
            .map(|s| s.at.date())
            .min()
            .map_or(added, |first| first.min(added));
        let facts: Vec<_> = sessions.iter().map(Session::facts).collect();
        person_month(&person.facts(known_since), &facts, month, today)
    }

    /// Everyone active in `month`, with their state as of today, and the month's completion.
    pub fn status(&self, month: Month) -> Result<StatusReport, Error> {
        let today = self.today();
        let mut people = Vec::new();
        for person in self.people(true)? {
            let sessions = self.sessions(Some(person.id))?;
            if let Some(figures) = self.figures(&person, &sessions, month, today) {
                people.push(PersonStatus {
                    person_id: person.id,
                    name: person.name,
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
