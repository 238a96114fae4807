//! When the background sync runs: once a day at a random moment, so that the server cannot tell
//! from when figures arrive when a 1on1 took place. A manager's "Sync now" sends at once and does
//! not move the daily moment. After a failure that may pass, it tries again sooner, doubling the
//! wait with jitter (or after the server's `Retry-After`).
//!
//! The clock and the dice are injected: every method takes `now` and a number in `[0, 1)`, so the
//! rules are tested without waiting a day.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveTime, Utc};

use crate::{Backoff, Disposition};

/// How long the first sync may wait after the app opens when the day's moment has already passed.
pub const CATCH_UP_WITHIN: Duration = Duration::from_secs(10 * 60);
/// How often a waiting loop looks again (the computer may have slept, or the vault opened).
pub const LOOK_AGAIN: Duration = Duration::from_secs(60);

/// The background sync's timetable.
#[derive(Debug, Clone)]
pub struct Schedule {
    next: DateTime<Utc>,
    failures: u32,
    backoff: Backoff,
    /// A fixed interval instead of the daily moment (tests: `TAIWA_SYNC_SECONDS`).
    every: Option<Duration>,
}

fn day_start(t: DateTime<Utc>) -> DateTime<Utc> {
    t.date_naive().and_time(NaiveTime::MIN).and_utc()
}

fn fraction_of(span: Duration, random: f64) -> chrono::Duration {
    chrono::Duration::from_std(span.mul_f64(random.clamp(0.0, 0.999_999))).unwrap_or_default()
}

const DAY: Duration = Duration::from_secs(24 * 3600);

impl Schedule {
    /// The daily timetable, given when the last sync succeeded: one random moment per UTC day.
    /// Already synced today: a moment tomorrow. Not yet: a moment later today, or, when the
    /// chosen moment has passed (the app was closed), within `CATCH_UP_WITHIN`.
    pub fn daily(now: DateTime<Utc>, last_success: Option<DateTime<Utc>>, random: f64) -> Schedule {
        let mut schedule = Schedule {
            next: now,
            failures: 0,
            backoff: Backoff::default(),
            every: None,
        };
        schedule.plan_day(now, last_success, random);
        schedule
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

    fn plan_day(&mut self, now: DateTime<Utc>, last_success: Option<DateTime<Utc>>, random: f64) {
        let today = day_start(now);
        let synced_today = last_success.is_some_and(|t| day_start(t) == today);
        self.next = if synced_today {
            today.checked_add_days(Days::new(1)).unwrap_or(today) + fraction_of(DAY, random)
        } else {
            let moment = today + fraction_of(DAY, random);
            if moment > now {
                moment
            } else {
                now + fraction_of(CATCH_UP_WITHIN, random)
            }
        };
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

    /// Before syncing at a due moment: when the vault says it already synced today (a manager's
    /// "Sync now", or another run), the daily moment moves to tomorrow and nothing is sent now.
    /// Returns whether to sync.
    pub fn confirm(&mut self, now: DateTime<Utc>, last_success: Option<DateTime<Utc>>, random: f64) -> bool {
        if self.every.is_some() || self.failures > 0 {
            return true;
        }
        let synced_today = last_success.is_some_and(|t| day_start(t) == day_start(now));
        if synced_today {
            self.plan_day(now, last_success, random);
        }
        !synced_today
    }

    /// After a sync that worked.
    pub fn succeeded(&mut self, now: DateTime<Utc>, random: f64) {
        self.failures = 0;
        match self.every {
            Some(interval) => self.next = now + chrono::Duration::from_std(interval).unwrap_or_default(),
            None => self.plan_day(now, Some(now), random),
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
                    None => {
                        let tomorrow = day_start(now).checked_add_days(Days::new(1)).unwrap_or(now);
                        self.next = tomorrow + fraction_of(DAY, random);
                    }
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
    fn the_daily_moment_is_random_across_the_whole_day() {
        let now = at("2026-11-26T00:00:00Z");
        let early = Schedule::daily(now, None, 0.0).next();
        let late = Schedule::daily(now, None, 0.99).next();
        let middle = Schedule::daily(now, None, 0.5).next();
        assert_eq!(middle, at("2026-11-26T12:00:00Z"));
        assert!(early <= at("2026-11-26T00:00:01Z"), "{early}");
        assert!(
            late > at("2026-11-26T23:00:00Z") && late < at("2026-11-27T00:00:00Z"),
            "{late}"
        );
    }

    #[test]
    fn one_sync_a_day_and_catching_up_after_the_moment_passed() {
        // Synced this morning: the next is tomorrow, at tomorrow's random moment.
        let now = at("2026-11-26T09:00:00Z");
        let s = Schedule::daily(now, Some(at("2026-11-26T03:00:00Z")), 0.25);
        assert_eq!(s.next(), at("2026-11-27T06:00:00Z"));
        assert!(!s.due(now));
        // Last synced yesterday, today's moment (06:00) already passed while the app was closed:
        // within ten minutes, at a random point.
        let s = Schedule::daily(now, Some(at("2026-11-25T20:00:00Z")), 0.25);
        assert!(
            s.next() > now && s.next() <= now + chrono::Duration::minutes(10),
            "{}",
            s.next()
        );
        // Today's moment still ahead: wait for it.
        let s = Schedule::daily(now, None, 0.75);
        assert_eq!(s.next(), at("2026-11-26T18:00:00Z"));
    }

    #[test]
    fn a_success_moves_the_moment_to_tomorrow() {
        let now = at("2026-11-26T18:00:00Z");
        let mut s = Schedule::daily(at("2026-11-26T12:00:00Z"), None, 0.75);
        assert!(s.due(now));
        s.succeeded(now, 0.5);
        assert_eq!(s.next(), at("2026-11-27T12:00:00Z"));
        assert!(!s.due(at("2026-11-27T11:59:59Z")));
        assert!(s.due(at("2026-11-27T12:00:00Z")));
    }

    #[test]
    fn a_sync_now_earlier_today_skips_the_daily_moment() {
        let now = at("2026-11-26T18:00:00Z");
        let mut s = Schedule::daily(at("2026-11-26T08:00:00Z"), None, 0.75);
        assert!(s.due(now));
        // The manager pressed "Sync now" at 10:00: nothing is sent at 18:00.
        assert!(!s.confirm(now, Some(at("2026-11-26T10:00:00Z")), 0.5));
        assert_eq!(s.next(), at("2026-11-27T12:00:00Z"));
        // Without that, the due moment is confirmed.
        let mut s = Schedule::daily(at("2026-11-26T08:00:00Z"), None, 0.75);
        assert!(s.confirm(now, Some(at("2026-11-25T10:00:00Z")), 0.5));
    }

    #[test]
    fn failures_that_may_pass_retry_sooner_with_backoff_and_retry_after() {
        let now = at("2026-11-26T18:00:00Z");
        let mut s = Schedule::daily(now, None, 0.0);
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
        assert_eq!(s.next(), at("2026-11-27T12:00:00Z"));
    }

    #[test]
    fn failures_a_person_must_fix_are_not_hammered() {
        let now = at("2026-11-26T18:00:00Z");
        let mut s = Schedule::daily(now, None, 0.0);
        s.failed(now, Disposition::NeedsPerson, 0.5);
        assert_eq!(s.next(), at("2026-11-27T12:00:00Z"));
        // A locked vault is looked at again in a minute, and does not count as a failure.
        let mut s = Schedule::daily(now, None, 0.0);
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
