//! HR's pages, served by `taiwa-server` itself: HTML rendered on the server with maud (templates
//! checked at compile time, every value escaped unless marked otherwise), charts drawn as SVG on
//! the server, one stylesheet with a print section, and a small script only for extras (sorting a
//! table). Every page works without JavaScript and without any other host.
//!
//! Access: a browser session (cookie `HttpOnly`, `SameSite=Strict`, `Secure` under HTTPS; a new id
//! at every sign-in; idle and absolute expiry), a CSRF token in every form, and two roles:
//! `hr_admin` sees everything; `org_viewer` sees the aggregates of one subtree as
//! `crate::figures::disclose` allows (small groups pooled, released months only), and never a name.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::store::{self, Account, Role, Settings};
pub use crate::throttle::LoginThrottle;
use crate::{Error, api};

mod chart;
mod format;
mod member;
mod pages;

pub use format::Lang;

/// The largest upload (a survey, a career-path catalogue, or the directory's two files).
pub const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;

const SESSION_COOKIE: &str = "taiwa_session";

/// A cookie's name and path: under HTTPS with the `__Host-` prefix (browsers then keep it only if
/// it is `Secure`, for this host alone, on every path), else as named, for `/hr`.
pub fn cookie_name(base: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

fn cookie_path(secure: bool) -> &'static str {
    if secure { "/" } else { "/hr" }
}
const LANG_COOKIE: &str = "taiwa_lang";

/// The routes that take an upload of up to `UPLOAD_LIMIT` (from a signed-in hr_admin only).
pub const UPLOAD_ROUTES: [&str; 3] = [
    "/hr/engagement/import",
    "/hr/career-paths/import",
    "/hr/settings/directory",
];

/// Whether the request's session cookie is a signed-in hr_admin's (one read, no write).
pub async fn signed_in_admin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(id) = session_id(headers, state.config.https()) else {
        return false;
    };
    let pool = state.pool.clone();
    tokio::task::spawn_blocking(move || store::session(&pool, &id))
        .await
        .ok()
        .and_then(Result::ok)
        .flatten()
        .is_some_and(|s| s.account.role == Role::HrAdmin)
}

/// Every HR page.
pub fn routes() -> Router<AppState> {
    use pages::*;
    let uploads = Router::new()
        .route(UPLOAD_ROUTES[0], post(engagement::import))
        .route(UPLOAD_ROUTES[1], post(career::import))
        .route(UPLOAD_ROUTES[2], post(settings::directory_upload))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT));
    Router::new()
        .route("/", get(|| async { Redirect::to("/hr/") }))
        .route("/hr", get(|| async { Redirect::to("/hr/") }))
        .route("/hr/", get(dashboard::page))
        .route("/hr/static/taiwa.css", get(static_css))
        .route("/hr/static/taiwa.js", get(static_js))
        .route("/hr/login", get(login::form).post(login::submit))
        .route("/hr/logout", post(login::logout))
        .route("/hr/lang", post(login::language))
        .route("/hr/account", get(login::account).post(login::change_password))
        .route("/hr/invite/{token}", get(login::invitation).post(login::accept))
        .route("/hr/not-yet", get(not_yet::page))
        .route("/hr/not-yet.csv", get(not_yet::csv))
        .route("/hr/report", get(report::page))
        .route("/hr/report.csv", get(report::csv))
        .route("/hr/engagement", get(engagement::page))
        .route("/hr/engagement/import/confirm", post(engagement::confirm))
        .route("/hr/career-paths", get(career::page).post(career::save))
        .route("/hr/career-paths/delete", post(career::delete))
        .route("/hr/career-paths/import/confirm", post(career::confirm))
        .route("/hr/rollout", get(rollout::page))
        .route("/hr/rollout/code", post(rollout::issue))
        .route("/hr/rollout/codes.csv", post(rollout::issue_for_unit))
        .route("/hr/rollout/cancel", post(rollout::cancel))
        .route("/hr/rollout/revoke", post(rollout::revoke))
        .route("/hr/settings", get(settings::page).post(settings::save))
        .route("/hr/settings/invite", post(settings::invite))
        .route("/hr/settings/account", post(settings::account))
        .route("/hr/settings/token", post(settings::revoke_token))
        .route("/hr/settings/directory/confirm", post(settings::directory_confirm))
        .route("/hr/audit", get(audit::page))
        .route("/me", get(member::redirect))
        .route("/me/", get(member::index))
        .route("/me/assets/{name}", get(member::asset))
        .merge(uploads)
        .layer(middleware::from_fn(headers))
}

/// What every page answer carries: no framing, no sniffing, scripts and styles from this origin
/// only, nothing cached.
async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn static_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("static/taiwa.css"),
    )
        .into_response()
}

async fn static_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("static/taiwa.js"),
    )
        .into_response()
}

/// Text from outside (directory names, device names) without control characters, for a terminal.
pub fn strip_controls(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

// ---------------------------------------------------------------------------------------------
// Errors as pages

/// An error shown as a page in the reader's language.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
    lang: Lang,
}

impl PageError {
    pub fn new(status: StatusCode, lang: Lang, message: impl Into<String>) -> PageError {
        PageError {
            status,
            message: message.into(),
            lang,
        }
    }

    pub fn forbidden(lang: Lang) -> PageError {
        PageError::new(
            StatusCode::FORBIDDEN,
            lang,
            lang.pick(
                "This page is not part of your role.",
                "このページはあなたの役割では表示できません。",
            ),
        )
    }

    /// A form whose CSRF token is not this session's.
    pub fn stale_form(lang: Lang) -> PageError {
        PageError::new(
            StatusCode::FORBIDDEN,
            lang,
            lang.pick(
                "This form has expired or did not come from this site. Open the page again and resend.",
                "このフォームは期限切れか、このサイトから送信されたものではありません。ページを開き直して送信してください。",
            ),
        )
    }

    /// An `Error` from the store, in the reader's language where it is one a person can act on.
    pub fn from_error(e: Error, lang: Lang) -> PageError {
        let message = e.to_string();
        match e {
            Error::Import(_, problems) => {
                PageError::new(StatusCode::BAD_REQUEST, lang, problem_texts(lang, &problems).join("\n"))
            }
            Error::Invalid(_) | Error::InvalidRecords(_) => PageError::new(StatusCode::BAD_REQUEST, lang, message),
            Error::NotFound(_) => PageError::new(StatusCode::NOT_FOUND, lang, message),
            Error::Refused(said) => PageError::new(StatusCode::BAD_REQUEST, lang, said.in_lang(lang)),
            Error::Missing(said) => PageError::new(StatusCode::NOT_FOUND, lang, said.in_lang(lang)),
            Error::Forbidden(_) => PageError::forbidden(lang),
            Error::Unavailable(_) | Error::Database(_) => {
                tracing::error!(error = %message, "storage failed");
                PageError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    lang,
                    lang.pick(
                        "The server cannot reach its database right now. Try again in a minute.",
                        "サーバーがデータベースに接続できません。しばらくしてからもう一度お試しください。",
                    ),
                )
            }
            _ => {
                tracing::error!(error = %message, "internal error");
                PageError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    lang,
                    lang.pick("Something went wrong on the server.", "サーバーで問題が起きました。"),
                )
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let lang = self.lang;
        let title = match self.status {
            StatusCode::FORBIDDEN => lang.pick("Not allowed", "表示できません"),
            StatusCode::NOT_FOUND => lang.pick("Not found", "見つかりません"),
            StatusCode::BAD_REQUEST => lang.pick("Please check the input", "入力を確認してください"),
            _ => lang.pick("Error", "エラー"),
        };
        let body = pages::layout::bare(
            lang,
            title,
            html! {
                main.narrow {
                    h1 { (title) }
                    p.problem role="alert" { (self.message) }
                    p { a href="/hr/" { (lang.pick("Back to the dashboard", "ダッシュボードへ戻る")) } }
                }
            },
        );
        (self.status, body).into_response()
    }
}

pub type PageResult<T> = Result<T, PageError>;

/// Runs blocking store work and hands back its own result, for a page that answers some of the
/// store's errors itself (a form shown again with its problem).
pub async fn attempt<T: Send + 'static>(
    lang: Lang,
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> PageResult<Result<T, Error>> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PageError::from_error(Error::Internal(e.to_string()), lang))
}

/// Runs blocking store work and turns its error into a page in `lang`.
pub async fn run<T: Send + 'static>(
    lang: Lang,
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> PageResult<T> {
    attempt(lang, f).await?.map_err(|e| PageError::from_error(e, lang))
}

// ---------------------------------------------------------------------------------------------
// Language

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language of a request without an account: the remembered choice, else Accept-Language.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(Lang::parse) {
        return lang;
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    Lang::from_accept_language(accept)
}

// ---------------------------------------------------------------------------------------------
// The signed-in person

/// A signed-in HR person, with the settings in force for this request.
#[derive(Debug, Clone)]
pub struct Hr {
    pub account: Account,
    pub csrf: String,
    pub lang: Lang,
    pub settings: Settings,
    /// The path and query of this request, for links back to it.
    pub here: String,
    /// An org viewer's unit by its name in today's directory (the header names it, never by id).
    pub scope_name: Option<String>,
}

impl Hr {
    pub fn is_admin(&self) -> bool {
        self.account.role == Role::HrAdmin
    }

    /// The company's time zone, in which the pages show times and days.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.settings.time_zone
    }

    /// Pages for hr_admin only.
    pub fn require_admin(&self) -> PageResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(PageError::forbidden(self.lang))
        }
    }

    /// The unit an org_viewer is limited to.
    pub fn scope(&self) -> Option<&str> {
        match &self.account.role {
            Role::HrAdmin => None,
            Role::OrgViewer { org_unit_id } => Some(org_unit_id),
        }
    }

    /// Checks a form's CSRF token in constant time.
    pub fn check_csrf(&self, token: &str) -> PageResult<()> {
        let (a, b) = (self.csrf.as_bytes(), token.as_bytes());
        let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
        if same {
            Ok(())
        } else {
            Err(PageError::stale_form(self.lang))
        }
    }

    /// Writes an entry to the audit log.
    pub async fn audit(&self, state: &AppState, action: &'static str, detail: serde_json::Value) -> PageResult<()> {
        let pool = state.pool.clone();
        let actor = self.account.email.clone();
        run(self.lang, move || {
            store::audit(&pool, &actor, action, &detail.to_string())
        })
        .await
    }
}

impl FromRequestParts<AppState> for Hr {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = request_lang(&parts.headers);
        let here = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/hr/".to_owned(), |p| p.as_str().to_owned());
        let to_login = || {
            let next = if parts.method == axum::http::Method::GET {
                here.clone()
            } else {
                "/hr/".into()
            };
            Redirect::to(&format!("/hr/login?next={}", urlencode(&next))).into_response()
        };
        let Some(id) = session_id(&parts.headers, state.config.https()) else {
            return Err(to_login());
        };
        let pool = state.pool.clone();
        let found = run(lang, move || {
            let session = store::session(&pool, &id)?;
            let settings = store::settings(&pool)?;
            let scope_name = match session.as_ref().map(|s| &s.account.role) {
                Some(crate::store::Role::OrgViewer { org_unit_id }) => store::unit_name(&pool, org_unit_id)?,
                _ => None,
            };
            Ok(session.map(|s| (s, settings, scope_name)))
        })
        .await
        .map_err(IntoResponse::into_response)?;
        let Some((session, settings, scope_name)) = found else {
            return Err(to_login());
        };
        let lang = session.account.lang.as_deref().and_then(Lang::parse).unwrap_or(lang);
        Ok(Hr {
            account: session.account,
            csrf: session.csrf,
            lang,
            settings,
            here,
            scope_name,
        })
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .map(|e| e.trim_start_matches("x=").to_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Forms and queries

/// A form body (`application/x-www-form-urlencoded`), typed; a malformed one is a 400 page.
#[derive(Debug)]
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let lang = request_lang(req.headers());
        let bytes = axum::body::to_bytes(req.into_body(), api::BODY_LIMIT)
            .await
            .map_err(|_| PageError::from_error(Error::TooLarge(api::BODY_LIMIT), lang))?;
        serde_urlencoded::from_bytes::<T>(&bytes).map(PageForm).map_err(|e| {
            // The parser's words are English: a Japanese page says what to do instead.
            let message = match lang {
                Lang::Ja => {
                    "フォームの内容が正しくありません。数値の欄には半角の数字を入れて、もう一度送信してください。"
                        .to_owned()
                }
                Lang::En => format!("The form is not valid: {e}"),
            };
            PageError::new(StatusCode::BAD_REQUEST, lang, message)
        })
    }
}

/// Typed query parameters for a page; a malformed one is a 400 page naming it.
#[derive(Debug)]
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let lang = request_lang(&parts.headers);
        api::extract::parse_query(parts.uri.query().unwrap_or_default())
            .map(PageQuery)
            .map_err(|e| match lang {
                // The query's problem is named in English (the API's words): a Japanese page
                // says it in its own.
                Lang::Ja => PageError::new(
                    StatusCode::BAD_REQUEST,
                    lang,
                    "このページのアドレス（URL）の指定が正しくありません。メニューからページを開き直してください。",
                ),
                Lang::En => PageError::from_error(e, lang),
            })
    }
}

/// The address a request came from.
pub fn client_ip(connect: &ConnectInfo<SocketAddr>) -> IpAddr {
    connect.0.ip()
}

// ---------------------------------------------------------------------------------------------
// Sign-in throttling

/// A `Content-Disposition` for a download, its name reduced to safe characters.
pub fn attachment(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("attachment; filename=\"{safe}\"")
}

/// Builds a `Set-Cookie` value for the session.
pub fn session_cookie(value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{}={value}; Path={}; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        cookie_name(SESSION_COOKIE, secure),
        cookie_path(secure),
        if secure { "; Secure" } else { "" }
    )
}

pub fn lang_cookie(lang: Lang, secure: bool) -> String {
    format!(
        "{LANG_COOKIE}={}; Path={}; SameSite=Strict; Max-Age=31536000{}",
        lang.code(),
        cookie_path(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// The session cookie's value, by the name it has under this server's scheme.
pub fn session_id(headers: &HeaderMap, secure: bool) -> Option<String> {
    cookie(headers, &cookie_name(SESSION_COOKIE, secure)).map(str::to_owned)
}

/// Reads a multipart upload: checks its CSRF token and answers the bytes of the file fields
/// `names`, in that order, each required.
pub async fn read_files(hr: &Hr, mut multipart: axum::extract::Multipart, names: &[&str]) -> PageResult<Vec<Vec<u8>>> {
    let lang = hr.lang;
    let bad = |m: &str| PageError::new(StatusCode::BAD_REQUEST, lang, m.to_owned());
    let mut csrf = None;
    let mut files: Vec<Option<Vec<u8>>> = vec![None; names.len()];
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| bad(lang.pick("The upload could not be read.", "アップロードを読み取れませんでした。")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "_csrf" {
            csrf = Some(field.text().await.unwrap_or_default());
        } else if let Some(i) = names.iter().position(|n| *n == name) {
            files[i] = Some(
                field
                    .bytes()
                    .await
                    .map_err(|_| bad(lang.pick("The file is too large.", "ファイルが大きすぎます。")))?
                    .to_vec(),
            );
        }
    }
    hr.check_csrf(csrf.as_deref().unwrap_or_default())?;
    files
        .into_iter()
        .map(|f| f.ok_or_else(|| bad(lang.pick("Choose a file to import.", "取り込むファイルを選んでください。"))))
        .collect()
}

/// Reads a multipart upload of one file, `file`.
pub async fn read_upload(hr: &Hr, multipart: axum::extract::Multipart) -> PageResult<Vec<u8>> {
    let mut files = read_files(hr, multipart, &["file"]).await?;
    Ok(files.pop().unwrap_or_default())
}

/// An upload's problems in the reader's language, each with its file and line.
pub fn problem_texts(lang: Lang, problems: &[crate::spreadsheet::Problem]) -> Vec<String> {
    problems.iter().map(|p| lang.pick(p.en(), p.ja()).to_owned()).collect()
}

/// What a confirmation form says when its kept upload is gone.
pub fn confirmation_gone(lang: Lang) -> String {
    let minutes = store::PENDING_SECS / 60;
    match lang {
        Lang::Ja => format!(
            "この確認は期限切れ（{minutes}分）か、すでに使われています。何も変更していません。もう一度ファイルを取り込んでください。"
        ),
        Lang::En => format!(
            "This confirmation has expired (after {minutes} minutes) or was already used. Nothing was changed: upload the file again."
        ),
    }
}

/// Takes back the upload of `kind` that the signed-in person kept under `token`, for its
/// confirmation: `None` when there is none (expired, used, someone else's).
pub async fn take_kept(
    state: &AppState,
    hr: &Hr,
    kind: store::PendingKind,
    token: &str,
) -> PageResult<Option<store::Pending>> {
    let (pool, email, token) = (state.pool.clone(), hr.account.email.clone(), token.to_owned());
    run(hr.lang, move || store::take_pending(&pool, &email, kind, &token)).await
}

/// A small page part: the hidden CSRF field every form carries.
pub fn csrf_field(hr: &Hr) -> Markup {
    html! { input type="hidden" name="_csrf" value=(hr.csrf); }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_error_is_a_server_error_page_that_names_no_column() {
        let page = PageError::from_error(
            Error::Row("column `created_at`: expected a number, found NULL".into()),
            Lang::En,
        );
        assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(page.message, "Something went wrong on the server.");
    }
}
