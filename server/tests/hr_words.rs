//! Every message on HR's Japanese pages is Japanese, on SQLite and PostgreSQL: each kind of
//! refusal of the settings, accounts, API tokens, career paths and roll-out forms (and of a
//! malformed form or address) is said in Japanese with Japanese punctuation; the audit log says
//! what changed in words, in the company's time zone (a setting, Asia/Tokyo unless changed).
//! Screenshots go to `artifacts/screenshots/words-*.png`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::browser::Browser;
use common::pages::{Http, PASSWORD, Page};
use common::{ADMIN, Backend, Server, block_on};

on_both_backends!(
    every_refusal_on_the_japanese_pages_is_japanese,
    the_audit_log_says_what_changed_in_words_in_the_companys_time_zone,
);

/// The texts of a page's alerts (refusals and warnings), tags removed.
pub fn alerts(page: &Page) -> Vec<String> {
    let mut out = Vec::new();
    let body = &page.body;
    let mut from = 0;
    while let Some(at) = body[from..].find("role=\"alert\">") {
        let start = from + at;
        let tag_at = body[..start].rfind('<').unwrap();
        let tag: String = body[tag_at + 1..]
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        let end = start + body[start..].find(&format!("</{tag}>")).unwrap();
        let inner = &body[start + "role=\"alert\">".len()..end];
        let mut text = String::new();
        let mut in_tag = false;
        for c in inner.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        out.push(text.replace("&quot;", "\"").replace("&amp;", "&"));
        from = end;
    }
    out
}

/// Japanese text: some kana or kanji, and, once the `allowed` ids, emails and names are taken
/// out (and "API" and "ID", written so in Japanese too), no ASCII letter, no backtick, no ASCII
/// colon or comma.
pub fn assert_japanese(text: &str, allowed: &[&str]) {
    let mut rest = text.replace("API", "").replace("ID", "");
    for a in allowed {
        rest = rest.replace(a, "");
    }
    assert!(
        rest.chars()
            .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "not Japanese: {text:?}"
    );
    assert!(
        !rest.chars().any(|c| c.is_ascii_alphabetic()),
        "English left in {text:?}"
    );
    assert!(!rest.contains(['`', ':', ',']), "ASCII punctuation in {text:?}");
}

/// The one alert of a refused form, checked to be Japanese; answered for more checks.
fn refusal(page: &Page, status: u16, allowed: &[&str]) -> String {
    assert_eq!(page.status, status, "{}", page.body);
    let all = alerts(page);
    assert!(!all.is_empty(), "no alert in {}", page.body);
    for a in &all {
        assert_japanese(a, allowed);
    }
    all.join("\n")
}

fn settings(k: &str, target: &str, min: &str, max: &str, zone: &str) -> Vec<(&'static str, String)> {
    vec![
        ("target_percent", target.to_owned()),
        ("k", k.to_owned()),
        ("survey_window", "6".to_owned()),
        ("survey_scale_min", min.to_owned()),
        ("survey_scale_max", max.to_owned()),
        ("time_zone", zone.to_owned()),
    ]
}

fn post(hr: &Http, path: &str, fields: &[(&str, String)]) -> Page {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    hr.post(path, &refs)
}

fn every_refusal_on_the_japanese_pages_is_japanese(backend: Backend) {
    let server = Server::start(backend);
    let hr = Http::login(&server, ADMIN);

    // Settings: each rule of a value, the scale's order and the time zone.
    let k = refusal(
        &post(&hr, "/hr/settings", &settings("2", "90", "0", "100", "Asia/Tokyo")),
        400,
        &["k"],
    );
    assert!(
        k.contains("小さな組織を表示しない基準kは3から100までの整数にしてください。"),
        "{k}"
    );
    let target = refusal(
        &post(&hr, "/hr/settings", &settings("5", "0", "0", "100", "Asia/Tokyo")),
        400,
        &[],
    );
    assert!(target.contains("目標実施率は1から100まで"), "{target}");
    let scale = refusal(
        &post(&hr, "/hr/settings", &settings("5", "90", "5", "5", "Asia/Tokyo")),
        400,
        &[],
    );
    assert!(
        scale.contains("調査スコアの最小値（5）は最大値（5）より小さく"),
        "{scale}"
    );
    let zone = refusal(
        &post(&hr, "/hr/settings", &settings("5", "90", "0", "100", "Tokyo")),
        400,
        &["Asia/Tokyo", "IANA", "Tokyo"],
    );
    assert!(zone.contains("（「Tokyo」は使えません）"), "{zone}");
    // A form the server cannot read, and an address it cannot.
    refusal(&hr.form("/hr/settings", &[("k", "5")]), 400, &[]);
    refusal(&hr.get("/hr/rollout?nope=1"), 400, &["URL"]);
    let unit = refusal(&hr.get("/hr/?unit=NOPE"), 404, &["NOPE"]);
    assert!(unit.contains("組織 NOPE はありません"), "{unit}");

    // Accounts: an account that exists, an address that is none, a unit missing or unknown, an
    // unknown account or action, yourself.
    let invite = |email: &str, role: &str, org: &str| {
        hr.form("/hr/settings/invite", &[("email", email), ("role", role), ("org", org)])
    };
    let exists = refusal(&invite(ADMIN, "hr_admin", ""), 400, &[ADMIN]);
    assert!(
        exists.contains(&format!("アカウント {ADMIN} はすでにあります。")),
        "{exists}"
    );
    refusal(&invite("not-an-address", "hr_admin", ""), 400, &["not-an-address"]);
    let no_unit = refusal(&invite("head@example.co.jp", "org_viewer", ""), 400, &[]);
    assert!(
        no_unit.contains("組織閲覧者には、見られる組織を選んでください。"),
        "{no_unit}"
    );
    refusal(&invite("head@example.co.jp", "org_viewer", "O9"), 400, &["O9"]);
    refusal(&invite("head@example.co.jp", "boss", ""), 400, &["boss"]);
    let account = |email: &str, action: &str| {
        hr.form(
            "/hr/settings/account",
            &[
                ("email", email),
                ("action", action),
                ("role", "org_viewer"),
                ("org", "O2"),
            ],
        )
    };
    refusal(&account("nobody@example.co.jp", "role"), 400, &["nobody@example.co.jp"]);
    refusal(
        &account("nobody@example.co.jp", "disable"),
        400,
        &["nobody@example.co.jp"],
    );
    refusal(&account("nobody@example.co.jp", "launch"), 400, &[]);
    refusal(&account(ADMIN, "disable"), 400, &[]);

    // API tokens: an id that is none, and one that matches nothing; a revoked one says revoked.
    refusal(&hr.form("/hr/settings/token", &[("id", "zz")]), 400, &["API"]);
    let none = refusal(
        &hr.form("/hr/settings/token", &[("id", "abcdef12")]),
        404,
        &["abcdef12", "API"],
    );
    assert!(none.contains("有効なAPIトークン abcdef12 はありません"), "{none}");
    let id: String = hr.get("/hr/settings").field("id");
    let revoked = hr.post("/hr/settings/token", &[("id", &id)]);
    assert_eq!(revoked.status, 303);
    let page = hr.get("/hr/settings?done=revoked");
    assert!(page.body.contains("APIトークンを失効させました。"), "{}", page.body);
    assert!(!page.body.contains("保存しました"), "revoked says revoked");

    // Career paths by hand: every problem of an entry, an unknown unit, an unknown entry.
    let path = |id: &str, unit: &str, title: &str| {
        hr.form(
            "/hr/career-paths",
            &[
                ("path_id", id),
                ("org_unit_id", unit),
                ("title", title),
                ("description", ""),
                ("skills", ""),
                ("next_roles", ""),
            ],
        )
    };
    let bad = refusal(&path("P 1", "O2", ""), 400, &["P 1"]);
    assert!(
        bad.contains("役割は1行で1〜") && bad.contains("パスIDとして使えません"),
        "{bad}"
    );
    refusal(&path("P1", "O9", "営業企画"), 400, &["O9"]);
    refusal(
        &hr.form("/hr/career-paths/delete", &[("path_id", "P404")]),
        404,
        &["P404"],
    );

    // Roll-out: a mistyped employee id or validity keeps the form as typed.
    let typo = hr.form(
        "/hr/rollout/code",
        &[("employee_id", "E99"), ("days", "7"), ("unit", "O3")],
    );
    let said = refusal(&typo, 400, &["E99"]);
    assert!(
        said.contains("社員番号「E99」の社員は現在の組織図にいません。"),
        "{said}"
    );
    assert!(
        typo.body.contains("name=\"employee_id\" value=\"E99\""),
        "the id typed stays"
    );
    assert!(typo.body.contains("name=\"days\" value=\"7\""), "the days typed stay");
    assert!(typo.body.contains("本社 › 技術部"), "the same unit's page");
    let days = hr.form("/hr/rollout/code", &[("employee_id", "E02"), ("days", "1か月")]);
    refusal(&days, 400, &[]);
    assert!(days.body.contains("name=\"days\" value=\"1か月\""), "{}", days.body);
    refusal(
        &hr.form("/hr/rollout/revoke", &[("id", "abcdef12")]),
        404,
        &["abcdef12"],
    );
    refusal(&hr.form("/hr/rollout/cancel", &[("id", "abc")]), 400, &[]);

    // Org units are chosen by path, never typed: the forms offer them as a choice.
    for page in ["/hr/settings", "/hr/career-paths"] {
        let body = hr.get(page).body;
        assert!(
            body.contains("<option value=\"O4\">本社 › 技術部 › 開発課</option>"),
            "{page}: {body}"
        );
        assert!(!body.contains("<input name=\"org"), "{page}: no unit typed as an id");
    }

    // What the person sees, in Chromium: the settings page refused, at 1280 and 390 wide.
    block_on(async {
        let b = Browser::start(&server.base, "ja").await;
        b.login(ADMIN, PASSWORD).await;
        b.goto("/hr/settings").await;
        // Past the browser's own check of the field, to the server's.
        b.client
            .execute(
                "document.querySelector(\"form[action='/hr/settings']\").noValidate = true;",
                vec![],
            )
            .await
            .unwrap();
        b.fill("input[name=k]", "2").await;
        b.click("form[action='/hr/settings'] button.primary").await;
        let shown = b.text(".problem").await;
        assert_japanese(&shown, &["k"]);
        b.screenshot("words-settings-refused-ja").await;
        b.client.set_window_size(390, 844).await.unwrap();
        b.screenshot("words-settings-refused-ja-390").await;
        b.client.set_window_size(1280, 800).await.unwrap();
        b.goto("/hr/rollout?unit=O3").await;
        b.fill("input[name=employee_id]", "E99").await;
        b.click("#issue button.primary").await;
        assert_japanese(&b.text(".problem").await, &["E99"]);
        b.screenshot("words-rollout-typo-ja").await;
        b.stop().await;
    });
}

/// The audit page's rows: (time, action, details).
fn audit_rows(hr: &Http) -> Vec<(String, String, String)> {
    let body = hr.get("/hr/audit").body;
    body.split("<tr data-action=\"")
        .skip(1)
        .map(|row| {
            let cells: Vec<String> = row
                .split("<td")
                .skip(1)
                .map(|c| {
                    let inner = &c[c.find('>').unwrap() + 1..];
                    inner[..inner.find("</td>").unwrap()].to_owned()
                })
                .collect();
            (
                cells[0].clone(),
                row.split('"').next().unwrap().to_owned(),
                cells[3].clone(),
            )
        })
        .collect()
}

fn the_audit_log_says_what_changed_in_words_in_the_companys_time_zone(backend: Backend) {
    let server = Server::start(backend);
    let hr = Http::login(&server, ADMIN);
    let page = hr.get("/hr/settings");
    assert!(
        page.body.contains("name=\"time_zone\" value=\"Asia/Tokyo\""),
        "Tokyo unless changed"
    );

    let before = chrono::Utc::now();
    let saved = post(&hr, "/hr/settings", &settings("5", "85", "0", "100", "Asia/Tokyo"));
    assert_eq!(saved.status, 303, "{}", saved.body);
    let rows = audit_rows(&hr);
    let (at, action, detail) = &rows[0];
    assert_eq!(action, "settings");
    assert_eq!(detail, "目標実施率を90%から85%に変更");
    let tokyo =
        |t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz| t.with_timezone(&tz).format("%Y/%m/%d %H:%M").to_string();
    let after = chrono::Utc::now();
    assert!(
        [
            tokyo(before, chrono_tz::Asia::Tokyo),
            tokyo(after, chrono_tz::Asia::Tokyo)
        ]
        .contains(at),
        "in Tokyo time: {at}"
    );
    assert!(hr.get("/hr/audit").body.contains("日時（Asia/Tokyo）"));

    // Another zone: the same entry in its time, and the change said in words.
    let saved = post(
        &hr,
        "/hr/settings",
        &settings("7", "85", "0", "100", "America/New_York"),
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let rows = audit_rows(&hr);
    assert_eq!(
        rows[0].2,
        "小さな組織を表示しない基準kを5から7に変更、タイムゾーンをAsia/TokyoからAmerica/New_Yorkに変更"
    );
    let (at, _, _) = &rows[1];
    let york = chrono_tz::America::New_York;
    assert!(
        [tokyo(before, york), tokyo(after, york)].contains(at),
        "in New York time: {at}"
    );
    assert!(hr.get("/hr/audit").body.contains("日時（America/New_York）"));

    // An account change in words, its unit by path.
    let invited = hr.form(
        "/hr/settings/invite",
        &[("email", "head@example.co.jp"), ("role", "org_viewer"), ("org", "O3")],
    );
    assert_eq!(invited.status, 200, "{}", invited.body);
    let changed = hr.post(
        "/hr/settings/account",
        &[
            ("email", "head@example.co.jp"),
            ("action", "role"),
            ("role", "org_viewer"),
            ("org", "O4"),
        ],
    );
    assert_eq!(changed.status, 303, "{}", changed.body);
    let rows = audit_rows(&hr);
    assert_eq!(
        rows[0].2,
        "head@example.co.jp の役割を組織閲覧者（本社 › 技術部 › 開発課）に変更"
    );
    assert_eq!(
        rows[1].2,
        "アカウント：head@example.co.jp、役割：組織閲覧者、組織：本社 › 技術部"
    );
    for (_, _, detail) in &rows {
        for raw in ["{", "target_percent", "time_zone", "email", "org_viewer"] {
            assert!(!detail.contains(raw), "no raw keys: {detail}");
        }
    }

    block_on(async {
        let b = Browser::start(&server.base, "ja").await;
        b.login(ADMIN, PASSWORD).await;
        b.goto("/hr/audit").await;
        b.screenshot("words-audit-ja").await;
        b.client.set_window_size(390, 844).await.unwrap();
        b.screenshot("words-audit-ja-390").await;
        b.client.set_window_size(1280, 800).await.unwrap();
        b.goto("/hr/settings").await;
        b.screenshot("words-settings-ja").await;
        b.stop().await;
    });
}
