//! The figures HR reads: the facts of a month loaded from storage (`MonthView`), computed by the
//! pure functions of `crate::figures`.

use std::collections::{HashMap, HashSet};

use taiwa_protocol::{CompletionReport, CompletionRow, Month, PairRow, PairsReport, Totals};

use super::{Snapshot, month_index, now};
use crate::Error;
use crate::db::{Conn, Pool, V};
use crate::figures::{CrossFact, Figures, PairFact, Tree, unit_figures};
use crate::spreadsheet::CsvOut;

/// An org unit as a month's directory has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitInfo {
    pub id: String,
    pub name: String,
    pub parent: Option<usize>,
    /// Names from the top of the tree down to this unit, for telling apart units of one name.
    pub path: Vec<String>,
}

/// One month's directory and records, indexed for `crate::figures`.
#[derive(Debug, Clone)]
pub struct MonthView {
    pub month: Month,
    pub units: Vec<UnitInfo>,
    pub index: HashMap<String, usize>,
    pub tree: Tree,
    /// Employee ids of the managers that `PairFact::manager` points into.
    pub managers: Vec<String>,
    pub pairs: Vec<PairFact>,
    /// (manager id, member id) of each pair, parallel to `pairs`.
    pub pair_ids: Vec<(String, String)>,
    pub cross: Vec<CrossFact>,
    /// Everyone's name that month, for the views that name people.
    pub names: HashMap<String, String>,
    /// Everyone's own unit that month.
    pub homes: HashMap<String, usize>,
}

/// The Unix time at which a month begins (UTC).
pub fn month_start(month: Month) -> i64 {
    // Days from 1970-01-01 to the first of the month (Howard Hinnant's days_from_civil).
    let (m, y) = (i64::from(month.number()), i64::from(month.year()));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

impl MonthView {
    pub fn load(conn: &mut dyn Conn, month: Month) -> Result<MonthView, Error> {
        let snapshot = Snapshot::load(conn, month)?;
        let m = V::Int(month_index(month));
        let mut line: HashMap<(String, String), (u32, u32)> = HashMap::new();
        let mut cross_rows = Vec::new();
        for r in conn.query(
            "SELECT manager_id, member_id, relationship, sessions_held, minutes FROM completions WHERE month = $1",
            std::slice::from_ref(&m),
        )? {
            let figures = (
                u32::try_from(r.int(3)).unwrap_or(0),
                u32::try_from(r.int(4)).unwrap_or(0),
            );
            if r.text(2) == "line" {
                line.insert((r.text(0), r.text(1)), figures);
            } else {
                cross_rows.push((r.text(1), figures));
            }
        }
        let enrolled: HashSet<String> = conn
            .query(
                "SELECT DISTINCT employee_id FROM devices
                 WHERE created_at < $2 AND (revoked_at IS NULL OR revoked_at >= $1)",
                &[
                    V::Int(month_start(month)),
                    V::Int(month.plus(1).map_or(i64::MAX, month_start)),
                ],
            )?
            .into_iter()
            .map(|r| r.text(0))
            .collect();

        let ids: Vec<&String> = snapshot.units.keys().collect();
        let index: HashMap<String, usize> = ids.iter().enumerate().map(|(i, id)| ((*id).clone(), i)).collect();
        let parents: Vec<Option<usize>> = snapshot
            .units
            .values()
            .map(|u| u.parent.as_ref().and_then(|p| index.get(p).copied()))
            .collect();
        let tree = Tree::new(parents.clone());
        let mut units: Vec<UnitInfo> = snapshot
            .units
            .iter()
            .zip(&parents)
            .map(|((id, u), parent)| UnitInfo {
                id: id.clone(),
                name: u.name.clone(),
                parent: *parent,
                path: Vec::new(),
            })
            .collect();
        for &u in tree.order() {
            let mut path = tree.parent(u).map(|p| units[p].path.clone()).unwrap_or_default();
            path.push(units[u].name.clone());
            units[u].path = path;
        }

        let mut manager_index: HashMap<&str, usize> = HashMap::new();
        let mut managers = Vec::new();
        let mut pairs = Vec::new();
        let mut pair_ids = Vec::new();
        let mut listed: Vec<(&str, &str, &super::Person)> = snapshot.pairs().collect();
        listed.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (manager, member, person) in listed {
            let Some(&unit) = index.get(&person.org_unit) else {
                continue;
            };
            let m = *manager_index.entry(manager).or_insert_with(|| {
                managers.push(manager.to_owned());
                managers.len() - 1
            });
            let key = (manager.to_owned(), member.to_owned());
            let record = line.get(&key).copied();
            let (sessions, minutes) = record.unwrap_or_default();
            pairs.push(PairFact {
                unit,
                manager: m,
                sessions,
                minutes,
                recorded: record.is_some(),
                manager_enrolled: enrolled.contains(manager),
            });
            pair_ids.push(key);
        }
        let cross = cross_rows
            .into_iter()
            .filter_map(|(member, (sessions, minutes))| {
                let unit = *index.get(&snapshot.people.get(&member)?.org_unit)?;
                Some(CrossFact {
                    unit,
                    sessions,
                    minutes,
                })
            })
            .collect();
        let names = snapshot
            .people
            .iter()
            .map(|(id, p)| (id.clone(), p.name.clone()))
            .collect();
        let homes = snapshot
            .people
            .iter()
            .filter_map(|(id, p)| Some((id.clone(), *index.get(&p.org_unit)?)))
            .collect();
        Ok(MonthView {
            month,
            units,
            index,
            tree,
            managers,
            pairs,
            pair_ids,
            cross,
            names,
            homes,
        })
    }

    /// Each unit's figures over its subtree.
    pub fn figures(&self) -> Vec<Figures> {
        unit_figures(&self.tree, &self.pairs, &self.cross, true)
    }

    /// Each unit's figures over its own members only.
    pub fn own_figures(&self) -> Vec<Figures> {
        unit_figures(&self.tree, &self.pairs, &self.cross, false)
    }

    /// The units of `root`'s subtree (or every unit), parents first.
    pub fn units_under(&self, root: Option<usize>) -> Vec<usize> {
        match root {
            Some(r) => self.tree.subtree(r),
            None => self.tree.order().to_vec(),
        }
    }

    /// The unit `id`, or a not-found error naming it and the month.
    pub fn unit(&self, id: &str) -> Result<usize, Error> {
        self.index
            .get(id)
            .copied()
            .ok_or_else(|| Error::NotFound(format!("no org unit {id} in {}", self.month)))
    }

    /// The indices of the pairs whose member is in `root`'s subtree.
    pub fn pairs_under(&self, root: usize) -> Vec<usize> {
        let below: HashSet<usize> = self.tree.subtree(root).into_iter().collect();
        (0..self.pairs.len())
            .filter(|&i| below.contains(&self.pairs[i].unit))
            .collect()
    }

    pub fn name(&self, employee: &str) -> String {
        self.names.get(employee).cloned().unwrap_or_default()
    }

    /// The path of someone's own unit, or empty when they are not in the month's directory.
    pub fn home_path(&self, employee: &str) -> Vec<String> {
        self.homes
            .get(employee)
            .map(|&u| self.units[u].path.clone())
            .unwrap_or_default()
    }
}

/// Loads one month's view.
pub fn month_view(pool: &Pool, month: Month) -> Result<MonthView, Error> {
    pool.with(|conn| MonthView::load(conn, month))
}

/// Loads the views of `from` through `to`, in one connection.
pub fn month_views(pool: &Pool, from: Month, to: Month) -> Result<Vec<MonthView>, Error> {
    pool.with(|conn| from.through(to).map(|m| MonthView::load(conn, m)).collect())
}

/// Completion per org unit (each with its whole subtree) in `month`, under `org` or for everyone.
pub fn completion(pool: &Pool, month: Month, org: Option<&str>) -> Result<CompletionReport, Error> {
    let view = month_view(pool, month)?;
    let root = org.map(|o| view.unit(o)).transpose()?;
    let figures = view.figures();
    let rows: Vec<CompletionRow> = view
        .units_under(root)
        .into_iter()
        .map(|u| {
            let unit = &view.units[u];
            CompletionRow {
                org_unit_id: unit.id.clone(),
                name: unit.name.clone(),
                parent_id: unit.parent.map(|p| view.units[p].id.clone()),
                pairs: figures[u].pairs,
                met: figures[u].met,
                rate: figures[u].rate(),
            }
        })
        .collect();
    let total = match root {
        Some(r) => figures[r].clone(),
        None => crate::figures::company_figures(&view.pairs, &view.cross),
    };
    Ok(CompletionReport {
        month,
        rows,
        totals: Totals {
            pairs: total.pairs,
            met: total.met,
            rate: total.rate(),
        },
    })
}

/// Pair-level figures under `org`, written to the audit log with who asked.
pub fn pairs(pool: &Pool, month: Month, org: &str, actor: &str) -> Result<PairsReport, Error> {
    let view = month_view(pool, month)?;
    let root = view.unit(org)?;
    let rows: Vec<PairRow> = view
        .pairs_under(root)
        .into_iter()
        .map(|i| {
            let (manager, member) = &view.pair_ids[i];
            let p = &view.pairs[i];
            PairRow {
                manager_employee_id: manager.clone(),
                manager_name: view.name(manager),
                member_employee_id: member.clone(),
                member_name: view.name(member),
                org_unit_id: view.units[p.unit].id.clone(),
                held: p.sessions,
                minutes: p.minutes,
            }
        })
        .collect();
    audit(
        pool,
        actor,
        "pairs",
        &serde_json::json!({"month": month, "org": org, "rows": rows.len()}).to_string(),
    )?;
    Ok(PairsReport {
        month,
        org_unit_id: org.to_owned(),
        pairs: rows,
    })
}

pub fn audit(pool: &Pool, actor: &str, action: &str, detail: &str) -> Result<(), Error> {
    pool.write(|conn| {
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, $3, $4)",
            &[V::Int(now()), V::from(actor), V::from(action), V::from(detail)],
        )?;
        Ok(())
    })
}

/// The audit log, newest first.
pub fn audit_entries(pool: &Pool, limit: i64) -> Result<Vec<(i64, String, String, String)>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT $1",
            &[V::Int(limit)],
        )
    })?;
    Ok(rows
        .into_iter()
        .map(|r| (r.int(0), r.text(1), r.text(2), r.text(3)))
        .collect())
}

/// Completion from `from` to `to` as CSV, one row per month and org unit.
pub fn completion_csv(pool: &Pool, from: Month, to: Month, org: Option<&str>) -> Result<String, Error> {
    let span = from.months_until(to);
    if !(0..36).contains(&span) {
        return Err(Error::Invalid(format!(
            "the range {from}..{to} must run forward and cover at most 36 months"
        )));
    }
    let mut out = CsvOut::new(false);
    out.row(&["month", "org_unit_id", "name", "parent_id", "pairs", "met", "rate"])?;
    // A unit that exists in none of the months is unknown: 404, as the JSON report says, rather
    // than an empty file that looks like a unit with nobody in it.
    let mut missing = None;
    let mut found = false;
    for month in from.through(to) {
        let report = match completion(pool, month, org) {
            Err(Error::NotFound(what)) => {
                missing = Some(what);
                continue;
            }
            other => other?,
        };
        found = true;
        for row in &report.rows {
            let rate = row.rate.map(|r| format!("{r:.4}")).unwrap_or_default();
            out.row(&[
                &month.to_string(),
                &row.org_unit_id,
                &row.name,
                row.parent_id.as_deref().unwrap_or(""),
                &row.pairs.to_string(),
                &row.met.to_string(),
                &rate,
            ])?;
        }
    }
    if let (Some(what), false, Some(_)) = (missing, found, org) {
        return Err(Error::NotFound(what));
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_start_at_midnight_utc() {
        let m = |s: &str| s.parse::<Month>().unwrap();
        assert_eq!(month_start(m("1970-01")), 0);
        assert_eq!(month_start(m("2026-03")), 1_772_323_200);
        assert_eq!(month_start(m("2024-03")) - month_start(m("2024-02")), 29 * 86_400);
    }
}
