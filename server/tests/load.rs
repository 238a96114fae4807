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

use common::{Backend, Server, months_ago, this_month};
use serde_json::json;

const DEVICES: usize = 50;
const REPORTS: usize = 3;
const RUN: Duration = Duration::from_secs(60);
const KILL_AT: Duration = Duration::from_secs(25);

on_both_backends!(fifty_devices_for_a_minute_with_a_kill_lose_nothing_acknowledged);

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
    let mut server = Server::start_with(backend, &orgs, &emps, "");
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
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
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
                    let url = format!("{}/api/v1/completions", base.read().unwrap());
                    let reply = agent
                        .put(&url)
                        .header("Authorization", &format!("Bearer {token}"))
                        .header("Content-Type", "application/json")
                        .send(json!({ "records": records }).to_string().as_bytes());
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
        let pairs = server
            .admin(&format!("/api/v1/admin/pairs?month={month}&org=O1"))
            .json();
        let stored: HashMap<String, u64> = pairs["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["member_employee_id"].as_str().unwrap().to_owned(),
                    p["minutes"].as_u64().unwrap(),
                )
            })
            .collect();
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
