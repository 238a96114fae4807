//! PostgreSQL as operations meet it: reached over verified TLS as `sslmode` says, and restarted
//! under load (503 with `Retry-After` while it is down, back without restarting Taiwa, nothing
//! acknowledged lost). Each test runs its own PostgreSQL (`common::private_pg`).

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::private_pg::PrivatePostgres;
use common::{EMPLOYEES, ORG_UNITS, Server, device_agent, push_batch, this_month};
use serde_json::json;
use taiwa_server::db::Pool;

fn verified(pg: &PrivatePostgres) -> String {
    pg.url(&format!("?sslmode=verify-full&sslrootcert={}", pg.ca.display()))
}

#[test]
fn the_server_reaches_postgres_over_verified_tls() {
    let pg = PrivatePostgres::start();
    let url = verified(&pg);
    let pool = Pool::open(&url).unwrap();
    let ssl = pool
        .with(|c| {
            c.query(
                "SELECT CASE WHEN ssl THEN 'on' ELSE 'off' END AS encrypted
                 FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
        })
        .unwrap();
    assert_eq!(ssl[0].text("encrypted").unwrap(), "on", "the session is encrypted");
    // A certificate nobody vouches for is refused, in words that say so, even with `require`.
    let err = Pool::open(&pg.url("?sslmode=require")).unwrap_err().to_string();
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // This PostgreSQL takes TLS only: a plain connection is refused, so TLS carried the above.
    assert!(Pool::open(&pg.url("?sslmode=disable")).is_err());
    // The real server binary serves over it: directory, enrolment, a push, HR's figure.
    let server = Server::start_on(tempfile::tempdir().unwrap(), url, ORG_UNITS, EMPLOYEES, "");
    server.count_every_pair();
    let token = server.enrol("E03");
    let month = this_month();
    let record = json!([{"member_employee_id": "E06", "month": month, "relationship": "line", "sessions_held": 1, "minutes": 30, "revision": 1}]);
    assert_eq!(server.push(&token, record).status, 200);
    let report = server.admin(&format!("/api/v1/admin/completion?month={month}")).json();
    assert_eq!(report["totals"]["met"], 1);
}

#[test]
fn a_postgres_restart_under_load_answers_503_with_retry_after_and_loses_nothing_acknowledged() {
    let pg = PrivatePostgres::start();
    let server = Server::start_on(
        tempfile::tempdir().unwrap(),
        verified(&pg),
        ORG_UNITS,
        EMPLOYEES,
        "rate_limit_per_minute = 100000\nmax_connections_per_address = 10000\n",
    );
    server.cli(&["settings", "set", "pair_detail", "on"], &[]).assert_ok();
    let teams = [
        ("E01", vec!["E02", "E03"]),
        ("E02", vec!["E04", "E05"]),
        ("E03", vec!["E06", "E07", "E08"]),
    ];
    let month = this_month();
    // (member) → highest revision acknowledged with a 200; and every answer: (status, Retry-After, after restart).
    let acked: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let answers: Arc<Mutex<Vec<(u16, bool, bool)>>> = Arc::default();
    let (running, restarted) = (Arc::new(AtomicBool::new(true)), Arc::new(AtomicBool::new(false)));
    let workers: Vec<_> = teams
        .iter()
        .flat_map(|(manager, reports)| {
            let token = server.enrol(manager);
            (0..3).map(move |worker| (token.clone(), reports.clone(), worker))
        })
        .map(|(token, reports, worker)| {
            let (acked, answers, running, restarted) =
                (acked.clone(), answers.clone(), running.clone(), restarted.clone());
            let (base, month) = (server.base.clone(), month.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = device_agent(60);
                let mut revision = worker;
                while running.load(Ordering::SeqCst) {
                    revision += 3; // each worker its own revisions, rising
                    let records: Vec<_> = reports
                        .iter()
                        .map(|member| {
                            json!({"member_employee_id": member, "month": month, "relationship": "line",
                                              "sessions_held": 31, "minutes": revision, "revision": revision})
                        })
                        .collect();
                    let reply = push_batch(&agent, &base, &token, &records);
                    let Ok(reply) = reply else { continue };
                    let status = reply.status().as_u16();
                    let after = restarted.load(Ordering::SeqCst);
                    answers
                        .lock()
                        .unwrap()
                        .push((status, reply.headers().contains_key("retry-after"), after));
                    if status == 200 {
                        let mut map = acked.lock().unwrap();
                        for member in &reports {
                            let entry = map.entry((*member).to_owned()).or_default();
                            *entry = (*entry).max(revision);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    pg.stop();
    std::thread::sleep(Duration::from_secs(3));
    pg.start_again();
    restarted.store(true, Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(5));
    running.store(false, Ordering::SeqCst);
    for worker in workers {
        worker.join().unwrap();
    }

    let answers = answers.lock().unwrap();
    let unavailable: Vec<_> = answers.iter().filter(|(s, _, _)| *s == 503).collect();
    assert!(
        !unavailable.is_empty(),
        "the outage was seen: {} answers",
        answers.len()
    );
    assert!(
        unavailable.iter().all(|(_, retry_after, _)| *retry_after),
        "every 503 says when to retry"
    );
    let others: Vec<_> = answers.iter().filter(|(s, _, _)| *s != 200 && *s != 503).collect();
    assert!(others.is_empty(), "only 200 and 503: {others:?}");
    assert!(
        answers.iter().any(|(s, _, after)| *s == 200 && *after),
        "Taiwa took pushes again after PostgreSQL came back, without a restart of its own"
    );
    let stored = server.stored_minutes(&month, "O1");
    for (member, revision) in acked.lock().unwrap().iter() {
        let have = stored.get(member).copied().unwrap_or(0);
        assert!(
            have >= *revision,
            "{member}: acknowledged revision {revision}, stored {have}"
        );
    }
}
