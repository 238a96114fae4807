//! The packages install and run without a build: `scripts/package` makes the desktop app's .deb
//! and the server's .deb; each is unpacked into a clean directory tree where dpkg would put its
//! files, the app is started from that tree under Xvfb and the server with its systemd unit's own
//! command line (its paths moved into the tree), and both must answer.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use taiwa_e2e::Desktop;

/// `${CARGO_TARGET_DIR:-target}/packages`, where `scripts/package` puts them (or `TAIWA_PACKAGES`).
fn package(prefix: &str) -> PathBuf {
    let dir = std::env::var_os("TAIWA_PACKAGES").map_or_else(
        || {
            let exe = std::env::current_exe().unwrap();
            exe.ancestors().nth(3).unwrap().join("packages")
        },
        PathBuf::from,
    );
    let found = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("run scripts/package first ({}: {e})", dir.display()))
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(prefix) && name.ends_with(".deb")
        });
    found.unwrap_or_else(|| panic!("no {prefix}*.deb in {}: run scripts/package", dir.display()))
}

/// Unpacks `deb` into `root` as dpkg would place its files; answers its control fields.
fn unpack(deb: &Path, root: &Path) -> String {
    let status = Command::new("dpkg-deb").arg("-x").arg(deb).arg(root).status().unwrap();
    assert!(status.success(), "dpkg-deb -x {}", deb.display());
    let out = Command::new("dpkg-deb").arg("-f").arg(deb).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desktop_package_installs_and_opens_in_both_languages() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let control = unpack(&package("taiwa_"), &root);
    assert!(control.contains("Package: taiwa\n"), "{control}");
    for lib in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libssl3"] {
        assert!(control.contains(lib), "Depends lacks {lib}: {control}");
    }
    // The launcher entry, in both languages, and the icon it names.
    let entry = std::fs::read_to_string(root.join("usr/share/applications/Taiwa.desktop")).unwrap();
    for line in [
        "Name=Taiwa",
        "Name[ja]=対話 (Taiwa)",
        "Exec=taiwa-desktop",
        "Icon=taiwa-desktop",
    ] {
        assert!(
            entry.lines().any(|l| l == line),
            "the desktop entry lacks '{line}':\n{entry}"
        );
    }
    assert!(
        root.join("usr/share/icons/hicolor/128x128/apps/taiwa-desktop.png")
            .exists()
    );

    // The installed binary carries its UI: a new vault is made, Home is drawn, and the
    // Japanese catalogue is there.
    let vault = tmp.path().join("vault");
    let app = Desktop::start_app(root.join("usr/bin/taiwa-desktop"), &vault, "en_US.UTF-8").await;
    let pass = "correct horse battery staple";
    app.type_into("#new-passphrase", pass).await;
    app.type_into("#new-passphrase-again", pass).await;
    app.click("#create").await;
    app.click("#confirm-written").await;
    app.click("#recovery-continue").await;
    app.wait_text("[data-nav=home]", "This month").await;
    app.click("[data-nav=settings]").await;
    app.find("#settings-language").await;
    app.js(
        "const el = document.querySelector('#settings-language'); el.value = 'ja'; \
            el.dispatchEvent(new Event('change', { bubbles: true }));",
    )
    .await;
    app.wait_text("[data-nav=home]", "今月").await;
    app.screenshot("install-desktop-home-ja").await;
    app.stop().await;
    assert!(
        vault.join("vault.db").exists() && vault.join("vault.key").exists(),
        "no vault at {}",
        vault.display()
    );
}

#[test]
fn the_server_package_runs_under_its_units_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let control = unpack(&package("taiwa-server_"), &root);
    assert!(control.contains("Package: taiwa-server\n"), "{control}");
    assert!(
        control.contains("adduser"),
        "the postinst makes the taiwa user: {control}"
    );
    let maintainer = Command::new("dpkg-deb")
        .arg("-I")
        .arg(package("taiwa-server_"))
        .arg("conffiles")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&maintainer.stdout).trim(),
        "/etc/taiwa/server.toml"
    );

    // The unit: the taiwa user, the state directory, the command line.
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/taiwa-server.service")).unwrap();
    for line in ["User=taiwa", "StateDirectory=taiwa", "WorkingDirectory=/var/lib/taiwa"] {
        assert!(unit.lines().any(|l| l == line), "the unit lacks '{line}':\n{unit}");
    }
    // systemd itself reads the unit (its binary moved into the tree) without a complaint.
    let checked = tmp.path().join("taiwa-server.service");
    let bin = root.join("usr/bin/taiwa-server");
    std::fs::write(&checked, unit.replace("/usr/bin/taiwa-server", bin.to_str().unwrap())).unwrap();
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&checked)
        .output()
        .expect("systemd-analyze (Debian package systemd)");
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("the unit has an ExecStart");

    // The packaged configuration keeps its database under /var/lib/taiwa; in the tree, that
    // directory is root/var/lib/taiwa, and the port is a free one.
    let config = root.join("etc/taiwa/server.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("db = \"sqlite:///var/lib/taiwa/taiwa-server.db\""),
        "{text}"
    );
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let state = root.join("var/lib/taiwa");
    std::fs::create_dir_all(&state).unwrap();
    let text = text
        .replace("/var/lib/taiwa", state.to_str().unwrap())
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
    std::fs::write(&config, text).unwrap();

    // The unit's command line, every absolute path moved into the tree.
    let args: Vec<String> = exec
        .split_whitespace()
        .map(|a| {
            if a.starts_with('/') {
                format!("{}{a}", root.display())
            } else {
                a.to_owned()
            }
        })
        .collect();
    let mut server = Command::new(&args[0])
        .args(&args[1..])
        .current_dir(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on"), "the server did not start: '{line}'");

    let get = |path: &str| {
        let out = Command::new("curl")
            .args(["-sS", "-w", "\n%{http_code}"])
            .arg(format!("http://127.0.0.1:{port}{path}"))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let health = get("/healthz");
    assert!(health.ends_with("\n200"), "healthz: {health}");
    let login = get("/hr/login");
    assert!(
        login.ends_with("\n200") && login.contains("Taiwa"),
        "the HR sign-in page: {login}"
    );
    // The database is where the configuration put it.
    assert!(state.join("taiwa-server.db").exists());

    let _ = Command::new("kill").arg("-TERM").arg(server.id().to_string()).status();
    let status = server.wait().unwrap();
    assert!(status.success(), "SIGTERM stops the server cleanly: {status}");
}
