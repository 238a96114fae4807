//! The directory and its history: every row is valid from one month to another, so a past month
//! keeps the org tree and the pairs it had.

use std::collections::{BTreeMap, HashMap, HashSet};

use taiwa_protocol::Month;

use super::month_index;
use crate::Error;
use crate::db::{Conn, Pool, V};
use crate::directory::{Changes, Directory, Employee, OrgUnit};

const VALID_IN: &str = "valid_from <= $1 AND (valid_to IS NULL OR valid_to >= $1)";

/// What an import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary {
    pub org_units: usize,
    pub employees: usize,
    /// Rows that differ from the directory before (new, changed or gone).
    pub changes: usize,
    /// The month from which this directory applies; earlier months keep their pairs.
    pub effective_from: Option<Month>,
}

/// The share of current employees or units an import may remove before it must be confirmed
/// (`--allow-shrink`): more looks like a truncated or wrong file, which would empty every roster.
pub const SHRINK_LIMIT: f64 = 0.10;

/// Whether removing `gone` of `of` is more than `SHRINK_LIMIT`.
fn too_many(gone: usize, of: usize) -> bool {
    of > 0 && gone as f64 > of as f64 * SHRINK_LIMIT
}

/// The current directory (the rows no later import has ended), sorted by id.
pub fn current_directory(pool: &Pool) -> Result<Directory, Error> {
    pool.with(|conn| {
        let org_units = conn
            .query(
                "SELECT org_unit_id, name, parent_id FROM org_units WHERE valid_to IS NULL ORDER BY org_unit_id",
                &[],
            )?
            .into_iter()
            .map(|r| {
                Ok(OrgUnit {
                    id: r.text("org_unit_id")?,
                    name: r.text("name")?,
                    parent: r.opt_text("parent_id")?,
                })
            })
            .collect::<Result<_, Error>>()?;
        let employees = conn
            .query(
                "SELECT employee_id, name, reading, email, org_unit_id, manager_id FROM employees WHERE valid_to IS NULL
                 ORDER BY employee_id",
                &[],
            )?
            .into_iter()
            .map(|r| {
                Ok(Employee {
                    id: r.text("employee_id")?,
                    name: r.text("name")?,
                    reading: r.opt_text("reading")?,
                    email: r.text("email")?,
                    org_unit: r.text("org_unit_id")?,
                    manager: r.opt_text("manager_id")?,
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Directory { org_units, employees })
    })
}

/// How many org units and employees the current directory holds.
pub fn directory_size(pool: &Pool) -> Result<(usize, usize), Error> {
    pool.with(|conn| {
        let rows = conn.query(
            "SELECT (SELECT CAST(count(*) AS BIGINT) FROM org_units WHERE valid_to IS NULL) AS units,
                    (SELECT CAST(count(*) AS BIGINT) FROM employees WHERE valid_to IS NULL) AS people",
            &[],
        )?;
        let count = |name: &str| -> Result<usize, Error> {
            Ok(rows.first().map_or(Ok(0), |r| r.int(name))?.try_into().unwrap_or(0))
        };
        Ok((count("units")?, count("people")?))
    })
}

/// What importing a directory would do, for HR to read before it is applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DirectoryPreview {
    pub changes: Changes,
    /// The month from which it would apply (`None`: the first import, which applies to every month).
    pub effective_from: Option<Month>,
    /// It removes more than `SHRINK_LIMIT` of the employees or units: `import_directory` needs
    /// `allow_shrink`.
    pub shrinks: bool,
}

impl DirectoryPreview {
    /// A digest of everything the preview says, to check at confirmation that it still holds.
    pub fn fingerprint(&self) -> String {
        super::hash_secret(&serde_json::to_string(self).unwrap_or_default())
    }
}

/// What importing `directory` from `month` would change; nothing is written.
pub fn directory_preview(pool: &Pool, directory: &Directory, month: Month) -> Result<DirectoryPreview, Error> {
    let current = current_directory(pool)?;
    let changes = crate::directory::changes(&current, directory);
    // As `import_directory` decides it: no row ever stored, current or ended.
    let first = pool.with(|conn| {
        let rows = conn.query(
            "SELECT (SELECT CAST(count(*) AS BIGINT) FROM org_units) + (SELECT CAST(count(*) AS BIGINT) FROM employees) AS n",
            &[],
        )?;
        Ok(rows.first().map_or(Ok(0), |r| r.int("n"))? == 0)
    })?;
    let shrinks = too_many(changes.people_removed.len(), changes.people_before)
        || too_many(changes.units_removed.len(), changes.units_before);
    Ok(DirectoryPreview {
        changes,
        effective_from: (!first).then_some(month),
        shrinks,
    })
}

/// Stores a validated directory. The first import applies to every month; a later one is a
/// reorganisation that takes effect from `month`, past months keeping the pairs they had. An
/// import that would remove more than `SHRINK_LIMIT` of the employees or units is refused unless
/// `allow_shrink`, naming what it would remove.
pub fn import_directory(
    pool: &Pool,
    directory: &Directory,
    month: Month,
    allow_shrink: bool,
) -> Result<ImportSummary, Error> {
    let m = month_index(month);
    pool.write(|conn| {
        if !allow_shrink {
            check_shrink(conn, directory)?;
        }
        let mut count = |table: &str| -> Result<i64, Error> {
            conn.query(&format!("SELECT CAST(count(*) AS BIGINT) AS n FROM {table}"), &[])?
                .first()
                .map_or(Ok(0), |r| r.int("n"))
        };
        let existing = count("employees")? + count("org_units")?;
        let from = if existing == 0 { 0 } else { m };

        let current_orgs: HashMap<String, (String, Option<String>, i64)> = conn
            .query(
                "SELECT org_unit_id, name, parent_id, valid_from FROM org_units WHERE valid_to IS NULL",
                &[],
            )?
            .into_iter()
            .map(|r| {
                Ok((
                    r.text("org_unit_id")?,
                    (r.text("name")?, r.opt_text("parent_id")?, r.int("valid_from")?),
                ))
            })
            .collect::<Result<_, Error>>()?;
        let new_orgs: HashMap<&str, (&str, Option<&str>)> = directory
            .org_units
            .iter()
            .map(|o| (o.id.as_str(), (o.name.as_str(), o.parent.as_deref())))
            .collect();
        let mut changes = 0;
        for (id, (name, parent, valid_from)) in &current_orgs {
            let same = new_orgs
                .get(id.as_str())
                .is_some_and(|(n, p)| n == name && *p == parent.as_deref());
            if !same {
                changes += 1;
                retire(conn, "org_units", "org_unit_id", id, *valid_from, from)?;
            }
        }
        for o in &directory.org_units {
            let same = current_orgs
                .get(&o.id)
                .is_some_and(|(n, p, _)| *n == o.name && *p == o.parent);
            if !same {
                if !current_orgs.contains_key(&o.id) {
                    changes += 1;
                }
                conn.execute(
                    "INSERT INTO org_units (org_unit_id, name, parent_id, valid_from) VALUES ($1, $2, $3, $4)",
                    &[
                        V::from(&o.id),
                        V::from(&o.name),
                        V::from(o.parent.as_deref()),
                        V::Int(from),
                    ],
                )?;
            }
        }

        type EmpRow = (String, String, String, Option<String>, i64, Option<String>);
        let current_emps: HashMap<String, EmpRow> = conn
            .query(
                "SELECT employee_id, name, email, org_unit_id, manager_id, valid_from, reading FROM employees
                 WHERE valid_to IS NULL",
                &[],
            )?
            .into_iter()
            .map(|r| {
                let (name, email, org_unit) = (r.text("name")?, r.text("email")?, r.text("org_unit_id")?);
                let row = (
                    name,
                    email,
                    org_unit,
                    r.opt_text("manager_id")?,
                    r.int("valid_from")?,
                    r.opt_text("reading")?,
                );
                Ok((r.text("employee_id")?, row))
            })
            .collect::<Result<_, Error>>()?;
        let matches = |e: &crate::directory::Employee, c: &EmpRow| {
            c.0 == e.name && c.1 == e.email && c.2 == e.org_unit && c.3 == e.manager && c.5 == e.reading
        };
        let new_ids: HashSet<&str> = directory.employees.iter().map(|e| e.id.as_str()).collect();
        let by_id: HashMap<&str, &crate::directory::Employee> =
            directory.employees.iter().map(|e| (e.id.as_str(), e)).collect();
        for (id, row) in &current_emps {
            let same = new_ids.contains(id.as_str()) && by_id.get(id.as_str()).is_some_and(|e| matches(e, row));
            if !same {
                changes += 1;
                retire(conn, "employees", "employee_id", id, row.4, from)?;
            }
        }
        for e in &directory.employees {
            if current_emps.get(&e.id).is_some_and(|row| matches(e, row)) {
                continue;
            }
            if !current_emps.contains_key(&e.id) {
                changes += 1;
            }
            conn.execute(
                "INSERT INTO employees (employee_id, name, email, org_unit_id, manager_id, valid_from, reading)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    V::from(&e.id),
                    V::from(&e.name),
                    V::from(&e.email),
                    V::from(&e.org_unit),
                    V::from(e.manager.as_deref()),
                    V::Int(from),
                    V::from(e.reading.as_deref()),
                ],
            )?;
        }
        super::touch_months(conn, &[super::EVERY_MONTH], super::Change::Everything)?;
        Ok(ImportSummary {
            org_units: directory.org_units.len(),
            employees: directory.employees.len(),
            changes,
            effective_from: (from != 0).then_some(month),
        })
    })
}

/// Ends the current version of a row before month `from`; a version that began in `from` itself
/// (an earlier import this month) is replaced outright.
fn retire(conn: &mut dyn Conn, table: &str, key: &str, id: &str, valid_from: i64, from: i64) -> Result<(), Error> {
    if valid_from >= from {
        conn.execute(
            &format!("DELETE FROM {table} WHERE {key} = $1 AND valid_to IS NULL"),
            &[V::from(id)],
        )?;
    } else {
        conn.execute(
            &format!("UPDATE {table} SET valid_to = $2 WHERE {key} = $1 AND valid_to IS NULL"),
            &[V::from(id), V::Int(from - 1)],
        )?;
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub name: String,
    pub org_unit: String,
    pub manager: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub name: String,
    pub parent: Option<String>,
}

/// The directory as it was in one month.
pub(crate) struct Snapshot {
    pub units: BTreeMap<String, Unit>,
    pub people: HashMap<String, Person>,
}

impl Snapshot {
    pub(crate) fn load(conn: &mut dyn Conn, month: Month) -> Result<Snapshot, Error> {
        let m = V::Int(month_index(month));
        let units = conn
            .query(
                &format!("SELECT org_unit_id, name, parent_id FROM org_units WHERE {VALID_IN}"),
                std::slice::from_ref(&m),
            )?
            .into_iter()
            .map(|r| {
                Ok((
                    r.text("org_unit_id")?,
                    Unit {
                        name: r.text("name")?,
                        parent: r.opt_text("parent_id")?,
                    },
                ))
            })
            .collect::<Result<_, Error>>()?;
        let people = conn
            .query(
                &format!("SELECT employee_id, name, org_unit_id, manager_id FROM employees WHERE {VALID_IN}"),
                &[m],
            )?
            .into_iter()
            .map(|r| {
                Ok((
                    r.text("employee_id")?,
                    Person {
                        name: r.text("name")?,
                        org_unit: r.text("org_unit_id")?,
                        manager: r.opt_text("manager_id")?,
                    },
                ))
            })
            .collect::<Result<_, Error>>()?;
        Ok(Snapshot { units, people })
    }

    /// (manager, member) pairs: everyone with a manager who is in the directory that month.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, &str, &Person)> {
        self.people.iter().filter_map(|(id, p)| {
            let manager = p.manager.as_deref()?;
            self.people.contains_key(manager).then_some((manager, id.as_str(), p))
        })
    }
}

/// Refuses an import that would remove more than `SHRINK_LIMIT` of the current employees or units.
fn check_shrink(conn: &mut dyn crate::db::Conn, directory: &Directory) -> Result<(), Error> {
    let mut current = |table: &str, column: &str| -> Result<Vec<String>, Error> {
        conn.query(
            &format!("SELECT {column} FROM {table} WHERE valid_to IS NULL ORDER BY {column}"),
            &[],
        )?
        .into_iter()
        .map(|r| r.text(column))
        .collect()
    };
    let employees = current("employees", "employee_id")?;
    let units = current("org_units", "org_unit_id")?;
    let kept_emps: HashSet<&str> = directory.employees.iter().map(|e| e.id.as_str()).collect();
    let kept_units: HashSet<&str> = directory.org_units.iter().map(|o| o.id.as_str()).collect();
    let gone_emps: Vec<&String> = employees.iter().filter(|id| !kept_emps.contains(id.as_str())).collect();
    let gone_units: Vec<&String> = units.iter().filter(|id| !kept_units.contains(id.as_str())).collect();
    if too_many(gone_emps.len(), employees.len()) || too_many(gone_units.len(), units.len()) {
        let sample = |ids: &[&String]| {
            let shown: Vec<&str> = ids.iter().take(10).map(|s| s.as_str()).collect();
            let more = ids.len().saturating_sub(shown.len());
            if more > 0 {
                format!("{} and {more} more", shown.join(", "))
            } else {
                shown.join(", ")
            }
        };
        return Err(Error::Invalid(format!(
            "this import would remove {} of {} employees ({}) and {} of {} org units ({}); \
             that is more than {:.0}% and looks like a wrong or cut-short file. Nothing was changed. \
             Check the files, or run again with --allow-shrink if this is meant",
            gone_emps.len(),
            employees.len(),
            sample(&gone_emps),
            gone_units.len(),
            units.len(),
            sample(&gone_units),
            SHRINK_LIMIT * 100.0
        )));
    }
    Ok(())
}

/// The name of org unit `id` in today's directory, if it has it.
pub fn unit_name(pool: &Pool, id: &str) -> Result<Option<String>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT name FROM org_units WHERE org_unit_id = $1 AND valid_to IS NULL",
            &[V::from(id)],
        )
    })?;
    rows.first().map(|r| r.text("name")).transpose()
}
