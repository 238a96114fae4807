//! The people a manager holds 1on1s with.

use chrono::NaiveDate as Date;
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use taiwa_domain::{Cadence, PersonFacts, Relationship};

use super::{clean_optional, clean_text, date_text, found, parsed, parsed_opt};
use crate::error::{Problem, Rule};
use crate::{Error, Vault};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Person {
    pub id: i64,
    pub name: String,
    /// How the name is read (ふりがな, in hiragana), when known: the list is in its order.
    pub reading: Option<String>,
    pub relationship: Relationship,
    pub cadence: Cadence,
    pub employee_id: Option<String>,
    pub email: Option<String>,
    pub org_unit: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub start_date: Option<Date>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub end_date: Option<Date>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub archived_at: Option<Date>,
    pub created_at: String,
}

impl Person {
    pub fn archived(&self) -> bool {
        self.archived_at.is_some()
    }

    /// What the cadence rules need; `known_since` (the day the vault knew them) stands in for a
    /// missing start date.
    pub(crate) fn facts(&self, known_since: Date) -> PersonFacts {
        let end = match (self.end_date, self.archived_at) {
            (Some(end), Some(archived)) => Some(end.min(archived)),
            (end, archived) => end.or(archived),
        };
        PersonFacts {
            cadence: self.cadence,
            start: self.start_date.unwrap_or(known_since),
            end,
            known_from: known_since,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub name: String,
    pub reading: Option<String>,
    pub relationship: Relationship,
    pub cadence: Cadence,
    pub employee_id: Option<String>,
    pub email: Option<String>,
    pub org_unit: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
}

/// Changes to a person; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct PersonEdit {
    pub name: Option<String>,
    pub reading: Option<Option<String>>,
    pub relationship: Option<Relationship>,
    pub cadence: Option<Cadence>,
    pub employee_id: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub org_unit: Option<Option<String>>,
    pub start_date: Option<Option<Date>>,
    pub end_date: Option<Option<Date>>,
}

const COLUMNS: &str = "id, name, relationship, cadence, employee_id, email, org_unit, start_date, end_date, archived_at, created_at, reading";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: row.get(0)?,
        name: row.get(1)?,
        relationship: parsed(row, 2)?,
        cadence: parsed(row, 3)?,
        employee_id: row.get(4)?,
        email: row.get(5)?,
        org_unit: row.get(6)?,
        start_date: parsed_opt(row, 7)?,
        end_date: parsed_opt(row, 8)?,
        archived_at: parsed_opt(row, 9)?,
        created_at: row.get(10)?,
        reading: row.get(11)?,
    })
}

fn check_email(email: Option<String>) -> Result<Option<String>, Error> {
    if let Some(e) = &email
        && !taiwa_domain::is_email(e)
    {
        return Err(
            Problem::new("email", Rule::NotAnEmail, format!("'{e}' is not an email address"))
                .value(e)
                .into(),
        );
    }
    Ok(email)
}

fn check_employee_id(id: Option<String>) -> Result<Option<String>, Error> {
    if let Some(value) = &id
        && !taiwa_domain::is_employee_id(value)
    {
        return Err(Problem::new(
            "employee_id",
            Rule::NotAnEmployeeId,
            format!("'{value}' is not an employee id: 1 to 64 letters (A-Z), digits, '-', '_' or '.'"),
        )
        .limit(64)
        .value(value)
        .into());
    }
    Ok(id)
}

fn check_dates(start: Option<Date>, end: Option<Date>) -> Result<(), Error> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Err(Error::invalid(
            "end_date",
            Rule::EndsBeforeStart,
            format!("the end date {e} is before the start date {s}"),
        )),
        _ => Ok(()),
    }
}

impl NewPerson {
    fn validated(self) -> Result<NewPerson, Error> {
        check_dates(self.start_date, self.end_date)?;
        Ok(NewPerson {
            name: clean_text("name", &self.name, 200, false)?,
            reading: clean_optional("reading", self.reading.as_deref(), 200)?.map(|r| hiragana(&r)),
            employee_id: check_employee_id(clean_optional("employee id", self.employee_id.as_deref(), 64)?)?,
            email: check_email(clean_optional("email", self.email.as_deref(), 254)?)?,
            org_unit: clean_optional("org unit", self.org_unit.as_deref(), 200)?,
            ..self
        })
    }
}

/// A reading as the list sorts it: width folded (NFKC) and katakana as hiragana (ヤマダ → やまだ).
pub fn hiragana(reading: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    reading
        .nfkc()
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// An employee id belongs to one person: the same id twice would send one pair's figures twice.
fn check_unique_employee_id(
    tx: &rusqlite::Transaction<'_>,
    employee_id: Option<&str>,
    except: i64,
) -> Result<(), Error> {
    let Some(employee_id) = employee_id else { return Ok(()) };
    let holder: Option<String> = tx
        .query_row(
            "SELECT name FROM people WHERE employee_id = ?1 AND id <> ?2 LIMIT 1",
            params![employee_id, except],
            |r| r.get(0),
        )
        .optional()?;
    match holder {
        Some(name) => Err(Problem::new(
            "employee_id",
            Rule::Taken,
            format!("the employee id {employee_id} is already {name}'s: each person has their own"),
        )
        .value(name)
        .into()),
        None => Ok(()),
    }
}

/// What deleting a person takes with them, for the confirmation that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Footprint {
    pub sessions: u32,
    pub held: u32,
    pub notes: u32,
    pub agenda_items: u32,
    pub action_items: u32,
    pub topics: u32,
    pub career_note: bool,
    /// Topics the member sent from their page (taken, new or withdrawn) and their requests for a
    /// 1on1: kept only here, and deleted with the person.
    pub member_topics: u32,
    pub member_requests: u32,
}

impl Vault {
    pub fn add_person(&mut self, new: NewPerson) -> Result<Person, Error> {
        let p = new.validated()?;
        let id = self.write(|tx| {
            check_unique_employee_id(tx, p.employee_id.as_deref(), 0)?;
            tx.execute(
                "INSERT INTO people (name, relationship, cadence, employee_id, email, org_unit, start_date, end_date, created_at,
                 reading) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    p.name,
                    p.relationship.as_str(),
                    p.cadence.as_str(),
                    p.employee_id,
                    p.email,
                    p.org_unit,
                    p.start_date.map(date_text),
                    p.end_date.map(date_text),
                    crate::now_stamp(),
                    p.reading
                ],
            )?;
            Ok(tx.last_insert_rowid())
        })?;
        self.person(id)
    }

    pub fn person(&self, id: i64) -> Result<Person, Error> {
        found(
            self.conn()
                .prepare_cached(&format!("SELECT {COLUMNS} FROM people WHERE id = ?1"))
                .and_then(|mut stmt| stmt.query_row([id], from_row)),
            "person",
            id,
        )
    }

    /// Everyone, by reading where there is one and by name as written otherwise (a name's
    /// characters decide then, so the order is stable); archived people only when asked for.
    pub fn people(&self, include_archived: bool) -> Result<Vec<Person>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM people {} ORDER BY coalesce(reading, name) COLLATE NOCASE, id",
            if include_archived {
                ""
            } else {
                "WHERE archived_at IS NULL"
            }
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn edit_person(&mut self, id: i64, edit: PersonEdit) -> Result<Person, Error> {
        let current = self.person(id)?;
        let (current_employee_id, current_relationship) = (current.employee_id.clone(), current.relationship);
        let start_date = edit.start_date.unwrap_or(current.start_date);
        let end_date = edit.end_date.unwrap_or(current.end_date);
        let next = NewPerson {
            name: edit.name.unwrap_or(current.name),
            reading: edit.reading.unwrap_or(current.reading),
            relationship: edit.relationship.unwrap_or(current.relationship),
            cadence: edit.cadence.unwrap_or(current.cadence),
            employee_id: edit.employee_id.unwrap_or(current.employee_id),
            email: edit.email.unwrap_or(current.email),
            org_unit: edit.org_unit.unwrap_or(current.org_unit),
            start_date,
            end_date,
        }
        .validated()?;
        let relinked = next.employee_id != current_employee_id || next.relationship != current_relationship;
        self.write(|tx| {
            // Checked when the id changes: a vault from before this rule may hold a duplicate,
            // and editing anything else of that person must still work.
            if next.employee_id != current_employee_id {
                check_unique_employee_id(tx, next.employee_id.as_deref(), id)?;
            }
            // A new employee id or relationship changes every figure of this person: queue the
            // months under the old id (to correct them) and under the new one.
            if relinked {
                for employee_id in [&current_employee_id, &next.employee_id].into_iter().flatten() {
                    super::sync::queue_person(tx, id, employee_id)?;
                }
            }
            tx.execute(
                "UPDATE people SET name = ?2, relationship = ?3, cadence = ?4, employee_id = ?5, email = ?6,
                 org_unit = ?7, start_date = ?8, end_date = ?9, reading = ?10 WHERE id = ?1",
                params![
                    id,
                    next.name,
                    next.relationship.as_str(),
                    next.cadence.as_str(),
                    next.employee_id,
                    next.email,
                    next.org_unit,
                    next.start_date.map(date_text),
                    next.end_date.map(date_text),
                    next.reading
                ],
            )?;
            Ok(())
        })?;
        self.person(id)
    }

    /// What deleting the person would remove.
    pub fn person_footprint(&self, id: i64) -> Result<Footprint, Error> {
        self.person(id)?;
        let count = |sql: &str| -> Result<u32, Error> { Ok(self.conn().query_row(sql, [id], |r| r.get(0))?) };
        Ok(Footprint {
            sessions: count("SELECT count(*) FROM sessions WHERE person_id = ?1")?,
            held: count("SELECT count(*) FROM sessions WHERE person_id = ?1 AND state = 'held'")?,
            notes: count(
                "SELECT count(*) FROM notes WHERE body <> '' AND session_id IN (SELECT id FROM sessions WHERE person_id = ?1)",
            )?,
            agenda_items: count(
                "SELECT count(*) FROM agenda_items WHERE session_id IN (SELECT id FROM sessions WHERE person_id = ?1)",
            )?,
            action_items: count("SELECT count(*) FROM action_items WHERE person_id = ?1")?,
            topics: count("SELECT count(*) FROM backlog_items WHERE person_id = ?1")?,
            career_note: count("SELECT count(*) FROM career_notes WHERE person_id = ?1 AND body <> ''")? > 0,
            member_topics: count("SELECT count(*) FROM member_topics WHERE person_id = ?1")?,
            member_requests: count("SELECT count(*) FROM member_requests WHERE person_id = ?1")?,
        })
    }

    /// Deletes a person and everything about them: sessions, notes, agenda and action items,
    /// topics, the career note, what they sent from their page and their search entries. Nothing
    /// is sent for it: 1on1s already reported to the company stay counted there, and figures not
    /// yet sent are dropped.
    pub fn delete_person(&mut self, id: i64) -> Result<Footprint, Error> {
        let person = self.person(id)?;
        let footprint = self.person_footprint(id)?;
        self.write(|tx| {
            let sessions: Vec<i64> = tx
                .prepare("SELECT id FROM sessions WHERE person_id = ?1")?
                .query_map([id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for session in &sessions {
                super::sessions::remove_contents(tx, *session)?;
            }
            let actions: Vec<i64> = tx
                .prepare("SELECT id FROM action_items WHERE person_id = ?1")?
                .query_map([id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for action in actions {
                crate::search::remove(tx, crate::HitKind::Action, action)?;
            }
            crate::search::remove(tx, crate::HitKind::Career, id)?;
            for (kind, table) in [
                (crate::HitKind::MemberTopic, "member_topics"),
                (crate::HitKind::MemberRequest, "member_requests"),
            ] {
                let sent: Vec<i64> = tx
                    .prepare(&format!("SELECT id FROM {table} WHERE person_id = ?1"))?
                    .query_map([id], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                for item in sent {
                    crate::search::remove(tx, kind, item)?;
                }
            }
            tx.execute("DELETE FROM action_items WHERE person_id = ?1", [id])?;
            tx.execute("DELETE FROM backlog_items WHERE person_id = ?1", [id])?;
            tx.execute("DELETE FROM career_notes WHERE person_id = ?1", [id])?;
            // A pairing on the server ends at the next exchange (`member_unpairs`).
            let paired: i64 = tx.query_row("SELECT count(*) FROM member_pairings WHERE person_id = ?1", [id], |r| {
                r.get(0)
            })?;
            if let (true, Some(employee_id)) = (paired > 0, &person.employee_id) {
                tx.execute(
                    "INSERT OR IGNORE INTO member_unpairs (employee_id) VALUES (?1)",
                    [employee_id],
                )?;
            }
            for table in ["member_pairings", "member_topics", "member_requests", "member_outbox"] {
                tx.execute(&format!("DELETE FROM {table} WHERE person_id = ?1"), [id])?;
            }
            tx.execute("DELETE FROM sessions WHERE person_id = ?1", [id])?;
            tx.execute("DELETE FROM people WHERE id = ?1", [id])?;
            // Figures waiting to be sent for this person go with them (their id is theirs alone).
            if let Some(employee_id) = &person.employee_id {
                let others: i64 = tx.query_row(
                    "SELECT count(*) FROM people WHERE employee_id = ?1",
                    [employee_id],
                    |r| r.get(0),
                )?;
                if others == 0 {
                    tx.execute("DELETE FROM outbox WHERE employee_id = ?1", [employee_id])?;
                }
            }
            Ok(())
        })?;
        Ok(footprint)
    }

    /// Archives a person: they leave the lists and the month's figures from today, and their
    /// history stays, searchable. Archiving twice keeps the first date.
    pub fn archive_person(&mut self, id: i64) -> Result<Person, Error> {
        self.person(id)?;
        let today = date_text(self.today());
        self.write(|tx| {
            tx.execute(
                "UPDATE people SET archived_at = coalesce(archived_at, ?2) WHERE id = ?1",
                params![id, today],
            )?;
            Ok(())
        })?;
        self.person(id)
    }

    /// Brings an archived person back.
    pub fn unarchive_person(&mut self, id: i64) -> Result<Person, Error> {
        self.person(id)?;
        self.write(|tx| {
            tx.execute("UPDATE people SET archived_at = NULL WHERE id = ?1", [id])?;
            Ok(())
        })?;
        self.person(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_from_an_older_vault_does_not_block_other_edits() {
        let tmp = tempfile::tempdir().unwrap();
        let pass = crate::Passphrase::new("correct horse battery staple".into());
        let (mut vault, _) = Vault::create(&tmp.path().join("vault"), &pass, taiwa_domain::Zone::UTC).unwrap();
        let first = vault
            .add_person(NewPerson {
                name: "先の人".into(),
                employee_id: Some("E7".into()),
                ..Default::default()
            })
            .unwrap();
        let second = vault
            .add_person(NewPerson {
                name: "後の人".into(),
                ..Default::default()
            })
            .unwrap();
        // As an older Taiwa could have left it, before ids had to be unique.
        vault
            .conn
            .execute("UPDATE people SET employee_id = 'E7' WHERE id = ?1", [second.id])
            .unwrap();
        let renamed = vault
            .edit_person(
                second.id,
                PersonEdit {
                    name: Some("後の人（改名）".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(renamed.employee_id.as_deref(), Some("E7"));
        // Changing to another taken id is still refused, naming who has it.
        let err = vault
            .edit_person(
                first.id,
                PersonEdit {
                    employee_id: Some(Some("E8".into())),
                    ..Default::default()
                },
            )
            .map(|_| ())
            .and_then(|()| {
                vault.edit_person(
                    second.id,
                    PersonEdit {
                        employee_id: Some(Some("E8".into())),
                        ..Default::default()
                    },
                )
            })
            .unwrap_err();
        assert!(err.to_string().contains("already 先の人's"), "{err}");
    }

    /// After a person is deleted, the index's own tables hold nothing of what they sent: no entry
    /// row, no copy of its text, and FTS5's vocabulary counts none of its words. (Latin words stay
    /// in `search_terms`, the vocabulary of prefixes, which names no entry: migration 15.)
    #[test]
    fn deleting_a_person_leaves_nothing_they_sent_in_the_index_tables() {
        use crate::queries::member::FromMember;
        let tmp = tempfile::tempdir().unwrap();
        let pass = crate::Passphrase::new("correct horse battery staple".into());
        let (mut vault, _) = Vault::create(&tmp.path().join("vault"), &pass, taiwa_domain::Zone::UTC).unwrap();
        let p = vault
            .add_person(NewPerson {
                name: "消える人".into(),
                ..Default::default()
            })
            .unwrap()
            .id;
        vault
            .start_member_pairing(p, &[1; 32], &[2; 32], "C", "2099-01-01T00:00:00Z")
            .unwrap();
        vault
            .complete_member_pairing(p, &[2; 32], &[3; 32], "2026-01-01")
            .unwrap();
        vault.confirm_member_pairing(p).unwrap();
        let messages = [
            FromMember::Topic {
                topic_id: "a".into(),
                text: "退職を考えている quokka".into(),
                kind: taiwa_domain::TopicKind::Private,
                wants: taiwa_domain::Wants::Listen,
            },
            FromMember::TopicWithdrawn { topic_id: "a".into() },
            FromMember::AskSoon {
                note: Some("家族の事情 axolotl".into()),
            },
        ];
        for (seq, message) in (0..).zip(messages) {
            vault.take_member_message(p, seq, message).unwrap();
        }
        let words = "SELECT count(*) FROM temp.words WHERE term IN ('quokka', 'axolotl', '退職', '家族', '事情')";
        let count = |vault: &Vault, sql: &str| -> i64 { vault.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
        vault
            .conn()
            .execute_batch("CREATE VIRTUAL TABLE temp.words USING fts5vocab(main, search_index, 'row');")
            .unwrap();
        assert_eq!(count(&vault, words), 5);

        vault.delete_person(p).unwrap();
        assert_eq!(count(&vault, "SELECT count(*) FROM search_rows"), 0);
        assert_eq!(count(&vault, "SELECT count(*) FROM search_index_content"), 0);
        assert_eq!(count(&vault, "SELECT count(*) FROM search_index_docsize"), 0);
        assert_eq!(count(&vault, words), 0);
    }
}
