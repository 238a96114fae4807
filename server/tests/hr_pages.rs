//! HR's pages in headless Chromium against the real server, on SQLite and on PostgreSQL: sign-in,
//! the dashboard equal to the admin API, drill-down, the not-yet list, the report printed to PDF,
//! CSV downloads, the engagement import and its correlation, k-suppression for an org viewer, and
//! names from the directory shown as text. Screenshots go to `artifacts/screenshots/hr-*.png`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::browser::{Browser, pdf_text};
use common::{Backend, Server, months_ago, record, this_month};
use serde_json::{Value, json};

const PASSWORD: &str = "a long admin password";

on_both_backends!(
    the_report_names_every_unit_on_one_a4_page_and_the_open_month_is_said,
    sign_in_dashboard_drill_down_not_yet_report_and_csv,
    an_org_viewer_sees_only_their_part_and_no_small_group,
    engagement_import_and_the_correlation,
    quality_beside_completion_with_small_groups_withheld,
    quality_beside_the_survey_counts_final_months_and_leaves_out_units_under_k,
    an_org_viewer_sees_quality_of_their_subtree_only_in_final_months_pooled_under_k,
);

/// A company where every figure is known:
/// 本社 (R) ← 3 departments D1–D3 (each head reports to the CEO, so each department has one own
/// pair), each with teams T{d}{t} of a lead and six members (7 pairs a team, the lead's pair
/// counting in the team); D3 also has a small team T34 of a lead and two members (3 pairs).
fn company() -> (String, String) {
    let mut orgs = String::from("org_unit_id,name,parent_id\nR,本社,\n");
    let mut emps = String::from("employee_id,name,email,org_unit_id,manager_id\nCEO,社長 一郎,ceo@example.co.jp,R,\n");
    for d in 1..=3 {
        let dept_name = match d {
            1 => "営業本部".to_owned(),
            2 => "<script>alert(1)</script>開発本部".to_owned(),
            _ => "管理本部".to_owned(),
        };
        orgs.push_str(&format!("D{d},\"{dept_name}\",R\n"));
        emps.push_str(&format!("H{d},本部長 {d},h{d}@example.co.jp,D{d},CEO\n"));
        let teams = if d == 3 { 4 } else { 3 };
        for t in 1..=teams {
            // Team names repeat across departments, as in real directories.
            orgs.push_str(&format!("T{d}{t},{}チーム,D{d}\n", ["A", "B", "C", "D"][t - 1]));
            emps.push_str(&format!("L{d}{t},リーダー {d}{t},l{d}{t}@example.co.jp,T{d}{t},H{d}\n"));
            let members = if d == 3 && t == 4 { 2 } else { 6 };
            for m in 1..=members {
                // E116 never meets, so this name is in the not-yet list and its CSV.
                let name = if d == 1 && t == 1 && m == 6 {
                    "\"=HYPERLINK(\"\"http://x\"\")\"".to_owned()
                } else {
                    format!("メンバー {d}{t}{m}")
                };
                emps.push_str(&format!("E{d}{t}{m},{name},e{d}{t}{m}@example.co.jp,T{d}{t},L{d}{t}\n"));
            }
        }
    }
    (orgs, emps)
}

/// Pushes the month's records: in team T{d}{t}, the first `met(d, t)` members met (one 30-minute
/// 1on1 each). Every lead except L23 is enrolled; the department heads and the CEO too.
fn push_history(server: &Server) -> BTreeMap<String, String> {
    let mut tokens = BTreeMap::new();
    for who in [
        "CEO", "H1", "H2", "H3", "L11", "L12", "L13", "L21", "L22", "L31", "L32", "L33", "L34",
    ] {
        tokens.insert(who.to_owned(), server.enrol(who));
    }
    let met = |d: u32, t: u32| -> u32 { (d + t) % 4 + 2 };
    let mut revision = 1;
    for back in [2, 1, 0] {
        let month = months_ago(back);
        for d in 1..=3u32 {
            let teams = if d == 3 { 4 } else { 3 };
            for t in 1..=teams {
                let lead = format!("L{d}{t}");
                let Some(token) = tokens.get(&lead) else { continue };
                let members = if d == 3 && t == 4 { 2 } else { 6 };
                // E{d}{t}6 never meets: three months in a row by now.
                let records: Vec<Value> = (1..=members.min(met(d, t)).min(5))
                    .map(|m| {
                        revision += 1;
                        record(&format!("E{d}{t}{m}"), &month, 1, 30, revision)
                    })
                    .collect();
                let reply = server.push(token, json!(records));
                assert_eq!(reply.status, 200, "{}", reply.body);
            }
            // Each head met their first lead.
            revision += 1;
            let reply = server.push(
                &tokens[&format!("H{d}")],
                json!([record(&format!("L{d}1"), &month, 1, 45, revision)]),
            );
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
    }
    // One cross-organisation 1on1 this month: L11 mentors E211 of another department.
    revision += 1;
    let mut cross = record("E211", &this_month(), 1, 40, revision);
    cross["relationship"] = json!("cross");
    assert_eq!(server.push(&tokens["L11"], json!([cross])).status, 200);
    tokens
}

fn start(backend: Backend) -> Server {
    let (orgs, emps) = company();
    let server = Server::start_with(backend, &orgs, &emps, "");
    push_history(&server);
    server
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// "12.3%" as the pages write a rate.
fn pct(met: u64, pairs: u64) -> String {
    format!("{:.1}%", met as f64 * 100.0 / pairs as f64)
}

fn sign_in_dashboard_drill_down_not_yet_report_and_csv(backend: Backend) {
    let server = start(backend);
    let month = this_month();
    let api = server.admin(&format!("/api/v1/admin/completion?month={month}")).json();
    // With pair-level detail off (the default), both pool the small groups the same way.
    let api_rows: BTreeMap<String, Option<(u64, u64)>> = api["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["org_unit_id"].as_str().unwrap().to_owned(),
                r["met"].as_u64().zip(r["pairs"].as_u64()),
            )
        })
        .collect();
    let (total_met, total_pairs) = (
        api["totals"]["met"].as_u64().unwrap(),
        api["totals"]["pairs"].as_u64().unwrap(),
    );
    assert_eq!(total_pairs, 3 + 9 * 7 + 3, "the company's pairs by hand");

    block_on(async {
        let b = Browser::start(&server.base, "en").await;
        // Unauthenticated pages lead to the sign-in form.
        b.goto("/hr/").await;
        assert!(b.path().await.starts_with("/hr/login"), "{}", b.path().await);
        b.screenshot("hr-login").await;

        // A wrong password: a clear message, still on the form, nothing said about the email.
        b.login(common::ADMIN, "not the password").await;
        assert!(b.text(".problem").await.contains("email or the password is not right"));
        b.login("nobody@example.co.jp", "not the password").await;
        assert!(b.text(".problem").await.contains("email or the password is not right"));

        b.login(common::ADMIN, PASSWORD).await;
        assert_eq!(b.path().await, "/hr/");
        // The headline equals the admin API's totals.
        let headline = b.find(".headline .figure").await;
        assert_eq!(headline.text().await.unwrap(), pct(total_met, total_pairs));
        assert_eq!(
            headline.attr("data-pairs").await.unwrap().unwrap(),
            total_pairs.to_string()
        );
        // Every unit's row equals the API's row, withheld where the API withholds it.
        let units = b.attr_all("tr[data-met]", "data-unit").await;
        let pairs = b.attr_all("tr[data-met]", "data-pairs").await;
        let mets = b.attr_all("tr[data-met]", "data-met").await;
        assert!(units.len() >= 4, "{units:?}");
        for ((u, p), m) in units.iter().zip(&pairs).zip(&mets) {
            assert_eq!(api_rows[u], Some((m.parse().unwrap(), p.parse().unwrap())), "unit {u}");
        }
        for u in b.attr_all("tr[data-withheld]", "data-unit").await {
            assert_eq!(api_rows[&u], None, "unit {u}");
        }
        // One cross-organisation record is fewer than k: withheld while pair-level detail is off.
        assert!(
            b.text(".headline .facts")
                .await
                .contains("Cross-organisation fewer than 5 records"),
            "{}",
            b.text(".headline .facts").await
        );
        // A name from the directory is shown as text, not run.
        let body = b.body().await;
        assert!(
            body.contains("<script>alert(1)</script>開発本部"),
            "the name shows as text"
        );
        assert!(b.client.get_alert_text().await.is_err(), "no script ran");
        b.screenshot("hr-dashboard").await;

        // Drill down to a department: its teams, with their paths.
        b.click("tr[data-unit='D1'] th a").await;
        assert!(b.path().await.contains("unit=D1"));
        assert_eq!(b.text("h1").await, "本社 › 営業本部");
        let teams = b.attr_all("tr[data-unit]", "data-unit").await;
        assert_eq!(teams, ["D1", "T11", "T12", "T13"]);
        assert!(b.text("tr[data-unit='T11'] .path").await.contains("営業本部 › Aチーム"));
        // The managers of the unit: not while pair-level detail is off, even for hr_admin.
        assert!(!b.body().await.contains("リーダー 11"), "no figures by manager");
        assert!(
            b.text(".by-manager-off")
                .await
                .contains("pair-level detail is turned off")
        );
        b.screenshot("hr-dashboard-unit").await;

        // Not yet: off until pair detail is turned on.
        b.goto("/hr/not-yet?unit=D1").await;
        assert!(b.body().await.contains("Pair-level detail is turned off"));
        server.cli(&["settings", "set", "pair_detail", "on"], &[]).assert_ok();
        // With it on, the managers of the unit (audited: the audit page below lists the view).
        b.goto("/hr/?unit=D1").await;
        assert!(b.text("table.managers").await.contains("リーダー 11"));
        // And every figure as it is: cross-organisation 1on1s are counted apart, by the member's
        // unit, never in the rate.
        b.goto("/hr/").await;
        assert!(
            b.text(".headline .facts")
                .await
                .contains("Cross-organisation 1 · 40 min"),
            "{}",
            b.text(".headline .facts").await
        );
        assert!(b.text("tr[data-unit='D2']").await.contains("1 · 40 min"));
        b.goto("/hr/not-yet?unit=D1").await;
        let rows = b.texts("table tbody tr").await;
        // In D1: T11 met 4 of 7 (3 + lead L11 met by H1… the lead's pair is met), so count by hand:
        // team t met min(6, (1+t)%4+2, 5) members; the lead of team 1 met; others not.
        let expected: usize = (1..=3u32)
            .map(|t| 6 - ((1 + t) % 4 + 2).min(5) as usize + usize::from(t != 1))
            .sum::<usize>()
            + 1; // the head's own pair with the CEO, who sent nothing
        assert_eq!(rows.len(), expected, "{rows:#?}");
        let streak = b
            .find("tr[data-member='E116']")
            .await
            .attr("data-months")
            .await
            .unwrap();
        assert_eq!(
            streak.as_deref(),
            Some("3"),
            "E116 has gone three months in a row without a 1on1"
        );
        let streak = b.find("tr[data-member='H1']").await.attr("data-months").await.unwrap();
        assert_eq!(streak.as_deref(), Some("3"));
        b.screenshot("hr-not-yet").await;
        let (status, csv) = b.fetch("/hr/not-yet.csv?unit=D1").await;
        assert_eq!(status, 200);
        assert!(csv.starts_with('\u{feff}'), "a BOM for Excel");
        assert!(csv.lines().count() == expected + 1, "{csv}");
        // The formula-like name is shown as text on the page and defused in the CSV.
        assert!(
            b.text("tr[data-member='E116']")
                .await
                .contains("=HYPERLINK(\"http://x\")")
        );
        let (_, team_csv) = b.fetch(&format!("/hr/not-yet.csv?unit=T11&month={month}")).await;
        let row = team_csv.lines().find(|l| l.contains("E116")).expect("E116 in the CSV");
        assert!(row.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","), "{row}");

        // The executive report, printed to PDF: the headline figure is on the page.
        b.goto(&format!("/hr/report?from={}&to={month}", months_ago(1))).await;
        let figure = b.text(".report .headline .figure").await;
        let all: Vec<(u64, u64)> = [months_ago(1), month.clone()]
            .iter()
            .map(|m| {
                let t = server.admin(&format!("/api/v1/admin/completion?month={m}")).json();
                (
                    t["totals"]["met"].as_u64().unwrap(),
                    t["totals"]["pairs"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            figure,
            pct(all[0].0 + all[1].0, all[0].1 + all[1].1),
            "met pair-months over pair-months"
        );
        assert_eq!(b.texts("ul.sentences li").await.len(), 3, "a sentence per department");
        b.screenshot("hr-report").await;
        let text = pdf_text(&b.print_pdf().await);
        assert!(
            text.contains(&figure),
            "the printed report has the headline figure: {text}"
        );
        assert!(!text.contains("Sign out"), "the print view has no navigation");
        let (status, report_csv) = b
            .fetch(&format!("/hr/report.csv?from={}&to={month}", months_ago(1)))
            .await;
        assert_eq!(status, 200);
        assert!(report_csv.lines().nth(1).unwrap().contains(&format!(
            "{:.4}",
            (all[0].0 + all[1].0) as f64 / (all[0].1 + all[1].1) as f64
        )));
        assert!(
            report_csv.contains("<script>alert(1)</script>開発本部"),
            "names stay text in CSV"
        );

        // The audit log lists the views of named pairs and managers.
        b.goto("/hr/audit").await;
        let audit = b.body().await;
        assert!(
            audit.contains("Viewed pairs not met yet") && audit.contains("unit: 本社 › 営業本部"),
            "{audit}"
        );
        assert!(audit.contains("Viewed a unit's managers"));
        b.screenshot("hr-audit").await;

        // The other pages render for hr_admin.
        for (path, name) in [
            ("/hr/settings", "hr-settings"),
            ("/hr/rollout", "hr-rollout"),
            ("/hr/career-paths", "hr-career-paths"),
        ] {
            b.goto(path).await;
            assert!(b.exists("main h1").await, "{path}");
            b.screenshot(name).await;
        }
        // Japanese: switch and it is remembered.
        b.goto("/hr/").await;
        b.click("form[action='/hr/lang'] button[value=ja]").await;
        assert_eq!(b.text("header nav a[aria-current=page]").await, "実施状況");
        b.goto("/hr/report").await;
        assert!(b.text("h1").await.contains("実施状況報告"));
        b.screenshot("hr-report-ja").await;
        b.goto("/hr/").await;
        b.screenshot("hr-dashboard-ja").await;
        b.stop().await;
    });
}

fn an_org_viewer_sees_only_their_part_and_no_small_group(backend: Backend) {
    let server = start(backend);
    server
        .cli(
            &[
                "admin",
                "create",
                "--email",
                "head3@example.co.jp",
                "--role",
                "org_viewer",
                "--org",
                "D3",
            ],
            &[("TAIWA_ADMIN_PASSWORD", PASSWORD)],
        )
        .assert_ok();
    // A month long closed, whatever day the test runs: released to org viewers. The devices were
    // enrolled before it (as time would have it), so that every enrolled lead's pairs report.
    let closed = months_ago(2);
    server
        .pool()
        .write(|c| c.execute("UPDATE devices SET created_at = created_at - 100 * 86400", &[]))
        .unwrap();
    block_on(async {
        let b = Browser::start(&server.base, "en").await;
        b.login("head3@example.co.jp", PASSWORD).await;
        assert_eq!(b.path().await, "/hr/");
        assert_eq!(b.text("h1").await, "本社 › 管理本部");
        // The header names the viewer's unit, never its id.
        assert_eq!(
            b.attr_all("header.top a[href='/hr/account']", "title").await,
            ["Org viewer (管理本部)"]
        );
        // The month in progress is not shown to an org viewer: the page says from when it will be.
        b.goto(&format!("/hr/?month={}", this_month())).await;
        assert!(
            b.text(".release").await.contains("10 days after the month closes"),
            "{}",
            b.text(".release").await
        );

        b.goto(&format!("/hr/?month={closed}")).await;
        let units = b.attr_all("tr[data-unit]", "data-unit").await;
        assert_eq!(units, ["D3", "T31", "T32", "T33", "T34"], "every unit has its line");
        // T34 (3 pairs) is withheld, and says why; no sibling is hidden for it.
        assert_eq!(b.attr_all("tr[data-withheld]", "data-unit").await, ["T34"]);
        assert!(
            b.text("tr[data-unit='T34']")
                .await
                .contains("fewer than 5 pairs reporting")
        );
        // D3 shows what its shown teams hold: the head's own pair and T34's three pairs (4, fewer
        // than k) are counted above D3, and the row says so.
        let reporting = |unit: &'static str| {
            let b = &b;
            async move {
                let v = b
                    .find(&format!("tr[data-unit='{unit}']"))
                    .await
                    .attr("data-reporting")
                    .await
                    .unwrap();
                v.unwrap().parse::<u64>().unwrap()
            }
        };
        let teams = reporting("T31").await + reporting("T32").await + reporting("T33").await;
        assert_eq!(teams, 21);
        assert_eq!(reporting("D3").await, teams, "D3 minus its teams tells nothing");
        assert!(
            b.text("tr[data-unit='D3'] .counted-above")
                .await
                .contains("4 pairs counted above")
        );
        let before = b.text("tr[data-unit='T31']").await;
        b.screenshot("hr-org-viewer").await;

        // A late record for the closed month: hr_admin's figure (pair by pair) moves, the org
        // viewer's does not.
        server.count_every_pair();
        let late = server.enrol("L31");
        let reply = server.push(&late, json!([record("E316", &closed, 1, 30, 10_000)]));
        assert_eq!(reply.status, 200, "{}", reply.body);
        let admin = server
            .admin(&format!("/api/v1/admin/completion?month={closed}&org=T31"))
            .json();
        let admin_met = admin["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["org_unit_id"] == "T31")
            .unwrap()["met"]
            .as_u64()
            .unwrap();
        b.goto(&format!("/hr/?month={closed}")).await;
        let met: u64 = b
            .find("tr[data-unit='T31']")
            .await
            .attr("data-met")
            .await
            .unwrap()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(met + 1, admin_met, "the org viewer reads the month as it was released");
        assert_eq!(b.text("tr[data-unit='T31']").await, before);
        // In Japanese, as a 本部長 reads it: the withheld line and the note say why.
        b.click("form[action='/hr/lang'] button[value=ja]").await;
        b.goto(&format!("/hr/?month={closed}")).await;
        assert!(
            b.text("tr[data-unit='T34']")
                .await
                .contains("報告中のペアが5組未満のため表示しません")
        );
        assert!(
            b.text("tr[data-unit='D3'] .counted-above")
                .await
                .contains("4ペアは上位で集計")
        );
        b.screenshot("hr-org-viewer-ja").await;
        b.click("form[action='/hr/lang'] button[value=en]").await;
        // No names, and nothing outside D3, by link or by URL.
        assert!(!b.body().await.contains("リーダー"), "no names for an org viewer");
        assert!(!b.exists("header nav a[href='/hr/not-yet']").await);
        b.screenshot("hr-org-viewer").await;
        for path in [
            "/hr/?unit=D1",
            "/hr/?unit=R",
            "/hr/not-yet?unit=D3",
            "/hr/report",
            "/hr/settings",
            "/hr/audit",
            "/hr/engagement",
            "/hr/rollout",
        ] {
            let (status, body) = b.fetch(path).await;
            assert_eq!(status, 403, "{path}: {body}");
        }
        let (status, _) = b.fetch("/hr/?unit=T31").await;
        assert_eq!(status, 200, "a unit inside their subtree");
        let (_, body) = b.fetch(&format!("/hr/?unit=T34&month={closed}")).await;
        assert!(
            body.contains("Withheld: fewer than 5 pairs reporting") && !body.contains("data-met"),
            "a small unit stays withheld when asked for directly"
        );
        b.stop().await;
    });
}

fn engagement_import_and_the_correlation(backend: Backend) {
    let server = start(backend);
    server.cli(&["settings", "set", "survey_window", "2"], &[]).assert_ok();
    let survey_month = this_month();
    // Scores for every team, rising with the team's number, and one for a unit that does not exist.
    let teams: Vec<(String, f64)> = (1..=3u32)
        .flat_map(|d| {
            (1..=if d == 3 { 4 } else { 3 }).map(move |t| (format!("T{d}{t}"), 40.0 + f64::from(d * 3 + t) * 1.7))
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, format!("org_unit_id,survey_month,item,score\nT11,{survey_month},上司との対話,abc\nNOPE,{survey_month},上司との対話,50\n")).unwrap();
    let good = dir.path().join("survey.csv");
    let mut csv = String::from("org_unit_id,survey_month,item,score\n");
    for (t, s) in &teams {
        csv.push_str(&format!("{t},{survey_month},上司との対話,{s}\n"));
    }
    std::fs::write(&good, csv).unwrap();

    // The expected points, computed here from the records as pushed: team t of department d met
    // min((d+t)%4+2, 5, members) members in each of the two months before the survey, the first
    // team's lead too (one pair of the team) — and T34 has 3 pairs, fewer than k = 5. The leads
    // enrolled this month, so in the window a pair reports only through its records: a team with
    // fewer than k pairs that sent one is left out too (its rate would be those few pairs').
    let mut points = Vec::new();
    let mut small = 0;
    for (t, score) in &teams {
        let d: u32 = t[1..2].parse().unwrap();
        let n: u32 = t[2..3].parse().unwrap();
        let members = if d == 3 && n == 4 { 2 } else { 6 };
        let pairs = members + 1;
        if pairs < 5 {
            small += 1;
            continue;
        }
        // L23 is not enrolled and H2 enrolled only this month: T23 has no data in the window.
        if t == "T23" {
            continue;
        }
        let met = ((d + n) % 4 + 2).min(5).min(members) + u32::from(n == 1);
        // Every pair that met sent a record; no other did.
        if met < 5 {
            small += 1;
            continue;
        }
        points.push((f64::from(met) / f64::from(pairs), *score));
    }
    let r = pearson(&points);

    block_on(async {
        let b = Browser::start(&server.base, "en").await;
        b.login(common::ADMIN, PASSWORD).await;
        b.goto("/hr/engagement").await;
        assert!(b.body().await.contains("No survey has been imported yet"));
        // A bad file: every problem named with its line; nothing stored.
        b.find("input[type=file]")
            .await
            .send_keys(bad.to_str().unwrap())
            .await
            .unwrap();
        b.click("section.import button.primary").await;
        let problem = b.text(".problem").await;
        assert!(problem.contains("line 2") && problem.contains("abc"), "{problem}");
        assert!(problem.contains("line 3") && problem.contains("NOPE"), "{problem}");
        assert!(b.body().await.contains("No survey has been imported yet"));
        // The good file.
        b.find("input[type=file]")
            .await
            .send_keys(good.to_str().unwrap())
            .await
            .unwrap();
        b.click("section.import button.primary").await;
        assert!(
            b.text(".notice")
                .await
                .contains(&format!("Imported {} scores", teams.len()))
        );
        let facts = b.text(".item-detail dl.facts").await;
        assert!(facts.contains(&format!("{:.3}", r)), "r = {r:.3} expected in {facts}");
        assert!(facts.contains(&points.len().to_string()));
        let body = b.body().await;
        assert!(
            body.contains(&format!(
                "{small} units left out: fewer than 5 pairs, or pairs reporting"
            )),
            "{small} small units expected: {body}"
        );
        assert!(body.contains("1 unit left out: no data"), "{body}");
        assert!(body.contains("not proof"), "the caveat is said");
        assert_eq!(b.texts(".item-detail tbody tr").await.len(), points.len());
        assert_eq!(b.texts("svg.scatter circle.point").await.len(), points.len());
        b.screenshot("hr-engagement").await;
        b.stop().await;
    });
}

/// Pearson's r by its textbook formula, independent of the server's statistics crate.
fn pearson(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

/// The example company (seven top-level units, long Japanese names) with a year of history, read
/// by a director in Japanese: the report's chart names every unit, lowest included, and the
/// report prints on one A4 page; the month in progress is said to be so, on the report and the
/// dashboard, and never judged against the target.
fn the_report_names_every_unit_on_one_a4_page_and_the_open_month_is_said(backend: Backend) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/acme-5000");
    let orgs = std::fs::read_to_string(dir.join("org_units.csv")).unwrap();
    let emps = std::fs::read_to_string(dir.join("employees.csv")).unwrap();
    let server = Server::start_with(backend, &orgs, &emps, "");
    server.cli(&["demo", "--months", "13"], &[]).assert_ok();
    // The top-level units, read from the file itself: the children of the unit with no parent.
    let rows: Vec<Vec<&str>> = orgs
        .lines()
        .skip(1)
        .map(|l| l.trim_end().split(',').collect())
        .collect();
    let root = rows.iter().find(|r| r[2].is_empty()).unwrap()[0];
    let top: Vec<&str> = rows.iter().filter(|r| r[2] == root).map(|r| r[1]).collect();
    assert!(top.len() >= 7, "{top:?}");
    block_on(async {
        let b = Browser::start(&server.base, "ja").await;
        b.login(common::ADMIN, PASSWORD).await;
        b.goto("/hr/report").await;
        let charted = b.attr_all("svg.bars g.bar-row", "data-unit").await;
        assert_eq!(charted.len(), top.len(), "every unit is in the chart: {charted:?}");
        for name in &top {
            assert!(charted.iter().any(|c| c == name), "{name} is in the chart");
        }
        // The chart's last bar is the ranking's last row: the lowest is drawn, not left out.
        let ranked = b.texts("table.ranked tbody tr td:nth-child(2)").await;
        assert!(
            ranked.last().unwrap().starts_with(charted.last().unwrap().as_str()),
            "{ranked:?}"
        );
        b.screenshot("hr-report-ja-every-unit").await;
        let text = pdf_text(&b.print_pdf().await);
        let pages = text.matches('\u{c}').count().max(1);
        assert_eq!(pages, 1, "one A4 page:\n{text}");
        for name in &top {
            assert!(text.contains(name), "{name} is on the printed page");
        }
        assert!(!text.contains("集計中"), "the default period is closed months");

        // A period ending in the month in progress says so and judges nothing.
        let month = this_month();
        b.goto(&format!("/hr/report?from={month}&to={month}")).await;
        assert!(b.text("#report-in-progress").await.contains("集計中"));
        let sentences = b.texts("ul.sentences li").await;
        assert!(
            sentences
                .iter()
                .all(|s| s.contains("集計中") && !s.contains("下回って") && !s.contains("達成して")),
            "{sentences:?}"
        );
        let changes = b.texts("table.ranked tbody tr td:nth-child(4)").await;
        assert!(
            changes.iter().all(|c| c == "—"),
            "not compared with a whole month: {changes:?}"
        );
        // The dashboard's month in progress: labelled, no unit flagged below target, its
        // sparkline point hollow.
        b.goto("/hr/").await;
        assert!(b.text("#dashboard-in-progress").await.contains("集計中"));
        assert!(
            !b.exists("span.flag").await,
            "nobody is told their month is bad before it ends"
        );
        assert!(b.exists("svg.spark circle.open").await);
        b.screenshot("hr-dashboard-ja-in-progress").await;

        // On a phone: the units are a list a person can read, the full table one tap away, and
        // nothing scrolls sideways.
        b.client.set_window_size(390, 844).await.unwrap();
        b.goto("/hr/").await;
        let width = b
            .client
            .execute("return document.documentElement.scrollWidth;", vec![])
            .await
            .unwrap();
        assert!(
            width.as_f64().unwrap() <= 390.0,
            "no sideways scrolling on a phone: {width}"
        );
        let listed = b.attr_all("ul.unit-cards li", "data-unit").await;
        let rows = b.attr_all("table.units tbody tr", "data-unit").await;
        assert_eq!(listed, rows, "every unit of the table is in the list");
        for name in &top {
            assert!(
                b.text("ul.unit-cards").await.contains(name),
                "{name} on the phone's list"
            );
        }
        let shown = |b: &Browser| {
            let client = b.client.clone();
            async move {
                client
                    .execute(
                        "return document.querySelector('table.units').offsetParent !== null;",
                        vec![],
                    )
                    .await
                    .unwrap()
            }
        };
        assert_eq!(shown(&b).await, false, "the table waits behind a tap");
        // Names read whole: no unit name broken one character a line.
        let tallest = b
            .client
            .execute(
                "return Math.max(...[...document.querySelectorAll('ul.unit-cards .name a')].map((a) => a.getClientRects().length));",
                vec![],
            )
            .await
            .unwrap();
        assert!(tallest.as_f64().unwrap() <= 2.0, "{tallest}");
        b.screenshot("hr-dashboard-ja-390").await;
        b.find("label.table-toggle").await.click().await.unwrap();
        assert_eq!(shown(&b).await, true, "one tap shows the full table");
        b.client.set_window_size(1280, 800).await.unwrap();
        b.goto("/hr/").await;
        assert_eq!(shown(&b).await, true, "on a wide screen, the table");
        let list = b
            .client
            .execute(
                "return getComputedStyle(document.querySelector('ul.unit-cards')).display;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(list, "none", "the list is for phones");

        // Every page at 1280 and on a phone, in both languages: screenshots to look at, and
        // nothing scrolls sideways on the phone (a wide table scrolls in its own box).
        let pages = [
            ("/hr/", "dashboard"),
            ("/hr/not-yet", "not-yet"),
            ("/hr/report", "report"),
            ("/hr/engagement", "engagement"),
            ("/hr/career-paths", "career-paths"),
            ("/hr/rollout", "rollout"),
            ("/hr/settings", "settings"),
            ("/hr/audit", "audit"),
        ];
        let mut wide = Vec::new();
        for lang in ["ja", "en"] {
            // The browser asks for Japanese; English is chosen on the page.
            if lang == "en" {
                b.goto("/hr/").await;
                b.click("form[action='/hr/lang'] button[value=en]").await;
            }
            for (path, name) in pages {
                for (w, h) in [(1280, 800), (390, 844)] {
                    b.client.set_window_size(w, h).await.unwrap();
                    b.goto(path).await;
                    b.screenshot(&format!("hr-{name}-{lang}-{w}")).await;
                    let width = b
                        .client
                        .execute("return document.documentElement.scrollWidth;", vec![])
                        .await
                        .unwrap()
                        .as_f64()
                        .unwrap();
                    if w == 390 && width > 390.0 {
                        wide.push(format!("{path} ({lang}): {width}px"));
                    }
                }
            }
        }
        assert!(wide.is_empty(), "pages that scroll sideways on a phone: {wide:?}");
        b.stop().await;
    });
}

/// Ratings of a month whose quality is final (three months back), written as the member page
/// writes them: a score under its unit and month, a mark of the pair apart. T11: six ratings
/// (すっきり度 5, 4, 4, 3, 2 and one without; talked yes ×4, no, partly), marks from four of its
/// five met pairs and from E116, who did not meet; T12: two ratings, under k = 5.
fn seed_ratings(server: &Server, month: &str) {
    use taiwa_server::db::V;
    let m = i64::from(month.parse::<taiwa_protocol::Month>().unwrap().index());
    let pool = server.pool();
    let ratings: [(&str, Option<i64>, &str); 8] = [
        ("T11", Some(5), "yes"),
        ("T11", Some(4), "yes"),
        ("T11", Some(4), "yes"),
        ("T11", Some(3), "yes"),
        ("T11", Some(2), "no"),
        ("T11", None, "partly"),
        ("T12", Some(3), "yes"),
        ("T12", Some(1), "no"),
    ];
    let marks = [
        ("L11", "E111"),
        ("L11", "E112"),
        ("L11", "E113"),
        ("L11", "E114"),
        ("L11", "E116"),
        ("L12", "E121"),
        ("L12", "E122"),
    ];
    pool.write(|c| {
        for (i, (unit, clarity, talked)) in ratings.iter().enumerate() {
            c.execute(
                "INSERT INTO ratings (token_hash, org_unit_id, month, clarity, talked, given_day) VALUES ($1, $2, $3, $4, $5, 0)",
                &[V::from(format!("hash{i}").as_str()), V::from(*unit), V::Int(m), V::from(*clarity), V::from(*talked)],
            )?;
        }
        for (manager, member) in marks {
            c.execute(
                "INSERT INTO rating_marks (manager_id, member_id, month) VALUES ($1, $2, $3)",
                &[V::from(manager), V::from(member), V::Int(m)],
            )?;
        }
        // Pairings: T11's six members and two of T12's.
        for (i, (manager, member)) in [
            ("L11", "E111"), ("L11", "E112"), ("L11", "E113"), ("L11", "E114"), ("L11", "E115"), ("L11", "E116"),
            ("L12", "E121"), ("L12", "E122"),
        ]
        .into_iter()
        .enumerate()
        {
            c.execute(
                "INSERT INTO pairings (manager_id, member_id, manager_key, member_key, token_hash, since_day) VALUES ($1, $2, 'k', 'k', $3, 0)",
                &[V::from(manager), V::from(member), V::from(format!("pairing{i}").as_str())],
            )?;
        }
        Ok(())
    })
    .unwrap();
}

/// Scrolls an element to the top of the window, for a screenshot of it.
async fn scroll_to(b: &Browser, css: &str) {
    b.client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView(); return true;",
            vec![json!(css)],
        )
        .await
        .unwrap();
}

/// At a desk's width a table fits its box (it does not scroll sideways inside it) and nothing on
/// the page reaches past the viewport, so no column is cut off and the page never scrolls sideways.
async fn fits_without_scrolling(b: &Browser, table: &str, what: &str) {
    let facts = b
        .client
        .execute(
            "const t = document.querySelector(arguments[0]);
             if (!t) return null;
             const page = document.documentElement;
             const past = [...document.body.querySelectorAll('*')]
               .filter(e => e.getBoundingClientRect().right > page.clientWidth + 0.5)
               .map(e => e.outerHTML.slice(0, 100));
             return { table: t.scrollWidth, box: t.parentElement.clientWidth,
                      page: page.scrollWidth, viewport: page.clientWidth, past };",
            vec![json!(table)],
        )
        .await
        .unwrap();
    assert!(!facts.is_null(), "{what}: no {table}");
    let n = |k: &str| facts[k].as_f64().unwrap();
    assert!(
        n("table") <= n("box"),
        "{what}: {table} is {} px wide in a box of {} px",
        n("table"),
        n("box")
    );
    assert!(
        n("page") <= n("viewport"),
        "{what}: the page is {} px wide in a viewport of {} px",
        n("page"),
        n("viewport")
    );
    assert_eq!(facts["past"], json!([]), "{what}: past the viewport's right edge");
}

fn quality_beside_completion_with_small_groups_withheld(backend: Backend) {
    let (orgs, emps) = company();
    let server = Server::start_with(backend, &orgs, &emps, "");
    let tokens = push_history(&server);
    let month = months_ago(3);
    // Three months back, T11's first five members met; T12's first five too.
    for (lead, team) in [("L11", "E11"), ("L12", "E12")] {
        let records: Vec<Value> = (1..=5)
            .map(|m| record(&format!("{team}{m}"), &month, 1, 30, 500 + m))
            .collect();
        assert_eq!(server.push(&tokens[lead], json!(records)).status, 200);
    }
    seed_ratings(&server, &month);
    block_on(async {
        let b = Browser::start(&server.base, "en").await;
        b.login(common::ADMIN, PASSWORD).await;
        b.client.set_window_size(1280, 900).await.unwrap();
        b.goto(&format!("/hr/?month={month}&unit=D1")).await;
        // By hand: T11 clarity (5+4+4+3+2)/5 = 3.6; talked 4 of 6 = 66.7%; of its 5 met pairs,
        // 4 rated (E116's mark is not a met pair's) = 80.0%.
        let cell = |unit: &str, attr: &str| format!("tr[data-unit='{unit}'] td[data-{attr}]");
        assert_eq!(b.attr_all(&cell("T11", "clarity"), "data-clarity").await, ["3.6"]);
        assert_eq!(b.attr_all(&cell("T11", "talked"), "data-talked").await, ["66.7%"]);
        assert_eq!(b.attr_all(&cell("T11", "response"), "data-response").await, ["80.0%"]);
        assert!(b.text(&cell("T11", "response")).await.contains("4 of 5"));
        // T12's two ratings are withheld, and nowhere to be subtracted: D1 shows T11's alone.
        assert!(b.text(&cell("T12", "withheld")).await.contains("fewer than 5 ratings"));
        assert_eq!(b.attr_all(&cell("D1", "clarity"), "data-clarity").await, ["3.6"]);
        assert_eq!(b.attr_all(&cell("D1", "ratings"), "data-ratings").await, ["6"]);
        assert_eq!(b.text("#quality-clarity").await, "3.6");
        assert!(
            b.text("section.quality")
                .await
                .contains("from the members who chose to rate")
        );
        assert!(
            b.text("section.quality")
                .await
                .contains("2 ratings of small groups are counted in the unit above")
        );
        // Nothing by manager or by pair.
        assert!(!b.exists("table.managers th.quality").await);
        // Completion, the managers' column and quality side by side fit at 1280 px.
        fits_without_scrolling(&b, "table.units", "the dashboard at 1280 (en)").await;
        b.screenshot("hr-dashboard-quality").await;
        b.client.set_window_size(360, 800).await.unwrap();
        b.goto(&format!("/hr/?month={month}&unit=D1")).await;
        let width = b
            .client
            .execute("return document.documentElement.scrollWidth;", vec![])
            .await
            .unwrap();
        assert!(width.as_f64().unwrap() <= 360.0, "no sideways scrolling: {width}");
        assert!(
            b.text("li[data-unit='T11'] .quality-line")
                .await
                .contains("Clarity 3.6")
        );
        // The full table, one tap away, scrolls in its own box; the page does not.
        b.find("label.table-toggle").await.click().await.unwrap();
        assert!(b.fits_width().await, "the open table scrolls the page at 360");
        scroll_to(&b, "table.units").await;
        b.screenshot("hr-dashboard-quality-360-table").await;
        b.find("label.table-toggle").await.click().await.unwrap();
        b.screenshot("hr-dashboard-quality-360").await;
        // This month's quality is not final: said, and no figure.
        b.client.set_window_size(1280, 900).await.unwrap();
        b.goto("/hr/").await;
        assert!(b.exists(".quality-not-final").await);
        assert!(!b.exists("td[data-clarity]").await);

        // The report over that month: the same figures, T12 withheld; its CSV by unit only.
        let report = format!("/hr/report?from={month}&to={month}&units=T11&units=T12");
        b.goto(&report).await;
        assert_eq!(
            b.attr_all("table.ranked td[data-clarity]", "data-clarity").await,
            ["3.6"]
        );
        assert!(b.text("table.ranked").await.contains("fewer than 5 ratings"));
        assert_eq!(b.text("#quality-clarity").await, "3.6");
        fits_without_scrolling(&b, "table.ranked", "the report at 1280 (en)").await;
        b.screenshot("hr-report-quality").await;
        scroll_to(&b, "table.ranked").await;
        b.screenshot("hr-report-quality-table").await;
        b.client.set_window_size(360, 800).await.unwrap();
        b.goto(&report).await;
        let width = b
            .client
            .execute("return document.documentElement.scrollWidth;", vec![])
            .await
            .unwrap();
        assert!(width.as_f64().unwrap() <= 360.0, "no sideways scrolling: {width}");
        b.screenshot("hr-report-quality-360").await;
        scroll_to(&b, "table.ranked").await;
        b.screenshot("hr-report-quality-360-table").await;
        b.client.set_window_size(1280, 900).await.unwrap();
        let (status, csv) = b
            .fetch(&format!("/hr/report.csv?from={month}&to={month}&units=T11&units=T12"))
            .await;
        assert_eq!(status, 200);
        let header = csv.lines().next().unwrap();
        assert!(
            header.contains("clarity_average") && !header.contains("manager_id"),
            "{header}"
        );
        let t11 = csv.lines().find(|l| l.contains(",T11,")).unwrap();
        assert!(t11.contains(",6,3.6000,0.6667,0.8000,"), "{t11}");
        let t12 = csv.lines().find(|l| l.contains(",T12,")).unwrap();
        // Ratings, clarity, talked and response all empty: nothing of the two ratings.
        assert!(t12.contains(",,,,fewer_than_5_ratings,"), "{t12}");
        // The pairs' list (not yet) shows no quality.
        b.goto("/hr/not-yet").await;
        assert!(!b.body().await.contains("Clarity"));

        // Roll-out: pairs paired per unit, under k withheld.
        b.goto("/hr/rollout?unit=D1").await;
        assert!(b.text("tr[data-unit='T11']").await.contains("6 pairs"));
        assert!(b.text("tr[data-unit='T12']").await.contains("fewer than 5"));
        assert!(b.text("#paired").await.contains("6 pairs"));
        b.screenshot("hr-rollout-paired").await;
        b.stop().await;
    });
    // Japanese, for the screenshots.
    block_on(async {
        let b = Browser::start(&server.base, "ja").await;
        b.login(common::ADMIN, PASSWORD).await;
        for (w, h) in [(1280, 900), (360, 800)] {
            b.client.set_window_size(w, h).await.unwrap();
            b.goto(&format!("/hr/?month={month}&unit=D1")).await;
            assert!(b.text("section.quality").await.contains("すっきり度"));
            if w == 1280 {
                fits_without_scrolling(&b, "table.units", "the dashboard at 1280 (ja)").await;
            } else {
                assert!(b.fits_width().await, "the dashboard scrolls sideways at 360 (ja)");
                b.find("label.table-toggle").await.click().await.unwrap();
                assert!(b.fits_width().await, "the open table scrolls the page at 360 (ja)");
                scroll_to(&b, "table.units").await;
                b.screenshot("hr-dashboard-quality-ja-360-table").await;
                b.find("label.table-toggle").await.click().await.unwrap();
            }
            b.screenshot(&format!("hr-dashboard-quality-ja-{w}")).await;
            b.goto(&format!("/hr/report?from={month}&to={month}&units=T11&units=T12"))
                .await;
            if w == 1280 {
                fits_without_scrolling(&b, "table.ranked", "the report at 1280 (ja)").await;
            } else {
                assert!(b.fits_width().await, "the report scrolls sideways at 360 (ja)");
            }
            b.screenshot(&format!("hr-report-quality-ja-{w}")).await;
            scroll_to(&b, "table.ranked").await;
            b.screenshot(&format!("hr-report-quality-ja-{w}-table")).await;
        }
        b.stop().await;
    });
}

/// (unit, すっきり度, talked) of one rating.
type Rating = (&'static str, Option<i64>, Option<&'static str>);

/// One month's ratings and marks, stored as the member page stores them: each score under its
/// unit and month with a token hash of its own, each mark of a pair apart, nothing linking them.
fn store_ratings(server: &Server, month: &str, ratings: &[Rating], marks: &[(&str, &str)]) {
    use taiwa_server::db::V;
    let m = i64::from(month.parse::<taiwa_protocol::Month>().unwrap().index());
    server
        .pool()
        .write(|c| {
            for (i, (unit, clarity, talked)) in ratings.iter().enumerate() {
                c.execute(
                    "INSERT INTO ratings (token_hash, org_unit_id, month, clarity, talked, given_day) VALUES ($1, $2, $3, $4, $5, 0)",
                    &[V::from(format!("{month}-{i}")), V::from(*unit), V::Int(m), V::from(*clarity), V::from(*talked)],
                )?;
            }
            for (manager, member) in marks {
                c.execute(
                    "INSERT INTO rating_marks (manager_id, member_id, month) VALUES ($1, $2, $3)",
                    &[V::from(*manager), V::from(*member), V::Int(m)],
                )?;
            }
            Ok(())
        })
        .unwrap();
}

/// Records that every pair of the teams `T{d}{t}` met in `month`: the lead with each member, the
/// department's head with the lead (devices enrolled as needed, kept in `tokens`).
fn all_met(server: &Server, tokens: &mut BTreeMap<String, String>, month: &str, teams: &[(u32, u32)]) {
    let mut push = |who: &str, members: Vec<String>| {
        let token = tokens
            .entry(who.to_owned())
            .or_insert_with(|| server.enrol(who))
            .clone();
        let records: Vec<Value> = members.iter().map(|m| record(m, month, 1, 30, 1)).collect();
        let reply = server.push(&token, json!(records));
        assert_eq!(reply.status, 200, "{}", reply.body);
    };
    for &(d, t) in teams {
        let members = if d == 3 && t == 4 { 2 } else { 6 };
        push(
            &format!("L{d}{t}"),
            (1..=members).map(|m| format!("E{d}{t}{m}")).collect(),
        );
        push(&format!("H{d}"), vec![format!("L{d}{t}")]);
    }
}

/// The day from which a month's quality is shown, from the rule as documented (docs/SECURITY.md):
/// the 9th of the second month after it, UTC.
fn final_from(month: &str) -> chrono::NaiveDate {
    let m: taiwa_protocol::Month = month.parse().unwrap();
    let after = m.plus(2).unwrap();
    chrono::NaiveDate::from_ymd_opt(i32::from(after.year()), u32::try_from(after.number()).unwrap(), 9).unwrap()
}

/// The day from which org viewers read a month: ten days after it ends, UTC.
fn released_from(month: &str) -> chrono::NaiveDate {
    let next = month.parse::<taiwa_protocol::Month>().unwrap().plus(1).unwrap();
    chrono::NaiveDate::from_ymd_opt(i32::from(next.year()), u32::try_from(next.number()).unwrap(), 11).unwrap()
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// "Oct 2026", as the English pages write a month.
fn month_en(month: &str) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m: taiwa_protocol::Month = month.parse().unwrap();
    format!("{} {}", NAMES[usize::try_from(m.number() - 1).unwrap()], m.year())
}

/// Spearman's ρ by its definition: Pearson's r of the ranks, ties given their average rank.
fn spearman(points: &[(f64, f64)]) -> f64 {
    let ranks = |xs: Vec<f64>| -> Vec<f64> {
        xs.iter()
            .map(|x| {
                let below = xs.iter().filter(|y| *y < x).count() as f64;
                let same = xs.iter().filter(|y| *y == x).count() as f64;
                below + (same + 1.0) / 2.0
            })
            .collect()
    };
    let rx = ranks(points.iter().map(|p| p.0).collect());
    let ry = ranks(points.iter().map(|p| p.1).collect());
    pearson(&rx.into_iter().zip(ry).collect::<Vec<_>>())
}

/// The engagement page's quality beside a survey: the company's records and ratings over the
/// survey's window, the scores imported through the page, and the section's n, r (with its 95%
/// interval by Fisher's z), ρ, the units left out under k and the caveat, each computed here from
/// the ratings stored. Only the window's final months count.
fn quality_beside_the_survey_counts_final_months_and_leaves_out_units_under_k(backend: Backend) {
    let (orgs, emps) = company();
    let server = Server::start_with(backend, &orgs, &emps, "");
    server.cli(&["settings", "set", "survey_window", "3"], &[]).assert_ok();
    let k = 5;
    // The survey is of last month; its window is the three months before: two always final, the
    // third (two months back) final from its second month's 9th.
    let survey_month = months_ago(1);
    let window = [months_ago(4), months_ago(3), months_ago(2)];
    // Every pair met in each month of the window. Each team of seven pairs is then a completion
    // group of its own; T34 (three pairs) and the departments' own pairs (one each) are pooled
    // at 本社, so no rating is ever released at T34 or at a department.
    let teams: Vec<(u32, u32)> = (1..=3)
        .flat_map(|d| (1..=if d == 3 { 4 } else { 3 }).map(move |t| (d, t)))
        .collect();
    let mut tokens = BTreeMap::new();
    for month in &window {
        all_met(&server, &mut tokens, month, &teams);
        let ceo = tokens
            .entry("CEO".to_owned())
            .or_insert_with(|| server.enrol("CEO"))
            .clone();
        let heads: Vec<Value> = (1..=3).map(|d| record(&format!("H{d}"), month, 1, 30, 1)).collect();
        assert_eq!(server.push(&ceo, json!(heads)).status, 200);
    }
    let yes = |unit: &'static str, clarities: &[i64]| -> Vec<Rating> {
        clarities.iter().map(|c| (unit, Some(*c), Some("yes"))).collect()
    };
    // (window month, ratings): T13 gives three a month and T32 two in the first (under k each
    // time); T23 gives five but only three すっきり度 (too few answers to that question); T34's are
    // pooled at 本社; T22 rates only in the third month, which counts once it is final.
    let mut by_month: Vec<(usize, Vec<Rating>)> = vec![
        (
            0,
            [
                yes("T11", &[5, 5, 4, 4, 5]),
                yes("T12", &[3, 3, 4, 2, 3]),
                yes("T13", &[4, 4, 4]),
                yes("T32", &[5, 4]),
                yes("T33", &[3, 4, 3, 4, 3]),
                yes("T34", &[5, 5, 5, 5, 5]),
            ]
            .concat(),
        ),
        (
            1,
            [
                yes("T12", &[4, 3, 3, 3, 4]),
                yes("T13", &[2, 2, 2]),
                yes("T21", &[4, 4, 3, 5, 4, 4]),
                yes("T32", &[4, 4, 5, 4, 4]),
                yes("T33", &[4, 4, 4, 4, 4]),
            ]
            .concat(),
        ),
        (
            2,
            [yes("T22", &[1, 2, 1, 2, 2, 1]), yes("T33", &[5, 5, 5, 5, 5])].concat(),
        ),
    ];
    by_month[0].1.extend([
        ("T23", Some(2), Some("no")),
        ("T23", Some(3), Some("no")),
        ("T23", None, Some("no")),
        ("T23", None, Some("no")),
        ("T23", Some(3), Some("no")),
    ]);
    by_month[0]
        .1
        .extend((0..7).map(|i| ("T31", Some([2, 2, 3, 2, 1, 2, 2][i]), Some("partly"))));
    for (i, ratings) in &by_month {
        store_ratings(&server, &window[*i], ratings, &[]);
    }
    let scores: [(&str, f64); 11] = [
        ("T11", 72.5),
        ("T12", 55.0),
        ("T13", 60.0),
        ("T21", 66.0),
        ("T22", 41.5),
        ("T23", 50.0),
        ("T31", 57.0),
        ("T32", 61.0),
        ("T33", 64.0),
        ("T34", 80.0),
        ("D1", 58.0),
    ];
    let item = "上司との対話";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("survey.csv");
    let mut csv = String::from("org_unit_id,survey_month,item,score\n");
    for (unit, score) in &scores {
        csv.push_str(&format!("{unit},{survey_month},{item},{score}\n"));
    }
    std::fs::write(&file, csv).unwrap();

    // Expected, from the ratings: a team's point is its months' ratings where they were
    // releasable (k ratings, 0 or k answers to each question) in the window's final months; a
    // unit with fewer than k すっきり度 answers so counted is left out.
    let finals: Vec<bool> = window.iter().map(|m| today() >= final_from(m)).collect();
    assert!(finals[0] && finals[1]);
    let releasable = |rs: &[&Rating]| {
        let enough = |n: usize| n == 0 || n >= k;
        rs.len() >= k
            && enough(rs.iter().filter(|r| r.1.is_some()).count())
            && enough(rs.iter().filter(|r| r.2.is_some()).count())
    };
    let mut points = Vec::new();
    let mut labels = Vec::new();
    let mut small = 0;
    for (unit, score) in &scores {
        let own_group = unit.starts_with('T') && *unit != "T34";
        let mut answers: Vec<i64> = Vec::new();
        for (i, ratings) in &by_month {
            let here: Vec<&Rating> = ratings.iter().filter(|r| r.0 == *unit).collect();
            if own_group && finals[*i] && releasable(&here) {
                answers.extend(here.iter().filter_map(|r| r.1));
            }
        }
        if answers.len() >= k {
            let average = answers.iter().sum::<i64>() as f64 / answers.len() as f64;
            points.push((average, *score));
            labels.push(format!("— {average:.1} / {score:.1}"));
        } else {
            small += 1;
        }
    }
    let n = points.len();
    assert_eq!(
        n,
        if finals[2] { 7 } else { 6 },
        "T11, T12, T21, T31, T32, T33 (and T22 once final)"
    );
    let (r, rho) = (pearson(&points), spearman(&points));
    let z = 1.959_963_984_540_054 / ((n - 3) as f64).sqrt();
    let interval = format!("{:.2} – {:.2}", (r.atanh() - z).tanh(), (r.atanh() + z).tanh());
    let final_months: Vec<String> = window
        .iter()
        .zip(&finals)
        .filter(|(_, f)| **f)
        .map(|(m, _)| month_en(m))
        .collect();

    block_on(async {
        let b = Browser::start(&server.base, "en").await;
        b.login(common::ADMIN, PASSWORD).await;
        b.client.set_window_size(1280, 900).await.unwrap();
        b.goto("/hr/engagement").await;
        b.find("input[type=file]")
            .await
            .send_keys(file.to_str().unwrap())
            .await
            .unwrap();
        b.click("section.import button.primary").await;
        assert!(
            b.text(".notice")
                .await
                .contains(&format!("Imported {} scores", scores.len()))
        );
        let section = "section.quality-correlation";
        assert_eq!(b.text("#quality-n").await, n.to_string());
        let shown_r = b.text("#quality-r").await;
        assert!(
            shown_r.starts_with(&format!("{r:.3}")),
            "r = {r:.3} expected: {shown_r}"
        );
        assert!(shown_r.contains(&interval), "95% {interval} expected: {shown_r}");
        let facts = b.text(&format!("{section} dl.facts")).await;
        assert!(facts.contains(&format!("{rho:.3}")), "ρ = {rho:.3} expected in {facts}");
        let text = b.text(section).await;
        assert!(
            text.contains(&format!("{small} unit(s) left out: fewer than {k} clarity answers")),
            "{small} small units expected: {text}"
        );
        assert!(
            text.contains(&format!("final ({})", final_months.join(", "))),
            "final months {final_months:?} expected: {text}"
        );
        let sentence = b.text(&format!("{section} p.sentence")).await;
        assert!(sentence.contains(&format!("Across {n} units")), "{sentence}");
        assert!(sentence.contains(&format!("(r = {r:.2})")), "{sentence}");
        assert!(
            sentence.contains("from the members who chose to rate, not proof that better 1on1s caused the score"),
            "the caveat is said: {sentence}"
        );
        // One point per unit, each its average and score.
        let titles = b
            .client
            .execute(
                "return [...document.querySelectorAll(arguments[0])].map(t => t.textContent);",
                vec![json!(format!("{section} svg circle.point title"))],
            )
            .await
            .unwrap();
        let mut titles: Vec<String> = titles
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(titles.len(), n);
        for label in &labels {
            let at = titles.iter().position(|t| t.ends_with(label.as_str()));
            assert!(at.is_some(), "a point '{label}' in {titles:?}");
            titles.remove(at.unwrap());
        }
        // The item's line in the table says the same n and r.
        let cells = b.texts("table.items tbody tr[aria-current='true'] td").await;
        assert_eq!(
            (cells[5].as_str(), cells[6].as_str()),
            (n.to_string().as_str(), format!("{r:.2}").as_str())
        );
        b.client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView(); return true;",
                vec![json!(section)],
            )
            .await
            .unwrap();
        b.screenshot("hr-engagement-quality").await;
        b.stop().await;
    });
}

/// An org viewer of 営業本部 (D1) reads quality on the dashboard for their subtree only, for final
/// months only, pooled by the k rule as hr_admin's API discloses it (a team of two ratings and
/// one of three are withheld and say so, and shown together at D1); nothing of another
/// department; the executive report and its CSV are not theirs at all.
fn an_org_viewer_sees_quality_of_their_subtree_only_in_final_months_pooled_under_k(backend: Backend) {
    let (orgs, emps) = company();
    let server = Server::start_with(backend, &orgs, &emps, "");
    server
        .cli(
            &[
                "admin",
                "create",
                "--email",
                "head1@example.co.jp",
                "--role",
                "org_viewer",
                "--org",
                "D1",
            ],
            &[("TAIWA_ADMIN_PASSWORD", PASSWORD)],
        )
        .assert_ok();
    let k = 5;
    let fin = months_ago(3);
    // Every pair of D1's teams and of T21 met in the final month. Nobody reported the heads' own
    // pairs, so D1 is a completion group of no pair of its own, where its teams' small groups of
    // ratings are pooled.
    let mut tokens = BTreeMap::new();
    all_met(&server, &mut tokens, &fin, &[(1, 1), (1, 2), (1, 3), (2, 1)]);
    let ratings: Vec<Rating> = vec![
        ("T11", Some(5), Some("yes")),
        ("T11", Some(4), Some("yes")),
        ("T11", Some(4), Some("yes")),
        ("T11", Some(3), Some("yes")),
        ("T11", Some(2), Some("no")),
        ("T11", None, Some("partly")),
        ("T12", Some(3), Some("yes")),
        ("T12", Some(1), Some("no")),
        ("T13", Some(4), Some("yes")),
        ("T13", Some(5), Some("yes")),
        ("T13", Some(2), Some("partly")),
        ("T21", Some(1), Some("no")),
        ("T21", Some(1), Some("no")),
        ("T21", Some(1), Some("no")),
        ("T21", Some(1), Some("no")),
        ("T21", Some(1), Some("no")),
        ("T21", Some(1), Some("no")),
    ];
    let marks: Vec<(String, String)> = [
        ("T11", vec!["E111", "E112", "E113", "E114", "L11"]),
        ("T12", vec!["E121", "E122"]),
        ("T13", vec!["E131", "E132", "E133"]),
        ("T21", vec!["E211", "E212", "E213", "E214", "E215", "E216"]),
    ]
    .into_iter()
    .flat_map(|(team, members)| {
        let d = &team[1..2];
        members.into_iter().map(move |m| {
            let manager = if m.starts_with('L') {
                format!("H{d}")
            } else {
                format!("L{}", &team[1..])
            };
            (manager, m.to_owned())
        })
    })
    .collect();
    let mark_refs: Vec<(&str, &str)> = marks.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    store_ratings(&server, &fin, &ratings, &mark_refs);
    // The two months after it: T11 rated every 1on1 1; released to org viewers ten days after the
    // month, final only from its second month's 9th.
    let later = [months_ago(2), months_ago(1)];
    for month in &later {
        all_met(&server, &mut tokens, month, &[(1, 1), (1, 2), (1, 3)]);
        store_ratings(&server, month, &[("T11", Some(1), Some("yes")); 6], &[]);
    }

    // Expected, from the ratings and marks: T11 alone; T12 (2) and T13 (3) are each under k and
    // pooled at D1, where D1 shows all three teams. Every team's seven pairs met.
    let expect = |units: &[&str]| {
        let rs: Vec<&Rating> = ratings.iter().filter(|r| units.contains(&r.0)).collect();
        let clarity: Vec<i64> = rs.iter().filter_map(|r| r.1).collect();
        let talked: Vec<&str> = rs.iter().filter_map(|r| r.2).collect();
        let yes = talked.iter().filter(|t| **t == "yes").count();
        let met = 7 * units.len();
        let rated = marks
            .iter()
            .filter(|(_, m)| units.iter().any(|u| m[1..].starts_with(&u[1..])))
            .count();
        (
            rs.len().to_string(),
            format!("{:.1}", clarity.iter().sum::<i64>() as f64 / clarity.len() as f64),
            pct(yes as u64, talked.len() as u64),
            pct(rated as u64, met as u64),
            format!("{rated} of {met}"),
        )
    };
    let (t11, d1) = (expect(&["T11"]), expect(&["T11", "T12", "T13"]));
    // hr_admin's API discloses the same, and has T21's figures, which the org viewer never sees.
    let api = server
        .admin(&format!("/api/v1/admin/quality?from={fin}&to={fin}"))
        .json();
    let api_row = |unit: &str| {
        api["months"][0]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["org_unit_id"] == unit)
            .unwrap()["quality"]
            .clone()
    };
    assert_eq!(api_row("D1")["ratings"].as_u64().unwrap().to_string(), d1.0);
    assert_eq!(api_row("T12")["withheld"], "fewer_ratings");
    assert_eq!(api_row("T21")["clarity_average"], 1.0);

    block_on(async {
        let b = Browser::start(&server.base, "en").await;
        b.login("head1@example.co.jp", PASSWORD).await;
        b.client.set_window_size(1280, 900).await.unwrap();
        b.goto(&format!("/hr/?month={fin}")).await;
        assert_eq!(
            b.attr_all("tr[data-unit]", "data-unit").await,
            ["D1", "T11", "T12", "T13"]
        );
        let cell = |unit: &str, attr: &str| format!("tr[data-unit='{unit}'] td[data-{attr}]");
        for (unit, want) in [("T11", &t11), ("D1", &d1)] {
            assert_eq!(
                b.attr_all(&cell(unit, "ratings"), "data-ratings").await,
                [want.0.as_str()],
                "{unit}"
            );
            assert_eq!(
                b.attr_all(&cell(unit, "clarity"), "data-clarity").await,
                [want.1.as_str()],
                "{unit}"
            );
            assert_eq!(
                b.attr_all(&cell(unit, "talked"), "data-talked").await,
                [want.2.as_str()],
                "{unit}"
            );
            assert_eq!(
                b.attr_all(&cell(unit, "response"), "data-response").await,
                [want.3.as_str()],
                "{unit}"
            );
            assert!(b.text(&cell(unit, "response")).await.contains(&want.4), "{unit}");
            let api = api_row(unit);
            assert_eq!(
                api["ratings"].as_u64().unwrap().to_string(),
                want.0,
                "the API agrees on {unit}"
            );
            assert_eq!(format!("{:.1}", api["clarity_average"].as_f64().unwrap()), want.1);
        }
        for unit in ["T12", "T13"] {
            let withheld = b.text(&cell(unit, "withheld")).await;
            assert!(
                withheld.contains(&format!("fewer than {k} ratings")),
                "{unit}: {withheld}"
            );
            assert_eq!(api_row(unit)["withheld"], "fewer_ratings");
        }
        // The headline is D1's: the pooled groups are shown, nothing counted above it.
        assert_eq!(b.text("#quality-clarity").await, d1.1);
        assert_eq!(b.text("#quality-talked").await, d1.2);
        assert_eq!(b.text("#quality-response").await, d1.3);
        let section = b.text("section.quality").await;
        assert!(!section.contains("ratings of small groups are counted"), "{section}");
        assert!(section.contains("from the members who chose to rate"), "{section}");
        fits_without_scrolling(&b, "table.units", "an org viewer's dashboard at 1280 (en)").await;
        b.screenshot("hr-org-viewer-quality").await;
        // Nothing outside D1: no line, no unit by address, no figure of T21's (the only 1.0).
        assert!(!b.exists("[data-clarity='1.0']").await);
        for path in [
            format!("/hr/?month={fin}&unit=T21"),
            format!("/hr/?month={fin}&unit=D2"),
            format!("/hr/?month={fin}&unit=R"),
        ] {
            assert_eq!(b.fetch(&path).await.0, 403, "{path}");
        }
        let (status, body) = b.fetch(&format!("/hr/?month={fin}&unit=T12")).await;
        assert_eq!(status, 200);
        assert!(
            body.contains(&format!("Withheld: fewer than {k} ratings")) && !body.contains("data-clarity"),
            "a small team stays withheld when asked for directly"
        );
        // Later months: shown only once final; before their release, not shown at all.
        for month in &later {
            b.goto(&format!("/hr/?month={month}")).await;
            match (today() >= released_from(month), today() >= final_from(month)) {
                (true, false) => {
                    assert!(b.exists(".quality-not-final").await, "{month} is not final");
                    assert!(
                        !b.exists("td[data-clarity]").await,
                        "{month}: no figure before it is final"
                    );
                    assert!(b.text(".quality-not-final").await.contains("is shown from"));
                }
                (true, true) => {
                    assert_eq!(
                        b.attr_all(&cell("T11", "clarity"), "data-clarity").await,
                        ["1.0"],
                        "{month}"
                    );
                }
                (false, _) => {
                    assert!(
                        b.text(".release").await.contains("10 days after the month closes"),
                        "{month}"
                    );
                    let shown = b.text(".month-nav strong").await;
                    assert_ne!(shown, month_en(month), "{month} is not read before its release");
                }
            }
        }
        // The executive report and its CSV are hr_admin's only.
        for path in [
            format!("/hr/report?from={fin}&to={fin}&units=T11&units=T12"),
            format!("/hr/report.csv?from={fin}&to={fin}&units=T11&units=T12"),
            format!("/hr/report.csv?from={fin}&to={fin}&units=T21"),
        ] {
            let (status, body) = b.fetch(&path).await;
            assert_eq!(status, 403, "{path}");
            assert!(!body.contains("clarity_average"), "{path}");
        }
        b.stop().await;
    });
}
