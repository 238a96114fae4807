//! Settings (hr_admin): the target rate, k, the survey window and scale, pair detail; the company
//! directory (two CSV files, previewed before they are applied); accounts (invite, change role,
//! disable, reset access with a new invitation); admin API tokens (list, revoke).

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Nav};
use crate::app::AppState;
use crate::directory::{Change, Changes};
use crate::store::{self, Account, DirectoryPreview, MAX_SURVEY_SCALE, MIN_K, PendingKind, Role, TokenInfo};
use crate::web::{
    Hr, Lang, PageError, PageForm, PageQuery, PageResult, confirmation_gone, csrf_field, problem_texts, read_files, run,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsQuery {
    done: Option<String>,
}

fn role_text(lang: Lang, role: &Role, units: &[(String, String)]) -> String {
    match role {
        Role::HrAdmin => lang.pick("HR administrator", "人事管理者").to_owned(),
        Role::OrgViewer { org_unit_id } => {
            let unit = layout::unit_path(units, org_unit_id);
            match lang {
                Lang::Ja => format!("組織閲覧者（{unit}）"),
                Lang::En => format!("Org viewer ({unit})"),
            }
        }
    }
}

/// What the settings page shows besides its lists.
#[derive(Debug, Default)]
struct Shown<'a> {
    /// A new invitation: its account and its link (shown only now).
    invited: Option<(&'a str, &'a str)>,
    problem: Option<&'a str>,
    /// The problems of a directory upload, each with its file and line.
    directory_problems: &'a [String],
    notice: Option<&'a str>,
}

fn render(hr: &Hr, lists: &Lists, shown: &Shown<'_>) -> Markup {
    let lang = hr.lang;
    let s = &hr.settings;
    let now = store::now();
    let (accounts, tokens) = (&lists.accounts, &lists.tokens);
    let Shown {
        invited,
        problem,
        directory_problems,
        notice,
    } = *shown;
    html! {
        h1 { (lang.pick("Settings", "設定")) }
        (layout::notice(notice))
        @if let Some(p) = problem { p.problem role="alert" { (p) } }
        (layout::problems(lang, layout::Refused::Imported, directory_problems))
        @if let Some((email, link)) = invited {
            div.notice.code-once role="status" {
                p { (match lang {
                    Lang::Ja => format!("この招待リンクを {email} さんに送ってください（{}日間有効、この画面でのみ表示します）。", store::INVITE_DAYS),
                    Lang::En => format!("Send this invitation link to {email} (valid {} days, shown only now):", store::INVITE_DAYS),
                }) }
                p.code { (link) }
            }
        }
        section {
            h2 { (lang.pick("Figures", "数値")) }
            form.stack method="post" action="/hr/settings" {
                (csrf_field(hr))
                label { (lang.pick("Target completion rate (%)", "目標実施率（%）"))
                    input type="number" name="target_percent" value=(s.target_percent) min="1" max="100" required; }
                label { (match lang { Lang::Ja => format!("小さな組織を表示しない基準 k（{MIN_K}以上）"), Lang::En => format!("Smallest group shown, k (at least {MIN_K})") })
                    input type="number" name="k" value=(s.k) min=(MIN_K) max="100" required; }
                label { (lang.pick("Months before a survey its completion is read over", "調査前の何か月の実施率と比べるか"))
                    input type="number" name="survey_window" value=(s.survey_window) min="1" max="24" required; }
                label { (lang.pick("Survey score scale: lowest", "調査スコアの尺度：最小値"))
                    input type="number" name="survey_scale_min" value=(s.survey_scale_min) min="0" max=(MAX_SURVEY_SCALE - 1) required; }
                label { (lang.pick("Survey score scale: highest (an import with a score outside the scale is refused)", "調査スコアの尺度：最大値（範囲外のスコアがある調査結果は取り込みません）"))
                    input type="number" name="survey_scale_max" value=(s.survey_scale_max) min="1" max=(MAX_SURVEY_SCALE) required; }
                label { (lang.pick("The company's time zone (an IANA name such as Asia/Tokyo): the pages show times and days in it",
                                   "会社のタイムゾーン（Asia/TokyoのようなIANAの名前）。画面の日時はこのタイムゾーンで表示します"))
                    input name="time_zone" value=(s.time_zone.name()) list="time-zones" required maxlength="64" autocomplete="off";
                    datalist #time-zones { @for tz in chrono_tz::TZ_VARIANTS { option value=(tz.name()) {} } } }
                label.check { input type="checkbox" name="pair_detail" value="on" checked[s.pair_detail];
                    " " (lang.pick("Pair-level detail (the not-yet list and the pair API); every view is written to the audit log",
                                   "ペア単位の表示（今月未実施の一覧とペアAPI）。表示はすべて監査ログに記録されます")) }
                button.primary { (lang.pick("Save settings", "設定を保存")) }
            }
        }
        section #directory {
            h2 { (lang.pick("Company directory", "組織と社員（組織図）")) }
            p { (match lang {
                Lang::Ja => format!("現在：組織 {}、社員 {}人", lang.count(lists.units as u64), lang.count(lists.people as u64)),
                Lang::En => format!("Now: {} org units and {} employees.", lang.count(lists.units as u64), lang.count(lists.people as u64)),
            }) }
            p.muted { (lang.pick(
                "Two CSV files, UTF-8 or the Shift_JIS of Excel's \"CSV (Comma delimited)\": the org units (org_unit_id,name,parent_id) and the employees (employee_id,name,email,org_unit_id,manager_id). You see what changes before anything is applied, and the whole import is applied or nothing. A later import is a reorganisation from this month: earlier months keep their units and pairs.",
                "2つのCSVファイル（UTF-8、またはExcelの「CSV（コンマ区切り）」のShift_JIS）：組織（org_unit_id,name,parent_id）と社員（employee_id,name,email,org_unit_id,manager_id）。適用する前に変更内容を確認でき、取り込みはすべて適用するか何もしないかのどちらかです。2回目以降の取り込みは今月からの組織変更として扱い、それより前の月はこれまでの組織とペアのままです。")) }
            form.stack method="post" action="/hr/settings/directory" enctype="multipart/form-data" {
                (csrf_field(hr))
                label { (lang.pick("Org units (CSV)", "組織（CSV）")) input type="file" name="org_units" accept=".csv,text/csv" required; }
                label { (lang.pick("Employees (CSV)", "社員（CSV）")) input type="file" name="employees" accept=".csv,text/csv" required; }
                button.primary { (lang.pick("Check what changes", "変更内容を確認")) }
            }
        }
        section {
            h2 { (lang.pick("Accounts", "アカウント")) }
            table.accounts {
                thead { tr { th { (lang.pick("Email", "メールアドレス")) } th { (lang.pick("Role", "役割")) } th { (lang.pick("State", "状態")) } th { } } }
                tbody {
                    @for a in accounts {
                        tr {
                            td { (a.email) }
                            td { (role_text(lang, &a.role, &lists.unit_choices)) }
                            td { @if a.disabled { span.warn { (lang.pick("disabled", "無効")) } }
                                 @else if a.invited { (lang.pick("invited", "招待中")) }
                                 @else { (lang.pick("active", "有効")) } }
                            td {
                                @if a.email != hr.account.email {
                                    form.inline method="post" action="/hr/settings/account" {
                                        (csrf_field(hr))
                                        input type="hidden" name="email" value=(a.email);
                                        @if a.disabled { button.link name="action" value="enable" { (lang.pick("Enable", "有効にする")) } }
                                        @else { button.link name="action" value="disable" { (lang.pick("Disable", "無効にする")) } }
                                    }
                                    form.inline method="post" action="/hr/settings/account" {
                                        (csrf_field(hr))
                                        input type="hidden" name="email" value=(a.email);
                                        select name="role" aria-label=(lang.pick("Role", "役割")) {
                                            option value="hr_admin" selected[a.role == Role::HrAdmin] { (lang.pick("HR administrator", "人事管理者")) }
                                            option value="org_viewer" selected[a.role != Role::HrAdmin] { (lang.pick("Org viewer", "組織閲覧者")) }
                                        }
                                        (layout::unit_select("org", &lists.unit_choices,
                                            match &a.role { Role::OrgViewer { org_unit_id } => Some(org_unit_id.as_str()), Role::HrAdmin => None },
                                            Some(lang.pick("(org viewers: their unit)", "（組織閲覧者の組織）"))))
                                        button.link name="action" value="role" { (lang.pick("Change role", "役割を変更")) }
                                    }
                                    form.inline method="post" action="/hr/settings/account" {
                                        (csrf_field(hr))
                                        input type="hidden" name="email" value=(a.email);
                                        button.link name="action" value="reset" { (lang.pick("Reset access", "アクセスをリセット")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h3 { (lang.pick("Invite an account", "アカウントを招待")) }
            form.stack method="post" action="/hr/settings/invite" {
                (csrf_field(hr))
                label { (lang.pick("Email", "メールアドレス")) input type="email" name="email" required; }
                label { (lang.pick("Role", "役割"))
                    select name="role" {
                        option value="org_viewer" { (lang.pick("Org viewer: one unit and below, aggregates only", "組織閲覧者（1つの組織とその配下、集計のみ）")) }
                        option value="hr_admin" { (lang.pick("HR administrator: everything", "人事管理者（すべて）")) }
                    }
                }
                label { (lang.pick("Org unit (org viewers)", "組織（組織閲覧者）"))
                    (layout::unit_select("org", &lists.unit_choices, None, Some(lang.pick("(none: HR administrators)", "（なし：人事管理者）")))) }
                button.primary { (lang.pick("Create invitation", "招待を作成")) }
            }
        }
        section {
            h2 { (lang.pick("Admin API tokens", "管理APIトークン")) }
            p.muted { (lang.pick("Tokens are created on the server's command line (taiwa-server admin token); only their ids are shown here.", "トークンはサーバーのコマンドライン（taiwa-server admin token）で作成します。ここにはIDだけを表示します。")) }
            @if tokens.is_empty() { p.muted { (lang.pick("None.", "ありません。")) } } @else {
                table {
                    thead { tr { th { "ID" } th { (lang.pick("Account", "アカウント")) } th { (lang.pick("Created", "作成")) } th { (lang.pick("Expires", "有効期限")) } th { (lang.pick("State", "状態")) } th { } } }
                    tbody {
                        @for t in tokens {
                            tr {
                                td.id { (t.id) }
                                td { (t.email) }
                                td { (lang.date(t.created_at, hr.tz())) }
                                td { (lang.date(t.expires_at, hr.tz())) }
                                td { @if t.revoked_at.is_some() { (lang.pick("revoked", "失効")) } @else if t.expires_at <= now { (lang.pick("expired", "期限切れ")) } @else { (lang.pick("active", "有効")) } }
                                td { @if t.revoked_at.is_none() && t.expires_at > now {
                                    form.inline method="post" action="/hr/settings/token" {
                                        (csrf_field(hr))
                                        input type="hidden" name="id" value=(t.id);
                                        button.danger.small { (lang.pick("Revoke", "失効させる")) }
                                    }
                                } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What the settings page lists: accounts, tokens, and the size of the current directory.
#[derive(Debug)]
struct Lists {
    accounts: Vec<Account>,
    tokens: Vec<TokenInfo>,
    units: usize,
    people: usize,
    /// The current directory's units by path, for the forms that choose one.
    unit_choices: Vec<(String, String)>,
}

async fn lists(state: &AppState, lang: Lang) -> PageResult<Lists> {
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    run(lang, move || {
        let (units, people) = store::directory_size(&pool)?;
        let view = store::month_view(&pool, &reports, store::current_month())?;
        Ok(Lists {
            accounts: store::accounts(&pool)?,
            tokens: store::admin_tokens(&pool)?,
            units,
            people,
            unit_choices: layout::unit_choices(&view),
        })
    })
    .await
}

fn title(lang: Lang) -> &'static str {
    lang.pick("Settings", "設定")
}

pub async fn page(State(state): State<AppState>, hr: Hr, PageQuery(q): PageQuery<SettingsQuery>) -> PageResult<Markup> {
    hr.require_admin()?;
    let lists = lists(&state, hr.lang).await?;
    let notice = q.done.as_deref().map(|done| done_text(hr.lang, done));
    let shown = Shown {
        notice,
        ..Shown::default()
    };
    Ok(layout::page(
        &hr,
        Nav::Settings,
        title(hr.lang),
        render(&hr, &lists, &shown),
    ))
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    target_percent: String,
    k: String,
    survey_window: String,
    survey_scale_min: Option<String>,
    survey_scale_max: Option<String>,
    time_zone: Option<String>,
    pair_detail: Option<String>,
}

/// What the page says after an action, by its `done` key.
fn done_text(lang: Lang, done: &str) -> &'static str {
    match done {
        "revoked" => lang.pick("The API token was revoked.", "APIトークンを失効させました。"),
        "disable" => lang.pick(
            "The account was disabled: its sessions and API tokens ended.",
            "アカウントを無効にしました。サインイン中のセッションとAPIトークンは使えなくなりました。",
        ),
        "enable" => lang.pick("The account was enabled.", "アカウントを有効にしました。"),
        "role" => lang.pick(
            "The role was changed: the person signs in again.",
            "役割を変更しました。本人はもう一度サインインします。",
        ),
        _ => lang.pick("Saved.", "保存しました。"),
    }
}

/// Re-renders the page with a problem (400), nothing saved.
async fn refused(state: &AppState, hr: &Hr, problem: &str) -> PageResult<Response> {
    let lists = lists(state, hr.lang).await?;
    let shown = Shown {
        problem: Some(problem),
        ..Shown::default()
    };
    Ok((
        StatusCode::BAD_REQUEST,
        layout::page(hr, Nav::Settings, title(hr.lang), render(hr, &lists, &shown)),
    )
        .into_response())
}

pub async fn save(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<SettingsForm>) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let pair = if f.pair_detail.is_some() { "on" } else { "off" };
    let pool = state.pool.clone();
    let mut values = vec![
        ("target_percent".to_owned(), f.target_percent.clone()),
        ("k".to_owned(), f.k.clone()),
        ("survey_window".to_owned(), f.survey_window.clone()),
        ("pair_detail".to_owned(), pair.to_owned()),
    ];
    for (name, value) in [
        ("survey_scale_min", &f.survey_scale_min),
        ("survey_scale_max", &f.survey_scale_max),
        ("time_zone", &f.time_zone),
    ] {
        if let Some(v) = value {
            values.push((name.to_owned(), v.clone()));
        }
    }
    let saved = crate::web::attempt(hr.lang, move || {
        let refs: Vec<(&str, &str)> = values.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        store::save_settings(&pool, &refs)
    })
    .await?;
    match saved {
        Ok(s) => {
            // What changed, each setting from its old value to its new one (the audit log says
            // it in words).
            let changed: Vec<serde_json::Value> = store::SETTING_NAMES
                .iter()
                .filter_map(|name| {
                    let (from, to) = (hr.settings.get(name)?, s.get(name)?);
                    (from != to).then(|| serde_json::json!({"setting": name, "from": from, "to": to}))
                })
                .collect();
            if !changed.is_empty() {
                hr.audit(&state, "settings", serde_json::json!({ "changed": changed }))
                    .await?;
            }
            Ok(Redirect::to("/hr/settings?done=saved").into_response())
        }
        Err(crate::Error::Refused(m)) => refused(&state, &hr, m.in_lang(hr.lang)).await,
        Err(e) => Err(PageError::from_error(e, hr.lang)),
    }
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    email: String,
    role: String,
    org: Option<String>,
}

pub async fn invite(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<InviteForm>) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let org = f.org.as_deref().filter(|_| f.role != "hr_admin");
    let role = match Role::parse(&f.role, org) {
        Ok(r) => r,
        Err(e) => return refused(&state, &hr, &said(hr.lang, e)?).await,
    };
    let pool = state.pool.clone();
    let (email, r) = (f.email.trim().to_owned(), role.clone());
    let result = crate::web::attempt(hr.lang, move || store::invite_admin(&pool, &email, &r)).await?;
    match result {
        Ok(token) => {
            hr.audit(
                &state,
                "account_invited",
                serde_json::json!({"email": f.email.trim(), "role": role.name(), "unit": org.map(str::trim).filter(|o| !o.is_empty())}),
            )
            .await?;
            invitation_shown(&state, &hr, f.email.trim(), &token).await
        }
        Err(e) => refused(&state, &hr, &said(hr.lang, e)?).await,
    }
}

/// The settings page with a new invitation link for `email`, shown this once.
async fn invitation_shown(state: &AppState, hr: &Hr, email: &str, token: &str) -> PageResult<Response> {
    // Never from the request's Host header, which whoever sends the request chooses.
    let base = state.config.link_base().unwrap_or_default();
    let link = format!("{base}/hr/invite/{token}");
    let lists = lists(state, hr.lang).await?;
    let shown = Shown {
        invited: Some((email, &link)),
        ..Shown::default()
    };
    Ok(layout::page(hr, Nav::Settings, title(hr.lang), render(hr, &lists, &shown)).into_response())
}

/// The words of a refusal a person can act on, in `lang`; any other error is a page of its own.
fn said(lang: Lang, e: crate::Error) -> PageResult<String> {
    match e {
        crate::Error::Refused(m) | crate::Error::Missing(m) => Ok(m.in_lang(lang).to_owned()),
        other => Err(PageError::from_error(other, lang)),
    }
}

#[derive(Debug, Deserialize)]
pub struct AccountForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    email: String,
    action: String,
    role: Option<String>,
    org: Option<String>,
    /// `yes` once a reset was confirmed.
    confirm: Option<String>,
}

pub async fn account(
    State(state): State<AppState>,
    hr: Hr,
    PageForm(f): PageForm<AccountForm>,
) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    if f.email == hr.account.email {
        return refused(
            &state,
            &hr,
            hr.lang.pick(
                "You cannot change your own account here.",
                "自分のアカウントはここでは変更できません。",
            ),
        )
        .await;
    }
    if f.action == "reset" {
        return reset(&state, &hr, &f.email, f.confirm.as_deref() == Some("yes")).await;
    }
    let pool = state.pool.clone();
    // The unit chooser beside an HR administrator's role is left as it was: it is not theirs.
    let org = f.org.clone().filter(|_| f.role.as_deref() != Some("hr_admin"));
    let (email, action, role) = (f.email.clone(), f.action.clone(), f.role.clone());
    let result = crate::web::attempt(hr.lang, move || match action.as_str() {
        "disable" => store::set_disabled(&pool, &email, true),
        "enable" => store::set_disabled(&pool, &email, false),
        "role" => {
            let role = Role::parse(role.as_deref().unwrap_or_default(), org.as_deref())?;
            store::set_role(&pool, &email, &role)
        }
        other => Err(crate::Error::refused(
            format!("unknown action '{other}'"),
            "この操作はできません。ページを開き直してください。",
        )),
    })
    .await?;
    match result {
        Ok(()) => {
            let org = (f.action == "role" && f.role.as_deref() == Some("org_viewer")).then_some(f.org.clone());
            hr.audit(
                &state,
                "account_changed",
                serde_json::json!({"email": f.email, "action": f.action, "role": f.role, "unit": org.flatten()}),
            )
            .await?;
            Ok(Redirect::to(&format!("/hr/settings?done={}", f.action)).into_response())
        }
        Err(e) => refused(&state, &hr, &said(hr.lang, e)?).await,
    }
}

/// Resets another account's access, once asked and confirmed: its password, sessions and API
/// tokens stop working, and a new invitation link is shown for it.
async fn reset(state: &AppState, hr: &Hr, email: &str, confirmed: bool) -> PageResult<Response> {
    let lang = hr.lang;
    if !confirmed {
        let what = match lang {
            Lang::Ja => format!(
                "{email} のパスワードを無効にし、サインイン中のセッションとAPIトークンを終了して、新しい招待リンクを作成します。本人はそのリンクから新しいパスワードを設定します。"
            ),
            Lang::En => format!(
                "This ends the password, the sessions and the API tokens of {email} and makes a new invitation link, with which the person chooses a new password."
            ),
        };
        let title = lang.pick(
            "Reset this account's access?",
            "このアカウントのアクセスをリセットしますか",
        );
        let ask = layout::Ask {
            title,
            what: &what,
            action: "/hr/settings/account",
            fields: &[("email", email), ("action", "reset")],
            yes: lang.pick("Reset access", "リセットする"),
            back: "/hr/settings",
        };
        return Ok(layout::page(hr, Nav::Settings, title, layout::ask(hr, &ask)).into_response());
    }
    let (pool, who) = (state.pool.clone(), email.to_owned());
    match crate::web::attempt(lang, move || store::reset_access(&pool, &who)).await? {
        Ok(token) => {
            hr.audit(state, "account_reset", serde_json::json!({ "email": email }))
                .await?;
            invitation_shown(state, hr, email, &token).await
        }
        Err(e) => refused(state, hr, &said(lang, e)?).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    id: String,
}

pub async fn revoke_token(
    State(state): State<AppState>,
    hr: Hr,
    PageForm(f): PageForm<TokenForm>,
) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let pool = state.pool.clone();
    let id = f.id.clone();
    run(hr.lang, move || store::revoke_admin_token(&pool, &id)).await?;
    hr.audit(&state, "token_revoked", serde_json::json!({"token": f.id}))
        .await?;
    Ok(Redirect::to("/hr/settings?done=revoked").into_response())
}

// ---------------------------------------------------------------------------------------------
// The company directory from the page

/// How many rows of each list of changes the preview shows.
const PREVIEW_ROWS: usize = 20;

/// An upload of the directory's two files: their problems, or what they change, kept for the
/// confirmation (the same parsing and the same `store::import_directory` as the command line).
pub async fn directory_upload(State(state): State<AppState>, hr: Hr, multipart: Multipart) -> PageResult<Response> {
    hr.require_admin()?;
    let mut files = read_files(&hr, multipart, &["org_units", "employees"])
        .await?
        .into_iter();
    let (org_units, employees) = (files.next().unwrap_or_default(), files.next().unwrap_or_default());
    preview_or_apply(&state, &hr, org_units, employees, None).await
}

/// What HR confirmed: the preview they read (its fingerprint), and whether they allowed a large
/// removal.
#[derive(Debug)]
struct Confirmed {
    fingerprint: String,
    allow_shrink: bool,
}

/// Parses the files and applies them when `confirmed` matches what they change now; otherwise
/// keeps them and shows what they change, for a confirmation.
async fn preview_or_apply(
    state: &AppState,
    hr: &Hr,
    org_units: Vec<u8>,
    employees: Vec<u8>,
    confirmed: Option<Confirmed>,
) -> PageResult<Response> {
    let lang = hr.lang;
    let month = store::current_month();
    let pool = state.pool.clone();
    let (o, e) = (org_units.clone(), employees.clone());
    let read = run(lang, move || {
        Ok(match crate::directory::parse(&o, &e) {
            Ok(directory) => {
                let preview = store::directory_preview(&pool, &directory, month)?;
                Ok((directory, preview))
            }
            Err(problems) => Err(problems),
        })
    })
    .await?;
    let (directory, preview) = match read {
        Ok(read) => read,
        Err(problems) => {
            let lists = lists(state, lang).await?;
            let texts = problem_texts(lang, &problems);
            let shown = Shown {
                directory_problems: &texts,
                ..Shown::default()
            };
            return Ok((
                StatusCode::BAD_REQUEST,
                layout::page(hr, Nav::Settings, title(lang), render(hr, &lists, &shown)),
            )
                .into_response());
        }
    };
    if preview.changes.is_empty() {
        let lists = lists(state, lang).await?;
        let shown = Shown {
            notice: Some(lang.pick(
                "The files hold the current directory as it is: there is nothing to change.",
                "ファイルの内容は現在の組織図と同じです。変更するものはありません。",
            )),
            ..Shown::default()
        };
        return Ok(layout::page(hr, Nav::Settings, title(lang), render(hr, &lists, &shown)).into_response());
    }
    let fingerprint = preview.fingerprint();
    let same = confirmed.as_ref().is_some_and(|c| c.fingerprint == fingerprint);
    if same && confirmed.as_ref().is_some_and(|c| c.allow_shrink || !preview.shrinks) {
        let pool = state.pool.clone();
        let allow_shrink = preview.shrinks;
        let summary = run(lang, move || {
            store::import_directory(&pool, &directory, month, allow_shrink)
        })
        .await?;
        let c = &preview.changes;
        hr.audit(
            state,
            "directory_import",
            serde_json::json!({
                "org_units": summary.org_units, "employees": summary.employees, "changes": summary.changes,
                "effective_from": summary.effective_from,
                "units_added": c.units_added.len(), "units_removed": c.units_removed.len(),
                "people_added": c.people_added.len(), "people_removed": c.people_removed.len(),
                "people_moved": c.people_moved.len(), "managers_changed": c.managers_changed.len(),
            }),
        )
        .await?;
        let (units, people) = (
            lang.count(summary.org_units as u64),
            lang.count(summary.employees as u64),
        );
        let notice = match (lang, summary.effective_from) {
            (Lang::Ja, None) => {
                format!("組織 {units}、社員 {people}人の組織図を取り込みました。すべての月に適用されます。")
            }
            (Lang::Ja, Some(m)) => format!(
                "組織 {units}、社員 {people}人の組織図を取り込みました（変更 {}件、{}から適用。それより前の月はこれまでのペアのままです）。",
                lang.count(summary.changes as u64),
                lang.month(m)
            ),
            (Lang::En, None) => format!(
                "Imported the directory of {units} org units and {people} employees; it applies to every month."
            ),
            (Lang::En, Some(m)) => format!(
                "Imported the directory of {units} org units and {people} employees: {} change(s), applied from {}; earlier months keep their pairs.",
                lang.count(summary.changes as u64),
                lang.month(m)
            ),
        };
        let lists = lists(state, lang).await?;
        let shown = Shown {
            notice: Some(&notice),
            ..Shown::default()
        };
        return Ok(layout::page(hr, Nav::Settings, title(lang), render(hr, &lists, &shown)).into_response());
    }
    let (pool, email, kept) = (state.pool.clone(), hr.account.email.clone(), fingerprint.clone());
    let token = run(lang, move || {
        store::keep_pending(&pool, &email, PendingKind::Directory, &[&org_units, &employees], &kept)
    })
    .await?;
    let note = match &confirmed {
        Some(_) if !same => Some(lang.pick(
            "The directory changed after these files were uploaded: here is what they change now. Check it again.",
            "ファイルを取り込んだ後に、組織図が変わりました。いまの変更内容は次のとおりです。もう一度確認してください。",
        )),
        Some(_) => Some(lang.pick(
            "Tick the box to confirm the removals before applying.",
            "適用する前に、削除を確認するチェックを入れてください。",
        )),
        None => None,
    };
    Ok(layout::page(
        hr,
        Nav::Settings,
        lang.pick("Check the directory import", "組織図の取り込み内容の確認"),
        render_preview(hr, &preview, &token, note),
    )
    .into_response())
}

/// One list of the preview: its key (the anchor and `data-list`), its title, the headings of its
/// before and after columns (empty: no such column), and its rows.
struct List<'a> {
    key: &'static str,
    title: &'static str,
    before: &'static str,
    after: &'static str,
    rows: &'a [Change],
}

fn lists_of(lang: Lang, c: &Changes) -> [List<'_>; 9] {
    let l = |key, title, before, after, rows| List {
        key,
        title,
        before,
        after,
        rows,
    };
    [
        l(
            "units-added",
            lang.pick("Org units added", "追加される組織"),
            "",
            lang.pick("Parent", "親組織"),
            &c.units_added,
        ),
        l(
            "units-renamed",
            lang.pick("Org units renamed", "名前が変わる組織"),
            lang.pick("Name before", "変更前の名前"),
            lang.pick("Name after", "変更後の名前"),
            &c.units_renamed,
        ),
        l(
            "units-moved",
            lang.pick("Org units under another parent", "親組織が変わる組織"),
            lang.pick("Parent before", "変更前の親組織"),
            lang.pick("Parent after", "変更後の親組織"),
            &c.units_moved,
        ),
        l(
            "units-removed",
            lang.pick("Org units removed", "削除される組織"),
            lang.pick("Parent", "親組織"),
            "",
            &c.units_removed,
        ),
        l(
            "people-added",
            lang.pick("People added", "追加される社員"),
            "",
            lang.pick("Unit", "所属"),
            &c.people_added,
        ),
        l(
            "people-moved",
            lang.pick("People moved to another unit", "所属が変わる社員"),
            lang.pick("Unit before", "変更前の所属"),
            lang.pick("Unit after", "変更後の所属"),
            &c.people_moved,
        ),
        l(
            "managers-changed",
            lang.pick("Managers changed", "上司が変わる社員"),
            lang.pick("Manager before", "変更前の上司"),
            lang.pick("Manager after", "変更後の上司"),
            &c.managers_changed,
        ),
        l(
            "people-removed",
            lang.pick("People removed", "削除される社員"),
            lang.pick("Unit", "所属"),
            "",
            &c.people_removed,
        ),
        l(
            "details-changed",
            lang.pick("Names or emails changed", "氏名・メールアドレスが変わる社員"),
            lang.pick("Before", "変更前"),
            lang.pick("After", "変更後"),
            &c.details_changed,
        ),
    ]
}

/// What a directory import changes, before it is applied: counts, the first rows of each list,
/// a warning (and a box to tick) for a large removal, and the buttons to apply or cancel.
fn render_preview(hr: &Hr, preview: &DirectoryPreview, token: &str, note: Option<&str>) -> Markup {
    let lang = hr.lang;
    let c = &preview.changes;
    let minutes = store::PENDING_SECS / 60;
    let lists = lists_of(lang, c);
    let count = |n: usize| lang.count(n as u64);
    html! {
        h1 { (lang.pick("Check the directory import", "組織図の取り込み内容の確認")) }
        @if let Some(n) = note { p.problem role="alert" { (n) } }
        p.lead { (match lang {
            Lang::Ja => format!("組織 {} → {}、社員 {}人 → {}人", count(c.units_before), count(c.units_after), count(c.people_before), count(c.people_after)),
            Lang::En => format!("Org units {} → {}; employees {} → {}.", count(c.units_before), count(c.units_after), count(c.people_before), count(c.people_after)),
        }) }
        p { (match (lang, preview.effective_from) {
            (Lang::Ja, None) => "初めての取り込みです。すべての月に適用されます。".to_owned(),
            (Lang::Ja, Some(m)) => format!("{}から適用されます。それより前の月は、これまでの組織とペアのままです。", lang.month(m)),
            (Lang::En, None) => "This is the first import: it applies to every month.".to_owned(),
            (Lang::En, Some(m)) => format!("It applies from {}; earlier months keep their org units and pairs.", lang.month(m)),
        }) }
        table.change-counts {
            tbody {
                @for list in &lists {
                    tr data-list=(list.key) data-count=(list.rows.len()) {
                        th { @if list.rows.is_empty() { (list.title) } @else { a href={"#" (list.key)} { (list.title) } } }
                        td.num { (count(list.rows.len())) }
                    }
                }
            }
        }
        form.stack.confirm method="post" action="/hr/settings/directory/confirm" {
            (csrf_field(hr))
            input type="hidden" name="token" value=(token);
            @if preview.shrinks {
                div.problem.shrink role="alert" {
                    p { (match lang {
                        Lang::Ja => format!("この取り込みは、社員 {}人のうち {}人と、{}組織のうち {}組織を削除します。{}%を超える削除は、誤ったファイルや途中で切れたファイルのこともあります。",
                            count(c.people_before), count(c.people_removed.len()), count(c.units_before), count(c.units_removed.len()),
                            store::SHRINK_LIMIT * 100.0),
                        Lang::En => format!("This import removes {} of {} employees and {} of {} org units. Removing more than {}% can mean a wrong or cut-short file.",
                            count(c.people_removed.len()), count(c.people_before), count(c.units_removed.len()), count(c.units_before),
                            store::SHRINK_LIMIT * 100.0),
                    }) }
                    label.check { input type="checkbox" name="allow_shrink" value="1" required;
                        " " (lang.pick("I have checked the removals: apply them.", "削除される社員と組織を確認しました。削除してかまいません。")) }
                }
            }
            p.muted { (match lang {
                Lang::Ja => format!("適用するまで何も変わりません（この確認は{minutes}分間有効です）。"),
                Lang::En => format!("Nothing changes until you apply (this confirmation is valid for {minutes} minutes)."),
            }) }
            div.actions {
                button.primary name="action" value="apply" { (lang.pick("Apply these changes", "この内容で取り込む")) }
                " "
                button name="action" value="cancel" formnovalidate { (lang.pick("Cancel", "取り消す")) }
            }
        }
        @if lists.iter().any(|l| !l.rows.is_empty()) {
            p.muted { (match lang {
                Lang::Ja => format!("変更の一覧（それぞれ最初の{PREVIEW_ROWS}件）："),
                Lang::En => format!("The changes (the first {PREVIEW_ROWS} of each):"),
            }) }
        }
        @for list in lists.iter().filter(|l| !l.rows.is_empty()) {
            section.changes id=(list.key) {
                h2 { (match lang {
                    Lang::Ja => format!("{}（{}件）", list.title, count(list.rows.len())),
                    Lang::En => format!("{} ({})", list.title, count(list.rows.len())),
                }) }
                table {
                    thead { tr {
                        th { "ID" }
                        th { (lang.pick("Name", "名前")) }
                        @if !list.before.is_empty() { th { (list.before) } }
                        @if !list.after.is_empty() { th { (list.after) } }
                    } }
                    tbody {
                        @for row in list.rows.iter().take(PREVIEW_ROWS) {
                            tr {
                                td.id { (row.id) }
                                td { (row.name) }
                                @if !list.before.is_empty() { td { (row.before) } }
                                @if !list.after.is_empty() { td { (row.after) } }
                            }
                        }
                    }
                }
                @if list.rows.len() > PREVIEW_ROWS {
                    p.muted { (match lang {
                        Lang::Ja => format!("ほか {}件", count(list.rows.len() - PREVIEW_ROWS)),
                        Lang::En => format!("and {} more", count(list.rows.len() - PREVIEW_ROWS)),
                    }) }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DirectoryConfirmForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    token: String,
    action: String,
    allow_shrink: Option<String>,
}

/// The answer to a directory preview: the kept files are applied if what they change is still
/// what HR read (else shown again), or dropped.
pub async fn directory_confirm(
    State(state): State<AppState>,
    hr: Hr,
    PageForm(f): PageForm<DirectoryConfirmForm>,
) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let lang = hr.lang;
    let pending = crate::web::take_kept(&state, &hr, PendingKind::Directory, &f.token).await?;
    let Some(pending) = pending else {
        let lists = lists(&state, lang).await?;
        let gone = confirmation_gone(lang);
        let shown = Shown {
            problem: Some(&gone),
            ..Shown::default()
        };
        return Ok((
            StatusCode::GONE,
            layout::page(&hr, Nav::Settings, title(lang), render(&hr, &lists, &shown)),
        )
            .into_response());
    };
    if f.action != "apply" {
        let lists = lists(&state, lang).await?;
        let shown = Shown {
            notice: Some(lang.pick(
                "The directory import was cancelled: nothing changed.",
                "組織図の取り込みを取り消しました。何も変わっていません。",
            )),
            ..Shown::default()
        };
        return Ok(layout::page(&hr, Nav::Settings, title(lang), render(&hr, &lists, &shown)).into_response());
    }
    let mut files = pending.files.into_iter();
    let (org_units, employees) = (files.next().unwrap_or_default(), files.next().unwrap_or_default());
    let confirmed = Confirmed {
        fingerprint: pending.expected,
        allow_shrink: f.allow_shrink.is_some(),
    };
    preview_or_apply(&state, &hr, org_units, employees, Some(confirmed)).await
}
