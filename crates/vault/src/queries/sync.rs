//! What the sync sends, kept in the vault: the outbox of changed (employee id, month) figures, the
//! enrolment (with the device token, inside the encrypted file) and a log of what was sent.
//!
//! Every change that alters a figure writes its outbox row in the same transaction as the change
//! (`queue`), with a rising revision, so nothing is forgotten by a crash between the two. The
//! figures themselves are computed when sending, from the sessions: only counts and minutes.

use std::fmt;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use taiwa_domain::{Month, Relationship};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{found, parsed};
use crate::{Error, Vault};

/// How far back the server accepts records, in months before the current one.
pub const SYNC_MONTHS_BACK: i32 = 24;

/// Where and as whom this vault is enrolled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Enrolment {
    pub server: String,
    pub device_name: String,
    pub manager_employee_id: String,
    pub manager_name: String,
    /// A company CA certificate file trusted besides the system's roots.
    pub ca_file: Option<String>,
}

/// The device's bearer token: kept only inside the encrypted vault, wiped on drop, never printed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DeviceToken(String);

impl DeviceToken {
    pub fn new(token: String) -> DeviceToken {
        DeviceToken(token)
    }

    /// The token, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DeviceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceToken(***)")
    }
}

/// One record waiting to be sent: the figure of an (employee id, month).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutgoingRecord {
    pub employee_id: String,
    pub month: Month,
    pub relationship: Relationship,
    pub sessions_held: u32,
    pub minutes: u32,
    pub revision: u64,
}

/// A record the server refused, and why; retried only once its figure changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RejectedRecord {
    pub employee_id: String,
    pub month: Month,
    /// The server's words.
    pub reason: String,
    /// The rule the server says it broke (`not_your_report`, …), when it named one.
    pub rule: Option<String>,
}

/// One push, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncLogEntry {
    pub at: String,
    pub records: u32,
    pub accepted: u32,
    pub stale: u32,
    pub rejected: u32,
    /// `sent`, or what went wrong in words.
    pub outcome: String,
    /// `sent`, `rejected`, or the sync error's code (`unreachable`, `token_revoked`, …); none in
    /// entries written before codes were kept.
    pub code: Option<String>,
}

/// The last sync and its error, for the status line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
    /// The code of the last error (`unreachable`, `rejected`, …).
    pub last_error_code: Option<String>,
}

fn state(conn: &Connection, key: &str) -> Result<Option<String>, Error> {
    Ok(conn
        .query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

fn set_state(conn: &Connection, key: &str, value: &str) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Marks the figure of (`employee_id`, `month`) as changed, with the next revision *of that
/// pair*: revisions count each pair's own changes, so they never show the server the order of
/// events across members. A pair first changed after this rule starts above the vault-wide
/// counter of older versions (`revision`, frozen), the same floor for every pair, so that the
/// server, which keeps the highest revision, never ignores it.
pub(crate) fn queue(conn: &Connection, employee_id: &str, month: Month) -> Result<(), Error> {
    let floor = state(conn, "revision")?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    let revision: i64 = conn.query_row(
        "INSERT INTO revisions (employee_id, month, revision) VALUES (?1, ?2, ?3 + 1)
         ON CONFLICT (employee_id, month) DO UPDATE SET revision = revision + 1
         RETURNING revision",
        params![employee_id, month.to_string(), floor],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO outbox (employee_id, month, revision) VALUES (?1, ?2, ?3)
         ON CONFLICT (employee_id, month) DO UPDATE SET revision = excluded.revision, rejected = NULL",
        params![employee_id, month.to_string(), revision],
    )?;
    Ok(())
}

/// Queues the month of `session` under its person's employee id, if they have one.
pub(crate) fn queue_session(conn: &Connection, session: &super::sessions::Session) -> Result<(), Error> {
    let employee_id: Option<String> = conn.query_row(
        "SELECT employee_id FROM people WHERE id = ?1",
        [session.person_id],
        |r| r.get(0),
    )?;
    match employee_id {
        Some(employee_id) => queue(conn, &employee_id, session.month),
        None => Ok(()),
    }
}

/// Queues every month in which `person_id` has a held session, under `employee_id`.
pub(crate) fn queue_person(conn: &Connection, person_id: i64, employee_id: &str) -> Result<(), Error> {
    let mut stmt =
        conn.prepare("SELECT DISTINCT substr(planned_at, 1, 7) FROM sessions WHERE person_id = ?1 AND state = 'held'")?;
    let months: Vec<String> = stmt.query_map([person_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for month in months {
        if let Ok(m) = month.parse::<Month>() {
            queue(conn, employee_id, m)?;
        }
    }
    Ok(())
}

impl Vault {
    pub fn enrolment(&self) -> Result<Option<Enrolment>, Error> {
        let conn = self.conn();
        let Some(server) = state(conn, "server")? else {
            return Ok(None);
        };
        Ok(Some(Enrolment {
            server,
            device_name: state(conn, "device_name")?.unwrap_or_default(),
            manager_employee_id: state(conn, "manager_employee_id")?.unwrap_or_default(),
            manager_name: state(conn, "manager_name")?.unwrap_or_default(),
            ca_file: state(conn, "ca_file")?,
        }))
    }

    pub fn device_token(&self) -> Result<Option<DeviceToken>, Error> {
        Ok(state(self.conn(), "device_token")?.map(DeviceToken))
    }

    /// Records a new enrolment and queues every figure there is, so the first push sends them all.
    pub fn set_enrolment(&mut self, enrolment: &Enrolment, token: &DeviceToken) -> Result<(), Error> {
        self.write(|tx| {
            set_state(tx, "server", &enrolment.server)?;
            set_state(tx, "device_name", &enrolment.device_name)?;
            set_state(tx, "manager_employee_id", &enrolment.manager_employee_id)?;
            set_state(tx, "manager_name", &enrolment.manager_name)?;
            set_state(tx, "device_token", token.expose())?;
            match &enrolment.ca_file {
                Some(path) => set_state(tx, "ca_file", path)?,
                None => {
                    tx.execute("DELETE FROM sync_state WHERE key = 'ca_file'", [])?;
                }
            }
            tx.execute("DELETE FROM sync_state WHERE key = 'last_error'", [])?;
            let mut stmt =
                tx.prepare("SELECT id, employee_id FROM people WHERE employee_id IS NOT NULL AND private = 0")?;
            let people: Vec<(i64, String)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (id, employee_id) in people {
                queue_person(tx, id, &employee_id)?;
            }
            Ok(())
        })
    }

    /// Forgets the enrolment, the token and the ids its rosters confirmed (the server side is
    /// revoked by the caller first).
    pub fn clear_enrolment(&mut self) -> Result<(), Error> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM sync_state WHERE key IN ('server', 'device_name', 'manager_employee_id', 'manager_name', 'device_token', 'ca_file', 'last_error')",
                [],
            )?;
            tx.execute("DELETE FROM confirmed_ids", [])?;
            Ok(())
        })
    }

    /// The records waiting to be sent, oldest revision first: months from `SYNC_MONTHS_BACK` before
    /// `current` up to `current`; people marked private or without an employee id never appear.
    pub fn pending_records(&self, current: Month) -> Result<Vec<OutgoingRecord>, Error> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT employee_id, month, revision FROM outbox WHERE rejected IS NULL ORDER BY month, employee_id",
        )?;
        let rows: Vec<(String, Month, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, parsed(r, 1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let oldest = current.plus(-SYNC_MONTHS_BACK).unwrap_or(current);
        let mut out = Vec::new();
        for (employee_id, month, revision) in rows {
            // An id outside the id alphabet (typed before it was enforced) is never sent: it may
            // be a phrase.
            if month > current || month < oldest || !taiwa_domain::is_employee_id(&employee_id) {
                continue;
            }
            let people: Vec<(i64, Relationship, bool)> = conn
                .prepare("SELECT id, relationship, private FROM people WHERE employee_id = ?1 ORDER BY id")?
                .query_map([&employee_id], |r| Ok((r.get(0)?, parsed(r, 1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            let shared: Vec<&(i64, Relationship, bool)> = people.iter().filter(|p| !p.2).collect();
            if shared.is_empty() && !people.is_empty() {
                continue; // only private people carry this id: nothing is sent about them
            }
            let (mut held, mut minutes) = (0u32, 0u32);
            for (person_id, _, _) in &shared {
                // The month's held sessions as Home counts them (`held_months`, kept on write):
                // what is sent is what the manager sees as met, by one derivation.
                let (h, m): (u32, u32) = conn
                    .query_row(
                        "SELECT held, minutes FROM held_months WHERE person_id = ?1 AND month = ?2",
                        params![person_id, month.to_string()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?
                    .unwrap_or((0, 0));
                held += h;
                minutes += m;
            }
            let relationship = shared.first().map_or(Relationship::Line, |p| p.1);
            out.push(OutgoingRecord {
                employee_id,
                month,
                relationship,
                sessions_held: held,
                minutes,
                revision: u64::try_from(revision).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// Records the server refused, with its reasons.
    pub fn rejected_records(&self) -> Result<Vec<RejectedRecord>, Error> {
        let mut stmt = self.conn().prepare(
            "SELECT employee_id, month, rejected, rejected_rule FROM outbox WHERE rejected IS NOT NULL ORDER BY month, employee_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RejectedRecord {
                    employee_id: r.get(0)?,
                    month: parsed(r, 1)?,
                    reason: r.get(2)?,
                    rule: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Takes sent records out of the outbox, unless their figure changed again meanwhile.
    pub fn mark_sent(&mut self, records: &[OutgoingRecord]) -> Result<(), Error> {
        self.write(|tx| {
            for r in records {
                tx.execute(
                    "DELETE FROM outbox WHERE employee_id = ?1 AND month = ?2 AND revision <= ?3",
                    params![
                        r.employee_id,
                        r.month.to_string(),
                        i64::try_from(r.revision).unwrap_or(i64::MAX)
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// Keeps a refused record aside with the server's reason, until its figure changes.
    pub fn mark_rejected(&mut self, record: &OutgoingRecord, rule: Option<&str>, reason: &str) -> Result<(), Error> {
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET rejected = ?4, rejected_rule = ?5 WHERE employee_id = ?1 AND month = ?2 AND revision = ?3",
                params![
                    record.employee_id,
                    record.month.to_string(),
                    i64::try_from(record.revision).unwrap_or(i64::MAX),
                    reason,
                    rule
                ],
            )?;
            Ok(())
        })
    }

    /// Writes a push to the log and the status line; `error` is its code and words.
    pub fn record_sync(&mut self, entry: &SyncLogEntry, error: Option<(&str, &str)>) -> Result<(), Error> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sync_log (at, records, accepted, stale, rejected, outcome, code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![entry.at, entry.records, entry.accepted, entry.stale, entry.rejected, entry.outcome, entry.code],
            )?;
            match error {
                None => {
                    set_state(tx, "last_sync_at", &entry.at)?;
                    tx.execute("DELETE FROM sync_state WHERE key IN ('last_error', 'last_error_code')", [])?;
                }
                Some((code, words)) => {
                    set_state(tx, "last_error", words)?;
                    set_state(tx, "last_error_code", code)?;
                }
            }
            Ok(())
        })
    }

    pub fn sync_status(&self) -> Result<SyncStatus, Error> {
        Ok(SyncStatus {
            last_sync_at: state(self.conn(), "last_sync_at")?,
            last_error: state(self.conn(), "last_error")?,
            last_error_code: state(self.conn(), "last_error_code")?,
        })
    }

    /// The newest pushes first.
    pub fn sync_log(&self, limit: usize) -> Result<Vec<SyncLogEntry>, Error> {
        let mut stmt = self.conn().prepare(
            "SELECT at, records, accepted, stale, rejected, outcome, code FROM sync_log ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok(SyncLogEntry {
                    at: r.get(0)?,
                    records: r.get(1)?,
                    accepted: r.get(2)?,
                    stale: r.get(3)?,
                    rejected: r.get(4)?,
                    outcome: r.get(5)?,
                    code: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Marks a person private or shared again. Private: nothing more is sent about them, what is
    /// waiting is dropped, and a withdrawal is queued that asks the server to remove every figure
    /// of theirs it holds from this manager. Shared again: the withdrawal (if not sent yet) is
    /// dropped and all their figures are queued.
    pub fn set_private(&mut self, person_id: i64, private: bool) -> Result<(), Error> {
        let person = self.person(person_id)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE people SET private = ?2 WHERE id = ?1",
                params![person_id, private],
            )?;
            let Some(employee_id) = &person.employee_id else {
                return Ok(());
            };
            if private {
                tx.execute("DELETE FROM outbox WHERE employee_id = ?1", [employee_id])?;
                tx.execute(
                    "INSERT INTO withdrawals (employee_id) VALUES (?1) ON CONFLICT DO NOTHING",
                    [employee_id],
                )?;
            } else {
                tx.execute("DELETE FROM withdrawals WHERE employee_id = ?1", [employee_id])?;
                queue_person(tx, person_id, employee_id)?;
            }
            Ok(())
        })
    }

    /// Employee ids whose figures the server is to remove (people marked private), oldest first.
    pub fn pending_withdrawals(&self) -> Result<Vec<String>, Error> {
        let mut stmt = self
            .conn()
            .prepare("SELECT employee_id FROM withdrawals ORDER BY rowid")?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// The server confirmed these withdrawals.
    pub fn mark_withdrawn(&mut self, employee_ids: &[String]) -> Result<(), Error> {
        self.write(|tx| {
            for id in employee_ids {
                tx.execute("DELETE FROM withdrawals WHERE employee_id = ?1", [id])?;
            }
            Ok(())
        })
    }

    /// Remembers the ids a roster named as direct reports (kept while enrolled).
    pub fn confirm_ids(&mut self, employee_ids: &[String]) -> Result<(), Error> {
        self.write(|tx| {
            for id in employee_ids {
                tx.execute(
                    "INSERT INTO confirmed_ids (employee_id) VALUES (?1) ON CONFLICT DO NOTHING",
                    [id],
                )?;
            }
            Ok(())
        })
    }

    /// Ids the server's roster has named as direct reports since this vault was enrolled.
    pub fn confirmed_ids(&self) -> Result<std::collections::HashSet<String>, Error> {
        let mut stmt = self.conn().prepare("SELECT employee_id FROM confirmed_ids")?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(ids)
    }

    pub fn is_private(&self, person_id: i64) -> Result<bool, Error> {
        found(
            self.conn()
                .query_row("SELECT private FROM people WHERE id = ?1", [person_id], |r| r.get(0)),
            "person",
            person_id,
        )
    }
}
