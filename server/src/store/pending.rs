//! Uploads kept between their preview and HR's confirmation, so that a file is uploaded once and
//! nothing is changed before HR has read what it changes. A kept upload is the file's bytes as
//! they came, for the one account that uploaded them, under the hash of a random token that only
//! the confirmation form holds; it is taken (read and deleted) once, and never outlives
//! `PENDING_SECS`.

use data_encoding::BASE64;

use super::{hash_secret, new_token, now};
use crate::Error;
use crate::db::{Conn, Pool, V};

/// How long an upload waits for its confirmation.
pub const PENDING_SECS: i64 = 30 * 60;

/// What an upload waits to be confirmed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingKind {
    /// A survey import that replaces stored scores.
    Survey,
    /// A directory import (its two files).
    Directory,
    /// A career-path catalogue import that replaces the stored catalogue.
    CareerPaths,
}

impl PendingKind {
    fn key(self) -> &'static str {
        match self {
            PendingKind::Survey => "survey",
            PendingKind::Directory => "directory",
            PendingKind::CareerPaths => "career_paths",
        }
    }
}

/// An upload taken back for its confirmation: its files, and what HR was shown of it (to check
/// that it still holds).
#[derive(Debug)]
pub struct Pending {
    pub files: Vec<Vec<u8>>,
    pub expected: String,
}

/// Deletes every kept upload past its time.
pub(crate) fn purge_pending(conn: &mut dyn Conn) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM pending_imports WHERE created_at < $1",
        &[V::Int(now() - PENDING_SECS)],
    )?;
    Ok(())
}

/// Deletes every kept upload past its time (the server calls it every few minutes, so that none
/// outlives its time by much even when nobody signs in).
pub fn purge_expired_imports(pool: &Pool) -> Result<(), Error> {
    pool.write(purge_pending)
}

/// Keeps an upload for `email`'s confirmation, in place of any other of the same kind they kept;
/// answers the token the confirmation form carries.
pub fn keep_pending(
    pool: &Pool,
    email: &str,
    kind: PendingKind,
    files: &[&[u8]],
    expected: &str,
) -> Result<String, Error> {
    let token = new_token("tpi_")?;
    let body = serde_json::to_string(&files.iter().map(|f| BASE64.encode(f)).collect::<Vec<_>>())
        .map_err(|e| Error::Internal(e.to_string()))?;
    pool.write(|conn| {
        purge_pending(conn)?;
        conn.execute(
            "DELETE FROM pending_imports WHERE email = $1 AND kind = $2",
            &[V::from(email), V::from(kind.key())],
        )?;
        conn.execute(
            "INSERT INTO pending_imports (token_hash, email, kind, body, expected, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                V::from(hash_secret(&token)),
                V::from(email),
                V::from(kind.key()),
                V::from(body.as_str()),
                V::from(expected),
                V::Int(now()),
            ],
        )?;
        Ok(())
    })?;
    Ok(token)
}

/// Takes back the upload `email` kept under `token`, deleting it: `None` when there is none (never
/// kept, already taken, past its time, another account's or another kind's).
pub fn take_pending(pool: &Pool, email: &str, kind: PendingKind, token: &str) -> Result<Option<Pending>, Error> {
    let hash = hash_secret(token);
    pool.write(|conn| {
        purge_pending(conn)?;
        let rows = conn.query(
            "SELECT body, expected FROM pending_imports WHERE token_hash = $1 AND email = $2 AND kind = $3",
            &[V::from(hash.as_str()), V::from(email), V::from(kind.key())],
        )?;
        let Some(row) = rows.first() else { return Ok(None) };
        conn.execute(
            "DELETE FROM pending_imports WHERE token_hash = $1",
            &[V::from(hash.as_str())],
        )?;
        let encoded: Vec<String> =
            serde_json::from_str(&row.text("body")?).map_err(|e| Error::Row(format!("pending_imports.body: {e}")))?;
        let files = encoded
            .iter()
            .map(|f| BASE64.decode(f.as_bytes()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Row(format!("pending_imports.body: {e}")))?;
        Ok(Some(Pending {
            files,
            expected: row.text("expected")?,
        }))
    })
}
