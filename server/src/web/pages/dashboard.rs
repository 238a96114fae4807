//! The dashboard: a month's completion for the company (or the viewer's part of it), the org tree
//! with each unit's rate, coverage, sessions and minutes, cross-organisation 1on1s apart, a
//! 12-month sparkline per unit, drill-down to any unit, and (for hr_admin) the managers of a unit.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use maud::{Markup, html};
use serde::Deserialize;
use taiwa_protocol::Month;

use super::layout::{self, Nav};
use super::quality;
use crate::app::AppState;
use crate::figures::{Disclosed, Figures, QualityDisclosed, Viewer};
use crate::store::{self, MonthView};
use crate::web::format::path;
use crate::web::{Hr, Lang, PageError, PageQuery, PageResult, chart, run};

/// Which pairs a rate is read over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Met pairs over all pairs.
    #[default]
    All,
    /// Met pairs over reporting pairs (managers enrolled, or a record held).
    Reporting,
}

impl Basis {
    pub fn code(self) -> &'static str {
        match self {
            Basis::All => "all",
            Basis::Reporting => "reporting",
        }
    }

    /// The rate a page shows: none for a month with no data at all, whichever the basis.
    pub fn rate(self, f: &Figures) -> Option<f64> {
        if !f.has_data() {
            return None;
        }
        match self {
            Basis::All => f.rate(),
            Basis::Reporting => f.reporting_rate(),
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Basis::All => lang.pick("Rate over all pairs", "実施率（全ペア）"),
            Basis::Reporting => lang.pick("Rate over reporting pairs", "実施率（報告中のペア）"),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardQuery {
    month: Option<Month>,
    unit: Option<String>,
    #[serde(default)]
    basis: Basis,
    /// `all` shows the whole tree below the unit; otherwise two levels.
    depth: Option<String>,
}

/// The unit a page is about: the one asked for, within the viewer's scope.
pub fn resolve_unit(hr: &Hr, view: &MonthView, asked: Option<&str>) -> PageResult<Option<usize>> {
    let lang = hr.lang;
    let scope = match hr.scope() {
        None => None,
        Some(id) => Some(view.unit(id).map_err(|_| {
            PageError::new(
                StatusCode::NOT_FOUND,
                lang,
                match lang {
                    Lang::Ja => format!("あなたの組織 {id} はこの月の組織図にありません。"),
                    Lang::En => format!("Your org unit {id} is not in this month's directory."),
                },
            )
        })?),
    };
    let Some(asked) = asked.filter(|a| !a.is_empty()) else {
        return Ok(scope);
    };
    let unit = view.unit(asked).map_err(|e| PageError::from_error(e, lang))?;
    if let Some(root) = scope
        && !view.tree.ancestry(unit).any(|u| u == root)
    {
        return Err(PageError::forbidden(lang));
    }
    Ok(Some(unit))
}

/// The unit asked for (within the viewer's scope), or the top of the tree when none is.
pub fn resolve_unit_or_top(hr: &Hr, view: &MonthView, asked: Option<&str>) -> PageResult<usize> {
    match resolve_unit(hr, view, asked)? {
        Some(r) => Ok(r),
        None => view.tree.order().first().copied().ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                hr.lang,
                hr.lang.pick("No directory yet.", "組織図がまだありません。"),
            )
        }),
    }
}

/// Who the signed-in person is to `crate::figures` in one month's directory: `None` for an org
/// viewer whose unit that month's directory does not have (they see nothing of that month).
pub fn viewer(hr: &Hr, view: &MonthView) -> Option<Viewer> {
    match hr.scope() {
        None => Some(Viewer::hr_admin(hr.settings.pair_detail)),
        Some(id) => view.index.get(id).map(|&root| Viewer::Org { root }),
    }
}

pub fn month_nav(lang: Lang, base: &str, month: Month, current: Month, extra: &str) -> Markup {
    let prev = month.plus(-1);
    let next = month.plus(1).filter(|n| *n <= current);
    html! {
        div.month-nav {
            @if let Some(p) = prev { a href={(base) "?month=" (p) (extra)} { "‹ " (lang.month(p)) } }
            strong { (lang.month(month)) }
            @if let Some(n) = next { a href={(base) "?month=" (n) (extra)} { (lang.month(n)) " ›" } }
            @if month != current { a href={(base) "?month=" (current) (extra)} { (lang.pick("This month", "今月")) } }
        }
    }
}

/// One month's disclosures to the viewer, by unit id.
struct Seen<'a> {
    index: &'a HashMap<String, usize>,
    units: Vec<Disclosed>,
}

impl Seen<'_> {
    fn rate(&self, id: &str, basis: Basis) -> Option<f64> {
        let unit = self.units.get(*self.index.get(id)?)?;
        basis.rate(unit.figures.as_ref()?)
    }
}

/// The months a dashboard reads, and from which store: hr_admin reads every month as it stands;
/// an org viewer, the released months only (`crate::figures::last_released_month`).
struct Loaded {
    views: Vec<Arc<MonthView>>,
    /// The month asked for, the month shown (no later than `last`), the latest one readable.
    asked: Month,
    month: Month,
    last: Month,
    released: bool,
    /// The month's quality facts, once its quality is final (`crate::figures::quality_is_final`).
    quality: Option<store::QualityFacts>,
}

async fn load(state: &AppState, hr: &Hr, q: &DashboardQuery) -> PageResult<Loaded> {
    let current = store::current_month();
    let released = !hr.is_admin();
    let last = if released {
        crate::figures::last_released_month(chrono::Utc::now()).unwrap_or(current)
    } else {
        current
    };
    let asked = q.month.unwrap_or(last);
    let month = asked.min(last);
    let first = month.plus(-11).unwrap_or(month);
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    let final_quality = crate::figures::quality_is_final(month, chrono::Utc::now().date_naive());
    let (views, quality) = run(hr.lang, move || {
        let views = if released {
            store::released_views(&pool, &reports, first, month)?
        } else {
            store::month_views(&pool, &reports, first, month)?
        };
        let quality = match views.last() {
            Some(last) if final_quality => store::quality_facts(&pool, std::slice::from_ref(last))?.pop(),
            _ => None,
        };
        Ok((views, quality))
    })
    .await?;
    if views.is_empty() {
        return Err(PageError::from_error(
            crate::Error::Internal("no month loaded".into()),
            hr.lang,
        ));
    }
    Ok(Loaded {
        views,
        asked,
        month,
        last,
        released,
        quality,
    })
}

/// One line of the units' table.
struct Row {
    unit: usize,
    depth: usize,
    spark: Vec<Option<f64>>,
}

/// Everything the page shows, computed from the loaded months by `crate::figures`.
struct Dashboard {
    root: Option<usize>,
    /// What the viewer may see of each unit in the month shown.
    seen: Vec<Disclosed>,
    headline: Disclosed,
    headline_spark: Vec<Option<f64>>,
    rows: Vec<Row>,
    /// A unit's managers (hr_admin with pair-level detail on, one unit at a time).
    managers: Option<Vec<ManagerRow>>,
    /// Whether figures by manager are off for this hr_admin (to say why there are none).
    by_manager_off: bool,
    /// Each unit's quality and the headline's, when the month's quality is final.
    quality: Option<(Vec<QualityDisclosed>, QualityDisclosed)>,
}

fn compute(
    hr: &Hr,
    q: &DashboardQuery,
    views: &[Arc<MonthView>],
    facts: Option<&store::QualityFacts>,
    root: Option<usize>,
) -> Dashboard {
    let k = u64::from(hr.settings.k);
    let view = &views[views.len() - 1];
    let who = viewer(hr, view).unwrap_or(Viewer::Company);
    let history: Vec<Seen> = views
        .iter()
        .map(|v| Seen {
            index: &v.index,
            units: viewer(hr, v).map_or_else(Vec::new, |who| v.disclose(k, who)),
        })
        .collect();
    let seen = history.last().map(|h| h.units.clone()).unwrap_or_default();
    let spark = |unit: usize| -> Vec<Option<f64>> {
        let id = view.units[unit].id.as_str();
        history.iter().map(|h| h.rate(id, q.basis)).collect()
    };
    // The headline: the unit asked for, or the whole company (hr_admin only).
    let whole = |v: &MonthView, seen: &[Disclosed]| {
        let everything = crate::figures::company_figures(&v.pairs, &v.cross);
        crate::figures::disclose_company(&v.tree, seen, everything, k, who)
    };
    let (headline, headline_spark) = match root {
        Some(r) => (seen[r].clone(), spark(r)),
        None => (
            whole(view, &seen),
            views
                .iter()
                .zip(&history)
                .map(|(v, h)| whole(v, &h.units).figures.and_then(|f| q.basis.rate(&f)))
                .collect(),
        ),
    };
    // The rows: the unit's subtree (or the whole tree), two levels deep unless asked for all.
    let all_depth = q.depth.as_deref() == Some("all");
    let base_depth = root.map_or(0, |r| view.tree.ancestry(r).count());
    let rows: Vec<Row> = view
        .units_under(root)
        .into_iter()
        .map(|u| (u, view.tree.ancestry(u).count() - base_depth))
        .filter(|&(_, depth)| all_depth || depth <= 1 + usize::from(root.is_none()))
        .map(|(unit, depth)| Row {
            unit,
            depth,
            spark: spark(unit),
        })
        .collect();
    let by_manager = crate::figures::by_manager_allowed(who);
    // Quality is pooled for every viewer alike; an org viewer reads their subtree only.
    let scope = match who {
        Viewer::Org { root } => Some(root),
        _ => None,
    };
    let quality = facts.map(|facts| {
        let units = facts.disclose(view, k, scope);
        let headline = match root {
            Some(r) => units[r],
            None => QualityDisclosed {
                quality: Some(facts.company(view, &units)),
                withheld: None,
                counted_above: 0,
            },
        };
        (units, headline)
    });
    Dashboard {
        quality,
        root,
        managers: root.filter(|_| by_manager).map(|r| manager_rollup(view, r)),
        by_manager_off: hr.is_admin() && root.is_some() && !by_manager,
        seen,
        headline,
        headline_spark,
        rows,
    }
}

pub async fn page(
    State(state): State<AppState>,
    hr: Hr,
    PageQuery(q): PageQuery<DashboardQuery>,
) -> PageResult<Markup> {
    let loaded = load(&state, &hr, &q).await?;
    let view = &loaded.views[loaded.views.len() - 1];
    let root = resolve_unit(&hr, view, q.unit.as_deref())?;
    let d = compute(&hr, &q, &loaded.views, loaded.quality.as_ref(), root);
    if let (Some(list), Some(r)) = (&d.managers, root)
        && !list.is_empty()
    {
        hr.audit(
            &state,
            "managers",
            serde_json::json!({"unit": view.units[r].id, "month": loaded.month, "managers": list.len()}),
        )
        .await?;
    }
    let title = match root {
        Some(r) => path(&view.units[r].path),
        None => hr.lang.pick("The whole company", "全社").to_owned(),
    };
    let body = render(&hr, &q, &loaded, &d, &title);
    Ok(layout::page(&hr, Nav::Dashboard, &title, body))
}

fn render(hr: &Hr, q: &DashboardQuery, loaded: &Loaded, d: &Dashboard, title: &str) -> Markup {
    let lang = hr.lang;
    let view = &loaded.views[loaded.views.len() - 1];
    let (month, last, asked, released) = (loaded.month, loaded.last, loaded.asked, loaded.released);
    let (root, seen, headline, managers) = (d.root, &d.seen, &d.headline, &d.managers);
    let k = hr.settings.k;
    let basis = q.basis;
    let target = f64::from(hr.settings.target_percent) / 100.0;
    let all_depth = q.depth.as_deref() == Some("all");
    let extra = |month_too: bool| {
        let mut s = String::new();
        if month_too {
            s.push_str(&format!("&month={month}"));
        }
        if basis == Basis::Reporting {
            s.push_str("&basis=reporting");
        }
        s
    };
    let unit_link = |u: usize| format!("/hr/?unit={}{}", crate::web::urlencode(&view.units[u].id), extra(true));
    let here_unit = root
        .map(|r| format!("&unit={}", crate::web::urlencode(&view.units[r].id)))
        .unwrap_or_default();
    let managers_column = headline.managers_shown;
    let quality_units = d.quality.as_ref().map(|(units, _)| units);
    // The month shown is still in progress (hr_admin only: org viewers read released months):
    // labelled so, never judged against the target, its sparkline point hollow.
    let (open, day) = crate::web::format::in_progress(chrono::Utc::now());
    let partial = month >= open;
    html! {
        div.page-head {
            div {
                @if let Some(r) = root {
                    nav.crumbs aria-label=(lang.pick("Path", "階層")) {
                        @if hr.is_admin() { a href={"/hr/?" (extra(true).trim_start_matches('&'))} { (lang.pick("Company", "全社")) } " › " }
                        @for (i, a) in view.tree.ancestry(r).collect::<Vec<_>>().into_iter().rev().enumerate() {
                            @if i > 0 { " › " }
                            @if a == r { strong { (view.units[a].name) } }
                            @else if seen[a].shown() { a href=(unit_link(a)) { (view.units[a].name) } }
                            @else { (view.units[a].name) }
                        }
                    }
                }
                h1 { (title) }
            }
            (month_nav(lang, "/hr/", month, last, &format!("{here_unit}{}", extra(false))))
        }
        @if released {
            p.muted.release {
                @match (asked > last, crate::figures::release_day(asked)) {
                    (true, Some(day)) => (match lang {
                        Lang::Ja => format!("{}の数字は{}から表示します（月が締まってから{}日後。それまでは{}を表示しています）。", lang.month(asked), day.format("%Y年%-m月%-d日"), crate::figures::RELEASE_DAYS, lang.month(last)),
                        Lang::En => format!("{} is shown from {} ({} days after the month closes); until then, this is {}.", lang.month(asked), day.format("%-d %B %Y"), crate::figures::RELEASE_DAYS, lang.month(last)),
                    }),
                    _ => (match lang {
                        Lang::Ja => format!("組織の数字は月が締まってから{}日後に確定し、その後は変わりません。報告中のペアが{k}組未満の組織は表示しません。小さな組織のペアは上位の組織で集計します。", crate::figures::RELEASE_DAYS),
                        Lang::En => format!("A month's figures are shown {} days after it closes and never change afterwards. Units with fewer than {k} pairs reporting are withheld; the pairs of small groups are counted in the unit above.", crate::figures::RELEASE_DAYS),
                    }),
                }
            }
        }
        section.headline aria-label=(lang.pick("This month", "今月")) {
            @if let Some(h) = &headline.figures {
                div.big {
                    span.figure data-pairs=(h.pairs) data-met=(h.met) data-reporting=(h.reporting_pairs) { (lang.rate(basis.rate(h))) }
                    span.caption { (basis.label(lang)) }
                    @if partial { span.in-progress #dashboard-in-progress { (lang.in_progress(day)) } }
                }
                div.facts {
                    p { strong { (lang.pick("Met", "実施済み")) } " "
                        (match lang { Lang::Ja => format!("{} / {} ペア", lang.count(h.met), lang.count(h.pairs)),
                                      Lang::En => format!("{} of {} pairs", lang.count(h.met), lang.count(h.pairs)) }) }
                    p {
                        @if headline.managers_shown {
                            strong { (lang.pick("Managers enrolled", "登録済みの上司")) } " " (lang.of(h.managers_enrolled, h.managers)) " · "
                        }
                        strong { (lang.pick("Pairs reporting", "報告中のペア")) } " " (lang.of(h.reporting_pairs, h.pairs)) }
                    p { strong { (lang.pick("1on1s held", "実施した1on1")) } " " (lang.count(h.sessions)) " · " (lang.minutes(h.minutes))
                        " · " strong { (lang.pick("Cross-organisation", "組織をまたぐ1on1")) } " " (cross(lang, headline, k)) }
                    @if headline.counted_above > 0 {
                        p.muted.counted-above { (match lang {
                            Lang::Ja => format!("この組織の小さなグループの{}ペアは、上位の組織で集計しているためここには含みません。", lang.count(headline.counted_above)),
                            Lang::En => format!("{} pairs of small groups in this unit are counted in the unit above, not here.", lang.count(headline.counted_above)),
                        }) }
                    }
                }
                div.trend-small { (chart::sparkline(&d.headline_spark, target, lang.pick("The last 12 months", "直近12か月"), partial)) }
            } @else {
                p.suppressed { (withheld(lang, k)) }
            }
        }
        section.quality aria-label=(quality::caption(lang)) {
            @match &d.quality {
                Some((_, h)) => {
                    (quality::headline(lang, h, k))
                    p.muted.small.quality-definition { (quality::definition(lang, k)) }
                }
                None => {
                    h2 { (quality::caption(lang)) }
                    p.muted.quality-not-final { (quality::not_final(lang, month)) }
                }
            }
        }
        div.toolbar {
            span { (lang.pick("Rate over:", "実施率の分母：")) " " }
            @for b in [Basis::All, Basis::Reporting] {
                @if b == basis { strong { (b.label(lang)) } }
                @else { a href={"/hr/?month=" (month) (here_unit) "&basis=" (b.code())} { (b.label(lang)) } }
                " "
            }
            span.sep { "|" }
            @if all_depth { a href={"/hr/?month=" (month) (here_unit) (extra(false))} { (lang.pick("Two levels", "2階層まで")) } }
            @else { a href={"/hr/?month=" (month) (here_unit) (extra(false)) "&depth=all"} { (lang.pick("Whole tree", "すべての階層")) } }
            span.sep { "|" }
            span.legend { svg width="14" height="4" aria-hidden="true" { line.target x1="0" x2="14" y1="2" y2="2" {} } " "
                (match lang { Lang::Ja => format!("目標 {}%", hr.settings.target_percent), Lang::En => format!("Target {}%", hr.settings.target_percent) }) }
        }
        // On a phone, the units as a list a person can read (name, rate against the target); the
        // full table is one tap away. On a wider screen, the table alone (CSS decides).
        ul.unit-cards aria-label=(lang.pick("Org units", "組織")) {
            @for row in &d.rows {
                @let u = row.unit;
                @let d = &seen[u];
                li data-unit=(view.units[u].id) {
                    span.name {
                        @if d.shown() { a href=(unit_link(u)) { (view.units[u].name) } } @else { (view.units[u].name) }
                        @if view.units[u].path.len() > 2 { span.path { (path(&view.units[u].path[..view.units[u].path.len() - 1])) } }
                    }
                    @if let Some(f) = &d.figures {
                        @let rate = basis.rate(f);
                        @let below = !partial && rate.is_some_and(|r| r < target);
                        span.rate-line {
                            (chart::bar(rate, target, below)) " " strong { (lang.rate(rate)) }
                            @if below { span.flag { (lang.pick(" below target", " 目標未達")) } }
                        }
                    } @else {
                        span.muted { (withheld(lang, k)) }
                    }
                    @if let Some(units) = quality_units { (quality::line(lang, &units[u], k)) }
                }
            }
        }
        input #show-table.table-toggle type="checkbox";
        label.table-toggle.button for="show-table" { (lang.pick("Show the full table", "表をすべて表示")) }
        div.table-wrap {
        table.units.sortable {
            thead { tr {
                th { (lang.pick("Org unit", "組織")) }
                th.num { (basis.label(lang)) }
                th.num { (lang.pick("Met / pairs", "実施 / ペア")) }
                @if managers_column { th.num { (lang.pick("Managers enrolled", "登録済みの上司")) } }
                th.num { (lang.pick("Pairs reporting", "報告中のペア")) }
                th.num { (lang.pick("1on1s · minutes", "1on1・時間")) }
                th.num { (lang.pick("Cross-org · minutes", "組織横断・時間")) }
                th { (lang.pick("12 months", "12か月")) }
                @if d.quality.is_some() { (quality::heads(lang)) }
            } }
            tbody {
                @for row in &d.rows {
                    @let (u, depth) = (row.unit, row.depth);
                    @let d = &seen[u];
                    @let name = html! {
                        span class={"indent d" (depth.min(8))} {}
                        @if d.shown() { a href=(unit_link(u)) { (view.units[u].name) } } @else { (view.units[u].name) }
                        @if view.units[u].path.len() > 1 { span.path { (path(&view.units[u].path)) } }
                    };
                    @if let Some(f) = &d.figures {
                        @let rate = basis.rate(f);
                        @let below = !partial && rate.is_some_and(|r| r < target);
                        tr class=(if below { "below" } else { "" }) data-unit=(view.units[u].id) data-pairs=(f.pairs) data-met=(f.met) data-reporting=(f.reporting_pairs) {
                            th.unit scope="row" data-depth=(depth) {
                                (name)
                                @if d.counted_above > 0 {
                                    span.counted-above { (match lang {
                                        Lang::Ja => format!("{}ペアは上位で集計", lang.count(d.counted_above)),
                                        Lang::En => format!("{} pairs counted above", lang.count(d.counted_above)),
                                    }) }
                                }
                            }
                            td.num data-sort=(rate.map_or(-1.0, |r| r)) {
                                (chart::bar(rate, target, below)) " " (lang.rate(rate))
                                @if below { span.flag { (lang.pick(" below target", " 目標未達")) } }
                            }
                            td.num data-sort=(f.met) { (lang.count(f.met)) " / " (lang.count(f.pairs)) }
                            @if managers_column { td.num { (lang.of(f.managers_enrolled, f.managers)) } }
                            td.num { (lang.of(f.reporting_pairs, f.pairs)) }
                            td.num { (lang.count(f.sessions)) " · " (lang.minutes(f.minutes)) }
                            td.num.why[!d.cross_shown] { (cross(lang, d, k)) }
                            td { (chart::sparkline(&row.spark, target, &format!("{}: {}", view.units[u].name, lang.pick("the last 12 months", "直近12か月")), partial)) }
                            @if let Some(units) = quality_units { (quality::cells(lang, &units[u], k)) }
                        }
                    } @else {
                        tr.withheld data-unit=(view.units[u].id) data-withheld="fewer-reporting" {
                            th.unit scope="row" data-depth=(depth) { (name) }
                            td.muted colspan=(if managers_column { 7 } else { 6 }) { (withheld(lang, k)) }
                            @if let Some(units) = quality_units { (quality::cells(lang, &units[u], k)) }
                        }
                    }
                }
            }
        }
        }
        @if d.by_manager_off {
            p.muted.by-manager-off { (lang.pick(
                "Figures by manager are not shown: pair-level detail is turned off in Settings.",
                "上司ごとの数字は表示していません（設定でペア単位の詳細がオフです）。")) }
        }
        @if let Some(list) = &managers {
            h2 { (lang.pick("Managers in this unit", "この組織の上司")) }
            @if list.is_empty() {
                p.muted { (lang.pick("No pairs in this unit.", "この組織にはペアがありません。")) }
            } @else {
                p.muted { (lang.pick("Every manager with a direct report in this unit or below. Viewing this list is written to the audit log.",
                                     "この組織と配下に直属の部下がいる上司です。この一覧の表示は監査ログに記録されます。")) }
                table.sortable.managers {
                    thead { tr {
                        th { (lang.pick("Manager", "上司")) }
                        th { (lang.pick("Enrolled", "端末登録")) }
                        th.num { (lang.pick("Met / pairs", "実施 / ペア")) }
                        th.num { (lang.pick("Rate", "実施率")) }
                        th.num { (lang.pick("1on1s · minutes", "1on1・時間")) }
                    } }
                    tbody {
                        @for m in list {
                            tr {
                                td { (m.name) " " span.id { (m.id) } }
                                td { @if m.figures.managers_enrolled > 0 { (lang.pick("yes", "済")) } @else { span.warn { (lang.pick("not enrolled", "未登録")) } } }
                                td.num { (lang.count(m.figures.met)) " / " (lang.count(m.figures.pairs)) }
                                td.num data-sort=(basis.rate(&m.figures).map_or(-1.0, |r| r)) { (lang.rate(basis.rate(&m.figures))) }
                                td.num { (lang.count(m.figures.sessions)) " · " (lang.minutes(m.figures.minutes)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Why a unit's figures are withheld, in words.
fn withheld(lang: Lang, k: u32) -> String {
    match lang {
        Lang::Ja => format!("報告中のペアが{k}組未満のため表示しません"),
        Lang::En => format!("Withheld: fewer than {k} pairs reporting"),
    }
}

/// The cross-organisation figures of a unit, or why they are withheld.
fn cross(lang: Lang, d: &Disclosed, k: u32) -> String {
    match &d.figures {
        Some(f) if d.cross_shown => format!("{} · {}", lang.count(f.cross_sessions), lang.minutes(f.cross_minutes)),
        _ => match lang {
            Lang::Ja => format!("{k}件未満"),
            Lang::En => format!("fewer than {k} records"),
        },
    }
}

/// One manager's figures over their pairs in a unit's subtree.
#[derive(Debug, Clone)]
pub struct ManagerRow {
    pub id: String,
    pub name: String,
    pub figures: Figures,
}

pub fn manager_rollup(view: &MonthView, root: usize) -> Vec<ManagerRow> {
    let pairs: Vec<crate::figures::PairFact> = view.pairs_under(root).into_iter().map(|i| view.pairs[i]).collect();
    let mut rows: Vec<ManagerRow> = crate::figures::by_manager(&pairs)
        .into_iter()
        .map(|(m, figures)| {
            let id = view.managers[m].clone();
            ManagerRow {
                name: view.name(&id),
                id,
                figures,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    rows
}
