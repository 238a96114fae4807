//! The company directory from two CSV files, validated whole before anything is stored.
//!
//! `org_unit_id,name,parent_id` and `employee_id,name,email,org_unit_id,manager_id` (and optionally
//! `reading`, how the name is read), UTF-8 or
//! Excel's Shift_JIS, with a header row. Every bad row is reported with its file and line number
//! (a broken quote is a problem of its line, and reading carries on); an import with any problem
//! changes nothing. `changes` says what an import would change, for its preview.

use std::collections::{HashMap, HashSet};

use crate::spreadsheet::{self, CsvFile, Problem};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employee {
    pub id: String,
    pub name: String,
    /// How the name is read (ふりがな), when the file says.
    pub reading: Option<String>,
    pub email: String,
    pub org_unit: String,
    pub manager: Option<String>,
}

/// A validated directory.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub org_units: Vec<OrgUnit>,
    pub employees: Vec<Employee>,
}

/// A CSV upload read row by row: the good rows and the problems of the bad ones, each with its
/// line; or, for a file that cannot be read at all (its encoding, a wrong header), its problems.
pub type Rows<T> = Result<(Vec<(u64, T)>, Vec<Problem>), Vec<Problem>>;

/// Employee, org unit and path ids: the same alphabet as the app sends (`taiwa_domain::is_employee_id`).
pub(crate) fn valid_id(id: &str) -> bool {
    taiwa_domain::is_employee_id(id)
}

/// Parses and validates both files (UTF-8 or Shift_JIS, `crate::spreadsheet::decode`); every
/// problem of either file is listed, each with its file and line.
pub fn parse(org_units: &[u8], employees: &[u8]) -> Result<Directory, Vec<Problem>> {
    let (org, emp) = (CsvFile::OrgUnits, CsvFile::Employees);
    let mut problems = Vec::new();
    let org_rows = spreadsheet::read(org, org_units, &["org_unit_id", "name", "parent_id"], false);
    // An optional last column, `reading`: how the name is read (ふりがな).
    let emp_rows = spreadsheet::read_with_optional(
        emp,
        employees,
        &["employee_id", "name", "email", "org_unit_id", "manager_id"],
        &["reading"],
        false,
    );
    let (org_rows, emp_rows) = match (org_rows, emp_rows) {
        (Ok(o), Ok(e)) => (o, e),
        (o, e) => {
            problems.extend(o.err().unwrap_or_default());
            problems.extend(e.err().unwrap_or_default());
            return Err(problems);
        }
    };
    problems.extend(org_rows.problems);
    problems.extend(emp_rows.problems);

    let mut org_line: HashMap<String, u64> = HashMap::new();
    let mut org_units = Vec::new();
    for (line, f) in &org_rows.rows {
        let (line, id, name, parent) = (*line, &f[0], &f[1], &f[2]);
        if !valid_id(id) {
            problems.push(Problem::new(
                org,
                line,
                format!("'{id}' is not a valid org unit id"),
                format!("「{id}」は組織IDとして使えません（使えるのは英数字と - _ . の64文字まで）"),
            ));
            continue;
        }
        name_problems(&mut problems, org, line, id, name);
        if let Some(first) = org_line.insert(id.clone(), line) {
            problems.push(Problem::new(
                org,
                line,
                format!("duplicate org unit id {id} (first on line {first})"),
                format!("組織ID {id} が重複しています（最初は{first}行目）"),
            ));
            continue;
        }
        org_units.push(OrgUnit {
            id: id.clone(),
            name: name.clone(),
            parent: (!parent.is_empty()).then(|| parent.clone()),
        });
    }
    let parent_of: HashMap<&str, Option<&str>> =
        org_units.iter().map(|o| (o.id.as_str(), o.parent.as_deref())).collect();
    for unit in &org_units {
        let line = org_line[&unit.id];
        if let Some(parent) = &unit.parent
            && !parent_of.contains_key(parent.as_str())
            && !org_rows.broken_ids.contains(parent)
        {
            problems.push(Problem::new(
                org,
                line,
                format!("unknown parent_id {parent} of {}", unit.id),
                format!("{} の親組織ID（parent_id）{parent} がこのファイルにありません", unit.id),
            ));
        }
    }
    // A cycle: following parents from a unit comes back to it.
    let mut in_cycle = HashSet::new();
    for unit in &org_units {
        let mut seen = HashSet::new();
        let mut at = Some(unit.id.as_str());
        while let Some(id) = at {
            if !seen.insert(id) {
                if id == unit.id && in_cycle.insert(unit.id.clone()) {
                    problems.push(Problem::new(
                        org,
                        org_line[&unit.id],
                        format!("{} is its own ancestor (a cycle of parents)", unit.id),
                        format!(
                            "{} が自分自身の上位組織になっています（親組織が循環しています）",
                            unit.id
                        ),
                    ));
                }
                break;
            }
            at = parent_of.get(id).copied().flatten();
        }
    }

    let mut emp_line: HashMap<String, u64> = HashMap::new();
    let mut employees = Vec::new();
    for (line, f) in &emp_rows.rows {
        let (line, id, name, email, org_unit, manager) = (*line, &f[0], &f[1], &f[2], &f[3], &f[4]);
        let reading = f.get(5).filter(|r| !r.is_empty());
        if reading.is_some_and(|r| r.chars().any(char::is_control) || r.chars().count() > 200) {
            problems.push(Problem::new(
                emp,
                line,
                format!("the reading of {id} must be at most 200 characters, without control characters"),
                format!("{id} の読み（reading）は制御文字を含まない200文字以内にしてください"),
            ));
        }
        if !valid_id(id) {
            problems.push(Problem::new(
                emp,
                line,
                format!("'{id}' is not a valid employee id"),
                format!("「{id}」は社員IDとして使えません（使えるのは英数字と - _ . の64文字まで）"),
            ));
            continue;
        }
        name_problems(&mut problems, emp, line, id, name);
        if !taiwa_domain::is_email(email) {
            problems.push(Problem::new(
                emp,
                line,
                format!("'{email}' is not an email address"),
                format!("「{email}」はメールアドレスではありません"),
            ));
        }
        if !org_line.contains_key(org_unit) && !org_rows.broken_ids.contains(org_unit) {
            problems.push(Problem::new(
                emp,
                line,
                format!("unknown org_unit_id {org_unit} of {id}"),
                format!("{id} の組織ID（org_unit_id）{org_unit} が組織ファイルにありません"),
            ));
        }
        if manager == id {
            problems.push(Problem::new(
                emp,
                line,
                format!("{id} cannot be their own manager"),
                format!("{id} が自分自身の上司になっています"),
            ));
        }
        if let Some(first) = emp_line.insert(id.clone(), line) {
            problems.push(Problem::new(
                emp,
                line,
                format!("duplicate employee id {id} (first on line {first})"),
                format!("社員ID {id} が重複しています（最初は{first}行目）"),
            ));
            continue;
        }
        employees.push(Employee {
            id: id.clone(),
            name: name.clone(),
            reading: reading.cloned(),
            email: email.clone(),
            org_unit: org_unit.clone(),
            manager: (!manager.is_empty()).then(|| manager.clone()),
        });
    }
    let manager_of: HashMap<&str, Option<&str>> = employees
        .iter()
        .map(|e| (e.id.as_str(), e.manager.as_deref()))
        .collect();
    for e in &employees {
        if let Some(m) = &e.manager
            && !manager_of.contains_key(m.as_str())
            && !emp_rows.broken_ids.contains(m)
        {
            problems.push(Problem::new(
                emp,
                emp_line[&e.id],
                format!("unknown manager_id {m} of {}", e.id),
                format!("{} の上司ID（manager_id）{m} がこのファイルにありません", e.id),
            ));
        }
    }
    let mut reported = HashSet::new();
    for e in &employees {
        let mut seen = HashSet::new();
        let mut at = Some(e.id.as_str());
        while let Some(id) = at {
            if !seen.insert(id) {
                if id == e.id && e.manager.as_deref() != Some(e.id.as_str()) && reported.insert(e.id.clone()) {
                    problems.push(Problem::new(
                        emp,
                        emp_line[&e.id],
                        format!("{} manages themselves through others (a cycle of managers)", e.id),
                        format!(
                            "{} が他の人を通じて自分自身の上司になっています（上司の関係が循環しています）",
                            e.id
                        ),
                    ));
                }
                break;
            }
            at = manager_of.get(id).copied().flatten();
        }
    }
    if problems.is_empty() {
        Ok(Directory { org_units, employees })
    } else {
        // Each file's problems in the order of its lines.
        problems.sort_by_key(|p| (p.file, p.line));
        Err(problems)
    }
}

fn name_problems(problems: &mut Vec<Problem>, file: CsvFile, line: u64, id: &str, name: &str) {
    if name.is_empty() {
        problems.push(Problem::new(
            file,
            line,
            format!("the name of {id} is empty"),
            format!("{id} の名前が空です"),
        ));
    }
    if name.chars().any(char::is_control) {
        problems.push(Problem::new(
            file,
            line,
            format!("the name of {id} contains a control character"),
            format!("{id} の名前に制御文字が含まれています"),
        ));
    }
}

/// One row of what a directory import would change: who or which unit, and what it was and
/// becomes (a name, a unit, a manager; empty where there is none).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub id: String,
    pub name: String,
    pub before: String,
    pub after: String,
}

/// What importing a directory would change in the current one, each list sorted by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Changes {
    pub units_before: usize,
    pub units_after: usize,
    pub people_before: usize,
    pub people_after: usize,
    /// After: the parent's name.
    pub units_added: Vec<Change>,
    /// Before and after: the unit's names.
    pub units_renamed: Vec<Change>,
    /// Before and after: the parents' names.
    pub units_moved: Vec<Change>,
    /// Before: the parent's name.
    pub units_removed: Vec<Change>,
    /// After: the unit's name.
    pub people_added: Vec<Change>,
    /// Before and after: the units' names.
    pub people_moved: Vec<Change>,
    /// Before and after: the managers' names.
    pub managers_changed: Vec<Change>,
    /// Before: the unit's name.
    pub people_removed: Vec<Change>,
    /// A name or an email changed: before and after, that name or email.
    pub details_changed: Vec<Change>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.units_added.is_empty()
            && self.units_renamed.is_empty()
            && self.units_moved.is_empty()
            && self.units_removed.is_empty()
            && self.people_added.is_empty()
            && self.people_moved.is_empty()
            && self.managers_changed.is_empty()
            && self.people_removed.is_empty()
            && self.details_changed.is_empty()
    }
}

/// What replacing the `current` directory with `new` changes (a pure function of the two).
pub fn changes(current: &Directory, new: &Directory) -> Changes {
    let units =
        |d: &Directory| -> HashMap<String, OrgUnit> { d.org_units.iter().map(|o| (o.id.clone(), o.clone())).collect() };
    let people = |d: &Directory| -> HashMap<String, Employee> {
        d.employees.iter().map(|e| (e.id.clone(), e.clone())).collect()
    };
    let (old_units, new_units) = (units(current), units(new));
    let (old_people, new_people) = (people(current), people(new));
    let unit_name = |all: &HashMap<String, OrgUnit>, id: Option<&String>| {
        id.map(|id| all.get(id).map_or_else(|| id.clone(), |u| u.name.clone()))
            .unwrap_or_default()
    };
    let person_name = |all: &HashMap<String, Employee>, id: Option<&String>| {
        id.map(|id| all.get(id).map_or_else(|| id.clone(), |e| e.name.clone()))
            .unwrap_or_default()
    };
    let change = |id: &str, name: &str, before: String, after: String| Change {
        id: id.to_owned(),
        name: name.to_owned(),
        before,
        after,
    };
    let mut c = Changes {
        units_before: old_units.len(),
        units_after: new_units.len(),
        people_before: old_people.len(),
        people_after: new_people.len(),
        ..Changes::default()
    };
    for u in &new.org_units {
        let parent = unit_name(&new_units, u.parent.as_ref());
        match old_units.get(&u.id) {
            None => c.units_added.push(change(&u.id, &u.name, String::new(), parent)),
            Some(old) => {
                if old.name != u.name {
                    c.units_renamed
                        .push(change(&u.id, &u.name, old.name.clone(), u.name.clone()));
                }
                if old.parent != u.parent {
                    let before = unit_name(&old_units, old.parent.as_ref());
                    c.units_moved.push(change(&u.id, &u.name, before, parent));
                }
            }
        }
    }
    for u in &current.org_units {
        if !new_units.contains_key(&u.id) {
            let parent = unit_name(&old_units, u.parent.as_ref());
            c.units_removed.push(change(&u.id, &u.name, parent, String::new()));
        }
    }
    for e in &new.employees {
        let unit = unit_name(&new_units, Some(&e.org_unit));
        let Some(old) = old_people.get(&e.id) else {
            c.people_added.push(change(&e.id, &e.name, String::new(), unit));
            continue;
        };
        if old.org_unit != e.org_unit {
            let before = unit_name(&old_units, Some(&old.org_unit));
            c.people_moved.push(change(&e.id, &e.name, before, unit));
        }
        if old.manager != e.manager {
            let before = person_name(&old_people, old.manager.as_ref());
            let after = person_name(&new_people, e.manager.as_ref());
            c.managers_changed.push(change(&e.id, &e.name, before, after));
        }
        if old.name != e.name {
            c.details_changed
                .push(change(&e.id, &e.name, old.name.clone(), e.name.clone()));
        }
        if old.email != e.email {
            c.details_changed
                .push(change(&e.id, &e.name, old.email.clone(), e.email.clone()));
        }
    }
    for e in &current.employees {
        if !new_people.contains_key(&e.id) {
            let unit = unit_name(&old_units, Some(&e.org_unit));
            c.people_removed.push(change(&e.id, &e.name, unit, String::new()));
        }
    }
    for list in [
        &mut c.units_added,
        &mut c.units_renamed,
        &mut c.units_moved,
        &mut c.units_removed,
        &mut c.people_added,
        &mut c.people_moved,
        &mut c.managers_changed,
        &mut c.people_removed,
        &mut c.details_changed,
    ] {
        list.sort_by(|a, b| a.id.cmp(&b.id));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPLOYEES_HEADER: &str = "employee_id,name,email,org_unit_id,manager_id\n";

    fn en(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(Problem::en).collect()
    }

    #[test]
    fn the_example_company_is_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/acme-5000");
        let orgs = std::fs::read(dir.join("org_units.csv")).unwrap();
        let emps = std::fs::read(dir.join("employees.csv")).unwrap();
        let directory = parse(&orgs, &emps).unwrap();
        assert_eq!(directory.employees.len(), 5000);
        assert!(directory.org_units.len() > 100);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let orgs = "org_unit_id,name,parent_id\nO1,本社,\nO2,営業部,O1\nO2,重複,O1\nO3,孤児,O9\nO4,A,O5\nO5,B,O4\n";
        let emps = "employee_id,name,email,org_unit_id,manager_id\n\
                    E1,木村 葵,aoi@example.co.jp,O1,\n\
                    E2,山本,not-an-email,O2,E1\n\
                    E3,鈴木,s@example.co.jp,O7,E1\n\
                    E4,田中,t@example.co.jp,O2,E8\n\
                    E1,重複,d@example.co.jp,O1,\n\
                    E5,A,a@example.co.jp,O2,E6\n\
                    E6,B,b@example.co.jp,O2,E5\n\
                    E7,C,c@example.co.jp,O2,E7\n";
        let problems = parse(orgs.as_bytes(), emps.as_bytes()).unwrap_err();
        let texts = en(&problems);
        let expected = [
            "org units, line 4: duplicate org unit id O2 (first on line 3)",
            "org units, line 5: unknown parent_id O9 of O3",
            "org units, line 6: O4 is its own ancestor",
            "org units, line 7: O5 is its own ancestor",
            "employees, line 3: 'not-an-email' is not an email address",
            "employees, line 4: unknown org_unit_id O7 of E3",
            "employees, line 5: unknown manager_id E8 of E4",
            "employees, line 6: duplicate employee id E1 (first on line 2)",
            "employees, line 7: E5 manages themselves through others",
            "employees, line 9: E7 cannot be their own manager",
        ];
        for e in expected {
            assert!(texts.iter().any(|p| p.starts_with(e)), "missing '{e}' in {texts:#?}");
        }
        assert_eq!(problems.len(), expected.len() + 1, "{texts:#?}"); // E6 is in the E5 cycle too
        // In the order of the files and their lines, and in Japanese too.
        let order: Vec<(CsvFile, u64)> = problems.iter().map(|p| (p.file, p.line)).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        assert!(
            problems
                .iter()
                .any(|p| p.ja() == "社員ファイルの5行目：E4 の上司ID（manager_id）E8 がこのファイルにありません"),
            "{:#?}",
            problems.iter().map(Problem::ja).collect::<Vec<_>>()
        );
    }

    #[test]
    fn wrong_headers_and_unreadable_bytes_are_named_once() {
        let problems = parse("id,name\n".as_bytes(), EMPLOYEES_HEADER.as_bytes()).unwrap_err();
        assert!(
            problems[0]
                .en()
                .contains("the header must be 'org_unit_id,name,parent_id'"),
            "{problems:?}"
        );
        // Neither UTF-8 nor Shift_JIS (0xFF is neither): one problem for the file, saying what to do.
        let mut bad = b"org_unit_id,name,parent_id\n".to_vec();
        for i in 0..500 {
            bad.extend_from_slice(format!("O{i},").as_bytes());
            bad.extend_from_slice(b"\xff\xfe,\n");
        }
        let problems = parse(&bad, EMPLOYEES_HEADER.as_bytes()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].en().contains("neither UTF-8 nor Shift_JIS"), "{problems:?}");
        assert!(problems[0].ja().contains("CSV UTF-8 (コンマ区切り)"), "{problems:?}");
    }

    #[test]
    fn a_broken_quote_is_a_problem_of_its_line_and_the_rest_is_still_read() {
        let orgs = "org_unit_id,name,parent_id\nO1,本社,\nO2,営業部,O1\nO3,技術部,O1\n";
        // Line 3: a quote never closed (E03's name); line 7: not an email. E06–E08 report to E03:
        // their manager is the broken line's, not a third problem.
        let emps = "employee_id,name,email,org_unit_id,manager_id\n\
                    E01,木村 葵,e01@example.co.jp,O1,\n\
                    E03,\"鈴木 由美,e03@example.co.jp,O3,E01\n\
                    E04,山田 悠真,e04@example.co.jp,O2,E01\n\
                    E05,佐藤 花子,e05@example.co.jp,O2,E01\n\
                    E06,田中 誠,e06@example.co.jp,O3,E03\n\
                    E07,伊藤 健,not-an-email,O3,E03\n\
                    E08,渡辺 結衣,e08@example.co.jp,O3,E03\n";
        let problems = parse(orgs.as_bytes(), emps.as_bytes()).unwrap_err();
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 7], "{:#?}", en(&problems));
        assert!(en(&problems)[0].contains("quote"), "{problems:?}");
        assert!(
            problems[0].ja().starts_with("社員ファイルの3行目：引用符"),
            "{problems:?}"
        );
        // Two broken quotes, one on the last line without a line break.
        let orgs = "org_unit_id,name,parent_id\nO1,\"本社,\nO2,営業部,O1\nO3,\"技術部,O1";
        let problems = parse(orgs.as_bytes(), EMPLOYEES_HEADER.as_bytes()).unwrap_err();
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 4], "{:#?}", en(&problems));
        // A quoted field that closes is read as before, commas and doubled quotes included.
        let orgs = "org_unit_id,name,parent_id\r\nO1,\"本社, \"\"東京\"\"\",\r\n";
        let directory = parse(orgs.as_bytes(), EMPLOYEES_HEADER.as_bytes()).unwrap();
        assert_eq!(directory.org_units[0].name, "本社, \"東京\"");
    }

    #[test]
    fn excel_shift_jis_reads_as_utf8_does() {
        let orgs = "org_unit_id,name,parent_id\r\nO1,本社,\r\nO2,髙橋ｶﾝﾊﾟﾆｰ①,O1\r\n";
        let emps = "employee_id,name,email,org_unit_id,manager_id\r\nE1,𠮷田 太郎,e1@example.co.jp,O1,\r\nE2,﨑山 花子,e2@example.co.jp,O2,E1\r\n";
        let utf8 = parse(orgs.as_bytes(), emps.as_bytes());
        // 𠮷 is not in CP932: Excel writes "?" for it, so the Shift_JIS file has another name.
        let emps_sjis = emps.replace('𠮷', "吉");
        let (orgs_bytes, _, lossy) = encoding_rs::SHIFT_JIS.encode(orgs);
        assert!(!lossy);
        let (emps_bytes, _, lossy) = encoding_rs::SHIFT_JIS.encode(&emps_sjis);
        assert!(!lossy);
        let sjis = parse(&orgs_bytes, &emps_bytes).unwrap();
        assert_eq!(sjis.org_units, utf8.as_ref().unwrap().org_units);
        assert_eq!(sjis.employees[1].name, "﨑山 花子");
        assert_eq!(sjis.employees[0].name, "吉田 太郎");
        // UTF-8 with Excel's byte-order mark.
        let bom = [b"\xEF\xBB\xBF".as_slice(), orgs.as_bytes()].concat();
        assert_eq!(parse(&bom, emps.as_bytes()).unwrap().org_units, sjis.org_units);
    }

    #[test]
    fn a_damaged_utf8_file_is_named_with_its_line_not_read_as_shift_jis() {
        let mut orgs = "org_unit_id,name,parent_id\nO1,本社,\nO2,営業部,O1\n"
            .as_bytes()
            .to_vec();
        orgs.extend_from_slice(b"O3,\xE6\x8A,O1\n");
        let problems = parse(&orgs, EMPLOYEES_HEADER.as_bytes()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 4);
        assert!(problems[0].en().contains("not UTF-8"), "{problems:?}");
    }

    #[test]
    fn changes_name_what_an_import_adds_moves_and_removes() {
        let before = parse(
            "org_unit_id,name,parent_id\nO1,本社,\nO2,営業部,O1\nO3,技術部,O1\nO4,総務部,O1\n".as_bytes(),
            "employee_id,name,email,org_unit_id,manager_id\nE1,木村,e1@x.jp,O1,\nE2,山本,e2@x.jp,O2,E1\nE3,鈴木,e3@x.jp,O3,E1\nE4,田中,e4@x.jp,O3,E3\nE5,佐藤,e5@x.jp,O4,E1\n".as_bytes(),
        )
        .unwrap();
        let after = parse(
            "org_unit_id,name,parent_id\nO1,本社,\nO2,第一営業部,O1\nO3,技術部,O2\nO5,企画部,O1\n".as_bytes(),
            "employee_id,name,email,org_unit_id,manager_id\nE1,木村,e1@x.jp,O1,\nE2,山本,e2@x.jp,O2,E1\nE3,鈴木,suzuki@x.jp,O3,E1\nE4,田中,e4@x.jp,O2,E2\nE6,伊藤,e6@x.jp,O5,E1\n".as_bytes(),
        )
        .unwrap();
        let c = changes(&before, &after);
        let ids = |l: &[Change]| l.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&c.units_added), ["O5"]);
        assert_eq!(c.units_added[0].after, "本社");
        assert_eq!(ids(&c.units_renamed), ["O2"]);
        assert_eq!(
            (c.units_renamed[0].before.as_str(), c.units_renamed[0].after.as_str()),
            ("営業部", "第一営業部")
        );
        assert_eq!(ids(&c.units_moved), ["O3"]);
        assert_eq!(
            (c.units_moved[0].before.as_str(), c.units_moved[0].after.as_str()),
            ("本社", "第一営業部")
        );
        assert_eq!(ids(&c.units_removed), ["O4"]);
        assert_eq!(ids(&c.people_added), ["E6"]);
        assert_eq!(ids(&c.people_moved), ["E4"]);
        assert_eq!(
            (c.people_moved[0].before.as_str(), c.people_moved[0].after.as_str()),
            ("技術部", "第一営業部")
        );
        assert_eq!(ids(&c.managers_changed), ["E4"]);
        assert_eq!(
            (
                c.managers_changed[0].before.as_str(),
                c.managers_changed[0].after.as_str()
            ),
            ("鈴木", "山本")
        );
        assert_eq!(ids(&c.people_removed), ["E5"]);
        assert_eq!(ids(&c.details_changed), ["E3"]);
        assert_eq!(
            (c.units_before, c.units_after, c.people_before, c.people_after),
            (4, 4, 5, 5)
        );
        assert!(changes(&after, &after).is_empty());
    }
}
