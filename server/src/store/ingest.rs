//! What devices send and read: the roster and completion records.

use std::collections::{HashMap, HashSet};

use taiwa_protocol::{
    CompletionRecord, CompletionResponse, MAX_BATCH_RECORDS, MAX_MINUTES_PER_SESSION, MAX_MONTHS_BACK,
    MAX_SESSIONS_PER_MONTH, Month, RecordProblem, Relationship, Roster, RosterMember,
};

use super::{Snapshot, current_month, month_index, now};
use crate::Error;
use crate::db::{Pool, V};

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
            let mut problem = |field: &str, rule: &str, text: String| {
                problems.push(RecordProblem { index, field: field.into(), rule: rule.into(), problem: text });
            };
            if r.month > current {
                problem("month", "future_month", format!("{} is after the current month {current}", r.month));
                continue;
            }
            if r.month < oldest {
                problem("month", "too_old", format!("{} is more than {MAX_MONTHS_BACK} months back (oldest accepted: {oldest})", r.month));
                continue;
            }
            if r.sessions_held > MAX_SESSIONS_PER_MONTH {
                problem("sessions_held", "out_of_range", format!("{} is outside 0–{MAX_SESSIONS_PER_MONTH}", r.sessions_held));
            }
            let most = u64::from(r.sessions_held) * u64::from(MAX_MINUTES_PER_SESSION);
            if u64::from(r.minutes) > most {
                problem("minutes", "too_many_minutes", format!("{} minutes for {} session(s) is more than {MAX_MINUTES_PER_SESSION} per session", r.minutes, r.sessions_held));
            }
            if i64::try_from(r.revision).is_err() {
                problem("revision", "out_of_range", format!("{} is larger than {}", r.revision, i64::MAX));
            }
            if !seen.insert((r.member_employee_id.clone(), r.month)) {
                problem("member_employee_id", "duplicate", format!("{} appears twice for {} in this batch", r.member_employee_id, r.month));
            }
            let snapshot = match snapshots.entry(r.month) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(Snapshot::load(conn, r.month)?),
            };
            match r.relationship {
                Relationship::Line => {
                    let reports = snapshot.people.get(&r.member_employee_id).and_then(|p| p.manager.as_deref());
                    if reports != Some(manager_id) {
                        problem("member_employee_id", "not_your_report", format!("{} was not your direct report in {}", r.member_employee_id, r.month));
                    }
                }
                Relationship::Cross => {
                    if !snapshot.people.contains_key(&r.member_employee_id) {
                        problem("member_employee_id", "not_in_directory", format!("{} is not in the directory in {}", r.member_employee_id, r.month));
                    } else if r.member_employee_id == manager_id {
                        problem("member_employee_id", "yourself", "a 1on1 with yourself is not counted".into());
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(Error::InvalidRecords(problems));
        }
        // Kept to the day only: the server never learns when a 1on1 ended to the minute.
        let t = now().div_euclid(86_400) * 86_400;
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
