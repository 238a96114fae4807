//! The company's career-path catalogue from CSV
//! (`path_id,org_unit_id,title,description,skills,next_roles`), validated whole: every bad row is
//! named with its line, and a file with any problem changes nothing. Skills and next roles are
//! lists separated by `;`. UTF-8 or Excel's Shift_JIS (`crate::spreadsheet::decode`).

use std::collections::HashMap;

use taiwa_protocol::CareerPath;

use crate::directory::{Rows, valid_id};
use crate::spreadsheet::{self, CsvFile, Problem};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
pub const MAX_LIST_CHARS: usize = 1000;

/// Splits a `;`-separated list, dropping empty entries.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Checks one entry's fields; the problems are named by field, in English and in Japanese.
pub fn check(path: &CareerPath) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let text_ok = |t: &str, max: usize, newlines: bool| {
        t.chars().count() <= max && !t.chars().any(|c| c.is_control() && !(newlines && c == '\n'))
    };
    if !valid_id(&path.path_id) {
        problems.push((
            format!("'{}' is not a valid path id", path.path_id),
            format!(
                "「{}」はパスIDとして使えません（使えるのは英数字と - _ . の64文字まで）",
                path.path_id
            ),
        ));
    }
    if !valid_id(&path.org_unit_id) {
        problems.push((
            format!("'{}' is not a valid org unit id", path.org_unit_id),
            format!(
                "「{}」は組織IDとして使えません（使えるのは英数字と - _ . の64文字まで）",
                path.org_unit_id
            ),
        ));
    }
    if path.title.trim().is_empty() || !text_ok(&path.title, MAX_TITLE_CHARS, false) {
        problems.push((
            format!("the title must be 1 to {MAX_TITLE_CHARS} characters on one line"),
            format!("役割は1行で1〜{MAX_TITLE_CHARS}文字にしてください"),
        ));
    }
    if !text_ok(&path.description, MAX_DESCRIPTION_CHARS, true) {
        problems.push((
            format!("the description must be at most {MAX_DESCRIPTION_CHARS} characters"),
            format!("説明は{MAX_DESCRIPTION_CHARS}文字以内にしてください"),
        ));
    }
    for (name, ja, list) in [
        ("skills", "スキル", &path.skills),
        ("next_roles", "次の役割", &path.next_roles),
    ] {
        if !text_ok(&list.join(";"), MAX_LIST_CHARS, false) {
            problems.push((
                format!("{name} must be at most {MAX_LIST_CHARS} characters on one line"),
                format!("{ja}は1行で{MAX_LIST_CHARS}文字以内にしてください"),
            ));
        }
    }
    problems
}

/// Parses and checks the file's own rules (UTF-8 or Shift_JIS), returning the good rows and the
/// problems of the bad ones (each with its line); whether each unit exists is the store's check.
/// A description may hold line breaks, in quotes.
pub fn parse(bytes: &[u8]) -> Rows<CareerPath> {
    const FILE: CsvFile = CsvFile::CareerPaths;
    let read = spreadsheet::read(
        FILE,
        bytes,
        &["path_id", "org_unit_id", "title", "description", "skills", "next_roles"],
        true,
    )?;
    let mut problems = read.problems;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut paths = Vec::new();
    for (line, f) in read.rows {
        let path = CareerPath {
            path_id: f[0].clone(),
            org_unit_id: f[1].clone(),
            org_unit_name: String::new(),
            title: f[2].clone(),
            description: f[3].replace("\r\n", "\n"),
            skills: split_list(&f[4]),
            next_roles: split_list(&f[5]),
        };
        let found = check(&path);
        if !found.is_empty() {
            problems.extend(found.into_iter().map(|(en, ja)| Problem::new(FILE, line, en, ja)));
            continue;
        }
        if let Some(first) = seen.insert(path.path_id.clone(), line) {
            problems.push(Problem::new(
                FILE,
                line,
                format!("duplicate path id {} (first on line {first})", path.path_id),
                format!("パスID {} が重複しています（最初は{first}行目）", path.path_id),
            ));
            continue;
        }
        paths.push((line, path));
    }
    Ok((paths, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_parse_and_bad_ones_are_named() {
        let ok = "path_id,org_unit_id,title,description,skills,next_roles\nP1,O2,営業企画,\"顧客と\n市場を読む\",分析; 提案,マネージャー\n";
        let (paths, _) = parse(ok.as_bytes()).unwrap();
        assert_eq!(paths[0].1.skills, vec!["分析", "提案"]);
        assert_eq!(paths[0].1.description, "顧客と\n市場を読む");
        let bad = "path_id,org_unit_id,title,description,skills,next_roles\nP1,O2,,d,,\nP 2,O2,t,d,,\nP3,O2,t,d,,\nP3,O2,t,d,,\n";
        let (_, problems) = parse(bad.as_bytes()).unwrap();
        let problems: Vec<&str> = problems.iter().map(Problem::en).collect();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("line 2") && problems[0].contains("title"));
        assert!(problems[1].contains("line 3"));
        assert!(problems[2].contains("line 5") && problems[2].contains("duplicate"));
    }
}
