//! Enrolment codes and the devices they enrol: issued, listed, cancelled and revoked by HR.

use taiwa_protocol::{MAX_DEVICE_NAME_CHARS, Manager};

use super::{code_id, current_month, hash_secret, month_index, new_code, new_token, normalize_code, now};
use crate::Error;
use crate::db::{Pool, V};

pub fn create_enrol_code(pool: &Pool, employee_id: &str, days: u32, created_by: &str) -> Result<String, Error> {
    if !(1..=90).contains(&days) {
        return Err(Error::refused(
            format!("{days} days: a code may be valid for 1 to 90 days"),
            format!("有効期間は1〜90日です（{days}日は指定できません）。"),
        ));
    }
    let code = new_code()?;
    pool.write(|conn| {
        let current = conn.query(
            "SELECT name FROM employees WHERE employee_id = $1 AND valid_to IS NULL",
            &[V::from(employee_id)],
        )?;
        if current.is_empty() {
            return Err(Error::missing(
                format!("no employee {employee_id} in the current directory"),
                format!("社員番号「{employee_id}」の社員は現在の組織図にいません。"),
            ));
        }
        conn.execute(
            "INSERT INTO enrol_codes (code_hash, employee_id, expires_at, created_at, created_by, code_id) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                V::from(hash_secret(&normalize_code(&code))),
                V::from(employee_id),
                V::Int(now() + i64::from(days) * 86_400),
                V::Int(now()),
                V::from(created_by),
                V::from(code_id(&code).unwrap_or_default()),
            ],
        )?;
        Ok(())
    })?;
    Ok(code)
}

/// Wrong secrets one code takes before it is cancelled.
pub const CODE_FAILURES: i64 = 5;
/// Wrong secrets all of one person's outstanding codes take, together, before they are cancelled.
pub const ACCOUNT_FAILURES: i64 = 10;

/// Whether a typed code's first group names an outstanding code: then its attempts are counted
/// against that code and its person, and its address's budget does not stand in its way.
pub fn code_is_outstanding(pool: &Pool, code: &str) -> Result<bool, Error> {
    let Some(id) = code_id(code) else {
        return Ok(false);
    };
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT 1 FROM enrol_codes WHERE code_id = $1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $2",
            &[V::from(id), V::Int(now())],
        )
    })?;
    Ok(!rows.is_empty())
}

/// Counts a wrong code against the outstanding codes its first group names, and cancels a code
/// past `CODE_FAILURES` and all of a person's codes past `ACCOUNT_FAILURES` (HR sees them gone
/// from the outstanding list, and issues a new one).
fn count_wrong_code(pool: &Pool, code: &str) -> Result<(), Error> {
    let Some(id) = code_id(code) else {
        return Ok(());
    };
    pool.write(|conn| {
        let t = V::Int(now());
        let id = V::from(id);
        let active = "used_at IS NULL AND cancelled_at IS NULL AND expires_at > $2";
        conn.execute(
            &format!("UPDATE enrol_codes SET failures = failures + 1 WHERE code_id = $1 AND {active}"),
            &[id.clone(), t.clone()],
        )?;
        conn.execute(
            &format!("UPDATE enrol_codes SET cancelled_at = $2 WHERE code_id = $1 AND failures >= $3 AND {active}"),
            &[id.clone(), t.clone(), V::Int(CODE_FAILURES)],
        )?;
        conn.execute(
            &format!(
                "UPDATE enrol_codes SET cancelled_at = $2 WHERE {active} AND employee_id IN (
                   SELECT employee_id FROM enrol_codes WHERE {active}
                     AND employee_id IN (SELECT employee_id FROM enrol_codes WHERE code_id = $1)
                   GROUP BY employee_id HAVING CAST(sum(failures) AS BIGINT) >= $3)"
            ),
            &[id, t, V::Int(ACCOUNT_FAILURES)],
        )?;
        Ok(())
    })
}

/// Exchanges a one-time code for a device token.
pub fn enrol(pool: &Pool, code: &str, device_name: &str) -> Result<(String, Manager), Error> {
    let enrolled = exchange(pool, code, device_name);
    if matches!(enrolled, Err(Error::InvalidCode)) {
        count_wrong_code(pool, code)?;
    }
    enrolled
}

fn exchange(pool: &Pool, code: &str, device_name: &str) -> Result<(String, Manager), Error> {
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
            "SELECT employee_id FROM enrol_codes WHERE code_hash = $1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $2",
            &[V::from(&code_hash), V::Int(t)],
        )?;
        let Some(employee_id) = rows.first().map(|r| r.text("employee_id")).transpose()? else {
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
        let m = V::Int(month_index(month));
        let name = conn
            .query(
                "SELECT name FROM employees WHERE employee_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2)",
                &[V::from(&employee_id), m],
            )?
            .first()
            .map(|r| r.text("name"))
            .transpose()?
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
        // The month's figures count this manager as enrolled from now on.
        super::touch_months(conn, &[month_index(month)], super::Change::Everything)?;
        Ok((token.clone(), Manager { employee_id, name }))
    })
}

/// The employee id of the device holding `token`, if the token is valid and not revoked. The
/// device's last sync day moves on: kept as the start of the day in the company's time zone,
/// never a finer time (docs/SECURITY.md), and written at most once a day (a read first, so that
/// most requests never take the writer's turn).
pub fn device_for_token(pool: &Pool, token: &str) -> Result<Option<String>, Error> {
    let hash = hash_secret(token);
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT employee_id, last_sync_at FROM devices WHERE token_hash = $1 AND revoked_at IS NULL",
            &[V::from(hash.as_str())],
        )
    })?;
    let Some(row) = rows.first() else { return Ok(None) };
    let (t, last) = (now(), row.opt_int("last_sync_at")?);
    // A day is at least 23 hours long (a change of clocks): before that, still the same day.
    if last.is_none_or(|last| t - last >= 23 * 3600) {
        let day = day_start(super::settings(pool)?.time_zone, t);
        if last != Some(day) {
            pool.write(|conn| {
                conn.execute(
                    "UPDATE devices SET last_sync_at = $2 WHERE token_hash = $1",
                    &[V::from(hash.as_str()), V::Int(day)],
                )
            })?;
        }
    }
    row.text("employee_id").map(Some)
}

/// The Unix time at which the day of `t` began in `tz`.
pub(crate) fn day_start(tz: chrono_tz::Tz, t: i64) -> i64 {
    use chrono::TimeZone;
    let Some(at) = chrono::DateTime::from_timestamp(t, 0) else {
        return t;
    };
    let midnight = at.with_timezone(&tz).date_naive().and_time(chrono::NaiveTime::MIN);
    tz.from_local_datetime(&midnight)
        .earliest()
        .map_or(t, |d| d.timestamp())
}

pub fn revoke_device(pool: &Pool, token: &str) -> Result<(), Error> {
    pool.write(|conn| {
        conn.execute(
            "UPDATE devices SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
            &[V::from(hash_secret(token)), V::Int(now())],
        )?;
        super::touch_months(conn, &[month_index(current_month())], super::Change::Everything)?;
        Ok(())
    })
}

/// A code as HR lists it: its id is the first 12 characters of its hash, never the code.
#[derive(Debug, Clone)]
pub struct CodeInfo {
    pub id: String,
    pub employee_id: String,
    pub name: String,
    pub created_at: Option<i64>,
    pub expires_at: i64,
    pub created_by: Option<String>,
}

/// Codes neither used, cancelled nor expired, newest first.
pub fn outstanding_codes(pool: &Pool) -> Result<Vec<CodeInfo>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT c.code_hash, c.employee_id, e.name, c.created_at, c.expires_at, c.created_by
             FROM enrol_codes c LEFT JOIN employees e ON e.employee_id = c.employee_id AND e.valid_to IS NULL
             WHERE c.used_at IS NULL AND c.cancelled_at IS NULL AND c.expires_at > $1
             ORDER BY c.expires_at DESC, c.employee_id",
            &[V::Int(now())],
        )
    })?;
    rows.into_iter()
        .map(|r| {
            Ok(CodeInfo {
                id: r.text("code_hash")?.chars().take(12).collect(),
                employee_id: r.text("employee_id")?,
                // No longer in the directory: no name (the LEFT JOIN found none).
                name: r.opt_text("name")?.unwrap_or_default(),
                created_at: r.opt_int("created_at")?,
                expires_at: r.int("expires_at")?,
                created_by: r.opt_text("created_by")?,
            })
        })
        .collect()
}

/// Cancels an outstanding code by its listed id.
pub fn cancel_code(pool: &Pool, id: &str) -> Result<(), Error> {
    super::end_listed(
        pool,
        ("enrolment code", "登録コード"),
        id,
        "enrol_codes",
        "code_hash",
        "used_at IS NULL AND cancelled_at IS NULL",
        "cancelled_at",
    )
}

/// A device as HR lists it: its id is the first 12 characters of its token's hash.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub id: String,
    pub employee_id: String,
    pub name: String,
    pub device_name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// The start of the day (company time) the device last reached the server, if it has since it
    /// was enrolled.
    pub last_sync_at: Option<i64>,
}

/// Devices, for one manager or all, enrolled newest first.
pub fn devices(pool: &Pool, employee_id: Option<&str>) -> Result<Vec<DeviceInfo>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT d.token_hash, d.employee_id, e.name, d.device_name, d.created_at, d.revoked_at, d.last_sync_at
             FROM devices d LEFT JOIN employees e ON e.employee_id = d.employee_id AND e.valid_to IS NULL
             WHERE $1 = '' OR d.employee_id = $1
             ORDER BY d.created_at DESC, d.employee_id",
            &[V::from(employee_id.unwrap_or(""))],
        )
    })?;
    rows.into_iter()
        .map(|r| {
            Ok(DeviceInfo {
                id: r.text("token_hash")?.chars().take(12).collect(),
                employee_id: r.text("employee_id")?,
                // No longer in the directory: no name (the LEFT JOIN found none).
                name: r.opt_text("name")?.unwrap_or_default(),
                device_name: r.text("device_name")?,
                created_at: r.int("created_at")?,
                revoked_at: r.opt_int("revoked_at")?,
                last_sync_at: r.opt_int("last_sync_at")?,
            })
        })
        .collect()
}

/// Revokes a device by its listed id (a lost laptop, a manager who left).
pub fn revoke_device_by_id(pool: &Pool, id: &str) -> Result<(), Error> {
    super::end_listed(
        pool,
        ("device", "端末"),
        id,
        "devices",
        "token_hash",
        "revoked_at IS NULL",
        "revoked_at",
    )
}

/// The current directory's email of each of `ids`.
pub fn emails(pool: &Pool, ids: &[String]) -> Result<std::collections::HashMap<String, String>, Error> {
    let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
    let rows = pool.with(|conn| conn.query("SELECT employee_id, email FROM employees WHERE valid_to IS NULL", &[]))?;
    let mut out = std::collections::HashMap::new();
    for r in rows {
        let id = r.text("employee_id")?;
        if wanted.contains(id.as_str()) {
            out.insert(id, r.text("email")?);
        }
    }
    Ok(out)
}
