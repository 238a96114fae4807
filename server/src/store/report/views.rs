//! A month's facts loaded from storage: its directory (`MonthDirectory`, shared by the months
//! between two imports) and its records (`MonthView`), as `crate::figures` takes them; the
//! released copies org viewers read.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use taiwa_protocol::Month;

use super::cache::{Reports, Source};
use crate::Error;
use crate::db::{Conn, Pool, V};
use crate::figures::{CrossFact, Figures, PairFact, Tree, unit_figures};
use crate::store::{Snapshot, month_index, now};

/// An org unit as a month's directory has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitInfo {
    pub id: String,
    pub name: String,
    pub parent: Option<usize>,
    /// Names from the top of the tree down to this unit, for telling apart units of one name.
    pub path: Vec<String>,
}

/// What a month's view takes from the directory alone. Months between two imports share one
/// (`ReportCache` keeps it once), so a year of views costs one directory in memory.
#[derive(Debug)]
pub struct MonthDirectory {
    pub units: Vec<UnitInfo>,
    pub index: HashMap<String, usize>,
    pub tree: Tree,
    /// Employee ids of the managers that `PairFact::manager` points into.
    pub managers: Vec<String>,
    /// (manager id, member id) of each pair, parallel to `MonthView::pairs`.
    pub pair_ids: Vec<(String, String)>,
    /// Each pair's (member's unit, manager index), parallel to `pair_ids`.
    places: Vec<(usize, usize)>,
    /// Each member's pair (a member has one manager in a month's directory).
    pair_of: HashMap<String, usize>,
    /// Everyone's name that month, for the views that name people.
    pub names: HashMap<String, String>,
    /// Everyone's own unit that month.
    pub homes: HashMap<String, usize>,
}

impl MonthDirectory {
    pub(super) fn load(conn: &mut dyn Conn, month: Month) -> Result<MonthDirectory, Error> {
        let snapshot = Snapshot::load(conn, month)?;
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
        let mut places = Vec::new();
        let mut pair_ids = Vec::new();
        let mut pair_of = HashMap::new();
        let mut listed: Vec<(&str, &str, &crate::store::Person)> = snapshot.pairs().collect();
        listed.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (manager, member, person) in listed {
            let Some(&unit) = index.get(&person.org_unit) else {
                continue;
            };
            let m = *manager_index.entry(manager).or_insert_with(|| {
                managers.push(manager.to_owned());
                managers.len() - 1
            });
            pair_of.insert(member.to_owned(), pair_ids.len());
            places.push((unit, m));
            pair_ids.push((manager.to_owned(), member.to_owned()));
        }
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
        Ok(MonthDirectory {
            units,
            index,
            tree,
            managers,
            pair_ids,
            places,
            pair_of,
            names,
            homes,
        })
    }
}

/// One month's directory and records, indexed for `crate::figures`. The directory's part is
/// shared (`MonthDirectory`, reached through `Deref`); the records' part is this month's own.
#[derive(Debug, Clone)]
pub struct MonthView {
    pub month: Month,
    directory: Arc<MonthDirectory>,
    pub pairs: Vec<PairFact>,
    pub cross: Vec<CrossFact>,
    /// Which (manager, member) record each of `cross` is, and the way back, so that a newer
    /// record replaces it (`catch_up`).
    cross_keys: Vec<(String, String)>,
    cross_of: HashMap<(String, String), usize>,
    /// `figures()`, computed on first use: a kept view is read by many pages.
    subtree_figures: std::sync::OnceLock<Vec<Figures>>,
}

impl std::ops::Deref for MonthView {
    type Target = MonthDirectory;
    fn deref(&self) -> &MonthDirectory {
        &self.directory
    }
}

/// The Unix time at which a month begins (UTC).
pub fn month_start(month: Month) -> i64 {
    month.first_day().and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
}

impl MonthView {
    /// The month's records (from `source`'s table) over its directory.
    pub(super) fn load(
        conn: &mut dyn Conn,
        month: Month,
        directory: Arc<MonthDirectory>,
        source: Source,
    ) -> Result<MonthView, Error> {
        let m = V::Int(month_index(month));
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
            .map(|r| r.text("employee_id"))
            .collect::<Result<_, Error>>()?;
        let enrolled: Vec<bool> = directory.managers.iter().map(|m| enrolled.contains(m)).collect();
        let pairs: Vec<PairFact> = directory
            .places
            .iter()
            .map(|&(unit, manager)| PairFact {
                unit,
                manager,
                sessions: 0,
                minutes: 0,
                recorded: false,
                manager_enrolled: enrolled[manager],
            })
            .collect();
        let mut view = MonthView {
            month,
            directory,
            pairs,
            cross: Vec::new(),
            cross_keys: Vec::new(),
            cross_of: HashMap::new(),
            subtree_figures: std::sync::OnceLock::new(),
        };
        let table = match source {
            Source::Live => "completions",
            Source::Released => "released_completions",
        };
        for r in conn.query(
            &format!(
                "SELECT manager_id, member_id, relationship, sessions_held, minutes FROM {table} WHERE month = $1"
            ),
            std::slice::from_ref(&m),
        )? {
            view.apply_row(&r)?;
        }
        Ok(view)
    }

    /// This view with the month's records written after `generation` applied: what a fresh
    /// `load` would give as long as nothing but records was written since (`Change::Records`).
    /// Applying a record twice changes nothing, so records newer than the view's label are safe.
    pub(super) fn catch_up(&self, conn: &mut dyn Conn, generation: i64) -> Result<MonthView, Error> {
        let mut view = MonthView {
            month: self.month,
            directory: self.directory.clone(),
            pairs: self.pairs.clone(),
            cross: self.cross.clone(),
            cross_keys: self.cross_keys.clone(),
            cross_of: self.cross_of.clone(),
            subtree_figures: std::sync::OnceLock::new(),
        };
        for r in conn.query(
            "SELECT manager_id, member_id, relationship, sessions_held, minutes FROM completions
             WHERE month = $1 AND written_generation > $2",
            &[V::Int(month_index(self.month)), V::Int(generation)],
        )? {
            view.apply_row(&r)?;
        }
        Ok(view)
    }

    /// Counts a row of `completions` or `released_completions` (`manager_id`, `member_id`,
    /// `relationship`, `sessions_held`, `minutes`).
    fn apply_row(&mut self, r: &crate::db::Row) -> Result<(), Error> {
        self.apply(
            r.text("manager_id")?,
            r.text("member_id")?,
            &r.text("relationship")?,
            r.int("sessions_held")?,
            r.int("minutes")?,
        );
        Ok(())
    }

    /// Counts the record (manager, member) of this month, replacing what it said before.
    fn apply(&mut self, manager: String, member: String, relationship: &str, sessions: i64, minutes: i64) {
        let (sessions, minutes) = (
            u32::try_from(sessions).unwrap_or(0),
            u32::try_from(minutes).unwrap_or(0),
        );
        let line = relationship == "line";
        // A line record counts for the pair the directory has that month, and only when the
        // record's manager is the member's manager then; that pair's facts are this record's.
        if let Some(&i) = self.directory.pair_of.get(&member)
            && self.directory.pair_ids[i].0 == manager
        {
            let p = &mut self.pairs[i];
            (p.sessions, p.minutes, p.recorded) = if line { (sessions, minutes, true) } else { (0, 0, false) };
        }
        let key = (manager, member);
        let home = self.directory.homes.get(&key.1).copied();
        match (line, home, self.cross_of.get(&key).copied()) {
            (false, Some(unit), Some(c)) => {
                self.cross[c] = CrossFact {
                    unit,
                    sessions,
                    minutes,
                };
            }
            (false, Some(unit), None) => {
                self.cross_of.insert(key.clone(), self.cross.len());
                self.cross_keys.push(key);
                self.cross.push(CrossFact {
                    unit,
                    sessions,
                    minutes,
                });
            }
            (true, _, Some(c)) => {
                // Was a cross record, now a line one: it leaves the cross facts.
                self.cross_of.remove(&key);
                self.cross.swap_remove(c);
                self.cross_keys.swap_remove(c);
                if let Some(moved) = self.cross_keys.get(c) {
                    self.cross_of.insert(moved.clone(), c);
                }
            }
            _ => {}
        }
    }

    /// Each unit's figures over its subtree.
    pub fn figures(&self) -> Vec<Figures> {
        self.subtree().to_vec()
    }

    /// `figures()`, computed once and kept.
    fn subtree(&self) -> &[Figures] {
        self.subtree_figures
            .get_or_init(|| unit_figures(&self.tree, &self.pairs, &self.cross, true))
    }

    /// What `viewer` may see of each unit (`crate::figures::disclose`).
    pub fn disclose(&self, k: u64, viewer: crate::figures::Viewer) -> Vec<crate::figures::Disclosed> {
        crate::figures::disclose(&self.tree, &self.pairs, &self.cross, self.subtree(), k, viewer)
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
        self.index.get(id).copied().ok_or_else(|| {
            Error::missing(
                format!("no org unit {id} in {}", self.month),
                format!(
                    "{}年{}月の組織図に組織 {id} はありません。",
                    self.month.year(),
                    self.month.number()
                ),
            )
        })
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

/// One month's view (from the cache when nothing it shows has changed).
pub fn month_view(pool: &Pool, reports: &Reports, month: Month) -> Result<Arc<MonthView>, Error> {
    let mut views = month_views(pool, reports, month, month)?;
    views
        .pop()
        .ok_or_else(|| Error::Internal(format!("no view of {month}")))
}

/// The views of `from` through `to`, in one connection.
pub fn month_views(pool: &Pool, reports: &Reports, from: Month, to: Month) -> Result<Vec<Arc<MonthView>>, Error> {
    pool.with(|conn| reports.live.views(conn, from, to))
}

/// The views of `from` through `to` as org viewers read them: the copies of released months,
/// each taken at the first read after the month's release. `to` must be released
/// (`figures::last_released_month`).
pub fn released_views(pool: &Pool, reports: &Reports, from: Month, to: Month) -> Result<Vec<Arc<MonthView>>, Error> {
    let (lo, hi) = (month_index(from), month_index(to));
    let copied: HashSet<i64> = pool.with(|conn| {
        conn.query(
            "SELECT month FROM released_months WHERE month >= $1 AND month <= $2",
            &[V::Int(lo), V::Int(hi)],
        )?
        .iter()
        .map(|r| r.int("month"))
        .collect()
    })?;
    let missing: Vec<i64> = (lo..=hi).filter(|m| !copied.contains(m)).collect();
    if !missing.is_empty() {
        pool.write(|conn| {
            for &month in &missing {
                // Whoever inserts the month's row copies its records, once.
                let first = conn.execute(
                    "INSERT INTO released_months (month, released_at) VALUES ($1, $2) ON CONFLICT (month) DO NOTHING",
                    &[V::Int(month), V::Int(now())],
                )?;
                if first == 1 {
                    conn.execute(
                        "INSERT INTO released_completions (month, manager_id, member_id, relationship, sessions_held, minutes)
                         SELECT month, manager_id, member_id, relationship, sessions_held, minutes FROM completions
                         WHERE month = $1",
                        &[V::Int(month)],
                    )?;
                }
            }
            Ok(())
        })?;
    }
    pool.with(|conn| reports.released.views(conn, from, to))
}

/// Removes a withdrawn pair's records from the released copies, moving those months' generation.
pub(crate) fn withdraw_released(conn: &mut dyn Conn, manager: &str, member: &str) -> Result<(), Error> {
    let params = [V::from(manager), V::from(member)];
    conn.execute(
        "UPDATE released_months SET generation = generation + 1 WHERE month IN
         (SELECT month FROM released_completions WHERE manager_id = $1 AND member_id = $2)",
        &params,
    )?;
    conn.execute(
        "DELETE FROM released_completions WHERE manager_id = $1 AND member_id = $2",
        &params,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept view that catches up on records equals one loaded afresh, through corrections,
    /// line records turned cross and back, records of other managers and unknown members, and
    /// every figure HR reads from it.
    #[test]
    fn a_kept_view_caught_up_on_records_equals_a_fresh_one() {
        use taiwa_protocol::{CompletionRecord, Relationship};
        let tmp = tempfile::tempdir().unwrap();
        let pool = Pool::open(&format!("sqlite://{}", tmp.path().join("s.db").display())).unwrap();
        crate::store::migrate(&pool).unwrap();
        let reports = Reports::default();
        let units = "org_unit_id,name,parent_id\nO1,本社,\nO2,営業部,O1\nO3,技術部,O1\n";
        let mut emps = String::from(
            "employee_id,name,email,org_unit_id,manager_id\nE01,A,e01@x.jp,O1,\nE02,B,e02@x.jp,O2,E01\nE03,C,e03@x.jp,O3,E01\n",
        );
        for i in 4..20 {
            emps.push_str(&format!("E{i:02},P{i},e{i:02}@x.jp,O{},E0{}\n", 2 + i % 2, 2 + i % 2));
        }
        let directory = crate::directory::parse(units.as_bytes(), emps.as_bytes()).unwrap();
        let month = crate::store::current_month();
        crate::store::import_directory(&pool, &directory, month, false).unwrap();
        let mut seed: u64 = 99;
        let mut dice = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let mut revision = 1;
        let mut accepted = 0;
        for round in 0..40 {
            let kept = month_view(&pool, &reports, month).unwrap();
            let _ = kept.figures();
            for _ in 0..1 + dice(4) {
                let manager = ["E02", "E03", "E01"][usize::try_from(dice(3)).unwrap()];
                // E01 manages E02 and E03; E02 the even ones from E04, E03 the odd ones.
                let reports_to = |member: u64| match member {
                    2 | 3 => "E01",
                    m if m < 20 && m % 2 == 0 => "E02",
                    m if m < 20 => "E03",
                    _ => "",
                };
                let batch: Vec<CompletionRecord> = (0..1 + dice(5))
                    .filter_map(|_| {
                        let member = 2 + dice(20);
                        let id = format!("E{member:02}");
                        if id == manager {
                            return None;
                        }
                        let line = reports_to(member) == manager && dice(3) != 0;
                        let sessions_held = u32::try_from(dice(3)).unwrap();
                        revision += 1;
                        Some(CompletionRecord {
                            member_employee_id: id,
                            month,
                            relationship: if line { Relationship::Line } else { Relationship::Cross },
                            sessions_held,
                            minutes: sessions_held * u32::try_from(dice(60)).unwrap(),
                            revision,
                        })
                    })
                    .collect();
                let mut unique = batch.clone();
                unique.sort_by(|a, b| a.member_employee_id.cmp(&b.member_employee_id));
                unique.dedup_by(|a, b| a.member_employee_id == b.member_employee_id);
                accepted += crate::store::ingest(&pool, manager, &unique).unwrap().accepted;
            }
            let caught_up = month_view(&pool, &reports, month).unwrap();
            let fresh = pool
                .with(|conn| {
                    let directory = Arc::new(MonthDirectory::load(conn, month)?);
                    MonthView::load(conn, month, directory, Source::Live)
                })
                .unwrap();
            assert_eq!(caught_up.pairs, fresh.pairs, "round {round}");
            let sorted = |v: &MonthView| {
                let mut c: Vec<_> = v
                    .cross_keys
                    .iter()
                    .zip(&v.cross)
                    .map(|(k, f)| (k.clone(), *f))
                    .collect();
                c.sort_by(|a, b| a.0.cmp(&b.0));
                c
            };
            assert_eq!(sorted(&caught_up), sorted(&fresh), "round {round}");
            assert_eq!(caught_up.figures(), fresh.figures(), "round {round}");
        }
        assert!(accepted > 100, "the writes must land to test anything: {accepted}");
    }

    #[test]
    fn months_start_at_midnight_utc() {
        let m = |s: &str| s.parse::<Month>().unwrap();
        assert_eq!(month_start(m("1970-01")), 0);
        assert_eq!(month_start(m("2026-03")), 1_772_323_200);
        assert_eq!(month_start(m("2024-03")) - month_start(m("2024-02")), 29 * 86_400);
    }
}
