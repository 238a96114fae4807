//! The managers' own teams' すっきり度 (`GET /api/v1/team-quality`): the stored sums of every team
//! for a final month, the marks that say where each team's raters are, and HR's two groupings
//! of the same ratings (the live views hr_admin reads and the released copies org viewers read),
//! put to `crate::figures::disclose_team_clarity`. A final month's ratings no longer change, so
//! its answer is kept beside the month's views and worked out again only when one of them is
//! rebuilt.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use taiwa_protocol::Month;
use taiwa_protocol::channel::TeamWithheld;

use super::report::MonthView;
use super::{Reports, month_index};
use crate::Error;
use crate::db::{Pool, V};
use crate::figures::{TeamGrouping, TeamMark, TeamSums, disclose_team_clarity, quality_release_points};

/// What a manager's app may show of their team for one final month: the average and how many
/// members rated, or why not.
pub type TeamShown = Result<(f64, u32), TeamWithheld>;

/// Each final month's answer for every team, with the views it was worked out from.
#[derive(Debug, Default)]
pub struct TeamCache {
    months: Mutex<HashMap<Month, Kept>>,
}

#[derive(Debug)]
struct Kept {
    k: u64,
    live: Arc<MonthView>,
    released: Arc<MonthView>,
    teams: Arc<HashMap<String, TeamShown>>,
}

/// Every team's stored sums for `month`: (manager id, sums).
fn team_sums(pool: &Pool, month: Month) -> Result<Vec<(String, TeamSums)>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT manager_id, raters, clarity_sum, clarity_n FROM team_ratings WHERE month = $1 ORDER BY manager_id",
            &[V::Int(month_index(month))],
        )
    })?;
    let count = |v: i64| u64::try_from(v).unwrap_or(0);
    rows.iter()
        .map(|r| {
            Ok((
                r.text("manager_id")?,
                TeamSums {
                    raters: count(r.int("raters")?),
                    clarity_sum: count(r.int("clarity_sum")?),
                    clarity_n: count(r.int("clarity_n")?),
                },
            ))
        })
        .collect()
}

/// What every manager's app may show of their team for the final month `month`, by manager id
/// (a manager with no rating that month is not in it).
pub fn team_clarity_of(
    pool: &Pool,
    reports: &Reports,
    month: Month,
    k: u64,
) -> Result<Arc<HashMap<String, TeamShown>>, Error> {
    let live = super::month_view(pool, reports, month)?;
    let released = super::released_views(pool, reports, month, month)?
        .pop()
        .ok_or_else(|| Error::Internal(format!("no released view of {month}")))?;
    {
        let kept = reports.teams.months.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(kept) = kept.get(&month)
            && kept.k == k
            && Arc::ptr_eq(&kept.live, &live)
            && Arc::ptr_eq(&kept.released, &released)
        {
            return Ok(kept.teams.clone());
        }
    }
    let sums = team_sums(pool, month)?;
    let marks = super::rating_marks(pool, month, month)?;
    let mut index: HashMap<String, usize> = sums.iter().enumerate().map(|(i, (m, _))| (m.clone(), i)).collect();
    let mut teams: Vec<TeamSums> = sums.iter().map(|(_, s)| *s).collect();
    let mut managers: Vec<String> = sums.into_iter().map(|(m, _)| m).collect();
    // A mark whose team has no sums (which the store never writes) makes a team of no figure.
    let mut listed: Vec<(&String, &String)> = marks.iter().map(|(_, manager, member)| (manager, member)).collect();
    listed.sort();
    for (manager, _) in &listed {
        if !index.contains_key(*manager) {
            index.insert((*manager).clone(), teams.len());
            teams.push(TeamSums::default());
            managers.push((*manager).clone());
        }
    }
    let team_marks: Vec<TeamMark> = listed
        .iter()
        .map(|(manager, member)| TeamMark {
            team: index[*manager],
            rater_team: index.get(*member).copied(),
        })
        .collect();
    let facts = super::quality_facts(pool, &[live.clone(), released.clone()])?;
    let live_points = quality_release_points(&live.tree, &live.pairs, &facts[0].own, k);
    let released_points = quality_release_points(&released.tree, &released.pairs, &facts[1].own, k);
    // HR's groups as both readings draw them: a unit's group is the pair of units its ratings
    // are released at in each (counted nowhere in both: no group). Units by id, as both views
    // come from one directory but are indexed apart.
    let mut numbered: HashMap<(Option<usize>, Option<usize>), usize> = HashMap::new();
    let groups: Vec<Option<usize>> = live
        .units
        .iter()
        .enumerate()
        .map(|(u, unit)| {
            let there = released.index.get(&unit.id).and_then(|&r| released_points[r]);
            let key = (live_points[u], there);
            (key != (None, None)).then(|| {
                let next = numbered.len();
                *numbered.entry(key).or_insert(next)
            })
        })
        .collect();
    let units: Vec<Option<usize>> = listed
        .iter()
        .map(|(_, member)| live.homes.get(*member).copied())
        .collect();
    let grouping = TeamGrouping {
        groups: &groups,
        own: &facts[0].own,
        units: &units,
    };
    let shown = disclose_team_clarity(&teams, &team_marks, grouping, k);
    let answer: Arc<HashMap<String, TeamShown>> = Arc::new(
        managers
            .into_iter()
            .zip(shown)
            .zip(&teams)
            .map(|((m, s), t)| {
                (
                    m,
                    s.map(|average| (average, u32::try_from(t.raters).unwrap_or(u32::MAX))),
                )
            })
            .collect(),
    );
    let mut kept = reports.teams.months.lock().unwrap_or_else(|e| e.into_inner());
    // Months more than a year before the one asked for are no longer asked for.
    kept.retain(|m, _| month.plus(-12).is_none_or(|oldest| *m >= oldest));
    kept.insert(
        month,
        Kept {
            k,
            live,
            released,
            teams: answer.clone(),
        },
    );
    Ok(answer)
}
