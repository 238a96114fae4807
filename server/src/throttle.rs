//! The throttles every request may meet, kept in this instance's memory: requests per token and
//! failed authentications per client address (`RateLimiter`), sign-in and password-change
//! attempts per account and address (`LoginThrottle`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::Error;

// Rate limiting: a fixed one-minute window per key, kept in this instance's memory.

/// Failed authentications (a bad or unknown token, a wrong enrolment code) an address may make a
/// minute; past it, the address is answered 429 before any database work.
pub const AUTH_FAILURES_PER_MINUTE: u32 = 30;

/// The most keys the limiter holds. Keys are addresses and valid tokens, never what a client
/// makes up; when full, stale windows go first, then the oldest keys: a new key is never refused.
const MAX_KEYS: usize = 50_000;

#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    /// key → (minute window, count, when the key came in)
    windows: Mutex<HashMap<String, (u64, u32, u64)>>,
    started: Instant,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
            started: Instant::now(),
        }
    }

    /// Counts one request for `key` against the per-minute budget.
    pub fn check(&self, key: &str) -> Result<(), Error> {
        self.count(key, self.per_minute, true)
    }

    /// Whether `key` may still fail (`limit` a minute), without counting anything.
    pub fn allowed(&self, key: &str, limit: u32) -> Result<(), Error> {
        self.count(key, limit, false)
    }

    /// Counts one failure for `key`.
    pub fn failed(&self, key: &str) {
        let _ = self.count(key, u32::MAX, true);
    }

    fn count(&self, key: &str, limit: u32, add: bool) -> Result<(), Error> {
        let elapsed = self.started.elapsed().as_nanos().try_into().unwrap_or(u64::MAX);
        let window = elapsed / 60_000_000_000;
        let wait = 60 - (elapsed / 1_000_000_000) % 60;
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        if let Some(entry) = windows.get_mut(key) {
            if entry.0 != window {
                (entry.0, entry.1) = (window, 0);
            }
            if entry.1 >= limit {
                return Err(Error::RateLimited(wait));
            }
            if add {
                entry.1 += 1;
            }
            return Ok(());
        }
        if !add {
            return Ok(());
        }
        if windows.len() >= MAX_KEYS {
            windows.retain(|_, (w, _, _)| *w == window);
            // Still full within one minute: the oldest tenth goes, so that this key is counted.
            if windows.len() >= MAX_KEYS {
                let mut ages: Vec<u64> = windows.values().map(|e| e.2).collect();
                let cut = ages.len() / 10;
                let (_, &mut oldest_kept, _) = ages.select_nth_unstable(cut);
                windows.retain(|_, e| e.2 >= oldest_kept);
            }
        }
        windows.insert(key.to_owned(), (window, 1, elapsed));
        Ok(())
    }

    #[cfg(test)]
    fn keys(&self) -> usize {
        self.windows.lock().map(|w| w.len()).unwrap_or(0)
    }
}

/// Sign-in and password-change attempts per account and per client address. An attempt is
/// counted before its password is checked, so a burst of concurrent guesses cannot pass the
/// limit while the first ones are still being checked; a success takes its attempt back. The
/// checks themselves (Argon2, the costliest thing the server does) run a few at a time, so a flood
/// of attempts on many accounts waits for its turn instead of taking the blocking pool.
#[derive(Debug)]
pub struct LoginThrottle {
    attempts: Mutex<HashMap<String, (u32, Instant)>>,
    checks: tokio::sync::Semaphore,
}

/// Attempts allowed in a window, per account and per address.
pub const LOGIN_FAILURES_PER_ACCOUNT: u32 = 5;
pub const LOGIN_FAILURES_PER_ADDRESS: u32 = 20;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
const LOGIN_KEYS_KEPT: usize = 10_000;
/// Password checks at once.
pub const PASSWORD_CHECKS_AT_ONCE: usize = 2;
/// How long an attempt waits for its check's turn before the server answers that it is busy.
const CHECK_WAIT: Duration = Duration::from_secs(20);

impl Default for LoginThrottle {
    fn default() -> LoginThrottle {
        LoginThrottle {
            attempts: Mutex::new(HashMap::new()),
            checks: tokio::sync::Semaphore::new(PASSWORD_CHECKS_AT_ONCE),
        }
    }
}

impl LoginThrottle {
    fn keys(email: &str, ip: IpAddr) -> [(String, u32); 2] {
        [
            (
                format!("account:{}", email.trim().to_lowercase()),
                LOGIN_FAILURES_PER_ACCOUNT,
            ),
            (
                format!("address:{}", crate::listen::address_key(ip)),
                LOGIN_FAILURES_PER_ADDRESS,
            ),
        ]
    }

    /// Counts an attempt for the account and the address, or, while either has used its
    /// attempts in the window, answers how long until it may try again (counting nothing).
    pub fn attempt(&self, email: &str, ip: IpAddr) -> Result<(), Duration> {
        let Ok(mut attempts) = self.attempts.lock() else {
            return Err(LOGIN_WINDOW);
        };
        let keys = Self::keys(email, ip);
        let wait = keys
            .iter()
            .filter_map(|(key, limit)| {
                let (count, since) = attempts.get(key)?;
                let left = LOGIN_WINDOW.checked_sub(since.elapsed())?;
                (*count >= *limit).then_some(left)
            })
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        if attempts.len() >= LOGIN_KEYS_KEPT {
            attempts.retain(|_, (_, since)| since.elapsed() < LOGIN_WINDOW);
            // Still full: the oldest windows make room (never refusing a new key).
            while attempts.len() >= LOGIN_KEYS_KEPT {
                let Some(oldest) = attempts
                    .iter()
                    .min_by_key(|(_, (_, since))| *since)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                attempts.remove(&oldest);
            }
        }
        for (key, _) in keys {
            let entry = attempts.entry(key).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= LOGIN_WINDOW {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
        Ok(())
    }

    /// The attempt was right: the account starts afresh, and the address gets its attempt back.
    pub fn succeeded(&self, email: &str, ip: IpAddr) {
        if let Ok(mut attempts) = self.attempts.lock() {
            let [(account, _), (address, _)] = Self::keys(email, ip);
            attempts.remove(&account);
            if let Some(entry) = attempts.get_mut(&address) {
                entry.0 = entry.0.saturating_sub(1);
            }
        }
    }

    /// Waits for a password check's turn; `None` when none came in time (the server is busy).
    pub async fn check_turn(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        tokio::time::timeout(CHECK_WAIT, self.checks.acquire()).await.ok()?.ok()
    }

    /// How many attempts the account has used in its window (for tests and the log).
    pub fn used(&self, email: &str) -> u32 {
        let key = format!("account:{}", email.trim().to_lowercase());
        self.attempts
            .lock()
            .ok()
            .and_then(|a| a.get(&key).map(|e| e.0))
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod limiter_tests {
    use super::*;

    #[test]
    fn failures_are_counted_without_spending_and_the_map_stays_bounded() {
        let limiter = RateLimiter::new(120);
        for _ in 0..3 {
            limiter.allowed("authfail:1.2.3.4", 3).unwrap();
            limiter.failed("authfail:1.2.3.4");
        }
        assert!(matches!(
            limiter.allowed("authfail:1.2.3.4", 3),
            Err(Error::RateLimited(_))
        ));
        assert!(
            limiter.allowed("authfail:5.6.7.8", 3).is_ok(),
            "another address is not blocked"
        );
        assert_eq!(limiter.keys(), 1, "asking never adds a key");
        for i in 0..MAX_KEYS + 10 {
            assert!(
                limiter.check(&format!("token:{i}")).is_ok(),
                "a new key is never refused"
            );
        }
        assert!(limiter.keys() <= MAX_KEYS);
        // The oldest went, the newest stayed.
        assert!(limiter.check(&format!("token:{}", MAX_KEYS + 9)).is_ok());
        let windows = limiter.windows.lock().unwrap();
        assert!(!windows.contains_key("token:0") && windows.contains_key(&format!("token:{}", MAX_KEYS + 9)));
    }
}
