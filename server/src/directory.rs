//! The company directory from two CSV files, validated whole before anything is stored.
//!
//! `org_unit_id,name,parent_id` and `employee_id,name,email,org_unit_id,manager_id`, UTF-8 with a
//! header row. Every bad row is reported with its file and line number; an import with any problem
//! changes nothing.

use std::collections::{HashMap, HashSet};
use std::io::Read;

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
/// line; or, for a file that cannot be read at all (a wrong header), its problems.
pub type Rows<T> = Result<(Vec<(u64, T)>, Vec<(u64, String)>), Vec<String>>;

pub(crate) fn records(file: &str, reader: impl Read, header: &[&str]) -> Result<Vec<(u64, Vec<String>)>, Vec<String>> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(reader);
    let mut problems = Vec::new();
    match csv.headers() {
        Ok(found) => {
            let found: Vec<&str> = found.iter().map(|h| h.trim_start_matches('\u{feff}').trim()).collect();
            if found != header {
                return Err(vec![format!(
                    "{file}, line 1: the header must be '{}', found '{}'",
                    header.join(","),
                    found.join(",")
                )]);
            }
        }
        Err(e) => return Err(vec![format!("{file}, line 1: {}", describe(&e))]),
    }
    let mut rows = Vec::new();
    for result in csv.records() {
        match result {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                if record.len() != header.len() {
                    problems.push(format!(
                        "{file}, line {line}: expected {} fields, found {}",
                        header.len(),
                        record.len()
                    ));
                    continue;
                }
                rows.push((line, record.iter().map(|f| f.trim().to_owned()).collect()));
            }
            Err(e) => problems.push(format!(
                "{file}, line {}: {}",
                e.position().map_or(0, |p| p.line()),
                describe(&e)
            )),
        }
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

fn describe(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the file is not valid UTF-8".into(),
        _ => e.to_string(),
    }
}

/// Employee, org unit and path ids: the same alphabet as the app sends (`taiwa_domain::is_employee_id`).
pub(crate) fn valid_id(id: &str) -> bool {
    taiwa_domain::is_employee_id(id)
}

/// Parses and validates both files; every problem is listed.
pub fn parse(org_units: impl Read, employees: impl Read) -> Result<Directory, Vec<String>> {
    let mut problems = Vec::new();
    let org_rows = records("org units", org_units, &["org_unit_id", "name", "parent_id"]);
    let emp_rows = records(
        "employees",
        employees,
        &["employee_id", "name", "email", "org_unit_id", "manager_id"],
    );
    let (org_rows, emp_rows) = match (org_rows, emp_rows) {
        (Ok(o), Ok(e)) => (o, e),
        (o, e) => {
            problems.extend(o.err().unwrap_or_default());
            problems.extend(e.err().unwrap_or_default());
            return Err(problems);
        }
    };

    let mut org_line: HashMap<String, u64> = HashMap::new();
    let mut org_units = Vec::new();
    for (line, f) in &org_rows {
        let (id, name, parent) = (&f[0], &f[1], &f[2]);
        if !valid_id(id) {
            problems.push(format!("org units, line {line}: '{id}' is not a valid org unit id"));
            continue;
        }
        if name.is_empty() {
            problems.push(format!("org units, line {line}: the name of {id} is empty"));
        }
        if name.chars().any(char::is_control) {
            problems.push(format!(
                "org units, line {line}: the name of {id} contains a control character"
            ));
        }
        if let Some(first) = org_line.insert(id.clone(), *line) {
            problems.push(format!(
                "org units, line {line}: duplicate org unit id {id} (first on line {first})"
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
        {
            problems.push(format!(
                "org units, line {line}: unknown parent_id {parent} of {}",
                unit.id
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
                    problems.push(format!(
                        "org units, line {}: {} is its own ancestor (a cycle of parents)",
                        org_line[&unit.id], unit.id
                    ));
                }
                break;
            }
            at = parent_of.get(id).copied().flatten();
        }
    }

    let mut emp_line: HashMap<String, u64> = HashMap::new();
    let mut employees = Vec::new();
    for (line, f) in &emp_rows {
        let (id, name, email, org, manager) = (&f[0], &f[1], &f[2], &f[3], &f[4]);
        if !valid_id(id) {
            problems.push(format!("employees, line {line}: '{id}' is not a valid employee id"));
            continue;
        }
        if name.is_empty() {
            problems.push(format!("employees, line {line}: the name of {id} is empty"));
        }
        if name.chars().any(char::is_control) {
            problems.push(format!(
                "employees, line {line}: the name of {id} contains a control character"
            ));
        }
        if !taiwa_domain::is_email(email) {
            problems.push(format!("employees, line {line}: '{email}' is not an email address"));
        }
        if !org_line.contains_key(org) {
            problems.push(format!("employees, line {line}: unknown org_unit_id {org} of {id}"));
        }
        if manager == id {
            problems.push(format!("employees, line {line}: {id} cannot be their own manager"));
        }
        if let Some(first) = emp_line.insert(id.clone(), *line) {
            problems.push(format!(
                "employees, line {line}: duplicate employee id {id} (first on line {first})"
            ));
            continue;
        }
        employees.push(Employee {
            id: id.clone(),
            name: name.clone(),
            email: email.clone(),
            org_unit: org.clone(),
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
        {
            problems.push(format!(
                "employees, line {}: unknown manager_id {m} of {}",
                emp_line[&e.id], e.id
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
                    problems.push(format!(
                        "employees, line {}: {} manages themselves through others (a cycle of managers)",
                        emp_line[&e.id], e.id
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
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_company_is_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/acme-5000");
        let orgs = std::fs::File::open(dir.join("org_units.csv")).unwrap();
        let emps = std::fs::File::open(dir.join("employees.csv")).unwrap();
        let directory = parse(orgs, emps).unwrap();
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
            assert!(
                problems.iter().any(|p| p.starts_with(e)),
                "missing '{e}' in {problems:#?}"
            );
        }
        assert_eq!(problems.len(), expected.len() + 1, "{problems:#?}"); // E6 is in the E5 cycle too
    }

    #[test]
    fn wrong_headers_and_bad_utf8_are_named() {
        let problems = parse(
            "id,name\n".as_bytes(),
            "employee_id,name,email,org_unit_id,manager_id\n".as_bytes(),
        )
        .unwrap_err();
        assert!(
            problems[0].contains("the header must be 'org_unit_id,name,parent_id'"),
            "{problems:?}"
        );
        let bad = b"org_unit_id,name,parent_id\nO1,\xff\xfe,\n";
        let problems = parse(&bad[..], "employee_id,name,email,org_unit_id,manager_id\n".as_bytes()).unwrap_err();
        assert!(
            problems[0].contains("line 2") && problems[0].contains("not valid UTF-8"),
            "{problems:?}"
        );
    }
}
