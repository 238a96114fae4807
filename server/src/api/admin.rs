//! The admin API HR scripts call with a bearer token, with typed query parameters.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use taiwa_protocol::Month;

use super::error::{ApiResult, blocking};
use super::extract::{Admin, ApiQuery};
use crate::app::AppState;
use crate::{Error, store};

/// `?month=YYYY-MM[&org=ID]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    pub month: Month,
    pub org: Option<String>,
}

/// `?month=YYYY-MM&org=ID`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairsQuery {
    pub month: Month,
    pub org: String,
}

/// `?from=YYYY-MM&to=YYYY-MM[&org=ID]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    pub from: Month,
    pub to: Month,
    pub org: Option<String>,
}

/// Every read of completion through the API is written to the audit log, as the pages' views are.
pub async fn completion(
    State(state): State<AppState>,
    admin: Admin,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<taiwa_protocol::CompletionReport>> {
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    Ok(Json(
        blocking(move || {
            let report = store::completion(&pool, &reports, q.month, q.org.as_deref())?;
            let detail = serde_json::json!({"month": q.month, "org": q.org, "rows": report.rows.len()});
            store::audit(&pool, &admin.email, "completion", &detail.to_string())?;
            Ok(report)
        })
        .await?,
    ))
}

pub async fn pairs(
    State(state): State<AppState>,
    admin: Admin,
    ApiQuery(q): ApiQuery<PairsQuery>,
) -> ApiResult<Json<taiwa_protocol::PairsReport>> {
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    let settings = {
        let pool = pool.clone();
        blocking(move || store::settings(&pool)).await?
    };
    if !settings.pair_detail {
        return Err(Error::Forbidden("pair-level detail is turned off on this server".into()).into());
    }
    Ok(Json(
        blocking(move || store::pairs(&pool, &reports, q.month, &q.org, &admin.email)).await?,
    ))
}

pub async fn completion_csv(
    State(state): State<AppState>,
    admin: Admin,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Response> {
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    let (from, to) = (q.from, q.to);
    let csv = blocking(move || {
        let csv = store::completion_csv(&pool, &reports, from, to, q.org.as_deref())?;
        let detail = serde_json::json!({"from": from, "to": to, "org": q.org});
        store::audit(&pool, &admin.email, "completion_csv", &detail.to_string())?;
        Ok(csv)
    })
    .await?;
    Ok(csv_attachment(&format!("completion-{from}-{to}.csv"), csv))
}

/// The quality of 1on1s per unit and month, as HR's pages disclose it (never by pair or
/// manager, nothing of a month that is not final); every read is written to the audit log.
pub async fn quality(
    State(state): State<AppState>,
    admin: Admin,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Json<taiwa_protocol::QualityReport>> {
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    Ok(Json(
        blocking(move || {
            let report = store::quality_report(&pool, &reports, q.from, q.to, q.org.as_deref())?;
            let rows: usize = report.months.iter().map(|m| m.rows.len()).sum();
            let detail = serde_json::json!({"from": q.from, "to": q.to, "org": q.org, "rows": rows});
            store::audit(&pool, &admin.email, "quality", &detail.to_string())?;
            Ok(report)
        })
        .await?,
    ))
}

pub async fn quality_csv(
    State(state): State<AppState>,
    admin: Admin,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Response> {
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    let (from, to) = (q.from, q.to);
    let csv = blocking(move || {
        let csv = store::quality_csv(&pool, &reports, from, to, q.org.as_deref())?;
        let detail = serde_json::json!({"from": from, "to": to, "org": q.org});
        store::audit(&pool, &admin.email, "quality_csv", &detail.to_string())?;
        Ok(csv)
    })
    .await?;
    Ok(csv_attachment(&format!("quality-{from}-{to}.csv"), csv))
}

/// A CSV file to save, under `name`.
fn csv_attachment(name: &str, csv: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        csv,
    )
        .into_response()
}
