//! The career-path catalogue (hr_admin): import a CSV (replaces the catalogue, asked first when
//! one is stored), add, edit and delete entries (asked first), each entry's unit chosen by its
//! path. Devices read it with `GET /api/v1/career-paths`.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use taiwa_protocol::CareerPath;

use super::layout::{self, Nav};
use crate::app::AppState;
use crate::career::split_list;
use crate::store::{self, CatalogImport, PendingKind};
use crate::web::{
    Hr, Lang, PageError, PageForm, PageQuery, PageResult, confirmation_gone, csrf_field, problem_texts, read_upload,
    run,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareerQuery {
    edit: Option<String>,
    saved: Option<String>,
}

/// The catalogue and the current directory's units by path (for the entry form).
struct Loaded {
    catalog: taiwa_protocol::CareerPaths,
    units: Vec<(String, String)>,
}

async fn load(state: &AppState, lang: Lang) -> PageResult<Loaded> {
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    run(lang, move || {
        let view = store::month_view(&pool, &reports, store::current_month())?;
        Ok(Loaded {
            catalog: store::career_paths(&pool)?,
            units: layout::unit_choices(&view),
        })
    })
    .await
}

fn render(hr: &Hr, loaded: &Loaded, editing: Option<&CareerPath>, problems: &[String], notice: Option<&str>) -> Markup {
    let lang = hr.lang;
    let catalog = &loaded.catalog;
    let blank = CareerPath {
        path_id: String::new(),
        org_unit_id: String::new(),
        org_unit_name: String::new(),
        title: String::new(),
        description: String::new(),
        skills: Vec::new(),
        next_roles: Vec::new(),
    };
    let form_path = editing.unwrap_or(&blank);
    let is_new = editing.is_none_or(|p| p.path_id.is_empty() || !catalog.paths.iter().any(|c| c.path_id == p.path_id));
    html! {
        h1 { (lang.pick("Career paths", "キャリアパス")) }
        p.muted { (lang.pick("The company's catalogue of roles in each organisation. Managers' apps download it with the roster and can search it offline beside a member's career note.",
                             "組織ごとの役割のカタログです。上司のアプリが名簿と一緒に取得し、メンバーのキャリアメモの横でオフラインでも検索できます。")) }
        (layout::notice(notice))
        (layout::problems(lang, layout::Refused::Saved, problems))
        p { (match lang {
            Lang::Ja => format!("{}件（版 {}）", catalog.paths.len(), catalog.version),
            Lang::En => format!("{} entries (version {})", catalog.paths.len(), catalog.version),
        }) }
        @if !catalog.paths.is_empty() {
            table.sortable {
                thead { tr {
                    th { (lang.pick("Organisation", "組織")) }
                    th { (lang.pick("Title", "役割")) }
                    th { (lang.pick("Skills", "スキル")) }
                    th { (lang.pick("Next roles", "次の役割")) }
                    th { }
                } }
                tbody {
                    @for p in &catalog.paths {
                        tr {
                            td { (p.org_unit_name) " " span.id { (p.org_unit_id) } }
                            td { strong { (p.title) } span.path { (p.description.lines().next().unwrap_or_default()) } }
                            td { (p.skills.join("、")) }
                            td { (p.next_roles.join("、")) }
                            td { a href={"/hr/career-paths?edit=" (crate::web::urlencode(&p.path_id))} { (lang.pick("Edit", "編集")) } }
                        }
                    }
                }
            }
        }
        section.edit-path {
            h2 { @if is_new { (lang.pick("Add an entry", "項目を追加")) } @else { (lang.pick("Edit an entry", "項目を編集")) } }
            form.stack method="post" action="/hr/career-paths" {
                (csrf_field(hr))
                label { (lang.pick("Path id", "パスID"))
                    input name="path_id" value=(form_path.path_id) required maxlength="64" readonly[!is_new]; }
                label { (lang.pick("Organisation", "組織"))
                    (layout::unit_select("org_unit_id", &loaded.units, Some(form_path.org_unit_id.as_str()), None)) }
                label { (lang.pick("Title", "役割")) input name="title" value=(form_path.title) required maxlength=(crate::career::MAX_TITLE_CHARS); }
                label { (lang.pick("Description", "説明"))
                    textarea name="description" rows="4" maxlength=(crate::career::MAX_DESCRIPTION_CHARS) { (form_path.description) } }
                label { (lang.pick("Skills (separated by ;)", "スキル（; 区切り）")) input name="skills" value=(form_path.skills.join("; ")); }
                label { (lang.pick("Next roles (separated by ;)", "次の役割（; 区切り）")) input name="next_roles" value=(form_path.next_roles.join("; ")); }
                button.primary { (lang.pick("Save", "保存")) }
            }
            @if !is_new {
                form.inline method="post" action="/hr/career-paths/delete" {
                    (csrf_field(hr))
                    input type="hidden" name="path_id" value=(form_path.path_id);
                    button.danger { (lang.pick("Delete this entry…", "この項目を削除…")) }
                }
            }
        }
        section.import {
            h2 { (lang.pick("Import the catalogue", "カタログの取り込み")) }
            p.muted { (lang.pick("CSV with the header path_id,org_unit_id,title,description,skills,next_roles (UTF-8, or the Shift_JIS of Excel's \"CSV (Comma delimited)\"; skills and next roles separated by ;). The file replaces the whole catalogue, only if every row is valid.",
                                 "CSV（見出し行 path_id,org_unit_id,title,description,skills,next_roles。UTF-8、またはExcelの「CSV（コンマ区切り）」のShift_JIS。スキルと次の役割は ; 区切り）。すべての行が正しいときだけ、カタログ全体を置き換えます。カタログに項目があるときは、置き換える前に確認します。")) }
            form.stack method="post" action="/hr/career-paths/import" enctype="multipart/form-data" {
                (csrf_field(hr))
                input type="file" name="file" accept=".csv,text/csv" required;
                button.primary { (lang.pick("Import and replace", "取り込んで置き換える")) }
            }
        }
    }
}

fn title(lang: Lang) -> &'static str {
    lang.pick("Career paths", "キャリアパス")
}

pub async fn page(State(state): State<AppState>, hr: Hr, PageQuery(q): PageQuery<CareerQuery>) -> PageResult<Markup> {
    hr.require_admin()?;
    let loaded = load(&state, hr.lang).await?;
    let editing = q
        .edit
        .as_ref()
        .and_then(|id| loaded.catalog.paths.iter().find(|p| &p.path_id == id))
        .cloned();
    let notice = q.saved.as_deref().map(|done| match done {
        "deleted" => hr.lang.pick("The entry was deleted.", "項目を削除しました。"),
        _ => hr.lang.pick("Saved.", "保存しました。"),
    });
    Ok(layout::page(
        &hr,
        Nav::CareerPaths,
        title(hr.lang),
        render(&hr, &loaded, editing.as_ref(), &[], notice),
    ))
}

#[derive(Debug, Deserialize)]
pub struct PathForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    path_id: String,
    org_unit_id: String,
    title: String,
    description: String,
    skills: String,
    next_roles: String,
}

pub async fn save(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<PathForm>) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let path = CareerPath {
        path_id: f.path_id.trim().to_owned(),
        org_unit_id: f.org_unit_id.trim().to_owned(),
        org_unit_name: String::new(),
        title: f.title.trim().to_owned(),
        description: f.description.replace("\r\n", "\n").trim().to_owned(),
        skills: split_list(&f.skills),
        next_roles: split_list(&f.next_roles),
    };
    let pool = state.pool.clone();
    let saving = path.clone();
    let result = crate::web::attempt(hr.lang, move || store::save_career_path(&pool, &saving)).await?;
    match result {
        Ok(()) => {
            hr.audit(
                &state,
                "career_path_saved",
                serde_json::json!({"path_id": path.path_id}),
            )
            .await?;
            Ok(Redirect::to(&format!(
                "/hr/career-paths?edit={}&saved=1",
                crate::web::urlencode(&path.path_id)
            ))
            .into_response())
        }
        Err(crate::Error::Refused(said)) => {
            let loaded = load(&state, hr.lang).await?;
            // One problem a line in Japanese, "; " between them in English (the command line's).
            let problems: Vec<String> = match hr.lang {
                Lang::Ja => said.ja().lines().map(str::to_owned).collect(),
                Lang::En => said.en().split("; ").map(str::to_owned).collect(),
            };
            Ok((
                StatusCode::BAD_REQUEST,
                layout::page(
                    &hr,
                    Nav::CareerPaths,
                    title(hr.lang),
                    render(&hr, &loaded, Some(&path), &problems, None),
                ),
            )
                .into_response())
        }
        Err(e) => Err(PageError::from_error(e, hr.lang)),
    }
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    path_id: String,
    /// `yes` once the deletion was confirmed.
    confirm: Option<String>,
}

/// Deletes an entry once asked.
pub async fn delete(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<DeleteForm>) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let lang = hr.lang;
    if f.confirm.as_deref() != Some("yes") {
        let loaded = load(&state, lang).await?;
        let entry = loaded
            .catalog
            .paths
            .iter()
            .find(|p| p.path_id == f.path_id)
            .ok_or_else(|| {
                PageError::from_error(
                    crate::Error::missing(
                        format!("no career path {}", f.path_id),
                        format!("キャリアパス {} はありません。", f.path_id),
                    ),
                    lang,
                )
            })?;
        let what = match lang {
            Lang::Ja => format!(
                "{}の「{}」（パスID {}）をカタログから削除します。上司のアプリからも次の同期で消えます。",
                entry.org_unit_name, entry.title, entry.path_id
            ),
            Lang::En => format!(
                "This deletes \"{}\" of {} (path id {}) from the catalogue; managers' apps lose it at their next sync.",
                entry.title, entry.org_unit_name, entry.path_id
            ),
        };
        let title = lang.pick("Delete this entry?", "この項目を削除しますか");
        let back = format!("/hr/career-paths?edit={}", crate::web::urlencode(&f.path_id));
        let ask = layout::Ask {
            title,
            what: &what,
            action: "/hr/career-paths/delete",
            fields: &[("path_id", f.path_id.as_str())],
            yes: lang.pick("Delete the entry", "削除する"),
            back: &back,
        };
        return Ok(layout::page(&hr, Nav::CareerPaths, title, layout::ask(&hr, &ask)).into_response());
    }
    let pool = state.pool.clone();
    let id = f.path_id.clone();
    run(lang, move || store::delete_career_path(&pool, &id)).await?;
    hr.audit(&state, "career_path_deleted", serde_json::json!({"path_id": f.path_id}))
        .await?;
    Ok(Redirect::to("/hr/career-paths?saved=deleted").into_response())
}

pub async fn import(State(state): State<AppState>, hr: Hr, multipart: Multipart) -> PageResult<Response> {
    hr.require_admin()?;
    let bytes = read_upload(&hr, multipart).await?;
    import_bytes(&state, &hr, bytes, Some(0)).await
}

/// Imports an uploaded catalogue: stored at once when the catalogue is empty (or holds exactly
/// the `replacing` entries HR confirmed); else kept, and HR is asked first.
async fn import_bytes(state: &AppState, hr: &Hr, bytes: Vec<u8>, replacing: Option<usize>) -> PageResult<Response> {
    let lang = hr.lang;
    let (pool, file) = (state.pool.clone(), bytes.clone());
    let result = crate::web::attempt(lang, move || store::import_career_paths_file(&pool, &file, replacing)).await?;
    match result {
        Ok(CatalogImport::Stored(count)) => {
            hr.audit(
                state,
                "career_paths_import",
                serde_json::json!({"entries": count, "replaced": replacing.unwrap_or_default()}),
            )
            .await?;
            let loaded = load(state, lang).await?;
            let notice = match lang {
                Lang::Ja => format!("{count}件を取り込み、カタログを置き換えました。"),
                Lang::En => format!("Imported {count} entries; the catalogue was replaced."),
            };
            Ok(layout::page(
                hr,
                Nav::CareerPaths,
                title(lang),
                render(hr, &loaded, None, &[], Some(&notice)),
            )
            .into_response())
        }
        Ok(CatalogImport::WouldReplace { stored, incoming }) => {
            let (pool, email) = (state.pool.clone(), hr.account.email.clone());
            let expected = stored.to_string();
            let token = run(lang, move || {
                store::keep_pending(&pool, &email, PendingKind::CareerPaths, &[&bytes], &expected)
            })
            .await?;
            let title = lang.pick("Replace the catalogue?", "カタログを置き換えますか");
            let what = match lang {
                Lang::Ja => format!(
                    "この取り込みは、カタログの{}件をすべて削除し、このファイルの{}件で置き換えます。置き換えた項目は戻せません（この確認は{}分間有効です）。",
                    lang.count(stored as u64),
                    lang.count(incoming as u64),
                    store::PENDING_SECS / 60
                ),
                Lang::En => format!(
                    "This import deletes all {} entries of the catalogue and puts the {} of this file in their place. The entries replaced cannot be brought back (this confirmation is valid for {} minutes).",
                    lang.count(stored as u64),
                    lang.count(incoming as u64),
                    store::PENDING_SECS / 60
                ),
            };
            let changed = replacing.is_some_and(|n| n > 0).then(|| {
                lang.pick(
                    "The catalogue changed after this file was uploaded: here is what it replaces now.",
                    "ファイルを取り込んだ後に、カタログが変わりました。いま置き換えるものは次のとおりです。",
                )
            });
            let ask = layout::Ask {
                title,
                what: &what,
                action: "/hr/career-paths/import/confirm",
                fields: &[("token", token.as_str())],
                yes: lang.pick("Replace the catalogue", "置き換える"),
                back: "/hr/career-paths",
            };
            let body = html! {
                @if let Some(c) = changed { p.problem role="alert" { (c) } }
                (layout::ask(hr, &ask))
            };
            Ok(layout::page(hr, Nav::CareerPaths, title, body).into_response())
        }
        Err(crate::Error::Import(_, problems)) => {
            let loaded = load(state, lang).await?;
            Ok((
                StatusCode::BAD_REQUEST,
                layout::page(
                    hr,
                    Nav::CareerPaths,
                    title(lang),
                    render(hr, &loaded, None, &problem_texts(lang, &problems), None),
                ),
            )
                .into_response())
        }
        Err(e) => Err(PageError::from_error(e, lang)),
    }
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    token: String,
    confirm: Option<String>,
}

/// The answer to the question before a catalogue is replaced: the kept file is imported if the
/// catalogue still holds what HR was shown (else asked again).
pub async fn confirm(
    State(state): State<AppState>,
    hr: Hr,
    PageForm(f): PageForm<ConfirmForm>,
) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let lang = hr.lang;
    let pending = crate::web::take_kept(&state, &hr, PendingKind::CareerPaths, &f.token).await?;
    let Some(pending) = pending.filter(|_| f.confirm.as_deref() == Some("yes")) else {
        let loaded = load(&state, lang).await?;
        return Ok((
            StatusCode::GONE,
            layout::page(
                &hr,
                Nav::CareerPaths,
                title(lang),
                render(&hr, &loaded, None, &[confirmation_gone(lang)], None),
            ),
        )
            .into_response());
    };
    let stored = pending.expected.parse::<usize>().unwrap_or(usize::MAX);
    let file = pending.files.into_iter().next().unwrap_or_default();
    import_bytes(&state, &hr, file, Some(stored)).await
}
