//! The `taiwa` command line against the real `taiwa-server` on loopback: enrol, roster, push, the
//! admin figures; the server down, then back; a past month edited; a revoked token.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use taiwa_e2e::{Server, binary};

struct Taiwa {
    vault: PathBuf,
}

impl Taiwa {
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(binary("taiwa"));
        cmd.arg("--json")
            .args(args)
            .env("TAIWA_VAULT", &self.vault)
            .env("TAIWA_PASSPHRASE", "correct horse battery staple")
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        self.json_env(args, &[])
    }

    fn json_env(&self, args: &[&str], env: &[(&str, &str)]) -> Value {
        let out = self.run(args, env);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn id(&self, args: &[&str]) -> String {
        self.json(args)["id"].as_i64().unwrap().to_string()
    }
}

fn month_offset(n: i32) -> (String, String) {
    // The local month and a day in it, from the system clock (as the CLI sees it).
    let out = Command::new("date").args(["+%Y %m"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut parts = text.split_whitespace();
    let (y, m): (i32, i32) = (
        parts.next().unwrap().parse().unwrap(),
        parts.next().unwrap().parse().unwrap(),
    );
    let index = y * 12 + (m - 1) + n;
    let (y, m) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    (format!("{y:04}-{m:02}"), format!("{y:04}-{m:02}-02 10:00"))
}

#[test]
fn enrol_push_and_the_admin_figures_through_outages_edits_and_revocation() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut server, admin, code) = Server::small_company(tmp.path());

    let taiwa = Taiwa {
        vault: tmp.path().join("vault"),
    };
    taiwa.json(&["init"]);
    let (this_month, today) = month_offset(0);
    let (last_month, last_day) = month_offset(-1);
    let sato = taiwa.id(&["person", "add", "佐藤 花子", "--employee-id", "E1"]);
    let s = taiwa.id(&["session", "plan", &sato, "--at", &today]);
    taiwa.json(&["session", "hold", &s, "--minutes", "35"]);
    let past = taiwa.id(&["session", "plan", &sato, "--at", &last_day]);
    taiwa.json(&["session", "hold", &past, "--minutes", "20"]);

    // Enrol, then the roster fills the people list without deleting anyone.
    let enrolled = taiwa.json_env(
        &[
            "sync",
            "enrol",
            "--server",
            &server.url(),
            "--device-name",
            "Test laptop",
        ],
        &[("TAIWA_ENROL_CODE", &code)],
    );
    assert_eq!(enrolled["manager"]["employee_id"], "M1");
    assert_eq!(enrolled["pending"], 2);
    let offered: Vec<&str> = enrolled["new_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["employee_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        offered,
        ["E2"],
        "the roster is pulled at enrolment; E1 is already a person here"
    );
    let statuses = |roster: &serde_json::Value| -> Vec<(String, String)> {
        roster["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["employee_id"].as_str().unwrap().into(),
                    r["status"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let roster = taiwa.json(&["sync", "roster", "--add"]);
    // E1's unit and email in the directory are offered, not imposed: nothing changed yet.
    assert_eq!(
        statuses(&roster),
        [("E1".into(), "offered".into()), ("E2".into(), "added".into())]
    );
    assert_eq!(roster["offered"][0]["entry"]["employee_id"], "E1");
    let e1 = |taiwa: &Taiwa| {
        taiwa
            .json(&["person", "list"])
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["employee_id"] == "E1")
            .unwrap()
            .clone()
    };
    assert!(e1(&taiwa)["org_unit"].is_null(), "{}", e1(&taiwa));
    let accepted = taiwa.json(&["sync", "roster", "--accept"]);
    assert_eq!(statuses(&accepted)[0], ("E1".into(), "accepted".into()));
    assert!(accepted["offered"].as_array().unwrap().is_empty());
    assert!(e1(&taiwa)["org_unit"].is_string(), "taken when asked: {}", e1(&taiwa));
    assert_eq!(taiwa.json(&["person", "list"]).as_array().unwrap().len(), 2);

    // What HR will see: exactly these records, then pushed.
    let preview = taiwa.json(&["sync", "preview"]);
    let shown: Vec<(String, String, u64, u64)> = preview["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["member_employee_id"].as_str().unwrap().into(),
                r["month"].as_str().unwrap().into(),
                r["sessions_held"].as_u64().unwrap(),
                r["minutes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shown.len(), 2);
    assert!(
        shown.contains(&("E1".into(), this_month.clone(), 1, 35))
            && shown.contains(&("E1".into(), last_month.clone(), 1, 20))
    );
    let pushed = taiwa.json(&["sync", "push"]);
    assert_eq!(
        (pushed["sent"].as_u64(), pushed["accepted"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(taiwa.json(&["sync", "push"])["sent"], 0, "nothing twice");
    let report = server.admin(&admin, &format!("/api/v1/admin/completion?month={this_month}"));
    assert_eq!(
        (report["totals"]["pairs"].as_u64(), report["totals"]["met"].as_u64()),
        (Some(2), Some(1))
    );

    // The server goes down: the change waits, and the error says so in plain words.
    server.stop();
    let tanaka = taiwa
        .json(&["person", "list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["employee_id"] == "E2")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let s2 = taiwa.id(&["session", "plan", &tanaka, "--at", &today]);
    taiwa.json(&["session", "hold", &s2, "--minutes", "30"]);
    let down = taiwa.run(&["sync", "push"], &[]);
    assert_eq!(down.status.code(), Some(9));
    assert!(
        String::from_utf8_lossy(&down.stderr).contains("cannot be reached"),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    assert_eq!(
        taiwa.json(&["sync", "preview"])["records"].as_array().unwrap().len(),
        1,
        "kept for later"
    );
    assert!(
        taiwa.json(&["sync", "status"])["status"]["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot be reached")
    );
    server.start();
    assert_eq!(taiwa.json(&["sync", "push"])["accepted"], 1);
    let report = server.admin(&admin, &format!("/api/v1/admin/completion?month={this_month}"));
    assert_eq!(report["totals"]["met"], 2);

    // An edit to a past month updates the server's figure.
    taiwa.json(&["session", "hold", &past, "--minutes", "50"]);
    taiwa.json(&["sync", "push"]);
    let pairs = server.admin(&admin, &format!("/api/v1/admin/pairs?month={last_month}&org=O1"));
    let e1 = pairs["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["member_employee_id"] == "E1")
        .unwrap()
        .clone();
    assert_eq!((e1["held"].as_u64(), e1["minutes"].as_u64()), (Some(1), Some(50)));
    assert_eq!(taiwa.json(&["sync", "log"]).as_array().unwrap().len(), 4);

    // HR revokes the device: a clear error, and nothing is lost locally.
    let pool = taiwa_server::db::Pool::open(&server.db).unwrap();
    pool.with(|c| c.execute("UPDATE devices SET revoked_at = 1", &[]))
        .unwrap();
    taiwa.json(&["session", "hold", &s, "--minutes", "40"]);
    let revoked = taiwa.run(&["sync", "push"], &[]);
    assert_eq!(revoked.status.code(), Some(9));
    let message = String::from_utf8_lossy(&revoked.stderr);
    assert!(
        message.contains("token was revoked") && message.contains("enrol again"),
        "{message}"
    );
    assert_eq!(taiwa.json(&["sync", "preview"])["records"].as_array().unwrap().len(), 1);
    assert_eq!(taiwa.json(&["note", "show", &s])["id"].as_i64().unwrap().to_string(), s);

    // Un-enrolling revokes on the server (already done here) and forgets the token locally.
    taiwa.json(&["sync", "unenrol"]);
    assert!(taiwa.json(&["sync", "status"])["enrolment"].is_null());
    let after = taiwa.run(&["sync", "push"], &[]);
    assert_eq!(after.status.code(), Some(9));
    assert!(String::from_utf8_lossy(&after.stderr).contains("not enrolled"));
}
