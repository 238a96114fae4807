//! Agenda items: what to talk about in a session.

use rusqlite::{Row, params};
use serde::Serialize;
use taiwa_domain::{TopicKind, Wants};

use super::{clean_text, found, parsed, parsed_opt};
use crate::search::{self, HitKind};
use crate::{Error, Vault};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgendaItem {
    pub id: i64,
    pub session_id: i64,
    pub text: String,
    pub kind: TopicKind,
    /// What the member wants from the manager on it.
    pub wants: Option<Wants>,
    pub done: bool,
    /// The open item of the previous session this one was carried over from.
    pub carried_from: Option<i64>,
    /// Taken from a topic the member sent from their page (a carried copy keeps the mark).
    pub from_member: bool,
}

#[derive(Debug, Clone)]
pub struct NewAgendaItem {
    pub text: String,
    pub kind: TopicKind,
    pub wants: Option<Wants>,
}

/// The longest agenda item, in characters.
pub const MAX_AGENDA_CHARS: usize = 2000;

fn from_row(row: &Row<'_>) -> rusqlite::Result<AgendaItem> {
    Ok(AgendaItem {
        id: row.get(0)?,
        session_id: row.get(1)?,
        text: row.get(2)?,
        kind: parsed(row, 3)?,
        wants: parsed_opt(row, 4)?,
        done: row.get(5)?,
        carried_from: row.get(6)?,
        from_member: row.get(7)?,
    })
}

const SELECT: &str =
    "SELECT id, session_id, text, kind, wants, done, carried_from, member_topic_id IS NOT NULL FROM agenda_items";

/// One agenda item, in the caller's transaction.
pub(crate) fn load(conn: &rusqlite::Connection, id: i64) -> Result<AgendaItem, Error> {
    found(
        conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row),
        "agenda item",
        id,
    )
}

/// The one way an agenda item is stored: the row and its search entry, in the caller's
/// transaction. A copy carried from `carried_from` is made once per session (`None` when that
/// session already has it).
pub(crate) fn insert(
    conn: &rusqlite::Connection,
    session_id: i64,
    item: &NewAgendaItem,
    carried_from: Option<i64>,
) -> Result<Option<i64>, Error> {
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO agenda_items (session_id, text, kind, wants, carried_from, created_at, member_topic_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT member_topic_id FROM agenda_items WHERE id = ?5))",
        params![
            session_id,
            item.text,
            item.kind.as_str(),
            item.wants.map(Wants::as_str),
            carried_from,
            crate::now_stamp()
        ],
    )?;
    if inserted == 0 {
        return Ok(None);
    }
    let id = conn.last_insert_rowid();
    search::index(conn, HitKind::Agenda, id, &item.text)?;
    Ok(Some(id))
}

impl Vault {
    pub fn add_agenda_item(&mut self, session_id: i64, new: NewAgendaItem) -> Result<AgendaItem, Error> {
        let text = clean_text("agenda item", &new.text, MAX_AGENDA_CHARS, true)?;
        self.session(session_id)?;
        let item = NewAgendaItem { text, ..new };
        let id = self.write(|tx| {
            insert(tx, session_id, &item, None)?.ok_or_else(|| Error::Storage(rusqlite::Error::QueryReturnedNoRows))
        })?;
        self.agenda_item(id)
    }

    pub fn agenda_item(&self, id: i64) -> Result<AgendaItem, Error> {
        load(self.conn(), id)
    }

    /// Ticks an agenda item off (or back on).
    pub fn set_agenda_done(&mut self, id: i64, done: bool) -> Result<AgendaItem, Error> {
        self.agenda_item(id)?;
        self.write(|tx| {
            tx.execute("UPDATE agenda_items SET done = ?2 WHERE id = ?1", params![id, done])?;
            Ok(())
        })?;
        self.agenda_item(id)
    }

    /// Changes an agenda item's text, kind and wish. A carried copy keeps its own text from then on.
    pub fn edit_agenda_item(&mut self, id: i64, edit: NewAgendaItem) -> Result<AgendaItem, Error> {
        let text = clean_text("agenda item", &edit.text, MAX_AGENDA_CHARS, true)?;
        self.agenda_item(id)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE agenda_items SET text = ?2, kind = ?3, wants = ?4 WHERE id = ?1",
                params![id, text, edit.kind.as_str(), edit.wants.map(Wants::as_str)],
            )?;
            search::index(tx, HitKind::Agenda, id, &text)?;
            Ok(())
        })?;
        self.agenda_item(id)
    }

    /// Deletes an agenda item (a copy carried from it into a later session stays, unlinked).
    /// A carried copy is removed from its session for good: carry-over does not bring it back
    /// there, and since later sessions carry from this one, not later either. Answers the item as
    /// it was, so that the caller can offer to put it back (`restore_agenda_item`).
    pub fn delete_agenda_item(&mut self, id: i64) -> Result<AgendaItem, Error> {
        let item = self.agenda_item(id)?;
        self.write(|tx| {
            if let Some(from) = item.carried_from {
                tx.execute(
                    "INSERT OR IGNORE INTO agenda_declined (session_id, carried_from) VALUES (?1, ?2)",
                    params![item.session_id, from],
                )?;
            }
            tx.execute(
                "UPDATE agenda_items SET carried_from = NULL WHERE carried_from = ?1",
                [id],
            )?;
            tx.execute("DELETE FROM agenda_items WHERE id = ?1", [id])?;
            search::remove(tx, HitKind::Agenda, id)?;
            Ok(())
        })?;
        Ok(item)
    }

    /// Puts back an item `delete_agenda_item` removed (an undo): exactly one item, carried from
    /// the same item as before when that one still exists, ticked as it was.
    pub fn restore_agenda_item(&mut self, item: &AgendaItem) -> Result<AgendaItem, Error> {
        let text = clean_text("agenda item", &item.text, MAX_AGENDA_CHARS, true)?;
        self.session(item.session_id)?;
        let id = self.write(|tx| {
            let mut from = None;
            if let Some(original) = item.carried_from {
                tx.execute(
                    "DELETE FROM agenda_declined WHERE session_id = ?1 AND carried_from = ?2",
                    params![item.session_id, original],
                )?;
                let exists: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM agenda_items WHERE id = ?1)",
                    [original],
                    |r| r.get(0),
                )?;
                from = exists.then_some(original);
            }
            let new = NewAgendaItem {
                text,
                kind: item.kind,
                wants: item.wants,
            };
            let id = match insert(tx, item.session_id, &new, from)? {
                Some(id) => id,
                // Carried there again in the meantime: that copy is the item.
                None => tx.query_row(
                    "SELECT id FROM agenda_items WHERE session_id = ?1 AND carried_from = ?2",
                    params![item.session_id, from],
                    |r| r.get(0),
                )?,
            };
            tx.execute(
                "UPDATE agenda_items SET done = ?2 WHERE id = ?1",
                params![id, item.done],
            )?;
            Ok(id)
        })?;
        self.agenda_item(id)
    }

    /// A session's agenda, in the order the items were added (carried-over items first).
    pub fn agenda(&self, session_id: i64) -> Result<Vec<AgendaItem>, Error> {
        self.session(session_id)?;
        let mut stmt = self.conn().prepare_cached(&format!(
            "{SELECT} WHERE session_id = ?1 ORDER BY carried_from IS NULL, id"
        ))?;
        let rows = stmt.query_map([session_id], from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
