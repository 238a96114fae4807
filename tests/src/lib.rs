//! A harness for end-to-end tests of the desktop app: Xvfb, tauri-driver (with WebKitWebDriver)
//! and a WebDriver client, started per test and stopped in order (`../shared/TESTING.md`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a failure here fails the test

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::Value;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The desktop app binary next to the running test binary (`target/debug/taiwa-desktop`).
pub fn app_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let app = dir.join("taiwa-desktop");
    assert!(
        app.exists(),
        "build the app first: cargo build -p taiwa-desktop ({} is missing)",
        app.display()
    );
    app
}

/// Where screenshots go: `artifacts/screenshots/` at the workspace root.
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Display {
    number: u32,
    child: Option<Child>,
}

impl Display {
    fn start() -> Display {
        if std::env::var("DISPLAY").is_ok_and(|d| !d.is_empty()) && std::env::var("TAIWA_E2E_OWN_DISPLAY").is_err() {
            return Display { number: 0, child: None };
        }
        for _ in 0..50 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos();
            let number = 100 + (std::process::id() + nanos) % 800;
            let (socket, lock) = (format!("/tmp/.X11-unix/X{number}"), format!("/tmp/.X{number}-lock"));
            // A lock whose server is gone (killed before it could clean up) frees its number.
            let holder = std::fs::read_to_string(&lock)
                .ok()
                .and_then(|pid| pid.trim().parse::<u32>().ok());
            if holder.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
                let _ = std::fs::remove_file(&lock);
                let _ = std::fs::remove_file(&socket);
            }
            if Path::new(&socket).exists() || Path::new(&lock).exists() {
                continue;
            }
            let mut child = Command::new("Xvfb")
                .arg(format!(":{number}"))
                .args(["-screen", "0", "1280x1024x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb (Debian package xvfb)");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists() {
                    return Display {
                        number,
                        child: Some(child),
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("could not start Xvfb");
    }

    fn env(&self) -> String {
        match self.child {
            Some(_) => format!(":{}", self.number),
            None => std::env::var("DISPLAY").unwrap_or_default(),
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        // SIGTERM, so that Xvfb removes its lock file and socket; SIGKILL left them behind.
        if let Some(child) = &mut self.child {
            terminate(child);
        }
    }
}

/// One running app, with its own display and driver, over a vault folder.
#[allow(missing_debug_implementations)] // holds a WebDriver client, which has no Debug
pub struct Desktop {
    pub client: Client,
    app: PathBuf,
    driver: Child,
    display: Display,
}

/// Where the app saves files in tests (`TAIWA_SAVE_TO_DIR`, instead of the native save dialog
/// that WebDriver cannot reach): a folder beside the vault.
pub fn saved_dir(vault: &Path) -> PathBuf {
    vault.parent().unwrap().join("saved")
}

/// Where the app writes the name of each command it is asked to run (`TAIWA_IPC_LOG`).
pub fn ipc_log(vault: &Path) -> PathBuf {
    vault.parent().unwrap().join("ipc.log")
}

/// Where the app writes the links it would open in the system browser (`TAIWA_LINK_LOG`).
pub fn link_log(vault: &Path) -> PathBuf {
    vault.parent().unwrap().join("links.log")
}

impl Desktop {
    /// Starts the app over `vault` (through `TAIWA_VAULT`) in `language`.
    pub async fn start(vault: &Path, language: &str) -> Desktop {
        Desktop::start_app(app_binary(), vault, language).await
    }

    /// Starts the app binary at `app` (an installed package's) over `vault` in `language`.
    pub async fn start_app(app: PathBuf, vault: &Path, language: &str) -> Desktop {
        Desktop::launch(app, vault, language, None).await.0
    }

    /// Starts `app` as `start_app` does and answers how long it took from the launch (the driver
    /// already listening) until `marker` was on the screen: a cold start to an interactive page.
    pub async fn start_timed(app: PathBuf, vault: &Path, marker: &str) -> (Desktop, Duration) {
        Desktop::launch(app, vault, "en_US.UTF-8", Some(marker)).await
    }

    async fn launch(app: PathBuf, vault: &Path, language: &str, marker: Option<&str>) -> (Desktop, Duration) {
        let display = Display::start();
        std::fs::create_dir_all(saved_dir(vault)).unwrap();
        let (port, native) = (free_port(), free_port());
        let driver = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("DISPLAY", display.env())
            .env("TAIWA_VAULT", vault)
            .env("TAIWA_SAVE_TO_DIR", saved_dir(vault))
            .env("TAIWA_LINK_LOG", link_log(vault))
            .env("TAIWA_IPC_LOG", ipc_log(vault))
            .env("LANG", language)
            .env("LANGUAGE", language)
            // GTK picks XIM for a Japanese locale, and with no XIM server under Xvfb it turns the
            // driver's shifted keys into unshifted ones (':' into ';'); a manager's machine has
            // its own input method. The simple one types what the driver sends.
            .env("GTK_IM_MODULE", "gtk-im-context-simple")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver (cargo install tauri-driver)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver never listened");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let capabilities = serde_json::json!({
            "browserName": "wry",
            "tauri:options": { "application": app },
        });
        let capabilities = capabilities.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::native()
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("could not start a WebDriver session: {e}"),
            }
        };
        let desktop = Desktop {
            client,
            app,
            driver,
            display,
        };
        if let Some(css) = marker {
            while desktop.client.find(Locator::Css(css)).await.is_err() {
                assert!(started.elapsed() < Duration::from_secs(30), "'{css}' never appeared");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        let took = started.elapsed();
        (desktop, took)
    }

    /// The app's processes (its own and the WebKit processes it started).
    pub fn app_processes(&self) -> Vec<u32> {
        let apps: Vec<u32> = descendants(self.driver.id())
            .into_iter()
            .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == self.app))
            .collect();
        let mut all = apps.clone();
        for pid in apps {
            all.extend(descendants(pid));
        }
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The proportional set size of the app's processes, summed (KiB): what the app costs in memory
    /// with pages shared between processes counted once.
    pub fn app_pss_kib(&self) -> u64 {
        self.app_processes()
            .iter()
            .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
            .filter_map(|rollup| {
                rollup
                    .lines()
                    .find_map(|l| l.strip_prefix("Pss:"))
                    .and_then(|v| v.split_whitespace().next())
                    .and_then(|v| v.parse::<u64>().ok())
            })
            .sum()
    }

    /// Waits for `css` to be on the page and returns it.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element '{css}': {e}"))
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click '{css}': {e}"));
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element.clear().await.ok();
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into '{css}': {e}"));
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// Waits until `css` has text containing `expected`.
    pub async fn wait_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let now = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if now.contains(expected) {
                return;
            }
            if Instant::now() > deadline {
                panic!("'{css}' never showed '{expected}' (last: '{now}')");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until nothing on the screen matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.absent(css).await {
            assert!(Instant::now() < deadline, "'{css}' never went away");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether nothing on the screen matches `css` (now, without waiting).
    pub async fn absent(&self, css: &str) -> bool {
        self.client.find(fantoccini::Locator::Css(css)).await.is_err()
    }

    /// Runs `script` in the window and answers what it returns.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Runs `script` in the window and answers the text it returns.
    pub async fn js_text(&self, script: &str) -> String {
        self.js(script).await.as_str().unwrap_or_default().to_owned()
    }

    /// Saves a screenshot as `artifacts/screenshots/NAME.png`.
    /// Saves a picture of the app's window as `artifacts/screenshots/NAME.png`. It is taken from
    /// the X display (`xwd`): Taiwa's web view draws without GPU compositing (src-tauri's `main`),
    /// and WebKitWebDriver's own screenshot then never answers.
    pub async fn screenshot(&self, name: &str) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let shot = Command::new("xwd")
            .args(["-root", "-silent", "-display", &self.display.env()])
            .output()
            .expect("xwd (Debian package x11-apps)");
        assert!(shot.status.success(), "xwd: {}", String::from_utf8_lossy(&shot.stderr));
        let window = self.client.get_window_rect().await.ok();
        let png = xwd_png(&shot.stdout, window).expect("an X window dump xwd can write");
        std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
    }

    /// Presses keys on the focused element (WebDriver key codes for modifiers).
    pub async fn keys(&self, css: &str, keys: &str) {
        self.find(css).await.send_keys(keys).await.unwrap();
    }

    /// Ends the session (the app exits), then stops the driver (SIGTERM, so it stops WebKitWebDriver).
    pub async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        terminate(&mut self.driver);
    }

    /// Kills this test's app process with SIGKILL, as a crash would, and stops the driver.
    pub async fn kill_app(mut self) {
        let app = self.app.clone();
        for pid in descendants(self.driver.id()) {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            if exe == app {
                let _ = Command::new("kill").arg("-KILL").arg(pid.to_string()).status();
            }
        }
        let _ = self.client.clone().close().await;
        terminate(&mut self.driver);
    }
}

/// Every process below `root`, from /proc.
fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The fields after the command name (which may hold spaces) start after the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()) {
            parent_of.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parent_of.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    found.remove(0);
    found
}

fn terminate(child: &mut Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A workspace binary next to the running test (built by scripts/test).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().and_then(Path::parent).unwrap().join(name);
    assert!(
        path.exists(),
        "build it first: cargo build -p {name} ({} is missing)",
        path.display()
    );
    path
}

/// The real `taiwa-server` on a fixed loopback port (so it can stop and start again there).
#[derive(Debug)]
pub struct Server {
    pub db: String,
    port: u16,
    child: Option<Child>,
    dir: PathBuf,
}

impl Server {
    /// A company of three (M1 manages E1 and E2), an admin, and an enrolment code for M1; serving.
    /// Returns the server, the admin token and the code.
    pub fn small_company(dir: &Path) -> (Server, String, String) {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut server = Server {
            db: format!("sqlite://{}", dir.join("server.db").display()),
            port,
            child: None,
            dir: dir.to_owned(),
        };
        let orgs = dir.join("o.csv");
        let emps = dir.join("e.csv");
        std::fs::write(&orgs, "org_unit_id,name,parent_id\nO1,本社,\nO2,開発部,O1\n").unwrap();
        std::fs::write(&emps, "employee_id,name,email,org_unit_id,manager_id\nM1,部長,m1@example.co.jp,O1,\nE1,佐藤 花子,e1@example.co.jp,O2,M1\nE2,田中 誠,e2@example.co.jp,O2,M1\n").unwrap();
        server.line(&[
            "directory",
            "import",
            "--org-units",
            orgs.to_str().unwrap(),
            "--employees",
            emps.to_str().unwrap(),
        ]);
        server.line(&["admin", "create", "--email", "hr@example.co.jp"]);
        // The tests read pair-level figures, which a company turns on.
        server.line(&["settings", "set", "pair_detail", "on"]);
        let admin = server.line(&["admin", "token", "--email", "hr@example.co.jp"]);
        let code = server.line(&["enrol-code", "--employee-id", "M1"]);
        server.start();
        (server, admin, code)
    }

    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(binary("taiwa-server"))
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env("TAIWA_ADMIN_PASSWORD", "a long admin password")
            .output()
            .unwrap()
    }

    pub fn line(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    pub fn start(&mut self) {
        let mut child = Command::new(binary("taiwa-server"))
            .arg("--db")
            .arg(&self.db)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("listening on"), "{line}");
        self.child = Some(child);
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn admin(&self, token: &str, path: &str) -> Value {
        let out = Command::new("curl")
            .args(["-sS", "-H", &format!("Authorization: Bearer {token}")])
            .arg(format!("{}{path}", self.url()))
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{path}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        let _ = &self.dir;
    }
}

/// An X window dump (ZPixmap, true colour) as a PNG, cut to `window` (x, y, width, height) when
/// given; `None` when the dump is not one this reads.
fn xwd_png(dump: &[u8], window: Option<(u64, u64, u64, u64)>) -> Option<Vec<u8>> {
    let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    let field = |i: usize| -> Option<u32> { Some(u32::from_be_bytes(dump.get(4 * i..4 * i + 4)?.try_into().ok()?)) };
    let (header, format, width, height) = (field(0)?, field(2)?, field(4)?, field(5)?);
    let (byte_order, bits, stride) = (field(7)?, field(11)?, field(12)? as usize);
    let masks = [field(14)?, field(15)?, field(16)?];
    let colours = field(19)? as usize;
    if format != 2 || !(bits == 24 || bits == 32) {
        return None;
    }
    let bytes = bits as usize / 8;
    let pixels = dump.get(header as usize + colours * 12..)?;
    let (x0, y0, w, h) = match window {
        Some((x, y, w, h)) => (narrow(x), narrow(y), narrow(w), narrow(h)),
        None => (0, 0, width, height),
    };
    let (x0, y0) = (x0.min(width), y0.min(height));
    let (w, h) = (w.min(width - x0), h.min(height - y0));
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            let at = y as usize * stride + x as usize * bytes;
            let raw = pixels.get(at..at + bytes)?;
            let value = if byte_order == 0 {
                raw.iter().rev().fold(0u32, |v, b| (v << 8) | u32::from(*b))
            } else {
                raw.iter().fold(0u32, |v, b| (v << 8) | u32::from(*b))
            };
            for mask in masks {
                rgb.push(((value & mask) >> mask.trailing_zeros()) as u8);
            }
        }
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header().ok()?.write_image_data(&rgb).ok()?;
    Some(png)
}

/// A loopback proxy to `target` that keeps every byte it forwards, both ways.
pub fn recording_proxy(target: String) -> (String, std::sync::Arc<std::sync::Mutex<Vec<u8>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let record = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = record.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(server) = std::net::TcpStream::connect(&target) else {
                continue;
            };
            for (mut from, mut to) in [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ] {
                let sink = sink.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16384];
                    while let Ok(n) = std::io::Read::read(&mut from, &mut buf) {
                        if n == 0 || std::io::Write::write_all(&mut to, &buf[..n]).is_err() {
                            break;
                        }
                        sink.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        }
    });
    (url, record)
}

/// Whether `recorded` holds any piece of `word` (pieces of 8 bytes, or the whole word when
/// shorter): the test that a word typed on either side never crossed the network in the clear.
pub fn holds_a_piece_of(recorded: &[u8], word: &str) -> bool {
    let bytes = word.as_bytes();
    if bytes.len() <= 8 {
        return recorded.windows(bytes.len()).any(|w| w == bytes);
    }
    bytes.windows(8).any(|piece| recorded.windows(8).any(|w| w == piece))
}

/// Sets an input's value the way typing would (date pickers do not take keys reliably).
pub async fn set_value(app: &Desktop, css: &str, value: &str) {
    app.find(css).await; // waits for the field: the page may still be loading
    let script = "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
                  el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true }));";
    app.client
        .execute(script, vec![css.into(), value.into()])
        .await
        .unwrap();
}

/// Today at `hh:mm` on the app's own clock, as a datetime-local value.
pub async fn today_at(app: &Desktop, hh: u32, mm: u32) -> String {
    let script = "const d = new Date(); const p = (n) => String(n).padStart(2, '0'); \
                  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(arguments[0])}:${p(arguments[1])}`;";
    app.client
        .execute(script, vec![hh.into(), mm.into()])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}
