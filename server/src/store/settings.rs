//! HR's settings, kept in the database so that every instance reads the same and the pages can
//! change them: the target rate, the smallest group shown (k), the survey window and scale, pair
//! detail, the company's time zone.

use std::collections::HashMap;

use crate::Error;
use crate::db::{Pool, V};

/// The smallest k a setting may hold: groups of one or two are never shown, whatever HR asks.
pub const MIN_K: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Units whose completion rate is below this (a percentage) are highlighted.
    pub target_percent: u32,
    /// Groups with fewer pairs than this are shown as "fewer than k" where suppression applies.
    pub k: u32,
    /// How many calendar months before a survey its completion rate is read over.
    pub survey_window: u32,
    /// Whether hr_admin may see pair-level figures (the not-yet list, `/api/v1/admin/pairs`).
    pub pair_detail: bool,
    /// The lowest and the highest score of the engagement survey: a score outside them in an
    /// import is refused with its line.
    pub survey_scale_min: u32,
    pub survey_scale_max: u32,
    /// The company's time zone: the pages show times of day and days in it.
    pub time_zone: chrono_tz::Tz,
}

/// The highest a survey scale may reach (the largest score a file may hold).
pub const MAX_SURVEY_SCALE: u32 = 1_000_000;

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            target_percent: 90,
            k: 5,
            survey_window: 6,
            pair_detail: false,
            // Unit scores as most survey vendors report them (a share of favourable answers,
            // or an index): the example company's. A 1–5 survey sets 1 and 5.
            survey_scale_min: 0,
            survey_scale_max: 100,
            time_zone: chrono_tz::Asia::Tokyo,
        }
    }
}

/// The names `settings set` and the settings page use.
pub const SETTING_NAMES: &[&str] = &[
    "target_percent",
    "k",
    "survey_window",
    "survey_scale_min",
    "survey_scale_max",
    "pair_detail",
    "time_zone",
];

/// A setting's name in Japanese, for the pages' messages and the audit log.
pub fn setting_label_ja(name: &str) -> &str {
    match name {
        "target_percent" => "目標実施率",
        "k" => "小さな組織を表示しない基準k",
        "survey_window" => "調査前に実施率を見る月数",
        "survey_scale_min" => "調査スコアの最小値",
        "survey_scale_max" => "調査スコアの最大値",
        "pair_detail" => "ペア単位の表示",
        "time_zone" => "タイムゾーン",
        other => other,
    }
}

impl Settings {
    /// Applies one named value, checked; the same rules for the page and the command line.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let number = |lo: u32, hi: u32| -> Result<u32, Error> {
            value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (lo..=hi).contains(n))
                .ok_or_else(|| {
                    Error::refused(
                        format!("{name} must be a whole number from {lo} to {hi}"),
                        format!("{}は{lo}から{hi}までの整数にしてください。", setting_label_ja(name)),
                    )
                })
        };
        match name {
            "target_percent" => self.target_percent = number(1, 100)?,
            "k" => self.k = number(MIN_K, 100)?,
            "survey_window" => self.survey_window = number(1, 24)?,
            "survey_scale_min" => self.survey_scale_min = number(0, MAX_SURVEY_SCALE - 1)?,
            "survey_scale_max" => self.survey_scale_max = number(1, MAX_SURVEY_SCALE)?,
            "pair_detail" => {
                self.pair_detail = match value.trim() {
                    "on" | "true" | "1" => true,
                    "off" | "false" | "0" => false,
                    _ => {
                        return Err(Error::refused(
                            "pair_detail is on or off",
                            "ペア単位の表示は「on」か「off」で指定してください。",
                        ));
                    }
                }
            }
            "time_zone" => {
                self.time_zone = value.trim().parse::<chrono_tz::Tz>().map_err(|_| {
                    Error::refused(
                        format!("time_zone must be an IANA time zone name such as Asia/Tokyo, not '{}'", value.trim()),
                        format!(
                            "タイムゾーンは「Asia/Tokyo」のようなIANAのタイムゾーン名で指定してください（「{}」は使えません）。",
                            value.trim()
                        ),
                    )
                })?;
            }
            _ => {
                return Err(Error::refused(
                    format!("no setting '{name}': the settings are {}", SETTING_NAMES.join(", ")),
                    format!(
                        "「{name}」という設定はありません（設定は {}）。",
                        SETTING_NAMES.join("、")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The rules between settings, checked once every value is set.
    pub fn check(&self) -> Result<(), Error> {
        if self.survey_scale_min >= self.survey_scale_max {
            return Err(Error::refused(
                format!(
                    "survey_scale_min ({}) must be below survey_scale_max ({})",
                    self.survey_scale_min, self.survey_scale_max
                ),
                format!(
                    "調査スコアの最小値（{}）は最大値（{}）より小さくしてください。",
                    self.survey_scale_min, self.survey_scale_max
                ),
            ));
        }
        Ok(())
    }

    pub fn survey_scale(&self) -> crate::survey::Scale {
        crate::survey::Scale {
            min: self.survey_scale_min,
            max: self.survey_scale_max,
        }
    }

    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "target_percent" => self.target_percent.to_string(),
            "k" => self.k.to_string(),
            "survey_window" => self.survey_window.to_string(),
            "survey_scale_min" => self.survey_scale_min.to_string(),
            "survey_scale_max" => self.survey_scale_max.to_string(),
            "pair_detail" => if self.pair_detail { "on" } else { "off" }.to_owned(),
            "time_zone" => self.time_zone.name().to_owned(),
            _ => return None,
        })
    }
}

/// The settings in force: defaults, overridden by what was stored.
/// The company's time zone from the `time_zone` setting's stored value (read along with another
/// query), with `settings`' fallback: Asia/Tokyo when unset or no longer a zone.
pub fn zone_from(stored: Option<&str>) -> chrono_tz::Tz {
    let mut settings = Settings::default();
    if let Some(value) = stored {
        let _ = settings.set("time_zone", value);
    }
    settings.time_zone
}

pub fn settings(pool: &Pool) -> Result<Settings, Error> {
    let rows = pool.with(|conn| conn.query("SELECT key, value FROM settings", &[]))?;
    let stored: HashMap<String, String> = rows
        .into_iter()
        .map(|r| Ok((r.text("key")?, r.text("value")?)))
        .collect::<Result<_, Error>>()?;
    let mut settings = Settings::default();
    for name in SETTING_NAMES {
        if let Some(value) = stored.get(*name) {
            // A value stored by an older rule that no longer holds falls back to the default.
            let mut candidate = settings.clone();
            if candidate.set(name, value).is_ok() {
                settings = candidate;
            }
        }
    }
    if settings.check().is_err() {
        let default = Settings::default();
        settings.survey_scale_min = default.survey_scale_min;
        settings.survey_scale_max = default.survey_scale_max;
    }
    Ok(settings)
}

/// Checks and stores named values, all or none.
pub fn save_settings(pool: &Pool, values: &[(&str, &str)]) -> Result<Settings, Error> {
    let mut settings = settings(pool)?;
    for (name, value) in values {
        settings.set(name, value)?;
    }
    settings.check()?;
    pool.write(|conn| {
        for name in SETTING_NAMES {
            let value = settings.get(name).unwrap_or_default();
            conn.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[V::from(*name), V::from(value)],
            )?;
        }
        Ok(())
    })?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_never_goes_below_three_and_names_are_checked() {
        let mut s = Settings::default();
        assert!(s.set("k", "2").is_err());
        s.set("k", "3").unwrap();
        assert_eq!(s.k, 3);
        assert!(s.set("target_percent", "0").is_err());
        assert!(s.set("nope", "1").unwrap_err().to_string().contains("target_percent"));
        s.set("pair_detail", "on").unwrap();
        assert_eq!(s.get("pair_detail").as_deref(), Some("on"));
    }

    #[test]
    fn the_survey_scale_is_0_to_100_unless_set_and_its_ends_keep_their_order() {
        let mut s = Settings::default();
        assert_eq!((s.survey_scale_min, s.survey_scale_max), (0, 100));
        s.set("survey_scale_min", "1").unwrap();
        s.set("survey_scale_max", "5").unwrap();
        s.check().unwrap();
        s.set("survey_scale_min", "5").unwrap();
        assert!(s.check().unwrap_err().to_string().contains("must be below"));
        assert!(s.set("survey_scale_max", "0").is_err());
        assert!(s.set("survey_scale_max", "1.5").is_err());
    }

    #[test]
    fn a_stored_zone_is_read_as_settings_reads_it() {
        assert_eq!(zone_from(None), chrono_tz::Asia::Tokyo);
        assert_eq!(zone_from(Some(" Europe/London ")), chrono_tz::Europe::London);
        assert_eq!(zone_from(Some("Tokyo")), chrono_tz::Asia::Tokyo, "no longer a zone");
    }

    #[test]
    fn the_time_zone_is_tokyo_unless_set_to_a_real_zone() {
        let mut s = Settings::default();
        assert_eq!(s.get("time_zone").as_deref(), Some("Asia/Tokyo"));
        s.set("time_zone", " Europe/London ").unwrap();
        assert_eq!(s.time_zone, chrono_tz::Europe::London);
        let refused = s.set("time_zone", "Tokyo").unwrap_err();
        let crate::Error::Refused(said) = refused else {
            panic!("{refused:?}")
        };
        assert!(said.ja().contains("「Tokyo」は使えません"), "{}", said.ja());
        assert_eq!(s.time_zone, chrono_tz::Europe::London, "unchanged");
    }
}
