//! Engagement-survey scores from CSV (`org_unit_id,survey_month,item,score`), validated whole
//! like the directory: every bad row is named with its line, and a file with any problem changes
//! nothing.

use std::collections::HashMap;
use std::io::Read;

use taiwa_protocol::Month;

use crate::directory::{Rows, records, valid_id};

/// The longest survey item name.
pub const MAX_ITEM_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub org_unit_id: String,
    pub survey_month: Month,
    pub item: String,
    pub score: f64,
}

/// Parses and checks the file's own rules, returning the good rows and the problems of the bad
/// ones (each with its line); whether each unit exists is the store's check.
pub fn parse(reader: impl Read) -> Rows<Score> {
    let rows = records("survey", reader, &["org_unit_id", "survey_month", "item", "score"])?;
    let mut problems = Vec::new();
    let mut seen: HashMap<(String, Month, String), u64> = HashMap::new();
    let mut scores = Vec::new();
    for (line, f) in rows {
        let at = |what: String| (line, format!("survey, line {line}: {what}"));
        if !valid_id(&f[0]) {
            problems.push(at(format!("'{}' is not a valid org unit id", f[0])));
            continue;
        }
        let Ok(month) = f[1].parse::<Month>() else {
            problems.push(at(format!("'{}' is not a month (YYYY-MM)", f[1])));
            continue;
        };
        let item = f[2].clone();
        if item.is_empty() || item.chars().count() > MAX_ITEM_CHARS || item.chars().any(char::is_control) {
            problems.push(at(format!(
                "the item must be 1 to {MAX_ITEM_CHARS} characters without control characters"
            )));
            continue;
        }
        let score = match f[3].parse::<f64>() {
            Ok(s) if s.is_finite() && s.abs() <= 1_000_000.0 => s,
            _ => {
                problems.push(at(format!("'{}' is not a score (a number)", f[3])));
                continue;
            }
        };
        if let Some(first) = seen.insert((f[0].clone(), month, item.clone()), line) {
            problems.push(at(format!(
                "{} {month} '{item}' is given twice (first on line {first})",
                f[0]
            )));
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

    #[test]
    fn the_example_company_survey_parses() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/acme-5000/engagement.csv");
        let file = std::fs::File::open(path).expect("the example company is in the repository");
        let (scores, problems) = parse(file).unwrap();
        assert_eq!(scores.len(), 8016);
        assert!(problems.is_empty());
    }

    #[test]
    fn every_bad_row_is_named() {
        let csv = "org_unit_id,survey_month,item,score\nO1,2026-13,x,1\nO1,2026-04,,1\nO1,2026-04,x,abc\nO1,2026-04,x,1\nO1,2026-04,x,2\n";
        let (_, problems) = parse(csv.as_bytes()).unwrap();
        let problems: Vec<String> = problems.into_iter().map(|(_, p)| p).collect();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("line 2") && problems[0].contains("2026-13"));
        assert!(problems[1].contains("line 3"));
        assert!(problems[2].contains("line 4") && problems[2].contains("abc"));
        assert!(problems[3].contains("line 6") && problems[3].contains("first on line 5"));
    }
}
