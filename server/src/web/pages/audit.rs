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
        "quality" => lang.pick("1on1 quality by unit (API)", "組織ごとの1on1の質（API）"),
        "quality_csv" => lang.pick("1on1 quality by unit as CSV (API)", "組織ごとの1on1の質のCSV（API）"),
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
        "account_reset" => lang.pick("Reset an account's access", "アカウントのアクセスをリセット"),
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
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    let (entries, view) = run(lang, move || {
        Ok((
            store::audit_entries(&pool, SHOWN)?,
            store::month_view(&pool, &reports, store::current_month())?,
        ))
    })
    .await?;
    let units = layout::unit_choices(&view);
    let zone = hr.tz().name();
    let body = html! {
        h1 { (lang.pick("Audit log", "監査ログ")) }
        p.muted { (lang.pick("Who saw named pairs or managers, and who changed what. Newest first.", "誰がペアや上司の名前を見たか、誰が何を変更したか。新しい順です。")) }
        table.audit {
            thead { tr {
                th { (match lang { Lang::Ja => format!("日時（{zone}）"), Lang::En => format!("When ({zone})") }) }
                th { (lang.pick("Who", "誰が")) } th { (lang.pick("What", "操作")) } th { (lang.pick("Details", "詳細")) }
            } }
            tbody {
                @for (at, actor, action, detail) in &entries {
                    tr data-action=(action) {
                        td.nowrap { (lang.time(*at, hr.tz())) }
                        td { (actor) }
                        td { (action_text(lang, action)) }
                        td.detail { (detail_text(lang, &units, detail)) }
                    }
                }
            }
        }
    };
    Ok(layout::page(&hr, Nav::Audit, lang.pick("Audit log", "監査ログ"), body))
}

/// An entry's details in words: a settings change as "changed the target from 85% to 90%", an
/// account change as what happened to whom, anything else as labelled values (units by path,
/// months and roles as the pages write them).
pub fn detail_text(lang: Lang, units: &[(String, String)], detail: &str) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(detail) else {
        return detail.to_owned();
    };
    let text = |key: &str| map.get(key).and_then(serde_json::Value::as_str).unwrap_or_default();
    if let Some(serde_json::Value::Array(changed)) = map.get("changed") {
        let said: Vec<String> = changed
            .iter()
            .map(|c| {
                let field = |k: &str| c.get(k).and_then(serde_json::Value::as_str).unwrap_or_default();
                setting_change(lang, field("setting"), field("from"), field("to"))
            })
            .collect();
        return said.join(lang.pick("; ", "、"));
    }
    let email = text("email");
    if !email.is_empty() && map.contains_key("action") {
        let role = role_name(lang, text("role"));
        let unit = map
            .get("unit")
            .and_then(serde_json::Value::as_str)
            .map(|u| layout::unit_path(units, u));
        return match (lang, text("action"), unit) {
            (Lang::Ja, "disable", _) => format!("{email} を無効に変更"),
            (Lang::Ja, "enable", _) => format!("{email} を有効に変更"),
            (Lang::Ja, _, Some(u)) => format!("{email} の役割を{role}（{u}）に変更"),
            (Lang::Ja, _, None) => format!("{email} の役割を{role}に変更"),
            (Lang::En, "disable", _) => format!("disabled {email}"),
            (Lang::En, "enable", _) => format!("enabled {email}"),
            (Lang::En, _, Some(u)) => format!("changed the role of {email} to {role} ({u})"),
            (Lang::En, _, None) => format!("changed the role of {email} to {role}"),
        };
    }
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let value = match (k.as_str(), v) {
                ("unit" | "org", serde_json::Value::String(u)) => layout::unit_path(units, u).to_owned(),
                ("role", serde_json::Value::String(r)) => role_name(lang, r).to_owned(),
                ("month" | "effective_from", serde_json::Value::String(m)) => month_text(lang, m),
                ("months", serde_json::Value::Array(ms)) => ms
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .map(|m| month_text(lang, m))
                    .collect::<Vec<_>>()
                    .join(lang.pick(", ", "、")),
                ("days", serde_json::Value::Number(n)) => match lang {
                    Lang::Ja => format!("{n}日"),
                    Lang::En => format!("{n} days"),
                },
                (_, serde_json::Value::String(s)) => s.clone(),
                (_, serde_json::Value::Bool(b)) => lang
                    .pick(if *b { "yes" } else { "no" }, if *b { "はい" } else { "いいえ" })
                    .to_owned(),
                (_, other) => other.to_string(),
            };
            match lang {
                Lang::Ja => format!("{}：{value}", key_label(lang, k)),
                Lang::En => format!("{}: {value}", key_label(lang, k)),
            }
        })
        .collect::<Vec<_>>()
        .join(lang.pick("; ", "、"))
}

fn month_text(lang: Lang, m: &str) -> String {
    m.parse::<taiwa_protocol::Month>()
        .map_or_else(|_| m.to_owned(), |m| lang.month(m))
}

fn role_name(lang: Lang, role: &str) -> &str {
    match role {
        "hr_admin" => lang.pick("HR administrator", "人事管理者"),
        "org_viewer" => lang.pick("org viewer", "組織閲覧者"),
        other => other,
    }
}

/// A detail's name in words.
fn key_label(lang: Lang, key: &str) -> &str {
    let (en, ja) = match key {
        "unit" | "org" => ("unit", "組織"),
        "month" => ("month", "月"),
        "months" => ("months", "対象月"),
        "pairs" => ("pairs", "ペア数"),
        "email" => ("account", "アカウント"),
        "role" => ("role", "役割"),
        "entries" => ("entries", "件数"),
        "employee" => ("employee", "社員番号"),
        "days" => ("valid for", "有効期間"),
        "codes" => ("codes", "コード数"),
        "skipped" => ("already holding a code", "コードを持っていたため発行しなかった上司"),
        "code" => ("code id", "コードID"),
        "device" => ("device id", "端末ID"),
        "token" => ("token id", "トークンID"),
        "path_id" => ("path id", "パスID"),
        "rows" => ("rows", "行数"),
        "replaced" => ("replaced", "置き換えたもの"),
        "org_units" => ("org units", "組織数"),
        "employees" => ("employees", "社員数"),
        "changes" => ("changes", "変更数"),
        "effective_from" => ("applied from", "適用開始"),
        "units_added" => ("units added", "追加された組織"),
        "units_removed" => ("units removed", "削除された組織"),
        "people_added" => ("people added", "追加された社員"),
        "people_removed" => ("people removed", "削除された社員"),
        "people_moved" => ("people moved", "所属が変わった社員"),
        "managers_changed" => ("managers changed", "上司が変わった社員"),
        "manager" => ("manager", "上司"),
        "page" => ("page", "ページ"),
        _ => (key, key),
    };
    lang.pick(en, ja)
}

/// "changed the target from 85% to 90%" / 「目標実施率を85%から90%に変更」.
fn setting_change(lang: Lang, name: &str, from: &str, to: &str) -> String {
    let value = |v: &str| match (name, lang) {
        ("target_percent", _) => format!("{v}%"),
        ("survey_window", Lang::Ja) => format!("{v}か月"),
        ("survey_window", Lang::En) => format!("{v} months"),
        ("pair_detail", _) => match v {
            "on" => lang.pick("on", "オン").to_owned(),
            _ => lang.pick("off", "オフ").to_owned(),
        },
        _ => v.to_owned(),
    };
    let (from, to) = (value(from), value(to));
    match lang {
        Lang::Ja => format!("{}を{from}から{to}に変更", store::setting_label_ja(name)),
        Lang::En => {
            let label = match name {
                "target_percent" => "the target",
                "k" => "k (the smallest group shown)",
                "survey_window" => "the months read before a survey",
                "survey_scale_min" => "the survey scale's lowest score",
                "survey_scale_max" => "the survey scale's highest score",
                "pair_detail" => "pair-level detail",
                "time_zone" => "the time zone",
                other => other,
            };
            format!("changed {label} from {from} to {to}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settings_change_reads_as_words_in_both_languages() {
        let detail = r#"{"changed":[{"setting":"target_percent","from":"85","to":"90"},{"setting":"time_zone","from":"Asia/Tokyo","to":"UTC"}]}"#;
        assert_eq!(
            detail_text(Lang::En, &[], detail),
            "changed the target from 85% to 90%; changed the time zone from Asia/Tokyo to UTC"
        );
        assert_eq!(
            detail_text(Lang::Ja, &[], detail),
            "目標実施率を85%から90%に変更、タイムゾーンをAsia/TokyoからUTCに変更"
        );
    }

    #[test]
    fn units_are_named_by_path_and_months_as_pages_write_them() {
        let units = vec![("O2".to_owned(), "本社 › 営業部".to_owned())];
        assert_eq!(
            detail_text(Lang::Ja, &units, r#"{"unit":"O2","month":"2026-11","pairs":3}"#),
            "月：2026年11月、ペア数：3、組織：本社 › 営業部"
        );
        assert_eq!(
            detail_text(
                Lang::Ja,
                &units,
                r#"{"email":"a@example.co.jp","action":"role","role":"org_viewer","unit":"O2"}"#
            ),
            "a@example.co.jp の役割を組織閲覧者（本社 › 営業部）に変更"
        );
    }
}
