//! The `taiwa` binary driven as a script would drive it: real processes, real vault files.

// Helpers outside #[test] functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::SystemTime;

use serde_json::Value;

const PASS: &str = "correct horse battery staple";

struct Env {
    _tmp: tempfile::TempDir,
    vault: PathBuf,
    tmpdir: PathBuf,
    root: PathBuf,
}

impl Env {
    fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_owned();
        let tmpdir = root.join("process-tmp");
        fs::create_dir(&tmpdir).unwrap();
        Env {
            vault: root.join("vault"),
            tmpdir,
            root,
            _tmp: tmp,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_taiwa"));
        cmd.args(args)
            .env("TAIWA_VAULT", &self.vault)
            .env("TAIWA_PASSPHRASE", PASS)
            .env("TZ", "Asia/Tokyo")
            .env("TMPDIR", &self.tmpdir)
            .env_remove("TAIWA_NEW_PASSPHRASE")
            .env_remove("TAIWA_RECOVERY_KEY")
            .stdin(Stdio::null());
        cmd
    }

    fn run_with(&self, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The CLI stops reading past the largest note: a larger input ends in a broken pipe here.
        if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        child.wait_with_output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs a command with --json that must succeed, and returns its one JSON document.
    fn json(&self, args: &[&str]) -> Value {
        self.json_with(args, b"", &[])
    }

    fn json_with(&self, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run_with(&all, stdin, env);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?} printed no single JSON document ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    fn id(&self, args: &[&str]) -> String {
        self.json(args)["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("{args:?} printed no id"))
            .to_string()
    }

    fn init(&self) -> String {
        let v = self.json(&["init"]);
        v["recovery_key"].as_str().unwrap().to_owned()
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn files(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    let mut all = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(files(&path));
        } else {
            let meta = fs::metadata(&path).unwrap();
            all.insert(path.clone(), (fs::read(&path).unwrap(), meta.modified().unwrap()));
        }
    }
    all
}

#[test]
fn a_month_of_1on1s_from_the_command_line() {
    let env = Env::new();
    let recovery = env.init();
    assert_eq!(recovery.len(), 39);
    let hanako = env.id(&[
        "person",
        "add",
        "佐藤 花子",
        "--employee-id",
        "E000123",
        "--email",
        "hanako@example.co.jp",
        "--org-unit",
        "技術部",
    ]);
    let ken = env.id(&["person", "add", "Ken Ito", "--cadence", "weekly"]);
    let mentee = env.id(&["person", "add", "田中 誠", "--cross"]);
    let people = env.json(&["person", "list"]);
    assert_eq!(people.as_array().unwrap().len(), 3);
    assert_eq!(people[0]["name"], "Ken Ito");
    assert_eq!(
        env.json(&["person", "show", &mentee])["person"]["relationship"],
        "cross"
    );

    let s1 = env.id(&[
        "session",
        "plan",
        &hanako,
        "--at",
        "2026-10-05 10:00",
        "--minutes",
        "30",
    ]);
    let item = env.id(&[
        "agenda",
        "add",
        &s1,
        "評価について話したい",
        "--kind",
        "career",
        "--wants",
        "listen",
    ]);
    env.id(&["agenda", "add", &s1, "Team offsite", "--kind", "work"]);
    env.json(&["agenda", "done", &item]);
    let note = env.json_with(
        &["note", "set", &s1],
        "# 10月\n転職を少し考えている。\n".as_bytes(),
        &[],
    );
    assert_eq!(note["id"].as_i64().unwrap().to_string(), s1);
    env.json_with(&["note", "append", &s1], "Follow up in November.".as_bytes(), &[]);
    let action = env.id(&[
        "action",
        "add",
        &hanako,
        "研修の案内を送る",
        "--session",
        &s1,
        "--due",
        "2026-10-12",
    ]);
    // Agreed in October's session, so that the test's months do not depend on the day it runs:
    // an item with no session opens in the month it was written.
    env.id(&[
        "action",
        "add",
        &hanako,
        "Read the book",
        "--owner",
        "member",
        "--session",
        &s1,
    ]);
    let held = env.json(&["session", "hold", &s1, "--minutes", "35"]);
    assert_eq!(
        (held["state"].as_str(), held["held_minutes"].as_i64()),
        (Some("held"), Some(35))
    );

    // Next month: the open agenda item and the open action items are waiting.
    let s2 = env.id(&["session", "plan", &hanako, "--at", "2026-11-05 10:00"]);
    let view = env.json(&["session", "show", &s2]);
    let agenda: Vec<&str> = view["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["text"].as_str().unwrap())
        .collect();
    assert_eq!(agenda, ["Team offsite"]);
    assert_eq!(view["open_actions"].as_array().unwrap().len(), 2);
    env.json(&["action", "done", &action, "--on", "2026-11-05"]);
    assert_eq!(env.json(&["action", "list", "--open"]).as_array().unwrap().len(), 1);
    let shown = env.run(&["note", "show", &s1]);
    assert_eq!(
        String::from_utf8(shown.stdout).unwrap(),
        "# 10月\n転職を少し考えている。\nFollow up in November.\n"
    );

    let s3 = env.id(&["session", "plan", &ken, "--at", "2026-10-06 09:00"]);
    env.json(&["session", "skip", &s3, "--reason", "体調不良"]);
    let s4 = env.id(&["session", "plan", &mentee, "--at", "2026-10-07 18:00"]);
    env.json(&["session", "cancel", &s4]);

    let status = env.json(&["status", "--month", "2026-10"]);
    assert_eq!(
        (status["summary"]["people"].as_i64(), status["summary"]["met"].as_i64()),
        (Some(3), Some(1))
    );
    let states: BTreeMap<String, String> = status["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(states["佐藤 花子"], "clear");
    assert_eq!(states["Ken Ito"], "missed");

    let hits = env.json(&["search", "転職"]);
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(
        hits[0]["snippet_text"].as_str().unwrap(),
        "10月 [転職]を少し考えている。 Follow up in November.",
        "snippets read as words, without Markdown marks"
    );
    assert_eq!(env.json(&["search", "評価"]).as_array().unwrap().len(), 1);
    let text = env.run(&["search", "follow"]);
    assert!(
        String::from_utf8(text.stdout)
            .unwrap()
            .contains("[Follow] up in November.")
    );

    let csv = env.run(&[
        "export", "summary", "--from", "2026-10", "--to", "2026-11", "--format", "csv",
    ]);
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(
        csv.contains("2026-10,佐藤 花子,E000123,Direct report,Monthly,1,35,2,0"),
        "{csv}"
    );
    assert!(
        csv.contains("2026-11,佐藤 花子,E000123,Direct report,Monthly,0,0,0,1"),
        "{csv}"
    );
    let ja = env.run(&[
        "export", "summary", "--from", "2026-10", "--to", "2026-10", "--format", "csv", "--lang", "ja",
    ]);
    let ja = String::from_utf8(ja.stdout).unwrap();
    assert!(
        ja.starts_with("\u{feff}月,メンバー,社員番号,関係,頻度,実施回数"),
        "{ja}"
    );
    assert!(
        ja.contains("2026-10,佐藤 花子,E000123,直属の部下,毎月,1,35,2,0"),
        "{ja}"
    );
    assert!(!csv.contains("転職"));
    let out = env.root.join("summary.html");
    env.json(&[
        "export",
        "summary",
        "--from",
        "2026-10",
        "--to",
        "2026-10",
        "--format",
        "html",
        "--out",
        out.to_str().unwrap(),
        "--include-notes",
    ]);
    let html = fs::read_to_string(&out).unwrap();
    assert!(html.contains("転職を少し考えている") && html.starts_with("<!doctype html>"));
    // Readable by the manager alone, written whole, and no temporary file left beside it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Writing again over it replaces it (and keeps it private).
    fs::set_permissions(&out, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    env.json(&[
        "export",
        "summary",
        "--from",
        "2026-10",
        "--to",
        "2026-10",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(
        !fs::read_to_string(&out).unwrap().contains("転職"),
        "no note without --include-notes"
    );
    let leftovers: Vec<_> = fs::read_dir(&env.root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name().to_string_lossy().ends_with(".tmp") || e.file_name().to_string_lossy().ends_with(".partial")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let report = env.json(&["verify"]);
    assert_eq!(report["ok"], true);
}

#[test]
fn nothing_readable_reaches_the_disk_or_the_temp_folder() {
    let env = Env::new();
    env.init();
    let markers = [
        "QX-MARKER-NAME-51",
        "QX-MARKER-NOTE-52",
        "内緒のマーカー文言",
        "QX-MARKER-AGENDA-53",
        "QX-MARKER-ACTION-54",
        "QX-MARKER-REASON-55",
    ];
    let p = env.id(&["person", "add", markers[0], "--org-unit", markers[2]]);
    let s = env.id(&["session", "plan", &p, "--at", "2026-11-02 10:00"]);
    env.json_with(
        &["note", "set", &s],
        format!("{} {}", markers[1], markers[2]).as_bytes(),
        &[],
    );
    env.id(&["agenda", "add", &s, markers[3]]);
    env.id(&["action", "add", &p, markers[4]]);
    env.json(&["session", "skip", &s, "--reason", markers[5]]);
    assert_eq!(env.json(&["search", markers[2]]).as_array().unwrap().len(), 1);
    env.json(&["export", "summary", "--from", "2026-11", "--to", "2026-11"]);
    let backup = env.vault.join("..").join("b.backup");
    env.json(&["backup", "--out", backup.to_str().unwrap()]);

    let everything: BTreeMap<_, _> = files(&env.vault)
        .into_iter()
        .chain(files(&env.tmpdir))
        .chain([(backup.clone(), (fs::read(&backup).unwrap(), SystemTime::now()))])
        .collect();
    assert!(everything.keys().any(|p| p.ends_with("vault.db")) && everything.keys().any(|p| p.ends_with("vault.key")));
    for (path, (bytes, _)) in &everything {
        for marker in markers {
            // Any 8-byte piece of a marker would already be a leak.
            let needle = &marker.as_bytes()[..12];
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "'{marker}' readable in {}",
                path.display()
            );
        }
        assert!(
            !bytes.windows(PASS.len()).any(|w| w == PASS.as_bytes()),
            "the passphrase is in {}",
            path.display()
        );
    }
}

#[test]
fn wrong_passphrase_exit_code_message_and_no_change() {
    let env = Env::new();
    env.init();
    let p = env.id(&["person", "add", "Aiko"]);
    let s = env.id(&["session", "plan", &p, "--at", "2026-11-02 10:00"]);
    env.json_with(&["note", "set", &s], b"keep me", &[]);
    let before = files(&env.vault);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let wrong = "correct horse battery stapler";
    for args in [
        vec!["person", "list"],
        vec!["note", "show", &s],
        vec!["verify"],
        vec!["passphrase", "change"],
    ] {
        let out = env.run_with(
            &args,
            b"",
            &[
                ("TAIWA_PASSPHRASE", wrong),
                ("TAIWA_NEW_PASSPHRASE", "another long passphrase"),
            ],
        );
        assert_eq!(code(&out), 3, "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out).trim(), "taiwa: wrong passphrase");
    }
    let out = env.run_with(&["--json", "person", "list"], b"", &[("TAIWA_PASSPHRASE", wrong)]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "wrong_passphrase");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(wrong) && !stderr(&out).contains(wrong));
    assert_eq!(files(&env.vault), before, "bytes and mtimes unchanged");
}

#[test]
fn passphrase_change_and_recovery_from_the_command_line() {
    let env = Env::new();
    let recovery = env.init();
    let p = env.id(&["person", "add", "Rin"]);
    let new = "新しいパスフレーズ、十二文字以上";
    env.json_with(&["passphrase", "change"], b"", &[("TAIWA_NEW_PASSPHRASE", new)]);
    assert_eq!(
        code(&env.run(&["person", "list"])),
        3,
        "the old passphrase no longer opens it"
    );
    assert_eq!(
        env.json_with(&["person", "show", &p], b"", &[("TAIWA_PASSPHRASE", new)])["person"]["name"],
        "Rin"
    );

    // A typo in the recovery key is called one; the right key sets a new passphrase.
    let mut typo = recovery.clone().into_bytes();
    typo[0] = if typo[0] == b'A' { b'B' } else { b'A' };
    let out = env.run_with(
        &["recover"],
        b"",
        &[
            ("TAIWA_RECOVERY_KEY", std::str::from_utf8(&typo).unwrap()),
            ("TAIWA_NEW_PASSPHRASE", "recovered passphrase!"),
        ],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("typo"));
    let out = env.run_with(
        &["recover"],
        b"",
        &[
            ("TAIWA_RECOVERY_KEY", &recovery.to_lowercase()),
            ("TAIWA_NEW_PASSPHRASE", "short"),
        ],
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("at least 12 characters"));
    env.json_with(
        &["recover"],
        b"",
        &[
            ("TAIWA_RECOVERY_KEY", &recovery.to_lowercase()),
            ("TAIWA_NEW_PASSPHRASE", "recovered passphrase!"),
        ],
    );
    assert_eq!(
        env.json_with(
            &["person", "list"],
            b"",
            &[("TAIWA_PASSPHRASE", "recovered passphrase!")]
        )[0]["name"],
        "Rin"
    );
    assert_eq!(
        code(&env.run_with(&["person", "list"], b"", &[("TAIWA_PASSPHRASE", new)])),
        3
    );

    // A new recovery key: shown once; the old one stops working, the new one works.
    let fresh = env.json_with(
        &["passphrase", "new-recovery-key"],
        b"",
        &[("TAIWA_PASSPHRASE", "recovered passphrase!")],
    )["recovery_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(fresh, recovery);
    let old = env.run_with(
        &["recover"],
        b"",
        &[
            ("TAIWA_RECOVERY_KEY", &recovery),
            ("TAIWA_NEW_PASSPHRASE", "another new passphrase"),
        ],
    );
    assert_ne!(code(&old), 0, "the old recovery key is refused");
    env.json_with(
        &["recover"],
        b"",
        &[
            ("TAIWA_RECOVERY_KEY", &fresh),
            ("TAIWA_NEW_PASSPHRASE", "another new passphrase"),
        ],
    );
    assert_eq!(
        env.json_with(
            &["person", "list"],
            b"",
            &[("TAIWA_PASSPHRASE", "another new passphrase")]
        )[0]["name"],
        "Rin"
    );
}

#[test]
fn damage_is_reported_with_its_own_exit_code() {
    let env = Env::new();
    env.init();
    let p = env.id(&["person", "add", "Mika"]);
    for day in 1..=28 {
        let s = env.id(&["session", "plan", &p, "--at", &format!("2026-10-{day:02} 10:00")]);
        env.json_with(&["note", "set", &s], "メモ".repeat(500).as_bytes(), &[]);
    }
    let flip = |name: &str, at: usize| {
        let path = env.vault.join(name);
        let mut bytes = fs::read(&path).unwrap();
        let i = at.min(bytes.len() - 1);
        bytes[i] ^= 0x10;
        fs::write(&path, bytes).unwrap();
    };
    let db_len = fs::metadata(env.vault.join("vault.db")).unwrap().len() as usize;
    flip("vault.db", db_len / 2);
    let out = env.run(&["verify"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("database: DAMAGED") && text.contains("key file: ok"),
        "{text}"
    );
    // One line in words, not SQLCipher's own log lines.
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("taiwa: the vault's database (vault.db) is damaged"),
        "{}",
        stderr(&out)
    );
    flip("vault.db", db_len / 2);
    assert_eq!(code(&env.run(&["verify"])), 0);

    flip("vault.key", 60);
    for args in [vec!["verify"], vec!["person", "list"]] {
        let out = env.run(&args);
        assert_eq!(code(&out), 4, "{args:?}");
        assert!(
            stderr(&out).contains("key file (vault.key) is damaged"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let env = Env::new();
    env.init();
    let p = env.id(&["person", "add", "Yui"]);
    let s = env.id(&["session", "plan", &p, "--at", "2026-11-02 10:00"]);
    env.json_with(&["note", "set", &s], "the note before".as_bytes(), &[]);
    let before = env.json(&["session", "show", &s]);

    let cases: &[(&[&str], i32, &str)] = &[
        (&["person", "add", ""], 2, "the name is empty"),
        (
            &["person", "add", "X", "--cadence", "daily"],
            2,
            "'daily' is not a valid cadence",
        ),
        (
            &["person", "add", "X", "--start", "2026-02-30"],
            2,
            "'2026-02-30' is not a date",
        ),
        (&["person", "show", "404"], 5, "no person with id 404"),
        (&["person", "show", "abc"], 2, "invalid value 'abc'"),
        (
            &["session", "plan", "404", "--at", "2026-11-02 10:00"],
            5,
            "no person with id 404",
        ),
        (
            &["session", "plan", &p, "--at", "2026-11-31 10:00"],
            2,
            "is not a date and time",
        ),
        (
            &["session", "plan", &p, "--at", "tomorrow"],
            2,
            "is not a date and time",
        ),
        (&["session", "hold", &s, "--minutes", "0"], 2, "not a session length"),
        (&["session", "list", "--month", "2026-13"], 2, "out of range"),
        (&["status", "--month", "Nov 2026"], 2, "write it as YYYY-MM"),
        (
            &["agenda", "add", &s, "x", "--wants", "money"],
            2,
            "'money' is not a valid wish",
        ),
        (&["action", "add", &p, "x", "--due", "12/01"], 2, "is not a date"),
        (
            &["export", "summary", "--from", "2026-11", "--to", "2026-10"],
            2,
            "before it starts",
        ),
        (
            &[
                "export", "summary", "--from", "2026-11", "--to", "2026-11", "--format", "pdf",
            ],
            2,
            "not an export format",
        ),
        (&["note", "show", "999"], 5, "no session with id 999"),
    ];
    for (args, expected_code, message) in cases {
        let out = env.run(args);
        assert_eq!(code(&out), *expected_code, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(message),
            "{args:?}: expected '{message}' in {}",
            stderr(&out)
        );
    }
    // Invalid UTF-8 on stdin stores nothing.
    let out = env.run_with(&["note", "set", &s], b"valid start \xff\xfe broken", &[]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("not valid UTF-8"), "{}", stderr(&out));
    let out = env.run_with(&["note", "append", &s], b"\xc3", &[]);
    assert_eq!(code(&out), 2);
    // A note beyond the limit is refused whole.
    let huge = vec![b'a'; 17 * 1024 * 1024];
    let out = env.run_with(&["note", "set", &s], &huge, &[]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("the note is too large"), "{}", stderr(&out));
    assert_eq!(env.json(&["session", "show", &s]), before, "nothing stored changed");
    assert_eq!(env.json(&["person", "list"]).as_array().unwrap().len(), 1);

    // Several megabytes of Japanese are a fine note.
    let big = "今日の1on1で話したこと。\n".repeat(150_000);
    env.json_with(&["note", "set", &s], big.as_bytes(), &[]);
    assert_eq!(String::from_utf8(env.run(&["note", "show", &s]).stdout).unwrap(), big);
}

#[test]
fn a_full_disk_fails_clearly_and_loses_nothing() {
    let env = Env::new();
    env.init();
    let p = env.id(&["person", "add", "Disk"]);
    let s = env.id(&["session", "plan", &p, "--at", "2026-11-02 10:00"]);
    env.json_with(&["note", "set", &s], "saved before the disk filled".as_bytes(), &[]);
    // RLIMIT_FSIZE makes the kernel refuse to grow files past the limit, as a full disk would.
    // SIGXFSZ is ignored so the write fails instead of killing the process.
    let big = "x".repeat(3 * 1024 * 1024);
    let out = Command::new("sh")
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 2000; exec \"$0\" note set \"$1\"",
            env!("CARGO_BIN_EXE_taiwa"),
            &s,
        ])
        .env("TAIWA_VAULT", &env.vault)
        .env("TAIWA_PASSPHRASE", PASS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(big.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("could not write to the disk"), "{}", stderr(&out));
    let shown = env.run(&["note", "show", &s]);
    assert_eq!(
        String::from_utf8(shown.stdout).unwrap(),
        "saved before the disk filled\n"
    );
    assert_eq!(env.json(&["verify"])["ok"], true);
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let env = Env::new();
    env.init();
    env.id(&["person", "add", "Before Backup"]);
    let file = env.root.join("taiwa.backup");
    env.json(&["backup", "--out", file.to_str().unwrap()]);
    env.id(&["person", "add", "After Backup"]);
    let out = env.run(&["restore", file.to_str().unwrap()]);
    assert_eq!(
        code(&out),
        7,
        "restoring over a vault needs --replace: {}",
        stderr(&out)
    );
    assert_eq!(env.json(&["person", "list"]).as_array().unwrap().len(), 2);
    let restored = env.json(&["restore", file.to_str().unwrap(), "--replace"]);
    let aside = PathBuf::from(restored["previous_moved_to"].as_str().unwrap());
    assert!(aside.join("vault.db").exists());
    let names: Vec<String> = env
        .json(&["person", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().into())
        .collect();
    assert_eq!(names, ["Before Backup"]);
    // The vault moved aside is whole and opens.
    let old = env.run_with(
        &["--json", "person", "list"],
        b"",
        &[("TAIWA_VAULT", aside.to_str().unwrap())],
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&old.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn init_refuses_an_existing_vault_and_missing_vaults_are_named() {
    let env = Env::new();
    env.init();
    let out = env.run(&["init"]);
    assert_eq!(code(&out), 7);
    assert!(stderr(&out).contains("a vault already exists"));
    let out = env.run_with(
        &["person", "list"],
        b"",
        &[("TAIWA_VAULT", env.root.join("nowhere").to_str().unwrap())],
    );
    assert_eq!(code(&out), 6);
    assert!(stderr(&out).contains("there is no vault in"));
    let out = env.run_with(
        &["init"],
        b"",
        &[
            ("TAIWA_VAULT", env.root.join("weak").to_str().unwrap()),
            ("TAIWA_PASSPHRASE", "too short"),
        ],
    );
    assert_eq!(code(&out), 2);
    assert!(!env.root.join("weak").join("vault.key").exists());
    assert_eq!(code(&env.run(&["no-such-command"])), 2);
}

#[test]
fn career_notes_and_topics_for_next_time() {
    let env = Env::new();
    env.init();
    let p = env.id(&["person", "add", "Sakura"]);
    env.json_with(&["career", "set", &p], "希望: 海外赴任".as_bytes(), &[]);
    assert_eq!(
        String::from_utf8(env.run(&["career", "show", &p]).stdout).unwrap(),
        "希望: 海外赴任\n"
    );
    assert_eq!(env.json(&["search", "海外"])[0]["kind"], "career");
    let topic = env.id(&[
        "topic",
        "add",
        &p,
        "資格取得の支援",
        "--kind",
        "career",
        "--wants",
        "advise",
    ]);
    env.id(&["topic", "add", &p, "Drop me"]);
    let listed = env.json(&["topic", "list", &p]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let dropped = listed[1]["id"].as_i64().unwrap().to_string();
    env.json(&["topic", "remove", &dropped]);
    assert_eq!(code(&env.run(&["topic", "remove", &dropped])), 5);
    let s = env.id(&["session", "plan", &p, "--at", "2099-01-05 10:00"]);
    let agenda = env.json(&["agenda", "list", &s]);
    assert_eq!(agenda.as_array().unwrap().len(), 1);
    assert_eq!(
        (agenda[0]["text"].as_str(), agenda[0]["wants"].as_str()),
        (Some("資格取得の支援"), Some("advise"))
    );
    assert!(env.json(&["topic", "list", &p]).as_array().unwrap().is_empty());
    assert_ne!(topic, "");
}

#[test]
fn a_person_is_deleted_only_when_asked_twice_and_ids_are_unique() {
    let env = Env::new();
    env.init();
    let p = env.id(&["person", "add", "Aiko", "--employee-id", "E1"]);
    let twice = env.run(&["person", "add", "Aiko again", "--employee-id", "E1"]);
    assert_eq!(code(&twice), 2);
    assert!(stderr(&twice).contains("E1 is already Aiko's"), "{}", stderr(&twice));
    let s = env.id(&["session", "plan", &p, "--at", "2026-11-02 10:00"]);
    env.json_with(&["note", "set", &s], b"a note", &[]);
    let asked = env.run(&["person", "delete", &p]);
    assert_eq!(code(&asked), 2);
    assert!(stderr(&asked).contains("1 session(s), 1 note(s)"), "{}", stderr(&asked));
    assert!(stderr(&asked).contains("--yes"));
    assert_eq!(
        env.json(&["person", "list"]).as_array().unwrap().len(),
        1,
        "nothing deleted yet"
    );
    let done = env.json(&["person", "delete", &p, "--yes"]);
    assert_eq!(done["deleted"], true);
    assert_eq!(env.json(&["person", "list"]).as_array().unwrap().len(), 0);
    assert_eq!(code(&env.run(&["note", "show", &s])), 5, "the session went with them");
}

#[test]
fn private_text_comes_from_standard_input_not_the_command_line() {
    let env = Env::new();
    env.init();
    let person = env.id(&["person", "add", "佐藤 花子"]);
    let session = env.id(&["session", "plan", &person, "--at", "2026-10-05 10:00"]);
    // `-` reads the text from standard input; so does leaving it out when input is piped.
    let item = env.json_with(&["agenda", "add", &session, "-"], "異動の相談\n".as_bytes(), &[]);
    assert_eq!(item["text"], "異動の相談");
    let action = env.json_with(
        &["action", "add", &person, "--session", &session],
        "評価シートを送る".as_bytes(),
        &[],
    );
    assert_eq!(action["text"], "評価シートを送る");
    let topic = env.json_with(&["topic", "add", &person], "昇格の時期".as_bytes(), &[]);
    assert_eq!(topic["text"], "昇格の時期");
    let skipped = env.json_with(&["session", "skip", &session], "家族の事情\n".as_bytes(), &[]);
    assert_eq!(skipped["reason"], "家族の事情");
    let hits = env.json_with(&["search"], "評価シート".as_bytes(), &[]);
    assert_eq!(hits.as_array().map(Vec::len), Some(1));
    // Empty standard input is refused like an empty argument, and nothing is added.
    let out = env.run_with(&["agenda", "add", &session, "-"], b"", &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("the agenda item is empty"), "{}", stderr(&out));
    assert_eq!(
        env.json(&["agenda", "list", &session]).as_array().map(Vec::len),
        Some(1)
    );
}
