//! Settings (hr_admin): the target rate, k, the survey window, pair detail; accounts (invite,
//! change role, disable); admin API tokens (list, revoke).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Nav};
use crate::app::AppState;
use crate::store::{self, Account, MIN_K, Role, TokenInfo};
use crate::web::{Hr, Lang, PageError, PageForm, PageQuery, PageResult, csrf_field, run};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsQuery {
    done: Option<String>,
}

fn role_text(lang: Lang, role: &Role) -> String {
    match role {
        Role::HrAdmin => lang.pick("HR administrator", "人事管理者").to_owned(),
        Role::OrgViewer { org_unit_id } => match lang {
            Lang::Ja => format!("組織閲覧者（{org_unit_id}）"),
            Lang::En => format!("Org viewer ({org_unit_id})"),
        },
    }
}

fn render(
    hr: &Hr,
    accounts: &[Account],
    tokens: &[TokenInfo],
    invited: Option<&str>,
    problem: Option<&str>,
    notice: Option<&str>,
) -> Markup {
    let lang = hr.lang;
    let s = &hr.settings;
    let now = store::now();
    html! {
        h1 { (lang.pick("Settings", "設定")) }
        (layout::notice(notice))
        @if let Some(p) = problem { p.problem role="alert" { (p) } }
        @if let Some(link) = invited {
            div.notice.code-once role="status" {
                p { (lang.pick("Send this invitation link to the person (valid 7 days, shown only now):", "この招待リンクを本人に送ってください（7日間有効、この画面でのみ表示）:")) }
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
                label.check { input type="checkbox" name="pair_detail" value="on" checked[s.pair_detail];
                    " " (lang.pick("Pair-level detail (the not-yet list and the pair API); every view is written to the audit log",
                                   "ペア単位の表示（今月未実施の一覧とペアAPI）。表示はすべて監査ログに記録されます")) }
                button.primary { (lang.pick("Save settings", "設定を保存")) }
            }
        }
        section {
            h2 { (lang.pick("Accounts", "アカウント")) }
            table {
                thead { tr { th { (lang.pick("Email", "メールアドレス")) } th { (lang.pick("Role", "役割")) } th { (lang.pick("State", "状態")) } th { } } }
                tbody {
                    @for a in accounts {
                        tr {
                            td { (a.email) }
                            td { (role_text(lang, &a.role)) }
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
                                        input name="org" placeholder=(lang.pick("org unit id", "組織ID")) size="10"
                                            value=(match &a.role { Role::OrgViewer { org_unit_id } => org_unit_id.as_str(), Role::HrAdmin => "" });
                                        button.link name="action" value="role" { (lang.pick("Change role", "役割を変更")) }
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
                        option value="org_viewer" { (lang.pick("Org viewer: one unit and below, aggregates only", "組織閲覧者: 1つの組織とその配下、集計のみ")) }
                        option value="hr_admin" { (lang.pick("HR administrator: everything", "人事管理者: すべて")) }
                    }
                }
                label { (lang.pick("Org unit id (org viewers)", "組織ID（組織閲覧者）")) input name="org" maxlength="64"; }
                button.primary { (lang.pick("Create invitation", "招待を作成")) }
            }
        }
        section {
            h2 { (lang.pick("Admin API tokens", "管理APIトークン")) }
            p.muted { (lang.pick("Tokens are created with `taiwa-server admin token`; only their ids are kept here.", "トークンは `taiwa-server admin token` で作成します。ここにはIDだけが表示されます。")) }
            @if tokens.is_empty() { p.muted { (lang.pick("None.", "ありません。")) } } @else {
                table {
                    thead { tr { th { "ID" } th { (lang.pick("Account", "アカウント")) } th { (lang.pick("Created", "作成")) } th { (lang.pick("Expires", "有効期限")) } th { (lang.pick("State", "状態")) } th { } } }
                    tbody {
                        @for t in tokens {
                            tr {
                                td.id { (t.id) }
                                td { (t.email) }
                                td { (lang.date(t.created_at)) }
                                td { (lang.date(t.expires_at)) }
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

async fn lists(state: &AppState, lang: Lang) -> PageResult<(Vec<Account>, Vec<TokenInfo>)> {
    let pool = state.pool.clone();
    run(lang, move || Ok((store::accounts(&pool)?, store::admin_tokens(&pool)?))).await
}

fn title(lang: Lang) -> &'static str {
    lang.pick("Settings", "設定")
}

pub async fn page(State(state): State<AppState>, hr: Hr, PageQuery(q): PageQuery<SettingsQuery>) -> PageResult<Markup> {
    hr.require_admin()?;
    let (accounts, tokens) = lists(&state, hr.lang).await?;
    let notice = q.done.map(|_| hr.lang.pick("Saved.", "保存しました。"));
    Ok(layout::page(
        &hr,
        Nav::Settings,
        title(hr.lang),
        render(&hr, &accounts, &tokens, None, None, notice),
    ))
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    target_percent: String,
    k: String,
    survey_window: String,
    pair_detail: Option<String>,
}

/// Re-renders the page with a problem (400), nothing saved.
async fn refused(state: &AppState, hr: &Hr, problem: &str) -> PageResult<Response> {
    let (accounts, tokens) = lists(state, hr.lang).await?;
    Ok((
        StatusCode::BAD_REQUEST,
        layout::page(
            hr,
            Nav::Settings,
            title(hr.lang),
            render(hr, &accounts, &tokens, None, Some(problem), None),
        ),
    )
        .into_response())
}

pub async fn save(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<SettingsForm>) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let pair = if f.pair_detail.is_some() { "on" } else { "off" };
    let pool = state.pool.clone();
    let values = [
        ("target_percent".to_owned(), f.target_percent.clone()),
        ("k".to_owned(), f.k.clone()),
        ("survey_window".to_owned(), f.survey_window.clone()),
        ("pair_detail".to_owned(), pair.to_owned()),
    ];
    let saved = crate::web::attempt(hr.lang, move || {
        let refs: Vec<(&str, &str)> = values.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        store::save_settings(&pool, &refs)
    })
    .await?;
    match saved {
        Ok(s) => {
            hr.audit(
                &state,
                "settings",
                serde_json::json!({"target_percent": s.target_percent, "k": s.k, "survey_window": s.survey_window, "pair_detail": s.pair_detail}),
            )
            .await?;
            Ok(Redirect::to("/hr/settings?done=1").into_response())
        }
        Err(crate::Error::Invalid(m)) => refused(&state, &hr, &m).await,
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
    let role = match Role::parse(&f.role, f.org.as_deref()) {
        Ok(r) => r,
        Err(e) => return refused(&state, &hr, &e.to_string()).await,
    };
    let pool = state.pool.clone();
    let (email, r) = (f.email.trim().to_owned(), role.clone());
    let result = crate::web::attempt(hr.lang, move || store::invite_admin(&pool, &email, &r)).await?;
    match result {
        Ok(token) => {
            hr.audit(
                &state,
                "account_invited",
                serde_json::json!({"email": f.email.trim(), "role": role.name()}),
            )
            .await?;
            // Never from the request's Host header, which whoever sends the request chooses.
            let base = state.config.link_base().unwrap_or_default();
            let link = format!("{base}/hr/invite/{token}");
            let (accounts, tokens) = lists(&state, hr.lang).await?;
            Ok(layout::page(
                &hr,
                Nav::Settings,
                title(hr.lang),
                render(&hr, &accounts, &tokens, Some(&link), None, None),
            )
            .into_response())
        }
        Err(crate::Error::Invalid(m) | crate::Error::NotFound(m)) => refused(&state, &hr, &m).await,
        Err(e) => Err(PageError::from_error(e, hr.lang)),
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
    let pool = state.pool.clone();
    let (email, action, role, org) = (f.email.clone(), f.action.clone(), f.role.clone(), f.org.clone());
    let result = crate::web::attempt(hr.lang, move || match action.as_str() {
        "disable" => store::set_disabled(&pool, &email, true),
        "enable" => store::set_disabled(&pool, &email, false),
        "role" => {
            let role = Role::parse(role.as_deref().unwrap_or_default(), org.as_deref())?;
            store::set_role(&pool, &email, &role)
        }
        other => Err(crate::Error::Invalid(format!("unknown action '{other}'"))),
    })
    .await?;
    match result {
        Ok(()) => {
            hr.audit(
                &state,
                "account_changed",
                serde_json::json!({"email": f.email, "action": f.action, "role": f.role, "org": f.org}),
            )
            .await?;
            Ok(Redirect::to("/hr/settings?done=1").into_response())
        }
        Err(crate::Error::Invalid(m) | crate::Error::NotFound(m)) => refused(&state, &hr, &m).await,
        Err(e) => Err(PageError::from_error(e, hr.lang)),
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
    Ok(Redirect::to("/hr/settings?done=1").into_response())
}
