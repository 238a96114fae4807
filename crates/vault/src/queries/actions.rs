//! Action items ("homework"): promises by the manager or the member, followed up until done.

use chrono::NaiveDate as Date;
use rusqlite::{Row, params};
use serde::Serialize;
use taiwa_domain::{ActionFacts, Owner, open_actions_before};

use super::sessions::Session;
use super::{clean_text, date_text, found, parsed, parsed_opt};
use crate::error::{Problem, Rule};
use crate::search::{self, HitKind};
use crate::{Error, Vault};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Action {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    /// The session it was agreed in, if any.
    pub session_id: Option<i64>,
    pub text: String,
    pub owner: Owner,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub due_date: Option<Date>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub done_date: Option<Date>,
    /// Who marked it done: the member from their page, or the manager (`None` while open, and
    /// for items marked done before the member channel).
    pub done_by: Option<Owner>,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct NewAction {
    pub text: String,
    pub session_id: Option<i64>,
    pub owner: Owner,
    pub due_date: Option<Date>,
}

/// What can change in an action item.
#[derive(Debug, Clone)]
pub struct ActionEdit {
    pub text: String,
    pub owner: Owner,
    pub due_date: Option<Date>,
}

/// The person's name from a subquery, not a join (`sessions::SELECT` says why).
const SELECT: &str =
    "SELECT a.id, a.person_id, (SELECT p.name FROM people p WHERE p.id = a.person_id), a.session_id, a.text,
    a.owner, a.due_date, a.done_date, a.created_at, a.done_by FROM action_items a";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Action> {
    Ok(Action {
        id: row.get(0)?,
        person_id: row.get(1)?,
        person_name: row.get(2)?,
        session_id: row.get(3)?,
        text: row.get(4)?,
        owner: parsed(row, 5)?,
        due_date: parsed_opt(row, 6)?,
        done_date: parsed_opt(row, 7)?,
        created_at: row.get(8)?,
        done_by: parsed_opt(row, 9)?,
    })
}

impl Vault {
    pub fn add_action(&mut self, person_id: i64, new: NewAction) -> Result<Action, Error> {
        let text = clean_text("action item", &new.text, 2000, true)?;
        self.person(person_id)?;
        if let Some(session_id) = new.session_id {
            let session = self.session(session_id)?;
            if session.person_id != person_id {
                return Err(Problem::new(
                    "session",
                    Rule::WrongPerson,
                    format!(
                        "session {session_id} is with {}, not with person {person_id}",
                        session.person_name
                    ),
                )
                .value(&session.person_name)
                .into());
            }
        }
        let id = self.write(|tx| {
            tx.execute(
                "INSERT INTO action_items (person_id, session_id, text, owner, due_date, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    person_id,
                    new.session_id,
                    text,
                    new.owner.as_str(),
                    new.due_date.map(date_text),
                    crate::now_stamp()
                ],
            )?;
            let id = tx.last_insert_rowid();
            search::index(tx, HitKind::Action, id, &text)?;
            Ok(id)
        })?;
        self.action(id)
    }

    pub fn action(&self, id: i64) -> Result<Action, Error> {
        found(
            self.conn()
                .query_row(&format!("{SELECT} WHERE a.id = ?1"), [id], from_row),
            "action item",
            id,
        )
    }

    /// Marks an action item done on `on` (today by default), or open again with `None`.
    pub fn set_action_done(&mut self, id: i64, on: Option<Date>) -> Result<Action, Error> {
        self.action(id)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE action_items SET done_date = ?2, done_by = CASE WHEN ?2 IS NULL THEN NULL ELSE 'manager' END WHERE id = ?1",
                params![id, on.map(date_text)],
            )?;
            Ok(())
        })?;
        self.action(id)
    }

    /// Changes an action item's text, owner and due date (done or not stays as it is).
    pub fn edit_action(&mut self, id: i64, edit: ActionEdit) -> Result<Action, Error> {
        let text = clean_text("action item", &edit.text, 2000, true)?;
        self.action(id)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE action_items SET text = ?2, owner = ?3, due_date = ?4 WHERE id = ?1",
                params![id, text, edit.owner.as_str(), edit.due_date.map(date_text)],
            )?;
            search::index(tx, HitKind::Action, id, &text)?;
            Ok(())
        })?;
        self.action(id)
    }

    /// Deletes an action item; answers it as it was.
    pub fn delete_action(&mut self, id: i64) -> Result<Action, Error> {
        let action = self.action(id)?;
        self.write(|tx| {
            tx.execute("DELETE FROM action_items WHERE id = ?1", [id])?;
            search::remove(tx, HitKind::Action, id)?;
            Ok(())
        })?;
        Ok(action)
    }

    /// Action items, of one person or everyone, open ones only when asked; by due date, undated last.
    pub fn actions(&self, person_id: Option<i64>, open_only: bool) -> Result<Vec<Action>, Error> {
        if let Some(id) = person_id {
            self.person(id)?;
        }
        // One statement for each case, so that SQLite can use the index that answers it (an `OR`
        // on a parameter read every action item): open ones through `actions_open`.
        let filter = match (person_id.is_some(), open_only) {
            (true, true) => "WHERE a.person_id = ?1 AND a.done_date IS NULL",
            (true, false) => "WHERE a.person_id = ?1",
            (false, true) => "WHERE ?1 IS NULL AND a.done_date IS NULL",
            (false, false) => "WHERE ?1 IS NULL",
        };
        let mut stmt = self.conn().prepare_cached(&format!(
            "{SELECT} {filter} ORDER BY a.due_date IS NULL, a.due_date, a.id"
        ))?;
        let rows = stmt.query_map([person_id], from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Everyone's open action items due on or before `by`, soonest first (Home's "due this
    /// week", overdue ones included), through the index of open items by due date.
    pub fn actions_due_by(&self, by: Date) -> Result<Vec<Action>, Error> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "{SELECT} WHERE a.done_date IS NULL AND a.due_date <= ?1 ORDER BY a.due_date, a.id"
        ))?;
        let rows = stmt
            .query_map([date_text(by)], from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The person's done action items, most recently done first, at most `limit`, and how many
    /// there are in all.
    pub fn done_actions(&self, person_id: i64, limit: u32) -> Result<(Vec<Action>, u32), Error> {
        self.person(person_id)?;
        let mut stmt = self.conn().prepare_cached(&format!(
            "{SELECT} WHERE a.person_id = ?1 AND a.done_date IS NOT NULL
             ORDER BY a.done_date DESC, a.id DESC LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![person_id, limit], from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        let total: u32 = self.conn().query_row(
            "SELECT count(*) FROM action_items WHERE person_id = ?1 AND done_date IS NOT NULL",
            [person_id],
            |r| r.get(0),
        )?;
        Ok((rows, total))
    }

    /// The person's open action items that a session should show: made before its end.
    pub(crate) fn open_actions_for(&self, session: &Session) -> Result<Vec<Action>, Error> {
        let all = self.actions(Some(session.person_id), true)?;
        let session_end = session
            .at
            .checked_add_signed(chrono::Duration::minutes(i64::from(session.planned_minutes)))
            .unwrap_or(session.at);
        let facts: Vec<ActionFacts> = all
            .iter()
            .map(|a| ActionFacts {
                id: a.id,
                created: self.local_time(&a.created_at),
                done: a.done_date.is_some(),
            })
            .collect();
        // A session still to come shows everything open now; a past one, what was open by its end.
        let cutoff = if session.state == taiwa_domain::SessionState::Planned {
            session_end.max(self.now_local())
        } else {
            session_end
        };
        let keep = open_actions_before(&facts, cutoff);
        // An item agreed in this session belongs to it, whenever it was typed in.
        Ok(all
            .into_iter()
            .filter(|a| keep.contains(&a.id) || a.session_id == Some(session.id))
            .collect())
    }
}
