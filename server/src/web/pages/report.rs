//! The executive report (hr_admin): a period and units, on one printable page: the headline rate,
//! the trend, the units ranked with their change from the previous period of the same length and
//! one plain sentence each; the same as CSV. A period's rate is met pair-months / pair-months.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use taiwa_protocol::Month;

use super::layout::{self, Nav};
use super::quality;
use crate::app::AppState;
use crate::figures::{
    Disclosed, Figures, QualityDisclosed, Viewer, add_up, add_up_quality, company_figures, disclose_company,
};
use crate::spreadsheet::CsvOut;
use crate::store::{self, MonthView};
use crate::web::chart::{self, Series};
use crate::web::format::path;
use crate::web::{Hr, Lang, PageError, PageResult, attachment, run};

/// The longest period a report covers.
pub const MAX_PERIOD_MONTHS: i32 = 24;

#[derive(Debug, Clone)]
pub struct ReportQuery {
    pub from: Month,
    pub to: Month,
    pub units: Vec<String>,
}

impl ReportQuery {
    /// Reads `from`, `to` and any number of `units` (a form's checkboxes repeat the name).
    fn parse(query: &str, lang: Lang) -> PageResult<ReportQuery> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| PageError::new(StatusCode::BAD_REQUEST, lang, "the query string is not valid"))?;
        let last_full = store::current_month().plus(-1).unwrap_or_else(store::current_month);
        let month = |name: &str| -> PageResult<Option<Month>> {
            let mut values = pairs.iter().filter(|(k, _)| k == name);
            let value = values.next();
            if values.next().is_some() {
                return Err(PageError::new(
                    StatusCode::BAD_REQUEST,
                    lang,
                    format!("'{name}' is given twice"),
                ));
            }
            value
                .filter(|(_, v)| !v.is_empty())
                .map(|(_, v)| {
                    v.parse::<Month>()
                        .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, lang, format!("{name}: {e}")))
                })
                .transpose()
        };
        for (k, _) in &pairs {
            if !matches!(k.as_str(), "from" | "to" | "units") {
                return Err(PageError::new(
                    StatusCode::BAD_REQUEST,
                    lang,
                    format!("there is no query parameter '{k}'"),
                ));
            }
        }
        let to = month("to")?.unwrap_or(last_full).min(store::current_month());
        let from = month("from")?.unwrap_or(to);
        let span = from.months_until(to);
        if !(0..MAX_PERIOD_MONTHS).contains(&span) {
            return Err(PageError::new(
                StatusCode::BAD_REQUEST,
                lang,
                match lang {
                    Lang::Ja => format!("期間は開始月から終了月へ、最長{MAX_PERIOD_MONTHS}か月で指定してください。"),
                    Lang::En => format!("The period must run forward and cover at most {MAX_PERIOD_MONTHS} months."),
                },
            ));
        }
        let units = pairs
            .into_iter()
            .filter(|(k, v)| k == "units" && !v.is_empty())
            .map(|(_, v)| v)
            .collect();
        Ok(ReportQuery { from, to, units })
    }
}

/// One unit's line in the report.
#[derive(Debug, Clone)]
pub struct UnitLine {
    pub id: String,
    pub path: Vec<String>,
    pub now: Figures,
    pub before: Figures,
    pub trend: Vec<Option<f64>>,
    /// The period's quality: its final months' shown quality added up (`None`: withheld in
    /// every final month that had ratings).
    pub quality: QualityDisclosed,
}

impl UnitLine {
    pub fn rate(&self) -> Option<f64> {
        self.now.has_data().then(|| self.now.rate()).flatten()
    }

    pub fn previous_rate(&self) -> Option<f64> {
        self.before.has_data().then(|| self.before.rate()).flatten()
    }

    pub fn change(&self) -> Option<f64> {
        Some(self.rate()? - self.previous_rate()?)
    }
}

/// Everything the page and the CSV show.
#[derive(Debug, Clone)]
pub struct Report {
    pub from: Month,
    pub to: Month,
    pub previous: (Month, Month),
    pub company: UnitLine,
    pub lines: Vec<UnitLine>,
    pub trend_months: Vec<Month>,
    /// Units that can be picked: the top two levels of the tree.
    pub choices: Vec<(String, Vec<String>)>,
    /// The months of the period whose quality is final (the others are left out of it).
    pub quality_months: Vec<Month>,
}

/// Builds the report from the views of the previous period, the period and the trend's months,
/// with what `viewer` may see of each unit and of the company (`crate::figures::disclose`): a
/// month in which a unit is withheld is left out of its period, as a month with no data is.
pub fn build(
    views: &HashMap<Month, Arc<MonthView>>,
    facts: &HashMap<Month, store::QualityFacts>,
    q: &ReportQuery,
    k: u64,
    viewer: Viewer,
) -> Report {
    let len = q.from.months_until(q.to) + 1;
    let prev_to = q.from.plus(-1).unwrap_or(q.from);
    let prev_from = q.from.plus(-len).unwrap_or(q.from);
    let trend_from = q.to.plus(-11).unwrap_or(q.to);
    let trend_months: Vec<Month> = trend_from.through(q.to).collect();
    let seen: HashMap<Month, Vec<Disclosed>> = views.iter().map(|(m, v)| (*m, v.disclose(k, viewer))).collect();
    let unit_in = |m: Month, id: &str| -> Option<Figures> {
        let v = views.get(&m)?;
        seen.get(&m)?[*v.index.get(id)?].figures.clone()
    };
    let company_in = |m: Month| {
        let v = views.get(&m)?;
        disclose_company(&v.tree, seen.get(&m)?, company_figures(&v.pairs, &v.cross), k, viewer).figures
    };
    let sum = |from: Month, to: Month, f: &dyn Fn(Month) -> Option<Figures>| {
        // Months with no data at all (before the roll-out) are left out of a period.
        let months: Vec<Figures> = from.through(to).filter_map(f).filter(Figures::has_data).collect();
        add_up(&months)
    };
    let rate_of = |f: Option<Figures>| f.filter(Figures::has_data).and_then(|f| f.rate());
    // Quality: the period's final months, pooled for every reader alike.
    let quality_months: Vec<Month> = q.from.through(q.to).filter(|m| facts.contains_key(m)).collect();
    let quality_seen: HashMap<Month, Vec<QualityDisclosed>> = quality_months
        .iter()
        .filter_map(|m| Some((*m, facts.get(m)?.disclose(views.get(m)?, k, None))))
        .collect();
    let quality_of = |id: Option<&str>| -> QualityDisclosed {
        let mut shown = Vec::new();
        let (mut withheld, mut counted_above) = (false, 0);
        for m in &quality_months {
            let (Some(v), Some(seen)) = (views.get(m), quality_seen.get(m)) else {
                continue;
            };
            let d = match id {
                Some(id) => match v.index.get(id) {
                    Some(&u) => seen[u],
                    None => continue,
                },
                None => QualityDisclosed {
                    quality: Some(crate::figures::quality_company(&v.tree, seen)),
                    withheld: None,
                    counted_above: 0,
                },
            };
            counted_above += d.counted_above;
            match d.quality {
                Some(q) => shown.push(q),
                None => withheld = true,
            }
        }
        let sum = add_up_quality(&shown);
        QualityDisclosed {
            quality: (!withheld || sum.ratings.ratings > 0).then_some(sum),
            withheld: (withheld && sum.ratings.ratings == 0).then_some(crate::figures::Withheld::FewerReporting),
            counted_above,
        }
    };
    let last = views.get(&q.to);
    let line = |id: &str| -> UnitLine {
        UnitLine {
            id: id.to_owned(),
            path: last
                .and_then(|v| v.index.get(id).map(|&u| v.units[u].path.clone()))
                .unwrap_or_else(|| vec![id.to_owned()]),
            now: sum(q.from, q.to, &|m| unit_in(m, id)),
            before: sum(prev_from, prev_to, &|m| unit_in(m, id)),
            trend: trend_months.iter().map(|&m| rate_of(unit_in(m, id))).collect(),
            quality: quality_of(Some(id)),
        }
    };
    let company = UnitLine {
        id: String::new(),
        path: Vec::new(),
        now: sum(q.from, q.to, &company_in),
        before: sum(prev_from, prev_to, &company_in),
        trend: trend_months.iter().map(|&m| rate_of(company_in(m))).collect(),
        quality: quality_of(None),
    };
    let choices: Vec<(String, Vec<String>)> = last
        .map(|v| {
            v.tree
                .order()
                .iter()
                .filter(|&&u| v.tree.ancestry(u).count() <= 2)
                .map(|&u| (v.units[u].id.clone(), v.units[u].path.clone()))
                .collect()
        })
        .unwrap_or_default();
    // By default, the departments: the children of the top unit(s).
    let chosen: Vec<String> = if q.units.is_empty() {
        last.map(|v| {
            v.tree
                .order()
                .iter()
                .filter(|&&u| v.tree.ancestry(u).count() == 2)
                .map(|&u| v.units[u].id.clone())
                .collect()
        })
        .unwrap_or_default()
    } else {
        q.units.clone()
    };
    let mut lines: Vec<UnitLine> = chosen.iter().map(|id| line(id)).collect();
    lines.sort_by(|a, b| {
        b.rate()
            .partial_cmp(&a.rate())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.id.cmp(&b.id))
    });
    Report {
        from: q.from,
        to: q.to,
        previous: (prev_from, prev_to),
        company,
        lines,
        trend_months,
        choices,
        quality_months,
    }
}

/// The plain sentence an executive reads for one unit. A period that ends in the month in
/// progress (`partial`) is neither compared nor judged against the target: its last month is not
/// over.
pub fn sentence(lang: Lang, line: &UnitLine, target_percent: u32, partial: bool) -> String {
    let name = line.path.last().cloned().unwrap_or_default();
    let Some(rate) = line.rate() else {
        return match lang {
            Lang::Ja => format!("{name}：この期間のデータはまだありません（上司の端末登録がありません）。"),
            Lang::En => format!("{name}: no data for this period yet (no manager has enrolled a device)."),
        };
    };
    let pct = rate * 100.0;
    if partial {
        return match lang {
            Lang::Ja => format!("{name}：実施率{pct:.1}%（集計中。前の期間との比較と目標の判定は月が締まってから）。"),
            Lang::En => {
                format!("{name}: {pct:.1}% of pairs met so far (in progress; compared and judged once the month ends).")
            }
        };
    }
    let trend = match (line.change(), lang) {
        (Some(c), Lang::Ja) if c > 0.005 => format!("前の期間より{:.1}ポイント上昇", c * 100.0),
        (Some(c), Lang::Ja) if c < -0.005 => format!("前の期間より{:.1}ポイント低下", -c * 100.0),
        (Some(_), Lang::Ja) => "前の期間とほぼ同じ".to_owned(),
        (None, Lang::Ja) => "前の期間のデータはありません".to_owned(),
        (Some(c), Lang::En) if c > 0.005 => format!("up {:.1} points from the previous period", c * 100.0),
        (Some(c), Lang::En) if c < -0.005 => format!("down {:.1} points from the previous period", -c * 100.0),
        (Some(_), Lang::En) => "about the same as the previous period".to_owned(),
        (None, Lang::En) => "no data for the previous period".to_owned(),
    };
    let target = f64::from(target_percent);
    match lang {
        Lang::Ja if pct < target => {
            format!("{name}：実施率{pct:.1}%（{trend}）。目標{target_percent}%を下回っています。")
        }
        Lang::Ja => format!("{name}：実施率{pct:.1}%（{trend}）。目標{target_percent}%を達成しています。"),
        Lang::En if pct < target => {
            format!("{name}: {pct:.1}% of pairs met, {trend}; below the {target_percent}% target.")
        }
        Lang::En => format!("{name}: {pct:.1}% of pairs met, {trend}; meets the {target_percent}% target."),
    }
}

async fn load(state: &AppState, hr: &Hr, query: &str) -> PageResult<Report> {
    hr.require_admin()?;
    let q = ReportQuery::parse(query, hr.lang)?;
    let len = q.from.months_until(q.to) + 1;
    let first = q.from.plus(-len).unwrap_or(q.from).min(q.to.plus(-11).unwrap_or(q.to));
    let last = q.to;
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    let today = chrono::Utc::now().date_naive();
    let (from, to) = (q.from, q.to);
    let (views, facts) = run(hr.lang, move || {
        let views = store::month_views(&pool, &reports, first, last)?;
        // Quality of the period's months that are final only.
        let period: Vec<Arc<MonthView>> = views
            .iter()
            .filter(|v| v.month >= from && v.month <= to && crate::figures::quality_is_final(v.month, today))
            .cloned()
            .collect();
        let facts = store::quality_facts(&pool, &period)?;
        Ok((views, facts))
    })
    .await?;
    let views: HashMap<Month, Arc<MonthView>> = views.into_iter().map(|v| (v.month, v)).collect();
    let facts: HashMap<Month, store::QualityFacts> = facts.into_iter().filter_map(|f| Some((f.month?, f))).collect();
    let viewer = Viewer::hr_admin(hr.settings.pair_detail);
    let report = build(&views, &facts, &q, u64::from(hr.settings.k), viewer);
    if let Some(bad) = q
        .units
        .iter()
        .find(|id| !views.get(&q.to).is_some_and(|v| v.index.contains_key(*id)))
    {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            hr.lang,
            format!("no org unit {bad} in {}", q.to),
        ));
    }
    Ok(report)
}

pub async fn page(State(state): State<AppState>, hr: Hr, uri: axum::http::Uri) -> PageResult<Markup> {
    let lang = hr.lang;
    let query = uri.query().unwrap_or_default().to_owned();
    let r = load(&state, &hr, &query).await?;
    let target = f64::from(hr.settings.target_percent) / 100.0;
    let period = lang.period(r.from, r.to);
    let title = match lang {
        Lang::Ja => format!("1on1 実施状況報告 {period}"),
        Lang::En => format!("1on1 completion report, {period}"),
    };
    let (open, day) = crate::web::format::in_progress(chrono::Utc::now());
    // The period ends in the month in progress: its figures are partial.
    let partial = r.to >= open;
    let change = |c: Option<f64>| if partial { None } else { c };
    let series = vec![Series {
        label: lang.pick("Company", "全社").to_owned(),
        values: r.company.trend.clone(),
    }];
    // Every unit chosen, lowest included, in the ranking's order.
    let bars: Vec<chart::Bar> = r
        .lines
        .iter()
        .map(|l| chart::Bar {
            label: l.path.last().cloned().unwrap_or_default(),
            rate: l.rate(),
            previous: if partial { None } else { l.previous_rate() },
        })
        .collect();
    let months: Vec<String> = r.trend_months.iter().map(|m| lang.month_short(*m)).collect();
    let chosen: Vec<&str> = r.lines.iter().map(|l| l.id.as_str()).collect();
    let csv_link = format!("/hr/report.csv?{query}");
    let body = html! {
            form.report-picker.no-print method="get" action="/hr/report" {
                label { (lang.pick("From", "開始月")) input type="month" name="from" value=(r.from) required; }
                label { (lang.pick("To", "終了月")) input type="month" name="to" value=(r.to) required; }
                details {
                    summary { (match lang {
                    Lang::Ja => format!("組織（{}）", chosen.len()),
                    Lang::En => format!("Units ({})", chosen.len()),
                }) }
                    div.choices {
                        @for (id, p) in &r.choices {
                            label { input type="checkbox" name="units" value=(id) checked[chosen.contains(&id.as_str())]; " " (path(p)) }
                        }
                    }
                }
                button.primary { (lang.pick("Show", "表示")) }
                a.button href=(csv_link) download { (lang.pick("Download CSV", "CSVをダウンロード")) }
                button.button type="button" data-print { (lang.pick("Print", "印刷")) }
            }
            article.report {
                header {
                    h1 { (title) }
                    p.muted { (match lang {
                        Lang::Ja => format!("比較対象：{}。目標 {}%。", lang.period(r.previous.0, r.previous.1), hr.settings.target_percent),
                        Lang::En => format!("Compared with {}. Target {}%.", lang.period(r.previous.0, r.previous.1), hr.settings.target_percent),
                    }) }
                    @if partial {
                        p.in-progress #report-in-progress { (match lang {
                            Lang::Ja => format!("{}は{}です。前の期間との比較と目標の判定は、月が締まってから表示します。", lang.month(open), lang.in_progress(day)),
                            Lang::En => format!("{} is {}: it is compared and judged against the target once it has ended.", lang.month(open), lang.in_progress(day)),
                        }) }
                    }
                }
                section.headline {
                    div.big {
                        span.figure { (lang.rate(r.company.rate())) }
                        span.caption { (lang.pick("of pairs met in the period, company-wide", "全社の実施率（期間中）")) }
                    }
                    div.facts {
                        p { strong { (lang.pick("Change", "前期比")) } " " (lang.points(change(r.company.change()))) }
                        p { (match lang {
                            Lang::Ja => format!("実施 {} / {} ペア月", lang.count(r.company.now.met), lang.count(r.company.now.pairs)),
                            Lang::En => format!("{} of {} pair-months met", lang.count(r.company.now.met), lang.count(r.company.now.pairs)),
                        }) }
                        p { (match lang {
                            Lang::Ja => format!("端末登録済みの上司 {}（期間の最終月）", lang.of(r.company.now.managers_enrolled, r.company.now.managers)),
                            Lang::En => format!("Managers enrolled: {} (last month of the period)", lang.of(r.company.now.managers_enrolled, r.company.now.managers)),
                        }) }
                    }
                }
                section.quality {
                    @if r.quality_months.is_empty() {
                        p.muted.small.quality-not-final { (quality::not_final(lang, r.to)) }
                    } @else {
                        (quality::headline(lang, &r.company.quality, hr.settings.k))
                        @if r.quality_months.len() < r.from.months_until(r.to) as usize + 1 {
                            p.muted.small { (match lang {
                                Lang::Ja => format!("1on1の質は評価が確定した月（{}）のみで集計しています。", r.quality_months.iter().map(|m| lang.month(*m)).collect::<Vec<_>>().join("、")),
                                Lang::En => format!("Quality counts only the months whose ratings are final ({}).", r.quality_months.iter().map(|m| lang.month(*m)).collect::<Vec<_>>().join(", ")),
                            }) }
                        }
                    }
                }
    div.charts {
                    section.units-chart {
                        h2 { (lang.pick("Every unit, this period", "組織別の実施率（この期間）")) }
                        (chart::ranked_bars(&bars, target, lang.pick("Completion rate by unit", "組織別の実施率"), lang.pick("no data yet", "データなし")))
                        p.muted.small { (lang.pick("Bars: this period. Tick: the previous period. Dashed line: the target.",
                                                  "棒：この期間　縦線：前の期間　点線：目標")) }
                    }
                    section {
                        h2 { (lang.pick("The last 12 months", "直近12か月の推移")) }
                        (chart::trend(&months, &series, target, lang.pick("Completion rate by month", "月別の実施率")))
                        ul.legend-list {
                            @for (i, s) in series.iter().enumerate() {
                                li { span class={"swatch s" (i % 6)} {} (s.label) }
                            }
                        }
                    }
                }
                section {
                    h2 { (lang.pick("Units, ranked", "組織別（実施率順）")) }
                    table.ranked {
                        thead { tr {
                            th.num { "#" }
                            th { (lang.pick("Unit", "組織")) }
                            th.num { (lang.pick("Rate", "実施率")) }
                            th.num { (lang.pick("Change", "前期比")) }
                            th.num { (lang.pick("Managers enrolled", "登録済みの上司")) }
                            @if !r.quality_months.is_empty() { (quality::heads(lang)) }
                        } }
                        tbody {
                            @for (i, l) in r.lines.iter().enumerate() {
                                @let below = l.rate().is_some_and(|x| x < target);
                                tr class=(if below { "below" } else { "" }) {
                                    td.num { (i + 1) }
                                    td.unit { (l.path.last().cloned().unwrap_or_default()) span.path { (path(&l.path)) } }
                                    td.num { (lang.rate(l.rate())) }
                                    td.num { (lang.points(change(l.change()))) }
                                    td.num { (lang.of(l.now.managers_enrolled, l.now.managers)) }
                                    @if !r.quality_months.is_empty() { (quality::cells(lang, &l.quality, hr.settings.k)) }
                                }
                            }
                        }
                    }
                }
                section {
                    h2 { (lang.pick("In a sentence", "ひとことで")) }
                    ul.sentences {
                        @for l in &r.lines { li { (sentence(lang, l, hr.settings.target_percent, partial)) } }
                    }
                }
                footer.report-foot {
                    p { (crate::web::format::met_definition(lang)) }
                    @if !r.quality_months.is_empty() { p { (quality::definition(lang, hr.settings.k)) } }
                    p { (lang.pick("A period's rate is met pair-months over pair-months: each pair counts once in each month of the period.",
                                   "期間の実施率は「実施したペア月 ÷ ペア月」です（各ペアを期間中の各月で1回ずつ数えます）。")) }
                }
            }
        };
    Ok(layout::page(&hr, Nav::Report, &title, body))
}

pub async fn csv(State(state): State<AppState>, hr: Hr, uri: axum::http::Uri) -> PageResult<Response> {
    let lang = hr.lang;
    let r = load(&state, &hr, uri.query().unwrap_or_default()).await?;
    let partial = r.to >= crate::web::format::in_progress(chrono::Utc::now()).0;
    let fail = |e| PageError::from_error(e, lang);
    let mut out = CsvOut::new(true);
    out.row(&[
        "from",
        "to",
        "rank",
        "org_unit_id",
        "unit_path",
        "pair_months",
        "met_pair_months",
        "rate",
        "previous_rate",
        "change_points",
        "managers",
        "managers_enrolled",
        "ratings",
        "clarity_average",
        "talked_yes_share",
        "response_rate",
        "quality_withheld",
        "sentence",
    ])
    .map_err(fail)?;
    let num = |x: Option<f64>, scale: f64| x.map(|v| format!("{:.4}", v * scale)).unwrap_or_default();
    let company = UnitLine {
        path: vec![lang.pick("Company", "全社").to_owned()],
        ..r.company.clone()
    };
    for (rank, l) in std::iter::once((0, &company)).chain(r.lines.iter().enumerate().map(|(i, l)| (i + 1, l))) {
        out.row(&[
            r.from.to_string(),
            r.to.to_string(),
            if rank == 0 { String::new() } else { rank.to_string() },
            l.id.clone(),
            path(&l.path),
            l.now.pairs.to_string(),
            l.now.met.to_string(),
            num(l.rate(), 1.0),
            // A period ending in the month in progress is not compared.
            if partial {
                String::new()
            } else {
                num(l.previous_rate(), 1.0)
            },
            if partial { String::new() } else { num(l.change(), 100.0) },
            l.now.managers.to_string(),
            l.now.managers_enrolled.to_string(),
            l.quality
                .quality
                .map(|q| q.ratings.ratings.to_string())
                .unwrap_or_default(),
            num(l.quality.quality.and_then(|q| q.ratings.average_clarity()), 1.0),
            num(l.quality.quality.and_then(|q| q.ratings.talked_share()), 1.0),
            num(l.quality.quality.and_then(|q| q.response_rate()), 1.0),
            if l.quality.withheld.is_some() {
                format!("fewer_than_{}_ratings", hr.settings.k)
            } else {
                String::new()
            },
            if rank == 0 {
                String::new()
            } else {
                sentence(lang, l, hr.settings.target_percent, partial)
            },
        ])
        .map_err(fail)?;
    }
    let text = out.finish().map_err(fail)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                attachment(&format!("report-{}-{}.csv", r.from, r.to)),
            ),
        ],
        text,
    )
        .into_response())
}
