//! The HR pages' protections over plain HTTP, on SQLite and PostgreSQL: session cookies, no
//! fixation, sign-out, CSRF, sign-in throttling, security headers, expiring and revocable admin
//! tokens, revocable devices, the career-path API with its ETag, and imports from the command line
//! checked like the page's upload.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Server};

const PASSWORD: &str = "a long admin password";

on_both_backends!(
    sessions_cookies_and_csrf,
    failed_sign_ins_are_slowed_and_tell_nothing,
    a_burst_of_concurrent_guesses_checks_no_more_than_the_limit,
    uploads_take_megabytes_only_from_a_signed_in_hr_admin,
    an_unknown_role_is_refused_never_read_as_hr_admin,
    an_unknown_session_cookie_never_waits_for_the_writer,
    tokens_devices_and_accounts_from_the_command_line,
    career_paths_reach_devices_with_an_etag,
    imports_name_every_bad_line_and_change_nothing,
    invitations_codes_devices_and_career_paths_from_the_pages,
);

struct Http {
    agent: ureq::Agent,
    base: String,
}

struct Answer {
    status: u16,
    cookies: Vec<String>,
    location: Option<String>,
    headers: Vec<(String, String)>,
    body: String,
}

impl Http {
    fn new(server: &Server) -> Http {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Http {
            agent,
            base: server.base.clone(),
        }
    }

    fn send(&self, method: &str, path: &str, cookie: Option<&str>, form: Option<&[(&str, &str)]>) -> Answer {
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            builder = builder.header("Cookie", c);
        }
        let body = match form {
            Some(fields) => {
                builder = builder.header("Content-Type", "application/x-www-form-urlencoded");
                serde_urlencoded::to_string(fields).unwrap().into_bytes()
            }
            None => Vec::new(),
        };
        let mut response = self.agent.run(builder.body(body).unwrap()).unwrap();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        Answer {
            status: response.status().as_u16(),
            cookies: headers
                .iter()
                .filter(|(k, _)| k == "set-cookie")
                .map(|(_, v)| v.clone())
                .collect(),
            location: headers.iter().find(|(k, _)| k == "location").map(|(_, v)| v.clone()),
            body: response.body_mut().read_to_string().unwrap_or_default(),
            headers,
        }
    }

    /// Opens the sign-in form as a browser would: its cookie and its hidden token.
    fn login_form(&self) -> (String, String) {
        let form = self.send("GET", "/hr/login", None, None);
        let cookie = form
            .cookies
            .iter()
            .find(|c| c.starts_with("taiwa_login=") || c.starts_with("__Host-taiwa_login="))
            .expect("a sign-in cookie");
        let needle = "name=\"_login\" value=\"";
        let at = form.body.find(needle).expect("a sign-in token") + needle.len();
        (
            cookie.split(';').next().unwrap().to_owned(),
            form.body[at..].split('"').next().unwrap().to_owned(),
        )
    }

    /// Signs in; returns the answer and the `taiwa_session=…` pair.
    fn login(&self, email: &str, password: &str) -> (Answer, Option<String>) {
        let (cookie, token) = self.login_form();
        let answer = self.send(
            "POST",
            "/hr/login",
            Some(&cookie),
            Some(&[
                ("email", email),
                ("password", password),
                ("next", "/hr/"),
                ("_login", &token),
            ]),
        );
        let session = answer
            .cookies
            .iter()
            .find(|c| c.starts_with("taiwa_session=") || c.starts_with("__Host-taiwa_session="))
            .map(|c| c.split(';').next().unwrap().to_owned());
        (answer, session)
    }

    /// The CSRF token of the page's first form.
    fn csrf(&self, cookie: &str, path: &str) -> String {
        let page = self.send("GET", path, Some(cookie), None);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let at = page.body.find("name=\"_csrf\" value=\"").expect("a CSRF field") + 20;
        page.body[at..].split('"').next().unwrap().to_owned()
    }
}

fn sessions_cookies_and_csrf(backend: Backend) {
    let server = Server::start(backend);
    let http = Http::new(&server);

    // A sign-in that did not come from this server's form is refused (no login CSRF).
    let forged = http.send(
        "POST",
        "/hr/login",
        None,
        Some(&[("email", common::ADMIN), ("password", PASSWORD), ("next", "/hr/")]),
    );
    assert_eq!(forged.status, 403);
    assert!(forged.cookies.iter().all(|c| !c.starts_with("taiwa_session=")));
    let (cookie, _) = http.login_form();
    let forged = http.send(
        "POST",
        "/hr/login",
        Some(&cookie),
        Some(&[
            ("email", common::ADMIN),
            ("password", PASSWORD),
            ("_login", "a guessed token"),
        ]),
    );
    assert_eq!(forged.status, 403);

    let (answer, first) = http.login(common::ADMIN, PASSWORD);
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location.as_deref(), Some("/hr/"));
    let cookie = answer.cookies.iter().find(|c| c.starts_with("taiwa_session=")).unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/hr"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP on loopback: {cookie}");
    let first = first.unwrap();
    // A new id at every sign-in: no fixation.
    let (_, second) = http.login(common::ADMIN, PASSWORD);
    let second = second.unwrap();
    assert_ne!(first, second);

    // Pages answer with the security headers.
    let page = http.send("GET", "/hr/", Some(&first), None);
    assert_eq!(page.status, 200);
    let header = |name: &str| {
        page.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert!(header("content-security-policy").contains("default-src 'none'"));
    assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("cache-control"), "no-store");

    // CSRF: a POST without the token, or with another session's, changes nothing.
    let before = server.cli(&["settings", "show"], &[]).0.stdout;
    let fields = [("target_percent", "50"), ("k", "7"), ("survey_window", "3")];
    let refused = http.send("POST", "/hr/settings", Some(&first), Some(&fields));
    assert_eq!(refused.status, 403, "a form without its token: {}", refused.body);
    let other = http.csrf(&second, "/hr/settings");
    let mut forged = fields.to_vec();
    forged.push(("_csrf", &other));
    let refused = http.send("POST", "/hr/settings", Some(&first), Some(&forged));
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("did not come from this site"));
    assert_eq!(
        server.cli(&["settings", "show"], &[]).0.stdout,
        before,
        "nothing changed"
    );
    let token = http.csrf(&first, "/hr/settings");
    let mut good = fields.to_vec();
    good.push(("_csrf", &token));
    let saved = http.send("POST", "/hr/settings", Some(&first), Some(&good));
    assert_eq!(saved.status, 303, "{}", saved.body);
    let shown = String::from_utf8(server.cli(&["settings", "show"], &[]).0.stdout).unwrap();
    assert!(
        shown.contains("target_percent = 50") && shown.contains("k = 7"),
        "{shown}"
    );
    // k below 3 is refused by the page as by the command line.
    let mut low = vec![("target_percent", "50"), ("k", "2"), ("survey_window", "3")];
    low.push(("_csrf", &token));
    let refused = http.send("POST", "/hr/settings", Some(&first), Some(&low));
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("k must be a whole number from 3"));

    // Sign-out ends the session; the other one lives on.
    let token = http.csrf(&first, "/hr/");
    let out = http.send("POST", "/hr/logout", Some(&first), Some(&[("_csrf", &token)]));
    assert_eq!(out.status, 303);
    let after = http.send("GET", "/hr/", Some(&first), None);
    assert_eq!(after.status, 303);
    assert!(after.location.unwrap().starts_with("/hr/login"));
    assert_eq!(http.send("GET", "/hr/", Some(&second), None).status, 200);

    // A password change ends every session of the account.
    let token = http.csrf(&second, "/hr/account");
    let changed = http.send(
        "POST",
        "/hr/account",
        Some(&second),
        Some(&[
            ("_csrf", &token),
            ("current", PASSWORD),
            ("new", "another long password"),
            ("again", "another long password"),
        ]),
    );
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(http.send("GET", "/hr/", Some(&second), None).status, 303);
    assert_eq!(http.login(common::ADMIN, PASSWORD).0.status, 401);
    assert_eq!(http.login(common::ADMIN, "another long password").0.status, 303);

    // Behind a TLS proxy, cookies are Secure.
    let proxied = Server::start_with(
        backend,
        common::ORG_UNITS,
        common::EMPLOYEES,
        "public_url = \"https://taiwa.example.co.jp\"\n",
    );
    let (answer, session) = Http::new(&proxied).login(common::ADMIN, PASSWORD);
    assert!(
        answer.cookies.iter().all(|c| c.contains("; Secure")),
        "{:?}",
        answer.cookies
    );
    // …named `__Host-`, so that no other host or path can set or read them…
    let session = session.expect("a session cookie");
    assert!(session.starts_with("__Host-taiwa_session="), "{session}");
    assert!(
        answer
            .cookies
            .iter()
            .any(|c| c.starts_with("__Host-taiwa_session=") && c.contains("; Path=/;")),
        "{:?}",
        answer.cookies
    );
    assert_eq!(
        Http::new(&proxied).send("GET", "/hr/", Some(&session), None).status,
        200
    );
    let plain_name = session.replacen("__Host-", "", 1);
    assert_eq!(
        Http::new(&proxied).send("GET", "/hr/", Some(&plain_name), None).status,
        303,
        "the unprefixed name is not read"
    );
    // …and the browser is told to stay on HTTPS.
    assert!(
        answer
            .headers
            .iter()
            .any(|(k, v)| k == "strict-transport-security" && v.contains("max-age=")),
        "{:?}",
        answer.headers
    );
    // A proxy named without trusted_proxies is warned about at start: every client would count
    // as the proxy's one address.
    let log = std::fs::read_to_string(proxied.log_path()).unwrap();
    assert!(log.contains("trusted_proxies is empty"), "{log}");
}

fn failed_sign_ins_are_slowed_and_tell_nothing(backend: Backend) {
    let server = Server::start(backend);
    let http = Http::new(&server);
    let (unknown, _) = http.login("nobody@example.co.jp", "whatever it is");
    let (wrong, _) = http.login(common::ADMIN, "not the password");
    assert_eq!((unknown.status, wrong.status), (401, 401));
    let message = |a: &Answer| {
        a.body
            .split("role=\"alert\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        message(&unknown),
        message(&wrong),
        "the same words whether the email exists or not"
    );
    for _ in 0..4 {
        assert_eq!(http.login(common::ADMIN, "not the password").0.status, 401);
    }
    // Five failures: even the right password is not checked for a while.
    let (blocked, session) = http.login(common::ADMIN, PASSWORD);
    assert_eq!(blocked.status, 429);
    assert!(session.is_none());
    assert!(blocked.body.contains("Too many failed sign-ins"), "{}", blocked.body);
    // Another account from the same address still signs in (the address allows more tries).
    server
        .cli(
            &["admin", "create", "--email", "second@example.co.jp"],
            &[("TAIWA_ADMIN_PASSWORD", PASSWORD)],
        )
        .assert_ok();
    assert_eq!(http.login("second@example.co.jp", PASSWORD).0.status, 303);
    // The log says a sign-in was refused, never with the password.
    let log = std::fs::read_to_string(server.log_path()).unwrap();
    assert!(!log.contains("not the password"));
}

/// 500 wrong sign-ins for one account at once: each attempt counts before its password is
/// checked, so no more than the account's limit are checked (401); the rest are refused (429).
fn a_burst_of_concurrent_guesses_checks_no_more_than_the_limit(backend: Backend) {
    // Many connections from this one machine, as a guesser would open from many.
    let server = Server::start_with(
        backend,
        common::ORG_UNITS,
        common::EMPLOYEES,
        "max_connections_per_address = 10000\n",
    );
    let http = std::sync::Arc::new(Http::new(&server));
    let (cookie, token) = http.login_form();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let guesses: Vec<_> = (0..500)
            .map(|i| {
                let (http, cookie, token) = (http.clone(), cookie.clone(), token.clone());
                scope.spawn(move || {
                    let password = format!("guess number {i}");
                    let form = [
                        ("email", common::ADMIN),
                        ("password", password.as_str()),
                        ("next", "/hr/"),
                        ("_login", token.as_str()),
                    ];
                    http.send("POST", "/hr/login", Some(&cookie), Some(&form)).status
                })
            })
            .collect();
        guesses.into_iter().map(|g| g.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(checked <= 5, "{checked} passwords checked");
    assert_eq!(checked + refused, 500, "{statuses:?}");
    // And the right password is not checked either until the window has passed.
    assert_eq!(http.login(common::ADMIN, PASSWORD).0.status, 429);

    // Changing a password checks the current one under the same limits.
    server
        .cli(
            &["admin", "create", "--email", "second@example.co.jp"],
            &[("TAIWA_ADMIN_PASSWORD", PASSWORD)],
        )
        .assert_ok();
    let (_, session) = http.login("second@example.co.jp", PASSWORD);
    let session = session.expect("signed in");
    let change = |current: &str| {
        let csrf = http.csrf(&session, "/hr/account");
        let form = [
            ("_csrf", csrf.as_str()),
            ("current", current),
            ("new", "a brand new long password"),
            ("again", "a brand new long password"),
        ];
        http.send("POST", "/hr/account", Some(&session), Some(&form))
    };
    for _ in 0..5 {
        assert_eq!(change("not the current password").status, 400);
    }
    let blocked = change(PASSWORD);
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    assert!(blocked.body.contains("Too many wrong passwords"), "{}", blocked.body);
}

/// A body of a megabyte: only the upload routes take one, and only from a signed-in hr_admin;
/// anyone else is answered 413 having sent no more than the small limit allows.
fn uploads_take_megabytes_only_from_a_signed_in_hr_admin(backend: Backend) {
    let server = Server::start(backend);
    server
        .cli(
            &[
                "admin",
                "create",
                "--email",
                "viewer@example.co.jp",
                "--role",
                "org_viewer",
                "--org",
                "O2",
            ],
            &[("TAIWA_ADMIN_PASSWORD", PASSWORD)],
        )
        .assert_ok();
    let http = Http::new(&server);
    let megabyte = "a".repeat(1024 * 1024);
    let post = |path: &str, cookie: Option<&str>| {
        http.send("POST", path, cookie, Some(&[("x", megabyte.as_str())]))
            .status
    };
    assert_eq!(post("/hr/engagement/import", None), 413, "no session");
    assert_eq!(
        post("/hr/career-paths/import", Some("taiwa_session=not-a-session")),
        413
    );
    assert_eq!(post("/hr/anything/import", None), 413, "not an upload route");
    let (_, viewer) = http.login("viewer@example.co.jp", PASSWORD);
    assert_eq!(post("/hr/engagement/import", viewer.as_deref()), 413, "an org viewer");
    assert_eq!(post("/hr/settings/directory", viewer.as_deref()), 413, "an org viewer");
    assert_eq!(
        post("/hr/settings/directory/confirm", None),
        413,
        "a confirmation is a small form"
    );
    let (_, admin) = http.login(common::ADMIN, PASSWORD);
    for route in taiwa_server::web::UPLOAD_ROUTES {
        let status = post(route, admin.as_deref());
        assert_ne!(status, 413, "hr_admin's upload to {route} is read whole");
    }
    assert_eq!(post("/hr/settings/directory/confirm", admin.as_deref()), 413);
}

/// The schema refuses any role but hr_admin and org_viewer (with its unit); and a row that has
/// one anyway (written by other hands) is no account at all, never an hr_admin.
fn an_unknown_role_is_refused_never_read_as_hr_admin(backend: Backend) {
    let server = Server::start(backend);
    let http = Http::new(&server);
    let (_, session) = http.login(common::ADMIN, PASSWORD);
    let session = session.unwrap();
    assert_eq!(http.send("GET", "/hr/settings", Some(&session), None).status, 200);
    let pool = server.pool();
    let set = |sql: &str| pool.write(|c| c.execute(sql, &[]));
    for bad in [
        "UPDATE admins SET role = 'root'",
        "UPDATE admins SET role = 'org_viewer', org_unit_id = NULL",
        "INSERT INTO admins (email, password_hash, created_at, role) VALUES ('x@example.co.jp', 'x', 0, 'superuser')",
    ] {
        assert!(set(bad).is_err(), "the schema takes: {bad}");
    }
    if backend == Backend::Sqlite {
        // A database written past the schema's rule: the account is refused.
        set("DROP TRIGGER admins_role_update").unwrap();
        set("UPDATE admins SET role = 'root'").unwrap();
        let answer = http.send("GET", "/hr/settings", Some(&session), None);
        assert_eq!(answer.status, 303, "not signed in: {}", answer.body);
        assert_eq!(http.login(common::ADMIN, PASSWORD).0.status, 401);
    }
}

/// While another writer holds the database, a request with a made-up session cookie is still
/// answered at once: looking a session up is a read.
fn an_unknown_session_cookie_never_waits_for_the_writer(backend: Backend) {
    let server = Server::start(backend);
    let pool = server.pool();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        pool.with(|c| {
            c.begin()?;
            // SQLite: the write lock is taken by BEGIN IMMEDIATE. PostgreSQL: no other writer
            // may change the sessions, readers still may.
            if c.backend() == taiwa_server::db::Backend::Postgres {
                c.batch("LOCK TABLE web_sessions IN EXCLUSIVE MODE")?;
            }
            locked_tx.send(()).unwrap();
            let _ = done_rx.recv_timeout(std::time::Duration::from_secs(30));
            c.batch("ROLLBACK")
        })
        .unwrap();
    });
    locked_rx.recv().unwrap();
    let http = Http::new(&server);
    let started = std::time::Instant::now();
    let answer = http.send("GET", "/hr/", Some("taiwa_session=made-up-by-anyone"), None);
    let took = started.elapsed();
    done_tx.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(answer.location.unwrap_or_default().starts_with("/hr/login"));
    assert!(took < std::time::Duration::from_secs(3), "answered in {took:?}");
}

fn tokens_devices_and_accounts_from_the_command_line(backend: Backend) {
    let server = Server::start(backend);
    // Tokens: listed by id, revocable, expiring.
    let token = server
        .cli(&["admin", "token", "--email", common::ADMIN, "--days", "1"], &[])
        .stdout_line();
    let month = common::this_month();
    assert_eq!(
        server
            .get(&format!("/api/v1/admin/completion?month={month}"), Some(&token))
            .status,
        200
    );
    let list = String::from_utf8(server.cli(&["admin", "tokens"], &[]).0.stdout).unwrap();
    assert!(!list.contains(&token), "never the token itself");
    let id = taiwa_server::store::hash_secret(&token)[..12].to_owned();
    assert!(list.contains(&id) && list.contains("active"), "{list}");
    server.cli(&["admin", "revoke", &id], &[]).assert_ok();
    assert_eq!(
        server
            .get(&format!("/api/v1/admin/completion?month={month}"), Some(&token))
            .status,
        401
    );
    // An expired token is refused (its expiry moved to the past, as time would).
    let pool = server.pool();
    pool.write(|c| {
        c.execute(
            "UPDATE admin_tokens SET expires_at = 1 WHERE token_hash = $1",
            &[taiwa_server::db::V::from(taiwa_server::store::hash_secret(
                &server.admin_token,
            ))],
        )
    })
    .unwrap();
    assert_eq!(
        server.admin(&format!("/api/v1/admin/completion?month={month}")).status,
        401
    );
    assert!(
        String::from_utf8(server.cli(&["admin", "tokens"], &[]).0.stdout)
            .unwrap()
            .contains("expired")
    );

    // Devices: listed, revoked by HR; the device is refused from then on.
    let device = server.enrol("E02");
    assert_eq!(server.get("/api/v1/roster", Some(&device)).status, 200);
    let devices = String::from_utf8(server.cli(&["devices", "list", "--employee-id", "E02"], &[]).0.stdout).unwrap();
    let id = devices.split_whitespace().next().unwrap().to_owned();
    assert!(
        devices.contains("Test laptop") && devices.contains("active"),
        "{devices}"
    );
    server.cli(&["devices", "revoke", &id], &[]).assert_ok();
    assert_eq!(server.get("/api/v1/roster", Some(&device)).status, 401);

    // Accounts: roles checked; an org viewer has no API token.
    let viewer = server.cli(
        &["admin", "create", "--email", "v@example.co.jp", "--role", "org_viewer"],
        &[("TAIWA_ADMIN_PASSWORD", PASSWORD)],
    );
    assert_eq!(viewer.code(), 2);
    assert!(viewer.stderr().contains("needs the org unit"), "{}", viewer.stderr());
    let unknown = server.cli(
        &[
            "admin",
            "create",
            "--email",
            "v@example.co.jp",
            "--role",
            "org_viewer",
            "--org",
            "NOPE",
        ],
        &[("TAIWA_ADMIN_PASSWORD", PASSWORD)],
    );
    assert_eq!(unknown.code(), 5);
    server
        .cli(
            &[
                "admin",
                "create",
                "--email",
                "v@example.co.jp",
                "--role",
                "org_viewer",
                "--org",
                "O3",
            ],
            &[("TAIWA_ADMIN_PASSWORD", PASSWORD)],
        )
        .assert_ok();
    let no_token = server.cli(&["admin", "token", "--email", "v@example.co.jp"], &[]);
    assert_eq!(no_token.code(), 2);
    assert!(no_token.stderr().contains("hr_admin"));
}

fn career_paths_reach_devices_with_an_etag(backend: Backend) {
    let server = Server::start(backend);
    let device = server.enrol("E02");
    assert_eq!(server.get("/api/v1/career-paths", None).status, 401);
    let empty = server.get("/api/v1/career-paths", Some(&device));
    assert_eq!(empty.status, 200);
    assert_eq!(empty.json()["paths"].as_array().unwrap().len(), 0);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("paths.csv");
    std::fs::write(
        &file,
        "path_id,org_unit_id,title,description,skills,next_roles\nP1,O2,法人営業,\"顧客の課題を\n一緒に解く\",提案; 交渉,営業マネージャー\nP2,O4,バックエンド開発,API とデータ,Rust; SQL,テックリード; アーキテクト\n",
    )
    .unwrap();
    server
        .cli(&["career-paths", "import", file.to_str().unwrap()], &[])
        .assert_ok();
    let url = format!("{}/api/v1/career-paths", server.base);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let get = |etag: Option<&str>| {
        let mut req = agent.get(&url).header("Authorization", &format!("Bearer {device}"));
        if let Some(e) = etag {
            req = req.header("If-None-Match", e);
        }
        let mut r = req.call().unwrap();
        let etag = r.headers().get("etag").map(|v| v.to_str().unwrap().to_owned());
        (
            r.status().as_u16(),
            etag,
            r.body_mut().read_to_string().unwrap_or_default(),
        )
    };
    let (status, etag, body) = get(None);
    assert_eq!(status, 200);
    let catalog: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(catalog["paths"][0]["title"], "法人営業");
    assert_eq!(catalog["paths"][0]["org_unit_name"], "営業部");
    assert_eq!(catalog["paths"][0]["description"], "顧客の課題を\n一緒に解く");
    assert_eq!(
        catalog["paths"][1]["next_roles"],
        serde_json::json!(["テックリード", "アーキテクト"])
    );
    let etag = etag.unwrap();
    // Unchanged: 304 and no body.
    let (status, again, body) = get(Some(&etag));
    assert_eq!(
        (status, again.as_deref(), body.as_str()),
        (304, Some(etag.as_str()), "")
    );
    // Changed: a new version, a new ETag.
    std::fs::write(
        &file,
        "path_id,org_unit_id,title,description,skills,next_roles\nP1,O2,法人営業,d,,\n",
    )
    .unwrap();
    server
        .cli(&["career-paths", "import", file.to_str().unwrap()], &[])
        .assert_ok();
    let (status, changed, body) = get(Some(&etag));
    assert_eq!(status, 200);
    assert_ne!(changed.unwrap(), etag);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["paths"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

fn imports_name_every_bad_line_and_change_nothing(backend: Backend) {
    let server = Server::start(backend);
    let dir = tempfile::tempdir().unwrap();
    let month = common::this_month();
    let survey = dir.path().join("survey.csv");
    std::fs::write(
        &survey,
        format!("org_unit_id,survey_month,item,score\nO2,{month},上司との対話,60\n"),
    )
    .unwrap();
    server
        .cli(&["survey", "import", survey.to_str().unwrap()], &[])
        .assert_ok();
    std::fs::write(
        &survey,
        format!("org_unit_id,survey_month,item,score\nO2,{month},上司との対話,61\nNOPE,{month},上司との対話,50\nO3,2026-13,x,1\nO3,{month},キャリアの見通し,high\n"),
    )
    .unwrap();
    let bad = server.cli(&["survey", "import", survey.to_str().unwrap()], &[]);
    assert_eq!(bad.code(), 2);
    let err = bad.stderr();
    for needle in [
        "line 3: no org unit NOPE",
        "line 4: '2026-13' is not a month",
        "line 5: 'high' is not a score",
    ] {
        assert!(err.contains(needle), "{needle} in {err}");
    }
    let stored = taiwa_server::store::survey_scores(&server.pool(), month.parse().unwrap(), "上司との対話").unwrap();
    assert_eq!(stored, vec![("O2".to_owned(), 60.0)], "the earlier import is untouched");

    let paths = dir.path().join("paths.csv");
    std::fs::write(
        &paths,
        "path_id,org_unit_id,title,description,skills,next_roles\nP1,O9,t,d,,\nP2,O2,,d,,\n",
    )
    .unwrap();
    let bad = server.cli(&["career-paths", "import", paths.to_str().unwrap()], &[]);
    assert_eq!(bad.code(), 2);
    assert!(bad.stderr().contains("line 2: no org unit O9"), "{}", bad.stderr());
    assert!(bad.stderr().contains("line 3: the title"), "{}", bad.stderr());
    assert_eq!(
        taiwa_server::store::career_paths(&server.pool()).unwrap().paths.len(),
        0
    );
}

fn invitations_codes_devices_and_career_paths_from_the_pages(backend: Backend) {
    let server = Server::start(backend);
    let http = Http::new(&server);
    let (_, admin) = http.login(common::ADMIN, PASSWORD);
    let admin = admin.unwrap();

    // An invitation: a one-time link; the person chooses a password and signs in as an org viewer.
    let token = http.csrf(&admin, "/hr/settings");
    let page = http.send(
        "POST",
        "/hr/settings/invite",
        Some(&admin),
        Some(&[
            ("_csrf", &token),
            ("email", "head@example.co.jp"),
            ("role", "org_viewer"),
            ("org", "O3"),
        ]),
    );
    assert_eq!(page.status, 200, "{}", page.body);
    // The link is this server's own address (no public_url here), never the request's Host.
    assert!(
        page.body.contains(&format!("{}/hr/invite/", server.base)),
        "{}",
        page.body
    );
    let at = page.body.find("/hr/invite/").expect("the link is shown once");
    let link: String = page.body[at..].chars().take_while(|c| *c != '<' && *c != '"').collect();
    assert_eq!(
        http.login("head@example.co.jp", "anything at all").0.status,
        401,
        "no password yet"
    );
    assert_eq!(http.send("GET", &link, None, None).status, 200);
    let set = http.send(
        "POST",
        &link,
        None,
        Some(&[
            ("password", "the head's long password"),
            ("again", "the head's long password"),
        ]),
    );
    assert_eq!(set.status, 303, "{}", set.body);
    assert_eq!(http.send("GET", &link, None, None).status, 404, "the link works once");
    let (_, head) = http.login("head@example.co.jp", "the head's long password");
    let head = head.unwrap();
    assert_eq!(http.send("GET", "/hr/?unit=O4", Some(&head), None).status, 200);
    assert_eq!(http.send("GET", "/hr/?unit=O2", Some(&head), None).status, 403);
    // Disabled by hr_admin: the session ends at once.
    let token = http.csrf(&admin, "/hr/settings");
    let off = http.send(
        "POST",
        "/hr/settings/account",
        Some(&admin),
        Some(&[
            ("_csrf", &token),
            ("email", "head@example.co.jp"),
            ("action", "disable"),
        ]),
    );
    assert_eq!(off.status, 303, "{}", off.body);
    assert_eq!(http.send("GET", "/hr/", Some(&head), None).status, 303);
    assert_eq!(
        http.login("head@example.co.jp", "the head's long password").0.status,
        401
    );

    // An enrolment code from the page works once, from a device.
    let token = http.csrf(&admin, "/hr/rollout");
    let page = http.send(
        "POST",
        "/hr/rollout/code",
        Some(&admin),
        Some(&[("_csrf", &token), ("employee_id", "E02"), ("days", "7")]),
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let code: String = page
        .body
        .split("<p class=\"code\">")
        .nth(1)
        .unwrap()
        .chars()
        .take(19)
        .collect();
    let enrolled = server.post_json(
        "/api/v1/enrol",
        None,
        &serde_json::json!({"code": code, "device_name": "Laptop"}),
    );
    assert_eq!(enrolled.status, 201, "{}", enrolled.body);
    let device = enrolled.json()["device_token"].as_str().unwrap().to_owned();
    // Codes for every manager of a unit not yet enrolled, as a CSV to mail-merge.
    let token = http.csrf(&admin, "/hr/rollout");
    let csv = http.send(
        "POST",
        "/hr/rollout/codes.csv",
        Some(&admin),
        Some(&[("_csrf", &token), ("unit", "O1"), ("only_new", "1"), ("days", "14")]),
    );
    assert_eq!(csv.status, 200, "{}", csv.body);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(
        lines[0].starts_with("\u{feff}employee_id,name,email,unit,code"),
        "{}",
        lines[0]
    );
    let managers: Vec<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(managers, ["E01", "E03"], "E02 is enrolled already");
    // Outstanding codes can be cancelled; a cancelled code is refused.
    let page = http.send("GET", "/hr/rollout", Some(&admin), None);
    let ids: Vec<String> = page
        .body
        .split("name=\"id\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert!(ids.len() >= 2, "two outstanding codes and a device");
    let code_e01 = lines[1].split(',').nth(4).unwrap();
    for id in &ids {
        let token = http.csrf(&admin, "/hr/rollout");
        http.send(
            "POST",
            "/hr/rollout/cancel",
            Some(&admin),
            Some(&[("_csrf", &token), ("id", id)]),
        );
    }
    let refused = server.post_json(
        "/api/v1/enrol",
        None,
        &serde_json::json!({"code": code_e01, "device_name": "Laptop"}),
    );
    assert_eq!(refused.status, 400, "a cancelled code: {}", refused.body);
    // The device is revoked from the page; its next request is refused.
    let devices = String::from_utf8(server.cli(&["devices", "list", "--employee-id", "E02"], &[]).0.stdout).unwrap();
    let id = devices.split_whitespace().next().unwrap().to_owned();
    let token = http.csrf(&admin, "/hr/rollout");
    let asked = http.send(
        "POST",
        "/hr/rollout/revoke",
        Some(&admin),
        Some(&[("_csrf", &token), ("id", &id)]),
    );
    assert_eq!(asked.status, 200, "revoking is asked first: {}", asked.body);
    assert_eq!(
        server.get("/api/v1/roster", Some(&device)).status,
        200,
        "not yet revoked"
    );
    let revoked = http.send(
        "POST",
        "/hr/rollout/revoke",
        Some(&admin),
        Some(&[("_csrf", &token), ("id", &id), ("confirm", "yes")]),
    );
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    assert_eq!(server.get("/api/v1/roster", Some(&device)).status, 401);

    // A career path added and edited on the page reaches devices; a bad one names its fields.
    let other = server.enrol("E03");
    let token = http.csrf(&admin, "/hr/career-paths");
    let fields = |title: &'static str, unit: &'static str| {
        vec![
            ("_csrf", token.clone()),
            ("path_id", "P9".to_owned()),
            ("org_unit_id", unit.to_owned()),
            ("title", title.to_owned()),
            ("description", "説明".to_owned()),
            ("skills", "a; b".to_owned()),
            ("next_roles", "".to_owned()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let send = |v: Vec<(&'static str, String)>| {
        let refs: Vec<(&str, &str)> = v.iter().map(|(k, v)| (*k, v.as_str())).collect();
        http.send("POST", "/hr/career-paths", Some(&admin), Some(&refs))
    };
    let bad = send(as_refs(&fields("", "O9")));
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("the title must be"), "{}", bad.body);
    assert_eq!(send(fields("人事企画", "O2")).status, 303);
    assert_eq!(send(fields("人事企画リーダー", "O2")).status, 303);
    let catalog = server.get("/api/v1/career-paths", Some(&other)).json();
    assert_eq!(catalog["paths"][0]["title"], "人事企画リーダー");
    assert_eq!(catalog["paths"][0]["skills"], serde_json::json!(["a", "b"]));
    let audit = taiwa_server::store::audit_entries(&server.pool(), 50).unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.2.as_str()).collect();
    for a in [
        "account_invited",
        "account_changed",
        "code_issued",
        "codes_issued",
        "code_cancelled",
        "device_revoked",
        "career_path_saved",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}
