//! Opening the SQLCipher database and bringing its schema up to date.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rusqlite::{Connection, OpenFlags};

use crate::secret::DataKey;
use crate::{Error, Part};

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

pub(crate) const DB_FILE: &str = "vault.db";

/// The schema version this build writes; a vault with a higher `user_version` is refused.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Opens (or with `create`, creates) the database in `dir` with `key`, in Signal Desktop's order:
/// key, check SQLCipher answers, check the key opens the file, then WAL and the rest, then migrations.
pub(crate) fn open(dir: &Path, key: &DataKey, create: bool) -> Result<(Connection, LogPages), Error> {
    open_with(dir, Some(key), create)
}

/// How many pages the write-ahead log holds since it last started over, as SQLite tells after
/// each commit: what `Vault::checkpoint_if_due` goes by, since the log's file keeps its size.
#[derive(Clone, Debug, Default)]
pub(crate) struct LogPages(Arc<AtomicU32>);

impl LogPages {
    /// The bytes those pages take in the log's file: a 32-byte header, then each page after a
    /// 24-byte frame header.
    pub(crate) fn bytes(&self) -> u64 {
        32 + u64::from(self.0.load(Ordering::Relaxed)) * (PAGE_BYTES + 24)
    }

    /// After a checkpoint that moved every page: the next commit starts the log over.
    pub(crate) fn started_over(&self) {
        self.0.store(0, Ordering::Relaxed);
    }

    /// Watches `conn`'s commits. Replaces SQLite's own automatic checkpoints, which are off.
    fn watch(conn: &mut Connection) -> Result<LogPages, Error> {
        let pages = LogPages::default();
        let seen = pages.clone();
        conn.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, n: std::ffi::c_int| {
            seen.0.store(u32::try_from(n).unwrap_or(0), Ordering::Relaxed);
            Ok(())
        }))?;
        Ok(pages)
    }
}

/// The page size SQLCipher 4 and this schema use, for turning log pages into bytes.
pub(crate) const PAGE_BYTES: u64 = 4096;

/// The same database without encryption: for the benchmarks' encrypted/plain ratios only
/// (feature `bench-plain`, which only `taiwa-bench` enables).
#[cfg(feature = "bench-plain")]
pub(crate) fn open_plain(dir: &Path, create: bool) -> Result<(Connection, LogPages), Error> {
    open_with(dir, None, create)
}

fn open_with(dir: &Path, key: Option<&DataKey>, create: bool) -> Result<(Connection, LogPages), Error> {
    let path = dir.join(DB_FILE);
    if !create && !path.exists() {
        return Err(Error::Damaged {
            part: Part::Database,
            detail: "the database file vault.db is missing".into(),
        });
    }
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    // 0600 from the first byte, and for a vault made before this rule, from now on: SQLite
    // gives the log (`-wal`) and the shared memory (`-shm`) the database file's mode.
    crate::private_file(&path)?;
    crate::restrict_permissions(dir)?;
    let mut conn = Connection::open_with_flags(&path, flags)?;
    quiet(&conn);
    if let Some(key) = key {
        conn.execute_batch(&key.sqlcipher_pragma())?;
        let version: Option<String> = conn.query_row("PRAGMA cipher_version", [], |r| r.get(0)).ok();
        if version.is_none_or(|v| v.is_empty()) {
            return Err(Error::NoEncryption);
        }
    }
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
        .map_err(|e| match Error::from(e) {
            Error::Damaged { part, .. } => Error::Damaged {
                part,
                detail: "the data key does not open it: the file is damaged or belongs to another key file".into(),
            },
            other => other,
        })?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL with FULL sync: a commit that returned is on disk. Temp tables and sorts stay in memory,
    // never in an unencrypted temp file.
    // A page cache of up to 32 MiB (SQLite's default is 2 MiB): decrypting a page costs more than
    // reading it, and after a search a person's page found none of its pages cached in a
    // 100,000-note vault. Pages are cached only once read, so a small vault never fills it.
    // Checkpoints never fall on a save: `Vault::checkpoint_if_due` runs them between saves (the
    // app calls it from its background thread) and SQLite runs one when the last connection closes.
    // After a checkpoint the log starts over at the beginning of its file, which keeps its size
    // (cut back to `LOG_KEPT_BYTES` if it grew past it): a save overwrites blocks the file already
    // has, and its flush need not record a new file size as well.
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;
         PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {LOG_KEPT_BYTES}; PRAGMA cache_size = -32768;",
    ))?;
    let pages = LogPages::watch(&mut conn)?;
    // Every screen's reads are a handful of statements, prepared once per connection.
    conn.set_prepared_statement_cache_capacity(64);
    migrate(&conn)?;
    Ok((conn, pages))
}

/// The size the write-ahead log's file keeps between checkpoints: twice the size that calls for one.
pub const LOG_KEPT_BYTES: u64 = 2 * crate::CHECKPOINT_AFTER_BYTES;

/// Runs SQLCipher's page check and SQLite's structure check into `report`, without migrating.
pub(crate) fn verify(dir: &Path, key: &DataKey, report: &mut crate::VerifyReport) -> Result<(), Error> {
    let path = dir.join(DB_FILE);
    if !path.exists() {
        report.database_ok = false;
        report.problems.push(format!("{}: the file is missing", Part::Database));
        return Ok(());
    }
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    quiet(&conn);
    conn.execute_batch(&key.sqlcipher_pragma())?;
    let mut damaged = |what: String| {
        report.database_ok = false;
        report.problems.push(format!("{}: {what}", Part::Database));
    };
    let pages: Result<Vec<String>, rusqlite::Error> = conn
        .prepare("PRAGMA cipher_integrity_check")
        .and_then(|mut stmt| stmt.query_map([], |r| r.get::<_, String>(0))?.collect());
    match pages {
        Ok(errors) => errors
            .into_iter()
            .for_each(|e| damaged(format!("cipher_integrity_check: {e}"))),
        Err(e) => damaged(format!("cipher_integrity_check could not run: {e}")),
    }
    let structure: Result<Vec<String>, rusqlite::Error> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut stmt| stmt.query_map([], |r| r.get::<_, String>(0))?.collect());
    match structure {
        Ok(lines) if lines == ["ok"] => {}
        Ok(lines) => lines.into_iter().for_each(|e| damaged(format!("integrity_check: {e}"))),
        Err(e) => damaged(format!("integrity_check could not run: {e}")),
    }
    report.schema_version = user_version(&conn).ok();
    Ok(())
}

/// SQLCipher writes its own error lines to stderr; Taiwa reports damage itself, in words.
fn quiet(conn: &Connection) {
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
}

fn user_version(conn: &Connection) -> Result<u32, Error> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

#[cfg(test)]
thread_local! {
    /// How many migrations a test's vault gets, to make a vault as an older build left it.
    pub(crate) static STOP_AT: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// How many migrations to apply at most: all of them, except in a test that says otherwise.
#[cfg(not(test))]
fn stop_at() -> usize {
    usize::MAX
}

#[cfg(test)]
fn stop_at() -> usize {
    STOP_AT.get()
}

/// Applies each pending migration in one transaction with the `user_version` bump that records it.
fn migrate(conn: &Connection) -> Result<(), Error> {
    let current = user_version(conn)?;
    if current > SCHEMA_VERSION {
        return Err(Error::TooNew {
            what: "vault",
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().take(stop_at()).skip(current as usize) {
        let target = index + 1;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        // Another process may have migrated while this one waited for the write lock.
        let applied = user_version(conn).and_then(|now| {
            if now as usize >= target {
                return Ok(());
            }
            conn.execute_batch(&format!("{sql}\n;\nPRAGMA user_version = {target};"))?;
            Ok(())
        });
        match applied {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use rusqlite::types::FromSql;

    use super::*;

    /// An in-memory database with the schema as the first `version` migrations leave it.
    pub(crate) fn schema_at(version: usize) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..version] {
            conn.execute_batch(sql).unwrap();
        }
        conn
    }

    /// The rows of a query of four columns.
    fn four<A: FromSql, B: FromSql, C: FromSql, D: FromSql>(conn: &Connection, sql: &str) -> Vec<(A, B, C, D)> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn migrations_are_numbered_and_embedded() {
        assert_eq!(SCHEMA_VERSION as usize, MIGRATIONS.len());
        assert!(MIGRATIONS[0].contains("CREATE TABLE people"));
    }

    /// Migration 13 counts an existing vault's sessions per person with the first one's time and
    /// the last held one's, and from then on the database keeps them through inserts, deletions,
    /// changes of state and time, and a session moved to someone else.
    #[test]
    fn migration_13_keeps_each_persons_count_first_and_last_held() {
        let conn = schema_at(12);
        conn.execute_batch(
            "INSERT INTO people (id, name, created_at) VALUES (1, 'Aoi', ''), (2, 'Ben', ''), (3, 'Chie', '');
             INSERT INTO sessions (id, person_id, planned_at, time_zone, planned_minutes, state, held_minutes, created_at, updated_at)
                 VALUES (1, 1, '2024-05-01T10:00:00', 'UTC', 30, 'held', 30, '', ''),
                        (2, 1, '2024-06-01T10:00:00', 'UTC', 30, 'planned', NULL, '', ''),
                        (3, 2, '2024-06-02T10:00:00', 'UTC', 30, 'skipped', NULL, '', '');",
        )
        .unwrap();
        conn.execute_batch(MIGRATIONS[12]).unwrap();
        type Rows = Vec<(i64, i64, Option<String>, Option<String>)>;
        // The kept row beside the same figures from the sessions themselves, for everyone.
        let both = |conn: &Connection| -> (Rows, Rows) {
            (
                four(
                    conn,
                    "SELECT p.id, coalesce(k.sessions, 0), k.first_at, k.last_held_at
                     FROM people p LEFT JOIN person_sessions k ON k.person_id = p.id ORDER BY p.id",
                ),
                four(
                    conn,
                    "SELECT p.id, count(s.id), min(s.planned_at), max(CASE WHEN s.state = 'held' THEN s.planned_at END)
                     FROM people p LEFT JOIN sessions s ON s.person_id = p.id GROUP BY p.id ORDER BY p.id",
                ),
            )
        };
        let (kept, counted) = both(&conn);
        assert_eq!(
            kept[0],
            (
                1,
                2,
                Some("2024-05-01T10:00:00".into()),
                Some("2024-05-01T10:00:00".into())
            )
        );
        assert_eq!(kept, counted);
        for change in [
            "INSERT INTO sessions (id, person_id, planned_at, time_zone, planned_minutes, created_at, updated_at)
                 VALUES (4, 3, '2024-07-01T10:00:00', 'UTC', 30, '', '')",
            "UPDATE sessions SET state = 'held', held_minutes = 30 WHERE id = 2",
            "DELETE FROM sessions WHERE id = 1",
            "UPDATE sessions SET person_id = 3 WHERE id = 3",
            "UPDATE sessions SET planned_at = '2023-01-01T10:00:00' WHERE id = 2",
            "UPDATE sessions SET state = 'planned', held_minutes = NULL WHERE id = 2",
            "INSERT INTO sessions (id, person_id, planned_at, time_zone, planned_minutes, state, held_minutes, created_at, updated_at)
                 VALUES (5, 1, '2025-01-01T10:00:00', 'UTC', 30, 'held', 40, '', '')",
        ] {
            conn.execute_batch(change).unwrap();
            let (kept, counted) = both(&conn);
            assert_eq!(kept, counted, "after {change}");
        }
        conn.execute_batch("DELETE FROM sessions WHERE person_id = 3; DELETE FROM people WHERE id = 3;")
            .unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM person_sessions WHERE person_id = 3", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(left, 0, "a deleted person's row goes with them");
    }

    /// Migration 14 counts an existing vault's held sessions and minutes per person and month,
    /// and from then on the database keeps them through every kind of change to a session.
    #[test]
    fn migration_14_counts_held_sessions_by_month_and_keeps_counting() {
        let conn = schema_at(13);
        conn.execute_batch(
            "INSERT INTO people (id, name, created_at) VALUES (1, 'Aoi', ''), (2, 'Ben', '');
             INSERT INTO sessions (id, person_id, planned_at, time_zone, planned_minutes, state, held_minutes, created_at, updated_at)
                 VALUES (1, 1, '2024-05-01T10:00:00', 'UTC', 30, 'held', 30, '', ''),
                        (2, 1, '2024-05-20T10:00:00', 'UTC', 30, 'held', NULL, '', ''),
                        (3, 1, '2024-06-01T10:00:00', 'UTC', 30, 'planned', NULL, '', ''),
                        (4, 2, '2024-05-31T23:30:00', 'UTC', 30, 'held', 45, '', '');",
        )
        .unwrap();
        conn.execute_batch(MIGRATIONS[13]).unwrap();
        // The kept rows beside the same figures counted from the sessions themselves.
        type Rows = Vec<(String, i64, i64, i64)>;
        let both = |conn: &Connection| -> (Rows, Rows) {
            let rows = |sql: &str| -> Rows { four(conn, sql) };
            (
                rows("SELECT month, person_id, held, minutes FROM held_months WHERE held > 0 ORDER BY 1, 2"),
                rows(
                    "SELECT substr(planned_at, 1, 7), person_id, count(*), coalesce(sum(held_minutes), 0)
                     FROM sessions WHERE state = 'held' GROUP BY 1, 2 ORDER BY 1, 2",
                ),
            )
        };
        let (kept, counted) = both(&conn);
        assert_eq!(
            kept,
            [("2024-05".to_owned(), 1, 2, 30), ("2024-05".to_owned(), 2, 1, 45)]
        );
        assert_eq!(kept, counted);
        for change in [
            "UPDATE sessions SET state = 'held', held_minutes = 20 WHERE id = 3",
            "UPDATE sessions SET held_minutes = 50 WHERE id = 1",
            "UPDATE sessions SET planned_at = '2024-07-02T10:00:00' WHERE id = 2",
            "UPDATE sessions SET state = 'planned', held_minutes = NULL WHERE id = 4",
            "UPDATE sessions SET person_id = 2 WHERE id = 1",
            "INSERT INTO sessions (id, person_id, planned_at, time_zone, planned_minutes, state, held_minutes, created_at, updated_at)
                 VALUES (5, 2, '2024-07-03T10:00:00', 'UTC', 30, 'held', 25, '', '')",
            "DELETE FROM sessions WHERE id = 3",
        ] {
            conn.execute_batch(change).unwrap();
            let (kept, counted) = both(&conn);
            assert_eq!(kept, counted, "after {change}");
        }
        let (kept, _) = both(&conn);
        assert_eq!(
            kept,
            [
                ("2024-05".to_owned(), 2, 1, 50),
                ("2024-07".to_owned(), 1, 1, 0),
                ("2024-07".to_owned(), 2, 1, 25)
            ]
        );
    }
}
