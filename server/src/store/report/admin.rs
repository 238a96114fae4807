//! The admin API's reports: completion by unit (JSON and CSV, under the company's pair-level
//! detail switch) and pair-level figures (audited).

use taiwa_protocol::{CompletionReport, CompletionRow, Month, PairRow, PairsReport, Totals};

use super::cache::Reports;
use super::views::month_view;
use crate::Error;
use crate::db::Pool;
use crate::figures::{Disclosed, Figures, Viewer};
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
    let span = from.months_until(to);
    if !(0..36).contains(&span) {
        return Err(Error::Invalid(format!(
            "the range {from}..{to} must run forward and cover at most 36 months"
        )));
    }
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
