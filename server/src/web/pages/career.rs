//! The career-path catalogue (hr_admin): import a CSV (replaces the catalogue), add, edit and
//! delete entries. Devices read it with `GET /api/v1/career-paths`.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use taiwa_protocol::CareerPath;

use super::layout::{self, Nav};
use crate::app::AppState;
use crate::career::split_list;
use crate::store;
use crate::web::{Hr, Lang, PageError, PageForm, PageQuery, PageResult, csrf_field, problem_texts, read_upload, run};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareerQuery {
    edit: Option<String>,
    saved: Option<String>,
}

fn render(
    hr: &Hr,
    catalog: &taiwa_protocol::CareerPaths,
    editing: Option<&CareerPath>,
    problems: &[String],
    notice: Option<&str>,
) -> Markup {
    let lang = hr.lang;
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
                label { (lang.pick("Org unit id", "組織ID")) input name="org_unit_id" value=(form_path.org_unit_id) required maxlength="64"; }
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
                    button.danger { (lang.pick("Delete this entry", "この項目を削除")) }
                }
            }
        }
        section.import {
            h2 { (lang.pick("Import the catalogue", "カタログの取り込み")) }
            p.muted { (lang.pick("CSV with the header path_id,org_unit_id,title,description,skills,next_roles (UTF-8, or the Shift_JIS of Excel's \"CSV (Comma delimited)\"; skills and next roles separated by ;). The file replaces the whole catalogue, only if every row is valid.",
                                 "CSV（見出し行 path_id,org_unit_id,title,description,skills,next_roles。UTF-8、またはExcelの「CSV（コンマ区切り）」のShift_JIS。スキルと次の役割は ; 区切り）。すべての行が正しいときだけ、カタログ全体を置き換えます。")) }
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
    let pool = state.pool.clone();
    let catalog = run(hr.lang, move || store::career_paths(&pool)).await?;
    let editing = q
        .edit
        .as_ref()
        .and_then(|id| catalog.paths.iter().find(|p| &p.path_id == id))
        .cloned();
    let notice = q.saved.as_ref().map(|_| hr.lang.pick("Saved.", "保存しました。"));
    Ok(layout::page(
        &hr,
        Nav::CareerPaths,
        title(hr.lang),
        render(&hr, &catalog, editing.as_ref(), &[], notice),
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
        Err(crate::Error::Invalid(message)) => {
            let pool = state.pool.clone();
            let catalog = run(hr.lang, move || store::career_paths(&pool)).await?;
            let problems: Vec<String> = message.split("; ").map(str::to_owned).collect();
            Ok((
                StatusCode::BAD_REQUEST,
                layout::page(
                    &hr,
                    Nav::CareerPaths,
                    title(hr.lang),
                    render(&hr, &catalog, Some(&path), &problems, None),
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
}

pub async fn delete(State(state): State<AppState>, hr: Hr, PageForm(f): PageForm<DeleteForm>) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let pool = state.pool.clone();
    let id = f.path_id.clone();
    run(hr.lang, move || store::delete_career_path(&pool, &id)).await?;
    hr.audit(&state, "career_path_deleted", serde_json::json!({"path_id": f.path_id}))
        .await?;
    Ok(Redirect::to("/hr/career-paths").into_response())
}

pub async fn import(State(state): State<AppState>, hr: Hr, multipart: Multipart) -> PageResult<Response> {
    hr.require_admin()?;
    let lang = hr.lang;
    let bytes = read_upload(&hr, multipart).await?;
    let pool = state.pool.clone();
    let result = crate::web::attempt(lang, move || store::import_career_paths_file(&pool, &bytes)).await?;
    let pool = state.pool.clone();
    let catalog = run(lang, move || store::career_paths(&pool)).await?;
    match result {
        Ok(count) => {
            hr.audit(&state, "career_paths_import", serde_json::json!({"entries": count}))
                .await?;
            let notice = match lang {
                Lang::Ja => format!("{count}件を取り込み、カタログを置き換えました。"),
                Lang::En => format!("Imported {count} entries; the catalogue was replaced."),
            };
            Ok(layout::page(
                &hr,
                Nav::CareerPaths,
                title(lang),
                render(&hr, &catalog, None, &[], Some(&notice)),
            )
            .into_response())
        }
        Err(crate::Error::Import(_, problems)) => Ok((
            StatusCode::BAD_REQUEST,
            layout::page(
                &hr,
                Nav::CareerPaths,
                title(lang),
                render(&hr, &catalog, None, &problem_texts(lang, &problems), None),
            ),
        )
            .into_response()),
        Err(e) => Err(PageError::from_error(e, lang)),
    }
}
