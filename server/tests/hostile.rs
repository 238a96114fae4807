//! Thousands of malformed and hostile requests against the real server, on SQLite and on
//! PostgreSQL: none may answer 5xx, none may write anything, and HR's figures stay as they were.
//! `TAIWA_FUZZ_REQUESTS` sets how many (the CI run uses the default; docs/SECURITY.md reports a
//! run of 10,000 per backend).

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Server, months_ago, record, this_month};
use serde_json::{Value, json};

on_both_backends!(hostile_requests_get_4xx_and_change_nothing);

/// A small deterministic generator (xorshift), so that a failure can be replayed from its seed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A value of the wrong kind, an edge, or something hostile.
fn odd_value(d: &mut Dice) -> Value {
    match d.below(14) {
        0 => Value::Null,
        1 => json!(-1),
        2 => json!(u64::MAX),
        3 => json!(1e308),
        4 => json!("\u{0}"),
        5 => json!("\u{202e}E04\u{200b}"),
        6 => json!("Ｅ０４"),
        7 => json!("x".repeat(70_000)),
        8 => json!([1, 2, 3]),
        9 => json!({"$gt": ""}),
        10 => json!("'; DROP TABLE completions; --"),
        11 => json!(true),
        12 => json!("2026-13"),
        _ => json!("🙂".repeat(40)),
    }
}

/// A completions batch that the server must refuse whole: every record is wrong in some way for
/// manager E02 (not a report, a month out of range, a bad field…), so nothing may be written.
fn hostile_batch(d: &mut Dice) -> Vec<u8> {
    let now = this_month();
    let future = {
        let (y, m) = now.split_once('-').unwrap();
        let (y, m): (i32, u32) = (y.parse().unwrap(), m.parse().unwrap());
        if m == 12 {
            format!("{}-01", y + 1)
        } else {
            format!("{y}-{:02}", m + 1)
        }
    };
    let mut records = Vec::new();
    for _ in 0..=d.below(4) {
        let mut r = match d.below(6) {
            0 => record("E06", &now, 1, 30, 1), // E03's report, not E02's
            1 => record("E04", &future, 1, 30, 1),
            2 => record("E99", &now, 1, 30, 1),
            3 => record("E04", &months_ago(400), 1, 30, 1),
            4 => record("E05", &now, 2, 99_999, 1),
            _ => record("E04", &now, 1, 30, 1),
        };
        if d.below(2) == 0 || r["member_employee_id"] == "E04" && r["month"] == now.as_str() {
            let fields = [
                "member_employee_id",
                "month",
                "relationship",
                "sessions_held",
                "minutes",
                "revision",
                "note",
            ];
            r[*d.pick(&fields)] = odd_value(d);
        }
        if d.below(5) == 0 {
            // A cross 1on1 with oneself: refused. (A cross record for an unknown id is taken, by
            // design, so that answers never tell which ids exist: it is no hostile request.)
            r["relationship"] = json!("cross");
            r["member_employee_id"] = json!("E02");
        }
        records.push(r);
    }
    let body = json!({"records": records}).to_string().into_bytes();
    match d.below(8) {
        0 => body[..d.below(body.len().max(1))].to_vec(), // truncated
        1 => {
            let depth = 1 + d.below(5000);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
        }
        2 => {
            let mut b = body;
            let at = d.below(b.len());
            b[at] = 0xff;
            b
        }
        3 => br#"{"records": [{"member_employee_id": "E04", "month": "\ud800"}]}"#.to_vec(),
        _ => body,
    }
}

fn hostile_requests_get_4xx_and_change_nothing(backend: Backend) {
    let server = Server::start_with(
        backend,
        common::ORG_UNITS,
        common::EMPLOYEES,
        // Each request comes "from" its own address through a trusted proxy, so that the limit on
        // failed authentication does not stop the run from reaching the parsers.
        "rate_limit_per_minute = 1000000\ntrusted_proxies = [\"127.0.0.1\"]\n",
    );
    let token = server.enrol("E02");
    // Something HR already sees, which must not move.
    let reply = server.push(&token, json!([record("E04", &this_month(), 1, 30, 1)]));
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Read from the database itself: the address that sent the hostile requests is rate limited.
    let figures = || {
        [this_month(), months_ago(1)].map(|m| {
            let month: taiwa_protocol::Month = m.parse().unwrap();
            serde_json::to_value(
                taiwa_server::store::completion(&server.pool(), &Default::default(), month, None).unwrap(),
            )
            .unwrap()
        })
    };
    let before = figures();
    let rows = |server: &Server| {
        server
            .pool()
            .with(|c| c.query("SELECT CAST(count(*) AS BIGINT) AS stored FROM completions", &[]))
            .unwrap()[0]
            .int("stored")
            .unwrap()
    };
    let stored = rows(&server);

    let count: usize = std::env::var("TAIWA_FUZZ_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(600);
    let seed = 0x7a1a_2026_u64 ^ count as u64;
    let mut d = Dice(seed);
    let routes = [
        "/api/v1/completions",
        "/api/v1/enrol",
        "/api/v1/roster",
        "/api/v1/withdrawals",
        "/api/v1/device",
        "/api/v1/career-paths",
        "/api/v1/admin/completion",
        "/api/v1/admin/completion.csv",
        "/api/v1/admin/pairs",
        "/api/v1/admin/quality",
        "/api/v1/admin/quality.csv",
        "/healthz",
        "/hr/login",
        "/hr/",
        "/hr/settings",
        "/api/v1/../../etc/passwd",
        "/api/v1/completions%00",
    ];
    let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];
    let queries = [
        "",
        "?month=2026-13",
        "?month=9999-99&org=O1",
        "?month=abc&month=def",
        "?from=2026-01&to=2020-01",
        "?org=%ZZ",
        "?month=2026-01&org='%20OR%201=1",
        "?month=2026-01&extra=1",
    ];
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..count {
        // Mostly the routes as they are served (so that bodies reach the parsers), else anything.
        let real = [
            ("PUT", "/api/v1/completions"),
            ("PUT", "/api/v1/completions"),
            ("PUT", "/api/v1/completions"),
            ("POST", "/api/v1/enrol"),
            ("POST", "/api/v1/withdrawals"),
            ("GET", "/api/v1/roster"),
            ("GET", "/api/v1/career-paths"),
            ("GET", "/api/v1/admin/completion"),
            ("GET", "/api/v1/admin/completion.csv"),
            ("GET", "/api/v1/admin/pairs"),
            ("GET", "/api/v1/admin/quality"),
            ("GET", "/api/v1/admin/quality.csv"),
            ("POST", "/hr/login"),
            ("POST", "/hr/settings"),
            ("DELETE", "/api/v1/device"),
        ];
        let (method, route) = if d.below(5) < 4 {
            *d.pick(&real)
        } else {
            (*d.pick(&methods), *d.pick(&routes))
        };
        let path = format!("{route}{}", d.pick(&queries));
        let auth = match d.below(5) {
            0 => None,
            1 => Some(format!("random-{}", d.next())),
            2 => Some("x".repeat(8000)),
            3 => Some(server.admin_token.clone()),
            // The device itself is never revoked: the run goes on with a working token.
            _ if route == "/api/v1/device" => None,
            _ => Some(token.clone()),
        };
        let (content_type, body) = match d.below(6) {
            0 => (None, None),
            1 => (Some("text/plain"), Some(b"records=1".to_vec())),
            2 => (Some("application/json"), Some(vec![b'{'; 70_000])),
            3 => (
                Some("application/json"),
                Some(
                    json!({"code": odd_value(&mut d), "device_name": odd_value(&mut d)})
                        .to_string()
                        .into_bytes(),
                ),
            ),
            _ => (Some("application/json; charset=utf-8"), Some(hostile_batch(&mut d))),
        };
        let client = format!("10.{}.{}.{}", d.below(256), d.below(256), d.below(256));
        let reply = server.request_with(
            method,
            &path,
            auth.as_deref(),
            content_type,
            body.as_deref(),
            &[("X-Forwarded-For", client.as_str())],
        );
        assert!(
            reply.status < 500,
            "request {i} (seed {seed:#x}): {method} {path} answered {}: {}",
            reply.status,
            reply.body.chars().take(300).collect::<String>()
        );
        *statuses.entry(reply.status).or_insert(0) += 1;
    }
    eprintln!("{count} hostile requests on {backend:?}: {statuses:?}");
    assert_eq!(rows(&server), stored, "no partial write");
    assert_eq!(figures(), before, "HR's figures unchanged");
}
