//! The admin API's reports: completion by unit (JSON and CSV, under the company's pair-level
//! detail switch), pair-level figures (audited), and the quality of 1on1s by unit (JSON and CSV,
//! disclosed as HR's pages disclose it).

use std::sync::Arc;

use taiwa_protocol::{
    CompletionReport, CompletionRow, MAX_REPORT_MONTHS, Month, PairRow, PairsReport, QualityFigures, QualityMonth,
    QualityReport, QualityRow, QualityWithheld, Totals,
};

use super::cache::Reports;
use super::views::{MonthView, month_view, month_views};
use crate::Error;
use crate::db::Pool;
use crate::figures::{Disclosed, Figures, QualityDisclosed, Viewer, quality_final_day, quality_is_final};
use crate::spreadsheet::CsvOut;
use crate::store::audit;

/// Completion per org unit (each with its whole subtree) in `month`, under `org` or for everyone,
/// as hr_admin may see it under the company's pair-level detail switch.
pub fn completion(pool: &Pool, reports: &Reports, month: Month, org: Option<&str>) -> Result<CompletionReport, Error> {
    let settings = crate::store::settings(pool)?;
    let (k, viewer) = (u64::from(settings.k), Viewer::hr_admin(settings.pair_detail));
    let view = month_view(pool, reports, month)?;
    let root = org.map(|o| view.unit(o)).transpose()?;
    let seen = view.disclose(k, viewer);
    let rows: Vec<CompletionRow> = view
        .units_under(root)
        .into_iter()
        .map(|u| {
            let unit = &view.units[u];
            let (pairs, met, rate, withheld, counted_above) = completion_figures(&seen[u]);
            CompletionRow {
                org_unit_id: unit.id.clone(),
                name: unit.name.clone(),
                parent_id: unit.parent.map(|p| view.units[p].id.clone()),
                pairs,
                met,
                rate,
                withheld,
                counted_above,
            }
        })
        .collect();
    let total = match root {
        Some(r) => seen[r].clone(),
        None => {
            let everything = crate::figures::company_figures(&view.pairs, &view.cross);
            crate::figures::disclose_company(&view.tree, &seen, everything, k, viewer)
        }
    };
    let (pairs, met, rate, withheld, counted_above) = completion_figures(&total);
    Ok(CompletionReport {
        month,
        rows,
        totals: Totals {
            pairs,
            met,
            rate,
            withheld,
            counted_above,
        },
    })
}

type CompletionFigures = (
    Option<u64>,
    Option<u64>,
    Option<f64>,
    Option<taiwa_protocol::Withheld>,
    u64,
);

/// What the completion API says of one disclosed unit.
fn completion_figures(d: &Disclosed) -> CompletionFigures {
    let withheld = d.withheld.map(|_| taiwa_protocol::Withheld::FewerReporting);
    let f = d.figures.as_ref();
    (
        f.map(|f| f.pairs),
        f.map(|f| f.met),
        f.and_then(Figures::rate),
        withheld,
        d.counted_above,
    )
}

/// Pair-level figures under `org`, written to the audit log with who asked.
pub fn pairs(pool: &Pool, reports: &Reports, month: Month, org: &str, actor: &str) -> Result<PairsReport, Error> {
    let view = month_view(pool, reports, month)?;
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

/// Completion from `from` to `to` as CSV, one row per month and org unit.
pub fn completion_csv(
    pool: &Pool,
    reports: &Reports,
    from: Month,
    to: Month,
    org: Option<&str>,
) -> Result<String, Error> {
    check_range(from, to)?;
    let mut out = CsvOut::new(false);
    out.row(&[
        "month",
        "org_unit_id",
        "name",
        "parent_id",
        "pairs",
        "met",
        "rate",
        "withheld",
        "counted_above",
    ])?;
    // A unit that exists in none of the months is unknown: 404, as the JSON report says, rather
    // than an empty file that looks like a unit with nobody in it.
    let mut missing = None;
    let mut found = false;
    for month in from.through(to) {
        let report = match completion(pool, reports, month, org) {
            Err(Error::Missing(what)) => {
                missing = Some(what);
                continue;
            }
            other => other?,
        };
        found = true;
        for row in &report.rows {
            let rate = row.rate.map(|r| format!("{r:.4}")).unwrap_or_default();
            let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
            let withheld = match row.withheld {
                Some(taiwa_protocol::Withheld::FewerReporting) => "fewer_reporting",
                None => "",
            };
            out.row(&[
                &month.to_string(),
                &row.org_unit_id,
                &row.name,
                row.parent_id.as_deref().unwrap_or(""),
                &number(row.pairs),
                &number(row.met),
                &rate,
                withheld,
                &row.counted_above.to_string(),
            ])?;
        }
    }
    if let (Some(what), false, Some(_)) = (missing, found, org) {
        return Err(Error::Missing(what));
    }
    out.finish()
}

/// A range of months an admin report covers: forward, and at most `MAX_REPORT_MONTHS` long.
fn check_range(from: Month, to: Month) -> Result<(), Error> {
    if (0..MAX_REPORT_MONTHS).contains(&from.months_until(to)) {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "the range {from}..{to} must run forward and cover at most {MAX_REPORT_MONTHS} months"
        )))
    }
}

/// The quality of 1on1s from `from` to `to`, per org unit under `org` (or every unit) and month:
/// what HR's pages show (`QualityFacts::disclose`, pooled under k for every reader, never by pair
/// or manager), and nothing of a month before its ratings are final.
pub fn quality_report(
    pool: &Pool,
    reports: &Reports,
    from: Month,
    to: Month,
    org: Option<&str>,
) -> Result<QualityReport, Error> {
    check_range(from, to)?;
    let k = crate::store::settings(pool)?.k;
    let today = chrono::Utc::now().date_naive();
    let views = month_views(pool, reports, from, to)?;
    let finals: Vec<Arc<MonthView>> = views
        .iter()
        .filter(|v| quality_is_final(v.month, today))
        .cloned()
        .collect();
    let facts = crate::store::quality_facts(pool, &finals)?;
    let mut months = Vec::new();
    // A unit in none of the months is unknown (404), as in the completion reports.
    let mut missing = None;
    for view in &views {
        let root = match org.map(|o| view.unit(o)).transpose() {
            Err(Error::Missing(what)) => {
                missing = Some(what);
                continue;
            }
            other => other?,
        };
        let seen = facts
            .iter()
            .find(|f| f.month == Some(view.month))
            .map(|f| (f, f.disclose(view, u64::from(k), None)));
        let of = |u: usize| {
            seen.as_ref()
                .map_or_else(not_final, |(_, units)| quality_figures(&units[u]))
        };
        let rows = view
            .units_under(root)
            .into_iter()
            .map(|u| {
                let unit = &view.units[u];
                QualityRow {
                    org_unit_id: unit.id.clone(),
                    name: unit.name.clone(),
                    parent_id: unit.parent.map(|p| view.units[p].id.clone()),
                    quality: of(u),
                }
            })
            .collect();
        let totals = match (root, &seen) {
            (Some(r), _) => of(r),
            (None, Some((f, units))) => quality_figures(&QualityDisclosed {
                quality: Some(f.company(view, units)),
                withheld: None,
                counted_above: 0,
            }),
            (None, None) => not_final(),
        };
        months.push(QualityMonth {
            month: view.month,
            final_from: quality_final_day(view.month).map(|d| d.to_string()).unwrap_or_default(),
            rows,
            totals,
        });
    }
    if let (Some(what), true) = (missing, months.is_empty()) {
        return Err(Error::Missing(what));
    }
    Ok(QualityReport { from, to, k, months })
}

/// A month whose ratings may still be given or changed: no figure.
fn not_final() -> QualityFigures {
    QualityFigures {
        ratings: None,
        clarity_answers: None,
        clarity_average: None,
        talked_yes: None,
        talked_partly: None,
        talked_no: None,
        talked_share: None,
        met_pairs: None,
        met_pairs_rated: None,
        response_rate: None,
        withheld: Some(QualityWithheld::NotFinal),
        counted_above: 0,
    }
}

/// What the quality API says of one disclosed unit.
fn quality_figures(d: &QualityDisclosed) -> QualityFigures {
    let q = d.quality;
    let r = q.map(|q| q.ratings);
    QualityFigures {
        ratings: r.map(|r| r.ratings),
        clarity_answers: r.map(|r| r.clarity_answers),
        clarity_average: r.and_then(|r| r.average_clarity()),
        talked_yes: r.map(|r| r.talked_yes),
        talked_partly: r.map(|r| r.talked_partly),
        talked_no: r.map(|r| r.talked_no),
        talked_share: r.and_then(|r| r.talked_share()),
        met_pairs: q.map(|q| q.met_pairs),
        met_pairs_rated: q.map(|q| q.met_pairs_rated),
        response_rate: q.and_then(|q| q.response_rate()),
        withheld: d.withheld.map(|_| QualityWithheld::FewerRatings),
        counted_above: d.counted_above,
    }
}

/// `quality_report` as CSV, one row per month and org unit, with the JSON's fields as columns.
pub fn quality_csv(pool: &Pool, reports: &Reports, from: Month, to: Month, org: Option<&str>) -> Result<String, Error> {
    let report = quality_report(pool, reports, from, to, org)?;
    let mut out = CsvOut::new(false);
    out.row(&[
        "month",
        "org_unit_id",
        "name",
        "parent_id",
        "ratings",
        "clarity_answers",
        "clarity_average",
        "talked_yes",
        "talked_partly",
        "talked_no",
        "talked_share",
        "met_pairs",
        "met_pairs_rated",
        "response_rate",
        "withheld",
        "counted_above",
    ])?;
    let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    let share = |x: Option<f64>| x.map(|x| format!("{x:.4}")).unwrap_or_default();
    for m in &report.months {
        for row in &m.rows {
            let q = &row.quality;
            let withheld = match q.withheld {
                Some(QualityWithheld::FewerRatings) => "fewer_ratings",
                Some(QualityWithheld::NotFinal) => "not_final",
                None => "",
            };
            out.row(&[
                &m.month.to_string(),
                &row.org_unit_id,
                &row.name,
                row.parent_id.as_deref().unwrap_or(""),
                &number(q.ratings),
                &number(q.clarity_answers),
                &share(q.clarity_average),
                &number(q.talked_yes),
                &number(q.talked_partly),
                &number(q.talked_no),
                &share(q.talked_share),
                &number(q.met_pairs),
                &number(q.met_pairs_rated),
                &share(q.response_rate),
                withheld,
                &q.counted_above.to_string(),
            ])?;
        }
    }
    out.finish()
}
