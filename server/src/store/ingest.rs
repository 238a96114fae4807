//! What devices send and read: the roster and completion records.

use std::collections::{HashMap, HashSet};

use taiwa_protocol::{
    CompletionRecord, CompletionResponse, MAX_BATCH_RECORDS, MAX_MINUTES_PER_SESSION, MAX_MONTHS_BACK,
    MAX_SESSIONS_PER_MONTH, RecordProblem, RecordRule, Relationship, Roster, RosterMember, WithdrawalResponse,
};

use super::{current_month, month_index, now};
use crate::Error;
use crate::db::{Pool, V};

pub fn roster(pool: &Pool, manager_id: &str) -> Result<Roster, Error> {
    // Only the manager and their reports are read: the cost follows the team, not the company.
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT e.employee_id, e.name, e.reading, e.email, e.org_unit_id, coalesce(o.name, '') AS org_unit_name,
                    e.manager_id
             FROM employees e
             LEFT JOIN org_units o ON o.org_unit_id = e.org_unit_id
               AND o.valid_from <= $1 AND (o.valid_to IS NULL OR o.valid_to >= $1)
             WHERE e.valid_from <= $1 AND (e.valid_to IS NULL OR e.valid_to >= $1)
               AND (e.employee_id = $2 OR e.manager_id = $2)
             ORDER BY e.employee_id",
            &[V::Int(month_index(current_month())), V::from(manager_id)],
        )
    })?;
    let mut manager = None;
    let mut members = Vec::new();
    for r in &rows {
        let member = RosterMember {
            employee_id: r.text("employee_id")?,
            name: r.text("name")?,
            reading: r.opt_text("reading")?,
            email: r.text("email")?,
            org_unit_id: r.text("org_unit_id")?,
            org_unit_name: r.text("org_unit_name")?,
        };
        let reports = r.opt_text("manager_id")?.as_deref() == Some(manager_id);
        if member.employee_id == manager_id {
            manager.get_or_insert_with(|| member.clone());
        }
        if reports {
            members.push(member);
        }
    }
    let manager = manager.ok_or_else(|| Error::Forbidden(format!("{manager_id} is no longer in the directory")))?;
    Ok(Roster { manager, members })
}

/// One version of a person in the directory: valid from, valid to (month indexes), their manager.
type Version = (i64, Option<i64>, Option<String>);

/// Who managed each of `ids`, over time: (valid from, valid to, manager) per version. Only these
/// people are read, so a batch costs what it names, whatever months it spans.
fn managers_of(conn: &mut dyn crate::db::Conn, ids: &[&str]) -> Result<HashMap<String, Vec<Version>>, Error> {
    let mut out: HashMap<String, Vec<Version>> = HashMap::new();
    for chunk in ids.chunks(100) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let params: Vec<V> = chunk.iter().map(|id| V::from(*id)).collect();
        let sql = format!(
            "SELECT employee_id, valid_from, valid_to, manager_id FROM employees WHERE employee_id IN ({})",
            placeholders.join(", ")
        );
        for r in conn.query(&sql, &params)? {
            out.entry(r.text("employee_id")?).or_default().push((
                r.int("valid_from")?,
                r.opt_int("valid_to")?,
                r.opt_text("manager_id")?,
            ));
        }
    }
    Ok(out)
}

/// `written_generation` of a record written by a transaction not yet past its stamping step
/// (never seen outside it).
const UNSTAMPED: i64 = -1;

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
        let ids: Vec<&str> = records
            .iter()
            .filter(|r| r.relationship == Relationship::Line)
            .map(|r| r.member_employee_id.as_str())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let managers = managers_of(conn, &ids)?;
        let mut seen = HashSet::new();
        for (index, r) in records.iter().enumerate() {
            let mut problem = |field: &str, rule: RecordRule, text: String| {
                problems.push(RecordProblem { index, field: field.into(), rule: Some(rule), problem: text });
            };
            if r.month > current {
                problem("month", RecordRule::FutureMonth, format!("{} is after the current month {current}", r.month));
                continue;
            }
            if r.month < oldest {
                problem("month", RecordRule::TooOld, format!("{} is more than {MAX_MONTHS_BACK} months back (oldest accepted: {oldest})", r.month));
                continue;
            }
            if r.sessions_held > MAX_SESSIONS_PER_MONTH {
                problem("sessions_held", RecordRule::OutOfRange, format!("{} is outside 0–{MAX_SESSIONS_PER_MONTH}", r.sessions_held));
            }
            let most = u64::from(r.sessions_held) * u64::from(MAX_MINUTES_PER_SESSION);
            if u64::from(r.minutes) > most {
                problem("minutes", RecordRule::TooManyMinutes, format!("{} minutes for {} session(s) is more than {MAX_MINUTES_PER_SESSION} per session", r.minutes, r.sessions_held));
            }
            if i64::try_from(r.revision).is_err() {
                problem("revision", RecordRule::OutOfRange, format!("{} is larger than {}", r.revision, i64::MAX));
            }
            if !seen.insert((r.member_employee_id.clone(), r.month)) {
                problem("member_employee_id", RecordRule::Duplicate, format!("{} appears twice for {} in this batch", r.member_employee_id, r.month));
            }
            match r.relationship {
                // Unknown and not-your-report get the same refusal: the answer never says whether
                // an id exists.
                Relationship::Line => {
                    let m = month_index(r.month);
                    let reports = managers
                        .get(&r.member_employee_id)
                        .and_then(|versions| versions.iter().find(|(from, to, _)| *from <= m && to.is_none_or(|t| t >= m)))
                        .and_then(|(_, _, manager)| manager.as_deref());
                    if reports != Some(manager_id) {
                        problem("member_employee_id", RecordRule::NotYourReport, format!("{} was not your direct report in {}", r.member_employee_id, r.month));
                    }
                }
                // Anyone may be met across the organisation: a cross record is taken for any id
                // (checking the directory would answer whether the id exists), and counts, by the
                // member's unit, only while the directory has that member.
                Relationship::Cross => {
                    if r.member_employee_id == manager_id {
                        problem("member_employee_id", RecordRule::Yourself, "a 1on1 with yourself is not counted".into());
                    } else if !taiwa_domain::is_employee_id(&r.member_employee_id) {
                        problem("member_employee_id", RecordRule::InvalidId, "an employee id is 1–64 ASCII letters, digits, '-', '_' or '.'".into());
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(Error::InvalidRecords(problems));
        }
        // Kept to the day only: the server never learns when a 1on1 ended to the minute.
        let t = now().div_euclid(86_400) * 86_400;
        // One statement per 100 records (a round trip each on PostgreSQL, one prepared
        // statement on SQLite); a row counts as changed only when its revision is newer.
        let mut changed = 0u64;
        for chunk in records.chunks(100) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p = 7 * i;
                    format!(
                        "($1, ${}, ${}, ${}, ${}, ${}, ${}, ${}, {UNSTAMPED})",
                        p + 2,
                        p + 3,
                        p + 4,
                        p + 5,
                        p + 6,
                        p + 7,
                        p + 8
                    )
                })
                .collect();
            let mut params = Vec::with_capacity(1 + 7 * chunk.len());
            params.push(V::from(manager_id));
            for r in chunk {
                params.extend([
                    V::from(&r.member_employee_id),
                    V::Int(month_index(r.month)),
                    V::from(r.relationship.as_str()),
                    V::Int(i64::from(r.sessions_held)),
                    V::Int(i64::from(r.minutes)),
                    V::Int(i64::try_from(r.revision).unwrap_or(i64::MAX)),
                    V::Int(t),
                ]);
            }
            changed += conn.execute(
                &format!(
                    "INSERT INTO completions (manager_id, member_id, month, relationship, sessions_held, minutes, revision, received_at,
                       written_generation)
                     VALUES {}
                     ON CONFLICT (manager_id, member_id, month) DO UPDATE SET relationship = excluded.relationship,
                       sessions_held = excluded.sessions_held, minutes = excluded.minutes, revision = excluded.revision,
                       received_at = excluded.received_at, written_generation = excluded.written_generation
                     WHERE excluded.revision > completions.revision",
                    rows.join(", ")
                ),
                &params,
            )?;
        }
        if changed > 0 {
            // The months' generations move, then the records just written take their month's new
            // one (a kept view applies the records stamped after it, `report::ReportCache`). The
            // months' rows stay locked from here to the commit, a short while: no two
            // transactions stamp one generation, and a reader never sees a stamp before its
            // records.
            let mut months: Vec<i64> = records.iter().map(|r| month_index(r.month)).collect();
            months.sort_unstable();
            months.dedup();
            super::touch_months(conn, &months, super::Change::Records)?;
            let listed: Vec<String> = (2..months.len() + 2).map(|i| format!("${i}")).collect();
            let mut params = vec![V::from(manager_id)];
            params.extend(months.iter().map(|m| V::Int(*m)));
            conn.execute(
                &format!(
                    "UPDATE completions SET written_generation =
                       (SELECT generation FROM report_generations g WHERE g.month = completions.month)
                     WHERE month IN ({}) AND written_generation = {UNSTAMPED} AND manager_id = $1",
                    listed.join(", ")
                ),
                &params,
            )?;
        }
        let accepted = u32::try_from(changed).unwrap_or(u32::MAX);
        let response = CompletionResponse {
            accepted,
            stale: u32::try_from(records.len()).unwrap_or(u32::MAX).saturating_sub(accepted),
        };
        Ok(response)
    })
}

/// Removes every record `manager_id` sent about `members` (people the manager marked private).
/// An id with nothing stored removes nothing and is answered like any other: the answer tells a
/// device nothing about who exists.
pub fn withdraw(pool: &Pool, manager_id: &str, members: &[String]) -> Result<WithdrawalResponse, Error> {
    if members.len() > MAX_BATCH_RECORDS {
        return Err(Error::Invalid(format!(
            "a withdrawal names at most {MAX_BATCH_RECORDS} people; this one names {}",
            members.len()
        )));
    }
    if let Some(bad) = members.iter().position(|id| !taiwa_domain::is_employee_id(id)) {
        return Err(Error::InvalidRecords(vec![RecordProblem {
            index: bad,
            field: "members".into(),
            rule: Some(RecordRule::InvalidId),
            problem: "an employee id is 1–64 ASCII letters, digits, '-', '_' or '.'".into(),
        }]));
    }
    pool.write(|conn| {
        let mut removed = 0u64;
        for member in members {
            let months: Vec<i64> = conn
                .query(
                    "SELECT month FROM completions WHERE manager_id = $1 AND member_id = $2",
                    &[V::from(manager_id), V::from(member)],
                )?
                .iter()
                .map(|r| r.int("month"))
                .collect::<Result<_, Error>>()?;
            super::touch_months(conn, &months, super::Change::Everything)?;
            removed += conn.execute(
                "DELETE FROM completions WHERE manager_id = $1 AND member_id = $2",
                &[V::from(manager_id), V::from(member)],
            )?;
            // Withdrawn means gone from what org viewers read too (docs/SECURITY.md).
            super::withdraw_released(conn, manager_id, member)?;
        }
        Ok(WithdrawalResponse {
            removed: u32::try_from(removed).unwrap_or(u32::MAX),
        })
    })
}
