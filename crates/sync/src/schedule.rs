//! When the background sync runs: a week after the last sync that worked, plus a random part of
//! a day, so that the server cannot tell from when figures arrive when a 1on1 took place (it
//! learns only that a month changed at some point in the week or so before). When that moment
//! passed while the app was closed, the sync runs at a random moment of the next day, never on
//! the heels of the app's opening. A manager's "Sync now" sends at once (and tells the server
//! that moment; the app says so). After a failure that may pass, it tries again sooner, doubling
//! the wait with jitter (or after the server's `Retry-After`).
//!
//! The clock and the dice are injected: every method takes `now` and a number in `[0, 1)`, so the
//! rules are tested without waiting a week.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::{Backoff, Disposition};

/// The time between two background syncs (plus a random part of `SPREAD`).
pub const INTERVAL: Duration = Duration::from_secs(7 * 24 * 3600);
/// The random part added to each sync's moment, and the span within which a missed one is caught
/// up after the app opens.
pub const SPREAD: Duration = Duration::from_secs(24 * 3600);
/// How often a waiting loop looks again (the computer may have slept, or the vault opened).
pub const LOOK_AGAIN: Duration = Duration::from_secs(60);

/// The background sync's timetable.
#[derive(Debug, Clone)]
pub struct Schedule {
    next: DateTime<Utc>,
    failures: u32,
    backoff: Backoff,
    /// A fixed interval instead of the weekly moment (tests: `TAIWA_SYNC_SECONDS`).
    every: Option<Duration>,
}

fn fraction_of(span: Duration, random: f64) -> chrono::Duration {
    chrono::Duration::from_std(span.mul_f64(random.clamp(0.0, 0.999_999))).unwrap_or_default()
}

fn span(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or_default()
}

impl Schedule {
    /// The weekly timetable, given when the last sync succeeded (`None` while the vault is locked
    /// and that is not known yet): a week after it plus a random part of a day; when that moment
    /// has passed (or is not known), a random moment within the next day.
    pub fn weekly(now: DateTime<Utc>, last_success: Option<DateTime<Utc>>, random: f64) -> Schedule {
        let mut schedule = Schedule {
            next: now,
            failures: 0,
            backoff: Backoff::default(),
            every: None,
        };
        schedule.plan(now, last_success, random);
        schedule
    }

    fn plan(&mut self, now: DateTime<Utc>, last_success: Option<DateTime<Utc>>, random: f64) {
        let after_last = last_success.map(|t| t + span(INTERVAL) + fraction_of(SPREAD, random));
        self.next = match after_last {
            Some(moment) if moment > now => moment,
            // Missed while closed, or not known yet: not on the heels of the opening.
            _ => now + fraction_of(SPREAD, random),
        };
    }

    /// Whether `last_success` is recent enough that no sync is owed now.
    fn synced_lately(now: DateTime<Utc>, last_success: Option<DateTime<Utc>>) -> bool {
        last_success.is_some_and(|t| t + span(INTERVAL) > now)
    }

    /// A fixed interval from `now` (for tests and demonstrations).
    pub fn every(interval: Duration, now: DateTime<Utc>) -> Schedule {
        Schedule {
            next: now + chrono::Duration::from_std(interval).unwrap_or_default(),
            failures: 0,
            backoff: Backoff::default(),
            every: Some(interval),
        }
    }

    /// The moment of the next sync.
    pub fn next(&self) -> DateTime<Utc> {
        self.next
    }

    /// Whether a sync is due.
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        now >= self.next
    }

    /// How long to sleep before looking again: until the next sync, but never more than
    /// `LOOK_AGAIN`.
    pub fn wait(&self, now: DateTime<Utc>) -> Duration {
        (self.next - now).to_std().unwrap_or(Duration::ZERO).min(LOOK_AGAIN)
    }

    /// Before syncing at a due moment: when the vault says it synced less than a week ago (a
    /// manager's "Sync now", another run, or simply what the app did not know while the vault was
    /// locked), the moment moves to a week after that sync and nothing is sent now. Returns
    /// whether to sync.
    pub fn confirm(&mut self, now: DateTime<Utc>, last_success: Option<DateTime<Utc>>, random: f64) -> bool {
        if self.every.is_some() || self.failures > 0 {
            return true;
        }
        let lately = Self::synced_lately(now, last_success);
        if lately {
            self.plan(now, last_success, random);
        }
        !lately
    }

    /// After a sync that worked.
    pub fn succeeded(&mut self, now: DateTime<Utc>, random: f64) {
        self.failures = 0;
        match self.every {
            Some(interval) => self.next = now + chrono::Duration::from_std(interval).unwrap_or_default(),
            None => self.plan(now, Some(now), random),
        }
    }

    /// After a sync that failed, by what the failure says.
    pub fn failed(&mut self, now: DateTime<Utc>, disposition: Disposition, random: f64) {
        match disposition {
            Disposition::Retry { after } => {
                self.failures = self.failures.saturating_add(1);
                let wait = self.backoff.delay(self.failures, random).max(after.unwrap_or_default());
                self.next = now + chrono::Duration::from_std(wait).unwrap_or_default();
            }
            // Looked at again once the vault is open; not a failure of the server.
            Disposition::WaitForVault => self.next = now + chrono::Duration::from_std(LOOK_AGAIN).unwrap_or_default(),
            // Retrying will not help before a person acts: the usual timetable, no hammering.
            Disposition::NeedsPerson => {
                self.failures = 0;
                match self.every {
                    Some(interval) => self.next = now + chrono::Duration::from_std(interval).unwrap_or_default(),
                    None => self.plan(now, Some(now), random),
                }
            }
        }
    }
}

/// A number in `[0, 1)` from the system's random source (for the schedule's moments and jitter).
pub fn random_unit() -> f64 {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_week_after_the_last_sync_plus_a_random_part_of_a_day() {
        let last = at("2026-11-26T09:00:00Z");
        let now = at("2026-11-28T15:00:00Z");
        let early = Schedule::weekly(now, Some(last), 0.0).next();
        let middle = Schedule::weekly(now, Some(last), 0.5).next();
        let late = Schedule::weekly(now, Some(last), 0.99).next();
        assert_eq!(early, at("2026-12-03T09:00:00Z"));
        assert_eq!(middle, at("2026-12-03T21:00:00Z"));
        assert!(
            late > at("2026-12-04T08:00:00Z") && late < at("2026-12-04T09:00:00Z"),
            "{late}"
        );
    }

    #[test]
    fn a_missed_moment_is_caught_up_within_a_day_not_on_the_heels_of_the_opening() {
        // Last synced ten days ago; the app opens now.
        let now = at("2026-12-07T08:00:00Z");
        let last = Some(at("2026-11-27T08:00:00Z"));
        let moments: Vec<DateTime<Utc>> = [0.1, 0.5, 0.9]
            .iter()
            .map(|r| Schedule::weekly(now, last, *r).next())
            .collect();
        assert_eq!(moments[1], at("2026-12-07T20:00:00Z"));
        assert!(moments.iter().all(|m| *m > now && *m < now + chrono::Duration::days(1)));
        assert!(
            moments[0] >= now + chrono::Duration::hours(2),
            "not within minutes of opening"
        );
        // The vault still locked at start: the same, and then the vault says when it last synced.
        let mut s = Schedule::weekly(now, None, 0.5);
        assert_eq!(s.next(), at("2026-12-07T20:00:00Z"));
        let due = s.next();
        assert!(
            !s.confirm(due, Some(at("2026-12-04T10:00:00Z")), 0.5),
            "synced three days ago"
        );
        assert_eq!(s.next(), at("2026-12-11T22:00:00Z"));
    }

    #[test]
    fn a_success_moves_the_moment_a_week_on() {
        let now = at("2026-11-26T18:00:00Z");
        let mut s = Schedule::weekly(at("2026-11-26T12:00:00Z"), None, 0.25);
        assert!(s.due(now));
        s.succeeded(now, 0.5);
        assert_eq!(s.next(), at("2026-12-04T06:00:00Z"));
        assert!(!s.due(at("2026-12-04T05:59:59Z")));
        assert!(s.due(at("2026-12-04T06:00:00Z")));
    }

    #[test]
    fn a_sync_now_moves_the_weekly_moment() {
        let now = at("2026-11-26T18:00:00Z");
        let mut s = Schedule::weekly(at("2026-11-26T08:00:00Z"), None, 0.25);
        assert!(s.due(now));
        // The manager pressed "Sync now" at 10:00: nothing is sent at 18:00, nor for a week.
        assert!(!s.confirm(now, Some(at("2026-11-26T10:00:00Z")), 0.5));
        assert_eq!(s.next(), at("2026-12-03T22:00:00Z"));
        // Without that (last synced eight days ago), the due moment is confirmed.
        let mut s = Schedule::weekly(at("2026-11-26T08:00:00Z"), None, 0.25);
        assert!(s.confirm(now, Some(at("2026-11-18T10:00:00Z")), 0.5));
    }

    #[test]
    fn failures_that_may_pass_retry_sooner_with_backoff_and_retry_after() {
        let now = at("2026-11-26T18:00:00Z");
        let mut s = Schedule::weekly(now, None, 0.0);
        let retry = Disposition::Retry { after: None };
        s.failed(now, retry, 0.5);
        assert_eq!(s.next(), now + chrono::Duration::seconds(5));
        s.failed(now, retry, 0.5);
        assert_eq!(s.next(), now + chrono::Duration::seconds(10));
        // A retry is never skipped as "already synced today".
        assert!(s.confirm(now, Some(now), 0.5));
        // The server's Retry-After is a floor.
        s.failed(
            now,
            Disposition::Retry {
                after: Some(Duration::from_secs(120)),
            },
            0.5,
        );
        assert_eq!(s.next(), now + chrono::Duration::seconds(120));
        // Capped at 15 minutes however long it lasts.
        for _ in 0..30 {
            s.failed(now, retry, 0.5);
        }
        assert_eq!(s.next(), now + chrono::Duration::minutes(15));
        // A success resets the pace.
        s.succeeded(now, 0.5);
        assert_eq!(s.next(), at("2026-12-04T06:00:00Z"));
    }

    #[test]
    fn failures_a_person_must_fix_are_not_hammered() {
        let now = at("2026-11-26T18:00:00Z");
        let mut s = Schedule::weekly(now, None, 0.0);
        s.failed(now, Disposition::NeedsPerson, 0.5);
        assert_eq!(s.next(), at("2026-12-04T06:00:00Z"));
        // A locked vault is looked at again in a minute, and does not count as a failure.
        let mut s = Schedule::weekly(now, None, 0.0);
        s.failed(now, Disposition::WaitForVault, 0.5);
        assert_eq!(s.next(), now + chrono::Duration::seconds(60));
        assert!(!s.confirm(now + chrono::Duration::seconds(60), Some(now), 0.5));
    }

    #[test]
    fn a_fixed_interval_for_tests() {
        let now = at("2026-11-26T18:00:00Z");
        let mut s = Schedule::every(Duration::from_secs(2), now);
        assert_eq!(s.next(), now + chrono::Duration::seconds(2));
        assert!(s.confirm(now, Some(now), 0.5));
        s.succeeded(now, 0.5);
        assert_eq!(s.next(), now + chrono::Duration::seconds(2));
        assert_eq!(s.wait(now), Duration::from_secs(2));
        assert_eq!(s.wait(now + chrono::Duration::seconds(5)), Duration::ZERO);
    }

    #[test]
    fn random_units_are_in_range_and_vary() {
        let draws: Vec<f64> = (0..64).map(|_| random_unit()).collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        assert!(draws.iter().any(|d| (d - draws[0]).abs() > 1e-9));
    }
}
