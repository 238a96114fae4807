//! The audit log (hr_admin): every view of named pairs or managers, every import, setting, account,
//! code and device change, newest first.

use axum::extract::State;
use maud::{Markup, html};

use super::layout::{self, Nav};
use crate::app::AppState;
use crate::store;
use crate::web::{Hr, Lang, PageResult, run};

/// How many entries the page shows.
pub const SHOWN: i64 = 1000;

fn action_text(lang: Lang, action: &str) -> String {
    let text = match action {
        "pairs" => lang.pick("Pair figures (API)", "ペアの数値（API）"),
        "completion" => lang.pick("Completion by unit (API)", "組織ごとの実施状況（API）"),
        "completion_csv" => lang.pick("Completion by unit as CSV (API)", "組織ごとの実施状況のCSV（API）"),
        "not_yet" => lang.pick("Viewed pairs not met yet", "今月未実施のペアを表示"),
        "not_yet_csv" => lang.pick("Downloaded pairs not met yet", "今月未実施のペアをダウンロード"),
        "managers" => lang.pick("Viewed a unit's managers", "組織の上司一覧を表示"),
        "survey_import" => lang.pick("Imported survey scores", "調査結果を取り込み"),
        "directory_import" => lang.pick("Imported the directory", "組織図を取り込み"),
        "career_paths_import" => lang.pick("Imported the career paths", "キャリアパスを取り込み"),
        "career_path_saved" => lang.pick("Saved a career path", "キャリアパスを保存"),
        "career_path_deleted" => lang.pick("Deleted a career path", "キャリアパスを削除"),
        "settings" => lang.pick("Changed settings", "設定を変更"),
        "account_invited" => lang.pick("Invited an account", "アカウントを招待"),
        "account_changed" => lang.pick("Changed an account", "アカウントを変更"),
        "token_revoked" => lang.pick("Revoked an API token", "APIトークンを失効"),
        "code_issued" => lang.pick("Issued an enrolment code", "登録コードを発行"),
        "codes_issued" => lang.pick("Issued codes for a unit", "組織の登録コードを発行"),
        "code_cancelled" => lang.pick("Cancelled an enrolment code", "登録コードを取り消し"),
        "device_revoked" => lang.pick("Revoked a device", "端末を失効"),
        other => other,
    };
    text.to_owned()
}

pub async fn page(State(state): State<AppState>, hr: Hr) -> PageResult<Markup> {
    hr.require_admin()?;
    let lang = hr.lang;
    let pool = state.pool.clone();
    let entries = run(lang, move || store::audit_entries(&pool, SHOWN)).await?;
    let body = html! {
        h1 { (lang.pick("Audit log", "監査ログ")) }
        p.muted { (lang.pick("Who saw named pairs or managers, and who changed what. Newest first.", "誰がペアや上司の名前を見たか、誰が何を変更したか。新しい順です。")) }
        table {
            thead { tr { th { (lang.pick("When", "日時")) } th { (lang.pick("Who", "誰が")) } th { (lang.pick("What", "操作")) } th { (lang.pick("Unit, month and details", "組織・月・詳細")) } } }
            tbody {
                @for (at, actor, action, detail) in &entries {
                    tr {
                        td.nowrap { (lang.time(*at)) }
                        td { (actor) }
                        td { (action_text(lang, action)) }
                        td.detail { (detail_text(detail)) }
                    }
                }
            }
        }
    };
    Ok(layout::page(&hr, Nav::Audit, lang.pick("Audit log", "監査ログ"), body))
}

/// The JSON detail as `key: value` pairs.
fn detail_text(detail: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(detail) {
        Ok(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(" · "),
        _ => detail.to_owned(),
    }
}
