//! The server's figures of docs/BENCHMARKS.md, on the real `taiwa-server` process over SQLite and
//! PostgreSQL: a company of 100,000 employees (the example company of `server/fixtures`
//! copied twenty times under one root) with 24 months of records, then
//! - HR's reads: the admin completion of the whole tree and the HR dashboard page (p50/p95/max);
//! - ingest: 50 enrolled devices pushing batches of 100 records at once (records per second).
//!
//! `cargo bench -p taiwa-server --bench figures` (what `scripts/bench` runs); `-- --quick` makes it
//! small (one copy, 3 months) so CI keeps it working; it never fails on a time. PostgreSQL is
//! measured when `TAIWA_TEST_POSTGRES` is set (scripts/bench starts the local cluster and sets it).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::company::{company, percentiles};
use common::{Backend, Server, device_agent, push_batch};
use serde_json::json;

const DEVICES: usize = 50;
const BATCH: usize = 100;

struct Size {
    copies: usize,
    months: i32,
    batches_per_device: usize,
    reads: usize,
}

const FULL: Size = Size {
    copies: 20,
    months: 24,
    batches_per_device: 20,
    reads: 40,
};
const QUICK: Size = Size {
    copies: 1,
    months: 3,
    batches_per_device: 2,
    reads: 4,
};

fn timed_get(agent: &ureq::Agent, url: &str, header: (&str, &str)) -> f64 {
    let started = Instant::now();
    let mut response = agent.get(url).header(header.0, header.1).call().unwrap();
    let body = response.body_mut().read_to_string().unwrap();
    let took = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(response.status().as_u16(), 200, "{url}: {body}");
    took
}

fn run(backend: Backend, size: &Size) {
    println!("== {backend:?}");
    let (orgs, emps) = company(size.copies);
    let people = emps.lines().count() - 1;
    let started = Instant::now();
    // Every client here comes from one loopback address, where devices come from thousands: the
    // per-address limits are lifted so that they measure nothing here.
    let mut server = Server::start_with(
        backend,
        &orgs,
        &emps,
        "rate_limit_per_minute = 100000000\nmax_connections_per_address = 10000\n",
    );
    server.kill();
    println!(
        "company: {people} employees, {} org units (imported in {:.0} s)",
        orgs.lines().count() - 1,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let demo = server.cli(&["demo", "--months", &size.months.to_string(), "--seed", "1"], &[]);
    demo.assert_ok();
    println!(
        "records: {} months of demonstration records ({:.0} s): {}",
        size.months,
        started.elapsed().as_secs_f64(),
        demo.stdout_line()
    );
    server.log_level = "info";
    server.serve();
    reads(&server, size, &emps);
    ingest(&server, &emps, size);
    server.kill();
}

/// HR's reads: the admin API's completion for the whole tree, and the dashboard page. Three
/// cases: the first read after the server starts (it builds the views), reads of months kept
/// (the common case), and reads just after a device's record changed the current month (the
/// month's view is rebuilt over the directory kept).
fn reads(server: &Server, size: &Size, emps: &str) {
    let agent = device_agent(120);
    let months: Vec<String> = (0..size.months).map(common::months_ago).collect();
    let bearer = format!("Bearer {}", server.admin_token);
    let completion = |month: &str| {
        let url = format!("{}/api/v1/admin/completion?month={month}", server.base);
        timed_get(&agent, &url, ("Authorization", &bearer))
    };
    let cookie = server.hr_session();
    let dashboard = || timed_get(&agent, &format!("{}/hr/", server.base), ("Cookie", &cookie));

    println!(
        "admin completion, whole tree, first read after a start: {:.1} ms",
        completion(&months[0])
    );
    println!(
        "HR dashboard (12 months), first view after a start: {:.1} ms",
        dashboard()
    );
    for m in &months {
        completion(m);
    }
    let kept: Vec<f64> = (0..size.reads).map(|i| completion(&months[i % months.len()])).collect();
    println!("admin completion, whole tree, months kept: {}", percentiles(kept));
    let kept: Vec<f64> = (0..size.reads).map(|_| dashboard()).collect();
    println!("HR dashboard, months kept: {}", percentiles(kept));

    // A manager with a report sends this month's record, then HR reads.
    let (manager, member) = emps
        .lines()
        .skip(1)
        .find_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (!f[4].is_empty()).then(|| (f[4].to_owned(), f[0].to_owned()))
        })
        .unwrap();
    let token = server.enrol(&manager);
    let device = device_agent(60);
    let mut revision = 2_000_000_000u64;
    let mut after_write = |read: &dyn Fn() -> f64| -> Vec<f64> {
        (0..size.reads.min(20))
            .map(|_| {
                revision += 1;
                let record = json!({"member_employee_id": member, "month": months[0], "relationship": "line",
                                    "sessions_held": 1 + revision % 2, "minutes": 30, "revision": revision});
                assert_eq!(
                    push_batch(&device, &server.base, &token, &[record])
                        .unwrap()
                        .status()
                        .as_u16(),
                    200
                );
                read()
            })
            .collect()
    };
    let api = after_write(&|| completion(&months[0]));
    println!(
        "admin completion, this month, just after a record changed it: {}",
        percentiles(api)
    );
    let page = after_write(&dashboard);
    println!(
        "HR dashboard, just after a record changed this month: {}",
        percentiles(page)
    );
}

/// 50 devices (the managers with the most reports), each pushing its batches of 100 records
/// (its reports × the last months, newer revisions each round) as fast as the server answers.
fn ingest(server: &Server, emps: &str, size: &Size) {
    let mut reports: HashMap<&str, Vec<&str>> = HashMap::new();
    for line in emps.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if !f[4].is_empty() {
            reports.entry(f[4]).or_default().push(f[0]);
        }
    }
    let mut managers: Vec<(&str, Vec<&str>)> = reports.into_iter().collect();
    managers.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    managers.truncate(DEVICES);
    let months: Vec<String> = (0..24).map(common::months_ago).collect();
    let devices: Vec<(String, Vec<(String, String)>)> = managers
        .iter()
        .map(|(m, team)| {
            let pairs = months
                .iter()
                .flat_map(|month| team.iter().map(move |r| ((*r).to_owned(), month.clone())))
                .collect();
            (server.enrol(m), pairs)
        })
        .collect();
    let spans: Vec<usize> = devices
        .iter()
        .map(|(_, pairs)| BATCH.div_ceil(pairs.len() / 24))
        .collect();
    let base = server.base.clone();
    let batches = size.batches_per_device;
    let started = Instant::now();
    let workers: Vec<_> = devices
        .into_iter()
        .map(|(token, pairs)| {
            let base = base.clone();
            std::thread::spawn(move || {
                let agent = device_agent(60);
                let (mut records, mut waits, mut latencies) = (0usize, 0usize, Vec::new());
                for b in 0..batches {
                    let batch: Vec<_> = (0..BATCH)
                        .map(|i| {
                            let (member, month) = &pairs[(b * BATCH + i) % pairs.len()];
                            json!({"member_employee_id": member, "month": month, "relationship": "line",
                                   "sessions_held": 1, "minutes": 30, "revision": 1_000_000_000 + b * BATCH + i})
                        })
                        .collect();
                    loop {
                        let sent = Instant::now();
                        let answer = push_batch(&agent, &base, &token, &batch).unwrap();
                        latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                        match answer.status().as_u16() {
                            200 => break,
                            503 => {
                                waits += 1;
                                std::thread::sleep(Duration::from_millis(200));
                            }
                            other => panic!("a batch was answered {other}"),
                        }
                    }
                    records += BATCH;
                }
                (records, waits, latencies)
            })
        })
        .collect();
    let (mut records, mut waits, mut latencies) = (0, 0, Vec::new());
    for w in workers {
        let (r, n, l) = w.join().unwrap();
        records += r;
        waits += n;
        latencies.extend(l);
    }
    let seconds = started.elapsed().as_secs_f64();
    let (most, least) = (spans.iter().max().unwrap(), spans.iter().min().unwrap());
    println!(
        "ingest: {DEVICES} devices × {batches} batches of {BATCH} records ({least}–{most} months a batch): \
         {records} records in {seconds:.2} s = {:.0} records/s; {waits} answered 503 (retried); per batch {}",
        records as f64 / seconds,
        percentiles(latencies)
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let size = if quick { &QUICK } else { &FULL };
    run(Backend::Sqlite, size);
    if std::env::var_os("TAIWA_TEST_POSTGRES").is_some() {
        run(Backend::Postgres, size);
    } else {
        println!("== Postgres: not measured (TAIWA_TEST_POSTGRES is not set)");
    }
}
