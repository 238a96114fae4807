//! The server's API over HTTP, against the real binary, on SQLite and on PostgreSQL.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Reply, Server, months_ago, record, this_month};
use serde_json::{Value, json};
use taiwa_server::db::V;

on_both_backends!(
    enrol_roster_push_and_known_rates,
    pushes_are_idempotent_and_keep_the_highest_revision,
    an_invalid_record_rejects_the_whole_batch,
    tokens_are_checked_everywhere,
    enrolment_codes_work_once_and_expire,
    malformed_requests_get_clear_4xx_answers,
    the_rate_limit_answers_429_with_retry_after,
    a_reorganisation_keeps_past_months,
    pair_detail_is_audited_and_can_be_turned_off,
    an_admin_without_pair_detail_reads_no_small_group,
    a_bad_directory_changes_nothing,
    metrics_count_requests_and_records,
    logs_hold_no_secret,
    the_example_company_imports_and_reports,
    every_error_answer_is_the_json_error,
    failed_authentication_is_limited_per_client_address_before_any_database_work,
    the_server_keeps_the_day_a_figure_arrived_never_the_time,
    slow_clients_cannot_hold_connections,
    answers_never_tell_a_device_which_ids_exist,
    a_withdrawal_removes_what_the_manager_sent_about_a_member,
    wrong_codes_are_limited_per_code_and_per_person_and_a_real_code_still_works,
    the_figures_hr_reads_follow_every_write_though_the_server_keeps_them,
    database_rows_are_read_by_column_name,
    readings_in_the_directory_reach_the_roster,
    the_admin_quality_api_pools_under_k_and_shows_only_final_months,
);

fn rows_by_unit(report: &Value) -> std::collections::BTreeMap<String, (u64, u64)> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["org_unit_id"].as_str().unwrap().to_owned(),
                (r["pairs"].as_u64().unwrap(), r["met"].as_u64().unwrap()),
            )
        })
        .collect()
}

fn enrol_roster_push_and_known_rates(backend: Backend) {
    let server = Server::start_counting(backend);
    assert_eq!(server.get("/healthz", None).status, 200);
    let e02 = server.enrol("E02");
    let e03 = server.enrol("E03");
    let e01 = server.enrol("E01");

    let roster = server.get("/api/v1/roster", Some(&e02));
    assert_eq!(roster.status, 200, "{}", roster.body);
    let roster = roster.json();
    assert_eq!(roster["manager"]["name"], "山本 享子");
    let members: Vec<&str> = roster["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["employee_id"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["E04", "E05"]);
    assert_eq!(roster["members"][0]["org_unit_name"], "営業部");

    let month = this_month();
    for (token, records) in [
        (
            &e02,
            json!([record("E04", &month, 1, 30, 1), record("E05", &month, 0, 0, 1)]),
        ),
        (
            &e03,
            json!([record("E06", &month, 2, 70, 1), record("E07", &month, 1, 45, 1)]),
        ),
        (&e01, json!([record("E02", &month, 1, 60, 1)])),
    ] {
        let reply = server.push(token, records);
        assert_eq!(reply.status, 200, "{}", reply.body);
    }

    // By hand: O2 has (E01,E02), (E02,E04), (E02,E05): 2 of 3 met. O4 has E06, E07, E08 under E03:
    // 2 of 3. O3 adds (E01,E03), not met: 2 of 4. The company: 4 of 7.
    let report = server.admin(&format!("/api/v1/admin/completion?month={month}"));
    assert_eq!(report.status, 200, "{}", report.body);
    let report = report.json();
    let rows = rows_by_unit(&report);
    assert_eq!(rows["O1"], (7, 4));
    assert_eq!(rows["O2"], (3, 2));
    assert_eq!(rows["O3"], (4, 2));
    assert_eq!(rows["O4"], (3, 2));
    assert_eq!(
        (report["totals"]["pairs"].as_u64(), report["totals"]["met"].as_u64()),
        (Some(7), Some(4))
    );
    assert!((report["totals"]["rate"].as_f64().unwrap() - 4.0 / 7.0).abs() < 1e-9);
    let order: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["org_unit_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["O1", "O2", "O3", "O4"], "parents before children");

    let sub = server
        .admin(&format!("/api/v1/admin/completion?month={month}&org=O3"))
        .json();
    assert_eq!(rows_by_unit(&sub).keys().collect::<Vec<_>>(), ["O3", "O4"]);
    assert_eq!(
        (sub["totals"]["pairs"].as_u64(), sub["totals"]["met"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(
        server
            .admin(&format!("/api/v1/admin/completion?month={month}&org=O9"))
            .status,
        404
    );

    let last = months_ago(1);
    let csv = server.admin(&format!("/api/v1/admin/completion.csv?from={last}&to={month}&org=O3"));
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "month,org_unit_id,name,parent_id,pairs,met,rate,withheld,counted_above"
    );
    assert!(
        lines.contains(&format!("{last},O3,技術部,O1,4,0,0.0000,,0").as_str()),
        "{}",
        csv.body
    );
    assert!(
        lines.contains(&format!("{month},O3,技術部,O1,4,2,0.5000,,0").as_str()),
        "{}",
        csv.body
    );
    assert!(
        lines.contains(&format!("{month},O4,開発課,O3,3,2,0.6667,,0").as_str()),
        "{}",
        csv.body
    );
    assert_eq!(lines.len(), 5);

    let pairs = server
        .admin(&format!("/api/v1/admin/pairs?month={month}&org=O4"))
        .json();
    let held: Vec<(String, u64, u64)> = pairs["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["member_employee_id"].as_str().unwrap().to_owned(),
                p["held"].as_u64().unwrap(),
                p["minutes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        held,
        [("E06".into(), 2, 70), ("E07".into(), 1, 45), ("E08".into(), 0, 0)]
    );
}

fn pushes_are_idempotent_and_keep_the_highest_revision(backend: Backend) {
    let server = Server::start_counting(backend);
    server.cli(&["settings", "set", "pair_detail", "on"], &[]).assert_ok();
    let token = server.enrol("E03");
    let month = this_month();
    let batch = json!([record("E06", &month, 1, 30, 5), record("E07", &month, 1, 40, 5)]);
    assert_eq!(
        server.push(&token, batch.clone()).json(),
        json!({"accepted": 2, "stale": 0})
    );
    assert_eq!(
        server.push(&token, batch).json(),
        json!({"accepted": 0, "stale": 2}),
        "a resent batch changes nothing"
    );
    let older = server.push(&token, json!([record("E06", &month, 0, 0, 4)]));
    assert_eq!(older.json(), json!({"accepted": 0, "stale": 1}));
    let minutes = |server: &Server| -> Vec<u64> {
        server
            .admin(&format!("/api/v1/admin/pairs?month={month}&org=O4"))
            .json()["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["minutes"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(minutes(&server), [30, 40, 0]);
    // An edit on the device (a higher revision) replaces the figure, also for a past month.
    assert_eq!(
        server.push(&token, json!([record("E06", &month, 2, 75, 6)])).json(),
        json!({"accepted": 1, "stale": 0})
    );
    assert_eq!(minutes(&server), [75, 40, 0]);
    let past = months_ago(3);
    server.push(&token, json!([record("E08", &past, 1, 20, 1)]));
    server.push(&token, json!([record("E08", &past, 0, 0, 2)]));
    let report = server
        .admin(&format!("/api/v1/admin/completion?month={past}&org=O4"))
        .json();
    assert_eq!(
        report["totals"]["met"], 0,
        "un-holding a past session takes the pair out of `met`"
    );
}

fn an_invalid_record_rejects_the_whole_batch(backend: Backend) {
    let server = Server::start_counting(backend);
    let token = server.enrol("E03");
    let month = this_month();
    let future = taiwa_server::store::current_month().next().unwrap().to_string();
    let cross = |member: &str| json!({"member_employee_id": member, "month": month, "relationship": "cross", "sessions_held": 1, "minutes": 30, "revision": 1});
    let cases: Vec<(Value, &str, &str)> = vec![
        (record("E06", &future, 1, 30, 1), "month", "after the current month"),
        (
            record("E06", &months_ago(25), 1, 30, 1),
            "month",
            "more than 24 months back",
        ),
        (record("E06", &month, 32, 30, 1), "sessions_held", "outside 0–31"),
        (record("E06", &month, 1, 481, 1), "minutes", "more than 480 per session"),
        (record("E06", &month, 0, 10, 1), "minutes", "more than 480 per session"),
        (
            record("E04", &month, 1, 30, 1),
            "member_employee_id",
            "not your direct report",
        ),
        (
            record("E99", &month, 1, 30, 1),
            "member_employee_id",
            "not your direct report",
        ),
        (cross("E03"), "member_employee_id", "with yourself"),
        (record("E06", &month, 1, 30, u64::MAX), "revision", "larger than"),
    ];
    for (bad, field, problem) in cases {
        let reply = server.push(&token, json!([record("E07", &month, 1, 30, 1), bad]));
        assert_eq!(reply.status, 422, "{field}: {}", reply.body);
        let body = reply.json();
        assert_eq!(body["error"]["code"], "invalid_records");
        let problems = body["error"]["problems"].as_array().unwrap();
        assert!(
            problems
                .iter()
                .any(|p| p["index"] == 1 && p["field"] == field && p["problem"].as_str().unwrap().contains(problem)),
            "{field}/{problem}: {problems:?}"
        );
        assert!(
            problems.iter().all(|p| p["index"] == 1),
            "the valid record is not blamed: {problems:?}"
        );
    }
    let twice = server.push(
        &token,
        json!([record("E06", &month, 1, 30, 1), record("E06", &month, 1, 30, 2)]),
    );
    assert_eq!(twice.status, 422);
    // Nothing of any rejected batch was stored.
    let report = server.admin(&format!("/api/v1/admin/completion?month={month}")).json();
    assert_eq!(report["totals"]["met"], 0);
    // A cross-organisation mentee known to the directory is accepted, and is not a line pair.
    assert_eq!(
        server.push(&token, json!([cross("E05")])).json(),
        json!({"accepted": 1, "stale": 0})
    );
    assert_eq!(
        server.admin(&format!("/api/v1/admin/completion?month={month}")).json()["totals"]["met"],
        0
    );
}

fn tokens_are_checked_everywhere(backend: Backend) {
    let server = Server::start_counting(backend);
    let device = server.enrol("E02");
    let month = this_month();
    let push = json!({"records": [record("E04", &month, 1, 30, 1)]});
    for (method, path) in [
        ("GET", "/api/v1/roster"),
        ("PUT", "/api/v1/completions"),
        ("DELETE", "/api/v1/device"),
    ] {
        let body = push.to_string();
        for token in [None, Some("twd_not-a-real-token"), Some(server.admin_token.as_str())] {
            let sent = (method == "PUT").then_some(body.as_bytes());
            let reply = server.request(method, path, token, Some("application/json"), sent);
            assert_eq!(reply.status, 401, "{method} {path} with {token:?}: {}", reply.body);
            assert_eq!(reply.json()["error"]["code"], "unauthorized");
        }
    }
    for path in [
        "/api/v1/admin/completion?month=2026-01",
        "/api/v1/admin/pairs?month=2026-01&org=O1",
        "/api/v1/admin/completion.csv?from=2026-01&to=2026-01",
    ] {
        assert_eq!(server.get(path, None).status, 401, "{path}");
        assert_eq!(
            server.get(path, Some(&device)).status,
            401,
            "a device token is not an admin token: {path}"
        );
    }
    // A device writes only its own manager's records: E02 cannot report E06 (E03's).
    let other = server.push(&device, json!([record("E06", &month, 1, 30, 1)]));
    assert_eq!(other.status, 422);
    // The roster shows only the caller's reports; no answer names another manager's figures.
    let roster = server.get("/api/v1/roster", Some(&device)).body;
    assert!(!roster.contains("E06") && !roster.contains("E03"), "{roster}");
    let accepted = server.push(&device, json!([record("E04", &month, 1, 30, 1)]));
    assert_eq!(accepted.body, r#"{"accepted":1,"stale":0}"#);

    // Revoked: the token stops working at once.
    assert_eq!(
        server
            .request("DELETE", "/api/v1/device", Some(&device), None, None)
            .status,
        204
    );
    assert_eq!(server.get("/api/v1/roster", Some(&device)).status, 401);
    assert_eq!(
        server.push(&device, json!([record("E04", &month, 1, 30, 2)])).status,
        401
    );
}

fn enrolment_codes_work_once_and_expire(backend: Backend) {
    let server = Server::start_counting(backend);
    let code = server.code("E03");
    assert_eq!(code.len(), 19, "XXXX-XXXX-XXXX-XXXX: {code}");
    let enrol =
        |code: &str, name: &str| server.post_json("/api/v1/enrol", None, &json!({"code": code, "device_name": name}));
    let first = enrol(&code.to_lowercase().replace('-', " "), "Yui's ThinkPad");
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(
        first.json()["manager"],
        json!({"employee_id": "E03", "name": "鈴木 由美"})
    );
    let again = enrol(&code, "Another");
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["error"]["code"], "invalid_code");
    assert_eq!(
        enrol("AAAA-BBBB-CCCC-DDDD", "Guess").json()["error"]["code"],
        "invalid_code"
    );
    let long_name = "x".repeat(65);
    assert_eq!(enrol(&server.code("E03"), &long_name).status, 400);

    // An expired code: age it in the database as time would.
    let expiring = server.code("E02");
    server
        .pool()
        .with(|conn| conn.execute("UPDATE enrol_codes SET expires_at = 1 WHERE used_at IS NULL", &[]))
        .unwrap();
    assert_eq!(enrol(&expiring, "Late").json()["error"]["code"], "invalid_code");

    let unknown = server.cli(&["enrol-code", "--employee-id", "E404"], &[]);
    assert_eq!(unknown.code(), 5);
    assert!(unknown.stderr().contains("no employee E404"), "{}", unknown.stderr());
}

fn malformed_requests_get_clear_4xx_answers(backend: Backend) {
    let server = Server::start_counting(backend);
    let token = server.enrol("E03");
    let month = this_month();
    let put = |content_type: Option<&str>, body: &[u8]| {
        server.request("PUT", "/api/v1/completions", Some(&token), content_type, Some(body))
    };
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (br#"{"records": [], "extra": 1}"#.to_vec(), 400, "unknown field `extra`"),
        (format!(r#"{{"records": [{{"member_employee_id": "E06", "month": "{month}", "relationship": "line", "sessions_held": 1, "minutes": 30, "revision": 1, "note": "転職"}}]}}"#).into_bytes(), 400, "unknown field `note`"),
        (br#"{"records": [{"member_employee_id": 6}]}"#.to_vec(), 400, "records[0].member_employee_id: invalid type"),
        (format!(r#"{{"records": [{{"member_employee_id": "E06", "month": "{month}", "relationship": "line", "sessions_held": 99999999999999999999, "minutes": 30, "revision": 1}}]}}"#).into_bytes(), 400, "records[0].sessions_held"),
        (format!(r#"{{"records": [{{"member_employee_id": "E06", "month": "{month}", "relationship": "boss", "sessions_held": 1, "minutes": 30, "revision": 1}}]}}"#).into_bytes(), 400, "unknown variant `boss`"),
        (br#"{"records": [{"member_employee_id": "E06", "month": "2026-13", "relationship": "line", "sessions_held": 1, "minutes": 30, "revision": 1}]}"#.to_vec(), 400, "out of range"),
        (b"{\"records\": [\"\xff\xfe\"]}".to_vec(), 400, "invalid"),
        (b"not json".to_vec(), 400, "expected"),
        (b"".to_vec(), 400, "EOF"),
    ];
    for (body, status, message) in cases {
        let reply = put(Some("application/json"), &body);
        assert_eq!(
            reply.status,
            status,
            "{}: {}",
            String::from_utf8_lossy(&body),
            reply.body
        );
        let json = reply.json();
        assert_eq!(json["error"]["code"], "invalid_json");
        assert!(
            json["error"]["message"].as_str().unwrap().contains(message),
            "{message}: {}",
            reply.body
        );
    }
    assert_eq!(put(Some("text/plain"), b"{}").status, 415);
    // Over 64 KiB: refused before it is read whole.
    let big = json!({"records": (0..2000).map(|i| record(&format!("E{i:05}"), &month, 1, 30, 1)).collect::<Vec<_>>()})
        .to_string();
    assert!(big.len() > 64 * 1024);
    let reply = put(Some("application/json"), big.as_bytes());
    assert_eq!(reply.status, 413);
    assert_eq!(reply.json()["error"]["code"], "too_large");
    // Admin query parameters are checked too.
    assert_eq!(
        server.admin("/api/v1/admin/completion").json()["error"]["message"],
        "the query parameter 'month' is required"
    );
    assert_eq!(server.admin("/api/v1/admin/completion?month=May").status, 400);
    assert_eq!(
        server
            .admin("/api/v1/admin/completion.csv?from=2026-05&to=2026-01")
            .status,
        400
    );
    assert_eq!(server.get("/api/v1/nowhere", None).status, 404);
    // None of it was stored, and the server still answers.
    assert_eq!(
        server.admin(&format!("/api/v1/admin/completion?month={month}")).json()["totals"]["met"],
        0
    );
    assert_eq!(server.get("/healthz", None).status, 200);
}

fn the_rate_limit_answers_429_with_retry_after(backend: Backend) {
    let server = Server::start_with(
        backend,
        common::ORG_UNITS,
        common::EMPLOYEES,
        "rate_limit_per_minute = 120\n",
    );
    server.count_every_pair();
    let token = server.enrol("E02");
    let other = server.enrol("E03");
    let mut statuses = Vec::new();
    for _ in 0..125 {
        statuses.push(server.get("/api/v1/roster", Some(&token)).status);
    }
    // A normal client's pace (120 a minute) is never refused; the 121st request within the minute is.
    let first_refused = statuses.iter().position(|s| *s == 429);
    assert!(statuses[..120].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(first_refused.is_some_and(|i| i >= 120), "{statuses:?}");
    let reply = server.get("/api/v1/roster", Some(&token));
    assert_eq!(reply.status, 429);
    let retry: u64 = reply.retry_after.clone().expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(reply.json()["error"]["code"], "rate_limited");
    assert_eq!(
        server.get("/api/v1/roster", Some(&other)).status,
        200,
        "the limit is per token"
    );
}

fn a_reorganisation_keeps_past_months(backend: Backend) {
    let server = Server::start_counting(backend);
    let e02 = server.enrol("E02");
    let e03 = server.enrol("E03");
    let (now, last) = (this_month(), months_ago(1));
    server.push(
        &e02,
        json!([record("E04", &last, 1, 30, 1), record("E05", &last, 1, 30, 1)]),
    );
    let before = server.admin(&format!("/api/v1/admin/completion?month={last}")).json();

    // E05 moves from 営業部 (under E02) to 開発課 under E03, and a new unit appears.
    let orgs = format!("{}O5,品質保証課,O3\n", common::ORG_UNITS);
    let emps = common::EMPLOYEES.replace(
        "E05,佐藤 花子,e05@example.co.jp,O2,E02",
        "E05,佐藤 花子,e05@example.co.jp,O5,E03",
    );
    let out = server.import(&orgs, &emps);
    assert!(
        out.stdout_line().contains(&format!("effective from {now}")),
        "{}",
        out.stdout_line()
    );

    let after = server.admin(&format!("/api/v1/admin/completion?month={last}")).json();
    assert_eq!(
        rows_by_unit(&after),
        rows_by_unit(&before),
        "last month keeps its pairs"
    );
    assert_eq!(rows_by_unit(&after)["O2"], (3, 2));
    let current = server.admin(&format!("/api/v1/admin/completion?month={now}")).json();
    let rows = rows_by_unit(&current);
    assert_eq!((rows["O2"].0, rows["O5"].0, rows["O3"].0), (2, 1, 5));

    // This month E05 is E03's report, no longer E02's; last month the other way round.
    assert_eq!(server.push(&e02, json!([record("E05", &now, 1, 30, 1)])).status, 422);
    assert_eq!(server.push(&e03, json!([record("E05", &now, 1, 30, 1)])).status, 200);
    assert_eq!(server.push(&e02, json!([record("E05", &last, 1, 30, 2)])).status, 200);
    let roster = server.get("/api/v1/roster", Some(&e03)).json();
    assert!(
        roster["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["employee_id"] == "E05" && m["org_unit_name"] == "品質保証課")
    );
    // Importing the same files again changes nothing.
    assert!(server.import(&orgs, &emps).stdout_line().contains("0 change(s)"));
}

/// With pair-level detail off (the default), the admin API pools small groups as the org viewers'
/// pages do: no unit's figure, nor a difference of two, tells fewer than k reporting pairs.
fn an_admin_without_pair_detail_reads_no_small_group(backend: Backend) {
    let server = Server::start(backend);
    let month = this_month();
    let (e01, e02, e03) = (server.enrol("E01"), server.enrol("E02"), server.enrol("E03"));
    for (token, records) in [
        (
            &e02,
            json!([record("E04", &month, 1, 30, 1), record("E05", &month, 0, 0, 1)]),
        ),
        (
            &e03,
            json!([record("E06", &month, 2, 70, 1), record("E07", &month, 1, 45, 1)]),
        ),
        (&e01, json!([record("E02", &month, 1, 60, 1)])),
    ] {
        assert_eq!(server.push(token, records).status, 200);
    }
    let read = || server.admin(&format!("/api/v1/admin/completion?month={month}")).json();
    let row = |report: &Value, unit: &str| -> Value {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["org_unit_id"] == unit)
            .unwrap()
            .clone()
    };
    // k = 5: O4 (3 pairs), O3 (1 + 3) and O2 (3) are each under k; pooled, they are released at
    // O1, which shows all 7 pairs, 4 met.
    let report = read();
    for unit in ["O2", "O3", "O4"] {
        let r = row(&report, unit);
        assert_eq!(r["withheld"], "fewer_reporting", "{r}");
        assert!(r["met"].is_null() && r["pairs"].is_null() && r["rate"].is_null(), "{r}");
    }
    let top = row(&report, "O1");
    assert_eq!((top["pairs"].as_u64(), top["met"].as_u64()), (Some(7), Some(4)));
    assert_eq!(report["totals"]["met"], 4);
    // k = 3: O4 and O2 stand on their own; O3's own pair goes up, and O1's pool of that one pair
    // is counted nowhere, so O1 minus O2 minus O3 tells nothing.
    server.cli(&["settings", "set", "k", "3"], &[]).assert_ok();
    let report = read();
    let figures = |unit: &str| {
        let r = row(&report, unit);
        (
            r["pairs"].as_u64().unwrap(),
            r["met"].as_u64().unwrap(),
            r["counted_above"].as_u64().unwrap(),
        )
    };
    assert_eq!(figures("O4"), (3, 2, 0));
    assert_eq!(
        figures("O3"),
        (3, 2, 1),
        "O3 is O4 alone; its head's pair is counted above"
    );
    assert_eq!(figures("O2"), (3, 2, 0));
    assert_eq!(figures("O1"), (6, 4, 1));
    assert_eq!(figures("O1").0 - figures("O2").0 - figures("O3").0, 0);
    // The CSV says the same, and both reads are in the audit log.
    let csv = server.admin(&format!("/api/v1/admin/completion.csv?from={month}&to={month}"));
    assert!(
        csv.body.contains(&format!("{month},O3,技術部,O1,3,2,0.6667,,1")),
        "{}",
        csv.body
    );
    let actions: Vec<String> = taiwa_server::store::audit_entries(&server.pool(), 10)
        .unwrap()
        .into_iter()
        .map(|e| e.2)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "completion").count(), 2, "{actions:?}");
    assert!(actions.contains(&"completion_csv".to_owned()), "{actions:?}");
}

fn pair_detail_is_audited_and_can_be_turned_off(backend: Backend) {
    let server = Server::start(backend);
    let month = this_month();
    // Off by default: the company turns it on.
    let reply = server.admin(&format!("/api/v1/admin/pairs?month={month}&org=O2"));
    assert_eq!(reply.status, 403);
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("turned off")
    );
    assert!(
        taiwa_server::store::audit_entries(&server.pool(), 10)
            .unwrap()
            .is_empty()
    );

    // Turned on from the command line while the server runs: the next request sees it.
    let audited = |action: &str| {
        taiwa_server::store::audit_entries(&server.pool(), 10)
            .unwrap()
            .iter()
            .filter(|e| e.2 == action)
            .count()
    };
    server.cli(&["settings", "set", "pair_detail", "on"], &[]).assert_ok();
    assert_eq!(
        server
            .admin(&format!("/api/v1/admin/pairs?month={month}&org=O2"))
            .status,
        200
    );
    let log = taiwa_server::store::audit_entries(&server.pool(), 10).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].1.as_str(), log[0].2.as_str()), (common::ADMIN, "pairs"));
    assert_eq!(audited("pairs"), 1);
    assert!(log[0].3.contains("\"org\":\"O2\""), "{}", log[0].3);
    let missing = server.admin(&format!("/api/v1/admin/pairs?month={month}"));
    assert_eq!(missing.status, 400, "org is required");
    assert_eq!(missing.json()["error"]["code"], "invalid_input");
    let twice = server.admin(&format!("/api/v1/admin/pairs?month={month}&org=O2&org=O3"));
    assert_eq!(twice.status, 400, "a repeated parameter is refused");
    assert!(twice.body.contains("twice"), "{}", twice.body);

    server.cli(&["settings", "set", "pair_detail", "off"], &[]).assert_ok();
    assert_eq!(
        server
            .admin(&format!("/api/v1/admin/pairs?month={month}&org=O2"))
            .status,
        403
    );
    assert_eq!(
        server.admin(&format!("/api/v1/admin/completion?month={month}")).status,
        200
    );
    assert_eq!(audited("completion"), 1, "reading completion is audited like the pages");
    let bad = server.cli(&["settings", "set", "k", "2"], &[]);
    assert_eq!(bad.code(), 2);
    assert!(
        bad.stderr().contains("k must be a whole number from 3"),
        "{}",
        bad.stderr()
    );
}

fn a_bad_directory_changes_nothing(backend: Backend) {
    let server = Server::start_counting(backend);
    let month = this_month();
    let before = server.admin(&format!("/api/v1/admin/completion?month={month}")).json();
    let emps = format!(
        "{}E09,新人,not-an-email,O9,E77\n",
        common::EMPLOYEES.replace("E08,渡辺 結衣", "E07,渡辺 結衣")
    );
    let out = server.import(common::ORG_UNITS, &emps);
    assert_eq!(out.code(), 2);
    let err = out.stderr();
    for expected in [
        "nothing changed",
        "employees, line 9: duplicate employee id E07 (first on line 8)",
        "employees, line 10: 'not-an-email' is not an email address",
        "employees, line 10: unknown org_unit_id O9 of E09",
        "employees, line 10: unknown manager_id E77 of E09",
    ] {
        assert!(err.contains(expected), "missing '{expected}' in:\n{err}");
    }
    assert_eq!(
        server.admin(&format!("/api/v1/admin/completion?month={month}")).json(),
        before
    );

    // A control character in a name is refused with its line (on both databases alike).
    let nul = common::EMPLOYEES.replace("渡辺 結衣", "渡辺\u{0}結衣");
    let out = server.import(common::ORG_UNITS, &nul);
    assert_eq!(out.code(), 2, "{}", out.stderr());
    assert!(
        out.stderr().contains("the name of E08 contains a control character"),
        "{}",
        out.stderr()
    );

    // A file with only its header would empty every roster: refused, naming what would go.
    let header_only = common::EMPLOYEES.lines().next().unwrap().to_owned() + "\n";
    let out = server.import(common::ORG_UNITS, &header_only);
    assert_ne!(out.code(), 0);
    let err = out.stderr();
    assert!(
        err.contains("would remove") && err.contains("E01") && err.contains("--allow-shrink"),
        "{err}"
    );
    assert_eq!(
        server.admin(&format!("/api/v1/admin/completion?month={month}")).json(),
        before
    );
    let token = server.enrol("E02");
    assert_eq!(
        server.get("/api/v1/roster", Some(&token)).status,
        200,
        "rosters still answer"
    );
    // Meant: with --allow-shrink it goes through.
    let out = server.import_with(common::ORG_UNITS, &header_only, &["--allow-shrink"]);
    out.assert_ok();
}

fn metrics_count_requests_and_records(backend: Backend) {
    let server = Server::start_counting(backend);
    let token = server.enrol("E02");
    let month = this_month();
    server.push(
        &token,
        json!([record("E04", &month, 1, 30, 1), record("E05", &month, 1, 30, 1)]),
    );
    server.push(&token, json!([record("E04", &month, 1, 30, 1)]));
    server.push(&token, json!([record("E06", &month, 1, 30, 1)]));
    let metrics = server.get("/metrics", None).body;
    for line in [
        "taiwa_records_rejected_total 1",
        "taiwa_http_requests_total{method=\"PUT\",route=\"/api/v1/completions\",status=\"422\"} 1",
        "taiwa_http_request_duration_seconds_count{route=\"/api/v1/completions\"} 1",
    ] {
        assert!(metrics.contains(line), "missing {line} in\n{metrics}");
    }
    assert!(!metrics.contains(&token) && !metrics.contains("E04"));
    // A successful push moves nothing in /metrics (nor in the log at its default level): no one
    // reading them can time a manager's sync, nor count the records it changed.
    assert!(
        !metrics.contains("status=\"200\"} 2") && !metrics.contains("accepted"),
        "{metrics}"
    );
    let before = server.get("/metrics", None).body;
    assert_eq!(
        server.push(&token, json!([record("E05", &month, 2, 60, 2)])).status,
        200
    );
    let after = server.get("/metrics", None).body;
    let pushes = |m: &str| {
        m.lines()
            .filter(|l| l.contains("/api/v1/completions"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(pushes(&before), pushes(&after));
}

#[test]
fn serves_https_when_given_a_certificate() {
    let mut server = Server::start(Backend::Sqlite);
    server.kill();
    let dir = server.dir.path().to_owned();
    let (cert, key) = common::self_signed_certificate(&dir);
    server.serve_with(&["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]);
    assert!(server.base.starts_with("https://127.0.0.1:"), "{}", server.base);
    let curl = |extra: &[&str], url: &str| {
        std::process::Command::new("curl")
            .args(["-sS", "--max-time", "10"])
            .args(extra)
            .arg(url)
            .output()
            .unwrap()
    };
    let ok = curl(
        &["--cacert", cert.to_str().unwrap()],
        &format!("{}/healthz", server.base),
    );
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout),
        "ok\n",
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // Without trusting the certificate, a client refuses it; plain HTTP gets no answer.
    assert!(!curl(&[], &format!("{}/healthz", server.base)).status.success());
    let plain = server.base.replace("https://", "http://");
    assert_ne!(
        String::from_utf8_lossy(&curl(&[], &format!("{plain}/healthz")).stdout),
        "ok\n"
    );
    let missing = server.cli(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            "/nonexistent.pem",
            "--tls-key",
            "/nonexistent.pem",
        ],
        &[],
    );
    assert_eq!(missing.code(), 2);
    assert!(
        missing.stderr().contains("cannot load the TLS certificate or key"),
        "{}",
        missing.stderr()
    );
}

fn logs_hold_no_secret(backend: Backend) {
    let server = Server::start_counting(backend);
    let code = server.code("E02");
    let enrolled = server.post_json("/api/v1/enrol", None, &json!({"code": code, "device_name": "Laptop"}));
    let token = enrolled.json()["device_token"].as_str().unwrap().to_owned();
    let month = this_month();
    server.push(&token, json!([record("E04", &month, 1, 30, 1)]));
    server.push(&token, json!([record("E06", &month, 1, 30, 1)]));
    server.get("/api/v1/roster", Some("twd_wrong-token"));
    server.admin(&format!("/api/v1/admin/pairs?month={month}&org=O2"));
    let log = std::fs::read_to_string(server.log_path()).unwrap();
    assert!(
        log.contains("/api/v1/completions") && log.contains("device enrolled"),
        "the log is written:\n{log}"
    );
    let code_compact = code.replace('-', "");
    for secret in [
        token.as_str(),
        &server.admin_token,
        &code,
        &code_compact,
        "twd_wrong-token",
        "a long admin password",
    ] {
        assert!(!log.contains(secret), "a secret is in the log:\n{log}");
    }
    if let Some(password) = server
        .db
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .map(|(auth, _)| auth)
    {
        assert!(!log.contains(password), "the database credentials are in the log");
    }
}

fn the_example_company_imports_and_reports(backend: Backend) {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/acme-5000");
    let orgs = std::fs::read_to_string(fixtures.join("org_units.csv")).unwrap();
    let emps = std::fs::read_to_string(fixtures.join("employees.csv")).unwrap();
    let server = Server::start_with(backend, &orgs, &emps, "");
    server.count_every_pair();
    let token = server.enrol("E000002");
    let roster = server.get("/api/v1/roster", Some(&token)).json();
    let members: Vec<String> = roster["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["employee_id"].as_str().unwrap().to_owned())
        .collect();
    let expected = emps.lines().filter(|l| l.ends_with(",E000002")).count();
    assert_eq!(members.len(), expected);
    let month = this_month();
    let records: Vec<Value> = members
        .iter()
        .take(2)
        .enumerate()
        .map(|(i, m)| record(m, &month, 1, 30, i as u64 + 1))
        .collect();
    assert_eq!(
        server.push(&token, json!(records)).json(),
        json!({"accepted": 2, "stale": 0})
    );
    let report = server.admin(&format!("/api/v1/admin/completion?month={month}")).json();
    // 5,000 people, one without a manager: 4,999 pairs, of which the two just pushed are met.
    assert_eq!(
        (report["totals"]["pairs"].as_u64(), report["totals"]["met"].as_u64()),
        (Some(4999), Some(2))
    );
    assert_eq!(report["rows"].as_array().unwrap().len(), orgs.lines().count() - 1);
    assert_eq!(report["rows"][0]["name"], "本社");
}

/// Sends raw bytes over TCP (for requests no HTTP client would make) and answers the status and
/// the body.
fn raw(server: &Server, request: &[u8], close_after: bool) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    if close_after {
        stream.shutdown(std::net::Shutdown::Write).unwrap();
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn every_error_answer_is_the_json_error(backend: Backend) {
    let server = Server::start_counting(backend);
    let token = server.enrol("E03");
    let month = this_month();
    // A method a route does not take: 405 with the JSON error, not an empty body.
    let reply = server.request("DELETE", "/api/v1/roster", Some(&token), None, None);
    assert_eq!(reply.status, 405);
    assert_eq!(reply.json()["error"]["code"], "method_not_allowed");
    // A body cut short of its Content-Length is called that, not "too large".
    let request = format!(
        "PUT /api/v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"records\": ["
    );
    let (status, body) = raw(&server, request.as_bytes(), true);
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("\"invalid_body\"") && body.contains("cut short"),
        "{body}"
    );
    // An unknown unit in the CSV report is 404, as in the JSON report, not an empty 200 file.
    let csv = server.admin(&format!(
        "/api/v1/admin/completion.csv?from={month}&to={month}&org=NOPE"
    ));
    assert_eq!(csv.status, 404, "{}", csv.body);
    assert_eq!(csv.json()["error"]["code"], "not_found");
    let json = server.admin(&format!("/api/v1/admin/completion?month={month}&org=NOPE"));
    assert_eq!(json.status, 404);
    // A repeated or badly encoded query parameter is refused, never silently taken.
    let repeated = server.admin(&format!("/api/v1/admin/completion?month={month}&month={month}"));
    assert_eq!(repeated.status, 400, "{}", repeated.body);
    assert!(
        repeated.json()["error"]["message"].as_str().unwrap().contains("month"),
        "{}",
        repeated.body
    );
    let badly = server.admin("/api/v1/admin/completion?month=%ZZ");
    assert_eq!(badly.status, 400, "{}", badly.body);
    // A made-up method never becomes a metrics label.
    let (status, _) = raw(
        &server,
        b"FROBNICATE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        false,
    );
    assert!(status >= 400, "{status}");
    let metrics = server.get("/metrics", None).body;
    assert!(!metrics.contains("FROBNICATE"), "{metrics}");
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    // Nothing stored, and the server still answers.
    assert_eq!(
        server.admin(&format!("/api/v1/admin/completion?month={month}")).json()["totals"]["met"],
        0
    );
}

/// A request with a client address in the header a trusted proxy sets.
fn via_proxy(server: &Server, client: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> common::Reply {
    let method = if path.ends_with("/enrol") { "POST" } else { "GET" };
    let body = body.map(|b| b.to_string().into_bytes());
    let forwarded = format!("203.0.113.9, {client}");
    server.request_with(
        method,
        path,
        token,
        body.as_ref().map(|_| "application/json"),
        body.as_deref(),
        &[("X-Forwarded-For", forwarded.as_str())],
    )
}

fn failed_authentication_is_limited_per_client_address_before_any_database_work(backend: Backend) {
    let server = Server::start_with(
        backend,
        common::ORG_UNITS,
        common::EMPLOYEES,
        "trusted_proxies = [\"127.0.0.1\"]\n",
    );
    server.count_every_pair();
    let token = server.enrol("E02");
    // Thirty random tokens from one client (behind the company proxy): its further guesses are
    // told to slow down, while a valid token from the same client is still served; another
    // client is not affected.
    for i in 0..30 {
        let reply = via_proxy(&server, "10.0.0.1", "/api/v1/roster", Some(&format!("guess-{i}")), None);
        assert_eq!(reply.status, 401, "{}", reply.body);
    }
    assert_eq!(
        via_proxy(&server, "10.0.0.1", "/api/v1/roster", Some("guess-31"), None).status,
        429
    );
    assert_eq!(
        via_proxy(&server, "10.0.0.1", "/api/v1/roster", Some(&token), None).status,
        200,
        "a valid token is never refused for its address's failures"
    );
    assert_eq!(
        via_proxy(&server, "10.0.0.2", "/api/v1/roster", Some(&token), None).status,
        200
    );
    // An IPv6 client counts by its /64: a guesser cannot escape by changing its last 64 bits.
    for i in 0..30 {
        let from = format!("2001:db8:1:2::{:x}", i + 1);
        assert_eq!(
            via_proxy(&server, &from, "/api/v1/roster", Some(&format!("v6-{i}")), None).status,
            401
        );
    }
    assert_eq!(
        via_proxy(&server, "2001:db8:1:2:ffff::9", "/api/v1/roster", Some("v6-last"), None).status,
        429
    );
    // Wrong enrolment codes likewise: one guesser does not block a colleague's valid code.
    for i in 0..30 {
        let body = json!({"code": format!("WRONG-{i:04}"), "device_name": "guess"});
        assert_eq!(
            via_proxy(&server, "10.0.0.3", "/api/v1/enrol", None, Some(&body)).status,
            400
        );
    }
    let body = json!({"code": "ANOTHER-WRONG", "device_name": "guess"});
    assert_eq!(
        via_proxy(&server, "10.0.0.3", "/api/v1/enrol", None, Some(&body)).status,
        429
    );
    let good = json!({"code": server.code("E03"), "device_name": "colleague"});
    assert_eq!(
        via_proxy(&server, "10.0.0.4", "/api/v1/enrol", None, Some(&good)).status,
        201
    );
    // The header is believed only from a trusted proxy: sent directly, the peer's address counts.
    let direct = server.request("GET", "/api/v1/roster", Some(&token), None, None);
    assert_eq!(direct.status, 200);
    // Plain HTTP on a non-loopback address is refused unless a TLS proxy is named in front.
    let out = server.command(&["serve", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing plain HTTP"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn slow_clients_cannot_hold_connections(backend: Backend) {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let server = Server::start_with(
        backend,
        common::ORG_UNITS,
        common::EMPLOYEES,
        "header_timeout_seconds = 2\nbody_timeout_seconds = 2\nmax_connections = 3\n",
    );
    server.count_every_pair();
    let addr = server.base.trim_start_matches("http://").to_owned();
    let open = || {
        let stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        stream
    };
    // Headers sent a byte at a time: cut off once the header time is up.
    let mut slow = open();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = slow.read_to_end(&mut answer);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the slow client was cut off"
    );
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // A body that never finishes: 408 with the JSON error.
    let mut stalled = open();
    stalled
        .write_all(b"PUT /api/v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"rec")
        .unwrap();
    let mut answer = String::new();
    let _ = stalled.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"timeout\""), "{answer}");
    // Three idle connections fill the server; a fourth waits for one of them to close and is
    // then answered.
    let idle: Vec<_> = (0..3).map(|_| open()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut fourth = open();
    fourth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    fourth.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let mut buffer = [0u8; 64];
    assert!(
        fourth.read(&mut buffer).is_err(),
        "not served while three connections are open"
    );
    drop(idle);
    fourth.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut answer = String::new();
    let _ = fourth.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(server.get("/healthz", None).status, 200);
}

fn the_server_keeps_the_day_a_figure_arrived_never_the_time(backend: Backend) {
    let server = Server::start_counting(backend);
    let token = server.enrol("E02");
    let reply = server.push(&token, json!([record("E04", &this_month(), 1, 30, 1)]));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let stored = server
        .pool()
        .with(|c| c.query("SELECT received_at FROM completions", &[]))
        .unwrap();
    assert_eq!(stored.len(), 1);
    let at = stored[0].int("received_at").unwrap();
    assert_eq!(at % 86_400, 0, "midnight UTC of the day, not the moment: {at}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((0..86_400).contains(&(now - at)), "today: {at} vs {now}");
}

fn answers_never_tell_a_device_which_ids_exist(backend: Backend) {
    let server = Server::start_counting(backend);
    let token = server.enrol("E03");
    let month = this_month();
    let record = |relationship: &str, member: &str| json!([{"member_employee_id": member, "month": month, "relationship": relationship, "sessions_held": 1, "minutes": 30, "revision": 1}]);
    let answer = |reply: Reply, id: &str| (reply.status, reply.body.replace(id, "<id>"));
    // E04 and E05 exist (someone else's reports); the others do not. The answers differ only by
    // the id they quote: refused alike as a line record, taken alike as a cross one.
    for (relationship, known, unknowns, status) in [
        ("line", "E04", ["E99", "ZZZ"], 422),
        ("cross", "E05", ["E98", "ZZY"], 200),
    ] {
        let expected = answer(server.push(&token, record(relationship, known)), known);
        assert_eq!(expected.0, status, "{}", expected.1);
        for unknown in unknowns {
            let got = answer(server.push(&token, record(relationship, unknown)), unknown);
            assert_eq!(got, expected, "{relationship} record for {unknown}");
        }
    }
    // A withdrawal answers alike too: nothing stored, nothing removed, whoever it names.
    let withdraw = |id: &str| server.post_json("/api/v1/withdrawals", Some(&token), &json!({"members": [id]}));
    assert_eq!(answer(withdraw("E04"), "E04"), answer(withdraw("E97"), "E97"));
    // A cross record for an id the directory does not have counts nowhere.
    let report = server.admin(&format!("/api/v1/admin/completion?month={month}")).json();
    assert_eq!(report["totals"]["met"], 0, "{report}");
}

fn a_withdrawal_removes_what_the_manager_sent_about_a_member(backend: Backend) {
    let server = Server::start_counting(backend);
    let token = server.enrol("E03");
    let other = server.enrol("E01");
    let month = this_month();
    let past = months_ago(2);
    let record = |member: &str, month: &str| json!({"member_employee_id": member, "month": month, "relationship": "line", "sessions_held": 1, "minutes": 30, "revision": 1});
    assert_eq!(
        server
            .push(
                &token,
                json!([record("E06", &month), record("E06", &past), record("E07", &month)])
            )
            .status,
        200
    );
    assert_eq!(server.push(&other, json!([record("E02", &month)])).status, 200);
    let met = |month: &str| -> u64 {
        server.admin(&format!("/api/v1/admin/completion?month={month}")).json()["totals"]["met"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((met(&month), met(&past)), (3, 1));
    let reply = server.post_json("/api/v1/withdrawals", Some(&token), &json!({"members": ["E06"]}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json(), json!({"removed": 2}), "both months of E06 are gone");
    assert_eq!(
        (met(&month), met(&past)),
        (2, 0),
        "E07's and the other manager's records stay"
    );
    // Sent again later (the person is shared again), the records count again.
    let again = json!([{"member_employee_id": "E06", "month": month, "relationship": "line", "sessions_held": 1, "minutes": 30, "revision": 2}]);
    assert_eq!(server.push(&token, again).json(), json!({"accepted": 1, "stale": 0}));
    assert_eq!(met(&month), 3);
    // Ids only, from an enrolled device, and bounded.
    assert_eq!(
        server
            .post_json("/api/v1/withdrawals", None, &json!({"members": ["E06"]}))
            .status,
        401
    );
    let bad = server.post_json(
        "/api/v1/withdrawals",
        Some(&token),
        &json!({"members": ["E06 said no"]}),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    let note = server.post_json(
        "/api/v1/withdrawals",
        Some(&token),
        &json!({"members": ["E06"], "reason": "x"}),
    );
    assert_eq!(note.status, 400, "{}", note.body);
    let many: Vec<String> = (0..501).map(|i| format!("E{i}")).collect();
    let reply = server.post_json("/api/v1/withdrawals", Some(&token), &json!({ "members": many }));
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(met(&month), 3, "refused withdrawals removed nothing");
}

fn wrong_codes_are_limited_per_code_and_per_person_and_a_real_code_still_works(backend: Backend) {
    let server = Server::start_counting(backend);
    let enrol = |code: &str| server.post_json("/api/v1/enrol", None, &json!({"code": code, "device_name": "laptop"}));
    // Per code: wrong secrets under a code's first group cancel it after five.
    let target = server.code("E04");
    let group = &target[..4];
    for i in 0..5 {
        let reply = enrol(&format!("{group}-0000-0000-000{i}"));
        assert_eq!(reply.json()["error"]["code"], "invalid_code", "{}", reply.body);
    }
    assert_eq!(
        enrol(&target).json()["error"]["code"],
        "invalid_code",
        "the code was cancelled"
    );
    let outstanding = taiwa_server::store::outstanding_codes(&server.pool()).unwrap();
    assert!(
        outstanding.iter().all(|c| c.employee_id != "E04"),
        "HR's list of outstanding codes no longer shows it"
    );

    // Per person: four wrong tries on each of two codes and two on a third (ten in all, none
    // past five) cancel all three of that person's codes.
    let codes: Vec<String> = (0..3).map(|_| server.code("E05")).collect();
    for (code, tries) in codes.iter().zip([4, 4, 2]) {
        for i in 0..tries {
            enrol(&format!("{}-1111-1111-111{i}", &code[..4]));
        }
    }
    for code in &codes {
        assert_eq!(
            enrol(code).json()["error"]["code"],
            "invalid_code",
            "{code} was cancelled"
        );
    }
    // A new code for that person works: HR issues one, the count starts again.
    assert_eq!(enrol(&server.code("E05")).status, 201);

    // Everyone here shares one address (a company proxy). A guesser exhausts its budget (the
    // wrong tries above count too)...
    let mut guesses = 0;
    while enrol(&format!("ZZZZ-{guesses:04}-AAAA-BBBB")).status != 429 {
        guesses += 1;
        assert!(guesses < 100, "the address is limited");
    }
    // ...and a colleague holding a real code still enrols from the same address.
    let real = server.code("E02");
    assert_eq!(
        enrol(&real).status,
        201,
        "a real code is not blocked by someone else's guesses"
    );
}

/// The server keeps month views between requests (`store::ReportCache`): each kind of write,
/// from the API or from another process on the same database, shows in the next read.
fn the_figures_hr_reads_follow_every_write_though_the_server_keeps_them(backend: Backend) {
    let server = Server::start_counting(backend);
    let token = server.enrol("E02");
    let (month, last) = (this_month(), months_ago(1));
    let o2 = |m: &str| rows_by_unit(&server.admin(&format!("/api/v1/admin/completion?month={m}")).json())["O2"];
    // O2 holds (E01,E02), (E02,E04), (E02,E05); nothing met yet. Both months are now kept.
    assert_eq!((o2(&month), o2(&last)), ((3, 0), (3, 0)));

    let push = |records: Value| assert_eq!(server.push(&token, records).status, 200);
    push(json!([record("E04", &month, 1, 30, 1)]));
    assert_eq!(
        (o2(&month), o2(&last)),
        ((3, 1), (3, 0)),
        "a record in: only its month moves"
    );
    push(json!([record("E05", &last, 1, 30, 1)]));
    assert_eq!((o2(&month), o2(&last)), ((3, 1), (3, 1)));
    push(json!([record("E04", &month, 0, 0, 2)]));
    assert_eq!(o2(&month), (3, 0), "a correction to zero");
    push(json!([record("E04", &month, 0, 0, 1)]));
    assert_eq!(o2(&month), (3, 0), "a stale record changes nothing");

    // A withdrawal removes E05's record of last month.
    let reply = server.post_json("/api/v1/withdrawals", Some(&token), &json!({"members": ["E05"]}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(o2(&last), (3, 0));

    // Another process (the command line) reorganises: E05 moves to O4 from this month.
    let emps = common::EMPLOYEES.replace(
        "E05,佐藤 花子,e05@example.co.jp,O2,E02",
        "E05,佐藤 花子,e05@example.co.jp,O4,E02",
    );
    server.import(common::ORG_UNITS, &emps).assert_ok();
    assert_eq!(
        (o2(&month), o2(&last)),
        ((2, 0), (3, 0)),
        "this month's directory moved, last month's kept"
    );
}

/// The store reads every column by name, aliases included, alike on both backends: an aggregate
/// read by its alias; a NULL, a missing column and text where a number is wanted are errors that
/// name the column, never a silent 0 or "".
fn database_rows_are_read_by_column_name(backend: Backend) {
    use taiwa_server::db::{Pool, V};
    let dir = tempfile::tempdir().unwrap();
    let pool = Pool::open(&common::fresh_db(backend, dir.path())).unwrap();
    pool.write(|c| {
        c.batch("CREATE TABLE rows_by_name (id BIGINT NOT NULL, name TEXT, n BIGINT)")?;
        c.execute(
            "INSERT INTO rows_by_name (id, name, n) VALUES ($1, $2, $3), ($4, $5, $6)",
            &[
                V::Int(1),
                V::from("one"),
                V::Int(10),
                V::Int(2),
                V::NullText,
                V::NullInt,
            ],
        )
    })
    .unwrap();
    let rows = pool
        .with(|c| {
            c.query(
                "SELECT CAST(count(*) AS BIGINT) AS how_many, CAST(sum(n) AS BIGINT) AS total, max(name) AS last_name
                 FROM rows_by_name",
                &[],
            )
        })
        .unwrap();
    assert_eq!(rows[0].columns(), ["how_many", "total", "last_name"]);
    assert_eq!(rows[0].int("how_many").unwrap(), 2);
    assert_eq!(rows[0].int("total").unwrap(), 10);
    assert_eq!(rows[0].text("last_name").unwrap(), "one");

    let rows = pool
        .with(|c| {
            c.query(
                "SELECT r.id, r.name, r.n AS amount FROM rows_by_name r ORDER BY r.id",
                &[],
            )
        })
        .unwrap();
    let (first, second) = (&rows[0], &rows[1]);
    assert_eq!(
        (first.int("id").unwrap(), first.text("name").unwrap()),
        (1, "one".to_owned())
    );
    assert_eq!(first.opt_int("amount").unwrap(), Some(10));
    assert_eq!(
        (second.opt_int("amount").unwrap(), second.opt_text("name").unwrap()),
        (None, None)
    );
    let error = |result: Result<i64, taiwa_server::Error>| match result {
        Err(e @ taiwa_server::Error::Row(_)) => e.to_string(),
        other => panic!("expected a row error, got {other:?}"),
    };
    assert_eq!(
        error(second.int("amount")),
        "database row: column `amount`: expected a number, found NULL"
    );
    assert_eq!(
        error(first.int("created_at")),
        "database row: no column `created_at` in the row (columns: id, name, amount)"
    );
    assert_eq!(
        error(first.int("name")),
        "database row: column `name`: expected a number, found text"
    );
    assert!(matches!(second.text("name"), Err(taiwa_server::Error::Row(_))));
}

/// A directory file may end with a `reading` column (ふりがな): it reaches the manager's roster,
/// and a file without it still imports, its people without a reading.
fn readings_in_the_directory_reach_the_roster(backend: Backend) {
    let emps = "employee_id,name,email,org_unit_id,manager_id,reading\n\
        E01,木村 葵,e01@example.co.jp,O1,,きむら あおい\n\
        E02,山本 享子,e02@example.co.jp,O2,E01,やまもと きょうこ\n\
        E03,鈴木 由美,e03@example.co.jp,O3,E01,\n";
    let server = Server::start_with(backend, common::ORG_UNITS, emps, "");
    let e01 = server.enrol("E01");
    let roster = server.get("/api/v1/roster", Some(&e01)).json();
    let readings: Vec<(String, Value)> = roster["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["employee_id"].as_str().unwrap().to_owned(), m["reading"].clone()))
        .collect();
    assert_eq!(
        readings,
        [
            ("E02".to_owned(), json!("やまもと きょうこ")),
            ("E03".to_owned(), Value::Null)
        ],
        "a reading where the file has one, none where it is empty"
    );
    // A changed reading is a new version of the person, as a changed name is.
    let changed = emps.replace("やまもと きょうこ", "やまもと たかこ");
    server.import(common::ORG_UNITS, &changed).assert_ok();
    let roster = server.get("/api/v1/roster", Some(&e01)).json();
    assert_eq!(roster["members"][0]["reading"], "やまもと たかこ");
    // The column is optional, and only in its place.
    server.import(common::ORG_UNITS, common::EMPLOYEES).assert_ok();
    let misplaced = server.import(
        common::ORG_UNITS,
        "employee_id,reading,name,email,org_unit_id,manager_id\n",
    );
    assert_ne!(misplaced.code(), 0);
    assert!(misplaced.stderr().contains("header"), "{}", misplaced.stderr());
}

/// A company for quality under k = 3: 本社 (O1) ← 営業部 (O2, E02 and five members) and 技術部 (O3,
/// E10 and three members) ← 開発課 (O4, E20 and three) and 品質課 (O5, E30 and two).
const QUALITY_UNITS: &str =
    "org_unit_id,name,parent_id\nO1,本社,\nO2,営業部,O1\nO3,技術部,O1\nO4,開発課,O3\nO5,品質課,O3\n";

/// Every pair as (manager, member, member's unit, met in the final month, member rated it).
/// E07 and E23 did not meet but rated (a mark counts in no response rate then).
const QUALITY_PAIRS: [(&str, &str, &str, bool, bool); 17] = [
    ("E01", "E02", "O2", true, false),
    ("E02", "E03", "O2", true, true),
    ("E02", "E04", "O2", true, true),
    ("E02", "E05", "O2", true, true),
    ("E02", "E06", "O2", true, false),
    ("E02", "E07", "O2", false, true),
    ("E01", "E10", "O3", true, false),
    ("E10", "E11", "O3", true, true),
    ("E10", "E12", "O3", true, false),
    ("E10", "E13", "O3", true, false),
    ("E10", "E20", "O4", true, false),
    ("E20", "E21", "O4", true, true),
    ("E20", "E22", "O4", true, true),
    ("E20", "E23", "O4", false, true),
    ("E10", "E30", "O5", true, false),
    ("E30", "E31", "O5", true, true),
    ("E30", "E32", "O5", true, true),
];

/// The final month's ratings as (unit, すっきり度, talked).
const QUALITY_RATINGS: [(&str, Option<i64>, Option<&str>); 10] = [
    ("O2", Some(5), Some("yes")),
    ("O2", Some(4), Some("yes")),
    ("O2", Some(3), Some("no")),
    ("O2", None, Some("partly")),
    ("O3", Some(5), Some("yes")),
    ("O4", Some(4), Some("yes")),
    ("O4", Some(2), Some("partly")),
    ("O4", Some(3), Some("yes")),
    ("O5", Some(1), Some("no")),
    ("O5", Some(2), Some("no")),
];

/// The day from which a month's quality is final, from the rule as documented (docs/SECURITY.md):
/// the 9th of the second month after it, UTC.
fn quality_final_from(month: &str) -> chrono::NaiveDate {
    let (y, m): (i32, i32) = (month[..4].parse().unwrap(), month[5..].parse().unwrap());
    let i = y * 12 + m - 1 + 2;
    chrono::NaiveDate::from_ymd_opt(i.div_euclid(12), u32::try_from(i.rem_euclid(12) + 1).unwrap(), 9).unwrap()
}

/// What the quality API should say of a group of units, counted here from the tables above.
fn expected_quality(units: &[&str]) -> Value {
    let rs: Vec<_> = QUALITY_RATINGS.iter().filter(|r| units.contains(&r.0)).collect();
    let clarity: Vec<i64> = rs.iter().filter_map(|r| r.1).collect();
    let talked = |v: &str| rs.iter().filter(|r| r.2 == Some(v)).count() as u64;
    let (yes, partly, no) = (talked("yes"), talked("partly"), talked("no"));
    let met: Vec<_> = QUALITY_PAIRS.iter().filter(|p| units.contains(&p.2) && p.3).collect();
    let rated = met.iter().filter(|p| p.4).count() as u64;
    json!({
        "ratings": rs.len(),
        "clarity_answers": clarity.len(),
        "clarity_average": clarity.iter().sum::<i64>() as f64 / clarity.len() as f64,
        "talked_yes": yes, "talked_partly": partly, "talked_no": no,
        "talked_share": yes as f64 / (yes + partly + no) as f64,
        "met_pairs": met.len(),
        "met_pairs_rated": rated,
        "response_rate": rated as f64 / met.len() as f64,
        "withheld": null,
        "counted_above": 0,
    })
}

/// Compares two quality figures, floats within rounding.
fn assert_same_quality(got: &Value, want: &Value, what: &str) {
    for (field, w) in want.as_object().unwrap() {
        let g = &got[field];
        match (g.as_f64(), w.as_f64()) {
            (Some(g), Some(w)) if field.ends_with("average") || field.ends_with("share") || field.ends_with("rate") => {
                assert!((g - w).abs() < 1e-9, "{what} {field}: {g} ≠ {w}");
            }
            _ => assert_eq!(g, w, "{what} {field}: {got}"),
        }
    }
}

/// The admin API's quality per unit and month: exactly what the pages disclose (computed here by
/// hand from the ratings, marks and records the test stores), pooled under k for hr_admin too,
/// nothing of a month that is not final, nothing by pair or manager; bad queries and tokens refused.
fn the_admin_quality_api_pools_under_k_and_shows_only_final_months(backend: Backend) {
    let mut employees =
        String::from("employee_id,name,email,org_unit_id,manager_id\nE01,木村 葵,e01@example.co.jp,O1,\n");
    for (manager, member, unit, _, _) in QUALITY_PAIRS {
        employees.push_str(&format!(
            "{member},社員 {member},{}@example.co.jp,{unit},{manager}\n",
            member.to_lowercase()
        ));
    }
    let server = Server::start_with(backend, QUALITY_UNITS, &employees, "");
    server.cli(&["settings", "set", "k", "3"], &[]).assert_ok();
    // Three months back is final whatever the day; every pair sent a record (reporting), met or not.
    let month = months_ago(3);
    let mut devices = std::collections::BTreeMap::new();
    for (manager, member, _, met, _) in QUALITY_PAIRS {
        let token = devices.entry(manager).or_insert_with(|| server.enrol(manager)).clone();
        let held = u32::from(met);
        assert_eq!(
            server
                .push(&token, json!([record(member, &month, held, 30 * held, 1)]))
                .status,
            200
        );
    }
    // Ratings and marks as the member page stores them: a score under its unit and month, a mark
    // of the pair apart, nothing linking the two.
    let m = i64::from(month.parse::<taiwa_protocol::Month>().unwrap().index());
    server
        .pool()
        .write(|c| {
            for (i, (unit, clarity, talked)) in QUALITY_RATINGS.iter().enumerate() {
                c.execute(
                    "INSERT INTO ratings (token_hash, org_unit_id, month, clarity, talked, given_day) VALUES ($1, $2, $3, $4, $5, 0)",
                    &[V::from(format!("h{i}")), V::from(*unit), V::Int(m), V::from(*clarity), V::from(*talked)],
                )?;
            }
            for (manager, member, ..) in QUALITY_PAIRS.iter().filter(|p| p.4) {
                c.execute(
                    "INSERT INTO rating_marks (manager_id, member_id, month) VALUES ($1, $2, $3)",
                    &[V::from(*manager), V::from(*member), V::Int(m)],
                )?;
            }
            Ok(())
        })
        .unwrap();
    // This month, 開発課's three members rate through their own pages: k ratings, but not final.
    let mut now = String::new();
    for (member, clarity, rating_token) in [("E21", 5, [1u8; 32]), ("E22", 5, [2u8; 32]), ("E23", 4, [3u8; 32])] {
        let (_, public) = taiwa_channel::generate();
        let code = server.post_json(
            "/api/v1/pairings",
            Some(&devices["E20"]),
            &json!({"member_employee_id": member, "manager_key": data_encoding::BASE64URL_NOPAD.encode(&public.0)}),
        );
        assert_eq!(code.status, 201, "{}", code.body);
        let (_, member_key) = taiwa_channel::generate();
        let paired = server.post_json(
            "/me/api/pair",
            None,
            &json!({"code": code.json()["code"], "member_key": data_encoding::BASE64URL_NOPAD.encode(&member_key.0)}),
        );
        assert_eq!(paired.status, 201, "{}", paired.body);
        let paired = paired.json();
        now = paired["state"]["rateable"][1].as_str().unwrap().to_owned();
        let rated = server.post_json(
            "/me/api/ratings",
            paired["token"].as_str(),
            &json!({"month": now, "clarity": clarity, "talked": "yes",
                    "token": data_encoding::BASE64URL_NOPAD.encode(&rating_token)}),
        );
        assert_eq!(rated.status, 201, "{}", rated.body);
    }

    // By hand, with k = 3: 営業部 (4 ratings) and 開発課 (3) are shown on their own; 品質課's two
    // are too few and join 技術部's group (its own rating and those two: three), so 品質課 is
    // withheld and 技術部 shows its subtree's six; 本社 shows all ten.
    let report = server.admin(&format!("/api/v1/admin/quality?from={month}&to={now}"));
    assert_eq!(report.status, 200, "{}", report.body);
    let report = report.json();
    assert_eq!(
        (&report["from"], &report["to"], &report["k"]),
        (&json!(month), &json!(now), &json!(3))
    );
    let months = report["months"].as_array().unwrap();
    assert_eq!(months.len(), 4, "{month}..{now}, oldest first");
    let row = |m: &Value, unit: &str| -> Value {
        m["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["org_unit_id"] == unit)
            .unwrap()
            .clone()
    };
    let fin = &months[0];
    assert_eq!(fin["month"], json!(month));
    assert_eq!(fin["final_from"], json!(quality_final_from(&month).to_string()));
    let units: Vec<&str> = fin["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["org_unit_id"].as_str().unwrap())
        .collect();
    assert_eq!(units, ["O1", "O2", "O3", "O4", "O5"]);
    assert_eq!(row(fin, "O4")["name"], "開発課");
    assert_eq!(row(fin, "O4")["parent_id"], "O3");
    for (unit, group) in [
        ("O1", &["O1", "O2", "O3", "O4", "O5"][..]),
        ("O2", &["O2"][..]),
        ("O3", &["O3", "O4", "O5"][..]),
        ("O4", &["O4"][..]),
    ] {
        assert_same_quality(&row(fin, unit)["quality"], &expected_quality(group), unit);
    }
    let o5 = &row(fin, "O5")["quality"];
    assert_eq!(o5["withheld"], "fewer_ratings", "{o5}");
    assert_eq!(o5["counted_above"], 2);
    for field in [
        "ratings",
        "clarity_average",
        "talked_yes",
        "talked_share",
        "met_pairs",
        "response_rate",
    ] {
        assert_eq!(o5[field], Value::Null, "nothing of 品質課's two ratings: {field}");
    }
    assert_same_quality(
        &fin["totals"],
        &expected_quality(&["O1", "O2", "O3", "O4", "O5"]),
        "the company",
    );
    // The months after: final or not by the documented day; this month's k ratings are not shown.
    let today = chrono::Utc::now().date_naive();
    for m in &months[1..] {
        let name = m["month"].as_str().unwrap();
        assert_eq!(m["final_from"], json!(quality_final_from(name).to_string()));
        let shown = today >= quality_final_from(name);
        for r in m["rows"].as_array().unwrap() {
            let q = &r["quality"];
            if shown {
                assert_eq!(
                    (q["withheld"].clone(), q["ratings"].clone()),
                    (Value::Null, json!(0)),
                    "{name}: {q}"
                );
            } else {
                assert_eq!(q["withheld"], "not_final", "{name}: {q}");
                assert_eq!(
                    (q["ratings"].clone(), q["clarity_average"].clone()),
                    (Value::Null, Value::Null)
                );
            }
        }
    }
    let this = months.last().unwrap();
    assert_eq!(this["month"], json!(now));
    assert_eq!(row(this, "O4")["quality"]["withheld"], "not_final");
    assert_eq!(this["totals"]["withheld"], "not_final");
    let stored: i64 = server
        .pool()
        .with(|c| c.query("SELECT COUNT(*) AS n FROM ratings WHERE month <> $1", &[V::Int(m)]))
        .unwrap()[0]
        .int("n")
        .unwrap();
    assert_eq!(stored, 3, "this month's ratings are stored, only not shown");
    // Nothing by pair or by manager: no employee is named.
    let body = server
        .admin(&format!("/api/v1/admin/quality?from={month}&to={now}"))
        .body;
    for (manager, member, ..) in QUALITY_PAIRS {
        for id in [manager, member] {
            assert!(!body.contains(&format!("\"{id}\"")), "{id} named in {body}");
        }
    }

    // The same figures as the dashboard shows hr_admin.
    let page = common::pages::Http::login(&server, common::ADMIN).get(&format!("/hr/?month={month}&unit=O1&depth=all"));
    assert_eq!(page.status, 200);
    for unit in ["O1", "O2", "O3", "O4", "O5"] {
        let tr = page
            .body
            .split("<tr")
            .skip(1)
            .map(|t| t.split("</tr>").next().unwrap())
            .find(|t| t.contains(&format!("data-unit=\"{unit}\"")))
            .unwrap_or_else(|| panic!("no row of {unit}"));
        let attr = |name: &str| {
            tr.split(&format!("{name}=\""))
                .nth(1)
                .map(|v| v.split('"').next().unwrap().to_owned())
        };
        let q = &row(fin, unit)["quality"];
        assert_eq!(
            attr("data-ratings"),
            q["ratings"].as_u64().map(|n| n.to_string()),
            "{unit}"
        );
        assert_eq!(
            attr("data-clarity"),
            q["clarity_average"].as_f64().map(|c| format!("{c:.1}")),
            "{unit}"
        );
        assert_eq!(
            attr("data-withheld").is_some(),
            q["withheld"] == "fewer_ratings",
            "{unit}"
        );
    }

    // Under one unit: its subtree, with its own figures as the totals.
    let o3 = server
        .admin(&format!("/api/v1/admin/quality?from={month}&to={month}&org=O3"))
        .json();
    let rows: Vec<&str> = o3["months"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["org_unit_id"].as_str().unwrap())
        .collect();
    assert_eq!(rows, ["O3", "O4", "O5"]);
    assert_same_quality(
        &o3["months"][0]["totals"],
        &expected_quality(&["O3", "O4", "O5"]),
        "O3's totals",
    );

    // The CSV: the same rows, a column per field.
    let csv = server.admin(&format!("/api/v1/admin/quality.csv?from={month}&to={month}&org=O3"));
    assert_eq!(csv.status, 200, "{}", csv.body);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "month,org_unit_id,name,parent_id,ratings,clarity_answers,clarity_average,talked_yes,talked_partly,talked_no,talked_share,met_pairs,met_pairs_rated,response_rate,withheld,counted_above"
    );
    let o4 = expected_quality(&["O4"]);
    assert_eq!(
        lines[2],
        format!(
            "{month},O4,開発課,O3,{},{},{:.4},{},{},{},{:.4},{},{},{:.4},,0",
            o4["ratings"],
            o4["clarity_answers"],
            o4["clarity_average"].as_f64().unwrap(),
            o4["talked_yes"],
            o4["talked_partly"],
            o4["talked_no"],
            o4["talked_share"].as_f64().unwrap(),
            o4["met_pairs"],
            o4["met_pairs_rated"],
            o4["response_rate"].as_f64().unwrap()
        )
    );
    assert_eq!(lines[3], format!("{month},O5,品質課,O3,,,,,,,,,,,fewer_ratings,2"));
    assert_eq!(lines.len(), 4);
    let csv_now = server.admin(&format!("/api/v1/admin/quality.csv?from={now}&to={now}"));
    assert!(
        csv_now
            .body
            .lines()
            .skip(1)
            .all(|l| l.ends_with(",,,,,,,,,,not_final,0")),
        "{}",
        csv_now.body
    );
    // Every read is in the audit log, with its range.
    let log = taiwa_server::store::audit_entries(&server.pool(), 50).unwrap();
    let quality_reads = log.iter().filter(|e| e.1 == common::ADMIN && e.2 == "quality").count();
    assert_eq!(quality_reads, 3);
    assert!(
        log.iter()
            .any(|e| e.2 == "quality_csv" && e.3.contains("\"org\":\"O3\"")),
        "{log:?}"
    );

    // Bad queries: clear 400s (404 for an unknown unit), whichever form.
    for path in ["/api/v1/admin/quality", "/api/v1/admin/quality.csv"] {
        let missing = server.admin(path);
        assert_eq!(missing.status, 400, "{}", missing.body);
        assert_eq!(
            missing.json()["error"]["message"],
            "the query parameter 'from' is required"
        );
        for (query, says) in [
            ("from=2026-13&to=2026-12".to_owned(), "2026-13"),
            ("from=May&to=2026-01".to_owned(), "May"),
            ("from=2026-05&to=2026-01".to_owned(), "must run forward"),
            ("from=2023-01&to=2026-01".to_owned(), "at most 36 months"),
            (format!("from={month}&to={month}&extra=1"), "extra"),
            (format!("from={month}&from={month}&to={month}"), "given twice"),
        ] {
            let reply = server.admin(&format!("{path}?{query}"));
            assert_eq!(reply.status, 400, "{path}?{query}: {}", reply.body);
            let message = reply.json()["error"]["message"].as_str().unwrap().to_owned();
            assert!(message.contains(says), "{path}?{query}: {message}");
        }
        let unknown = server.admin(&format!("{path}?from={month}&to={month}&org=NOPE"));
        assert_eq!(unknown.status, 404, "{}", unknown.body);
        assert_eq!(unknown.json()["error"]["code"], "not_found");
        // 36 months are one report; no token, a bogus one or a device's are refused.
        let longest = months_ago(35);
        assert_eq!(server.admin(&format!("{path}?from={longest}&to={now}")).status, 200);
        let query = format!("{path}?from={month}&to={month}");
        for token in [None, Some("twa_not-a-real-token"), Some(devices["E02"].as_str())] {
            let refused = server.get(&query, token);
            assert_eq!(refused.status, 401, "{query} with {token:?}: {}", refused.body);
            assert_eq!(refused.json()["error"]["code"], "unauthorized");
        }
    }
}
