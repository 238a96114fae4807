//! The member channel at company scale (docs/BENCHMARKS.md), on the real `taiwa-server` over
//! SQLite and PostgreSQL: 100,000 employees (the example company copied twenty times), every
//! direct report paired with their manager, then
//! - each member's browser sends a topic (a sealed message of the smallest padded size) and a
//!   rating, 32 at a time, as fast as the server answers, while HR reads the dashboard;
//! - each manager's app fetches its inbox and acknowledges it (the server deletes what was read);
//! - the database's size before, after the messages and ratings, and after the drain.
//!
//! The pairings and device tokens are written straight into the database (pairing 100,000 pairs
//! through codes would measure the pairing, not the relay); every message and rating goes through
//! HTTP. The bytes sent are random, of the sizes a sealed topic has: the server never opens them.
//! `cargo bench -p taiwa-server --bench relay` (scripts/bench); `-- --quick` is one copy and
//! 500 pairs, for CI. It never fails on a time.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::company::{company, percentiles};
use common::{Backend, Server};
use data_encoding::BASE64URL_NOPAD;
use serde_json::{Value, json};
use taiwa_server::db::V;

const CLIENTS: usize = 32;

struct Size {
    copies: usize,
    pairs: usize,
}

const FULL: Size = Size {
    copies: 20,
    pairs: 100_000,
};
const QUICK: Size = Size { copies: 1, pairs: 500 };

/// HR reading meanwhile: dashboards opened a second, by HR's people together (a company of
/// 100,000 has a few dozen in HR; each opening a dashboard every ten seconds or so, at most).
const HR_READS_PER_SECOND: f64 = 4.0;

/// A member's browser or a manager's app: one kept-alive connection for its requests, each step
/// of a request under a minute. (Not one timeout for the whole call, as the tests' `device_agent`
/// has: with it, ureq looks up the address on a new thread for every request, which on this
/// machine's two cores costs the clients more CPU than the server spends answering.)
fn client() -> ureq::Agent {
    let minute = Some(Duration::from_secs(60));
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(minute)
        .timeout_send_request(minute)
        .timeout_send_body(minute)
        .timeout_recv_response(minute)
        .timeout_recv_body(minute)
        .build()
        .into()
}

fn random_b64(n: usize, seed: usize) -> String {
    // Not secret, only of the right size and not compressible: the server stores it as it is.
    let mut state = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let bytes: Vec<u8> = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state & 0xff) as u8
        })
        .collect();
    BASE64URL_NOPAD.encode(&bytes)
}

/// The database's size in bytes (SQLite: the file and its log).
fn db_size(server: &Server, backend: Backend) -> u64 {
    match backend {
        Backend::Sqlite => ["server.db", "server.db-wal"]
            .iter()
            .map(|f| std::fs::metadata(server.dir.path().join(f)).map_or(0, |m| m.len()))
            .sum(),
        Backend::Postgres => {
            let rows = server
                .pool()
                .with(|c| {
                    c.query(
                        "SELECT CAST(pg_database_size(current_database()) AS BIGINT) AS size",
                        &[],
                    )
                })
                .unwrap();
            rows[0].int("size").unwrap() as u64
        }
    }
}

/// The company's month in Tokyo (the server's default zone), the month members rate.
fn company_month() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .format("%Y-%m")
        .to_string()
}

fn run(backend: Backend, size: &Size) {
    println!("== {backend:?}");
    let (orgs, emps) = company(size.copies);
    // Every client here comes from one loopback address, where members come from thousands: the
    // per-address limits are lifted so that they measure nothing here.
    let mut server = Server::start_with(
        backend,
        &orgs,
        &emps,
        "rate_limit_per_minute = 100000000\nmax_connections_per_address = 10000\n",
    );
    server.kill();
    let mut pairs: Vec<(String, String)> = emps
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (!f[4].is_empty()).then(|| (f[4].to_owned(), f[0].to_owned()))
        })
        .collect();
    pairs.truncate(size.pairs);
    let managers: std::collections::BTreeSet<String> = pairs.iter().map(|(m, _)| m.clone()).collect();
    let started = Instant::now();
    let pool = server.pool();
    let key = BASE64URL_NOPAD.encode(&[7u8; 32]);
    for (chunk_at, chunk) in pairs.chunks(1000).enumerate() {
        pool.write(|c| {
            for (i, (manager, member)) in chunk.iter().enumerate() {
                let n = chunk_at * 1000 + i;
                c.execute(
                    "INSERT INTO pairings (manager_id, member_id, manager_key, member_key, token_hash, since_day)
                     VALUES ($1, $2, $3, $4, $5, 0)",
                    &[
                        V::from(manager.as_str()),
                        V::from(member.as_str()),
                        V::from(key.as_str()),
                        V::from(key.as_str()),
                        V::from(taiwa_server::store::hash_secret(&format!("twm_bench_{n}"))),
                    ],
                )?;
            }
            Ok(())
        })
        .unwrap();
    }
    pool.write(|c| {
        for m in &managers {
            c.execute(
                "INSERT INTO devices (token_hash, employee_id, device_name, created_at) VALUES ($1, $2, 'bench', 0)",
                &[
                    V::from(taiwa_server::store::hash_secret(&format!("twd_bench_{m}"))),
                    V::from(m.as_str()),
                ],
            )?;
        }
        Ok(())
    })
    .unwrap();
    println!(
        "{} employees, {} pairs paired, {} managers with a device (written in {:.0} s)",
        emps.lines().count() - 1,
        pairs.len(),
        managers.len(),
        started.elapsed().as_secs_f64()
    );
    server.log_level = "info";
    server.serve();
    let before = db_size(&server, backend);

    // Members: a topic and a rating each, 32 browsers at a time; HR reads meanwhile.
    let month = company_month();
    let next = Arc::new(Mutex::new(0usize));
    let done = Arc::new(AtomicBool::new(false));
    let cookie = server.hr_session();
    let hr = {
        let (base, done) = (server.base.clone(), done.clone());
        std::thread::spawn(move || {
            let agent = client();
            let mut took = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let at = Instant::now();
                let mut r = agent
                    .get(&format!("{base}/hr/"))
                    .header("Cookie", &cookie)
                    .call()
                    .unwrap();
                let _ = r.body_mut().read_to_string();
                assert_eq!(r.status().as_u16(), 200);
                took.push(at.elapsed().as_secs_f64() * 1000.0);
                // HR's people open a dashboard HR_READS_PER_SECOND times a second between them.
                std::thread::sleep(Duration::from_secs_f64(1.0 / HR_READS_PER_SECOND).saturating_sub(at.elapsed()));
            }
            took
        })
    };
    let started = Instant::now();
    let retries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (base, next, month, total) = (server.base.clone(), next.clone(), month.clone(), pairs.len());
            let retries = retries.clone();
            std::thread::spawn(move || {
                let agent = client();
                let (mut sends, mut rates) = (Vec::new(), Vec::new());
                loop {
                    let n = {
                        let mut at = next.lock().unwrap();
                        let n = *at;
                        *at += 1;
                        n
                    };
                    if n >= total {
                        break;
                    }
                    let token = format!("Bearer twm_bench_{n}");
                    let post = |path: &str, body: Value| {
                        let at = Instant::now();
                        // A kept-alive connection the server has just closed is tried again on a
                        // new one (as a browser does); a message that did arrive then answers
                        // 409 (its number is taken), which counts as sent.
                        for attempt in 0..3 {
                            match agent
                                .post(&format!("{base}{path}"))
                                .header("Authorization", &token)
                                .header("Content-Type", "application/json")
                                .send(body.to_string().as_bytes())
                            {
                                Ok(mut r) => {
                                    let status = r.status().as_u16();
                                    assert!(
                                        r.status().is_success() || (attempt > 0 && status == 409),
                                        "{path}: {status}"
                                    );
                                    // Read to its end, as a browser does: only then is the
                                    // connection kept for the next request.
                                    let _ = r.body_mut().read_to_string();
                                    break;
                                }
                                Err(e) if attempt < 2 => {
                                    let _ = e;
                                    retries.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(e) => panic!("{path}: {e}"),
                            }
                        }
                        at.elapsed().as_secs_f64() * 1000.0
                    };
                    sends.push(post(
                        "/me/api/messages",
                        json!({"seq": 0, "enc": random_b64(32, n), "ciphertext": random_b64(256 + 16, n + 1)}),
                    ));
                    rates.push(post(
                        "/me/api/ratings",
                        json!({"month": month, "clarity": 1 + n % 5, "talked": "yes", "token": random_b64(32, n + 2)}),
                    ));
                }
                (sends, rates)
            })
        })
        .collect();
    let (mut sends, mut rates) = (Vec::new(), Vec::new());
    for w in workers {
        let (s, r) = w.join().unwrap();
        sends.extend(s);
        rates.extend(r);
    }
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let hr_reads = hr.join().unwrap();
    let after = db_size(&server, backend);
    let n = pairs.len() as f64;
    println!(
        "members: {} topics and {} ratings in {seconds:.1} s = {:.0} messages/s (a topic or a rating each, one request), {:.0} pairs/s ({CLIENTS} at a time)",
        sends.len(),
        rates.len(),
        2.0 * n / seconds,
        n / seconds
    );
    println!(
        "  a topic: {} ({} requests tried again on a new connection)",
        percentiles(sends),
        retries.load(Ordering::Relaxed)
    );
    println!("  a rating: {}", percentiles(rates));
    println!(
        "  HR's dashboard meanwhile ({HR_READS_PER_SECOND} a second at most): {}",
        percentiles(hr_reads)
    );
    println!(
        "  database: {:.1} MiB → {:.1} MiB, {:.0} bytes per topic and rating",
        before as f64 / 1_048_576.0,
        after as f64 / 1_048_576.0,
        (after.saturating_sub(before)) as f64 / n
    );

    // Managers: each app fetches its inbox and acknowledges it.
    let managers: Vec<String> = managers.into_iter().collect();
    let next = Arc::new(Mutex::new(0usize));
    let managers = Arc::new(managers);
    let started = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (base, next, managers) = (server.base.clone(), next.clone(), managers.clone());
            std::thread::spawn(move || {
                let agent = client();
                let mut drained = 0usize;
                loop {
                    let i = {
                        let mut at = next.lock().unwrap();
                        let i = *at;
                        *at += 1;
                        i
                    };
                    let Some(manager) = managers.get(i) else { break };
                    let token = format!("Bearer twd_bench_{manager}");
                    let mut r = agent
                        .get(&format!("{base}/api/v1/channel/messages"))
                        .header("Authorization", &token)
                        .call()
                        .unwrap();
                    let inbox: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
                    let messages = inbox["messages"].as_array().unwrap();
                    drained += messages.len();
                    let acks: Vec<Value> = messages
                        .iter()
                        .map(|m| json!({"member_employee_id": m["member_employee_id"], "through": m["seq"]}))
                        .collect();
                    if !acks.is_empty() {
                        let mut r = agent
                            .post(&format!("{base}/api/v1/channel/acks"))
                            .header("Authorization", &token)
                            .header("Content-Type", "application/json")
                            .send(json!({"acks": acks}).to_string().as_bytes())
                            .unwrap();
                        assert!(r.status().is_success());
                        let _ = r.body_mut().read_to_string();
                    }
                }
                drained
            })
        })
        .collect();
    let drained: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let seconds = started.elapsed().as_secs_f64();
    let left = server
        .pool()
        .with(|c| c.query("SELECT CAST(count(*) AS BIGINT) AS left_over FROM relay", &[]))
        .unwrap()[0]
        .int("left_over")
        .unwrap();
    println!(
        "managers: {} inboxes read and acknowledged, {drained} messages, in {seconds:.1} s = {:.0} messages/s; {left} left in the relay",
        managers.len(),
        drained as f64 / seconds
    );
    println!(
        "  database after the drain: {:.1} MiB",
        db_size(&server, backend) as f64 / 1_048_576.0
    );
    server.kill();
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let size = if quick { &QUICK } else { &FULL };
    // `TAIWA_BENCH_BACKEND=postgres` measures one database only.
    let only = std::env::var("TAIWA_BENCH_BACKEND").unwrap_or_default();
    if only != "postgres" {
        run(Backend::Sqlite, size);
    }
    if only == "sqlite" {
        return;
    }
    if std::env::var_os("TAIWA_TEST_POSTGRES").is_some() {
        run(Backend::Postgres, size);
    } else {
        println!("== Postgres: not measured (TAIWA_TEST_POSTGRES is not set)");
    }
}
