//! Roll-out and devices (hr_admin): who has enrolled, enrolment codes issued singly or for every
//! manager of a unit at once (a CSV to mail-merge), outstanding codes and their cancellation, and
//! devices per manager with revocation (a lost laptop, a manager who left).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::dashboard::resolve_unit_or_top;
use super::layout::{self, Nav};
use crate::app::AppState;
use crate::spreadsheet::CsvOut;
use crate::store::{self, CodeInfo, DeviceInfo, MonthView};
use crate::web::format::path;
use crate::web::{Hr, Lang, PageError, PageForm, PageQuery, PageResult, attachment, csrf_field, run};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolloutQuery {
    unit: Option<String>,
    employee: Option<String>,
    done: Option<String>,
}

struct Loaded {
    view: Arc<MonthView>,
    root: usize,
    codes: Vec<CodeInfo>,
    devices: Vec<DeviceInfo>,
}

async fn load(state: &AppState, hr: &Hr, unit: Option<&str>) -> PageResult<Loaded> {
    hr.require_admin()?;
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    let (view, codes, devices) = run(hr.lang, move || {
        Ok((
            store::month_view(&pool, &reports, store::current_month())?,
            store::outstanding_codes(&pool)?,
            store::devices(&pool, None)?,
        ))
    })
    .await?;
    let root = resolve_unit_or_top(hr, &view, unit)?;
    Ok(Loaded {
        view,
        root,
        codes,
        devices,
    })
}

/// The managers with a direct report in `root`'s subtree, by id.
fn managers_under(view: &MonthView, root: usize) -> Vec<String> {
    let mut ids: Vec<String> = view
        .pairs_under(root)
        .into_iter()
        .map(|i| view.pair_ids[i].0.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    ids.sort();
    ids
}

fn render(hr: &Hr, l: &Loaded, employee: Option<&str>, issued: Option<(&str, &str)>, notice: Option<&str>) -> Markup {
    let lang = hr.lang;
    let view = &l.view;
    let unit = &view.units[l.root];
    let figures = view.figures();
    let f = &figures[l.root];
    let managers = managers_under(view, l.root);
    let active: HashMap<&str, usize> =
        l.devices
            .iter()
            .filter(|d| d.revoked_at.is_none())
            .fold(HashMap::new(), |mut m, d| {
                *m.entry(d.employee_id.as_str()).or_default() += 1;
                m
            });
    let pending: HashSet<&str> = l.codes.iter().map(|c| c.employee_id.as_str()).collect();
    // A manager's own unit (names repeat: show the path).
    let unit_of = |id: &str| path(&view.home_path(id));
    let devices: Vec<&DeviceInfo> = l
        .devices
        .iter()
        .filter(|d| employee.is_none_or(|e| d.employee_id == e))
        .collect();
    html! {
        h1 { (lang.pick("Roll-out and devices", "導入と端末")) }
        (layout::notice(notice))
        @if let Some((who, code)) = issued {
            div.notice.code-once role="status" {
                p { (match lang {
                    Lang::Ja => format!("{who} の登録コード（この画面でのみ表示します）:"),
                    Lang::En => format!("Enrolment code for {who} (shown only now):"),
                }) }
                p.code { (code) }
            }
        }
        nav.crumbs { (path(&unit.path)) }
        section.headline {
            div.big {
                span.figure { (lang.rate(crate::figures::rate(f.managers_enrolled, f.managers))) }
                span.caption { (lang.pick("of managers enrolled", "の上司が端末を登録済み")) }
            }
            div.facts {
                p { strong { (lang.pick("Managers enrolled", "登録済みの上司")) } " " (lang.of(f.managers_enrolled, f.managers)) }
                p { strong { (lang.pick("Pairs reporting", "報告中のペア")) } " " (lang.of(f.reporting_pairs, f.pairs)) }
                p.muted { (lang.pick("A pair whose manager has not enrolled cannot report: read completion beside this coverage.",
                                     "上司が端末を登録していないペアは報告できません。実施率はこの導入状況と合わせて読んでください。")) }
            }
        }
        div.cols {
            section {
                h2 { (lang.pick("Issue an enrolment code", "登録コードの発行")) }
                form.stack method="post" action="/hr/rollout/code" {
                    (csrf_field(hr))
                    label { (lang.pick("Manager's employee id", "上司の社員番号")) input name="employee_id" required maxlength="64"; }
                    label { (lang.pick("Valid for (days)", "有効期間（日）")) input type="number" name="days" value="14" min="1" max="90" required; }
                    button.primary { (lang.pick("Issue code", "発行する")) }
                }
            }
            section {
                h2 { (lang.pick("Codes for every manager of this unit", "この組織のすべての上司にコードを発行")) }
                p.muted { (lang.pick("Downloads a CSV (name, email, code) to mail-merge. Codes are shown only in this file.",
                                     "差し込み印刷用のCSV（氏名・メール・コード）をダウンロードします。コードはこのファイルにのみ含まれます。")) }
                form.stack method="post" action="/hr/rollout/codes.csv" {
                    (csrf_field(hr))
                    input type="hidden" name="unit" value=(unit.id);
                    label.check { input type="checkbox" name="only_new" value="1" checked; " " (lang.pick("Only managers not yet enrolled", "未登録の上司のみ")) }
                    label { (lang.pick("Valid for (days)", "有効期間（日）")) input type="number" name="days" value="14" min="1" max="90" required; }
                    button.primary { (lang.pick("Download codes (CSV)", "コードをダウンロード（CSV）")) }
                }
            }
        }
        form.inline.toolbar method="get" action="/hr/rollout" {
            label { (lang.pick("Unit ", "組織 "))
                select name="unit" {
                    option value=(unit.id) selected { (unit.name) }
                    @if let Some(p) = unit.parent { option value=(view.units[p].id) { "↑ " (view.units[p].name) } }
                    @for c in view.tree.children(l.root) { option value=(view.units[*c].id) { "— " (view.units[*c].name) } }
                }
            }
            button { (lang.pick("Show", "表示")) }
        }
        h2 { (lang.pick("Managers", "上司")) " (" (managers.len()) ")" }
        table.sortable {
            thead { tr {
                th { (lang.pick("Manager", "上司")) }
                th { (lang.pick("Unit", "組織")) }
                th { (lang.pick("Devices", "端末")) }
                th { (lang.pick("Code outstanding", "未使用のコード")) }
            } }
            tbody {
                @for id in &managers {
                    tr {
                        td { (view.name(id)) " " span.id { (id) } }
                        td.path-cell { (unit_of(id)) }
                        td { @match active.get(id.as_str()) {
                            Some(n) => a href={"/hr/rollout?unit=" (crate::web::urlencode(&unit.id)) "&employee=" (crate::web::urlencode(id)) "#devices"} { (n) },
                            None => span.warn { (lang.pick("not enrolled", "未登録")) },
                        } }
                        td { @if pending.contains(id.as_str()) { (lang.pick("yes", "あり")) } }
                    }
                }
            }
        }
        h2 { (lang.pick("Outstanding codes", "未使用のコード")) " (" (l.codes.len()) ")" }
        @if l.codes.is_empty() { p.muted { (lang.pick("None.", "ありません。")) } } @else {
            table {
                thead { tr { th { (lang.pick("For", "対象")) } th { (lang.pick("Issued", "発行")) } th { (lang.pick("Expires", "有効期限")) } th { } } }
                tbody {
                    @for c in &l.codes {
                        tr {
                            td { (c.name) " " span.id { (c.employee_id) } }
                            td { (c.created_at.map(|t| lang.date(t)).unwrap_or_default()) " " span.muted { (c.created_by.clone().unwrap_or_default()) } }
                            td { (lang.date(c.expires_at)) }
                            td { form.inline method="post" action="/hr/rollout/cancel" {
                                (csrf_field(hr))
                                input type="hidden" name="id" value=(c.id);
                                button.link { (lang.pick("Cancel", "取り消す")) }
                            } }
                        }
                    }
                }
            }
        }
        h2 id="devices" { (lang.pick("Devices", "端末")) }
        form.inline.toolbar method="get" action="/hr/rollout" {
            input type="hidden" name="unit" value=(unit.id);
            label { (lang.pick("Employee id ", "社員番号 ")) input name="employee" value=(employee.unwrap_or_default()) maxlength="64"; }
            button { (lang.pick("Filter", "絞り込む")) }
        }
        table.sortable {
            thead { tr {
                th { (lang.pick("Manager", "上司")) }
                th { (lang.pick("Device name", "端末名")) }
                th { (lang.pick("Enrolled", "登録日")) }
                th { (lang.pick("State", "状態")) }
                th { }
            } }
            tbody {
                @for d in &devices {
                    tr {
                        td { (d.name) " " span.id { (d.employee_id) } }
                        td { (d.device_name) }
                        td { (lang.date(d.created_at)) }
                        td { @match d.revoked_at { Some(t) => span.muted { (lang.pick("revoked ", "失効 ")) (lang.date(t)) }, None => (lang.pick("active", "有効")) } }
                        td { @if d.revoked_at.is_none() {
                            form.inline method="post" action="/hr/rollout/revoke" {
                                (csrf_field(hr))
                                input type="hidden" name="id" value=(d.id);
                                button.danger.small { (lang.pick("Revoke", "失効させる")) }
                            }
                        } }
                    }
                }
            }
        }
    }
}

fn title(lang: Lang) -> &'static str {
    lang.pick("Roll-out and devices", "導入と端末")
}

pub async fn page(State(state): State<AppState>, hr: Hr, PageQuery(q): PageQuery<RolloutQuery>) -> PageResult<Markup> {
    let l = load(&state, &hr, q.unit.as_deref()).await?;
    let notice = q.done.as_deref().map(|d| match d {
        "cancelled" => hr.lang.pick("The code was cancelled.", "コードを取り消しました。"),
        "revoked" => hr.lang.pick(
            "The device was revoked: its next sync is refused.",
            "端末を失効させました。次回の同期は拒否されます。",
        ),
        _ => hr.lang.pick("Done.", "完了しました。"),
    });
    Ok(layout::page(
        &hr,
        Nav::Rollout,
        title(hr.lang),
        render(&hr, &l, q.employee.as_deref(), None, notice),
    ))
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    employee_id: String,
    days: u32,
}

pub async fn issue(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<CodeForm>) -> PageResult<Markup> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let pool = state.pool.clone();
    let (employee, days, by) = (f.employee_id.trim().to_owned(), f.days, hr.account.email.clone());
    let who = employee.clone();
    let code = run(hr.lang, move || store::create_enrol_code(&pool, &who, days, &by)).await?;
    hr.audit(
        &state,
        "code_issued",
        serde_json::json!({"employee": employee, "days": days}),
    )
    .await?;
    let l = load(&state, &hr, None).await?;
    let name = format!("{} ({employee})", l.view.name(&employee));
    Ok(layout::page(
        &hr,
        Nav::Rollout,
        title(hr.lang),
        render(&hr, &l, None, Some((&name, &code)), None),
    ))
}

#[derive(Debug, Deserialize)]
pub struct UnitCodesForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    unit: String,
    only_new: Option<String>,
    days: u32,
}

pub async fn issue_for_unit(
    State(state): State<AppState>,
    hr: Hr,
    PageForm(f): PageForm<UnitCodesForm>,
) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let lang = hr.lang;
    let l = load(&state, &hr, Some(&f.unit)).await?;
    let enrolled: HashSet<String> = l
        .devices
        .iter()
        .filter(|d| d.revoked_at.is_none())
        .map(|d| d.employee_id.clone())
        .collect();
    let only_new = f.only_new.is_some();
    let managers: Vec<String> = managers_under(&l.view, l.root)
        .into_iter()
        .filter(|m| !only_new || !enrolled.contains(m))
        .collect();
    if !(1..=90).contains(&f.days) {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            lang,
            lang.pick("A code may be valid for 1 to 90 days.", "有効期間は1〜90日です。"),
        ));
    }
    let pool = state.pool.clone();
    let (days, by) = (f.days, hr.account.email.clone());
    let list = managers.clone();
    let codes = run(lang, move || {
        list.iter()
            .map(|m| store::create_enrol_code(&pool, m, days, &by).map(|c| (m.clone(), c)))
            .collect::<Result<Vec<_>, _>>()
    })
    .await?;
    hr.audit(
        &state,
        "codes_issued",
        serde_json::json!({"unit": l.view.units[l.root].id, "codes": codes.len(), "days": days}),
    )
    .await?;
    let emails = {
        let pool = state.pool.clone();
        let ids = managers.clone();
        run(lang, move || store::emails(&pool, &ids)).await?
    };
    let expires = lang.date(store::now() + i64::from(days) * 86_400);
    let fail = |e| PageError::from_error(e, lang);
    let mut out = CsvOut::new(true);
    out.row(&["employee_id", "name", "email", "unit", "code", "expires"])
        .map_err(fail)?;
    for (id, code) in &codes {
        let unit = path(&l.view.home_path(id));
        out.row(&[
            id.clone(),
            l.view.name(id),
            emails.get(id).cloned().unwrap_or_default(),
            unit,
            code.clone(),
            expires.clone(),
        ])
        .map_err(fail)?;
    }
    let text = out.finish().map_err(fail)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                attachment(&format!("enrolment-codes-{}.csv", l.view.units[l.root].id)),
            ),
        ],
        text,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct IdForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    id: String,
}

pub async fn cancel(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<IdForm>) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let pool = state.pool.clone();
    let id = f.id.clone();
    run(hr.lang, move || store::cancel_code(&pool, &id)).await?;
    hr.audit(&state, "code_cancelled", serde_json::json!({"code": f.id}))
        .await?;
    Ok(Redirect::to("/hr/rollout?done=cancelled").into_response())
}

pub async fn revoke(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<IdForm>) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let pool = state.pool.clone();
    let id = f.id.clone();
    run(hr.lang, move || store::revoke_device_by_id(&pool, &id)).await?;
    hr.audit(&state, "device_revoked", serde_json::json!({"device": f.id}))
        .await?;
    Ok(Redirect::to("/hr/rollout?done=revoked#devices").into_response())
}
