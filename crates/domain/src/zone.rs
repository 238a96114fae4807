//! Where a calendar is read: the computer's own time zone, or a named IANA zone.
//!
//! Instants are stored in UTC; the manager's calendar (which day a session is on, which month it
//! counts for) is the local date in this zone.

use chrono::{DateTime, Local, LocalResult, NaiveDateTime, TimeZone as _, Utc};
use chrono_tz::Tz;

/// A time zone: `System` follows the computer (`TZ`, then `/etc/localtime`); `Named` is an IANA zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    System,
    Named(Tz),
}

impl Zone {
    pub const UTC: Zone = Zone::Named(Tz::UTC);

    /// The zone with this IANA name (`Asia/Tokyo`), or `None` if there is no such zone.
    pub fn named(name: &str) -> Option<Zone> {
        name.parse::<Tz>().ok().map(Zone::Named)
    }

    /// The IANA name of the zone, when it is known (`System` has none).
    pub fn iana_name(&self) -> Option<&'static str> {
        match self {
            Zone::System => None,
            Zone::Named(tz) => Some(tz.name()),
        }
    }

    /// The wall-clock date and time of an instant in this zone.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::System => at.with_timezone(&Local).naive_local(),
            Zone::Named(tz) => at.with_timezone(tz).naive_local(),
        }
    }

    /// The instant a wall-clock time names in this zone. A time skipped by a daylight-saving gap is
    /// read as the same clock reading before the jump (so 02:30 on a spring-forward night is 03:30
    /// after it); a time that happens twice in an overlap is its first occurrence.
    pub fn instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        fn pick<Z: chrono::TimeZone>(zone: &Z, local: NaiveDateTime) -> DateTime<Utc> {
            match zone.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                LocalResult::None => {
                    // In a gap: use the offset in force just before it.
                    let before = local - chrono::Duration::hours(3);
                    let offset = match zone.from_local_datetime(&before) {
                        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.offset().fix(),
                        LocalResult::None => chrono::FixedOffset::east_opt(0).unwrap_or(Utc.fix()),
                    };
                    Utc.from_utc_datetime(&(local - offset))
                }
            }
        }
        use chrono::Offset as _;
        match self {
            Zone::System => pick(&Local, local),
            Zone::Named(tz) => pick(tz, local),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_is_read_with_the_offset_before_it() {
        // New York skips 02:00–03:00 on 2026-03-08; 02:30 EST (−5) is 07:30 UTC, 03:30 EDT.
        let ny = Zone::named("America/New_York").unwrap();
        let instant = ny.instant(at(2026, 3, 8, 2, 30));
        assert_eq!(instant.naive_utc(), at(2026, 3, 8, 7, 30));
        assert_eq!(ny.local(instant), at(2026, 3, 8, 3, 30));
    }

    #[test]
    fn a_time_in_the_fall_back_overlap_is_its_first_occurrence() {
        // 01:30 happens twice in New York on 2026-11-01: first in EDT (−4) at 05:30 UTC.
        let ny = Zone::named("America/New_York").unwrap();
        assert_eq!(ny.instant(at(2026, 11, 1, 1, 30)).naive_utc(), at(2026, 11, 1, 5, 30));
        // Both instants read back as 01:30 local.
        let second = at(2026, 11, 1, 6, 30).and_utc();
        assert_eq!(ny.local(second), at(2026, 11, 1, 1, 30));
    }

    #[test]
    fn unknown_zone_names_are_refused() {
        assert_eq!(Zone::named("Mars/Olympus"), None);
        assert_eq!(
            Zone::named("Asia/Tokyo").map(|z| z.local(at(2026, 1, 1, 0, 0).and_utc())),
            Some(at(2026, 1, 1, 9, 0))
        );
    }
}
