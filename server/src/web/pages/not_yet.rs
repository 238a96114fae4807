//! Not yet this month (hr_admin, with pair detail on): the manager–member pairs of a unit with no
//! 1on1 held yet in the month, and how many months in a row each has gone without one; read per
//! manager (a filter with each manager's count) and `PAGE_ROWS` at a time, while the CSV holds
//! every pair. Every view and download is written to the audit log.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;
use taiwa_protocol::Month;

use super::dashboard::{month_nav, resolve_unit_or_top};
use super::layout::{self, Nav};
use crate::app::AppState;
use crate::spreadsheet::CsvOut;
use crate::store::{self, MonthView};
use crate::web::format::path;
use crate::web::{Hr, Lang, PageError, PageQuery, PageResult, attachment, run};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotYetQuery {
    month: Option<Month>,
    unit: Option<String>,
    /// Only this manager's pairs (the page; the CSV holds every pair).
    manager: Option<String>,
    /// Which page of `PAGE_ROWS` (from 1).
    page: Option<usize>,
}

/// How many pairs one page lists.
pub const PAGE_ROWS: usize = 100;

/// The managers of `rows` with how many pairs each has not met: most first, then by id.
pub fn by_manager(rows: &[NotYet]) -> Vec<(&str, &str, usize)> {
    let mut counts: std::collections::HashMap<&str, (&str, usize)> = std::collections::HashMap::new();
    for r in rows {
        counts.entry(&r.manager_id).or_insert((&r.manager_name, 0)).1 += 1;
    }
    let mut out: Vec<(&str, &str, usize)> = counts.into_iter().map(|(id, (name, n))| (id, name, n)).collect();
    out.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(b.0)));
    out
}

/// Page `asked` (from 1, clamped to the pages there are) of `total` rows, `PAGE_ROWS` a page:
/// (the page, the number of pages, the rows it holds).
pub fn paged(total: usize, asked: usize) -> (usize, usize, std::ops::Range<usize>) {
    let pages = total.div_ceil(PAGE_ROWS).max(1);
    let page = asked.clamp(1, pages);
    let first = (page - 1) * PAGE_ROWS;
    (page, pages, first..(first + PAGE_ROWS).min(total))
}

/// A pair with no 1on1 held in the month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotYet {
    pub manager_id: String,
    pub manager_name: String,
    pub member_id: String,
    pub member_name: String,
    pub unit_path: Vec<String>,
    /// Months in a row without a 1on1, this one included, counted back through months that have
    /// any record on the server (at most 24).
    pub months_without: u32,
    pub manager_enrolled: bool,
}

/// The pairs under `root` not met in the last of `views` (oldest first), with their streaks.
pub fn not_yet(views: &[Arc<MonthView>], root: usize) -> Vec<NotYet> {
    let Some(view) = views.last() else { return Vec::new() };
    // Months with any line record at all: before the first of them nothing was measured.
    let measured: Vec<bool> = views.iter().map(|v| v.pairs.iter().any(|p| p.recorded)).collect();
    let lookups: Vec<std::collections::HashMap<(&str, &str), bool>> = views
        .iter()
        .map(|v| {
            v.pair_ids
                .iter()
                .zip(&v.pairs)
                .map(|((a, b), p)| ((a.as_str(), b.as_str()), p.met()))
                .collect()
        })
        .collect();
    let mut rows: Vec<NotYet> = view
        .pairs_under(root)
        .into_iter()
        .filter(|&i| !view.pairs[i].met())
        .map(|i| {
            let (manager, member) = &view.pair_ids[i];
            let key = (manager.as_str(), member.as_str());
            let mut streak = 0;
            for (m, lookup) in lookups.iter().enumerate().rev() {
                match lookup.get(&key) {
                    Some(false) if measured[m] || m + 1 == lookups.len() => streak += 1,
                    _ => break,
                }
            }
            NotYet {
                manager_id: manager.clone(),
                manager_name: view.name(manager),
                member_id: member.clone(),
                member_name: view.name(member),
                unit_path: view.units[view.pairs[i].unit].path.clone(),
                months_without: streak,
                manager_enrolled: view.pairs[i].manager_enrolled,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.months_without
            .cmp(&a.months_without)
            .then_with(|| (&a.manager_id, &a.member_id).cmp(&(&b.manager_id, &b.member_id)))
    });
    rows
}

struct Loaded {
    month: Month,
    views: Vec<Arc<MonthView>>,
    root: usize,
    rows: Vec<NotYet>,
}

async fn load(state: &AppState, hr: &Hr, q: NotYetQuery) -> PageResult<Loaded> {
    hr.require_admin()?;
    let lang = hr.lang;
    if !hr.settings.pair_detail {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            lang,
            lang.pick(
                "Pair-level detail is turned off. An HR administrator can turn it on in Settings; every view is then written to the audit log.",
                "ペア単位の表示はオフになっています。人事管理者が設定でオンにできます（表示はすべて監査ログに記録されます）。",
            ),
        ));
    }
    let current = store::current_month();
    let month = q.month.unwrap_or(current).min(current);
    let first = month.plus(-23).unwrap_or(month);
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    let views = run(lang, move || store::month_views(&pool, &reports, first, month)).await?;
    let Some(view) = views.last() else {
        return Err(PageError::from_error(
            crate::Error::Internal("no month loaded".into()),
            lang,
        ));
    };
    let root = resolve_unit_or_top(hr, view, q.unit.as_deref())?;
    let rows = not_yet(&views, root);
    Ok(Loaded {
        month,
        views,
        root,
        rows,
    })
}

pub async fn page(State(state): State<AppState>, hr: Hr, PageQuery(q): PageQuery<NotYetQuery>) -> PageResult<Markup> {
    let lang = hr.lang;
    let (manager, asked) = (q.manager.clone().filter(|m| !m.is_empty()), q.page.unwrap_or(1));
    let Loaded {
        month,
        views,
        root,
        rows,
    } = load(&state, &hr, q).await?;
    let view = views.last().ok_or_else(|| PageError::forbidden(lang))?;
    let unit = &view.units[root];
    let managers = by_manager(&rows);
    let chosen = manager
        .as_deref()
        .and_then(|m| managers.iter().find(|(id, _, _)| *id == m).copied());
    let shown: Vec<&NotYet> = rows
        .iter()
        .filter(|r| chosen.is_none_or(|(id, _, _)| r.manager_id == id))
        .collect();
    let (page, pages, range) = paged(shown.len(), asked);
    hr.audit(
        &state,
        "not_yet",
        serde_json::json!({"unit": unit.id, "month": month, "pairs": range.len(),
            "manager": chosen.map(|(id, _, _)| id), "page": (pages > 1).then_some(page)}),
    )
    .await?;
    let current = store::current_month();
    let q_unit = format!("&unit={}", crate::web::urlencode(&unit.id));
    let q_manager = chosen.map_or_else(String::new, |(id, _, _)| {
        format!("&manager={}", crate::web::urlencode(id))
    });
    let children: Vec<usize> = view.tree.children(root).to_vec();
    let page_link = |p: usize| format!("/hr/not-yet?month={month}{q_unit}{q_manager}&page={p}");
    let body = html! {
        div.page-head {
            div {
                p.crumbs { (path(&unit.path)) }
                h1 { (lang.pick("Not yet this month", "今月未実施")) }
            }
            (month_nav(lang, "/hr/not-yet", month, current, &q_unit))
        }
        p { (match lang {
            Lang::Ja => format!("{}で{}に1on1がまだ行われていないペア：{}組（上司 {}人）", unit.name, lang.month(month), lang.count(rows.len() as u64), lang.count(managers.len() as u64)),
            Lang::En => format!("Pairs in {} with no 1on1 held yet in {}: {} (of {} managers)", unit.name, lang.month(month), lang.count(rows.len() as u64), lang.count(managers.len() as u64)),
        }) }
        p.muted { (lang.pick("Months in a row counts this month and the months before it without a 1on1, back to the first month with any record on the server. A manager who is not enrolled cannot report: their pairs are marked.",
                             "連続月数は今月を含めて1on1のない月が続いた数です（サーバーに記録がある最初の月まで遡ります）。端末未登録の上司は報告できないため、その旨を表示します。")) }
        div.toolbar {
            a.button href={"/hr/not-yet.csv?month=" (month) (q_unit)} download { (lang.pick("Download CSV", "CSVをダウンロード")) }
            @if !children.is_empty() {
                form.inline method="get" action="/hr/not-yet" {
                    input type="hidden" name="month" value=(month);
                    label { (lang.pick("Unit ", "組織 "))
                        select name="unit" {
                            option value=(unit.id) selected { (unit.name) }
                            @for c in &children { option value=(view.units[*c].id) { "— " (view.units[*c].name) } }
                        }
                    }
                    button { (lang.pick("Show", "表示")) }
                }
            }
            @if let Some(p) = unit.parent {
                a href={"/hr/not-yet?month=" (month) "&unit=" (crate::web::urlencode(&view.units[p].id))} { (lang.pick("↑ Up one level", "↑ 上の階層")) }
            }
        }
        @if !managers.is_empty() {
            form.inline.toolbar.manager-filter method="get" action="/hr/not-yet" {
                input type="hidden" name="month" value=(month);
                input type="hidden" name="unit" value=(unit.id);
                label { (lang.pick("Manager ", "上司 "))
                    select name="manager" {
                        option value="" { (match lang {
                            Lang::Ja => format!("すべての上司（{}人）", lang.count(managers.len() as u64)),
                            Lang::En => format!("Every manager ({})", lang.count(managers.len() as u64)),
                        }) }
                        @for (id, name, n) in &managers {
                            option value=(id) selected[chosen.is_some_and(|c| c.0 == *id)] { (match lang {
                                Lang::Ja => format!("{name}（{id}）：{}組", lang.count(*n as u64)),
                                Lang::En => format!("{name} ({id}): {}", lang.count(*n as u64)),
                            }) }
                        }
                    }
                }
                button { (lang.pick("Show", "表示")) }
            }
        }
        @if let Some((id, name, n)) = chosen {
            h2.manager-pairs { (match lang {
                Lang::Ja => format!("{name}（{id}）の未実施ペア：{}組", lang.count(n as u64)),
                Lang::En => format!("{name} ({id}): {} pair(s) not met", lang.count(n as u64)),
            }) " "
            a.small href={"/hr/not-yet?month=" (month) (q_unit)} { (lang.pick("Every manager", "すべての上司")) } }
        }
        @if rows.is_empty() {
            p.good { (lang.pick("Every pair in this unit has met this month.", "この組織のすべてのペアが今月1on1を行いました。")) }
        } @else {
            @if pages > 1 {
                (pager(lang, page, pages, &range, shown.len(), &page_link))
            }
            table.sortable.not-yet {
                thead { tr {
                    th { (lang.pick("Manager", "上司")) }
                    th { (lang.pick("Member", "メンバー")) }
                    th { (lang.pick("Member's unit", "メンバーの組織")) }
                    th.num { (lang.pick("Months in a row", "連続月数")) }
                    th { (lang.pick("Manager's device", "上司の端末")) }
                } }
                tbody {
                    @for r in &shown[range.clone()] {
                        tr data-member=(r.member_id) data-months=(r.months_without) {
                            td { (r.manager_name) " " span.id { (r.manager_id) } }
                            td { (r.member_name) " " span.id { (r.member_id) } }
                            td.path-cell { (path(&r.unit_path)) }
                            td.num data-sort=(r.months_without) { (r.months_without) }
                            td { @if r.manager_enrolled { (lang.pick("enrolled", "登録済み")) } @else { span.warn { (lang.pick("not enrolled", "未登録")) } } }
                        }
                    }
                }
            }
            @if pages > 1 {
                (pager(lang, page, pages, &range, shown.len(), &page_link))
            }
        }
    };
    Ok(layout::page(
        &hr,
        Nav::NotYet,
        lang.pick("Not yet this month", "今月未実施"),
        body,
    ))
}

/// "Rows 101–200 of 3,198 · page 2 of 32", with the pages before and after.
fn pager(
    lang: Lang,
    page: usize,
    pages: usize,
    range: &std::ops::Range<usize>,
    total: usize,
    link: &dyn Fn(usize) -> String,
) -> Markup {
    let n = |v: usize| lang.count(v as u64);
    html! {
        nav.pager aria-label=(lang.pick("Pages", "ページ")) {
            @if page > 1 { a rel="prev" href=(link(page - 1)) { (lang.pick("← Previous", "← 前へ")) } }
            span { (match lang {
                Lang::Ja => format!("{}件中 {}〜{}件目（{} / {}ページ）", n(total), n(range.start + 1), n(range.end), n(page), n(pages)),
                Lang::En => format!("Rows {}–{} of {} (page {} of {})", n(range.start + 1), n(range.end), n(total), n(page), n(pages)),
            }) }
            @if page < pages { a rel="next" href=(link(page + 1)) { (lang.pick("Next →", "次へ →")) } }
        }
    }
}

pub async fn csv(State(state): State<AppState>, hr: Hr, PageQuery(q): PageQuery<NotYetQuery>) -> PageResult<Response> {
    let lang = hr.lang;
    let Loaded {
        month,
        views,
        root,
        rows,
    } = load(&state, &hr, q).await?;
    let unit_id = views.last().map(|v| v.units[root].id.clone()).unwrap_or_default();
    hr.audit(
        &state,
        "not_yet_csv",
        serde_json::json!({"unit": unit_id, "month": month, "pairs": rows.len()}),
    )
    .await?;
    let mut out = CsvOut::new(true);
    let fail = |e| PageError::from_error(e, lang);
    out.row(&[
        "month",
        "manager_employee_id",
        "manager_name",
        "member_employee_id",
        "member_name",
        "member_unit",
        "months_in_a_row",
        "manager_enrolled",
    ])
    .map_err(fail)?;
    for r in &rows {
        out.row(&[
            month.to_string(),
            r.manager_id.clone(),
            r.manager_name.clone(),
            r.member_id.clone(),
            r.member_name.clone(),
            path(&r.unit_path),
            r.months_without.to_string(),
            if r.manager_enrolled { "yes" } else { "no" }.to_owned(),
        ])
        .map_err(fail)?;
    }
    let text = out.finish().map_err(fail)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                attachment(&format!("not-yet-{unit_id}-{month}.csv")),
            ),
        ],
        text,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(manager: &str, member: &str) -> NotYet {
        NotYet {
            manager_id: manager.to_owned(),
            manager_name: format!("name {manager}"),
            member_id: member.to_owned(),
            member_name: String::new(),
            unit_path: Vec::new(),
            months_without: 1,
            manager_enrolled: true,
        }
    }

    #[test]
    fn managers_are_counted_most_first_and_pages_hold_a_hundred() {
        let rows = vec![row("M2", "a"), row("M1", "b"), row("M2", "c"), row("M3", "d")];
        assert_eq!(
            by_manager(&rows),
            vec![("M2", "name M2", 2), ("M1", "name M1", 1), ("M3", "name M3", 1)]
        );
        assert_eq!(paged(0, 1), (1, 1, 0..0));
        assert_eq!(paged(3_198, 1), (1, 32, 0..100));
        assert_eq!(paged(3_198, 32), (32, 32, 3_100..3_198));
        assert_eq!(paged(3_198, 99), (32, 32, 3_100..3_198), "past the end: the last page");
        assert_eq!(paged(100, 0), (1, 1, 0..100));
    }
}
