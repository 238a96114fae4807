//! Imports that never surprise, on SQLite and PostgreSQL, from the pages (headless Chromium and
//! plain HTTP) and the command line: a survey import that replaces stored scores says how many and
//! asks first, scores off the survey's scale are refused with their line, Excel's Shift_JIS
//! (CP932) files are read everywhere (or one message says how to save as CSV UTF-8), a broken
//! quote hides no other problem, and the directory is imported from the page after a preview of
//! what it changes. Nothing stored changes on any refusal. Screenshots go to
//! `artifacts/screenshots/imports-*.png`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::browser::Browser;
use common::pages::{Http, PASSWORD};
use common::{ADMIN, Backend, Server, months_ago, this_month};
use taiwa_server::db::V;
use taiwa_server::directory::Directory;

on_both_backends!(
    a_survey_that_replaces_scores_asks_first_and_scores_off_the_scale_are_refused,
    the_directory_is_imported_from_the_page_after_a_preview,
    confirmations_are_single_use_for_their_account_and_never_stale,
    excel_shift_jis_files_import_on_the_pages_and_the_command_line,
    a_broken_quote_in_the_directory_hides_no_other_problem,
);

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Scrolls the page to the element `css` (for a screenshot of what is below the fold).
async fn scroll_to(b: &Browser, css: &str) {
    b.client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView();",
            vec![serde_json::Value::String(css.to_owned())],
        )
        .await
        .unwrap();
}

/// `2026-10` as the Japanese pages write it: `2026年10月`.
fn ja_month(month: &str) -> String {
    let (y, m) = month.split_once('-').unwrap();
    format!("{y}年{}月", m.parse::<u32>().unwrap())
}

/// The text as Excel on a Japanese Windows saves "CSV (comma delimited)": CP932, CRLF, no BOM.
fn excel_cp932(text: &str) -> Vec<u8> {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let (bytes, encoding, lossy) = encoding_rs::SHIFT_JIS.encode(&crlf);
    assert_eq!(encoding, encoding_rs::SHIFT_JIS);
    assert!(!lossy, "every character is in CP932");
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8 by chance");
    bytes.into_owned()
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

/// `units` × `items` scores for `month`, as a survey file.
fn survey(month: &str, units: &[&str], items: usize, score: f64) -> String {
    let mut csv = String::from("org_unit_id,survey_month,item,score\n");
    for i in 1..=items {
        for u in units {
            csv.push_str(&format!("{u},{month},設問{i:03},{score}\n"));
        }
    }
    csv
}

/// Runs `f` on a thread of its own: the PostgreSQL client blocks, which it may not do on the
/// browser tests' runtime.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

fn scores(server: &Server) -> i64 {
    off_runtime(|| {
        server
            .pool()
            .with(|c| c.query("SELECT CAST(count(*) AS BIGINT) AS n FROM survey_scores", &[]))
            .unwrap()[0]
            .int("n")
            .unwrap()
    })
}

fn audit_actions(server: &Server) -> Vec<(String, String)> {
    off_runtime(|| {
        taiwa_server::store::audit_entries(&server.pool(), 10)
            .unwrap()
            .into_iter()
            .map(|e| (e.2, e.3))
            .collect()
    })
}

fn scores_of(server: &Server, month: &str) -> Vec<(String, String, i64)> {
    let index = taiwa_server::store::month_index(month.parse().unwrap());
    off_runtime(|| {
        server
            .pool()
            .with(|c| {
                c.query(
                    "SELECT org_unit_id, item, score_milli FROM survey_scores WHERE survey_month = $1 ORDER BY org_unit_id, item",
                    &[V::Int(index)],
                )
            })
            .unwrap()
            .iter()
            .map(|r| (r.text("org_unit_id").unwrap(), r.text("item").unwrap(), r.int("score_milli").unwrap()))
            .collect()
    })
}

fn directory(server: &Server) -> Directory {
    off_runtime(|| taiwa_server::store::current_directory(&server.pool()).unwrap())
}

/// The directory a pair of files holds, sorted as the store lists it.
fn parsed(org_units: &str, employees: &str) -> Directory {
    let mut d = taiwa_server::directory::parse(org_units.as_bytes(), employees.as_bytes()).unwrap();
    d.org_units.sort_by(|a, b| a.id.cmp(&b.id));
    d.employees.sort_by(|a, b| a.id.cmp(&b.id));
    d
}

fn same(a: &Directory, b: &Directory) -> bool {
    a.org_units == b.org_units && a.employees == b.employees
}

// ---------------------------------------------------------------------------------------------
// Survey scores

fn a_survey_that_replaces_scores_asks_first_and_scores_off_the_scale_are_refused(backend: Backend) {
    let server = Server::start(backend);
    let month = this_month();
    let dir = tempfile::tempdir().unwrap();
    let units = ["O1", "O2", "O3", "O4"];
    // 2,672 scores stored for the month, as in the report that found it.
    let stored = write(&dir, "stored.csv", survey(&month, &units, 668, 61.5));
    server.cli(&["survey", "import", &stored], &[]).assert_ok();
    assert_eq!(scores(&server), 2672);
    let four = write(
        &dir,
        "four.csv",
        format!(
            "org_unit_id,survey_month,item,score\nO1,{month},上司との対話,70\nO2,{month},上司との対話,64.5\nO3,{month},上司との対話,58\nO4,{month},上司との対話,81\n"
        ),
    );

    // The command line does not replace without --replace, and says what it would replace.
    let refused = server.cli(&["survey", "import", &four], &[]);
    assert_eq!(refused.code(), 2);
    assert!(
        refused
            .stderr()
            .contains(&format!("this file replaces 2672 scores of {month} with 4")),
        "{}",
        refused.stderr()
    );
    assert!(refused.stderr().contains("--replace"), "{}", refused.stderr());
    assert_eq!(scores(&server), 2672, "nothing replaced");

    // A score off the scale (0 to 100 unless set) is refused with its line; nothing changes.
    let off = write(
        &dir,
        "off.csv",
        format!(
            "org_unit_id,survey_month,item,score\nO1,{month},上司との対話,50\nO2,{month},上司との対話,120\nO3,{month},上司との対話,-1\n"
        ),
    );
    let refused = server.cli(&["survey", "import", "--replace", &off], &[]);
    assert_eq!(refused.code(), 2);
    let err = refused.stderr();
    assert!(
        err.contains("survey, line 3: the score 120 is outside the survey's scale, 0 to 100"),
        "{err}"
    );
    assert!(err.contains("survey, line 4: the score -1 is outside"), "{err}");
    assert_eq!(scores(&server), 2672);
    let before = scores_of(&server, &month);

    block_on(async {
        let b = Browser::start(&server.base, "ja").await;
        b.login(ADMIN, PASSWORD).await;
        let upload = |path: String| {
            let b = &b;
            async move {
                b.goto("/hr/engagement").await;
                b.find("section.import input[type=file]")
                    .await
                    .send_keys(&path)
                    .await
                    .unwrap();
                b.click("section.import button.primary").await;
            }
        };

        // The page asks first, saying how many of which month it replaces with how many.
        upload(four.clone()).await;
        let question = b.text("ul.replaces").await;
        assert_eq!(
            question,
            format!(
                "この取り込みは、{}の保存済みのスコア 2,672件を、このファイルの 4件で置き換えます。",
                ja_month(&month)
            )
        );
        assert_eq!(b.text("h1").await, "保存済みの調査結果を置き換えますか");
        assert_eq!(scores_of(&server, &month), before, "nothing replaced before the answer");
        b.screenshot("imports-survey-confirm-ja").await;
        b.client.set_window_size(390, 844).await.unwrap();
        b.screenshot("imports-survey-confirm-ja-390").await;
        let width: f64 = b
            .client
            .execute("return document.documentElement.scrollWidth;", vec![])
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        assert!(width <= 390.0, "no sideways scrolling on a phone: {width}");
        b.client.set_window_size(1280, 800).await.unwrap();

        // Cancelled: nothing changes.
        b.click("button[value=cancel]").await;
        assert!(b.text(".notice").await.contains("取り込みを取り消しました"));
        assert_eq!(scores_of(&server, &month), before);

        // Confirmed: the month's scores are the file's.
        upload(four.clone()).await;
        b.click("button[value=replace]").await;
        assert!(b.text(".notice").await.contains("4件のスコア"), "{}", b.body().await);
        assert_eq!(
            scores_of(&server, &month),
            vec![
                ("O1".to_owned(), "上司との対話".to_owned(), 70_000),
                ("O2".to_owned(), "上司との対話".to_owned(), 64_500),
                ("O3".to_owned(), "上司との対話".to_owned(), 58_000),
                ("O4".to_owned(), "上司との対話".to_owned(), 81_000),
            ]
        );
        let audit = audit_actions(&server);
        let entry = audit.iter().find(|e| e.0 == "survey_import").expect("audited");
        assert!(entry.1.contains("\"scores\":2672"), "{entry:?}");

        // Off the scale on the page: refused with its line, in Japanese; nothing changes.
        upload(off.clone()).await;
        let problem = b.text(".problem").await;
        assert!(
            problem.contains("調査ファイルの3行目：スコア 120 が調査の尺度（0〜100）の外にあります"),
            "{problem}"
        );
        assert!(problem.contains("調査ファイルの4行目：スコア -1"), "{problem}");
        assert_eq!(scores(&server), 4);

        // The scale is a setting: a 1–5 survey.
        b.goto("/hr/settings").await;
        b.fill("input[name=survey_scale_min]", "1").await;
        b.fill("input[name=survey_scale_max]", "5").await;
        b.click("form[action='/hr/settings'] button.primary").await;
        assert!(b.text(".notice").await.contains("保存しました"));
        let last = months_ago(1);
        let five = write(
            &dir,
            "five.csv",
            format!(
                "org_unit_id,survey_month,item,score\nO1,{last},心理的安全性,4.5\nO2,{last},心理的安全性,6\nO3,{last},心理的安全性,0.5\n"
            ),
        );
        upload(five).await;
        let problem = b.text(".problem").await;
        assert!(
            problem.contains("調査ファイルの3行目：スコア 6 が調査の尺度（1〜5）の外にあります"),
            "{problem}"
        );
        assert!(problem.contains("調査ファイルの4行目：スコア 0.5"), "{problem}");
        assert_eq!(scores(&server), 4);
        let fine = write(
            &dir,
            "fine.csv",
            format!(
                "org_unit_id,survey_month,item,score\nO1,{last},心理的安全性,4.5\nO2,{last},心理的安全性,1\nO3,{last},心理的安全性,5\n"
            ),
        );
        // A month with no scores yet is imported at once: there is nothing to replace.
        upload(fine).await;
        assert!(b.text(".notice").await.contains("3件のスコア"), "{}", b.body().await);
        assert_eq!(scores(&server), 7);
        b.stop().await;
    });
}

// ---------------------------------------------------------------------------------------------
// The directory from the page

/// A company of 4 units and 32 people: E01 heads 本社 (O1), E02 営業部 (O2), E03 技術部 (O3), and
/// E10–E39 are in 営業部 (under E02) or 開発課 (O4, under E03).
fn company() -> (String, String) {
    let orgs = "org_unit_id,name,parent_id\nO1,本社,\nO2,営業部,O1\nO3,技術部,O1\nO4,開発課,O3\n".to_owned();
    let mut emps = String::from(
        "employee_id,name,email,org_unit_id,manager_id\nE01,木村 葵,e01@example.co.jp,O1,\nE02,山本 享子,e02@example.co.jp,O2,E01\nE03,鈴木 由美,e03@example.co.jp,O3,E01\n",
    );
    for i in 10..40 {
        let (unit, manager) = if i % 2 == 0 { ("O2", "E02") } else { ("O4", "E03") };
        emps.push_str(&format!("E{i},社員 {i},e{i}@example.co.jp,{unit},{manager}\n"));
    }
    (orgs, emps)
}

/// A reorganisation of `company()`: 営業部 renamed 第一営業部, 開発課 moved under it, 企画部 added;
/// E11 moved to 技術部, E13's manager is E02, E14 and E15 left, E40 joined 企画部, E12 has a new
/// email.
fn reorganised() -> (String, String) {
    let orgs =
        "org_unit_id,name,parent_id\nO1,本社,\nO2,第一営業部,O1\nO3,技術部,O1\nO4,開発課,O2\nO5,企画部,O1\n".to_owned();
    let (_, emps) = company();
    let mut out = String::new();
    for line in emps.lines() {
        let line = match line.split(',').next().unwrap() {
            "E11" => "E11,社員 11,e11@example.co.jp,O3,E03".to_owned(),
            "E13" => "E13,社員 13,e13@example.co.jp,O4,E02".to_owned(),
            "E12" => "E12,社員 12,shain12@example.co.jp,O2,E02".to_owned(),
            "E14" | "E15" => continue,
            _ => line.to_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("E40,新人 四十,e40@example.co.jp,O5,E01\n");
    (orgs, out)
}

fn the_directory_is_imported_from_the_page_after_a_preview(backend: Backend) {
    let (orgs, emps) = company();
    let server = Server::start_with(backend, &orgs, &emps, "");
    let dir = tempfile::tempdir().unwrap();
    let (new_orgs, new_emps) = reorganised();
    let files = (
        write(&dir, "org_units.csv", &new_orgs),
        write(&dir, "employees.csv", &new_emps),
    );
    let before = directory(&server);
    assert!(same(&before, &parsed(&orgs, &emps)));
    // Line 3 has a broken quote and line 7 a bad email: both are named.
    let broken = new_emps
        .replacen("E02,山本 享子", "E02,\"山本 享子", 1)
        .replacen("e12@example.co.jp", "not-an-email", 1)
        .replacen("shain12@example.co.jp", "not-an-email", 1);
    let broken = write(&dir, "broken.csv", broken);

    block_on(async {
        let b = Browser::start(&server.base, "ja").await;
        b.login(ADMIN, PASSWORD).await;
        let upload = |org_units: String, employees: String| {
            let b = &b;
            async move {
                b.goto("/hr/settings").await;
                b.find("input[name=org_units]")
                    .await
                    .send_keys(&org_units)
                    .await
                    .unwrap();
                b.find("input[name=employees]")
                    .await
                    .send_keys(&employees)
                    .await
                    .unwrap();
                b.click("form[action='/hr/settings/directory'] button.primary").await;
            }
        };
        b.goto("/hr/settings").await;
        assert!(
            b.text("section#directory").await.contains("現在：組織 4、社員 33人"),
            "{}",
            b.text("section#directory").await
        );
        scroll_to(&b, "#directory").await;
        b.screenshot("imports-settings-directory-ja").await;

        // Problems: every line named, in Japanese; nothing changes.
        upload(files.0.clone(), broken.clone()).await;
        let problems = b.texts(".problem li").await;
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].starts_with("社員ファイルの3行目：引用符"), "{problems:#?}");
        assert!(
            problems[1].starts_with("社員ファイルの7行目：「not-an-email」はメールアドレスではありません"),
            "{problems:#?}"
        );
        assert!(
            b.text(".problem")
                .await
                .contains("取り込んでいません（変更はありません）")
        );
        assert!(same(&directory(&server), &before));
        b.screenshot("imports-directory-problems-ja").await;

        // The preview: what changes, counted and listed; nothing applied yet.
        upload(files.0.clone(), files.1.clone()).await;
        assert_eq!(b.text("h1").await, "組織図の取り込み内容の確認");
        let counts: Vec<(String, String)> = b
            .attr_all("tr[data-list]", "data-list")
            .await
            .into_iter()
            .zip(b.attr_all("tr[data-list]", "data-count").await)
            .collect();
        let expect = [
            ("units-added", "1"),
            ("units-renamed", "1"),
            ("units-moved", "1"),
            ("units-removed", "0"),
            ("people-added", "1"),
            ("people-moved", "1"),
            ("managers-changed", "1"),
            ("people-removed", "2"),
            ("details-changed", "1"),
        ];
        assert_eq!(
            counts,
            expect.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec(),
            "{}",
            b.body().await
        );
        assert_eq!(b.text("p.lead").await, "組織 4 → 5、社員 33人 → 32人");
        assert!(b.text("#units-renamed").await.contains("営業部 第一営業部"));
        assert!(b.text("#units-moved").await.contains("開発課 技術部 第一営業部"));
        assert!(b.text("#people-moved").await.contains("社員 11 開発課 技術部"));
        assert!(
            b.text("#managers-changed")
                .await
                .contains("社員 13 鈴木 由美 山本 享子")
        );
        assert!(b.text("#people-removed").await.contains("E14"));
        assert!(b.text("#people-added").await.contains("新人 四十 企画部"));
        assert!(!b.exists(".shrink").await, "2 of 33 is not a large removal");
        assert!(same(&directory(&server), &before), "nothing applied before the answer");
        b.screenshot("imports-directory-preview-ja").await;
        scroll_to(&b, "#people-moved").await;
        b.screenshot("imports-directory-preview-lists-ja").await;
        b.client.set_window_size(390, 844).await.unwrap();
        scroll_to(&b, "h1").await;
        b.screenshot("imports-directory-preview-ja-390").await;
        scroll_to(&b, "#people-moved").await;
        b.screenshot("imports-directory-preview-lists-ja-390").await;
        let width: f64 = b
            .client
            .execute("return document.documentElement.scrollWidth;", vec![])
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        assert!(width <= 390.0, "no sideways scrolling on a phone: {width}");
        b.client.set_window_size(1280, 800).await.unwrap();

        // Cancelled: nothing changes.
        b.click("button[value=cancel]").await;
        assert!(b.text(".notice").await.contains("取り消しました"));
        assert!(same(&directory(&server), &before));

        // Applied: the store holds the new directory, through the command line's import.
        upload(files.0.clone(), files.1.clone()).await;
        b.click("button[value=apply]").await;
        let notice = b.text(".notice").await;
        assert!(
            notice.contains("組織 5、社員 32人の組織図を取り込みました") && notice.contains("から適用"),
            "{notice}"
        );
        assert!(same(&directory(&server), &parsed(&new_orgs, &new_emps)));
        assert!(b.text("section#directory").await.contains("現在：組織 5、社員 32人"));
        b.screenshot("imports-directory-applied-ja").await;
        let audit = audit_actions(&server);
        assert!(audit.iter().any(|e| e.0 == "directory_import"), "{audit:?}");
        b.goto("/hr/audit").await;
        assert!(b.body().await.contains("組織図を取り込み"));

        // The same files again: nothing to change, nothing kept.
        upload(files.0.clone(), files.1.clone()).await;
        assert!(b.text(".notice").await.contains("変更するものはありません"));

        // A large removal (the old files: 11 of 32 people and 1 of 5 units gone): the preview
        // warns, and applying needs the box ticked.
        let (_, old_emps) = company();
        let cut: String = old_emps.lines().take(24).map(|l| format!("{l}\n")).collect();
        let cut = write(&dir, "cut.csv", cut);
        let (old_orgs, _) = company();
        let old_orgs = write(&dir, "old_orgs.csv", old_orgs);
        upload(old_orgs, cut).await;
        assert!(
            b.text(".shrink")
                .await
                .contains("社員 32人のうち 11人と、5組織のうち 1組織を削除します"),
            "{}",
            b.text(".shrink").await
        );
        b.screenshot("imports-directory-shrink-ja").await;
        b.find("input[name=allow_shrink]").await.click().await.unwrap();
        b.click("button[value=apply]").await;
        assert!(b.text(".notice").await.contains("社員 23人"), "{}", b.body().await);
        assert_eq!(directory(&server).employees.len(), 23);
        b.stop().await;
    });
}

// ---------------------------------------------------------------------------------------------
// Confirmations

fn confirmations_are_single_use_for_their_account_and_never_stale(backend: Backend) {
    let (orgs, emps) = company();
    let server = Server::start_with(backend, &orgs, &emps, "");
    let dir = tempfile::tempdir().unwrap();
    for (email, role) in [("hr2@example.co.jp", None), ("viewer@example.co.jp", Some("O2"))] {
        let mut args = vec!["admin", "create", "--email", email];
        if let Some(org) = role {
            args.extend(["--role", "org_viewer", "--org", org]);
        }
        server.cli(&args, &[("TAIWA_ADMIN_PASSWORD", PASSWORD)]).assert_ok();
    }
    let hr = Http::login(&server, ADMIN);
    let other = Http::login(&server, "hr2@example.co.jp");
    let viewer = Http::login(&server, "viewer@example.co.jp");
    let month = this_month();
    let stored = write(&dir, "stored.csv", survey(&month, &["O1", "O2"], 3, 50.0));
    server.cli(&["survey", "import", &stored], &[]).assert_ok();
    let before = scores_of(&server, &month);
    let two = survey(&month, &["O3", "O4"], 1, 75.0);

    // Another account cannot answer HR's question, nor can a used or an unknown token.
    let asked = hr.upload("/hr/engagement/import", &[("file", two.as_bytes())]);
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(
        asked
            .body
            .contains("保存済みのスコア 6件を、このファイルの 2件で置き換えます"),
        "{}",
        asked.body
    );
    let token = asked.field("token");
    let theirs = other.form(
        "/hr/engagement/import/confirm",
        &[("token", &token), ("action", "replace")],
    );
    assert_eq!(theirs.status, 410, "{}", theirs.body);
    assert!(theirs.body.contains("期限切れ"), "{}", theirs.body);
    assert_eq!(scores_of(&server, &month), before);
    assert_eq!(
        viewer
            .form(
                "/hr/engagement/import/confirm",
                &[("token", &token), ("action", "replace")]
            )
            .status,
        403
    );
    // Stale: the month's scores changed after the question; the answer is asked again with the
    // new figure, nothing replaced.
    let eight = write(&dir, "eight.csv", survey(&month, &["O1", "O2", "O3", "O4"], 2, 40.0));
    server.cli(&["survey", "import", "--replace", &eight], &[]).assert_ok();
    let changed = scores_of(&server, &month);
    let again = hr.form(
        "/hr/engagement/import/confirm",
        &[("token", &token), ("action", "replace")],
    );
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body.contains("保存済みのスコアが変わりました"), "{}", again.body);
    assert!(
        again
            .body
            .contains("保存済みのスコア 8件を、このファイルの 2件で置き換えます"),
        "{}",
        again.body
    );
    assert_eq!(scores_of(&server, &month), changed);
    let used = hr.form(
        "/hr/engagement/import/confirm",
        &[("token", &token), ("action", "replace")],
    );
    assert_eq!(used.status, 410, "a token works once");
    let token = again.field("token");
    let done = hr.form(
        "/hr/engagement/import/confirm",
        &[("token", &token), ("action", "replace")],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("2件のスコア"), "{}", done.body);
    assert_eq!(scores_of(&server, &month).len(), 2);
    assert_eq!(
        hr.form(
            "/hr/engagement/import/confirm",
            &[("token", &token), ("action", "replace")]
        )
        .status,
        410,
        "confirmed once"
    );

    // The directory: an org viewer may neither upload nor confirm.
    let (new_orgs, new_emps) = reorganised();
    let files = [("org_units", new_orgs.as_bytes()), ("employees", new_emps.as_bytes())];
    assert_eq!(viewer.upload("/hr/settings/directory", &files).status, 403);
    let before = directory(&server);
    let preview = hr.upload("/hr/settings/directory", &files);
    assert_eq!(preview.status, 200, "{}", preview.body);
    let token = preview.field("token");
    assert_eq!(
        viewer
            .form(
                "/hr/settings/directory/confirm",
                &[("token", &token), ("action", "apply")]
            )
            .status,
        403
    );
    assert!(same(&directory(&server), &before));
    // Stale: the directory changed (from the command line) after the preview.
    let moved = emps.replacen(
        "E10,社員 10,e10@example.co.jp,O2,E02",
        "E10,社員 10,e10@example.co.jp,O3,E03",
        1,
    );
    server.import(&orgs, &moved).assert_ok();
    let meanwhile = directory(&server);
    let again = hr.form(
        "/hr/settings/directory/confirm",
        &[("token", &token), ("action", "apply")],
    );
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body.contains("組織図が変わりました"), "{}", again.body);
    assert!(same(&directory(&server), &meanwhile), "not applied");
    let token = again.field("token");
    let applied = hr.form(
        "/hr/settings/directory/confirm",
        &[("token", &token), ("action", "apply")],
    );
    assert_eq!(applied.status, 200, "{}", applied.body);
    assert!(applied.body.contains("組織図を取り込みました"), "{}", applied.body);
    assert!(same(&directory(&server), &parsed(&new_orgs, &new_emps)));

    // A large removal without the box ticked is shown again, not applied; ticked, applied.
    let kept = directory(&server);
    let cut: String = new_emps.lines().take(20).map(|l| format!("{l}\n")).collect();
    let files = [("org_units", new_orgs.as_bytes()), ("employees", cut.as_bytes())];
    let preview = hr.upload("/hr/settings/directory", &files);
    assert!(preview.body.contains("name=\"allow_shrink\""), "{}", preview.body);
    let token = preview.field("token");
    let unticked = hr.form(
        "/hr/settings/directory/confirm",
        &[("token", &token), ("action", "apply")],
    );
    assert_eq!(unticked.status, 200);
    assert!(unticked.body.contains("チェックを入れてください"), "{}", unticked.body);
    assert!(same(&directory(&server), &kept));
    let token = unticked.field("token");
    let ticked = hr.form(
        "/hr/settings/directory/confirm",
        &[("token", &token), ("action", "apply"), ("allow_shrink", "1")],
    );
    assert!(ticked.body.contains("組織図を取り込みました"), "{}", ticked.body);
    assert_eq!(directory(&server).employees.len(), 19);

    // A kept upload lasts 30 minutes, then is gone, and so is its row.
    let preview = hr.upload(
        "/hr/settings/directory",
        &[("org_units", new_orgs.as_bytes()), ("employees", new_emps.as_bytes())],
    );
    let token = preview.field("token");
    let pending = || {
        server
            .pool()
            .with(|c| c.query("SELECT CAST(count(*) AS BIGINT) AS n FROM pending_imports", &[]))
            .unwrap()[0]
            .int("n")
            .unwrap()
    };
    assert_eq!(pending(), 1);
    server
        .pool()
        .write(|c| c.execute("UPDATE pending_imports SET created_at = created_at - 1801", &[]))
        .unwrap();
    let late = hr.form(
        "/hr/settings/directory/confirm",
        &[("token", &token), ("action", "apply")],
    );
    assert_eq!(late.status, 410, "{}", late.body);
    assert!(late.body.contains("期限切れ（30分）"), "{}", late.body);
    assert_eq!(pending(), 0, "deleted");
    assert_eq!(directory(&server).employees.len(), 19, "nothing applied");
    // A cancelled one is deleted at once.
    let preview = hr.upload(
        "/hr/settings/directory",
        &[("org_units", new_orgs.as_bytes()), ("employees", new_emps.as_bytes())],
    );
    assert_eq!(pending(), 1);
    let cancelled = hr.form(
        "/hr/settings/directory/confirm",
        &[("token", &preview.field("token")), ("action", "cancel")],
    );
    assert!(cancelled.body.contains("取り消しました"), "{}", cancelled.body);
    assert_eq!(pending(), 0);
    assert_eq!(directory(&server).employees.len(), 19);
}

// ---------------------------------------------------------------------------------------------
// Excel's Shift_JIS

fn excel_shift_jis_files_import_on_the_pages_and_the_command_line(backend: Backend) {
    let server = Server::start(backend);
    let dir = tempfile::tempdir().unwrap();
    // Names Excel keeps in CP932: NEC and IBM extensions (髙, 﨑, ①), half-width katakana.
    let orgs = "org_unit_id,name,parent_id\nO1,本社,\nO2,営業部,O1\nO3,技術部,O1\nO4,開発課①,O3\nO5,ｶｽﾀﾏｰ・ｻｸｾｽ課,O2\n";
    let emps = "employee_id,name,email,org_unit_id,manager_id\n\
E01,木村 葵,e01@example.co.jp,O1,\n\
E02,髙橋 享子,e02@example.co.jp,O2,E01\n\
E03,﨑山 由美,e03@example.co.jp,O3,E01\n\
E04,山田 悠真,e04@example.co.jp,O2,E02\n\
E05,佐藤 花子,e05@example.co.jp,O5,E02\n\
E06,田中 誠,e06@example.co.jp,O4,E03\n\
E07,伊藤 健,e07@example.co.jp,O4,E03\n\
E08,渡辺 結衣,e08@example.co.jp,O4,E03\n";
    let org_path = write(&dir, "org_units_sjis.csv", excel_cp932(orgs));
    let emp_path = write(&dir, "employees_sjis.csv", excel_cp932(emps));

    // The command line: the directory, names intact in the store and in a manager's roster.
    let out = server.cli(
        &[
            "directory",
            "import",
            "--org-units",
            &org_path,
            "--employees",
            &emp_path,
        ],
        &[],
    );
    out.assert_ok();
    assert!(same(&directory(&server), &parsed(orgs, emps)));
    let device = server.enrol("E02");
    let roster = server.get("/api/v1/roster", Some(&device)).json();
    assert_eq!(roster["manager"]["name"], "髙橋 享子");
    let members: Vec<(&str, &str)> = roster["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["org_unit_name"].as_str().unwrap()))
        .collect();
    assert_eq!(members, [("山田 悠真", "営業部"), ("佐藤 花子", "ｶｽﾀﾏｰ・ｻｸｾｽ課")]);

    // The command line: career paths.
    let paths = "path_id,org_unit_id,title,description,skills,next_roles\nP1,O4,開発リーダー①,\"設計と\nレビュー\",設計; 髙度な分析,課長\n";
    let path = write(&dir, "paths_sjis.csv", excel_cp932(paths));
    server.cli(&["career-paths", "import", &path], &[]).assert_ok();
    let catalog = server.get("/api/v1/career-paths", Some(&device)).json();
    assert_eq!(catalog["paths"][0]["title"], "開発リーダー①");
    assert_eq!(catalog["paths"][0]["description"], "設計と\nレビュー");
    assert_eq!(catalog["paths"][0]["skills"], serde_json::json!(["設計", "髙度な分析"]));
    assert_eq!(catalog["paths"][0]["org_unit_name"], "開発課①");

    // The command line: a survey.
    let month = this_month();
    let scores_file =
        format!("org_unit_id,survey_month,item,score\nO4,{month},上司との対話①,72.5\nO5,{month},上司との対話①,61\n");
    let path = write(&dir, "survey_sjis.csv", excel_cp932(&scores_file));
    server.cli(&["survey", "import", &path], &[]).assert_ok();
    assert_eq!(
        scores_of(&server, &month),
        [
            ("O4".to_owned(), "上司との対話①".to_owned(), 72_500),
            ("O5".to_owned(), "上司との対話①".to_owned(), 61_000)
        ]
    );

    // The pages: a survey, a catalogue and the directory, each as Excel saved it.
    let hr = Http::login(&server, ADMIN);
    let last = months_ago(1);
    let survey_sjis = excel_cp932(&format!(
        "org_unit_id,survey_month,item,score\nO2,{last},心理的安全性,55\nO3,{last},心理的安全性,48.5\n"
    ));
    let page = hr.upload("/hr/engagement/import", &[("file", &survey_sjis)]);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("2件のスコア"), "{}", page.body);
    let page = hr.get(&format!("/hr/engagement?survey={last}"));
    assert!(page.body.contains("心理的安全性"), "{}", page.body);
    let paths = excel_cp932(
        "path_id,org_unit_id,title,description,skills,next_roles\nP2,O5,ｶｽﾀﾏｰ・ｻｸｾｽ担当,顧客の成功,傾聴,主任\n",
    );
    // The catalogue holds an entry already: replacing it is asked first.
    let asked = hr.upload("/hr/career-paths/import", &[("file", &paths)]);
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(
        asked
            .body
            .contains("カタログの1件をすべて削除し、このファイルの1件で置き換えます"),
        "{}",
        asked.body
    );
    let page = hr.form(
        "/hr/career-paths/import/confirm",
        &[("token", &asked.field("token")), ("confirm", "yes")],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("ｶｽﾀﾏｰ・ｻｸｾｽ担当"), "{}", page.body);
    let moved = emps.replace(
        "E08,渡辺 結衣,e08@example.co.jp,O4,E03",
        "E08,渡邉 結衣,e08@example.co.jp,O5,E02",
    );
    let preview = hr.upload(
        "/hr/settings/directory",
        &[("org_units", &excel_cp932(orgs)), ("employees", &excel_cp932(&moved))],
    );
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview.body.contains("渡邉 結衣"), "{}", preview.body);
    assert!(preview.body.contains("ｶｽﾀﾏｰ・ｻｸｾｽ課"), "{}", preview.body);
    let applied = hr.form(
        "/hr/settings/directory/confirm",
        &[("token", &preview.field("token")), ("action", "apply")],
    );
    assert!(applied.body.contains("組織図を取り込みました"), "{}", applied.body);
    assert!(same(&directory(&server), &parsed(orgs, &moved)));

    // Neither UTF-8 nor Shift_JIS (Excel's "Unicode text", UTF-16): one message that says how to
    // save as CSV UTF-8, not one per line; nothing changes.
    let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
    let mut big = String::from("employee_id,name,email,org_unit_id,manager_id\n");
    for i in 0..5000 {
        big.push_str(&format!("X{i},名前 {i},x{i}@example.co.jp,O1,\n"));
    }
    for unit in big.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let path = write(&dir, "unicode.txt", &utf16);
    let refused = server.cli(
        &["directory", "import", "--org-units", &org_path, "--employees", &path],
        &[],
    );
    assert_eq!(refused.code(), 2);
    let err = refused.stderr();
    assert_eq!(err.lines().count(), 2, "a heading and one problem: {err}");
    assert!(
        err.contains("employees: the file is neither UTF-8 nor Shift_JIS (CP932)")
            && err.contains("CSV UTF-8 (Comma delimited) (*.csv)"),
        "{err}"
    );
    let page = hr.upload(
        "/hr/settings/directory",
        &[("org_units", &excel_cp932(orgs)), ("employees", &utf16)],
    );
    assert_eq!(page.status, 400);
    assert_eq!(page.body.matches("<li>").count(), 1, "{}", page.body);
    assert!(
        page.body
            .contains("社員ファイル：文字コードがUTF-8でもShift_JIS（CP932）でもないため、読み取れません。")
            && page.body.contains("「CSV UTF-8 (コンマ区切り) (*.csv)」"),
        "{}",
        page.body
    );
    let page = hr.upload("/hr/engagement/import", &[("file", &utf16)]);
    assert_eq!(page.status, 400);
    assert!(page.body.contains("調査ファイル：文字コードが"), "{}", page.body);
    assert!(same(&directory(&server), &parsed(orgs, &moved)));
}

// ---------------------------------------------------------------------------------------------
// A broken quote

fn a_broken_quote_in_the_directory_hides_no_other_problem(backend: Backend) {
    let server = Server::start(backend);
    let before = directory(&server);
    // Line 3 opens a quote it never closes; line 7 names an unknown unit.
    let emps = common::EMPLOYEES
        .replacen("E02,山本 享子", "E02,\"山本 享子", 1)
        .replacen(
            "E06,田中 誠,e06@example.co.jp,O4",
            "E06,田中 誠,e06@example.co.jp,O9",
            1,
        );
    let out = server.import(common::ORG_UNITS, &emps);
    assert_eq!(out.code(), 2);
    let err = out.stderr();
    assert!(err.contains("2 problem(s)"), "{err}");
    assert!(err.contains("employees, line 3: a field opens with a quote"), "{err}");
    assert!(
        err.contains("employees, line 7: unknown org_unit_id O9 of E06"),
        "{err}"
    );
    assert!(same(&directory(&server), &before), "nothing changed");
}
