//! One batch's way to the server and back: its wire form, and what the answer does to the vault.

use std::time::Duration;

use taiwa_domain::Month;
use taiwa_protocol::{CompletionRecord, CompletionResponse};
use taiwa_vault::{OutgoingRecord, SyncLogEntry, Vault};

use crate::SyncError;

/// What one push did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PushReport {
    pub sent: u32,
    pub accepted: u32,
    pub stale: u32,
    /// Records the server refused this time, with its reasons (kept aside in the vault).
    pub rejected: Vec<(String, Month, String)>,
}

/// The wire form of a record: ids, a month, an enum and counts; nothing else exists to send.
pub fn to_wire(record: &OutgoingRecord) -> CompletionRecord {
    CompletionRecord {
        member_employee_id: record.employee_id.clone(),
        month: record.month,
        relationship: record.relationship,
        sessions_held: record.sessions_held,
        minutes: record.minutes,
        revision: record.revision,
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Writes a failed exchange (with the `records` it carried) to the log and the status line.
pub(crate) fn log_failure(vault: &mut Vault, error: &SyncError, records: u32) -> Result<(), SyncError> {
    let entry = SyncLogEntry {
        at: now(),
        records,
        accepted: 0,
        stale: 0,
        rejected: 0,
        outcome: error.to_string(),
        code: Some(error.code().into()),
    };
    vault.record_sync(&entry, Some((error.code(), &error.to_string())))?;
    Ok(())
}

/// Records what the server answered to `batch` in the vault: sent rows leave the outbox, refused
/// ones are set aside with the reason, the log and the status line are written. The vault is not
/// needed while the batch is on the network, so callers may release it in between.
pub fn record_outcome(
    vault: &mut Vault,
    batch: &[OutgoingRecord],
    answer: Result<CompletionResponse, SyncError>,
    report: &mut PushReport,
) -> Result<(), SyncError> {
    let count = u32::try_from(batch.len()).unwrap_or(u32::MAX);
    let mut entry = SyncLogEntry {
        at: now(),
        records: count,
        accepted: 0,
        stale: 0,
        rejected: 0,
        outcome: String::new(),
        code: None,
    };
    match answer {
        Ok(answer) => {
            vault.mark_sent(batch)?;
            report.sent += count;
            report.accepted += answer.accepted;
            report.stale += answer.stale;
            (entry.accepted, entry.stale, entry.outcome) = (answer.accepted, answer.stale, "sent".into());
            entry.code = Some("sent".into());
            vault.record_sync(&entry, None)?;
            Ok(())
        }
        Err(SyncError::Rejected(problems)) if !problems.is_empty() => {
            for problem in &problems {
                if let Some(record) = batch.get(problem.index) {
                    let reason = format!("{}: {}", problem.field, problem.problem);
                    let rule = problem.rule.map(taiwa_protocol::RecordRule::as_str);
                    vault.mark_rejected(record, rule, &reason)?;
                    report.rejected.push((record.employee_id.clone(), record.month, reason));
                }
            }
            entry.rejected = u32::try_from(problems.len()).unwrap_or(u32::MAX);
            entry.outcome = "refused by the server; the others are sent again".into();
            entry.code = Some("rejected".into());
            let first = &problems[0];
            vault.record_sync(
                &entry,
                Some((
                    "rejected",
                    &format!("a record was refused: {} ({})", first.problem, first.field),
                )),
            )?;
            Ok(())
        }
        Err(e) => {
            log_failure(vault, &e, count)?;
            Err(e)
        }
    }
}

/// When to try again after a failure: doubling from `first`, capped at `max`, with jitter so that
/// many devices coming back online do not all knock at once.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            first: Duration::from_secs(5),
            max: Duration::from_secs(15 * 60),
        }
    }
}

impl Backoff {
    /// The wait before try number `attempt` (from 1); `jitter` in [0, 1) spreads it by ±25%.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let doubled = self
            .first
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(20)));
        let capped = doubled.min(self.max);
        capped.mul_f64(0.75 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_spreads() {
        let b = Backoff {
            first: Duration::from_secs(5),
            max: Duration::from_secs(60),
        };
        assert_eq!(b.delay(1, 0.5), Duration::from_secs(5));
        assert_eq!(b.delay(2, 0.5), Duration::from_secs(10));
        assert_eq!(b.delay(4, 0.5), Duration::from_secs(40));
        assert_eq!(b.delay(9, 0.5), Duration::from_secs(60));
        assert_eq!(b.delay(1, 0.0), Duration::from_millis(3750));
        assert!(b.delay(1, 0.999) < Duration::from_millis(6250));
        assert_eq!(b.delay(u32::MAX, 0.5), Duration::from_secs(60));
    }
}
