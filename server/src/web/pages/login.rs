//! Signing in and out, the language switch, changing one's password, accepting an invitation.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::layout::{self, Nav};
use crate::app::AppState;
use crate::store;
use crate::web::{
    Hr, Lang, PageError, PageForm, PageQuery, PageResult, client_ip, csrf_field, lang_cookie, request_lang, run,
    session_cookie, session_id,
};

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path on this server may follow a sign-in (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/hr/") && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/hr/".to_owned(),
    }
}

/// The cookie and field that tie a sign-in to a form this server served (no login CSRF).
const LOGIN_COOKIE: &str = "taiwa_login";

fn login_cookie(token: &str, secure: bool) -> String {
    format!(
        "{}={token}; Path={}; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        crate::web::cookie_name(LOGIN_COOKIE, secure),
        if secure { "/" } else { "/hr" },
        if secure { "; Secure" } else { "" }
    )
}

fn login_page(lang: Lang, next: &str, email: &str, problem: Option<&str>, token: &str) -> maud::Markup {
    layout::bare(
        lang,
        lang.pick("Sign in", "サインイン"),
        html! {
            main.narrow {
                h1 { (lang.pick("Sign in to Taiwa", "Taiwa にサインイン")) }
                p.muted { (lang.pick("1on1 completion for HR. No note or word of a 1on1 ever reaches this server.",
                                     "人事向けの1on1実施状況です。1on1のメモや内容がこのサーバーに届くことはありません。")) }
                @if let Some(p) = problem {
                    p.problem role="alert" { (p) }
                }
                form.stack method="post" action="/hr/login" {
                    input type="hidden" name="next" value=(next);
                    input type="hidden" name="_login" value=(token);
                    label { (lang.pick("Email", "メールアドレス"))
                        input type="email" name="email" value=(email) autocomplete="username" required autofocus; }
                    label { (lang.pick("Password", "パスワード"))
                        input type="password" name="password" autocomplete="current-password" required; }
                    button.primary { (lang.pick("Sign in", "サインイン")) }
                }
                form.inline.lang-switch method="post" action="/hr/lang" {
                    input type="hidden" name="next" value=(format!("/hr/login?next={}", crate::web::urlencode(next)));
                    button.link name="lang" value="ja" disabled[lang == Lang::Ja] { "日本語" }
                    " | "
                    button.link name="lang" value="en" disabled[lang == Lang::En] { "English" }
                }
            }
        },
    )
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<NextQuery>,
) -> PageResult<Response> {
    let lang = request_lang(&headers);
    let token = store::new_token("").map_err(|e| PageError::from_error(e, lang))?;
    Ok((
        [(header::SET_COOKIE, login_cookie(&token, state.config.https()))],
        login_page(lang, &safe_next(q.next.as_deref()), "", None, &token),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
    #[serde(rename = "_login", default)]
    login: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("email", &self.email)
            .field("password", &"***")
            .finish()
    }
}

/// How long a wrong password takes to answer, whichever the account: guessing is slow and the
/// time tells nothing about which emails exist.
const FAILURE_DELAY: Duration = Duration::from_millis(700);

pub async fn submit(
    State(state): State<AppState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    let lang = request_lang(&headers);
    let next = safe_next(form.next.as_deref());
    let ip = state.config.client_ip(client_ip(&connect), &headers);
    let email = form.email.trim().to_owned();
    let expected = crate::web::cookie(&headers, &crate::web::cookie_name(LOGIN_COOKIE, state.config.https()))
        .unwrap_or_default()
        .to_owned();
    let same = !expected.is_empty()
        && expected.len() == form.login.len()
        && expected
            .bytes()
            .zip(form.login.bytes())
            .fold(0u8, |a, (x, y)| a | (x ^ y))
            == 0;
    if !same {
        return PageError::new(
            StatusCode::FORBIDDEN,
            lang,
            lang.pick(
                "This sign-in form has expired or did not come from this site. Open the sign-in page again.",
                "このサインインフォームは期限切れか、このサイトのものではありません。サインインのページを開き直してください。",
            ),
        )
        .into_response();
    }
    let token = expected;
    // The attempt counts before the password is checked (see `LoginThrottle`).
    if let Err(wait) = state.logins.attempt(&email, ip) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let message = match lang {
            Lang::Ja => {
                format!("サインインの失敗が続いたため、しばらく受け付けません。{minutes}分後にもう一度お試しください。")
            }
            Lang::En => format!("Too many failed sign-ins. Try again in {minutes} minute(s)."),
        };
        return (
            StatusCode::TOO_MANY_REQUESTS,
            login_page(lang, &next, &email, Some(&message), &token),
        )
            .into_response();
    }
    let Some(_turn) = state.logins.check_turn().await else {
        return PageError::from_error(crate::Error::Unavailable("too many sign-ins at once".into()), lang)
            .into_response();
    };
    let pool = state.pool.clone();
    let (check_email, password) = (email.clone(), form.password);
    let checked = run(lang, move || {
        store::check_admin_password(&pool, &check_email, &password)
    })
    .await;
    let account = match checked {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Some(account) = account else {
        tokio::time::sleep(FAILURE_DELAY).await;
        tracing::info!("sign-in refused");
        let message = lang.pick(
            "The email or the password is not right.",
            "メールアドレスまたはパスワードが正しくありません。",
        );
        return (
            StatusCode::UNAUTHORIZED,
            login_page(lang, &next, &email, Some(message), &token),
        )
            .into_response();
    };
    state.logins.succeeded(&email, ip);
    let pool = state.pool.clone();
    let who = account.email.clone();
    let id = match run(lang, move || store::start_session(&pool, &who)).await {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let secure = state.config.https();
    let lang_now = account.lang.as_deref().and_then(Lang::parse).unwrap_or(lang);
    (
        axum::response::AppendHeaders([
            (header::SET_COOKIE, session_cookie(&id, store::SESSION_MAX_SECS, secure)),
            (header::SET_COOKIE, lang_cookie(lang_now, secure)),
            (
                header::SET_COOKIE,
                login_cookie("", secure).replace("Max-Age=3600", "Max-Age=0"),
            ),
        ]),
        Redirect::to(&next),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    hr: Hr,
    headers: HeaderMap,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult<Response> {
    hr.check_csrf(&form.csrf)?;
    if let Some(id) = session_id(&headers, state.config.https()) {
        let pool = state.pool.clone();
        run(hr.lang, move || store::end_session(&pool, &id)).await?;
    }
    Ok((
        [(header::SET_COOKIE, session_cookie("", 0, state.config.https()))],
        Redirect::to("/hr/login"),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct LangForm {
    lang: String,
    next: Option<String>,
    #[serde(rename = "_csrf", default)]
    csrf: Option<String>,
}

/// Switches the language: remembered on the account when signed in, and in a cookie.
pub async fn language(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageForm(form): PageForm<LangForm>,
) -> PageResult<Response> {
    let current = request_lang(&headers);
    let lang = Lang::parse(&form.lang).ok_or_else(|| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            current,
            current.pick("The language is ja or en.", "言語は日本語（ja）か英語（en）です。"),
        )
    })?;
    let next = form
        .next
        .as_deref()
        .filter(|n| n.starts_with("/hr/login"))
        .map_or_else(|| safe_next(form.next.as_deref()), str::to_owned);
    if let Some(id) = session_id(&headers, state.config.https()) {
        let pool = state.pool.clone();
        let session = run(current, move || store::session(&pool, &id)).await?;
        if let Some(session) = session {
            // A signed-in change is a state change of the account: it needs the form's token.
            let hr_csrf = form.csrf.unwrap_or_default();
            let same = hr_csrf.len() == session.csrf.len()
                && hr_csrf
                    .bytes()
                    .zip(session.csrf.bytes())
                    .fold(0u8, |a, (x, y)| a | (x ^ y))
                    == 0;
            if !same {
                return Err(PageError::stale_form(current));
            }
            let pool = state.pool.clone();
            let email = session.account.email.clone();
            run(current, move || store::set_language(&pool, &email, lang.code())).await?;
        }
    }
    Ok((
        [(header::SET_COOKIE, lang_cookie(lang, state.config.https()))],
        Redirect::to(&next),
    )
        .into_response())
}

fn account_page(hr: &Hr, notice: Option<&str>, problem: Option<&str>) -> maud::Markup {
    let lang = hr.lang;
    layout::page(
        hr,
        Nav::Account,
        lang.pick("Your account", "アカウント"),
        html! {
            h1 { (lang.pick("Your account", "アカウント")) }
            (layout::notice(notice))
            @if let Some(p) = problem { p.problem role="alert" { (p) } }
            dl.facts {
                dt { (lang.pick("Email", "メールアドレス")) } dd { (hr.account.email) }
                dt { (lang.pick("Role", "役割")) }
                dd { @match hr.scope() {
                    None => (lang.pick("HR administrator: the whole company", "人事管理者: 全社")),
                    Some(unit) => (match lang { Lang::Ja => format!("組織閲覧者: {unit} とその配下（集計のみ）"), Lang::En => format!("Org viewer: {unit} and below (aggregates only)") }),
                } }
            }
            h2 { (lang.pick("Change password", "パスワードの変更")) }
            form.stack method="post" action="/hr/account" {
                (csrf_field(hr))
                label { (lang.pick("Current password", "現在のパスワード"))
                    input type="password" name="current" autocomplete="current-password" required; }
                label { (lang.pick("New password (at least 12 characters)", "新しいパスワード（12文字以上）"))
                    input type="password" name="new" autocomplete="new-password" minlength="12" required; }
                label { (lang.pick("New password again", "新しいパスワード（確認）"))
                    input type="password" name="again" autocomplete="new-password" minlength="12" required; }
                button.primary { (lang.pick("Change password", "パスワードを変更")) }
            }
        },
    )
}

pub async fn account(hr: Hr) -> maud::Markup {
    account_page(&hr, None, None)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    current: String,
    new: String,
    again: String,
}

impl std::fmt::Debug for PasswordForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordForm { *** }")
    }
}

pub async fn change_password(
    State(state): State<AppState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    hr: Hr,
    PageForm(form): PageForm<PasswordForm>,
) -> PageResult<Response> {
    hr.check_csrf(&form.csrf)?;
    let lang = hr.lang;
    if form.new != form.again {
        let problem = lang.pick("The two new passwords differ.", "新しいパスワードが一致しません。");
        return Ok((StatusCode::BAD_REQUEST, account_page(&hr, None, Some(problem))).into_response());
    }
    // The current password is checked under the sign-in's limits, per account and address.
    let ip = state.config.client_ip(client_ip(&connect), &headers);
    if let Err(wait) = state.logins.attempt(&hr.account.email, ip) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let problem = match lang {
            Lang::Ja => format!("パスワードの確認に続けて失敗したため、{minutes}分後にもう一度お試しください。"),
            Lang::En => format!("Too many wrong passwords. Try again in {minutes} minute(s)."),
        };
        return Ok((StatusCode::TOO_MANY_REQUESTS, account_page(&hr, None, Some(&problem))).into_response());
    }
    let Some(_turn) = state.logins.check_turn().await else {
        return Err(PageError::from_error(
            crate::Error::Unavailable("too many password checks at once".into()),
            lang,
        ));
    };
    let pool = state.pool.clone();
    let email = hr.account.email.clone();
    let result = crate::web::attempt(lang, move || {
        store::change_password(&pool, &email, &form.current, &form.new)
    })
    .await?;
    let wrong_current = matches!(&result, Err(crate::Error::Refused(m)) if *m == store::wrong_current_password());
    if !wrong_current {
        state.logins.succeeded(&hr.account.email, ip);
    }
    match result {
        Ok(()) => {
            // Every session ended with the old password, this one too: sign in again.
            Ok((
                [(header::SET_COOKIE, session_cookie("", 0, state.config.https()))],
                Redirect::to("/hr/login"),
            )
                .into_response())
        }
        Err(crate::Error::Refused(said)) => {
            let problem = if wrong_current {
                lang.pick(
                    "The current password is not right.",
                    "現在のパスワードが正しくありません。",
                )
                .to_owned()
            } else {
                said.in_lang(lang).to_owned()
            };
            Ok((StatusCode::BAD_REQUEST, account_page(&hr, None, Some(&problem))).into_response())
        }
        Err(e) => Err(PageError::from_error(e, lang)),
    }
}

fn invitation_page(lang: Lang, token: &str, email: &str, problem: Option<&str>) -> maud::Markup {
    layout::bare(
        lang,
        lang.pick("Welcome", "ようこそ"),
        html! {
            main.narrow {
                h1 { (lang.pick("Choose your password", "パスワードを設定してください")) }
                p { (email) }
                @if let Some(p) = problem { p.problem role="alert" { (p) } }
                form.stack method="post" action=(format!("/hr/invite/{token}")) {
                    label { (lang.pick("Password (at least 12 characters)", "パスワード（12文字以上）"))
                        input type="password" name="password" autocomplete="new-password" minlength="12" required; }
                    label { (lang.pick("Password again", "パスワード（確認）"))
                        input type="password" name="again" autocomplete="new-password" minlength="12" required; }
                    button.primary { (lang.pick("Set password", "設定する")) }
                }
            }
        },
    )
}

pub async fn invitation(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> PageResult<maud::Markup> {
    let lang = request_lang(&headers);
    let pool = state.pool.clone();
    let lookup = token.clone();
    let email = run(lang, move || store::invitation(&pool, &lookup))
        .await?
        .ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                lang,
                lang.pick(
                    "This invitation is unknown, used or expired: ask HR for a new one.",
                    "この招待は無効か、使用済みか、期限切れです。人事に新しい招待を依頼してください。",
                ),
            )
        })?;
    Ok(invitation_page(lang, &token, &email, None))
}

#[derive(Deserialize)]
pub struct AcceptForm {
    password: String,
    again: String,
}

impl std::fmt::Debug for AcceptForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AcceptForm { *** }")
    }
}

/// The invitation link is itself the secret that allows this form (no session exists yet).
pub async fn accept(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    PageForm(form): PageForm<AcceptForm>,
) -> PageResult<Response> {
    let lang = request_lang(&headers);
    let pool = state.pool.clone();
    let lookup = token.clone();
    let Some(email) = run(lang, move || store::invitation(&pool, &lookup)).await? else {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            lang,
            lang.pick(
                "This invitation is unknown, used or expired.",
                "この招待は無効か、使用済みか、期限切れです。",
            ),
        ));
    };
    if form.password != form.again {
        let problem = lang.pick("The two passwords differ.", "パスワードが一致しません。");
        return Ok((
            StatusCode::BAD_REQUEST,
            invitation_page(lang, &token, &email, Some(problem)),
        )
            .into_response());
    }
    let pool = state.pool.clone();
    let using = token.clone();
    match crate::web::attempt(lang, move || store::accept_invitation(&pool, &using, &form.password)).await? {
        Ok(_) => Ok(Redirect::to("/hr/login").into_response()),
        Err(crate::Error::Refused(said)) => {
            let problem = said.in_lang(lang).to_owned();
            Ok((
                StatusCode::BAD_REQUEST,
                invitation_page(lang, &token, &email, Some(&problem)),
            )
                .into_response())
        }
        Err(e) => Err(PageError::from_error(e, lang)),
    }
}
