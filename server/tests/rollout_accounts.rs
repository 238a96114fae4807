//! Roll-out and accounts on HR's pages, on SQLite and PostgreSQL: a unit's roll-out page lists that
//! unit's devices with their last sync day, revoking asks first and every answer returns to the
//! same unit; the bulk code CSV never gives a manager a second live code; issuing a code to
//! someone with no reports warns; HR resets another account's access with a new invitation; the
//! not-yet list is read per manager and a page at a time while its CSV holds every pair.
//! Screenshots go to `artifacts/screenshots/rollout-*.png` and `not-yet-*.png`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::browser::Browser;
use common::pages::{Http, PASSWORD};
use common::{ADMIN, Backend, Server, block_on};

on_both_backends!(
    a_units_rollout_page_lists_its_devices_and_asks_before_revoking,
    the_bulk_codes_never_give_a_second_live_code,
    hr_resets_another_accounts_access,
    the_not_yet_list_is_read_per_manager_and_by_page,
);

/// Today in Tokyo, as the Japanese pages write a day.
fn today_in_tokyo() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .format("%Y/%m/%d")
        .to_string()
}

fn a_units_rollout_page_lists_its_devices_and_asks_before_revoking(backend: Backend) {
    let server = Server::start(backend);
    // E02 manages in 営業部 (O2); E03 in 技術部 and 開発課 (O3, O4). E02's device has synced.
    let e02 = server.enrol("E02");
    let e03 = server.enrol("E03");
    assert_eq!(server.get("/api/v1/roster", Some(&e02)).status, 200);
    block_on(async {
        let b = Browser::start(&server.base, "ja").await;
        b.login(ADMIN, PASSWORD).await;
        b.goto("/hr/rollout?unit=O2").await;
        assert_eq!(
            b.attr_all("table.devices tr[data-device]", "data-employee").await,
            ["E02"]
        );
        assert_eq!(b.text("tr[data-employee=E02] td.last-sync").await, today_in_tokyo());
        b.goto("/hr/rollout?unit=O4").await;
        assert_eq!(
            b.attr_all("table.devices tr[data-device]", "data-employee").await,
            ["E03"]
        );
        assert_eq!(b.text("tr[data-employee=E03] td.last-sync").await, "まだありません");
        b.goto("/hr/rollout").await;
        let mut all = b.attr_all("table.devices tr[data-device]", "data-employee").await;
        all.sort();
        assert_eq!(all, ["E02", "E03"], "the top unit lists every device");
        b.screenshot("rollout-unit-ja").await;

        // Revoking asks first; the way back changes nothing and returns to the unit.
        b.goto("/hr/rollout?unit=O2").await;
        b.click("tr[data-employee=E02] button.danger").await;
        assert_eq!(b.text("h1").await, "この端末を失効させますか");
        assert!(
            b.text(".ask")
                .await
                .contains("山本 享子（E02）の端末「Test laptop」を失効させます。")
        );
        b.screenshot("rollout-revoke-ask-ja").await;
        b.client.set_window_size(390, 844).await.unwrap();
        b.screenshot("rollout-revoke-ask-ja-390").await;
        b.client.set_window_size(1280, 800).await.unwrap();
        b.click(".ask a.button").await;
        assert_eq!(b.path().await, "/hr/rollout?unit=O2");
        assert_eq!(server.get("/api/v1/roster", Some(&e02)).status, 200, "not revoked");
        b.click("tr[data-employee=E02] button.danger").await;
        b.click(".ask button.danger").await;
        assert_eq!(b.path().await, "/hr/rollout?unit=O2&done=revoked");
        assert_eq!(
            b.text("p.notice").await,
            "端末を失効させました。次回の同期は拒否されます。"
        );
        assert_eq!(server.get("/api/v1/roster", Some(&e02)).status, 401, "revoked");
        assert_eq!(
            server.get("/api/v1/roster", Some(&e03)).status,
            200,
            "the other device lives on"
        );

        // A code issued and cancelled on a unit's page returns to that unit; a code for someone
        // with no direct reports warns.
        b.goto("/hr/rollout?unit=O4").await;
        b.fill("input[name=employee_id]", "E06").await;
        b.click("#issue button.primary").await;
        let warning = b.text(".problem.warning").await;
        assert!(
            warning.contains("田中 誠（E06）には、現在の組織図で直属の部下がいません。"),
            "{warning}"
        );
        b.screenshot("rollout-no-reports-ja").await;
        b.client.set_window_size(390, 844).await.unwrap();
        b.screenshot("rollout-no-reports-ja-390").await;
        b.client.set_window_size(1280, 800).await.unwrap();
        b.goto("/hr/rollout?unit=O4").await;
        b.click("form[action='/hr/rollout/cancel'] button").await;
        assert_eq!(b.path().await, "/hr/rollout?unit=O4&done=cancelled");
        assert_eq!(b.text("p.notice").await, "コードを取り消しました。");
        b.stop().await;
    });
}

/// The live codes each person holds.
fn live_codes(server: &Server, employee: &str) -> i64 {
    let pool = server.pool();
    pool.with(|conn| {
        conn.query(
            "SELECT CAST(count(*) AS BIGINT) AS n FROM enrol_codes WHERE employee_id = $1 AND used_at IS NULL AND cancelled_at IS NULL",
            &[taiwa_server::db::V::from(employee)],
        )
    })
    .unwrap()[0]
        .int("n")
        .unwrap()
}

fn the_bulk_codes_never_give_a_second_live_code(backend: Backend) {
    let server = Server::start(backend);
    let hr = Http::login(&server, ADMIN);
    server.code("E02");
    let csv = hr.form(
        "/hr/rollout/codes.csv",
        &[("unit", "O1"), ("only_new", "1"), ("days", "14")],
    );
    assert_eq!(csv.status, 200, "{}", csv.body);
    let mut rows = csv::ReaderBuilder::new().from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let by_id = |id: &str| rows.iter().find(|r| &r[0] == id).unwrap().clone();
    assert_eq!(rows.len(), 3, "every manager has a line");
    assert_eq!(by_id("E01")[4].len(), 19, "a new code");
    assert_eq!(&by_id("E02")[4], "", "no second code");
    assert!(
        by_id("E02")[6].contains("未使用のコードをすでに持っているため"),
        "{:?}",
        by_id("E02")
    );
    assert_eq!(live_codes(&server, "E02"), 1);
    // Again: nobody gets a second code.
    let again = hr.form(
        "/hr/rollout/codes.csv",
        &[("unit", "O1"), ("only_new", "1"), ("days", "14")],
    );
    assert_eq!(again.status, 200);
    for who in ["E01", "E02", "E03"] {
        assert_eq!(live_codes(&server, who), 1, "{who}");
    }
    let audit = taiwa_server::store::audit_entries(&server.pool(), 5).unwrap();
    assert!(audit[0].3.contains("\"skipped\":3"), "{:?}", audit[0]);
}

fn hr_resets_another_accounts_access(backend: Backend) {
    let server = Server::start(backend);
    let hr = Http::login(&server, ADMIN);
    let invited = hr.form(
        "/hr/settings/invite",
        &[("email", "hr2@example.co.jp"), ("role", "hr_admin"), ("org", "")],
    );
    assert_eq!(invited.status, 200, "{}", invited.body);
    let link = |page: &str| -> String {
        let at = page.find("/hr/invite/").expect("a link");
        page[at..].chars().take_while(|c| *c != '<' && *c != '"').collect()
    };
    let accept = |link: &str, password: &str| {
        let fields = serde_urlencoded::to_string([("password", password), ("again", password)]).unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        agent
            .post(&format!("{}{link}", server.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(fields.as_bytes())
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(accept(&link(&invited.body), "the first long password"), 303);
    let second = Http::login_with(&server, "hr2@example.co.jp", "the first long password").expect("signed in");
    let signed_in = |h: &Http| !h.get("/hr/settings").body.contains("action=\"/hr/login\"");
    assert!(signed_in(&second));

    // Asked first, then reset: a new link; the old password and session stop working.
    let asked = hr.form(
        "/hr/settings/account",
        &[("email", "hr2@example.co.jp"), ("action", "reset")],
    );
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(
        asked.body.contains("このアカウントのアクセスをリセットしますか"),
        "{}",
        asked.body
    );
    assert!(signed_in(&second), "nothing changed yet");
    let reset = hr.form(
        "/hr/settings/account",
        &[("email", "hr2@example.co.jp"), ("action", "reset"), ("confirm", "yes")],
    );
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert!(
        reset
            .body
            .contains("この招待リンクを hr2@example.co.jp さんに送ってください"),
        "{}",
        reset.body
    );
    assert!(!signed_in(&second), "the old session ended");
    assert!(Http::login_with(&server, "hr2@example.co.jp", "the first long password").is_none());
    assert_eq!(accept(&link(&reset.body), "the second long password"), 303);
    let again = Http::login_with(&server, "hr2@example.co.jp", "the second long password").expect("signed in");
    assert!(signed_in(&again));
    let audit = taiwa_server::store::audit_entries(&server.pool(), 5).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.2 == "account_reset" && e.3.contains("hr2@example.co.jp"))
    );
    block_on(async {
        let b = Browser::start(&server.base, "ja").await;
        b.login(ADMIN, PASSWORD).await;
        b.goto("/hr/settings").await;
        b.screenshot("rollout-accounts-ja").await;
        b.client.set_window_size(390, 844).await.unwrap();
        b.screenshot("rollout-accounts-ja-390").await;
        b.stop().await;
    });
}

fn the_not_yet_list_is_read_per_manager_and_by_page(backend: Backend) {
    // A CEO over two managers: M1 with 150 reports, M2 with 30; nobody has met (182 pairs).
    let orgs = "org_unit_id,name,parent_id\nR,本社,\nS,営業部,R\n";
    let mut emps = String::from(
        "employee_id,name,email,org_unit_id,manager_id\nCEO,社長,ceo@example.co.jp,R,\nM1,山田 一郎,m1@example.co.jp,S,CEO\nM2,佐藤 二郎,m2@example.co.jp,S,CEO\n",
    );
    for i in 0..180 {
        let manager = if i < 150 { "M1" } else { "M2" };
        emps.push_str(&format!("P{i:03},メンバー {i},p{i}@example.co.jp,S,{manager}\n"));
    }
    let server = Server::start_with(backend, orgs, &emps, "");
    server.count_every_pair();
    let hr = Http::login(&server, ADMIN);
    let rows = |path: &str| hr.get(path).body.matches("<tr data-member=").count();
    let page = hr.get("/hr/not-yet");
    assert!(page.body.contains("ペア：182組（上司 3人）"), "{}", page.body);
    assert!(page.body.contains("182件中 1〜100件目（1 / 2ページ）"), "{}", page.body);
    assert_eq!(rows("/hr/not-yet"), 100);
    assert_eq!(rows("/hr/not-yet?page=2"), 82);
    assert!(
        page.body.contains("佐藤 二郎（M2）：30組"),
        "each manager with their count"
    );
    let m2 = hr.get("/hr/not-yet?manager=M2");
    assert!(m2.body.contains("佐藤 二郎（M2）の未実施ペア：30組"), "{}", m2.body);
    assert_eq!(rows("/hr/not-yet?manager=M2"), 30);
    assert_eq!(rows("/hr/not-yet?manager=M1&page=2"), 50);
    let (status, csv) = {
        let p = hr.get("/hr/not-yet.csv");
        (p.status, p.body)
    };
    assert_eq!(status, 200);
    assert_eq!(csv.lines().count(), 1 + 182, "the CSV holds every pair");
    block_on(async {
        let b = Browser::start(&server.base, "ja").await;
        b.login(ADMIN, PASSWORD).await;
        b.goto("/hr/not-yet").await;
        b.find(".manager-filter select")
            .await
            .select_by_value("M2")
            .await
            .unwrap();
        b.click(".manager-filter button").await;
        assert!(b.path().await.contains("manager=M2"));
        assert_eq!(b.texts("tr[data-member]").await.len(), 30);
        b.screenshot("not-yet-manager-ja").await;
        b.client.set_window_size(390, 844).await.unwrap();
        b.screenshot("not-yet-manager-ja-390").await;
        b.client.set_window_size(1280, 800).await.unwrap();
        b.goto("/hr/not-yet").await;
        b.click("nav.pager a[rel=next]").await;
        assert!(b.path().await.contains("page=2"));
        b.screenshot("not-yet-page-2-ja").await;
        b.stop().await;
    });
}
