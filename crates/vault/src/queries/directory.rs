//! What the company directory says about people already in the list: offered, never imposed.
//! A person's name, unit and email change only when the manager takes the directory's; a value
//! the manager declined is not offered again until the directory says something new.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::people::PersonEdit;
use crate::{Error, Person, Vault};

/// One direct report as the directory has them (from a roster).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DirectoryEntry {
    pub employee_id: String,
    pub name: String,
    pub org_unit: String,
    /// Empty when the directory has none.
    pub email: String,
}

/// Where the directory differs from a person in the list, field by field as (the list's value,
/// the directory's), for the fields the manager has not answered yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DirectoryChange {
    pub person_id: i64,
    /// The person's name in the list, as the manager knows them.
    pub person_name: String,
    pub entry: DirectoryEntry,
    pub name: Option<(String, String)>,
    pub org_unit: Option<(Option<String>, String)>,
    pub email: Option<(Option<String>, String)>,
}

/// The directory's values the manager last answered, per field.
#[derive(Debug, Default)]
struct Answered {
    name: Option<String>,
    org_unit: Option<String>,
    email: Option<String>,
}

impl Vault {
    /// What the directory would change, person by person, among the people in the list (matched
    /// by employee id); nothing when it agrees or says only what the manager already declined.
    pub fn directory_changes(&self, entries: &[DirectoryEntry]) -> Result<Vec<DirectoryChange>, Error> {
        let people = self.people(true)?;
        let mut changes = Vec::new();
        for entry in entries {
            let Some(person) = people
                .iter()
                .find(|p| p.employee_id.as_deref() == Some(entry.employee_id.as_str()))
            else {
                continue;
            };
            let answered = self.answered(person.id)?;
            // A field is offered when the directory differs from the list and from what was
            // answered before.
            let offer = |mine: Option<&str>, theirs: &str, before: &Option<String>| {
                !theirs.is_empty() && mine != Some(theirs) && before.as_deref() != Some(theirs)
            };
            let change = DirectoryChange {
                person_id: person.id,
                person_name: person.name.clone(),
                entry: entry.clone(),
                name: offer(Some(&person.name), &entry.name, &answered.name)
                    .then(|| (person.name.clone(), entry.name.clone())),
                org_unit: offer(person.org_unit.as_deref(), &entry.org_unit, &answered.org_unit)
                    .then(|| (person.org_unit.clone(), entry.org_unit.clone())),
                email: offer(person.email.as_deref(), &entry.email, &answered.email)
                    .then(|| (person.email.clone(), entry.email.clone())),
            };
            if change.name.is_some() || change.org_unit.is_some() || change.email.is_some() {
                changes.push(change);
            }
        }
        Ok(changes)
    }

    /// The manager's answer to the directory about one person: `accept` takes the directory's
    /// name, unit and email (those it offers); otherwise the list's stay. Either way the
    /// directory's values are remembered, so that they are not offered again.
    pub fn answer_directory(&mut self, person_id: i64, entry: &DirectoryEntry, accept: bool) -> Result<Person, Error> {
        let change = self
            .directory_changes(std::slice::from_ref(entry))?
            .into_iter()
            .find(|c| c.person_id == person_id);
        if accept && let Some(change) = &change {
            self.edit_person(
                person_id,
                PersonEdit {
                    name: change.name.as_ref().map(|(_, theirs)| theirs.clone()),
                    org_unit: change.org_unit.as_ref().map(|(_, theirs)| Some(theirs.clone())),
                    email: change.email.as_ref().map(|(_, theirs)| Some(theirs.clone())),
                    ..Default::default()
                },
            )?;
        }
        self.write(|tx| {
            tx.execute(
                "UPDATE people SET dir_name = ?2, dir_org_unit = ?3, dir_email = ?4 WHERE id = ?1",
                params![person_id, entry.name, entry.org_unit, entry.email],
            )?;
            Ok(())
        })?;
        self.person(person_id)
    }

    fn answered(&self, person_id: i64) -> Result<Answered, Error> {
        Ok(self
            .conn()
            .query_row(
                "SELECT dir_name, dir_org_unit, dir_email FROM people WHERE id = ?1",
                [person_id],
                |r| {
                    Ok(Answered {
                        name: r.get(0)?,
                        org_unit: r.get(1)?,
                        email: r.get(2)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }
}
