//! The member channel through the real server, on SQLite and PostgreSQL: pairing with a code, the
//! relay of sealed messages (sealed and opened here with taiwa-channel, as the app and the page
//! do), acknowledgement and the 60-day sweep, and ratings the database cannot tie to a person.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Server};
use data_encoding::BASE64URL_NOPAD;
use serde_json::{Value, json};
use taiwa_channel::{Binding, Direction, PublicKey, Sealed, SecretKey, generate, open, safety_code, seal};
use taiwa_server::db::V;

on_both_backends!(
    a_member_pairs_with_a_code_and_both_sides_read_only_what_was_sealed_for_them,
    the_relay_keeps_padded_ciphertext_the_pair_and_the_day_and_no_word,
    messages_are_deleted_when_read_and_after_sixty_days,
    pairing_again_replaces_the_old_browser_and_unpairing_ends_everything,
    codes_pair_only_direct_reports_and_wrong_codes_run_out,
    ratings_are_stored_apart_from_who_gave_them,
    the_members_page_comes_from_the_server_itself_under_a_strict_policy,
    a_managers_team_clarity_is_shown_only_for_k_answers_once_final,
    a_team_s_clarity_that_hr_s_unit_figure_would_narrow_is_withheld,
    a_full_inbox_takes_nothing_more_until_it_is_read,
    ratings_that_arrive_together_are_all_kept_rewritten_together_with_the_team_s_sums,
);

fn b64(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

fn key_of(text: &str) -> PublicKey {
    PublicKey(BASE64URL_NOPAD.decode(text.as_bytes()).unwrap().try_into().unwrap())
}

/// The manager's app's side of a pairing: its key for this pair and its code.
fn ask_code(server: &Server, device: &str, member: &str) -> (SecretKey, PublicKey, String) {
    let (secret, public) = generate();
    let reply = server.post_json(
        "/api/v1/pairings",
        Some(device),
        &json!({"member_employee_id": member, "manager_key": b64(&public.0)}),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    (secret, public, reply.json()["code"].as_str().unwrap().to_owned())
}

/// The member's browser's side: its key, its token and the state the server answered.
fn use_code(server: &Server, code: &str) -> (SecretKey, PublicKey, String, Value) {
    let (secret, public) = generate();
    let reply = server.post_json(
        "/me/api/pair",
        None,
        &json!({"code": code, "member_key": b64(&public.0)}),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let body = reply.json();
    (
        secret,
        public,
        body["token"].as_str().unwrap().to_owned(),
        body["state"].clone(),
    )
}

fn sealed_json(to: &PublicKey, binding: &Binding<'_>, text: &str) -> Value {
    let sealed = seal(to, binding, text.as_bytes()).unwrap();
    json!({"seq": binding.seq, "enc": b64(&sealed.enc), "ciphertext": b64(&sealed.ciphertext)})
}

fn opened(key: &SecretKey, binding: &Binding<'_>, message: &Value) -> String {
    let sealed = Sealed {
        enc: BASE64URL_NOPAD
            .decode(message["enc"].as_str().unwrap().as_bytes())
            .unwrap()
            .try_into()
            .unwrap(),
        ciphertext: BASE64URL_NOPAD
            .decode(message["ciphertext"].as_str().unwrap().as_bytes())
            .unwrap(),
    };
    String::from_utf8(open(key, binding, &sealed).unwrap()).unwrap()
}

fn binding<'a>(member: &'a str, direction: Direction, seq: u64) -> Binding<'a> {
    Binding {
        manager: "E02",
        member,
        direction,
        seq,
    }
}

fn relay_rows(server: &Server) -> Vec<taiwa_server::db::Row> {
    server
        .pool()
        .with(|c| c.query("SELECT * FROM relay ORDER BY member_id, direction, seq", &[]))
        .unwrap()
}

fn a_member_pairs_with_a_code_and_both_sides_read_only_what_was_sealed_for_them(backend: Backend) {
    let server = Server::start(backend);
    let device = server.enrol("E02");
    let (manager_secret, manager_public, code) = ask_code(&server, &device, "E04");
    let waiting = server.get("/api/v1/pairings", Some(&device)).json();
    assert_eq!(waiting["pairings"][0]["state"], "waiting");
    assert_eq!(waiting["pairings"][0]["member_key"], Value::Null);

    // The member types the code as people do: lower case, without the dash.
    let typed = code.replace('-', " ").to_lowercase();
    let (member_secret, member_public, token, state) = use_code(&server, &typed);
    assert_eq!(state["manager"], json!({"employee_id": "E02", "name": "山本 享子"}));
    assert_eq!(state["member"], json!({"employee_id": "E04", "name": "山田 悠真"}));
    assert_eq!(state["next_seq"], 0);
    // Both screens show one safety code, each from the keys it holds.
    let on_page = safety_code(&key_of(state["manager_key"].as_str().unwrap()), &member_public);
    let paired = server.get("/api/v1/pairings", Some(&device)).json();
    let entry = &paired["pairings"][0];
    assert_eq!(entry["state"], "paired");
    assert_eq!(entry["since"], state["since"]);
    let in_app = safety_code(&manager_public, &key_of(entry["member_key"].as_str().unwrap()));
    assert_eq!(on_page, in_app);
    // A code works once.
    let again = server.post_json(
        "/me/api/pair",
        None,
        &json!({"code": code, "member_key": b64(&[9; 32])}),
    );
    assert_eq!(
        (again.status, again.json()["error"]["code"].clone()),
        (400, json!("invalid_code"))
    );

    // The member sends a topic; the number must be the next one.
    let topic = r#"{"type":"topic","id":"t1","text":"来期の目標について相談したい","kind":"career","wants":"think"}"#;
    let to_manager = |seq| binding("E04", Direction::ToManager, seq);
    let sent = server.post_json(
        "/me/api/messages",
        Some(&token),
        &sealed_json(&manager_public, &to_manager(0), topic),
    );
    assert_eq!((sent.status, sent.json()), (201, json!({"next_seq": 1})));
    for seq in [0, 5] {
        let wrong = server.post_json(
            "/me/api/messages",
            Some(&token),
            &sealed_json(&manager_public, &to_manager(seq), topic),
        );
        assert_eq!(wrong.status, 409, "{}", wrong.body);
        assert_eq!(wrong.json()["error"]["code"], "conflict");
        assert!(
            wrong.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("1 is the next")
        );
    }
    assert_eq!(server.get("/me/api/state", Some(&token)).json()["next_seq"], 1);

    // The manager's app reads it, opens it, and acknowledges it.
    let inbox = server.get("/api/v1/channel/messages", Some(&device)).json();
    assert_eq!(inbox["more"], false);
    let message = &inbox["messages"][0];
    assert_eq!(message["member_employee_id"], "E04");
    assert_eq!(opened(&manager_secret, &to_manager(0), message), topic);
    let acked = server.post_json(
        "/api/v1/channel/acks",
        Some(&device),
        &json!({"acks": [{"member_employee_id": "E04", "through": 0}]}),
    );
    assert_eq!(acked.json(), json!({"deleted": 1}));
    assert!(
        server.get("/api/v1/channel/messages", Some(&device)).json()["messages"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The manager sends the summary back; only the member's key opens it.
    let summary = r#"{"type":"summary","summary":{"held_on":"2026-12-07","agenda":[{"text":"来期の目標","done":true}],"items":[]}}"#;
    let to_member = binding("E04", Direction::ToMember, 0);
    let mut send = sealed_json(&member_public, &to_member, summary);
    send["member_employee_id"] = json!("E04");
    let sent = server.post_json("/api/v1/channel/messages", Some(&device), &send);
    assert_eq!(sent.status, 201, "{}", sent.body);
    let inbox = server.get("/me/api/messages", Some(&token)).json();
    let message = &inbox["messages"][0];
    assert_eq!(opened(&member_secret, &to_member, message), summary);
    // The manager's own key does not open what was sealed to the member.
    let sealed = Sealed {
        enc: BASE64URL_NOPAD
            .decode(message["enc"].as_str().unwrap().as_bytes())
            .unwrap()
            .try_into()
            .unwrap(),
        ciphertext: BASE64URL_NOPAD
            .decode(message["ciphertext"].as_str().unwrap().as_bytes())
            .unwrap(),
    };
    assert!(open(&manager_secret, &to_member, &sealed).is_err());
    // A member acknowledges only their own pair's messages.
    let other = server.post_json(
        "/me/api/acks",
        Some(&token),
        &json!({"acks": [{"member_employee_id": "E05", "through": 0}]}),
    );
    assert_eq!(other.status, 403, "{}", other.body);
    let own = server.post_json(
        "/me/api/acks",
        Some(&token),
        &json!({"acks": [{"member_employee_id": "E04", "through": 0}]}),
    );
    assert_eq!(own.json(), json!({"deleted": 1}));
    assert!(relay_rows(&server).is_empty());

    // No token, a device token on the member's API, a member token on the device's: refused.
    assert_eq!(server.get("/me/api/state", None).status, 401);
    assert_eq!(server.get("/me/api/state", Some(&device)).status, 401);
    assert_eq!(server.get("/api/v1/channel/messages", Some(&token)).status, 401);
}

fn the_relay_keeps_padded_ciphertext_the_pair_and_the_day_and_no_word(backend: Backend) {
    let server = Server::start(backend);
    let device = server.enrol("E02");
    let (_, manager_public, code) = ask_code(&server, &device, "E05");
    let (_, _, token, _) = use_code(&server, &code);
    let words = [
        "体調のこと",
        &"上司との関係について。".repeat(20),
        &"長い相談".repeat(400),
    ];
    for (seq, text) in words.iter().enumerate() {
        let body = format!(r#"{{"type":"topic","id":"t{seq}","text":"{text}","kind":"health","wants":"listen"}}"#);
        let b = binding("E05", Direction::ToManager, seq as u64);
        let reply = server.post_json(
            "/me/api/messages",
            Some(&token),
            &sealed_json(&manager_public, &b, &body),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    // A ciphertext of a size no padding makes is refused, and nothing is stored for it.
    let odd = server.post_json(
        "/me/api/messages",
        Some(&token),
        &json!({"seq": 3, "enc": b64(&[1; 32]), "ciphertext": b64(&[2; 300])}),
    );
    assert_eq!(odd.status, 400, "{}", odd.body);
    assert!(odd.json()["error"]["message"].as_str().unwrap().contains("ciphertext"));

    let rows = relay_rows(&server);
    assert_eq!(rows.len(), 3);
    let mut columns = rows[0].columns().to_vec();
    columns.sort_unstable();
    assert_eq!(
        columns,
        [
            "arrived_day",
            "ciphertext",
            "direction",
            "enc",
            "manager_id",
            "member_id",
            "seq"
        ],
        "the relay keeps these columns and no other"
    );
    let mut sizes = Vec::new();
    for row in &rows {
        let ciphertext = BASE64URL_NOPAD
            .decode(row.text("ciphertext").unwrap().as_bytes())
            .unwrap();
        sizes.push(ciphertext.len());
        for word in ["体調", "上司", "相談", "health", "topic"] {
            assert!(!row.text("ciphertext").unwrap().contains(word));
            assert!(
                !ciphertext.windows(word.len()).any(|w| w == word.as_bytes()),
                "{word} in the clear"
            );
        }
        // The day it arrived, as the start of that day in the company's zone (Asia/Tokyo): no hour.
        let day = row.int("arrived_day").unwrap();
        assert_eq!((day + 9 * 3600) % 86_400, 0, "{day} is not a day's start in Tokyo");
        assert!((taiwa_server::store::now() - day) < 86_400 + 3600);
    }
    assert_eq!(
        sizes,
        [256 + 16, 1024 + 16, 16384 + 16],
        "three lengths, three padded sizes"
    );
    // The day is the company's, as set now: in Asia/Kolkata (UTC+5:30, no summer time) a day
    // starts at 18:30 UTC.
    server
        .cli(&["settings", "set", "time_zone", "Asia/Kolkata"], &[])
        .assert_ok();
    let b = binding("E05", Direction::ToManager, 3);
    let reply = server.post_json(
        "/me/api/messages",
        Some(&token),
        &sealed_json(&manager_public, &b, r#"{"type":"topic","id":"t3","text":"追加"}"#),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let day = relay_rows(&server)[3].int("arrived_day").unwrap();
    assert_eq!((day + 11 * 1800) % 86_400, 0, "{day} is not a day's start in Kolkata");
}

fn messages_are_deleted_when_read_and_after_sixty_days(backend: Backend) {
    let server = Server::start(backend);
    let device = server.enrol("E02");
    let (_, manager_public, code) = ask_code(&server, &device, "E04");
    let (_, _, token, _) = use_code(&server, &code);
    for seq in 0..3 {
        let b = binding("E04", Direction::ToManager, seq);
        let reply = server.post_json(
            "/me/api/messages",
            Some(&token),
            &sealed_json(&manager_public, &b, r#"{"type":"ask_soon","note":null}"#),
        );
        assert_eq!(reply.status, 201);
    }
    // Acknowledging through 1 deletes 0 and 1; 2 waits.
    let acked = server.post_json(
        "/api/v1/channel/acks",
        Some(&device),
        &json!({"acks": [{"member_employee_id": "E04", "through": 1}]}),
    );
    assert_eq!(acked.json(), json!({"deleted": 2}));
    let left: Vec<i64> = relay_rows(&server).iter().map(|r| r.int("seq").unwrap()).collect();
    assert_eq!(left, [2]);

    // Nobody reads 2: it is kept for sixty days, then deleted whatever happens.
    let pool = server.pool();
    let now = taiwa_server::store::now();
    let day = 86_400;
    let swept = taiwa_server::store::sweep_channel(&pool, now + 59 * day).unwrap();
    assert_eq!(swept.messages, 0);
    assert_eq!(relay_rows(&server).len(), 1);
    let swept = taiwa_server::store::sweep_channel(&pool, now + 61 * day).unwrap();
    assert_eq!(swept.messages, 1);
    assert!(relay_rows(&server).is_empty());
    // The number goes on: the sweep does not make room for a replay of 2.
    let b = binding("E04", Direction::ToManager, 2);
    let replay = server.post_json(
        "/me/api/messages",
        Some(&token),
        &sealed_json(&manager_public, &b, r#"{"type":"ask_soon","note":null}"#),
    );
    assert_eq!(replay.status, 409);
}

fn pairing_again_replaces_the_old_browser_and_unpairing_ends_everything(backend: Backend) {
    let server = Server::start(backend);
    let device = server.enrol("E02");
    let (_, first_key, code) = ask_code(&server, &device, "E04");
    let (_, _, old_token, _) = use_code(&server, &code);
    let b = binding("E04", Direction::ToManager, 0);
    let reply = server.post_json(
        "/me/api/messages",
        Some(&old_token),
        &sealed_json(&first_key, &b, r#"{"type":"ask_soon","note":null}"#),
    );
    assert_eq!(reply.status, 201);

    // A new code: the old browser keeps working until the new code is used.
    let (_, second_key, code) = ask_code(&server, &device, "E04");
    assert_eq!(server.get("/me/api/state", Some(&old_token)).status, 200);
    let waiting = server.get("/api/v1/pairings", Some(&device)).json();
    assert_eq!(waiting["pairings"][0]["state"], "waiting");
    assert_eq!(waiting["pairings"][0]["manager_key"], b64(&second_key.0));
    let (_, new_member_key, new_token, state) = use_code(&server, &code);
    assert_eq!(
        server.get("/me/api/state", Some(&old_token)).status,
        401,
        "the old browser is out"
    );
    assert_eq!(state["manager_key"], b64(&second_key.0));
    assert_eq!(state["next_seq"], 0, "numbers start again with new keys");
    assert!(
        relay_rows(&server).is_empty(),
        "what the old pairing left waiting is gone"
    );
    let paired = server.get("/api/v1/pairings", Some(&device)).json();
    assert_eq!(paired["pairings"][0]["member_key"], b64(&new_member_key.0));

    // Unpairing ends the token and the waiting messages.
    let b = binding("E04", Direction::ToManager, 0);
    server.post_json(
        "/me/api/messages",
        Some(&new_token),
        &sealed_json(&second_key, &b, r#"{"type":"ask_soon","note":null}"#),
    );
    let unpaired = server.request("DELETE", "/api/v1/pairings/E04", Some(&device), None, None);
    assert_eq!(unpaired.status, 204);
    assert_eq!(server.get("/me/api/state", Some(&new_token)).status, 401);
    assert!(relay_rows(&server).is_empty());
    assert_eq!(
        server.get("/api/v1/pairings", Some(&device)).json(),
        json!({"pairings": []})
    );
    // Unpairing one already unpaired answers the same.
    let again = server.request("DELETE", "/api/v1/pairings/E04", Some(&device), None, None);
    assert_eq!(again.status, 204);
}

fn codes_pair_only_direct_reports_and_wrong_codes_run_out(backend: Backend) {
    let server = Server::start(backend);
    let device = server.enrol("E02");
    let key = b64(&generate().1.0);
    // E06 reports to E03, and E99 does not exist: the same answer for both.
    for member in ["E06", "E99"] {
        let reply = server.post_json(
            "/api/v1/pairings",
            Some(&device),
            &json!({"member_employee_id": member, "manager_key": key}),
        );
        assert_eq!(reply.status, 404, "{}", reply.body);
        assert!(
            reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("direct report")
        );
    }
    let short = server.post_json(
        "/api/v1/pairings",
        Some(&device),
        &json!({"member_employee_id": "E04", "manager_key": "c2hvcnQ"}),
    );
    assert_eq!(short.status, 400);
    assert!(
        short.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("manager_key")
    );

    let (_, _, code) = ask_code(&server, &device, "E04");
    // Wrong codes sharing the real code's first group are counted against it: after five, it
    // is spent, and the real code no longer pairs.
    let first = &code[..4];
    for i in 0..5 {
        let wrong = format!("{first}-ZZZ{i}");
        let reply = server.post_json("/me/api/pair", None, &json!({"code": wrong, "member_key": key}));
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert_eq!(reply.json()["error"]["code"], "invalid_code");
        assert!(
            reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("ask your manager")
        );
    }
    let real = server.post_json("/me/api/pair", None, &json!({"code": code, "member_key": key}));
    assert_eq!(real.status, 400, "{}", real.body);
    // A new code works.
    let (_, _, code) = ask_code(&server, &device, "E04");
    use_code(&server, &code);
}

/// One member's rating through their browser: (status, body).
fn rate(
    server: &Server,
    token: &str,
    month: &str,
    clarity: Option<u8>,
    talked: Option<&str>,
    rating_token: &[u8; 32],
) -> (u16, Value) {
    let reply = server.post_json(
        "/me/api/ratings",
        Some(token),
        &json!({"month": month, "clarity": clarity, "talked": talked, "token": b64(rating_token)}),
    );
    (reply.status, serde_json::from_str(&reply.body).unwrap_or(Value::Null))
}

fn ratings_are_stored_apart_from_who_gave_them(backend: Backend) {
    let server = Server::start(backend);
    let e03 = server.enrol("E03");
    // E06, E07 and E08 are in 開発課 (O4) under E03; each rates this month's 1on1.
    let mut tokens = Vec::new();
    for member in ["E06", "E07", "E08"] {
        let (_, _, code) = ask_code(&server, &e03, member);
        let (_, _, token, state) = use_code(&server, &code);
        tokens.push((token, state));
    }
    let month = tokens[0].1["rateable"][1].as_str().unwrap().to_owned();
    let last_month = tokens[0].1["rateable"][0].as_str().unwrap().to_owned();
    let given = [(5, "yes", [1u8; 32]), (2, "no", [2u8; 32]), (4, "partly", [3u8; 32])];
    for ((token, _), (clarity, talked, rating_token)) in tokens.iter().zip(given) {
        let (status, body) = rate(&server, token, &month, Some(clarity), Some(talked), &rating_token);
        assert_eq!(status, 201, "{body}");
        assert!(body["changeable_until"].as_str().unwrap().len() == 10);
    }
    assert_eq!(
        server.get("/me/api/state", Some(&tokens[0].0)).json()["rated"],
        json!([month])
    );

    let pool = server.pool();
    let query = |sql: &str| pool.with(|c| c.query(sql, &[])).unwrap();
    let ratings = query("SELECT * FROM ratings");
    let marks = query("SELECT * FROM rating_marks");
    assert_eq!((ratings.len(), marks.len()), (3, 3));
    let mut rating_columns = ratings[0].columns().to_vec();
    rating_columns.sort_unstable();
    assert_eq!(
        rating_columns,
        ["clarity", "given_day", "month", "org_unit_id", "talked", "token_hash"],
        "a score is kept with its unit, month, day and token hash: no person"
    );
    let mut mark_columns = marks[0].columns().to_vec();
    mark_columns.sort_unstable();
    assert_eq!(
        mark_columns,
        ["manager_id", "member_id", "month"],
        "a mark has no score and no day"
    );
    // Scores are stored in the order of their token's hash, never in the order they came, on
    // either database (PostgreSQL's physical order is read through ctid).
    let physical = match backend {
        Backend::Sqlite => query("SELECT token_hash FROM ratings"),
        Backend::Postgres => query("SELECT token_hash FROM ratings ORDER BY ctid"),
    };
    let stored: Vec<String> = physical.iter().map(|r| r.text("token_hash").unwrap()).collect();
    let mut by_hash = stored.clone();
    by_hash.sort();
    assert_eq!(stored, by_hash);
    // Every score was given on one day, under one unit and month: any of the 3! ways of giving
    // the three scores to the three marks fits everything stored.
    let days: std::collections::BTreeSet<i64> = ratings.iter().map(|r| r.int("given_day").unwrap()).collect();
    let units: std::collections::BTreeSet<String> = ratings.iter().map(|r| r.text("org_unit_id").unwrap()).collect();
    assert_eq!(
        (days.len(), units.into_iter().collect::<Vec<_>>()),
        (1, vec!["O4".to_owned()])
    );

    // The same browser changes its rating; another browser of the same pair cannot rate again.
    let (status, _) = rate(&server, &tokens[1].0, &month, Some(3), None, &[2u8; 32]);
    assert_eq!(status, 200);
    let changed = pool
        .with(|c| c.query("SELECT clarity, talked FROM ratings WHERE clarity = $1", &[V::Int(3)]))
        .unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].opt_text("talked").unwrap(), None);
    let (status, body) = rate(&server, &tokens[1].0, &month, Some(1), None, &[9u8; 32]);
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("conflict")),
        "{body}"
    );
    // Last month can be rated too; the month before that, a bad score or no answer cannot.
    let (status, _) = rate(&server, &tokens[1].0, &last_month, None, Some("yes"), &[8u8; 32]);
    assert_eq!(status, 201);
    let too_old = common::months_ago(3);
    assert_eq!(rate(&server, &tokens[1].0, &too_old, Some(3), None, &[7u8; 32]).0, 400);
    assert_eq!(
        rate(&server, &tokens[2].0, &last_month, Some(6), None, &[6u8; 32]).0,
        400
    );
    assert_eq!(rate(&server, &tokens[2].0, &last_month, None, None, &[6u8; 32]).0, 400);

    // Ratings of months more than 25 back are deleted by the sweep, with their marks; the others stay.
    let old = taiwa_server::store::month_index(common::months_ago(26).parse().unwrap());
    pool.write(|c| {
        c.execute(
            "INSERT INTO ratings (token_hash, org_unit_id, month, clarity, talked, given_day) VALUES ('old', 'O4', $1, 3, NULL, 0)",
            &[V::Int(old)],
        )?;
        c.execute(
            "INSERT INTO rating_marks (manager_id, member_id, month) VALUES ('E03', 'E06', $1)",
            &[V::Int(old)],
        )
    })
    .unwrap();
    let swept = taiwa_server::store::sweep_channel(&pool, taiwa_server::store::now()).unwrap();
    assert_eq!(swept.ratings, 1);
    assert_eq!(
        query("SELECT * FROM rating_marks").len(),
        4,
        "three this month, one last month"
    );
    assert_eq!(query("SELECT * FROM ratings").len(), 4);

    // A week on, the token no longer changes the rating (the stored day is moved back eight days).
    pool.write(|c| c.execute("UPDATE ratings SET given_day = given_day - $1", &[V::Int(8 * 86_400)]))
        .unwrap();
    let (status, body) = rate(&server, &tokens[0].0, &month, Some(1), None, &[1u8; 32]);
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("7 days"));
}

fn the_members_page_comes_from_the_server_itself_under_a_strict_policy(backend: Backend) {
    let server = Server::start(backend);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let get = |path: &str, gzip: bool| {
        let mut request = agent.get(&format!("{}{path}", server.base));
        if gzip {
            request = request.header("Accept-Encoding", "gzip");
        }
        request.call().unwrap()
    };
    let moved = get("/me", false);
    assert_eq!(moved.status().as_u16(), 308);
    let mut page = get("/me/", false);
    assert_eq!(page.status().as_u16(), 200);
    let header = |r: &ureq::http::Response<ureq::Body>, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let policy = header(&page, "content-security-policy");
    for rule in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(rule), "{policy}");
    }
    assert_eq!(header(&page, "cache-control"), "no-store");
    let html = page.body_mut().read_to_string().unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing from elsewhere: {html}"
    );
    // Every script and style it names is served here, gzipped for a browser that takes it, and
    // kept for a year (its name changes with its content).
    let assets: Vec<&str> = html.split('"').filter(|part| part.starts_with("/me/assets/")).collect();
    assert!(
        assets.iter().any(|a| a.ends_with(".js")) && assets.iter().any(|a| a.ends_with(".css")),
        "{assets:?}"
    );
    for asset in assets {
        let plain = get(asset, false);
        let zipped = get(asset, true);
        assert_eq!(
            (plain.status().as_u16(), zipped.status().as_u16()),
            (200, 200),
            "{asset}"
        );
        assert_eq!(header(&zipped, "content-encoding"), "gzip", "{asset}");
        assert!(header(&zipped, "cache-control").contains("immutable"));
        let length = |r: &ureq::http::Response<ureq::Body>| header(r, "content-length").parse::<usize>().unwrap();
        assert!(length(&zipped) < length(&plain), "{asset}");
    }
    assert_eq!(get("/me/assets/nothing.js", false).status().as_u16(), 404);
}

fn a_managers_team_clarity_is_shown_only_for_k_answers_once_final(backend: Backend) {
    let server = Server::start(backend);
    server.cli(&["settings", "set", "k", "3"], &[]).assert_ok();
    let e03 = server.enrol("E03");
    // E06, E07 and E08 report to E03; each rates this month, two with a すっきり度.
    let mut tokens = Vec::new();
    for member in ["E06", "E07", "E08"] {
        let (_, _, code) = ask_code(&server, &e03, member);
        let (_, _, token, state) = use_code(&server, &code);
        tokens.push((token, state["rateable"][1].as_str().unwrap().to_owned()));
    }
    let answers = [(Some(5), [1u8; 32]), (Some(2), [2u8; 32]), (None, [3u8; 32])];
    for ((token, month), (clarity, rating_token)) in tokens.iter().zip(answers) {
        let (status, body) = rate(&server, token, month, clarity, Some("yes"), &rating_token);
        assert_eq!(status, 201, "{body}");
    }
    let sums = |server: &Server| {
        let rows = server
            .pool()
            .with(|c| {
                c.query(
                    "SELECT manager_id, raters, clarity_sum, clarity_n FROM team_ratings",
                    &[],
                )
            })
            .unwrap();
        rows.iter()
            .map(|r| {
                (
                    r.text("manager_id").unwrap(),
                    r.int("raters").unwrap(),
                    r.int("clarity_sum").unwrap(),
                    r.int("clarity_n").unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        sums(&server),
        [("E03".to_owned(), 3, 7, 2)],
        "running sums, no row per rating"
    );
    // The third member adds a すっきり度 within the week: the sums follow.
    let (status, _) = rate(&server, &tokens[2].0, &tokens[2].1, Some(4), Some("yes"), &[3u8; 32]);
    assert_eq!(status, 200);
    assert_eq!(sums(&server), [("E03".to_owned(), 3, 11, 3)]);

    // Final months, stored before anything is asked (a final month's ratings never change, and
    // the server keeps its answer): three months back with three answers, four back with two.
    for (member, clarity) in [("E06", Some(5)), ("E07", Some(3)), ("E08", Some(2))] {
        past_rating(&server, "E03", member, "O4", 3, clarity);
    }
    for (member, clarity) in [("E06", Some(5)), ("E07", Some(3)), ("E08", None)] {
        past_rating(&server, "E03", member, "O4", 4, clarity);
    }
    past_rating(&server, "E02", "E04", "O2", 3, Some(1));
    // This month is not final: withheld, whatever the count.
    let quality = server.get("/api/v1/team-quality", Some(&e03)).json();
    assert_eq!(quality["k"], 3);
    let months = quality["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    let rated = months.iter().find(|m| m["month"] == json!(tokens[0].1)).unwrap();
    assert_eq!(rated["withheld"], "not_final");
    assert_eq!(rated["average"], Value::Null);

    let quality = server.get("/api/v1/team-quality", Some(&e03)).json();
    let month = |back: i32| {
        quality["months"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["month"] == json!(common::months_ago(back)))
            .unwrap()
            .clone()
    };
    let shown = month(3);
    assert_eq!(
        (shown["raters"].as_u64(), shown["withheld"].clone()),
        (Some(3), Value::Null)
    );
    assert!((shown["average"].as_f64().unwrap() - 10.0 / 3.0).abs() < 1e-9);
    assert_eq!(month(4)["withheld"], "fewer_than_k", "two answers are two people's");
    assert_eq!(month(5)["withheld"], "fewer_than_k", "nobody rated");
    // Another manager's team is never in the answer: E02 sees only their own month of one rater.
    let e02 = server.enrol("E02");
    let theirs = server.get("/api/v1/team-quality", Some(&e02)).json();
    assert!(
        theirs["months"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["average"].is_null())
    );
}

/// A rating of the month `back` months ago, stored as `store::rate` stores one (which takes only
/// this month's and last month's): the mark, the score under the unit, the team's sums.
fn past_rating(server: &Server, manager: &str, member: &str, unit: &str, back: i32, clarity: Option<i64>) {
    let month = taiwa_server::store::month_index(common::months_ago(back).parse().unwrap());
    let token = format!("{manager}-{member}-{back}");
    server
        .pool()
        .write(|c| {
            c.execute(
                "INSERT INTO rating_marks (manager_id, member_id, month) VALUES ($1, $2, $3)",
                &[V::from(manager), V::from(member), V::Int(month)],
            )?;
            c.execute(
                "INSERT INTO ratings (token_hash, org_unit_id, month, clarity, talked, given_day) VALUES ($1, $2, $3, $4, 'yes', 0)",
                &[V::from(token.as_str()), V::from(unit), V::Int(month), V::from(clarity)],
            )?;
            c.execute(
                "INSERT INTO team_ratings (manager_id, month, raters, clarity_sum, clarity_n) VALUES ($1, $2, 1, $3, $4)
                 ON CONFLICT (manager_id, month) DO UPDATE SET raters = team_ratings.raters + 1,
                   clarity_sum = team_ratings.clarity_sum + excluded.clarity_sum,
                   clarity_n = team_ratings.clarity_n + excluded.clarity_n",
                &[V::from(manager), V::Int(month), V::Int(clarity.unwrap_or(0)), V::Int(i64::from(clarity.is_some()))],
            )
        })
        .unwrap();
}

/// The hole a manager who is also an org viewer could use: HR shows 開発課's すっきり度 over its
/// four raters, the app the team's over three of them; the difference would be the fourth's.
fn a_team_s_clarity_that_hr_s_unit_figure_would_narrow_is_withheld(backend: Backend) {
    // E09 sits in 開発課 (O4) but reports to E02.
    let employees = format!("{}E09,小林 翔,e09@example.co.jp,O4,E02\n", common::EMPLOYEES);
    let server = Server::start_with(backend, common::ORG_UNITS, &employees, "");
    server.cli(&["settings", "set", "k", "3"], &[]).assert_ok();
    let e03 = server.enrol("E03");
    for back in [3, 4] {
        for (member, clarity) in [("E06", 5), ("E07", 4), ("E08", 4)] {
            past_rating(&server, "E03", member, "O4", back, Some(clarity));
        }
    }
    past_rating(&server, "E02", "E09", "O4", 3, Some(1));
    let months = server.get("/api/v1/team-quality", Some(&e03)).json()["months"].clone();
    let month = |back: i32| {
        months
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["month"] == json!(common::months_ago(back)))
            .unwrap()
            .clone()
    };
    // Three months ago E09 rated too: 開発課 is one group of four, the team three of them.
    assert_eq!(month(3)["withheld"], "would_tell_fewer");
    assert_eq!(month(3)["average"], Value::Null);
    assert_eq!(month(3)["raters"], Value::Null);
    // Four months ago the unit's ratings are the team's: nothing more to subtract.
    assert_eq!(month(4)["withheld"], Value::Null);
    assert!((month(4)["average"].as_f64().unwrap() - 13.0 / 3.0).abs() < 1e-9);
    // E02's team is E09's one rating: never shown.
    let e02 = server.enrol("E02");
    let theirs = server.get("/api/v1/team-quality", Some(&e02)).json();
    assert!(
        theirs["months"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["average"].is_null())
    );
}

fn a_full_inbox_takes_nothing_more_until_it_is_read(backend: Backend) {
    // 501 messages within a minute from one browser: past the per-token limit, lifted here.
    let server = Server::start_with(
        backend,
        common::ORG_UNITS,
        common::EMPLOYEES,
        "rate_limit_per_minute = 100000\n",
    );
    let device = server.enrol("E02");
    let (_, manager_public, code) = ask_code(&server, &device, "E05");
    let (_, _, token, _) = use_code(&server, &code);
    let send = |seq: u64| {
        let b = binding("E05", Direction::ToManager, seq);
        server.post_json(
            "/me/api/messages",
            Some(&token),
            &sealed_json(
                &manager_public,
                &b,
                &format!(r#"{{"type":"topic","id":"t{seq}","text":"話したいこと {seq}"}}"#),
            ),
        )
    };
    // A member's browser may leave 500 messages waiting unread, and no more.
    for seq in 0..500 {
        let sent = send(seq);
        assert_eq!(
            (sent.status, sent.json()["next_seq"].clone()),
            (201, json!(seq + 1)),
            "{}",
            sent.body
        );
    }
    let full = send(500);
    assert_eq!(
        (full.status, full.json()["error"]["code"].clone()),
        (409, json!("conflict"))
    );
    assert!(
        full.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("500 messages are waiting unread"),
        "{}",
        full.body
    );
    // Nothing of the refused message is kept, and its number is still the next.
    assert_eq!(relay_rows(&server).len(), 500);
    assert_eq!(server.get("/me/api/state", Some(&token)).json()["next_seq"], 500);
    // The manager's app reads a page of them and acknowledges it: the member may send again.
    let inbox = server.get("/api/v1/channel/messages", Some(&device)).json();
    assert_eq!(inbox["more"], true);
    let last = inbox["messages"].as_array().unwrap().last().unwrap()["seq"]
        .as_u64()
        .unwrap();
    let acked = server.post_json(
        "/api/v1/channel/acks",
        Some(&device),
        &json!({"acks": [{"member_employee_id": "E05", "through": last}]}),
    );
    assert_eq!(acked.json()["deleted"], last + 1);
    assert_eq!(send(500).status, 201);
    assert_eq!(relay_rows(&server).len() as u64, 500 - last);
}

/// Twelve members of one unit, all reporting to M01, rate at the same moment, then half of them
/// change their rating at the same moment: every rating is kept once, written again together by
/// the last one (on PostgreSQL, however the writes interleaved), and the team's running sums are
/// those of the scores stored.
fn ratings_that_arrive_together_are_all_kept_rewritten_together_with_the_team_s_sums(backend: Backend) {
    let members: Vec<String> = (1..=12).map(|i| format!("E{i:02}")).collect();
    let employees: String =
        std::iter::once("employee_id,name,email,org_unit_id,manager_id\nM01,部長,m01@example.co.jp,O1,\n".to_owned())
            .chain(
                members
                    .iter()
                    .map(|m| format!("{m},社員 {m},{}@example.co.jp,O2,M01\n", m.to_lowercase())),
            )
            .collect();
    let server = Server::start_with(
        backend,
        "org_unit_id,name,parent_id\nO1,本社,\nO2,開発課,O1\n",
        &employees,
        "",
    );
    let device = server.enrol("M01");
    let paired: Vec<(String, String)> = members
        .iter()
        .map(|m| {
            let (_, _, code) = ask_code(&server, &device, m);
            let (_, _, token, state) = use_code(&server, &code);
            (token, state["rateable"][1].as_str().unwrap().to_owned())
        })
        .collect();
    let all_at_once = |who: &[usize], clarity: &dyn Fn(usize) -> Option<u8>, expect: u16| {
        let barrier = std::sync::Barrier::new(who.len());
        std::thread::scope(|s| {
            for &i in who {
                let (server, paired, barrier) = (&server, &paired, &barrier);
                let clarity = clarity(i);
                s.spawn(move || {
                    barrier.wait();
                    let (status, body) = rate(
                        server,
                        &paired[i].0,
                        &paired[i].1,
                        clarity,
                        Some("yes"),
                        &[i as u8 + 1; 32],
                    );
                    assert_eq!(status, expect, "{body}");
                });
            }
        });
    };
    let first = |i: usize| Some(1 + (i % 5) as u8);
    let changed = |i: usize| {
        if i.is_multiple_of(4) {
            None
        } else {
            Some(5 - (i % 5) as u8)
        }
    };
    let everyone: Vec<usize> = (0..12).collect();
    all_at_once(&everyone, &first, 201);
    assert_rewritten_together(&server, backend, 12);
    let half: Vec<usize> = (0..12).filter(|i| i % 2 == 0).collect();
    all_at_once(&half, &changed, 200);

    let physical = assert_rewritten_together(&server, backend, 12);
    let pool = server.pool();
    let query = |sql: &str| pool.with(|c| c.query(sql, &[])).unwrap();
    assert_eq!(query("SELECT * FROM rating_marks").len(), 12);
    // The scores each member gave last, computed here: the stored ones and the team's sums.
    let expected: Vec<Option<u8>> = (0..12)
        .map(|i| if i % 2 == 0 { changed(i) } else { first(i) })
        .collect();
    let mut given: Vec<i64> = expected.iter().flatten().map(|&c| i64::from(c)).collect();
    let mut kept: Vec<i64> = physical.iter().filter_map(|r| r.opt_int("clarity").unwrap()).collect();
    given.sort_unstable();
    kept.sort_unstable();
    assert_eq!(kept, given);
    let team = query("SELECT raters, clarity_sum, clarity_n FROM team_ratings WHERE manager_id = 'M01'");
    assert_eq!(
        (
            team[0].int("raters").unwrap(),
            team[0].int("clarity_sum").unwrap(),
            team[0].int("clarity_n").unwrap()
        ),
        (12, given.iter().sum::<i64>(), given.len() as i64)
    );
}

/// The ratings as stored, checked to be `n` and to lie where no arrival order shows: on SQLite in
/// the order of their tokens' hashes (its key order); on PostgreSQL all written by one
/// transaction, the last rating's rewrite of the unit's month (one `xmin`), so no row kept the
/// place or the transaction it arrived with. (PostgreSQL's own placement, by free space, may
/// then differ from the order they were written in.)
fn assert_rewritten_together(server: &Server, backend: Backend, n: usize) -> Vec<taiwa_server::db::Row> {
    let pool = server.pool();
    let physical = pool
        .with(|c| c.query("SELECT token_hash, clarity FROM ratings", &[]))
        .unwrap();
    assert_eq!(physical.len(), n, "every rating kept once");
    match backend {
        Backend::Sqlite => {
            let stored: Vec<String> = physical.iter().map(|r| r.text("token_hash").unwrap()).collect();
            let mut by_hash = stored.clone();
            by_hash.sort();
            assert_eq!(stored, by_hash, "stored in token order");
        }
        Backend::Postgres => {
            let writers = pool
                .with(|c| {
                    c.query(
                        "SELECT CAST(count(DISTINCT CAST(xmin AS TEXT)) AS BIGINT) AS writers FROM ratings",
                        &[],
                    )
                })
                .unwrap();
            assert_eq!(writers[0].int("writers").unwrap(), 1, "rewritten together");
        }
    }
    physical
}
