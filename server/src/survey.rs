//! Engagement-survey scores from CSV (`org_unit_id,survey_month,item,score`), UTF-8 or Excel's
//! Shift_JIS, validated whole like the directory: every bad row is named with its line (a score
//! outside the survey's scale too), and a file with any problem changes nothing.

use std::collections::HashMap;

use taiwa_protocol::Month;

use crate::directory::{Rows, valid_id};
use crate::spreadsheet::{self, CsvFile, Problem};

/// The longest survey item name.
pub const MAX_ITEM_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub org_unit_id: String,
    pub survey_month: Month,
    pub item: String,
    pub score: f64,
}

/// The lowest and highest score of the survey (HR's settings `survey_scale_min` and
/// `survey_scale_max`); a score outside them is a mistyped or misplaced value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub min: u32,
    pub max: u32,
}

impl Scale {
    fn holds(self, score: f64) -> bool {
        (f64::from(self.min)..=f64::from(self.max)).contains(&score)
    }
}

/// Parses and checks the file's own rules, returning the good rows and the problems of the bad
/// ones (each with its line); whether each unit exists is the store's check.
pub fn parse(bytes: &[u8], scale: Scale) -> Rows<Score> {
    const FILE: CsvFile = CsvFile::Survey;
    let read = spreadsheet::read(FILE, bytes, &["org_unit_id", "survey_month", "item", "score"], false)?;
    let mut problems = read.problems;
    let mut seen: HashMap<(String, Month, String), u64> = HashMap::new();
    let mut scores = Vec::new();
    for (line, f) in read.rows {
        let at = |en: String, ja: String| Problem::new(FILE, line, en, ja);
        if !valid_id(&f[0]) {
            problems.push(at(
                format!("'{}' is not a valid org unit id", f[0]),
                format!(
                    "「{}」は組織IDとして使えません（使えるのは英数字と - _ . の64文字まで）",
                    f[0]
                ),
            ));
            continue;
        }
        let Ok(month) = f[1].parse::<Month>() else {
            problems.push(at(
                format!("'{}' is not a month (YYYY-MM)", f[1]),
                format!("「{}」は年月（YYYY-MM）ではありません", f[1]),
            ));
            continue;
        };
        let item = f[2].clone();
        if item.is_empty() || item.chars().count() > MAX_ITEM_CHARS || item.chars().any(char::is_control) {
            problems.push(at(
                format!("the item must be 1 to {MAX_ITEM_CHARS} characters without control characters"),
                format!("設問は1〜{MAX_ITEM_CHARS}文字で、制御文字を含まないようにしてください"),
            ));
            continue;
        }
        let score = match f[3].parse::<f64>() {
            Ok(s) if s.is_finite() && s.abs() <= 1_000_000.0 => s,
            _ => {
                problems.push(at(
                    format!("'{}' is not a score (a number)", f[3]),
                    format!("「{}」はスコア（数値）ではありません", f[3]),
                ));
                continue;
            }
        };
        if !scale.holds(score) {
            let (min, max) = (scale.min, scale.max);
            problems.push(at(
                format!(
                    "the score {} is outside the survey's scale, {min} to {max} (the scale is set on the settings page)",
                    f[3]
                ),
                format!(
                    "スコア {} が調査の尺度（{min}〜{max}）の外にあります（尺度は設定ページで変えられます）",
                    f[3]
                ),
            ));
            continue;
        }
        if let Some(first) = seen.insert((f[0].clone(), month, item.clone()), line) {
            problems.push(at(
                format!("{} {month} '{item}' is given twice (first on line {first})", f[0]),
                format!("{} の {month}「{item}」が2回あります（最初は{first}行目）", f[0]),
            ));
            continue;
        }
        scores.push((
            line,
            Score {
                org_unit_id: f[0].clone(),
                survey_month: month,
                item,
                score,
            },
        ));
    }
    Ok((scores, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUNDRED: Scale = Scale { min: 0, max: 100 };

    #[test]
    fn the_example_company_survey_parses() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/acme-5000/engagement.csv");
        let bytes = std::fs::read(path).expect("the example company is in the repository");
        let (scores, problems) = parse(&bytes, HUNDRED).unwrap();
        assert_eq!(scores.len(), 8016);
        assert!(problems.is_empty());
    }

    #[test]
    fn every_bad_row_is_named() {
        let csv = "org_unit_id,survey_month,item,score\nO1,2026-13,x,1\nO1,2026-04,,1\nO1,2026-04,x,abc\nO1,2026-04,x,1\nO1,2026-04,x,2\n";
        let (_, problems) = parse(csv.as_bytes(), HUNDRED).unwrap();
        let problems: Vec<&str> = problems.iter().map(Problem::en).collect();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("line 2") && problems[0].contains("2026-13"));
        assert!(problems[1].contains("line 3"));
        assert!(problems[2].contains("line 4") && problems[2].contains("abc"));
        assert!(problems[3].contains("line 6") && problems[3].contains("first on line 5"));
    }

    #[test]
    fn scores_outside_the_scale_are_refused_with_their_line() {
        let csv = "org_unit_id,survey_month,item,score\nO1,2026-04,x,5\nO1,2026-04,y,1\nO2,2026-04,x,0.9\nO3,2026-04,x,5.1\nO4,2026-04,x,42\n";
        let (scores, problems) = parse(csv.as_bytes(), Scale { min: 1, max: 5 }).unwrap();
        assert_eq!(scores.len(), 2, "the ends of the scale are in it");
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [4, 5, 6]);
        assert!(
            problems[2]
                .en()
                .contains("the score 42 is outside the survey's scale, 1 to 5"),
            "{problems:?}"
        );
        assert_eq!(
            problems[0].ja(),
            "調査ファイルの4行目：スコア 0.9 が調査の尺度（1〜5）の外にあります（尺度は設定ページで変えられます）"
        );
    }
}
