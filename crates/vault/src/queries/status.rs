//! The month at a glance: who is met, planned, due or overdue.

use serde::Serialize;
use taiwa_domain::{Cadence, Month, MonthSummary, PersonMonth, Relationship, month_summary, person_month};

use crate::{Error, Vault};

/// One person's line in the month.
#[derive(Debug, Clone, Serialize)]
pub struct PersonStatus {
    pub person_id: i64,
    pub name: String,
    pub relationship: Relationship,
    pub cadence: Cadence,
    #[serde(flatten)]
    pub figures: PersonMonth,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub month: Month,
    pub today: jiff::civil::Date,
    pub people: Vec<PersonStatus>,
    pub summary: MonthSummary,
}

impl Vault {
    /// Everyone active in `month`, with their state as of today, and the month's completion.
    pub fn status(&self, month: Month) -> Result<StatusReport, Error> {
        let today = self.today();
        let mut people = Vec::new();
        for person in self.people(true)? {
            let sessions: Vec<_> = self.sessions(Some(person.id))?.iter().map(|s| s.facts()).collect();
            let facts = person.facts(self.local_time(&person.created_at).date());
            if let Some(figures) = person_month(&facts, &sessions, month, today) {
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
