//! The pages' two languages and how numbers, rates, months and times read in each. Every piece
//! of text on the pages is written in both languages side by side (`Lang::pick`), and sentences
//! with values are whole format strings per language, never concatenated fragments.

use taiwa_protocol::Month;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

/// The month whose records are still coming in, and the day its figures are counted to: a month
/// is in progress until it has ended on the company's calendar (Japan's). Its figures are
/// partial, so pages label it and never compare it with a whole month.
pub fn in_progress(now: chrono::DateTime<chrono::Utc>) -> (Month, chrono::NaiveDate) {
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    (Month::of(today), today)
}

impl Lang {
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim() {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The first of `ja` or `en` in an Accept-Language header, by quality; English otherwise.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("ja") => Lang::Ja,
                Some("en") => Lang::En,
                _ => continue,
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    /// The text in this language.
    pub fn pick<'a>(self, en: &'a str, ja: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// A whole number with thousands separators (the same in both languages).
    pub fn count(self, n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// A rate as a percentage with one decimal, or the words for "no figure".
    pub fn rate(self, rate: Option<f64>) -> String {
        match rate {
            Some(r) => format!("{:.1}%", r * 100.0),
            None => self.pick("no data yet", "データなし").to_owned(),
        }
    }

    /// A change in percentage points, signed.
    pub fn points(self, change: Option<f64>) -> String {
        match change {
            Some(c) => {
                let pt = c * 100.0;
                let sign = if pt > 0.05 {
                    "+"
                } else if pt < -0.05 {
                    "−"
                } else {
                    "±"
                };
                match self {
                    Lang::Ja => format!("{sign}{:.1} pt", pt.abs()),
                    Lang::En => format!("{sign}{:.1} pt", pt.abs()),
                }
            }
            None => "—".to_owned(),
        }
    }

    pub fn month(self, m: Month) -> String {
        match self {
            Lang::Ja => format!("{}年{}月", m.year(), m.number()),
            Lang::En => {
                const NAMES: [&str; 12] = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
                ];
                let name = NAMES[usize::try_from(m.number() - 1).unwrap_or(0) % 12];
                format!("{name} {}", m.year())
            }
        }
    }

    /// "In progress (to 7 Dec)": a month whose figures are still coming in.
    pub fn in_progress(self, day: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        match self {
            Lang::Ja => format!("集計中（{}月{}日時点）", day.month(), day.day()),
            Lang::En => format!("in progress (as of {})", day.format("%-d %b")),
        }
    }

    /// A short month label for chart axes.
    pub fn month_short(self, m: Month) -> String {
        match self {
            Lang::Ja => format!("{}月", m.number()),
            Lang::En => self.month(m).split(' ').next().unwrap_or_default().to_owned(),
        }
    }

    /// A period of months.
    pub fn period(self, from: Month, to: Month) -> String {
        if from == to {
            return self.month(from);
        }
        match self {
            Lang::Ja => format!("{}〜{}", self.month(from), self.month(to)),
            Lang::En => format!("{} – {}", self.month(from), self.month(to)),
        }
    }

    /// A Unix time as a date and time of day in the company's time zone `tz` (the settings').
    pub fn time(self, t: i64, tz: chrono_tz::Tz) -> String {
        let Some(ts) = chrono::DateTime::from_timestamp(t, 0) else {
            return t.to_string();
        };
        let ts = ts.with_timezone(&tz);
        match self {
            Lang::Ja => ts.format("%Y/%m/%d %H:%M").to_string(),
            Lang::En => ts.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// A Unix time as the day it is in the company's time zone `tz`.
    pub fn date(self, t: i64, tz: chrono_tz::Tz) -> String {
        let Some(ts) = chrono::DateTime::from_timestamp(t, 0) else {
            return t.to_string();
        };
        let ts = ts.with_timezone(&tz);
        match self {
            Lang::Ja => ts.format("%Y/%m/%d").to_string(),
            Lang::En => ts.format("%Y-%m-%d").to_string(),
        }
    }

    /// Minutes as hours and minutes.
    pub fn minutes(self, minutes: u64) -> String {
        let (h, m) = (minutes / 60, minutes % 60);
        match (self, h) {
            (Lang::Ja, 0) => format!("{m}分"),
            (Lang::Ja, _) => format!("{}時間{m}分", self.count(h)),
            (Lang::En, 0) => format!("{m} min"),
            (Lang::En, _) => format!("{} h {m} min", self.count(h)),
        }
    }

    /// "a of b" for coverage figures.
    pub fn of(self, a: u64, b: u64) -> String {
        match self {
            Lang::Ja => format!("{} / {}", self.count(a), self.count(b)),
            Lang::En => format!("{} of {}", self.count(a), self.count(b)),
        }
    }
}

/// The one sentence that defines "met", on every page that shows it and in the README.
pub fn met_definition(lang: Lang) -> &'static str {
    lang.pick(
        "Met: a manager and a direct report held at least one 1on1 in the month (a plan or a cross-organisation 1on1 does not count).",
        "実施済み：その月に上司と直属の部下が1on1を1回以上行ったこと（予定のみ、組織をまたぐ1on1は含みません）。",
    )
}

/// A unit's path as one line: `本社 › 営業本部 › Aチーム`.
pub fn path(parts: &[String]) -> String {
    parts.join(" › ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_numbers_read_right() {
        assert_eq!(Lang::from_accept_language("ja,en-US;q=0.9"), Lang::Ja);
        assert_eq!(Lang::from_accept_language("en-GB,ja;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr"), Lang::En);
        assert_eq!(Lang::En.count(1_234_567), "1,234,567");
        assert_eq!(Lang::Ja.count(999), "999");
        assert_eq!(Lang::En.rate(Some(0.8766)), "87.7%");
        assert_eq!(Lang::Ja.rate(None), "データなし");
        let m: Month = "2026-11".parse().unwrap();
        assert_eq!(Lang::Ja.month(m), "2026年11月");
        assert_eq!(Lang::En.month(m), "Nov 2026");
        assert_eq!(Lang::En.points(Some(-0.052)), "−5.2 pt");
        assert_eq!(Lang::Ja.minutes(95), "1時間35分");
        // 2026-11-30 23:30 UTC is already 1 December in Tokyo.
        let t = 1_796_081_400;
        assert_eq!(Lang::Ja.time(t, chrono_tz::Asia::Tokyo), "2026/12/01 08:30");
        assert_eq!(Lang::En.time(t, chrono_tz::UTC), "2026-11-30 23:30");
        assert_eq!(Lang::Ja.date(t, chrono_tz::Asia::Tokyo), "2026/12/01");
    }
}
