//! The reads behind the quality of 1on1s (HR's side of the member channel, migration 11): the
//! ratings of a range of months counted per unit and month in SQL (no rating leaves the store
//! as a row), the marks that a pair rated a month (to be matched with the pairs that met), and
//! who is paired. What may be shown of them is `crate::figures::disclose_quality`'s to decide.

use std::collections::HashSet;

use taiwa_protocol::Month;

use super::month_index;
use crate::Error;
use crate::db::{Pool, V};
use crate::figures::{Quality, QualityDisclosed, Ratings, disclose_quality};
use crate::store::MonthView;

/// One unit's ratings of one month, counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRatings {
    pub month: Month,
    pub org_unit_id: String,
    pub ratings: Ratings,
}

/// The ratings of `from` through `to`, counted per month and unit.
pub fn ratings_by_unit(pool: &Pool, from: Month, to: Month) -> Result<Vec<UnitRatings>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT month, org_unit_id, COUNT(*) AS ratings, COUNT(clarity) AS clarity_answers,
                    CAST(COALESCE(SUM(clarity), 0) AS BIGINT) AS clarity_sum,
                    CAST(SUM(CASE WHEN talked = 'yes' THEN 1 ELSE 0 END) AS BIGINT) AS talked_yes,
                    CAST(SUM(CASE WHEN talked = 'partly' THEN 1 ELSE 0 END) AS BIGINT) AS talked_partly,
                    CAST(SUM(CASE WHEN talked = 'no' THEN 1 ELSE 0 END) AS BIGINT) AS talked_no
             FROM ratings WHERE month >= $1 AND month <= $2
             GROUP BY month, org_unit_id ORDER BY month, org_unit_id",
            &[V::Int(month_index(from)), V::Int(month_index(to))],
        )
    })?;
    let count = |r: &crate::db::Row, col: &str| -> Result<u64, Error> { Ok(u64::try_from(r.int(col)?).unwrap_or(0)) };
    rows.iter()
        .map(|r| {
            Ok(UnitRatings {
                month: super::month_from_index(r.int("month")?)
                    .ok_or_else(|| Error::Row(format!("month {} out of range", r.int("month").unwrap_or(0))))?,
                org_unit_id: r.text("org_unit_id")?,
                ratings: Ratings {
                    ratings: count(r, "ratings")?,
                    clarity_answers: count(r, "clarity_answers")?,
                    clarity_sum: count(r, "clarity_sum")?,
                    talked_yes: count(r, "talked_yes")?,
                    talked_partly: count(r, "talked_partly")?,
                    talked_no: count(r, "talked_no")?,
                },
            })
        })
        .collect()
}

/// The (month index, manager id, member id) of every pair that rated a month of the range.
pub fn rating_marks(pool: &Pool, from: Month, to: Month) -> Result<HashSet<(i64, String, String)>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT month, manager_id, member_id FROM rating_marks WHERE month >= $1 AND month <= $2",
            &[V::Int(month_index(from)), V::Int(month_index(to))],
        )
    })?;
    rows.iter()
        .map(|r| Ok((r.int("month")?, r.text("manager_id")?, r.text("member_id")?)))
        .collect()
}

/// Every pairing through the member page: (manager id, member id).
pub fn paired(pool: &Pool) -> Result<Vec<(String, String)>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT manager_id, member_id FROM pairings ORDER BY manager_id, member_id",
            &[],
        )
    })?;
    rows.iter()
        .map(|r| Ok((r.text("manager_id")?, r.text("member_id")?)))
        .collect()
}

/// A month's facts for its quality, parallel to a `MonthView`: whether each of its pairs
/// rated the month, and each unit's own ratings.
#[derive(Debug, Clone, Default)]
pub struct QualityFacts {
    pub month: Option<Month>,
    pub rated: Vec<bool>,
    pub own: Vec<Ratings>,
}

impl QualityFacts {
    /// What anyone may see of each unit's quality (`root`: an org viewer's unit).
    pub fn disclose(&self, view: &MonthView, k: u64, root: Option<usize>) -> Vec<QualityDisclosed> {
        disclose_quality(&view.tree, &view.pairs, &self.rated, &self.own, k, root)
    }

    /// The company's quality as anyone may see it.
    pub fn company(&self, view: &MonthView, disclosed: &[QualityDisclosed]) -> Quality {
        crate::figures::quality_company(&view.tree, disclosed)
    }
}

/// The quality facts of each of `views` (any months, in any order), read in two queries.
pub fn quality_facts(pool: &Pool, views: &[std::sync::Arc<MonthView>]) -> Result<Vec<QualityFacts>, Error> {
    let (Some(from), Some(to)) = (views.iter().map(|v| v.month).min(), views.iter().map(|v| v.month).max()) else {
        return Ok(Vec::new());
    };
    let ratings = ratings_by_unit(pool, from, to)?;
    let marks = rating_marks(pool, from, to)?;
    Ok(views
        .iter()
        .map(|view| {
            let m = month_index(view.month);
            let mut own = vec![Ratings::default(); view.units.len()];
            for r in ratings.iter().filter(|r| r.month == view.month) {
                if let Some(&u) = view.index.get(&r.org_unit_id) {
                    own[u].add(&r.ratings);
                }
            }
            let rated = view
                .pair_ids
                .iter()
                .map(|(manager, member)| marks.contains(&(m, manager.clone(), member.clone())))
                .collect();
            QualityFacts {
                month: Some(view.month),
                rated,
                own,
            }
        })
        .collect())
}
