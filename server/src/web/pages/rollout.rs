//! Roll-out and devices (hr_admin): who has enrolled, enrolment codes issued singly or for every
//! manager of a unit at once (a CSV to mail-merge), outstanding codes and their cancellation, and
//! a unit's devices with their last sync day and revocation (a lost laptop, a manager who left),
//! asked before it is done.

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
use crate::web::{Hr, Lang, PageError, PageForm, PageQuery, PageResult, attachment, csrf_field, run, urlencode};

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
    /// The outstanding codes and the devices of the unit's people (every one at the top unit,
    /// people who left included).
    codes: Vec<CodeInfo>,
    devices: Vec<DeviceInfo>,
    /// Pairs paired through the member page per unit over its subtree, as
    /// `crate::figures::disclose_paired` lets it be shown (`None`: fewer than k).
    paired: Vec<Option<u64>>,
}

async fn load(state: &AppState, hr: &Hr, unit: Option<&str>) -> PageResult<Loaded> {
    hr.require_admin()?;
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    let (view, codes, devices, pairings) = run(hr.lang, move || {
        Ok((
            store::month_view(&pool, &reports, store::current_month())?,
            store::outstanding_codes(&pool)?,
            store::devices(&pool, None)?,
            store::paired(&pool)?,
        ))
    })
    .await?;
    // Each pairing counts in its member's unit in the current directory.
    let mut own = vec![0u64; view.units.len()];
    for (_, member) in &pairings {
        if let Some(&u) = view.homes.get(member) {
            own[u] += 1;
        }
    }
    let paired = crate::figures::disclose_paired(&view.tree, &own, u64::from(hr.settings.k));
    let root = resolve_unit_or_top(hr, &view, unit)?;
    let ours = people_of(&view, root);
    let mine = |id: &str| ours.as_ref().is_none_or(|o| o.contains(id));
    Ok(Loaded {
        codes: codes.into_iter().filter(|c| mine(&c.employee_id)).collect(),
        devices: devices.into_iter().filter(|d| mine(&d.employee_id)).collect(),
        paired,
        view,
        root,
    })
}

/// Whose codes and devices a unit's page lists: its managers and the people whose own unit is in
/// its subtree; `None` (everyone's, people who left included) for a top unit.
fn people_of(view: &MonthView, root: usize) -> Option<HashSet<String>> {
    view.units[root].parent?;
    let below: HashSet<usize> = view.tree.subtree(root).into_iter().collect();
    let mut people: HashSet<String> = managers_under(view, root).into_iter().collect();
    people.extend(
        view.homes
            .iter()
            .filter(|(_, u)| below.contains(u))
            .map(|(id, _)| id.clone()),
    );
    Some(people)
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

/// What the page shows besides its lists.
#[derive(Debug, Default)]
struct Shown<'a> {
    /// The device list's employee filter.
    employee: Option<&'a str>,
    /// A code just issued: for whom, and the code (shown only now).
    issued: Option<(&'a str, &'a str)>,
    notice: Option<&'a str>,
    warnings: &'a [String],
    problem: Option<&'a str>,
    /// What was typed in the code form, kept when it is refused.
    typed: Option<(&'a str, &'a str)>,
}

fn render(hr: &Hr, l: &Loaded, shown: &Shown<'_>) -> Markup {
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
        .filter(|d| shown.employee.is_none_or(|e| d.employee_id == e))
        .collect();
    let here = format!("/hr/rollout?unit={}", urlencode(&unit.id));
    let (typed_id, typed_days) = shown.typed.unwrap_or(("", "14"));
    html! {
        h1 { (lang.pick("Roll-out and devices", "導入と端末")) }
        (layout::notice(shown.notice))
        @if let Some(p) = shown.problem { p.problem role="alert" { (p) } }
        @for w in shown.warnings { p.problem.warning role="alert" { (w) } }
        @if let Some((who, code)) = shown.issued {
            div.notice.code-once role="status" {
                p { (match lang {
                    Lang::Ja => format!("{who}の登録コード（この画面でのみ表示します）："),
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
                p #paired { strong { (lang.pick("Pairs paired on the member page", "メンバーページとつながったペア")) } " " (paired(lang, l.paired[l.root], hr.settings.k)) }
                p.muted { (lang.pick("A pair whose manager has not enrolled cannot report: read completion beside this coverage.",
                                     "上司が端末を登録していないペアは報告できません。実施率はこの導入状況と合わせて読んでください。")) }
            }
        }
        @if !view.tree.children(l.root).is_empty() {
            table.paired-units {
                caption { (lang.pick("Pairs paired on the member page, by unit", "メンバーページとつながったペア（組織別）")) }
                thead { tr { th { (lang.pick("Unit", "組織")) } th.num { (lang.pick("Pairs paired", "つながったペア")) } } }
                tbody {
                    @for &c in view.tree.children(l.root) {
                        tr data-unit=(view.units[c].id) {
                            td { a href={"/hr/rollout?unit=" (urlencode(&view.units[c].id))} { (view.units[c].name) } }
                            td.num { (paired(lang, l.paired[c], hr.settings.k)) }
                        }
                    }
                }
            }
            p.muted.small { (match lang {
                Lang::Ja => format!("{k}組未満の数は表示せず、上位の組織で数えます。", k = hr.settings.k),
                Lang::En => format!("Counts under {k} are withheld and counted in the unit above.", k = hr.settings.k),
            }) }
        }
        div.cols {
            section #issue {
                h2 { (lang.pick("Issue an enrolment code", "登録コードの発行")) }
                form.stack method="post" action="/hr/rollout/code" {
                    (csrf_field(hr))
                    input type="hidden" name="unit" value=(unit.id);
                    label { (lang.pick("Manager's employee id", "上司の社員番号")) input name="employee_id" value=(typed_id) required maxlength="64"; }
                    label { (lang.pick("Valid for (days)", "有効期間（日）")) input type="number" name="days" value=(typed_days) min="1" max="90" required; }
                    button.primary { (lang.pick("Issue code", "発行する")) }
                }
            }
            section {
                h2 { (lang.pick("Codes for every manager of this unit", "この組織のすべての上司にコードを発行")) }
                p.muted { (lang.pick("Downloads a CSV (name, email, code) to mail-merge. Codes are shown only in this file. A manager who already holds an unused code gets no second one: their line has no code and says so.",
                                     "差し込み印刷用のCSV（氏名・メール・コード）をダウンロードします。コードはこのファイルにのみ含まれます。未使用のコードをすでに持っている上司には2つ目を発行せず、その行はコードを空けてその旨を書きます。")) }
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
        table.sortable.managers {
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
                            Some(n) => a href={(here) "&employee=" (urlencode(id)) "#devices"} { (n) },
                            None => span.warn { (lang.pick("not enrolled", "未登録")) },
                        } }
                        td { @if pending.contains(id.as_str()) { (lang.pick("yes", "あり")) } }
                    }
                }
            }
        }
        h2 { (lang.pick("Outstanding codes", "未使用のコード")) " (" (l.codes.len()) ")" }
        @if l.codes.is_empty() { p.muted { (lang.pick("None.", "ありません。")) } } @else {
            table.codes {
                thead { tr { th { (lang.pick("For", "対象")) } th { (lang.pick("Issued", "発行")) } th { (lang.pick("Expires", "有効期限")) } th { } } }
                tbody {
                    @for c in &l.codes {
                        tr {
                            td { (c.name) " " span.id { (c.employee_id) } }
                            td { (c.created_at.map(|t| lang.date(t, hr.tz())).unwrap_or_default()) " " span.muted { (c.created_by.clone().unwrap_or_default()) } }
                            td { (lang.date(c.expires_at, hr.tz())) }
                            td { form.inline method="post" action="/hr/rollout/cancel" {
                                (csrf_field(hr))
                                input type="hidden" name="id" value=(c.id);
                                input type="hidden" name="unit" value=(unit.id);
                                button.link { (lang.pick("Cancel", "取り消す")) }
                            } }
                        }
                    }
                }
            }
        }
        h2 id="devices" { (match lang {
            Lang::Ja => format!("{}の端末（{}台）", unit.name, devices.len()),
            Lang::En => format!("Devices of {} ({})", unit.name, devices.len()),
        }) }
        form.inline.toolbar method="get" action="/hr/rollout" {
            input type="hidden" name="unit" value=(unit.id);
            label { (lang.pick("Employee id ", "社員番号 ")) input name="employee" value=(shown.employee.unwrap_or_default()) maxlength="64"; }
            button { (lang.pick("Filter", "絞り込む")) }
        }
        table.sortable.devices {
            thead { tr {
                th { (lang.pick("Manager", "上司")) }
                th { (lang.pick("Device name", "端末名")) }
                th { (lang.pick("Enrolled", "登録日")) }
                th { (lang.pick("Last sync", "最終同期日")) }
                th { (lang.pick("State", "状態")) }
                th { }
            } }
            tbody {
                @for d in &devices {
                    tr data-device=(d.id) data-employee=(d.employee_id) {
                        td { (d.name) " " span.id { (d.employee_id) } }
                        td { (d.device_name) }
                        td { (lang.date(d.created_at, hr.tz())) }
                        td.last-sync { @match d.last_sync_at {
                            Some(t) => (lang.date(t, hr.tz())),
                            None => span.muted { (lang.pick("not yet", "まだありません")) },
                        } }
                        td { @match d.revoked_at {
                            Some(t) => span.muted { (match lang {
                                Lang::Ja => format!("{}に失効", lang.date(t, hr.tz())),
                                Lang::En => format!("revoked {}", lang.date(t, hr.tz())),
                            }) },
                            None => (lang.pick("active", "有効")),
                        } }
                        td { @if d.revoked_at.is_none() {
                            form.inline method="post" action="/hr/rollout/revoke" {
                                (csrf_field(hr))
                                input type="hidden" name="id" value=(d.id);
                                input type="hidden" name="unit" value=(unit.id);
                                button.danger.small { (lang.pick("Revoke", "失効させる")) }
                            }
                        } }
                    }
                }
            }
        }
    }
}

/// A count of pairs paired, or why it is withheld.
fn paired(lang: Lang, count: Option<u64>, k: u32) -> String {
    match (count, lang) {
        (Some(n), Lang::Ja) => format!("{} ペア", lang.count(n)),
        (Some(n), Lang::En) => format!("{} pairs", lang.count(n)),
        (None, Lang::Ja) => format!("{k}組未満"),
        (None, Lang::En) => format!("fewer than {k}"),
    }
}

fn title(lang: Lang) -> &'static str {
    lang.pick("Roll-out and devices", "導入と端末")
}

fn page_of(hr: &Hr, l: &Loaded, shown: &Shown<'_>) -> Markup {
    layout::page(hr, Nav::Rollout, title(hr.lang), render(hr, l, shown))
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
    let shown = Shown {
        employee: q.employee.as_deref(),
        notice,
        ..Shown::default()
    };
    Ok(page_of(&hr, &l, &shown))
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    employee_id: String,
    days: String,
    unit: Option<String>,
}

/// A code for one manager; a mistyped employee id or validity shows the form again as typed, with
/// what was wrong.
pub async fn issue(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<CodeForm>) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let lang = hr.lang;
    let l = load(&state, &hr, f.unit.as_deref()).await?;
    let employee = f.employee_id.trim().to_owned();
    let refused = |problem: &str| {
        let shown = Shown {
            problem: Some(problem),
            typed: Some((&f.employee_id, &f.days)),
            ..Shown::default()
        };
        Ok((StatusCode::BAD_REQUEST, page_of(&hr, &l, &shown)).into_response())
    };
    let Some(days) = f.days.trim().parse::<u32>().ok().filter(|d| (1..=90).contains(d)) else {
        return refused(&days_problem(lang, f.days.trim()));
    };
    let held = l.codes.iter().find(|c| c.employee_id == employee).map(|c| c.expires_at);
    let (pool, by, who) = (state.pool.clone(), hr.account.email.clone(), employee.clone());
    let code = match crate::web::attempt(lang, move || store::create_enrol_code(&pool, &who, days, &by)).await? {
        Ok(code) => code,
        Err(crate::Error::Refused(said) | crate::Error::Missing(said)) => return refused(said.in_lang(lang)),
        Err(e) => return Err(PageError::from_error(e, lang)),
    };
    hr.audit(
        &state,
        "code_issued",
        serde_json::json!({"employee": employee, "days": days}),
    )
    .await?;
    let l = load(&state, &hr, f.unit.as_deref()).await?;
    let name = l.view.name(&employee);
    let who = match lang {
        Lang::Ja => format!("{name}（{employee}）"),
        Lang::En => format!("{name} ({employee})"),
    };
    let mut warnings = Vec::new();
    if !l.view.pair_ids.iter().any(|(m, _)| *m == employee) {
        warnings.push(match lang {
            Lang::Ja => format!(
                "{who}には、現在の組織図で直属の部下がいません。アプリには1on1を記録する相手が表示されません。社員番号が正しいか確認してください。"
            ),
            Lang::En => format!(
                "{who} has no direct reports in the current directory: their app lists nobody to record 1on1s with. Check the employee id."
            ),
        });
    }
    if let Some(expires) = held {
        warnings.push(match lang {
            Lang::Ja => format!(
                "{who}は未使用のコード（有効期限 {}）をすでに持っています。どちらのコードも、使われるか取り消されるまで有効です。",
                lang.date(expires, hr.tz())
            ),
            Lang::En => format!(
                "{who} already holds an unused code (expires {}): both work until one is used or cancelled.",
                lang.date(expires, hr.tz())
            ),
        });
    }
    let shown = Shown {
        issued: Some((&who, &code)),
        warnings: &warnings,
        ..Shown::default()
    };
    Ok(page_of(&hr, &l, &shown).into_response())
}

fn days_problem(lang: Lang, typed: &str) -> String {
    match lang {
        Lang::Ja => format!("有効期間は1〜90日の整数で指定してください（「{typed}」は使えません）。"),
        Lang::En => format!("A code may be valid for 1 to 90 days (a whole number), not '{typed}'."),
    }
}

#[derive(Debug, Deserialize)]
pub struct UnitCodesForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    unit: String,
    only_new: Option<String>,
    days: u32,
}

/// Codes for every manager of a unit, as a CSV to mail-merge. A manager who already holds an
/// unused code gets no second one (two live codes for one person would both work): their line
/// has no code and says so, with the held code's expiry.
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
            days_problem(lang, &f.days.to_string()),
        ));
    }
    let held: HashMap<&str, i64> = l.codes.iter().map(|c| (c.employee_id.as_str(), c.expires_at)).collect();
    let pool = state.pool.clone();
    let (days, by) = (f.days, hr.account.email.clone());
    let list: Vec<String> = managers
        .iter()
        .filter(|m| !held.contains_key(m.as_str()))
        .cloned()
        .collect();
    let issued = list.len();
    let codes: HashMap<String, String> = run(lang, move || {
        list.iter()
            .map(|m| store::create_enrol_code(&pool, m, days, &by).map(|c| (m.clone(), c)))
            .collect::<Result<HashMap<_, _>, _>>()
    })
    .await?;
    hr.audit(
        &state,
        "codes_issued",
        serde_json::json!({"unit": l.view.units[l.root].id, "codes": issued, "skipped": managers.len() - issued, "days": days}),
    )
    .await?;
    let emails = {
        let pool = state.pool.clone();
        let ids = managers.clone();
        run(lang, move || store::emails(&pool, &ids)).await?
    };
    let expires = lang.date(store::now() + i64::from(days) * 86_400, hr.tz());
    let fail = |e| PageError::from_error(e, lang);
    let mut out = CsvOut::new(true);
    out.row(&["employee_id", "name", "email", "unit", "code", "expires", "note"])
        .map_err(fail)?;
    for id in &managers {
        let (code, until, note) = match (codes.get(id), held.get(id.as_str())) {
            (Some(code), _) => (code.clone(), expires.clone(), String::new()),
            (None, until) => (
                String::new(),
                until.map(|t| lang.date(*t, hr.tz())).unwrap_or_default(),
                lang.pick(
                    "already holds an unused code: no second code was issued (cancel it on the roll-out page to issue a new one)",
                    "未使用のコードをすでに持っているため、新しいコードは発行していません（発行し直すには、導入と端末のページで取り消してください）",
                )
                .to_owned(),
            ),
        };
        out.row(&[
            id.clone(),
            l.view.name(id),
            emails.get(id).cloned().unwrap_or_default(),
            path(&l.view.home_path(id)),
            code,
            until,
            note,
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
    /// The unit whose page the form was on (the answer returns to it).
    unit: Option<String>,
    /// `yes` once a revocation was confirmed.
    confirm: Option<String>,
}

/// The page of the unit a form came from.
fn unit_page(unit: Option<&str>) -> String {
    match unit.filter(|u| !u.is_empty()) {
        Some(u) => format!("/hr/rollout?unit={}", urlencode(u)),
        None => "/hr/rollout".to_owned(),
    }
}

/// The unit's page after an action, saying it is `done`.
fn back_to(unit: Option<&str>, done: &str) -> String {
    let page = unit_page(unit);
    let join = if page.contains('?') { '&' } else { '?' };
    format!("{page}{join}done={done}")
}

pub async fn cancel(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<IdForm>) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let pool = state.pool.clone();
    let id = f.id.clone();
    run(hr.lang, move || store::cancel_code(&pool, &id)).await?;
    hr.audit(&state, "code_cancelled", serde_json::json!({"code": f.id}))
        .await?;
    Ok(Redirect::to(&back_to(f.unit.as_deref(), "cancelled")).into_response())
}

/// Revokes a device once asked: the first post shows whose device it is and what revoking does.
pub async fn revoke(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<IdForm>) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let lang = hr.lang;
    if f.confirm.as_deref() != Some("yes") {
        let pool = state.pool.clone();
        let devices = run(lang, move || store::devices(&pool, None)).await?;
        let device = devices
            .iter()
            .find(|d| d.id == f.id && d.revoked_at.is_none())
            .ok_or_else(|| {
                PageError::from_error(
                    crate::Error::missing(
                        format!("no active device {}", f.id),
                        format!("有効な端末 {} はありません（すでに失効済みかもしれません）。", f.id),
                    ),
                    lang,
                )
            })?;
        let what = match lang {
            Lang::Ja => format!(
                "{}（{}）の端末「{}」を失効させます。この端末の次回の同期は拒否され、もう一度使うには新しい登録コードが必要です。",
                device.name, device.employee_id, device.device_name
            ),
            Lang::En => format!(
                "This revokes the device \"{}\" of {} ({}): its next sync is refused, and it needs a new enrolment code to be used again.",
                device.device_name, device.name, device.employee_id
            ),
        };
        let back = unit_page(f.unit.as_deref());
        let title = lang.pick("Revoke this device?", "この端末を失効させますか");
        let fields = [("id", f.id.as_str()), ("unit", f.unit.as_deref().unwrap_or_default())];
        let ask = layout::Ask {
            title,
            what: &what,
            action: "/hr/rollout/revoke",
            fields: &fields,
            yes: lang.pick("Revoke the device", "失効させる"),
            back: &format!("{back}#devices"),
        };
        return Ok(layout::page(&hr, Nav::Rollout, title, layout::ask(&hr, &ask)).into_response());
    }
    let pool = state.pool.clone();
    let id = f.id.clone();
    run(lang, move || store::revoke_device_by_id(&pool, &id)).await?;
    hr.audit(&state, "device_revoked", serde_json::json!({"device": f.id}))
        .await?;
    Ok(Redirect::to(&format!("{}#devices", back_to(f.unit.as_deref(), "revoked"))).into_response())
}
