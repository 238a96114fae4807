//! The server's operations over the storage interface, written once for both backends.

use std::collections::{BTreeMap, HashMap, HashSet};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use data_encoding::BASE64URL_NOPAD;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use taiwa_protocol::{
    CompletionRecord, CompletionReport, CompletionResponse, CompletionRow, MAX_BATCH_RECORDS, MAX_DEVICE_NAME_CHARS,
    MAX_MINUTES_PER_SESSION, MAX_MONTHS_BACK, MAX_SESSIONS_PER_MONTH, Manager, Month, PairRow, PairsReport,
    RecordProblem, Relationship, Roster, RosterMember, Totals,
};

use crate::Error;
use crate::db::{Backend, Conn, Pool, V};
use crate::directory::Directory;

const SQLITE_MIGRATIONS: &[&str] = &[include_str!("../migrations/sqlite/0001_init.sql")];
const POSTGRES_MIGRATIONS: &[&str] = &[include_str!("../migrations/postgres/0001_init.sql")];

/// Months are stored as `year * 12 + month - 1`, so ranges compare as integers.
pub fn month_index(m: Month) -> i64 {
    i64::from(m.year()) * 12 + i64::from(m.number()) - 1
}

pub fn month_from_index(i: i64) -> Option<Month> {
    Month::new(
        i16::try_from(i.div_euclid(12)).ok()?,
        i8::try_from(i.rem_euclid(12) + 1).ok()?,
    )
}

/// The current month, generously: the month it already is somewhere on Earth (UTC+14), so that a
/// device whose calendar has turned is never refused by a server whose calendar has not.
pub fn current_month() -> Month {
    let ahead = TimeZone::fixed(jiff::tz::offset(14));
    Month::of_instant(Timestamp::now(), &ahead)
}

pub fn now() -> i64 {
    Timestamp::now().as_second()
}

fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Internal("random number generator failed".into()))?;
    Ok(bytes)
}

/// Tokens and codes are stored as their SHA-256, never as themselves.
pub fn hash_secret(secret: &str) -> String {
    digest::digest(&digest::SHA256, secret.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_token(prefix: &str) -> Result<String, Error> {
    Ok(format!("{prefix}{}", BASE64URL_NOPAD.encode(&random_bytes::<32>()?)))
}

/// A code a person can type: 16 Crockford base32 characters in four groups.
fn new_code() -> Result<String, Error> {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes = random_bytes::<16>()?;
    let chars: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    Ok(format!(
        "{}-{}-{}-{}",
        &chars[0..4],
        &chars[4..8],
        &chars[8..12],
        &chars[12..16]
    ))
}

/// How a typed code is compared: case, spaces and dashes do not matter; O, I and L read as 0, 1, 1.
fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// Applies pending schema migrations, one transaction each; safe with several instances starting.
pub fn migrate(pool: &Pool) -> Result<(), Error> {
    let migrations = match pool.backend() {
        Backend::Sqlite => SQLITE_MIGRATIONS,
        Backend::Postgres => POSTGRES_MIGRATIONS,
    };
    pool.write(|conn| {
        if conn.backend() == Backend::Postgres {
            conn.batch("SELECT pg_advisory_xact_lock(7461237)")?;
        }
        conn.batch("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")?;
        let applied = conn.query("SELECT CAST(count(*) AS BIGINT) FROM schema_migrations", &[])?;
        let done = usize::try_from(applied.first().map_or(0, |r| r.int(0))).unwrap_or(0);
        if done > migrations.len() {
            return Err(Error::Config(format!(
                "the database has schema version {done}, newer than this server's {}: update the server",
                migrations.len()
            )));
        }
        for (i, sql) in migrations.iter().enumerate().skip(done) {
            conn.batch(sql)?;
            conn.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[V::Int(i as i64 + 1)],
            )?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Directory

const VALID_IN: &str = "valid_from <= $1 AND (valid_to IS NULL OR valid_to >= $1)";

/// What an import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary {
    pub org_units: usize,
    pub employees: usize,
    /// Rows that differ from the directory before (new, changed or gone).
    pub changes: usize,
    /// The month from which this directory applies; earlier months keep their pairs.
    pub effective_from: Option<Month>,
}

/// Stores a validated directory. The first import applies to every month; a later one is a
/// reorganisation that takes effect from `month`, past months keeping the pairs they had.
pub fn import_directory(pool: &Pool, directory: &Directory, month: Month) -> Result<ImportSummary, Error> {
    let m = month_index(month);
    pool.write(|conn| {
        let existing = conn.query("SELECT CAST(count(*) AS BIGINT) FROM employees", &[])?.first().map_or(0, |r| r.int(0))
            + conn.query("SELECT CAST(count(*) AS BIGINT) FROM org_units", &[])?.first().map_or(0, |r| r.int(0));
        let from = if existing == 0 { 0 } else { m };

        let current_orgs: HashMap<String, (String, Option<String>, i64)> = conn
            .query("SELECT org_unit_id, name, parent_id, valid_from FROM org_units WHERE valid_to IS NULL", &[])?
            .into_iter()
            .map(|r| (r.text(0), (r.text(1), r.opt_text(2), r.int(3))))
            .collect();
        let new_orgs: HashMap<&str, (&str, Option<&str>)> =
            directory.org_units.iter().map(|o| (o.id.as_str(), (o.name.as_str(), o.parent.as_deref()))).collect();
        let mut changes = 0;
        for (id, (name, parent, valid_from)) in &current_orgs {
            let same = new_orgs.get(id.as_str()).is_some_and(|(n, p)| n == name && *p == parent.as_deref());
            if !same {
                changes += 1;
                retire(conn, "org_units", "org_unit_id", id, *valid_from, from)?;
            }
        }
        for o in &directory.org_units {
            let same = current_orgs.get(&o.id).is_some_and(|(n, p, _)| *n == o.name && *p == o.parent);
            if !same {
                if !current_orgs.contains_key(&o.id) {
                    changes += 1;
                }
                conn.execute(
                    "INSERT INTO org_units (org_unit_id, name, parent_id, valid_from) VALUES ($1, $2, $3, $4)",
                    &[V::from(&o.id), V::from(&o.name), V::from(o.parent.as_deref()), V::Int(from)],
                )?;
            }
        }

        type EmpRow = (String, String, String, Option<String>, i64);
        let current_emps: HashMap<String, EmpRow> = conn
            .query("SELECT employee_id, name, email, org_unit_id, manager_id, valid_from FROM employees WHERE valid_to IS NULL", &[])?
            .into_iter()
            .map(|r| (r.text(0), (r.text(1), r.text(2), r.text(3), r.opt_text(4), r.int(5))))
            .collect();
        let matches = |e: &crate::directory::Employee, c: &EmpRow| {
            c.0 == e.name && c.1 == e.email && c.2 == e.org_unit && c.3 == e.manager
        };
        let new_ids: HashSet<&str> = directory.employees.iter().map(|e| e.id.as_str()).collect();
        let by_id: HashMap<&str, &crate::directory::Employee> =
            directory.employees.iter().map(|e| (e.id.as_str(), e)).collect();
        for (id, row) in &current_emps {
            let same = new_ids.contains(id.as_str()) && by_id.get(id.as_str()).is_some_and(|e| matches(e, row));
            if !same {
                changes += 1;
                retire(conn, "employees", "employee_id", id, row.4, from)?;
            }
        }
        for e in &directory.employees {
            if current_emps.get(&e.id).is_some_and(|row| matches(e, row)) {
                continue;
            }
            if !current_emps.contains_key(&e.id) {
                changes += 1;
            }
            conn.execute(
                "INSERT INTO employees (employee_id, name, email, org_unit_id, manager_id, valid_from) VALUES ($1, $2, $3, $4, $5, $6)",
                &[V::from(&e.id), V::from(&e.name), V::from(&e.email), V::from(&e.org_unit), V::from(e.manager.as_deref()), V::Int(from)],
            )?;
        }
        Ok(ImportSummary {
            org_units: directory.org_units.len(),
            employees: directory.employees.len(),
            changes,
            effective_from: (from != 0).then_some(month),
        })
    })
}

/// Ends the current version of a row before month `from`; a version that began in `from` itself
/// (an earlier import this month) is replaced outright.
fn retire(conn: &mut dyn Conn, table: &str, key: &str, id: &str, valid_from: i64, from: i64) -> Result<(), Error> {
    if valid_from >= from {
        conn.execute(
            &format!("DELETE FROM {table} WHERE {key} = $1 AND valid_to IS NULL"),
            &[V::from(id)],
        )?;
    } else {
        conn.execute(
            &format!("UPDATE {table} SET valid_to = $2 WHERE {key} = $1 AND valid_to IS NULL"),
            &[V::from(id), V::Int(from - 1)],
        )?;
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct Person {
    name: String,
    email: String,
    org_unit: String,
    manager: Option<String>,
}

#[derive(Debug, Clone)]
struct Unit {
    name: String,
    parent: Option<String>,
}

/// The directory as it was in one month.
struct Snapshot {
    units: BTreeMap<String, Unit>,
    people: HashMap<String, Person>,
}

impl Snapshot {
    fn load(conn: &mut dyn Conn, month: Month) -> Result<Snapshot, Error> {
        let m = V::Int(month_index(month));
        let units = conn
            .query(
                &format!("SELECT org_unit_id, name, parent_id FROM org_units WHERE {VALID_IN}"),
                std::slice::from_ref(&m),
            )?
            .into_iter()
            .map(|r| {
                (
                    r.text(0),
                    Unit {
                        name: r.text(1),
                        parent: r.opt_text(2),
                    },
                )
            })
            .collect();
        let people = conn
            .query(
                &format!("SELECT employee_id, name, email, org_unit_id, manager_id FROM employees WHERE {VALID_IN}"),
                &[m],
            )?
            .into_iter()
            .map(|r| {
                (
                    r.text(0),
                    Person {
                        name: r.text(1),
                        email: r.text(2),
                        org_unit: r.text(3),
                        manager: r.opt_text(4),
                    },
                )
            })
            .collect();
        Ok(Snapshot { units, people })
    }

    /// (manager, member) pairs: everyone with a manager who is in the directory that month.
    fn pairs(&self) -> impl Iterator<Item = (&str, &str, &Person)> {
        self.people.iter().filter_map(|(id, p)| {
            let manager = p.manager.as_deref()?;
            self.people.contains_key(manager).then_some((manager, id.as_str(), p))
        })
    }

    /// The unit and every unit above it.
    fn ancestry<'a>(&'a self, unit: &'a str) -> impl Iterator<Item = &'a str> {
        let mut at = Some(unit);
        let mut steps = 0;
        std::iter::from_fn(move || {
            let here = at?;
            steps += 1;
            at = if steps > self.units.len() {
                None
            } else {
                self.units.get(here).and_then(|u| u.parent.as_deref())
            };
            Some(here)
        })
    }

    /// The units of `root`'s subtree (or all), parents before children, siblings by id.
    fn tree_order<'a>(&'a self, root: Option<&'a str>) -> Vec<&'a str> {
        let mut children: BTreeMap<Option<&str>, Vec<&str>> = BTreeMap::new();
        for (id, unit) in &self.units {
            let parent = unit.parent.as_deref().filter(|p| self.units.contains_key(*p));
            children.entry(parent).or_default().push(id.as_str());
        }
        let mut out = Vec::new();
        let mut stack: Vec<&str> = match root {
            Some(r) => vec![r],
            None => children
                .get(&None)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .rev()
                .collect(),
        };
        while let Some(id) = stack.pop() {
            out.push(id);
            if let Some(kids) = children.get(&Some(id)) {
                stack.extend(kids.iter().rev());
            }
        }
        out
    }

    fn member(&self, id: &str) -> Option<RosterMember> {
        let p = self.people.get(id)?;
        Some(RosterMember {
            employee_id: id.to_owned(),
            name: p.name.clone(),
            email: p.email.clone(),
            org_unit_id: p.org_unit.clone(),
            org_unit_name: self.units.get(&p.org_unit).map(|u| u.name.clone()).unwrap_or_default(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Admins and enrolment

pub fn create_admin(pool: &Pool, email: &str, password: &str) -> Result<(), Error> {
    if !email.contains('@') || email.chars().any(char::is_whitespace) {
        return Err(Error::Invalid(format!("'{email}' is not an email address")));
    }
    if password.chars().count() < 12 {
        return Err(Error::Invalid(
            "the admin password is too short: use at least 12 characters".into(),
        ));
    }
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| Error::Internal(e.to_string()))?;
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| Error::Internal(e.to_string()))?
        .to_string();
    pool.write(|conn| {
        let taken = conn.query("SELECT email FROM admins WHERE email = $1", &[V::from(email)])?;
        if !taken.is_empty() {
            return Err(Error::Invalid(format!("an admin {email} already exists")));
        }
        conn.execute(
            "INSERT INTO admins (email, password_hash, created_at) VALUES ($1, $2, $3)",
            &[V::from(email), V::from(hash), V::Int(now())],
        )?;
        Ok(())
    })
}

/// Checks an admin's password (for the HR pages' sign-in).
pub fn check_admin_password(pool: &Pool, email: &str, password: &str) -> Result<bool, Error> {
    let rows = pool.with(|conn| conn.query("SELECT password_hash FROM admins WHERE email = $1", &[V::from(email)]))?;
    let Some(row) = rows.first() else { return Ok(false) };
    let stored = row.text(0);
    let parsed = PasswordHash::new(&stored).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(argon2::Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// A new bearer token for the admin API; only its hash is stored.
pub fn create_admin_token(pool: &Pool, email: &str) -> Result<String, Error> {
    let token = new_token("twa_")?;
    pool.write(|conn| {
        if conn
            .query("SELECT email FROM admins WHERE email = $1", &[V::from(email)])?
            .is_empty()
        {
            return Err(Error::NotFound(format!(
                "no admin {email}: create one with `admin create`"
            )));
        }
        conn.execute(
            "INSERT INTO admin_tokens (token_hash, email, created_at) VALUES ($1, $2, $3)",
            &[V::from(hash_secret(&token)), V::from(email), V::Int(now())],
        )?;
        Ok(())
    })?;
    Ok(token)
}

pub fn admin_for_token(pool: &Pool, token: &str) -> Result<Option<String>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT email FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
            &[V::from(hash_secret(token))],
        )
    })?;
    Ok(rows.first().map(|r| r.text(0)))
}

/// A one-time enrolment code for an employee of the current directory, valid for `days`.
pub fn create_enrol_code(pool: &Pool, employee_id: &str, days: u32) -> Result<String, Error> {
    if !(1..=90).contains(&days) {
        return Err(Error::Invalid(format!(
            "{days} days: a code may be valid for 1 to 90 days"
        )));
    }
    let code = new_code()?;
    pool.write(|conn| {
        let current = conn.query(
            "SELECT name FROM employees WHERE employee_id = $1 AND valid_to IS NULL",
            &[V::from(employee_id)],
        )?;
        if current.is_empty() {
            return Err(Error::NotFound(format!(
                "no employee {employee_id} in the current directory"
            )));
        }
        conn.execute(
            "INSERT INTO enrol_codes (code_hash, employee_id, expires_at) VALUES ($1, $2, $3)",
            &[
                V::from(hash_secret(&normalize_code(&code))),
                V::from(employee_id),
                V::Int(now() + i64::from(days) * 86_400),
            ],
        )?;
        Ok(())
    })?;
    Ok(code)
}

/// Exchanges a one-time code for a device token.
pub fn enrol(pool: &Pool, code: &str, device_name: &str) -> Result<(String, Manager), Error> {
    let device_name = device_name.trim();
    let chars = device_name.chars().count();
    if chars == 0 || chars > MAX_DEVICE_NAME_CHARS || device_name.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "device_name must be 1 to {MAX_DEVICE_NAME_CHARS} characters without control characters"
        )));
    }
    let token = new_token("twd_")?;
    let month = current_month();
    pool.write(|conn| {
        let t = now();
        let code_hash = hash_secret(&normalize_code(code));
        let rows = conn.query(
            "SELECT employee_id FROM enrol_codes WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
            &[V::from(&code_hash), V::Int(t)],
        )?;
        let Some(employee_id) = rows.first().map(|r| r.text(0)) else {
            return Err(Error::InvalidCode);
        };
        // Only one request can use the code, even when two race.
        let used = conn.execute(
            "UPDATE enrol_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL",
            &[V::from(&code_hash), V::Int(t)],
        )?;
        if used != 1 {
            return Err(Error::InvalidCode);
        }
        let snapshot = Snapshot::load(conn, month)?;
        let name = snapshot
            .people
            .get(&employee_id)
            .map(|p| p.name.clone())
            .ok_or(Error::InvalidCode)?;
        conn.execute(
            "INSERT INTO devices (token_hash, employee_id, device_name, created_at) VALUES ($1, $2, $3, $4)",
            &[
                V::from(hash_secret(&token)),
                V::from(&employee_id),
                V::from(device_name),
                V::Int(t),
            ],
        )?;
        Ok((token.clone(), Manager { employee_id, name }))
    })
}

/// The employee id of the device holding `token`, if the token is valid and not revoked.
pub fn device_for_token(pool: &Pool, token: &str) -> Result<Option<String>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT employee_id FROM devices WHERE token_hash = $1 AND revoked_at IS NULL",
            &[V::from(hash_secret(token))],
        )
    })?;
    Ok(rows.first().map(|r| r.text(0)))
}

pub fn revoke_device(pool: &Pool, token: &str) -> Result<(), Error> {
    pool.write(|conn| {
        conn.execute(
            "UPDATE devices SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
            &[V::from(hash_secret(token)), V::Int(now())],
        )?;
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Device API

pub fn roster(pool: &Pool, manager_id: &str) -> Result<Roster, Error> {
    let snapshot = pool.with(|conn| Snapshot::load(conn, current_month()))?;
    let manager = snapshot
        .member(manager_id)
        .ok_or_else(|| Error::Forbidden(format!("{manager_id} is no longer in the directory")))?;
    let mut members: Vec<RosterMember> = snapshot
        .people
        .iter()
        .filter(|(_, p)| p.manager.as_deref() == Some(manager_id))
        .filter_map(|(id, _)| snapshot.member(id))
        .collect();
    members.sort_by(|a, b| a.employee_id.cmp(&b.employee_id));
    Ok(Roster { manager, members })
}

/// Takes a batch of records from `manager_id`'s device: all of it, or none when any is invalid.
pub fn ingest(pool: &Pool, manager_id: &str, records: &[CompletionRecord]) -> Result<CompletionResponse, Error> {
    if records.len() > MAX_BATCH_RECORDS {
        return Err(Error::Invalid(format!(
            "a batch holds at most {MAX_BATCH_RECORDS} records; this one has {}",
            records.len()
        )));
    }
    let current = current_month();
    let oldest = current.plus(-MAX_MONTHS_BACK).unwrap_or(current);
    pool.write(|conn| {
        let mut problems = Vec::new();
        let mut snapshots: HashMap<Month, Snapshot> = HashMap::new();
        let mut seen = HashSet::new();
        for (index, r) in records.iter().enumerate() {
            let mut problem = |field: &str, text: String| problems.push(RecordProblem { index, field: field.into(), problem: text });
            if r.month > current {
                problem("month", format!("{} is after the current month {current}", r.month));
                continue;
            }
            if r.month < oldest {
                problem("month", format!("{} is more than {MAX_MONTHS_BACK} months back (oldest accepted: {oldest})", r.month));
                continue;
            }
            if r.sessions_held > MAX_SESSIONS_PER_MONTH {
                problem("sessions_held", format!("{} is outside 0–{MAX_SESSIONS_PER_MONTH}", r.sessions_held));
            }
            let most = u64::from(r.sessions_held) * u64::from(MAX_MINUTES_PER_SESSION);
            if u64::from(r.minutes) > most {
                problem("minutes", format!("{} minutes for {} session(s) is more than {MAX_MINUTES_PER_SESSION} per session", r.minutes, r.sessions_held));
            }
            if i64::try_from(r.revision).is_err() {
                problem("revision", format!("{} is larger than {}", r.revision, i64::MAX));
            }
            if !seen.insert((r.member_employee_id.clone(), r.month)) {
                problem("member_employee_id", format!("{} appears twice for {} in this batch", r.member_employee_id, r.month));
            }
            let snapshot = match snapshots.entry(r.month) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(Snapshot::load(conn, r.month)?),
            };
            match r.relationship {
                Relationship::Line => {
                    let reports = snapshot.people.get(&r.member_employee_id).and_then(|p| p.manager.as_deref());
                    if reports != Some(manager_id) {
                        problem("member_employee_id", format!("{} was not your direct report in {}", r.member_employee_id, r.month));
                    }
                }
                Relationship::Cross => {
                    if !snapshot.people.contains_key(&r.member_employee_id) {
                        problem("member_employee_id", format!("{} is not in the directory in {}", r.member_employee_id, r.month));
                    } else if r.member_employee_id == manager_id {
                        problem("member_employee_id", "a 1on1 with yourself is not counted".into());
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(Error::InvalidRecords(problems));
        }
        let t = now();
        let mut response = CompletionResponse { accepted: 0, stale: 0 };
        for r in records {
            let changed = conn.execute(
                "INSERT INTO completions (manager_id, member_id, month, relationship, sessions_held, minutes, revision, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (manager_id, member_id, month) DO UPDATE SET relationship = excluded.relationship,
                   sessions_held = excluded.sessions_held, minutes = excluded.minutes, revision = excluded.revision,
                   received_at = excluded.received_at
                 WHERE excluded.revision > completions.revision",
                &[
                    V::from(manager_id),
                    V::from(&r.member_employee_id),
                    V::Int(month_index(r.month)),
                    V::from(r.relationship.as_str()),
                    V::Int(i64::from(r.sessions_held)),
                    V::Int(i64::from(r.minutes)),
                    V::Int(i64::try_from(r.revision).unwrap_or(i64::MAX)),
                    V::Int(t),
                ],
            )?;
            if changed == 1 {
                response.accepted += 1;
            } else {
                response.stale += 1;
            }
        }
        Ok(response)
    })
}

// ---------------------------------------------------------------------------------------------
// Admin API

fn rate(met: u64, pairs: u64) -> Option<f64> {
    (pairs > 0).then(|| met as f64 / pairs as f64)
}

/// (manager, member) → (sessions held, minutes) of line records in a month.
type Held = HashMap<(String, String), (i64, i64)>;

fn met_pairs(conn: &mut dyn Conn, month: Month) -> Result<Held, Error> {
    Ok(conn
        .query(
            "SELECT manager_id, member_id, sessions_held, minutes FROM completions WHERE month = $1 AND relationship = 'line'",
            &[V::Int(month_index(month))],
        )?
        .into_iter()
        .map(|r| ((r.text(0), r.text(1)), (r.int(2), r.int(3))))
        .collect())
}

/// Completion per org unit (each with its whole subtree) in `month`, under `org` or for everyone.
pub fn completion(pool: &Pool, month: Month, org: Option<&str>) -> Result<CompletionReport, Error> {
    let (snapshot, held) = pool.with(|conn| Ok((Snapshot::load(conn, month)?, met_pairs(conn, month)?)))?;
    if let Some(org) = org
        && !snapshot.units.contains_key(org)
    {
        return Err(Error::NotFound(format!("no org unit {org} in {month}")));
    }
    let mut counts: HashMap<&str, (u64, u64)> = HashMap::new();
    for (manager, member, person) in snapshot.pairs() {
        let met = held
            .get(&(manager.to_owned(), member.to_owned()))
            .is_some_and(|(sessions, _)| *sessions > 0);
        for unit in snapshot.ancestry(&person.org_unit) {
            let entry = counts.entry(unit).or_default();
            entry.0 += 1;
            entry.1 += u64::from(met);
        }
    }
    let rows: Vec<CompletionRow> = snapshot
        .tree_order(org)
        .into_iter()
        .map(|id| {
            let (pairs, met) = counts.get(id).copied().unwrap_or_default();
            let unit = &snapshot.units[id];
            CompletionRow {
                org_unit_id: id.to_owned(),
                name: unit.name.clone(),
                parent_id: unit.parent.clone(),
                pairs,
                met,
                rate: rate(met, pairs),
            }
        })
        .collect();
    let (pairs, met) = match org {
        Some(o) => counts.get(o).copied().unwrap_or_default(),
        None => rows
            .iter()
            .filter(|r| r.parent_id.as_ref().is_none_or(|p| !snapshot.units.contains_key(p)))
            .fold((0, 0), |acc, r| (acc.0 + r.pairs, acc.1 + r.met)),
    };
    Ok(CompletionReport {
        month,
        rows,
        totals: Totals {
            pairs,
            met,
            rate: rate(met, pairs),
        },
    })
}

/// Pair-level figures under `org`, written to the audit log with who asked.
pub fn pairs(pool: &Pool, month: Month, org: &str, actor: &str) -> Result<PairsReport, Error> {
    let (snapshot, held) = pool.with(|conn| Ok((Snapshot::load(conn, month)?, met_pairs(conn, month)?)))?;
    if !snapshot.units.contains_key(org) {
        return Err(Error::NotFound(format!("no org unit {org} in {month}")));
    }
    let mut rows: Vec<PairRow> = snapshot
        .pairs()
        .filter(|(_, _, p)| snapshot.ancestry(&p.org_unit).any(|u| u == org))
        .map(|(manager, member, p)| {
            let (held, minutes) = held
                .get(&(manager.to_owned(), member.to_owned()))
                .copied()
                .unwrap_or_default();
            PairRow {
                manager_employee_id: manager.to_owned(),
                manager_name: snapshot.people.get(manager).map(|m| m.name.clone()).unwrap_or_default(),
                member_employee_id: member.to_owned(),
                member_name: p.name.clone(),
                org_unit_id: p.org_unit.clone(),
                held: u32::try_from(held).unwrap_or(0),
                minutes: u32::try_from(minutes).unwrap_or(0),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.manager_employee_id, &a.member_employee_id).cmp(&(&b.manager_employee_id, &b.member_employee_id))
    });
    audit(
        pool,
        actor,
        "pairs",
        &serde_json::json!({"month": month, "org": org, "rows": rows.len()}).to_string(),
    )?;
    Ok(PairsReport {
        month,
        org_unit_id: org.to_owned(),
        pairs: rows,
    })
}

pub fn audit(pool: &Pool, actor: &str, action: &str, detail: &str) -> Result<(), Error> {
    pool.write(|conn| {
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, $3, $4)",
            &[V::Int(now()), V::from(actor), V::from(action), V::from(detail)],
        )?;
        Ok(())
    })
}

/// The audit log, newest first.
pub fn audit_entries(pool: &Pool, limit: i64) -> Result<Vec<(i64, String, String, String)>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT $1",
            &[V::Int(limit)],
        )
    })?;
    Ok(rows
        .into_iter()
        .map(|r| (r.int(0), r.text(1), r.text(2), r.text(3)))
        .collect())
}

/// Completion from `from` to `to` as CSV, one row per month and org unit.
pub fn completion_csv(pool: &Pool, from: Month, to: Month, org: Option<&str>) -> Result<String, Error> {
    let span = from.months_until(to);
    if !(0..36).contains(&span) {
        return Err(Error::Invalid(format!(
            "the range {from}..{to} must run forward and cover at most 36 months"
        )));
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut write = |fields: &[&str]| out.write_record(fields).map_err(|e| Error::Internal(e.to_string()));
    write(&["month", "org_unit_id", "name", "parent_id", "pairs", "met", "rate"])?;
    for month in from.through(to) {
        let report = match completion(pool, month, org) {
            Err(Error::NotFound(_)) => continue,
            other => other?,
        };
        for row in &report.rows {
            let rate = row.rate.map(|r| format!("{r:.4}")).unwrap_or_default();
            write(&[
                &month.to_string(),
                &row.org_unit_id,
                &row.name,
                row.parent_id.as_deref().unwrap_or(""),
                &row.pairs.to_string(),
                &row.met.to_string(),
                &rate,
            ])?;
        }
    }
    let bytes = out.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_indices_round_trip_and_order() {
        let m: Month = "2026-01".parse().unwrap();
        assert_eq!(month_from_index(month_index(m)), Some(m));
        assert_eq!(month_index(m) - 1, month_index("2025-12".parse().unwrap()));
    }

    #[test]
    fn codes_read_forgivingly() {
        let code = new_code().unwrap();
        assert_eq!(code.len(), 19);
        assert_eq!(
            normalize_code(&code.to_lowercase().replace('-', " ")),
            normalize_code(&code)
        );
        assert_eq!(normalize_code("oi-L0"), "0110");
    }
}
