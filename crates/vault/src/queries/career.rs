//! A person's career note, and the backlog of topics to raise with them next time.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use taiwa_domain::{TopicKind, Wants};

use super::agenda::{MAX_AGENDA_CHARS, NewAgendaItem};
use super::notes::check_size;
use super::{clean_text, found, parsed, parsed_opt};
use crate::search::{self, HitKind};
use crate::{Error, Vault};

/// Aspirations, strengths, the paths discussed: one Markdown note per person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CareerNote {
    pub person_id: i64,
    pub body: String,
    pub updated_at: String,
}

/// A topic to raise next time; it joins the agenda of the person's next session when opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BacklogItem {
    pub id: i64,
    pub person_id: i64,
    pub text: String,
    pub kind: TopicKind,
    pub wants: Option<Wants>,
}

fn backlog_row(row: &Row<'_>) -> rusqlite::Result<BacklogItem> {
    Ok(BacklogItem {
        id: row.get(0)?,
        person_id: row.get(1)?,
        text: row.get(2)?,
        kind: parsed(row, 3)?,
        wants: parsed_opt(row, 4)?,
    })
}

impl Vault {
    pub fn set_career_note(&mut self, person_id: i64, body: &str) -> Result<CareerNote, Error> {
        check_size("career note", body.len())?;
        self.person(person_id)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO career_notes (person_id, body, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (person_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                params![person_id, body, crate::now_stamp()],
            )?;
            search::index(tx, HitKind::Career, person_id, body)
        })?;
        self.career_note(person_id)?.ok_or(Error::NotFound {
            what: "career note",
            id: person_id,
        })
    }

    pub fn career_note(&self, person_id: i64) -> Result<Option<CareerNote>, Error> {
        self.person(person_id)?;
        Ok(self
            .conn()
            .query_row(
                "SELECT person_id, body, updated_at FROM career_notes WHERE person_id = ?1",
                [person_id],
                |r| {
                    Ok(CareerNote {
                        person_id: r.get(0)?,
                        body: r.get(1)?,
                        updated_at: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn add_backlog_item(&mut self, person_id: i64, new: NewAgendaItem) -> Result<BacklogItem, Error> {
        let text = clean_text("topic", &new.text, MAX_AGENDA_CHARS, true)?;
        self.person(person_id)?;
        let id = self.write(|tx| {
            tx.execute(
                "INSERT INTO backlog_items (person_id, text, kind, wants, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    person_id,
                    text,
                    new.kind.as_str(),
                    new.wants.map(Wants::as_str),
                    crate::now_stamp()
                ],
            )?;
            Ok(tx.last_insert_rowid())
        })?;
        found(
            self.conn().query_row(
                "SELECT id, person_id, text, kind, wants FROM backlog_items WHERE id = ?1",
                [id],
                backlog_row,
            ),
            "topic",
            id,
        )
    }

    /// The topics waiting for the person's next session, oldest first.
    pub fn backlog(&self, person_id: i64) -> Result<Vec<BacklogItem>, Error> {
        self.person(person_id)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, person_id, text, kind, wants FROM backlog_items WHERE person_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([person_id], backlog_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn remove_backlog_item(&mut self, id: i64) -> Result<(), Error> {
        let removed = self.write(|tx| Ok(tx.execute("DELETE FROM backlog_items WHERE id = ?1", [id])?))?;
        if removed == 0 {
            return Err(Error::NotFound { what: "topic", id });
        }
        Ok(())
    }
}

/// Moves the person's backlog onto a planned session's agenda (in the caller's transaction).
pub(crate) fn move_backlog_into(conn: &rusqlite::Connection, person_id: i64, session_id: i64) -> Result<(), Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, person_id, text, kind, wants FROM backlog_items WHERE person_id = ?1 ORDER BY id",
    )?;
    let items = stmt
        .query_map([person_id], backlog_row)?
        .collect::<Result<Vec<_>, _>>()?;
    for item in items {
        let new = NewAgendaItem {
            text: item.text,
            kind: item.kind,
            wants: item.wants,
        };
        super::agenda::insert(conn, session_id, &new, None)?;
        conn.execute("DELETE FROM backlog_items WHERE id = ?1", [item.id])?;
    }
    Ok(())
}
