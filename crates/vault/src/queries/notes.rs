//! Private notes: one Markdown note per session.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::error::{Problem, Rule};
use crate::{Error, Vault};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Note {
    pub session_id: i64,
    pub body: String,
    pub updated_at: String,
}

/// The largest note, in bytes of UTF-8: far beyond an hour of typing, small enough to index.
pub const MAX_NOTE_BYTES: usize = 16 * 1024 * 1024;

/// Refuses a `what` (note, career note) larger than `MAX_NOTE_BYTES`, naming both sizes.
pub(crate) fn check_size(what: &str, bytes: usize) -> Result<(), Error> {
    if bytes > MAX_NOTE_BYTES {
        return Err(Problem::new(
            what,
            Rule::TooLarge,
            format!(
                "the {what} is too large: {:.1} MB, at most {} MB",
                bytes as f64 / 1_048_576.0,
                MAX_NOTE_BYTES / 1_048_576
            ),
        )
        .limit(MAX_NOTE_BYTES / 1_048_576)
        .into());
    }
    Ok(())
}

impl Vault {
    /// Replaces the session's note. Durable when this returns.
    pub fn set_note(&mut self, session_id: i64, body: &str) -> Result<Note, Error> {
        check_size("note", body.len())?;
        if body.contains('\0') {
            return Err(Error::invalid(
                "note",
                Rule::ControlCharacters,
                "the note contains a NUL character",
            ));
        }
        self.session(session_id)?;
        let updated_at = crate::now_stamp();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO notes (session_id, body, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (session_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                params![session_id, body, updated_at],
            )?;
            // The search entries follow between saves (`Vault::index_pending`).
            tx.execute(
                "INSERT INTO search_pending (session_id) VALUES (?1) ON CONFLICT DO NOTHING",
                [session_id],
            )?;
            Ok(())
        })?;
        Ok(Note {
            session_id,
            body: body.to_owned(),
            updated_at,
        })
    }

    /// Adds `text` to the end of the session's note, on a new line.
    pub fn append_note(&mut self, session_id: i64, text: &str) -> Result<Note, Error> {
        let mut body = self.note(session_id)?.map(|n| n.body).unwrap_or_default();
        if !body.is_empty() && !body.ends_with('\n') {
            body.push('\n');
        }
        body.push_str(text);
        self.set_note(session_id, &body)
    }

    pub fn note(&self, session_id: i64) -> Result<Option<Note>, Error> {
        self.session(session_id)?;
        Ok(self
            .conn()
            .query_row(
                "SELECT session_id, body, updated_at FROM notes WHERE session_id = ?1",
                [session_id],
                |r| {
                    Ok(Note {
                        session_id: r.get(0)?,
                        body: r.get(1)?,
                        updated_at: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }
}
