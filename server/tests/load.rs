//! Fifty devices push for a minute while the server is killed (SIGKILL) and restarted: every
//! record that got a 200 is there afterwards, on SQLite and on PostgreSQL.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use common::{Backend, Server, device_agent, months_ago, push_batch, this_month};
use serde_json::json;

const DEVICES: usize = 50;
const REPORTS: usize = 3;
const RUN: Duration = Duration::from_secs(60);
const KILL_AT: Duration = Duration::from_secs(25);

on_both_backends!(
    fifty_devices_for_a_minute_with_a_kill_lose_nothing_acknowledged,
    fifty_devices_pushing_batches_of_100_queue_and_hr_still_reads,
    batches_spanning_25_months_do_not_grow_the_servers_memory,
);

/// The devices of these tests all connect from this one machine, as no real company's would: the
/// cap on connections from one address is raised for them.
const ONE_MACHINE: &str = "max_connections_per_address = 10000\n";

fn directory() -> (String, String) {
    let orgs = "org_unit_id,name,parent_id\nO1,本社,\n".to_owned();
    let mut emps = "employee_id,name,email,org_unit_id,manager_id\nCEO,社長,ceo@example.co.jp,O1,\n".to_owned();
    for m in 0..DEVICES {
        let _ = writeln!(emps, "M{m:02},部長{m:02},m{m:02}@example.co.jp,O1,CEO");
        for r in 0..REPORTS {
            let _ = writeln!(emps, "R{m:02}{r},社員{m:02}{r},r{m:02}{r}@example.co.jp,O1,M{m:02}");
        }
    }
    (orgs, emps)
}

fn fifty_devices_for_a_minute_with_a_kill_lose_nothing_acknowledged(backend: Backend) {
    let (orgs, emps) = directory();
    // Fifty devices on one machine: one client address, so its cap is raised.
    let mut server = Server::start_with(backend, &orgs, &emps, ONE_MACHINE);
    server.cli(&["settings", "set", "pair_detail", "on"], &[]).assert_ok();
    let tokens: Vec<String> = (0..DEVICES).map(|m| server.enrol(&format!("M{m:02}"))).collect();
    let base = Arc::new(RwLock::new(server.base.clone()));
    let months = [this_month(), months_ago(1)];
    // (member, month) → highest revision acknowledged with a 200.
    let acked: Arc<Mutex<HashMap<(String, String), u64>>> = Arc::default();
    let acked_after_restart = Arc::new(AtomicU64::new(0));
    let restarted = Arc::new(AtomicBool::new(false));
    let server_errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();

    let workers: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(m, token)| {
            let (base, acked, months) = (base.clone(), acked.clone(), months.clone());
            let (after, restarted, server_errors) =
                (acked_after_restart.clone(), restarted.clone(), server_errors.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = device_agent(10);
                let mut revision = 0u64;
                while started.elapsed() < RUN {
                    revision += 1;
                    let records: Vec<_> = (0..REPORTS)
                        .flat_map(|r| months.iter().map(move |month| (format!("R{m:02}{r}"), month.clone())))
                        .map(|(member, month)| {
                            json!({"member_employee_id": member, "month": month, "relationship": "line",
                                   "sessions_held": 31, "minutes": revision, "revision": revision})
                        })
                        .collect();
                    let base = base.read().unwrap().clone();
                    let reply = push_batch(&agent, &base, &token, &records);
                    match reply {
                        Ok(response) if response.status() == 200 => {
                            let was_restarted = restarted.load(Ordering::SeqCst);
                            let mut map = acked.lock().unwrap();
                            for r in &records {
                                let key = (
                                    r["member_employee_id"].as_str().unwrap().to_owned(),
                                    r["month"].as_str().unwrap().to_owned(),
                                );
                                let entry = map.entry(key).or_default();
                                *entry = (*entry).max(revision);
                            }
                            if was_restarted {
                                after.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        Ok(response) if response.status().is_server_error() => {
                            server_errors.fetch_add(1, Ordering::SeqCst);
                        }
                        // Connection refused or reset while the server is down: try again later.
                        _ => {}
                    }
                    std::thread::sleep(Duration::from_millis(250));
                }
            })
        })
        .collect();

    std::thread::sleep(KILL_AT);
    server.kill();
    std::thread::sleep(Duration::from_millis(500));
    server.serve();
    *base.write().unwrap() = server.base.clone();
    restarted.store(true, Ordering::SeqCst);
    for worker in workers {
        worker.join().unwrap();
    }

    let acked = acked.lock().unwrap();
    assert_eq!(acked.len(), DEVICES * REPORTS * 2, "every device got acknowledgements");
    assert!(
        acked_after_restart.load(Ordering::SeqCst) > 0,
        "devices kept pushing after the restart"
    );
    assert_eq!(server_errors.load(Ordering::SeqCst), 0, "no 5xx under load");
    // Minutes carry the revision: the stored figure is at least the last acknowledged one.
    for month in &months {
        let stored = server.stored_minutes(month, "O1");
        for ((member, m), revision) in acked.iter().filter(|((_, m), _)| m == month) {
            let have = stored.get(member).copied().unwrap_or(0);
            assert!(
                have >= *revision,
                "{member} {m}: acknowledged revision {revision}, stored {have}"
            );
        }
    }
    let report = server
        .admin(&format!("/api/v1/admin/completion?month={}", months[0]))
        .json();
    assert_eq!(report["totals"]["met"], (DEVICES * REPORTS) as u64);
}

const BATCHES: u64 = 6;
const SPAN: i32 = 25;

/// 50 devices each push batches of 100 records spanning 25 months, all at once, while HR reads the
/// company's completion: writers queue (no 503, which "database is locked" used to cause on
/// SQLite), HR's reads are answered while ingest runs, and every figure is the last one sent.
fn fifty_devices_pushing_batches_of_100_queue_and_hr_still_reads(backend: Backend) {
    let orgs = "org_unit_id,name,parent_id\nO1,本社,\n".to_owned();
    let mut emps = "employee_id,name,email,org_unit_id,manager_id\nCEO,社長,ceo@example.co.jp,O1,\n".to_owned();
    for m in 0..DEVICES {
        let _ = writeln!(emps, "M{m:02},部長{m:02},m{m:02}@example.co.jp,O1,CEO");
        for r in 0..4 {
            let _ = writeln!(emps, "R{m:02}{r},社員{m:02}{r},r{m:02}{r}@example.co.jp,O1,M{m:02}");
        }
    }
    let server = Server::start_with(
        backend,
        &orgs,
        &emps,
        &format!("{ONE_MACHINE}rate_limit_per_minute = 100000\n"),
    );
    let tokens: Vec<String> = (0..DEVICES).map(|m| server.enrol(&format!("M{m:02}"))).collect();
    let months: Vec<String> = (0..SPAN).map(months_ago).collect();
    let base = server.base.clone();
    let pushing = Arc::new(AtomicBool::new(true));
    let reader = {
        let (base, pushing, admin) = (base.clone(), pushing.clone(), server.admin_token.clone());
        let month = this_month();
        std::thread::spawn(move || {
            let agent = device_agent(120);
            let mut answered_during_ingest = 0u32;
            let mut statuses = Vec::new();
            while pushing.load(Ordering::SeqCst) {
                let reply = agent
                    .get(&format!("{base}/api/v1/admin/completion?month={month}"))
                    .header("Authorization", &format!("Bearer {admin}"))
                    .call()
                    .unwrap();
                statuses.push(reply.status().as_u16());
                if pushing.load(Ordering::SeqCst) {
                    answered_during_ingest += 1;
                }
            }
            (answered_during_ingest, statuses)
        })
    };
    let workers: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(m, token)| {
            let (base, months) = (base.clone(), months.clone());
            std::thread::spawn(move || {
                let agent = device_agent(120);
                let mut answers = Vec::new();
                for revision in 1..=BATCHES {
                    let records: Vec<_> = (0..4)
                        .flat_map(|r| months.iter().map(move |month| (format!("R{m:02}{r}"), month.clone())))
                        .map(|(member, month)| {
                            json!({"member_employee_id": member, "month": month, "relationship": "line",
                                   "sessions_held": 31, "minutes": revision, "revision": revision})
                        })
                        .collect();
                    assert_eq!(records.len(), 100);
                    let reply = push_batch(&agent, &base, &token, &records).unwrap();
                    let retry_after = reply.headers().contains_key("retry-after");
                    answers.push((reply.status().as_u16(), retry_after));
                }
                answers
            })
        })
        .collect();
    let answers: Vec<(u16, bool)> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    pushing.store(false, Ordering::SeqCst);
    let (answered_during_ingest, statuses) = reader.join().unwrap();

    let refused: Vec<&(u16, bool)> = answers.iter().filter(|(status, _)| *status != 200).collect();
    assert!(refused.is_empty(), "writers queue instead of failing: {refused:?}");
    assert_eq!(answers.len(), DEVICES * BATCHES as usize);
    assert!(statuses.iter().all(|s| *s == 200), "HR's reads: {statuses:?}");
    assert!(answered_during_ingest > 0, "HR was answered while devices pushed");
    // Every figure is the last revision sent: minutes carry it.
    let server_month = |month: &str| {
        server.admin(&format!("/api/v1/admin/completion?month={month}")).json()["totals"]["met"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(server_month(&months[0]), (DEVICES * 4) as u64);
    assert_eq!(server_month(&months[24]), (DEVICES * 4) as u64);
    let pool = server.pool();
    let wrong = pool
        .with(|c| {
            c.query(
                "SELECT count(*) AS wrong FROM completions WHERE minutes <> $1",
                &[taiwa_server::db::V::Int(BATCHES as i64)],
            )
        })
        .unwrap()[0]
        .int("wrong")
        .unwrap();
    assert_eq!(wrong, 0, "every stored figure is the last one sent");
}

/// On the example company (5,000 people), 50 managers' devices push at once, each batch 100
/// records over 25 months. The server reads only the people a batch names, so its peak memory
/// hardly moves; it used to load the whole directory of every month a batch touched (hundreds of
/// MB on a large company, and stayed there).
fn batches_spanning_25_months_do_not_grow_the_servers_memory(backend: Backend) {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/acme-5000");
    let orgs = std::fs::read_to_string(fixtures.join("org_units.csv")).unwrap();
    let emps = std::fs::read_to_string(fixtures.join("employees.csv")).unwrap();
    let mut teams: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for line in emps.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        if let Some(manager) = cols.get(4).filter(|m| !m.is_empty()) {
            teams.entry((*manager).to_owned()).or_default().push(cols[0].to_owned());
        }
    }
    let teams: Vec<(String, Vec<String>)> = teams.into_iter().filter(|(_, r)| r.len() >= 4).take(DEVICES).collect();
    assert_eq!(
        teams.len(),
        DEVICES,
        "the example company has {DEVICES} managers of 4 or more"
    );
    let server = Server::start_with(
        backend,
        &orgs,
        &emps,
        &format!("{ONE_MACHINE}rate_limit_per_minute = 100000\n"),
    );
    let tokens: Vec<String> = teams.iter().map(|(m, _)| server.enrol(m)).collect();
    let months: Vec<String> = (0..SPAN).map(months_ago).collect();
    let (before, _) = server.memory_kib();
    let workers: Vec<_> = tokens
        .into_iter()
        .zip(teams)
        .map(|(token, (_, reports))| {
            let (base, months) = (server.base.clone(), months.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = device_agent(120);
                for revision in 1..=3u64 {
                    let records: Vec<_> = reports[..4]
                        .iter()
                        .flat_map(|r| months.iter().map(move |month| (r.clone(), month.clone())))
                        .map(|(member, month)| {
                            json!({"member_employee_id": member, "month": month, "relationship": "line",
                                   "sessions_held": 1, "minutes": 30, "revision": revision})
                        })
                        .collect();
                    let reply = push_batch(&agent, &base, &token, &records).unwrap();
                    assert_eq!(reply.status(), 200);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let (_, peak) = server.memory_kib();
    let grew_mib = peak.saturating_sub(before) / 1024;
    eprintln!(
        "{backend:?}: resident {} MiB before, peak {} MiB during the pushes",
        before / 1024,
        peak / 1024
    );
    assert!(
        grew_mib < 64,
        "the server's peak memory grew by {grew_mib} MiB for 150 batches"
    );
    let report = server
        .admin(&format!("/api/v1/admin/completion?month={}", months[24]))
        .json();
    assert!(
        report["totals"]["met"].as_u64().unwrap() >= (DEVICES * 4) as u64,
        "{report}"
    );
}
