//! HR's month views kept between requests (`ReportCache`): a page reads what changed rather than
//! the whole company again.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use taiwa_protocol::Month;

use super::views::{MonthDirectory, MonthView};
use crate::Error;
use crate::db::{Conn, V};
use crate::store::month_index;

/// Months of views kept; a dashboard reads 12, a report or the survey window up to 24.
const CACHED_MONTHS: usize = 25;

/// HR's month views kept between requests, so that a page reads what changed rather than the
/// whole company again. A month's view is read again only when its generation in
/// `report_generations` has moved (every write that changes it moves it, in its transaction:
/// `super::touch_months`): when only records were written since (its `full_generation` is not
/// newer than the view), the view applies the records stamped with a newer generation; otherwise
/// it is rebuilt. The directory's part is built once for all the months between two imports. The generations are read before the data, so a view is never labelled newer than it
/// is: a race costs a rebuild, never a stale figure.
#[derive(Debug, Default)]
pub struct ReportCache {
    inner: Mutex<CacheInner>,
    source: Source,
}

/// Which records a cache's views count.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Every record as it stands (hr_admin).
    #[default]
    Live,
    /// The copies of released months (org viewers): a view changes only when a withdrawal moves
    /// its month's `released_months.generation`, or the directory changes.
    Released,
}

#[derive(Debug, Default)]
struct CacheInner {
    /// The generation of `EVERY_MONTH` (the directory) everything below was built at.
    every: Option<i64>,
    /// The months at which the directory changes (a version begins or ends), ascending: months
    /// with as many boundaries at or before them have the same directory.
    boundaries: Vec<i64>,
    directories: HashMap<usize, Arc<MonthDirectory>>,
    months: HashMap<i64, Cached>,
    clock: u64,
}

#[derive(Debug)]
struct Cached {
    generation: i64,
    epoch: usize,
    view: Arc<MonthView>,
    used: u64,
}

/// The month views a server keeps for its pages, beside the database (never in `db::Pool`, which
/// is storage only): every record as it stands for hr_admin, and the copies of released months for
/// org viewers. One per server (`AppState::reports`); anything else that reads views (the demo
/// seed, a test) makes its own.
#[derive(Debug)]
pub struct Reports {
    pub(super) live: ReportCache,
    pub(super) released: ReportCache,
    /// The teams' すっきり度 of final months, worked out from these views (`store::team`).
    pub(in crate::store) teams: crate::store::TeamCache,
}

impl Default for Reports {
    fn default() -> Reports {
        Reports {
            live: ReportCache::default(),
            released: ReportCache {
                source: Source::Released,
                ..ReportCache::default()
            },
            teams: crate::store::TeamCache::default(),
        }
    }
}

impl ReportCache {
    pub(super) fn views(&self, conn: &mut dyn Conn, from: Month, to: Month) -> Result<Vec<Arc<MonthView>>, Error> {
        let (lo, hi) = (month_index(from), month_index(to));
        // (generation, full_generation) of each month: a released month's copy is rebuilt
        // whenever its generation moves.
        let sql = match self.source {
            Source::Live => {
                "SELECT month, generation, full_generation FROM report_generations
                 WHERE month = $1 OR (month >= $2 AND month <= $3)"
            }
            Source::Released => {
                "SELECT month, generation, generation AS full_generation FROM report_generations WHERE month = $1
                 UNION ALL SELECT month, generation, generation AS full_generation FROM released_months
                 WHERE month >= $2 AND month <= $3"
            }
        };
        let generations: HashMap<i64, (i64, i64)> = conn
            .query(sql, &[V::Int(crate::store::EVERY_MONTH), V::Int(lo), V::Int(hi)])?
            .iter()
            .map(|r| Ok((r.int("month")?, (r.int("generation")?, r.int("full_generation")?))))
            .collect::<Result<_, Error>>()?;
        let every = generations.get(&crate::store::EVERY_MONTH).map_or(0, |g| g.0);
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| Error::Internal("report cache lock poisoned".into()))?;
        if inner.every != Some(every) {
            *inner = CacheInner {
                every: Some(every),
                boundaries: directory_boundaries(conn)?,
                ..CacheInner::default()
            };
        }
        let mut out = Vec::new();
        for month in from.through(to) {
            let i = month_index(month);
            let (generation, full) = generations.get(&i).copied().unwrap_or((0, 0));
            inner.clock += 1;
            let now = inner.clock;
            if let Some(c) = inner.months.get_mut(&i) {
                if c.generation == generation {
                    c.used = now;
                    out.push(c.view.clone());
                    continue;
                }
                if full <= c.generation {
                    // Only records were written since: apply them.
                    let view = Arc::new(c.view.catch_up(conn, c.generation)?);
                    (c.generation, c.used, c.view) = (generation, now, view.clone());
                    out.push(view);
                    continue;
                }
            }
            let epoch = inner.boundaries.partition_point(|&b| b <= i);
            let directory = match inner.directories.get(&epoch) {
                Some(d) => d.clone(),
                None => Arc::new(MonthDirectory::load(conn, month)?),
            };
            inner.directories.insert(epoch, directory.clone());
            let view = Arc::new(MonthView::load(conn, month, directory, self.source)?);
            inner.months.insert(
                i,
                Cached {
                    generation,
                    epoch,
                    view: view.clone(),
                    used: now,
                },
            );
            out.push(view);
        }
        while inner.months.len() > CACHED_MONTHS {
            let Some(oldest) = inner.months.iter().min_by_key(|(_, c)| c.used).map(|(m, _)| *m) else {
                break;
            };
            inner.months.remove(&oldest);
        }
        let kept: HashSet<usize> = inner.months.values().map(|c| c.epoch).collect();
        inner.directories.retain(|epoch, _| kept.contains(epoch));
        Ok(out)
    }
}

/// The months at which some directory version begins or ends, ascending.
fn directory_boundaries(conn: &mut dyn Conn) -> Result<Vec<i64>, Error> {
    let mut months: Vec<i64> = conn
        .query(
            "SELECT valid_from AS boundary FROM employees UNION SELECT valid_from AS boundary FROM org_units
             UNION SELECT valid_to + 1 AS boundary FROM employees WHERE valid_to IS NOT NULL
             UNION SELECT valid_to + 1 AS boundary FROM org_units WHERE valid_to IS NOT NULL",
            &[],
        )?
        .iter()
        .map(|r| r.int("boundary"))
        .collect::<Result<_, Error>>()?;
    months.sort_unstable();
    Ok(months)
}
