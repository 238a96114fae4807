//! The test harness: the real `taiwa-server` binary on a loopback port, over SQLite or PostgreSQL.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

pub mod browser;
pub mod company;
pub mod pages;
pub mod private_pg;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const ADMIN: &str = "hr@example.co.jp";

/// A small company where every completion rate is known by hand (see the test file).
pub const ORG_UNITS: &str = "org_unit_id,name,parent_id\nO1,本社,\nO2,営業部,O1\nO3,技術部,O1\nO4,開発課,O3\n";
pub const EMPLOYEES: &str = "employee_id,name,email,org_unit_id,manager_id\n\
E01,木村 葵,e01@example.co.jp,O1,\n\
E02,山本 享子,e02@example.co.jp,O2,E01\n\
E03,鈴木 由美,e03@example.co.jp,O3,E01\n\
E04,山田 悠真,e04@example.co.jp,O2,E02\n\
E05,佐藤 花子,e05@example.co.jp,O2,E02\n\
E06,田中 誠,e06@example.co.jp,O4,E03\n\
E07,伊藤 健,e07@example.co.jp,O4,E03\n\
E08,渡辺 結衣,e08@example.co.jp,O4,E03\n";

fn postgres_admin_url() -> String {
    std::env::var("TAIWA_TEST_POSTGRES").expect(
        "set TAIWA_TEST_POSTGRES to a PostgreSQL URL whose role may CREATE DATABASE (scripts/test starts one and sets it)",
    )
}

/// A fresh, empty database for one test.
pub fn fresh_db(backend: Backend, dir: &Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("server.db").display()),
        Backend::Postgres => {
            let admin = postgres_admin_url();
            let name = format!("taiwa_test_{}_{}", std::process::id(), unique());
            let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
            client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap();
            format!("{base}/{name}")
        }
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    u64::from(nanos) * 1000 + COUNTER.fetch_add(1, Ordering::SeqCst)
}

pub struct Server {
    pub dir: tempfile::TempDir,
    pub db: String,
    pub base: String,
    pub admin_token: String,
    child: Option<Child>,
    config: Option<PathBuf>,
    agent: ureq::Agent,
    /// `TAIWA_LOG` for `serve`: `debug` in tests; the benchmarks serve at `info`, as production.
    pub log_level: &'static str,
}

pub struct Reply {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<String>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_taiwa-server")
}

impl Server {
    /// Imports the small company, creates an admin, and serves.
    pub fn start(backend: Backend) -> Server {
        Server::start_with(backend, ORG_UNITS, EMPLOYEES, "")
    }

    /// A server whose admin API counts every pair as it is: pair-level detail on (with it off,
    /// small groups are pooled, as `an_admin_without_pair_detail_reads_no_small_group` tests).
    pub fn start_counting(backend: Backend) -> Server {
        let server = Server::start(backend);
        server.count_every_pair();
        server
    }

    /// Turns pair-level detail on.
    pub fn count_every_pair(&self) {
        self.cli(&["settings", "set", "pair_detail", "on"], &[]).assert_ok();
    }

    pub fn start_with(backend: Backend, org_units: &str, employees: &str, config: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = fresh_db(backend, dir.path());
        Server::start_on(dir, db, org_units, employees, config)
    }

    /// Serves over the database at `db` (a URL), keeping its files in `dir`.
    pub fn start_on(dir: tempfile::TempDir, db: String, org_units: &str, employees: &str, config: &str) -> Server {
        let config_path = (!config.is_empty()).then(|| {
            let path = dir.path().join("server.toml");
            std::fs::write(&path, config).unwrap();
            path
        });
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let mut server = Server {
            dir,
            db,
            base: String::new(),
            admin_token: String::new(),
            child: None,
            config: config_path,
            agent,
            log_level: "debug",
        };
        server.import(org_units, employees).assert_ok();
        let created = server.cli(
            &["admin", "create", "--email", ADMIN],
            &[("TAIWA_ADMIN_PASSWORD", "a long admin password")],
        );
        created.assert_ok();
        server.admin_token = server.cli(&["admin", "token", "--email", ADMIN], &[]).stdout_line();
        server.serve();
        server
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary());
        cmd.arg("--db").arg(&self.db);
        if let Some(config) = &self.config {
            cmd.arg("--config").arg(config);
        }
        cmd.args(args).env("TAIWA_LOG", "warn").stdin(Stdio::null());
        cmd
    }

    pub fn cli(&self, args: &[&str], env: &[(&str, &str)]) -> CliOutput {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        CliOutput(cmd.output().unwrap())
    }

    pub fn import(&self, org_units: &str, employees: &str) -> CliOutput {
        self.import_with(org_units, employees, &[])
    }

    pub fn import_with(&self, org_units: &str, employees: &str, extra: &[&str]) -> CliOutput {
        let orgs = self.dir.path().join(format!("org_units_{}.csv", unique()));
        let emps = self.dir.path().join(format!("employees_{}.csv", unique()));
        std::fs::write(&orgs, org_units).unwrap();
        std::fs::write(&emps, employees).unwrap();
        let mut args = vec![
            "directory",
            "import",
            "--org-units",
            orgs.to_str().unwrap(),
            "--employees",
            emps.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        self.cli(&args, &[])
    }

    /// Starts (or restarts) `serve` on a free loopback port.
    pub fn serve(&mut self) {
        self.serve_with(&[]);
    }

    pub fn serve_with(&mut self, extra: &[&str]) {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        let mut child = self
            .command(&args)
            .env("TAIWA_LOG", self.log_level)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        self.base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_owned();
        self.child = Some(child);
    }

    /// Where `serve` writes its log lines.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// SIGKILL, as a crash would.
    /// The server process's memory from /proc: (resident now, peak resident), in KiB.
    pub fn memory_kib(&self) -> (u64, u64) {
        let pid = self.child.as_ref().expect("the server runs").id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap()
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    pub fn code(&self, employee: &str) -> String {
        self.cli(&["enrol-code", "--employee-id", employee], &[]).stdout_line()
    }

    /// Signs in to HR's pages as the admin; answers the `taiwa_session=…` cookie pair.
    pub fn hr_session(&self) -> String {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let mut form = agent.get(&format!("{}/hr/login", self.base)).call().unwrap();
        let login_cookie = cookie(&form, "taiwa_login=").expect("a sign-in cookie");
        let body = form.body_mut().read_to_string().unwrap();
        let needle = "name=\"_login\" value=\"";
        let at = body.find(needle).expect("a sign-in token") + needle.len();
        let token = body[at..].split('"').next().unwrap().to_owned();
        let fields = [
            ("email", ADMIN),
            ("password", "a long admin password"),
            ("next", "/hr/"),
            ("_login", token.as_str()),
        ];
        let answer = agent
            .post(&format!("{}/hr/login", self.base))
            .header("Cookie", &login_cookie)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(serde_urlencoded::to_string(fields).unwrap().as_bytes())
            .unwrap();
        cookie(&answer, "taiwa_session=").expect("signed in")
    }

    /// Enrols a device for `employee` and returns its token.
    pub fn enrol(&self, employee: &str) -> String {
        let code = self.code(employee);
        let reply = self.post_json(
            "/api/v1/enrol",
            None,
            &serde_json::json!({"code": code, "device_name": "Test laptop"}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["device_token"].as_str().unwrap().to_owned()
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Option<&[u8]>,
    ) -> Reply {
        self.request_with(method, path, token, content_type, body, &[])
    }

    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        if let Some(t) = token {
            builder = builder.header("Authorization", format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            builder = builder.header("Content-Type", ct);
        }
        let request = builder.body(body.map(<[u8]>::to_vec).unwrap_or_default()).unwrap();
        let mut response = self
            .agent
            .run(request)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Reply {
            status,
            body,
            retry_after,
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request("GET", path, token, None, None)
    }

    pub fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request(
            "POST",
            path,
            token,
            Some("application/json"),
            Some(body.to_string().as_bytes()),
        )
    }

    pub fn put_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request(
            "PUT",
            path,
            token,
            Some("application/json"),
            Some(body.to_string().as_bytes()),
        )
    }

    pub fn push(&self, token: &str, records: Value) -> Reply {
        self.put_json(
            "/api/v1/completions",
            Some(token),
            &serde_json::json!({ "records": records }),
        )
    }

    /// Minutes stored per member in `month` under `org` (pair detail must be on).
    pub fn stored_minutes(&self, month: &str, org: &str) -> std::collections::HashMap<String, u64> {
        self.admin(&format!("/api/v1/admin/pairs?month={month}&org={org}"))
            .json()["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["member_employee_id"].as_str().unwrap().to_owned(),
                    p["minutes"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    pub fn admin(&self, path: &str) -> Reply {
        self.get(path, Some(&self.admin_token.clone()))
    }

    /// The pool the server uses, for the few checks the API does not expose (the audit log).
    pub fn pool(&self) -> taiwa_server::db::Pool {
        taiwa_server::db::Pool::open(&self.db).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct CliOutput(pub Output);

impl CliOutput {
    pub fn assert_ok(&self) {
        assert!(
            self.0.status.success(),
            "failed: {}",
            String::from_utf8_lossy(&self.0.stderr)
        );
    }

    pub fn stdout_line(&self) -> String {
        self.assert_ok();
        String::from_utf8(self.0.stdout.clone()).unwrap().trim().to_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap()
    }
}

/// The `name=value` pair of the cookie `prefix` (`name=`) that `response` sets, if it sets one.
fn cookie(response: &ureq::http::Response<ureq::Body>, prefix: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(prefix))
        .map(|c| c.split(';').next().unwrap_or(c).to_owned())
}

/// An HTTP client as a device's: statuses are answers, not errors; at most `seconds` a request.
pub fn device_agent(seconds: u64) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(seconds)))
        .build()
        .into()
}

/// One batch of completion records from a device, as the sync client sends it.
pub fn push_batch(
    agent: &ureq::Agent,
    base: &str,
    token: &str,
    records: &[Value],
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    agent
        .put(&format!("{base}/api/v1/completions"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(serde_json::json!({ "records": records }).to_string().as_bytes())
}

pub fn this_month() -> String {
    taiwa_server::store::current_month().to_string()
}

pub fn months_ago(n: i32) -> String {
    taiwa_server::store::current_month().plus(-n).unwrap().to_string()
}

pub fn record(member: &str, month: &str, held: u32, minutes: u32, revision: u64) -> Value {
    serde_json::json!({"member_employee_id": member, "month": month, "relationship": "line",
        "sessions_held": held, "minutes": minutes, "revision": revision})
}

/// Runs a browser's future to its end on a runtime of its own.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Runs a test body against each backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name($crate::common::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name($crate::common::Backend::Postgres) } )*
        }
    };
}

/// A self-signed certificate for `127.0.0.1` and its key, made with the `openssl` command in `dir`:
/// (certificate path, key path).
pub fn self_signed_certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    (cert, key)
}
