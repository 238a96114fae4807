//! The server's operations over the storage interface, written once for both backends, in rooms
//! by what they serve: the directory and its history, accounts and devices, device ingest, the
//! reports HR reads, and uploads kept until HR confirms them. The arithmetic of the reports lives
//! apart, as pure functions, in `crate::figures`.

use data_encoding::BASE64URL_NOPAD;
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use taiwa_domain::Zone;
use taiwa_protocol::Month;

use crate::Error;
use crate::db::{Backend, Pool, V};

mod audit;
mod auth;
mod catalog;
mod channel;
mod devices;
mod directory;
mod ingest;
mod pending;
mod quality;
mod report;
mod settings;
mod team;

pub use audit::*;
pub use auth::*;
pub use catalog::*;
pub use channel::*;
pub use devices::*;
pub use directory::*;
pub use ingest::*;
pub use pending::*;
pub use quality::*;
pub use report::*;
pub use settings::*;
pub use team::*;

const SQLITE_MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_hr_pages.sql"),
    include_str!("../../migrations/sqlite/0003_code_attempts.sql"),
    include_str!("../../migrations/sqlite/0004_report_generations.sql"),
    include_str!("../../migrations/sqlite/0005_record_generations.sql"),
    include_str!("../../migrations/sqlite/0006_released_months.sql"),
    include_str!("../../migrations/sqlite/0007_admin_roles.sql"),
    include_str!("../../migrations/sqlite/0008_pending_imports.sql"),
    include_str!("../../migrations/sqlite/0009_device_last_sync.sql"),
    include_str!("../../migrations/sqlite/0010_employee_readings.sql"),
    include_str!("../../migrations/sqlite/0011_member_channel.sql"),
    include_str!("../../migrations/sqlite/0012_team_ratings.sql"),
    include_str!("../../migrations/sqlite/0013_first_rating.sql"),
];
const POSTGRES_MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_hr_pages.sql"),
    include_str!("../../migrations/postgres/0003_code_attempts.sql"),
    include_str!("../../migrations/postgres/0004_report_generations.sql"),
    include_str!("../../migrations/postgres/0005_record_generations.sql"),
    include_str!("../../migrations/postgres/0006_released_months.sql"),
    include_str!("../../migrations/postgres/0007_admin_roles.sql"),
    include_str!("../../migrations/postgres/0008_pending_imports.sql"),
    include_str!("../../migrations/postgres/0009_device_last_sync.sql"),
    include_str!("../../migrations/postgres/0010_employee_readings.sql"),
    include_str!("../../migrations/postgres/0011_member_channel.sql"),
    include_str!("../../migrations/postgres/0012_team_ratings.sql"),
    include_str!("../../migrations/postgres/0013_first_rating.sql"),
];

/// The `report_generations` row every month depends on (the directory).
pub const EVERY_MONTH: i64 = -1;

/// What a write changed in the months it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Records were written, each stamped with its month's new generation (`written_generation`):
    /// a kept view applies just those.
    Records,
    /// Anything else (records deleted, who is enrolled, the directory): kept views are rebuilt.
    Everything,
}

/// Moves on the generation of `months` (month indexes, or `EVERY_MONTH`), in the caller's write
/// transaction, so that the figures kept for them catch up (`report::ReportCache`); records the
/// transaction wrote are then stamped with the new generation (`ingest`). Rows are touched in
/// ascending order, so concurrent writers on PostgreSQL lock them in one order, and a writer
/// holds its months' rows until it commits: no two transactions stamp records with one
/// generation.
pub(crate) fn touch_months(conn: &mut dyn crate::db::Conn, months: &[i64], change: Change) -> Result<(), Error> {
    let mut months = months.to_vec();
    months.sort_unstable();
    months.dedup();
    if months.is_empty() {
        return Ok(());
    }
    let (first, full) = match change {
        Change::Records => (0, "report_generations.full_generation"),
        Change::Everything => (1, "report_generations.generation + 1"),
    };
    let rows: Vec<String> = (1..=months.len()).map(|i| format!("(${i}, 1, {first})")).collect();
    let params: Vec<crate::db::V> = months.into_iter().map(crate::db::V::Int).collect();
    conn.execute(
        &format!(
            "INSERT INTO report_generations (month, generation, full_generation) VALUES {}
             ON CONFLICT (month) DO UPDATE SET generation = report_generations.generation + 1,
               full_generation = {full}",
            rows.join(", ")
        ),
        &params,
    )?;
    Ok(())
}

/// Months are stored as `Month::index` (`year * 12 + month - 1`), so ranges compare as integers.
pub fn month_index(m: Month) -> i64 {
    i64::from(m.index())
}

pub fn month_from_index(i: i64) -> Option<Month> {
    Month::from_index(i32::try_from(i).ok()?)
}

/// The current month, generously: the month it already is somewhere on Earth (UTC+14), so that a
/// device whose calendar has turned is never refused by a server whose calendar has not.
pub fn current_month() -> Month {
    let ahead = Zone::Named(chrono_tz::Tz::Etc__GMTMinus14);
    Month::of_instant(chrono::Utc::now(), &ahead)
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
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

pub(crate) fn new_token(prefix: &str) -> Result<String, Error> {
    Ok(format!("{prefix}{}", BASE64URL_NOPAD.encode(&random_bytes::<32>()?)))
}

/// A code a person can type: 16 Crockford base32 characters in four groups.
pub(crate) fn new_code() -> Result<String, Error> {
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

/// The lookup handle of a code: its first group, normalised (not secret: 20 of its 80 bits);
/// `None` when the typed code cannot be one of ours (wrong characters or length), which then
/// never reaches a query.
pub(crate) fn code_id(code: &str) -> Option<String> {
    let normal = normalize_code(code);
    let ours = normal.len() == 16 && normal.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    ours.then(|| normal[..4].to_owned())
}

/// How a typed code is compared: case, spaces and dashes do not matter; O, I and L read as 0, 1, 1.
pub(crate) fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// Ends the one active row that HR named by its listed id (the first characters of a stored
/// hash, never the secret): sets `ended` to now where `column` begins with `id`. `table`,
/// `column`, `active` and `ended` are this crate's own literals; `id` is only compared.
pub(crate) fn end_listed(
    pool: &Pool,
    (what, what_ja): (&str, &str),
    id: &str,
    table: &str,
    column: &str,
    active: &str,
    ended: &str,
) -> Result<(), Error> {
    let id = id.trim().to_ascii_lowercase();
    if id.len() < 8 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::refused(
            format!("give the {what}'s id as listed (at least 8 hex characters)"),
            format!("{what_ja}のIDは一覧に表示されたとおりに指定してください（16進数で8文字以上）。"),
        ));
    }
    pool.write(|conn| {
        let rows = conn.query(&format!("SELECT {column} FROM {table} WHERE {active}"), &[])?;
        let mut matching: Vec<String> = Vec::new();
        for r in rows {
            let hash = r.text(column)?;
            if hash.starts_with(&id) {
                matching.push(hash);
            }
        }
        match matching.as_slice() {
            [hash] => {
                conn.execute(
                    &format!("UPDATE {table} SET {ended} = $2 WHERE {column} = $1"),
                    &[V::from(hash.as_str()), V::Int(now())],
                )?;
                Ok(())
            }
            [] => Err(Error::missing(
                format!("no active {what} {id}"),
                format!("有効な{what_ja} {id} はありません（すでに取り消しまたは失効済みかもしれません）。"),
            )),
            _ => Err(Error::refused(
                format!("{id} matches several: give more characters"),
                format!("{id} に当てはまるものが複数あります。もっと長く指定してください。"),
            )),
        }
    })
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
        let applied = conn.query("SELECT CAST(count(*) AS BIGINT) AS applied FROM schema_migrations", &[])?;
        let done = usize::try_from(applied.first().map_or(Ok(0), |r| r.int("applied"))?).unwrap_or(0);
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
        assert_eq!(code_id(&code.to_lowercase()), Some(code[..4].to_owned()));
        // Anything that cannot be one of our codes never reaches a query (a NUL would fail on
        // PostgreSQL).
        for bad in [
            "\0ABC-DEFG-HJKM-NPQR",
            "ABCD-EFGH",
            "ÄBCD-EFGH-JKMN-PQRS",
            "ABCD-EFGH-JKMN-PQRS-TVWX",
        ] {
            assert_eq!(code_id(bad), None, "{bad:?}");
        }
    }
}
