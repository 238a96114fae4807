//! Calendar months, the unit in which 1on1s are counted.

use std::fmt;
use std::str::FromStr;

use crate::Zone;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month, `YYYY-MM`, between the years 1900 and 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    year: i16,
    month: i8,
}

/// Why a text is not a month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonthError {
    #[error("'{0}' is not a month; write it as YYYY-MM, for example 2026-04")]
    Format(String),
    #[error("'{0}' is out of range; months run from 01 to 12 and years from 1900 to 9999")]
    Range(String),
}

impl Month {
    /// The month with this year and month number (1–12), or `None` if out of range.
    pub fn new(year: i16, month: i8) -> Option<Month> {
        ((1900..=9999).contains(&year) && (1..=12).contains(&month)).then_some(Month { year, month })
    }

    pub fn year(self) -> i16 {
        self.year
    }

    /// 1 for January … 12 for December.
    pub fn number(self) -> i8 {
        self.month
    }

    /// The month a civil date falls in (dates outside 1900–9999 are clamped to its ends).
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: i16::try_from(date.year().clamp(1900, 9999)).unwrap_or(1900),
            // 1–12 by chrono's contract.
            month: i8::try_from(date.month()).unwrap_or(1),
        }
    }

    /// The month of an instant as seen on a calendar in `zone`: a session's month is its local date's.
    pub fn of_instant(at: DateTime<Utc>, zone: &Zone) -> Month {
        Month::of(zone.local(at).date())
    }

    /// Months since January of year 0 (`year * 12 + month - 1`): what a month is stored as where
    /// ranges compare as integers (the server's tables).
    pub fn index(self) -> i32 {
        i32::from(self.year) * 12 + i32::from(self.month) - 1
    }

    /// The month of an `index`, or `None` outside the supported years.
    pub fn from_index(index: i32) -> Option<Month> {
        let year = i16::try_from(index.div_euclid(12)).ok()?;
        let month = i8::try_from(index.rem_euclid(12) + 1).ok()?;
        Month::new(year, month)
    }

    /// `n` months later (earlier when negative), or `None` past the supported years.
    pub fn plus(self, n: i32) -> Option<Month> {
        Month::from_index(self.index().checked_add(n)?)
    }

    pub fn next(self) -> Option<Month> {
        self.plus(1)
    }

    pub fn prev(self) -> Option<Month> {
        self.plus(-1)
    }

    /// How many months from `self` to `later` (negative if `later` is earlier).
    pub fn months_until(self, later: Month) -> i32 {
        later.index() - self.index()
    }

    pub fn first_day(self) -> NaiveDate {
        // In range by construction: year 1900–9999, month 1–12, day 1.
        NaiveDate::from_ymd_opt(i32::from(self.year), u32::try_from(self.month).unwrap_or(1), 1)
            .unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next()
            .and_then(|next| next.first_day().pred_opt())
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX))
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Month::of(date) == self
    }

    /// The months from `self` to `last`, both included; empty when `last` is earlier.
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        (self.index()..=last.index()).filter_map(Month::from_index)
    }
}

/// The periods a manager exports a summary for, each as its first and last month.
impl Month {
    /// The calendar quarter the month is in (January–March, …).
    pub fn quarter(self) -> (Month, Month) {
        let first = (self.month - 1) / 3 * 3 + 1;
        let start = Month {
            year: self.year,
            month: first,
        };
        (start, start.plus(2).unwrap_or(start))
    }

    /// The fiscal year the month is in, for a year that starts in `first_month` (April in Japan).
    pub fn fiscal_year(self, first_month: i8) -> (Month, Month) {
        let first_month = first_month.clamp(1, 12);
        let year = if self.month >= first_month {
            self.year
        } else {
            self.year - 1
        };
        let start = Month {
            year,
            month: first_month,
        };
        (start, start.plus(11).unwrap_or(start))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = MonthError;
    fn from_str(s: &str) -> Result<Month, MonthError> {
        let bytes = s.as_bytes();
        let shaped =
            bytes.len() == 7 && bytes[4] == b'-' && bytes.iter().enumerate().all(|(i, b)| i == 4 || b.is_ascii_digit());
        if !shaped {
            return Err(MonthError::Format(s.to_owned()));
        }
        let year: i16 = s[..4].parse().map_err(|_| MonthError::Format(s.to_owned()))?;
        let month: i8 = s[5..].parse().map_err(|_| MonthError::Format(s.to_owned()))?;
        Month::new(year, month).ok_or_else(|| MonthError::Range(s.to_owned()))
    }
}

/// On the wire and in TypeScript a month is its `YYYY-MM` text.
#[cfg(feature = "ts")]
impl ts_rs::TS for Month {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &ts_rs::Config) -> String {
        "string".into()
    }
    fn inline(cfg: &ts_rs::Config) -> String {
        <Self as ts_rs::TS>::name(cfg)
    }
}

/// A month's JSON schema: a `YYYY-MM` string, marked with the format `month`.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Month {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Month".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "month", "pattern": "^[0-9]{4}-[0-9]{2}$" })
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn quarters_and_fiscal_years() {
        let m = |s: &str| s.parse::<Month>().unwrap();
        assert_eq!(m("2026-11").quarter(), (m("2026-10"), m("2026-12")));
        assert_eq!(m("2026-01").quarter(), (m("2026-01"), m("2026-03")));
        assert_eq!(m("2026-11").fiscal_year(4), (m("2026-04"), m("2027-03")));
        assert_eq!(m("2027-02").fiscal_year(4), (m("2026-04"), m("2027-03")));
        assert_eq!(m("2026-04").fiscal_year(4), (m("2026-04"), m("2027-03")));
        assert_eq!(m("2026-03").fiscal_year(1), (m("2026-01"), m("2026-12")));
    }
    use proptest::prelude::*;

    fn m(s: &str) -> Month {
        s.parse().unwrap()
    }

    #[test]
    fn december_is_followed_by_january_of_the_next_year() {
        assert_eq!(m("2025-12").next(), Some(m("2026-01")));
        assert_eq!(m("2026-01").prev(), Some(m("2025-12")));
        assert_eq!(m("2026-03").plus(-15), Some(m("2024-12")));
        assert_eq!(m("2025-11").months_until(m("2026-02")), 3);
    }

    #[test]
    fn month_bounds_know_leap_years() {
        assert_eq!(m("2028-02").last_day(), date(2028, 2, 29));
        assert_eq!(m("2026-02").last_day(), date(2026, 2, 28));
        assert_eq!(m("2026-12").first_day(), date(2026, 12, 1));
        assert_eq!(m("2026-12").last_day(), date(2026, 12, 31));
    }

    #[test]
    fn a_session_belongs_to_its_local_month_not_utc() {
        // 2025-12-31 15:30 UTC is already New Year's Day in Tokyo, still New Year's Eve in New York.
        let at: DateTime<Utc> = "2025-12-31T15:30:00Z".parse().unwrap();
        let tokyo = Zone::named("Asia/Tokyo").unwrap();
        let new_york = Zone::named("America/New_York").unwrap();
        assert_eq!(Month::of_instant(at, &tokyo), m("2026-01"));
        assert_eq!(Month::of_instant(at, &new_york), m("2025-12"));
        assert_eq!(Month::of_instant(at, &Zone::UTC), m("2025-12"));
        // And the other way round at the start of a month: 1 March 02:00 UTC is still February in LA.
        let at: DateTime<Utc> = "2026-03-01T02:00:00Z".parse().unwrap();
        let la = Zone::named("America/Los_Angeles").unwrap();
        assert_eq!(Month::of_instant(at, &la), m("2026-02"));
    }

    #[test]
    fn bad_months_are_named() {
        for bad in ["2026-13", "2026-00", "0999-01"] {
            assert_eq!(bad.parse::<Month>(), Err(MonthError::Range(bad.into())), "{bad}");
        }
        for bad in [
            "2026-1",
            "2026/01",
            "202601",
            "",
            "2026-01-01",
            "２０２６-01",
            "+026-01",
        ] {
            assert_eq!(bad.parse::<Month>(), Err(MonthError::Format(bad.into())), "{bad}");
        }
    }

    #[test]
    fn through_lists_a_range_across_years() {
        let months: Vec<String> = m("2025-11").through(m("2026-02")).map(|m| m.to_string()).collect();
        assert_eq!(months, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(m("2026-02").through(m("2025-11")).count(), 0);
    }

    proptest! {
        #[test]
        fn display_and_parse_round_trip(year in 1900i16..=9999, month in 1i8..=12) {
            let value = Month::new(year, month).unwrap();
            prop_assert_eq!(value.to_string().parse::<Month>(), Ok(value));
        }

        #[test]
        fn plus_and_minus_cancel(year in 1950i16..=2100, month in 1i8..=12, n in -600i32..600) {
            let value = Month::new(year, month).unwrap();
            let there = value.plus(n).unwrap();
            prop_assert_eq!(there.plus(-n), Some(value));
            prop_assert_eq!(value.months_until(there), n);
        }

        #[test]
        fn every_day_of_a_month_is_in_it_and_its_neighbours_are_not(year in 1950i16..=2100, month in 1i8..=12) {
            let value = Month::new(year, month).unwrap();
            let first = value.first_day();
            let last = value.last_day();
            prop_assert!(value.contains(first) && value.contains(last));
            prop_assert_eq!(Month::of(first.pred_opt().unwrap()), value.prev().unwrap());
            prop_assert_eq!(Month::of(last.succ_opt().unwrap()), value.next().unwrap());
        }

        #[test]
        fn local_month_is_at_most_one_off_utc(secs in 0i64..4_000_000_000, tz in prop::sample::select(vec!["Asia/Tokyo", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London"])) {
            let at = DateTime::from_timestamp(secs, 0).unwrap();
            let zone = Zone::named(tz).unwrap();
            let local = Month::of_instant(at, &zone);
            let utc = Month::of_instant(at, &Zone::UTC);
            prop_assert!(utc.months_until(local).abs() <= 1);
            prop_assert_eq!(local, Month::of(zone.local(at).date()));
        }
    }
}
