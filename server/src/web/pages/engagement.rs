//! Engagement (hr_admin): import survey scores (asking first when they replace stored ones), and
//! for each survey item the correlation across org units between completion in the N months
//! before the survey and the score.
//!
//! Each point is one unit with its own members' pairs (the members whose unit it is, not its
//! subtree, so that no pair counts in two points); its rate is met pair-months / pair-months over
//! the N calendar months before the survey month (the survey month itself excluded). Units with
//! fewer than k distinct pairs in the window, or with no data, are left out and counted.

use std::sync::Arc;

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use taiwa_protocol::Month;

use super::layout::{self, Nav};
use crate::app::AppState;
use crate::figures::{
    Correlation, Points, QualityPoints, Ratings, WindowPair, correlate, engagement_points, quality_points,
};
use crate::store::{self, MonthView, PendingKind, Replace, Replacement, SurveyImport};
use crate::web::chart::{self, Point};
use crate::web::format::path;
use crate::web::{
    Hr, Lang, PageError, PageForm, PageQuery, PageResult, confirmation_gone, csrf_field, problem_texts, read_upload,
    run,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngagementQuery {
    survey: Option<Month>,
    item: Option<String>,
}

/// The points of one item from the window's views (the N months before the survey) and the
/// scores: the page loads, `crate::figures::engagement_points` decides.
pub fn points(window: &[Arc<MonthView>], scores: &[(String, f64)], k: u32) -> Points {
    let pairs = window.iter().flat_map(|view| {
        view.pairs.iter().zip(&view.pair_ids).map(|(p, ids)| WindowPair {
            unit: view.units[p.unit].id.as_str(),
            pair: (ids.0.as_str(), ids.1.as_str()),
            met: p.met(),
            reporting: p.reporting(),
        })
    });
    let last = window.last();
    let path = |unit: &str| last.and_then(|v| v.index.get(unit).map(|&u| v.units[u].path.clone()));
    engagement_points(pairs, scores, path, u64::from(k))
}

/// The ratings released at each unit (`QualityDisclosed::released_here`) over the window's final
/// months, by unit id: what a quality point is made of.
pub fn released_ratings(
    window: &[Arc<MonthView>],
    facts: &[store::QualityFacts],
    k: u32,
) -> std::collections::HashMap<String, Ratings> {
    let mut out: std::collections::HashMap<String, Ratings> = std::collections::HashMap::new();
    for f in facts {
        let Some(view) = window.iter().find(|v| Some(v.month) == f.month) else {
            continue;
        };
        let seen = f.disclose(view, u64::from(k), None);
        for (u, d) in seen.iter().enumerate() {
            if let Some(here) = d.released_here(&view.tree, u, &seen)
                && here.ratings.ratings > 0
            {
                out.entry(view.units[u].id.clone()).or_default().add(&here.ratings);
            }
        }
    }
    out
}

fn quality_correlation(p: &QualityPoints) -> Option<Correlation> {
    let xy: Vec<(f64, f64)> = p.points.iter().map(|u| (u.average_clarity, u.score)).collect();
    correlate(&xy)
}

/// The plain sentence under the quality correlation, with the same caveat.
fn quality_summary(lang: Lang, c: &Correlation, item: &str) -> String {
    let caveat = lang.pick(
        "This is a correlation across units, from the members who chose to rate, not proof that better 1on1s caused the score.",
        "これは組織をまたいだ相関（評価を選んだメンバーの回答による）であり、1on1の質がスコアを上げたという因果の証明ではありません。",
    );
    match lang {
        Lang::Ja => format!(
            "{}組織の間で、すっきり度の平均と「{item}」のスコアには{}が見られます（r = {:.2}）。{caveat}",
            c.n,
            strength(lang, c.pearson),
            c.pearson
        ),
        Lang::En => format!(
            "Across {} units, the average clarity (すっきり度) and the score for \"{item}\" show {} (r = {:.2}). {caveat}",
            c.n,
            strength(lang, c.pearson),
            c.pearson
        ),
    }
}

fn quality_left_out(lang: Lang, p: &QualityPoints, k: u32) -> String {
    let mut parts = Vec::new();
    if p.small > 0 {
        parts.push(match lang {
            Lang::Ja => format!("{}組織を除外：すっきり度の回答が{k}件未満", p.small),
            Lang::En => format!("{} unit(s) left out: fewer than {k} clarity answers", p.small),
        });
    }
    if p.unknown > 0 {
        parts.push(match lang {
            Lang::Ja => format!("{}組織を除外: 組織図にない", p.unknown),
            Lang::En => format!("{} unit(s) left out: not in the directory", p.unknown),
        });
    }
    if parts.is_empty() {
        lang.pick("none", "なし").to_owned()
    } else {
        parts.join(lang.pick("; ", "、"))
    }
}

fn correlation_of(p: &Points) -> Option<Correlation> {
    let xy: Vec<(f64, f64)> = p.points.iter().map(|u| (u.rate, u.score)).collect();
    correlate(&xy)
}

fn interval(lang: Lang, i: Option<(f64, f64)>) -> String {
    match i {
        Some((lo, hi)) => format!("{lo:.2} – {hi:.2}"),
        None => lang.pick("too few units", "組織が少なすぎます").to_owned(),
    }
}

/// The plain sentence under a correlation: how strong, across how many units, and that it is not
/// proof of cause.
fn summary(lang: Lang, c: &Correlation, item: &str) -> String {
    let caveat = lang.pick(
        "This is a correlation across units, not proof that 1on1s caused the score.",
        "これは組織をまたいだ相関であり、1on1がスコアを上げたという因果の証明ではありません。",
    );
    match (lang, c.pearson.abs() < 0.1) {
        (Lang::Ja, true) => format!(
            "{}組織の間で、1on1の実施率と「{item}」のスコアに、はっきりした関係は見られません（r = {:.2}）。{caveat}",
            c.n, c.pearson
        ),
        (Lang::Ja, false) => format!(
            "{}組織の間で、1on1の実施率と「{item}」のスコアには{}が見られます（r = {:.2}）。{caveat}",
            c.n,
            strength(lang, c.pearson),
            c.pearson
        ),
        (Lang::En, _) => format!(
            "Across {} units, completion and the score for \"{item}\" show {} (r = {:.2}). {caveat}",
            c.n,
            strength(lang, c.pearson),
            c.pearson
        ),
    }
}

/// Says in words how strong a correlation is; never that one causes the other.
fn strength(lang: Lang, r: f64) -> &'static str {
    let a = r.abs();
    match (a, r >= 0.0) {
        (a, _) if a < 0.1 => lang.pick("no clear relation", "はっきりした関係はない"),
        (a, true) if a < 0.3 => lang.pick("a weak positive relation", "弱い正の相関"),
        (a, false) if a < 0.3 => lang.pick("a weak negative relation", "弱い負の相関"),
        (a, true) if a < 0.5 => lang.pick("a moderate positive relation", "中程度の正の相関"),
        (a, false) if a < 0.5 => lang.pick("a moderate negative relation", "中程度の負の相関"),
        (_, true) => lang.pick("a strong positive relation", "強い正の相関"),
        (_, false) => lang.pick("a strong negative relation", "強い負の相関"),
    }
}

struct Loaded {
    surveys: Vec<(Month, Vec<String>)>,
    survey: Option<Month>,
    item: Option<String>,
    window: (Month, Month),
    /// Each item of the survey with its points, and its quality points.
    items: Vec<(String, Points, QualityPoints)>,
    /// The window's months whose quality is final (the others are left out of quality points).
    quality_months: Vec<Month>,
}

async fn load(state: &AppState, hr: &Hr, q: EngagementQuery) -> PageResult<Loaded> {
    let lang = hr.lang;
    let pool = state.pool.clone();
    let surveys = run(lang, move || store::surveys(&pool)).await?;
    let survey = q.survey.or_else(|| surveys.first().map(|(m, _)| *m));
    let n = i32::try_from(hr.settings.survey_window).unwrap_or(6);
    let Some(month) = survey else {
        let now = store::current_month();
        return Ok(Loaded {
            surveys,
            survey: None,
            item: None,
            window: (now, now),
            items: Vec::new(),
            quality_months: Vec::new(),
        });
    };
    let Some(items) = surveys.iter().find(|(m, _)| *m == month).map(|(_, i)| i.clone()) else {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            lang,
            match lang {
                Lang::Ja => format!("{} の調査結果はありません。", lang.month(month)),
                Lang::En => format!("No survey for {}.", lang.month(month)),
            },
        ));
    };
    let from = month.plus(-n).unwrap_or(month);
    let to = month.plus(-1).unwrap_or(month);
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    let k = hr.settings.k;
    let all_items = items.clone();
    let today = chrono::Utc::now().date_naive();
    let (computed, quality_months) = run(lang, move || {
        let window = store::month_views(&pool, &reports, from, to)?;
        let finals: Vec<Arc<MonthView>> = window
            .iter()
            .filter(|v| crate::figures::quality_is_final(v.month, today))
            .cloned()
            .collect();
        let released = released_ratings(&window, &store::quality_facts(&pool, &finals)?, k);
        let last = window.last().cloned();
        let path = |unit: &str| {
            last.as_ref()
                .and_then(|v| v.index.get(unit).map(|&u| v.units[u].path.clone()))
        };
        let items = all_items
            .into_iter()
            .map(|item| {
                let scores = store::survey_scores(&pool, month, &item)?;
                let quality = quality_points(&released, &scores, path, u64::from(k));
                Ok((item, points(&window, &scores, k), quality))
            })
            .collect::<Result<Vec<_>, crate::Error>>()?;
        Ok((items, finals.iter().map(|v| v.month).collect()))
    })
    .await?;
    let item = q.item.filter(|i| items.contains(i)).or_else(|| items.first().cloned());
    Ok(Loaded {
        surveys,
        survey,
        item,
        window: (from, to),
        items: computed,
        quality_months,
    })
}

fn render(hr: &Hr, l: &Loaded, problems: &[String], notice: Option<&str>) -> Markup {
    let lang = hr.lang;
    let k = hr.settings.k;
    let selected = l
        .item
        .as_ref()
        .and_then(|i| l.items.iter().find(|(name, _, _)| name == i));
    html! {
        h1 { (lang.pick("Engagement and completion", "エンゲージメントと1on1実施率")) }
        (layout::notice(notice))
        (layout::problems(lang, layout::Refused::Imported, problems))
        @if let Some(month) = l.survey {
            form.inline.toolbar method="get" action="/hr/engagement" {
                label { (lang.pick("Survey", "調査")) " "
                    select name="survey" {
                        @for (m, _) in &l.surveys { option value=(m) selected[*m == month] { (lang.month(*m)) } }
                    }
                }
                button { (lang.pick("Show", "表示")) }
            }
            p.muted { (match lang {
                Lang::Ja => format!("各点は1つの組織（その組織に直接所属するメンバーのペア。配下の組織は含みません）です。実施率は調査月の前の{}か月（{}）の「実施したペア月 ÷ ペア月」です。ペア、または報告中のペアが{}組未満の組織は除いています。",
                    hr.settings.survey_window, lang.period(l.window.0, l.window.1), k),
                Lang::En => format!("Each point is one org unit (the pairs of its own members, not its subtree). Its rate is met pair-months over pair-months in the {} months before the survey ({}). Units with fewer than {} pairs, or fewer than that reporting, are left out.",
                    hr.settings.survey_window, lang.period(l.window.0, l.window.1), k),
            }) }
            table.items {
                thead { tr {
                    th { (lang.pick("Survey item", "設問")) }
                    th.num { "n" }
                    th.num { (lang.pick("Pearson r", "ピアソンの r")) }
                    th.num { (lang.pick("Spearman ρ", "スピアマンの ρ")) }
                    th { (lang.pick("Left out", "除外")) }
                    th.num { (lang.pick("Clarity: n", "すっきり度：n")) }
                    th.num { (lang.pick("Clarity: r", "すっきり度：r")) }
                } }
                tbody {
                    @for (item, p, qp) in &l.items {
                        @let c = correlation_of(p);
                        @let qc = quality_correlation(qp);
                        tr aria-current=[(Some(item) == l.item.as_ref()).then_some("true")] {
                            td { a href={"/hr/engagement?survey=" (month) "&item=" (crate::web::urlencode(item))} { (item) } }
                            td.num { (p.points.len()) }
                            td.num { (c.as_ref().map_or("—".to_owned(), |c| format!("{:.2}", c.pearson))) }
                            td.num { (c.as_ref().map_or("—".to_owned(), |c| format!("{:.2}", c.spearman))) }
                            td { (left_out(lang, p, k)) }
                            td.num { (qp.points.len()) }
                            td.num { (qc.as_ref().map_or("—".to_owned(), |c| format!("{:.2}", c.pearson))) }
                        }
                    }
                }
            }
            @if let Some((item, p, qp)) = selected {
                @let c = correlation_of(p);
                section.item-detail {
                    h2 { (item) " — " (lang.month(month)) }
                    @match &c {
                        Some(c) => {
                            dl.facts {
                                dt { (lang.pick("Units (n)", "組織数 (n)")) } dd { (c.n) }
                                dt { (lang.pick("Pearson r", "ピアソンの r")) } dd { (format!("{:.3}", c.pearson)) " " span.muted { "(95% " (interval(lang, c.pearson_interval)) ")" } }
                                dt { (lang.pick("Spearman ρ", "スピアマンの ρ")) } dd { (format!("{:.3}", c.spearman)) " " span.muted { "(95% " (interval(lang, c.spearman_interval)) ")" } }
                            }
                            p.sentence { (summary(lang, c, item)) }
                        }
                        None => p.muted { (lang.pick("Too few units (or no variation) to compute a correlation.", "相関を計算するには組織が少なすぎるか、値にばらつきがありません。")) }
                    }
                    p.muted { (left_out(lang, p, k)) }
                    @let pts: Vec<Point> = p.points.iter().map(|u| Point { label: format!("{} — {} / {:.1}", path(&u.path), lang.rate(Some(u.rate)), u.score), x: u.rate, y: u.score }).collect();
                    (chart::scatter(&pts, lang.pick("Completion rate (own members, window)", "実施率（直属メンバー・対象期間）"), item,
                        lang.pick("Completion rate against score, one point per unit", "組織ごとの実施率とスコア")))
                    table.sortable {
                        thead { tr {
                            th { (lang.pick("Unit", "組織")) }
                            th.num { (lang.pick("Pairs", "ペア")) }
                            th.num { (lang.pick("Met / pair-months", "実施 / ペア月")) }
                            th.num { (lang.pick("Rate", "実施率")) }
                            th.num { (lang.pick("Score", "スコア")) }
                        } }
                        tbody {
                            @for u in &p.points {
                                tr {
                                    td { (u.path.last().cloned().unwrap_or_default()) span.path { (path(&u.path)) } }
                                    td.num { (u.pairs) }
                                    td.num { (u.met_pair_months) " / " (u.pair_months) }
                                    td.num data-sort=(u.rate) { (lang.rate(Some(u.rate))) }
                                    td.num data-sort=(u.score) { (format!("{:.1}", u.score)) }
                                }
                            }
                        }
                    }
                    (quality_section(lang, l, item, qp, k))
                }
            }
        } @else {
            p { (lang.pick("No survey has been imported yet.", "調査結果はまだ取り込まれていません。")) }
        }
        section.import {
            h2 { (lang.pick("Import survey scores", "調査結果の取り込み")) }
            p.muted { (match lang {
                Lang::Ja => format!("CSV（見出し行 org_unit_id,survey_month,item,score。UTF-8、またはExcelの「CSV（コンマ区切り）」のShift_JIS）。スコアは調査の尺度（{}〜{}、設定ページで変更）の範囲内です。問題のある行はすべて行番号つきで示し、ファイル全体が正しいときだけ取り込みます。すでに結果のある調査月は、置き換える件数を示して確認してから置き換えます。",
                    hr.settings.survey_scale_min, hr.settings.survey_scale_max),
                Lang::En => format!("CSV with the header org_unit_id,survey_month,item,score (UTF-8, or the Shift_JIS of Excel's \"CSV (Comma delimited)\"). Scores are within the survey's scale, {} to {} (set on the settings page). Every bad row is named with its line and nothing is stored unless the whole file is valid. A survey month that already has scores is replaced only after you confirm, with how many it replaces.",
                    hr.settings.survey_scale_min, hr.settings.survey_scale_max),
            }) }
            form.stack method="post" action="/hr/engagement/import" enctype="multipart/form-data" {
                (csrf_field(hr))
                input type="file" name="file" accept=".csv,text/csv" required;
                button.primary { (lang.pick("Import", "取り込む")) }
            }
        }
    }
}

/// Quality beside the score: the same r, ρ, intervals and caveat, over (average すっきり度, score).
fn quality_section(lang: Lang, l: &Loaded, item: &str, qp: &QualityPoints, k: u32) -> Markup {
    let qc = quality_correlation(qp);
    html! {
        section.quality-correlation {
            h3 { (lang.pick("1on1 quality (clarity) and the score", "1on1の質（すっきり度）とスコア")) }
            p.muted { (match lang {
                Lang::Ja => format!("各点は1つの組織で、対象期間のうち評価が確定した月（{}）の、その組織で集計される評価（その組織のメンバーと、{k}件未満で上位に回った小さな組織の評価）のすっきり度の平均です。評価を選んだメンバーの回答のみです。すっきり度の回答が{k}件未満の組織は除いています。",
                    if l.quality_months.is_empty() { "なし".to_owned() } else { l.quality_months.iter().map(|m| lang.month(*m)).collect::<Vec<_>>().join("、") }),
                Lang::En => format!("Each point is one org unit: the average clarity (すっきり度) of the ratings counted at that unit (its members' and those of small units below it counted with it) in the window's months whose ratings are final ({}), from the members who chose to rate. Units with fewer than {k} clarity answers are left out.",
                    if l.quality_months.is_empty() { "none".to_owned() } else { l.quality_months.iter().map(|m| lang.month(*m)).collect::<Vec<_>>().join(", ") }),
            }) }
            @match &qc {
                Some(c) => {
                    dl.facts {
                        dt { (lang.pick("Units (n)", "組織数 (n)")) } dd #quality-n { (c.n) }
                        dt { (lang.pick("Pearson r", "ピアソンの r")) } dd #quality-r { (format!("{:.3}", c.pearson)) " " span.muted { "(95% " (interval(lang, c.pearson_interval)) ")" } }
                        dt { (lang.pick("Spearman ρ", "スピアマンの ρ")) } dd { (format!("{:.3}", c.spearman)) " " span.muted { "(95% " (interval(lang, c.spearman_interval)) ")" } }
                    }
                    p.sentence { (quality_summary(lang, c, item)) }
                }
                None => p.muted { (lang.pick("Too few units (or no variation) to compute a correlation.", "相関を計算するには組織が少なすぎるか、値にばらつきがありません。")) }
            }
            p.muted { (quality_left_out(lang, qp, k)) }
            @if !qp.points.is_empty() {
                @let pts: Vec<Point> = qp.points.iter().map(|u| Point { label: format!("{} — {:.1} / {:.1}", path(&u.path), u.average_clarity, u.score), x: (u.average_clarity - 1.0) / 4.0, y: u.score }).collect();
                (chart::scatter_with(&pts, |x| format!("{:.0}", 1.0 + 4.0 * x), lang.pick("Average clarity (すっきり度, 1–5)", "すっきり度の平均（1〜5）"), item,
                    lang.pick("Average clarity against score, one point per unit", "組織ごとのすっきり度とスコア")))
            }
        }
    }
}

fn left_out(lang: Lang, p: &Points, k: u32) -> String {
    let mut parts = Vec::new();
    if p.small > 0 {
        parts.push(match lang {
            Lang::Ja => format!("{}組織を除外：ペアまたは報告中のペアが{k}組未満", p.small),
            Lang::En if p.small == 1 => format!("1 unit left out: fewer than {k} pairs, or pairs reporting"),
            Lang::En => format!("{} units left out: fewer than {k} pairs, or pairs reporting", p.small),
        });
    }
    if p.no_data > 0 {
        parts.push(match lang {
            Lang::Ja => format!("{}組織を除外：データなし", p.no_data),
            Lang::En if p.no_data == 1 => "1 unit left out: no data".to_owned(),
            Lang::En => format!("{} units left out: no data", p.no_data),
        });
    }
    if p.unknown > 0 {
        parts.push(match lang {
            Lang::Ja => format!("{}組織を除外: 組織図にない", p.unknown),
            Lang::En if p.unknown == 1 => "1 unit left out: not in the directory".to_owned(),
            Lang::En => format!("{} units left out: not in the directory", p.unknown),
        });
    }
    if parts.is_empty() {
        lang.pick("none", "なし").to_owned()
    } else {
        parts.join(lang.pick("; ", "、"))
    }
}

pub async fn page(
    State(state): State<AppState>,
    hr: Hr,
    PageQuery(q): PageQuery<EngagementQuery>,
) -> PageResult<Markup> {
    hr.require_admin()?;
    let loaded = load(&state, &hr, q).await?;
    Ok(layout::page(
        &hr,
        Nav::Engagement,
        hr.lang.pick("Engagement", "エンゲージメント"),
        render(&hr, &loaded, &[], None),
    ))
}

pub async fn import(State(state): State<AppState>, hr: Hr, multipart: Multipart) -> PageResult<Response> {
    hr.require_admin()?;
    let bytes = read_upload(&hr, multipart).await?;
    import_bytes(&state, &hr, bytes, None).await
}

/// Imports an uploaded survey: stored at once when it replaces nothing (or exactly what HR
/// confirmed, `confirmed`); else kept and shown for confirmation with what it replaces.
async fn import_bytes(
    state: &AppState,
    hr: &Hr,
    bytes: Vec<u8>,
    confirmed: Option<Vec<Replacement>>,
) -> PageResult<Response> {
    let lang = hr.lang;
    let pool = state.pool.clone();
    let (file, expected) = (bytes.clone(), confirmed.clone());
    let result = crate::web::attempt(lang, move || {
        let replace = expected.as_deref().map_or(Replace::No, Replace::Exactly);
        store::import_survey_file(&pool, &file, replace)
    })
    .await?;
    let query = EngagementQuery {
        survey: None,
        item: None,
    };
    match result {
        Ok(SurveyImport::Stored(summary)) => {
            hr.audit(
                state,
                "survey_import",
                serde_json::json!({"rows": summary.rows, "months": summary.months,
                    "replaced": confirmed.unwrap_or_default().iter().map(|r| serde_json::json!({"month": r.month, "scores": r.stored})).collect::<Vec<_>>()}),
            )
            .await?;
            let loaded = load(state, hr, query).await?;
            let notice = match lang {
                Lang::Ja => format!("{}件のスコア（設問 {}）を取り込みました。", summary.rows, summary.items),
                Lang::En => format!("Imported {} scores ({} item(s)).", summary.rows, summary.items),
            };
            Ok(layout::page(
                hr,
                Nav::Engagement,
                title(lang),
                render(hr, &loaded, &[], Some(&notice)),
            )
            .into_response())
        }
        Ok(SurveyImport::WouldReplace(replaced)) => {
            let (pool, email) = (state.pool.clone(), hr.account.email.clone());
            let expected = serde_json::to_string(&replaced)
                .map_err(|e| PageError::from_error(crate::Error::Internal(e.to_string()), lang))?;
            let token = run(lang, move || {
                store::keep_pending(&pool, &email, PendingKind::Survey, &[&bytes], &expected)
            })
            .await?;
            Ok(layout::page(
                hr,
                Nav::Engagement,
                lang.pick("Replace survey scores?", "調査結果の置き換えの確認"),
                render_confirmation(hr, &replaced, &token, confirmed.is_some()),
            )
            .into_response())
        }
        Err(crate::Error::Import(_, problems)) => {
            let loaded = load(state, hr, query).await?;
            Ok((
                StatusCode::BAD_REQUEST,
                layout::page(
                    hr,
                    Nav::Engagement,
                    title(lang),
                    render(hr, &loaded, &problem_texts(lang, &problems), None),
                ),
            )
                .into_response())
        }
        Err(e) => Err(PageError::from_error(e, lang)),
    }
}

fn title(lang: Lang) -> &'static str {
    lang.pick("Engagement", "エンゲージメント")
}

/// The question before a survey import replaces stored scores: how many, of which month, with
/// how many; nothing changes until it is answered.
fn render_confirmation(hr: &Hr, replaced: &[Replacement], token: &str, changed_since: bool) -> Markup {
    let lang = hr.lang;
    let minutes = store::PENDING_SECS / 60;
    html! {
        h1 { (lang.pick("Replace stored survey scores?", "保存済みの調査結果を置き換えますか")) }
        @if changed_since {
            p.problem role="alert" { (lang.pick(
                "The stored scores changed after this file was uploaded: here is what it replaces now.",
                "ファイルを取り込んだ後に、保存済みのスコアが変わりました。いま置き換えるものは次のとおりです。")) }
        }
        div.confirm {
            ul.replaces {
                @for r in replaced {
                    li data-month=(r.month) data-stored=(r.stored) data-incoming=(r.incoming) { (match lang {
                        Lang::Ja => format!("この取り込みは、{}の保存済みのスコア {}件を、このファイルの {}件で置き換えます。",
                            lang.month(r.month), lang.count(r.stored as u64), lang.count(r.incoming as u64)),
                        Lang::En => format!("This replaces the {} scores stored for {} with the {} in this file.",
                            lang.count(r.stored as u64), lang.month(r.month), lang.count(r.incoming as u64)),
                    }) }
                }
            }
            p.muted { (match lang {
                Lang::Ja => format!("置き換えると、元のスコアは戻せません。確認するまで何も変わりません（この確認は{minutes}分間有効です）。"),
                Lang::En => format!("The scores replaced cannot be brought back. Nothing changes until you confirm (this confirmation is valid for {minutes} minutes)."),
            }) }
            form.actions method="post" action="/hr/engagement/import/confirm" {
                (csrf_field(hr))
                input type="hidden" name="token" value=(token);
                button.danger name="action" value="replace" { (lang.pick("Replace the scores", "置き換える")) }
                " "
                button name="action" value="cancel" { (lang.pick("Cancel", "取り消す")) }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    token: String,
    action: String,
}

/// The answer to `render_confirmation`: the kept file is imported if what it replaces is still
/// what HR was shown (else asked again), or dropped.
pub async fn confirm(
    State(state): State<AppState>,
    hr: Hr,
    PageForm(f): PageForm<ConfirmForm>,
) -> PageResult<Response> {
    hr.require_admin()?;
    hr.check_csrf(&f.csrf)?;
    let lang = hr.lang;
    let pending = crate::web::take_kept(&state, &hr, PendingKind::Survey, &f.token).await?;
    let query = || EngagementQuery {
        survey: None,
        item: None,
    };
    let Some(pending) = pending else {
        let loaded = load(&state, &hr, query()).await?;
        return Ok((
            StatusCode::GONE,
            layout::page(
                &hr,
                Nav::Engagement,
                title(lang),
                render(&hr, &loaded, &[confirmation_gone(lang)], None),
            ),
        )
            .into_response());
    };
    if f.action != "replace" {
        let loaded = load(&state, &hr, query()).await?;
        let notice = lang.pick(
            "The import was cancelled: the stored scores are unchanged.",
            "取り込みを取り消しました。保存済みのスコアは変わっていません。",
        );
        return Ok(layout::page(
            &hr,
            Nav::Engagement,
            title(lang),
            render(&hr, &loaded, &[], Some(notice)),
        )
        .into_response());
    }
    let expected: Vec<Replacement> = serde_json::from_str(&pending.expected)
        .map_err(|e| PageError::from_error(crate::Error::Row(e.to_string()), lang))?;
    let file = pending.files.into_iter().next().unwrap_or_default();
    import_bytes(&state, &hr, file, Some(expected)).await
}
