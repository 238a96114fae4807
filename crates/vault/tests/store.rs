//! The vault on real SQLCipher files: lifecycle, secrecy, damage, crashes, search, backups.

// Test helpers outside #[test] functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use chrono::NaiveDateTime as DateTime;
fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}
use taiwa_domain::Zone;
use taiwa_domain::{Cadence, DueState, Month, Owner, Relationship, TopicKind, Wants};
use taiwa_vault::{
    Error, ExportFormat, ExportLanguage, ExportOptions, FromMember, HitKind, HitState, NewAction, NewAgendaItem,
    NewPerson, Part, Passphrase, PersonEdit, RecoveryKey, Taken, Vault,
};

const PASS: &str = "correct horse battery staple";

fn pass(text: &str) -> Passphrase {
    Passphrase::new(text.into())
}

fn tokyo() -> Zone {
    Zone::named("Asia/Tokyo").unwrap()
}

fn new_vault() -> (tempfile::TempDir, PathBuf, Vault, RecoveryKey) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let (vault, recovery) = Vault::create(&dir, &pass(PASS), tokyo()).unwrap();
    (tmp, dir, vault, recovery)
}

/// A new vault holding one person's planned 1on1, and that 1on1's id.
fn vault_with_a_session() -> (tempfile::TempDir, PathBuf, Vault, i64) {
    let (tmp, dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "佐藤");
    let s = vault
        .plan_session(p, date(2026, 11, 2).and_hms_opt(10, 0, 0).unwrap(), 30)
        .unwrap();
    (tmp, dir, vault, s.id)
}

/// The size of the vault's write-ahead log file (0 when there is none).
fn log_size(dir: &Path) -> u64 {
    fs::metadata(dir.join("vault.db-wal")).map_or(0, |m| m.len())
}

fn person(vault: &mut Vault, name: &str) -> i64 {
    vault
        .add_person(NewPerson {
            name: name.into(),
            ..Default::default()
        })
        .unwrap()
        .id
}

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime {
    date(y, m, d).and_hms_opt(h, 0, 0).unwrap()
}

fn agenda(text: &str) -> NewAgendaItem {
    NewAgendaItem {
        text: text.into(),
        kind: TopicKind::Work,
        wants: None,
    }
}

/// Every file of the folder with its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let meta = fs::metadata(&p).unwrap();
            (p.clone(), (fs::read(&p).unwrap(), meta.modified().unwrap()))
        })
        .collect()
}

#[test]
fn everything_written_is_there_after_reopening() {
    let (_tmp, dir, mut vault, _) = new_vault();
    let hanako = vault
        .add_person(NewPerson {
            name: "佐藤 花子".into(),
            employee_id: Some("E000123".into()),
            email: Some("hanako.sato@example.co.jp".into()),
            org_unit: Some("技術部".into()),
            cadence: Cadence::Biweekly,
            ..Default::default()
        })
        .unwrap();
    let mentee = vault
        .add_person(NewPerson {
            name: "Alex Kim".into(),
            relationship: Relationship::Cross,
            ..Default::default()
        })
        .unwrap();
    let s = vault.plan_session(hanako.id, at(2026, 11, 2, 10), 30).unwrap();
    assert_eq!(
        (s.month.to_string(), s.time_zone.as_str()),
        ("2026-11".into(), "Asia/Tokyo")
    );
    let item = vault
        .add_agenda_item(
            s.id,
            NewAgendaItem {
                text: "評価面談の振り返り".into(),
                kind: TopicKind::Career,
                wants: Some(Wants::Advise),
            },
        )
        .unwrap();
    vault.set_note(s.id, "# メモ\n異動の希望あり。").unwrap();
    vault.append_note(s.id, "Follow up next month.").unwrap();
    let action = vault
        .add_action(
            hanako.id,
            NewAction {
                text: "研修の資料を送る".into(),
                session_id: Some(s.id),
                owner: Owner::Manager,
                due_date: Some(date(2026, 11, 9)),
            },
        )
        .unwrap();
    vault.hold_session(s.id, Some(35)).unwrap();
    drop(vault);

    let mut vault = Vault::open(&dir, &pass(PASS), tokyo()).unwrap();
    let people = vault.people(false).unwrap();
    assert_eq!(
        people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["Alex Kim", "佐藤 花子"]
    );
    assert_eq!(vault.person(mentee.id).unwrap().relationship, Relationship::Cross);
    let view = vault.open_session(s.id).unwrap();
    assert_eq!(view.session.held_minutes, Some(35));
    assert_eq!(view.agenda, vec![item]);
    assert_eq!(
        view.note.unwrap().body,
        "# メモ\n異動の希望あり。\nFollow up next month."
    );
    assert_eq!(vault.actions(Some(hanako.id), true).unwrap(), vec![action]);
}

#[test]
fn no_marker_is_readable_in_any_file_of_the_vault() {
    let (_tmp, dir, mut vault, _) = new_vault();
    let markers = [
        "MARKER-ascii-7f3a9c",
        "秘密のマーカー語",
        "MARKER-name-b81d",
        "MARKER-action-22e1",
    ];
    let p = vault
        .add_person(NewPerson {
            name: markers[2].into(),
            ..Default::default()
        })
        .unwrap();
    let s = vault.plan_session(p.id, at(2026, 11, 2, 10), 30).unwrap();
    vault.add_agenda_item(s.id, agenda(markers[1])).unwrap();
    vault
        .set_note(s.id, &format!("{} and {}", markers[0], markers[1]))
        .unwrap();
    vault
        .add_action(
            p.id,
            NewAction {
                text: markers[3].into(),
                session_id: None,
                owner: Owner::Member,
                due_date: None,
            },
        )
        .unwrap();
    vault.skip_session(s.id, "MARKER-reason-55c0").unwrap();
    // Check while the vault is open too (the WAL holds the newest pages), then after closing.
    let check = |when: &str| {
        for (path, (bytes, _)) in snapshot(&dir) {
            for marker in markers.iter().chain(&["MARKER-reason-55c0"]) {
                let needle = marker.as_bytes();
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{marker} readable in {} {when}",
                    path.display()
                );
            }
        }
    };
    check("while open");
    drop(vault);
    check("after closing");
}

#[test]
fn a_wrong_passphrase_is_named_and_changes_no_byte() {
    let (_tmp, dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "Aiko");
    let s = vault.plan_session(p, at(2026, 11, 2, 10), 30).unwrap();
    vault.set_note(s.id, "note").unwrap();
    drop(vault);
    let before = snapshot(&dir);
    std::thread::sleep(Duration::from_millis(20));
    let err = Vault::open(&dir, &pass("correct horse battery stapler"), tokyo()).unwrap_err();
    assert!(matches!(err, Error::WrongPassphrase), "{err:?}");
    assert_eq!(err.to_string(), "wrong passphrase");
    assert!(matches!(
        Vault::change_passphrase(&dir, &pass("nope nope nope"), &pass("a new long passphrase")),
        Err(Error::WrongPassphrase)
    ));
    assert!(matches!(
        Vault::verify(&dir, &pass("nope nope nope")),
        Err(Error::WrongPassphrase)
    ));
    assert_eq!(
        snapshot(&dir),
        before,
        "a wrong passphrase must leave every file's bytes and mtime as they were"
    );
}

#[test]
fn change_passphrase_and_recovery_key() {
    let (_tmp, dir, mut vault, recovery) = new_vault();
    let p = person(&mut vault, "Ken");
    drop(vault);
    let before_db = fs::read(dir.join("vault.db")).unwrap();
    Vault::change_passphrase(&dir, &pass(PASS), &pass("パスフレーズを変えました")).unwrap();
    assert_eq!(
        fs::read(dir.join("vault.db")).unwrap(),
        before_db,
        "the database is not rewritten"
    );
    assert!(matches!(
        Vault::open(&dir, &pass(PASS), tokyo()),
        Err(Error::WrongPassphrase)
    ));
    assert_eq!(
        Vault::open(&dir, &pass("パスフレーズを変えました"), tokyo())
            .unwrap()
            .person(p)
            .unwrap()
            .name,
        "Ken"
    );
    // Short new passphrases are refused and nothing changes.
    let err = Vault::change_passphrase(&dir, &pass("パスフレーズを変えました"), &pass("short")).unwrap_err();
    assert!(err.to_string().contains("at least 12"), "{err}");

    // Forgotten: the recovery key (as written down) sets a new passphrase.
    let written = recovery.display_form().unwrap().to_lowercase();
    let vault = Vault::recover(
        &dir,
        &RecoveryKey::parse(&written).unwrap(),
        &pass("recovered passphrase 2026"),
        tokyo(),
    )
    .unwrap();
    assert_eq!(vault.person(p).unwrap().name, "Ken");
    drop(vault);
    assert!(Vault::open(&dir, &pass("recovered passphrase 2026"), tokyo()).is_ok());
    assert!(matches!(
        Vault::open(&dir, &pass("パスフレーズを変えました"), tokyo()),
        Err(Error::WrongPassphrase)
    ));
    let other = RecoveryKey::parse(&new_vault().3.display_form().unwrap()).unwrap();
    assert!(matches!(
        Vault::recover(&dir, &other, &pass("another passphrase!"), tokyo()),
        Err(Error::WrongRecoveryKey)
    ));
}

/// Every file the vault writes is its owner's alone from its first byte, in a folder only its
/// owner may enter, whatever the process's umask: the key file (also after a passphrase
/// change), the database, its log and shared memory, and a backup (through a temporary file
/// with a random name, never a predictable `.partial`).
#[cfg(unix)]
#[test]
fn every_file_the_vault_writes_is_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let (tmp, dir, mut vault, _) = new_vault();
    person(&mut vault, "佐藤");
    assert_eq!(mode(&dir), 0o700);
    for name in ["vault.key", "vault.db", "vault.db-wal", "vault.db-shm"] {
        let path = dir.join(name);
        assert!(path.exists(), "{name}");
        assert_eq!(mode(&path), 0o600, "{name}");
    }
    let backup = tmp.path().join("backup.taiwa");
    vault.backup(&backup).unwrap();
    assert_eq!(mode(&backup), 0o600, "the backup");
    let stray: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial") || n.ends_with(".tmp"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    drop(vault);
    Vault::change_passphrase(&dir, &pass(PASS), &pass("another passphrase that is long")).unwrap();
    assert_eq!(
        mode(&dir.join("vault.key")),
        0o600,
        "the key file after a passphrase change"
    );
    // A vault made before this rule (its files left readable) is narrowed when opened.
    for name in ["vault.db", "vault.key"] {
        fs::set_permissions(dir.join(name), fs::Permissions::from_mode(0o644)).unwrap();
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let _vault = Vault::open(&dir, &pass("another passphrase that is long"), tokyo()).unwrap();
    assert_eq!((mode(&dir), mode(&dir.join("vault.db"))), (0o700, 0o600));
}

#[test]
fn creating_over_an_existing_vault_is_refused() {
    let (_tmp, dir, vault, _) = new_vault();
    drop(vault);
    let before = snapshot(&dir);
    assert!(matches!(
        Vault::create(&dir, &pass(PASS), tokyo()),
        Err(Error::VaultExists(_))
    ));
    assert_eq!(snapshot(&dir), before);
    let missing = dir.with_file_name("nothing-here");
    assert!(matches!(
        Vault::open(&missing, &pass(PASS), tokyo()),
        Err(Error::NoVault(_))
    ));
}

fn flip_byte(path: &Path, at: usize) {
    let mut bytes = fs::read(path).unwrap();
    let i = at.min(bytes.len() - 1);
    bytes[i] ^= 0x20;
    fs::write(path, bytes).unwrap();
}

#[test]
fn damage_to_the_database_and_to_the_key_file_is_told_apart() {
    let (_tmp, dir, mut vault, _) = new_vault();
    for i in 0..50 {
        let p = person(&mut vault, &format!("Person {i}"));
        let s = vault.plan_session(p, at(2026, 11, 2, 10), 30).unwrap();
        vault.set_note(s.id, &"長いメモ。".repeat(200)).unwrap();
    }
    drop(vault);
    assert!(Vault::verify(&dir, &pass(PASS)).unwrap().ok());

    // A byte in each eighth of the database: opening may still work, reading those pages does not.
    let db = dir.join("vault.db");
    let len = fs::metadata(&db).unwrap().len() as usize;
    let spots: Vec<usize> = (1..8).map(|k| len * k / 8).collect();
    spots.iter().for_each(|at| flip_byte(&db, *at));
    let report = Vault::verify(&dir, &pass(PASS)).unwrap();
    assert!(report.key_file_ok && !report.database_ok, "{report:?}");
    assert!(
        report.problems.iter().all(|p| p.contains("database (vault.db)")),
        "{report:?}"
    );
    assert!(
        report.problems.iter().any(|p| p.contains("cipher_integrity_check")),
        "{report:?}"
    );
    let read_all = || -> Result<(), Error> {
        let mut vault = Vault::open(&dir, &pass(PASS), tokyo())?;
        // Everything a person can reach: every session's page, the search index, the people.
        for s in vault.sessions(None)? {
            vault.open_session(s.id)?;
        }
        vault.search("長いメモ", 1000)?;
        vault.people(true)?;
        Ok(())
    };
    let err = read_all().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Damaged {
                part: Part::Database,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("database (vault.db) is damaged"), "{err}");
    spots.iter().for_each(|at| flip_byte(&db, *at));

    // The first page.
    flip_byte(&db, 100);
    let err = Vault::open(&dir, &pass(PASS), tokyo()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Damaged {
                part: Part::Database,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!Vault::verify(&dir, &pass(PASS)).unwrap().database_ok);
    flip_byte(&db, 100);
    assert!(
        Vault::verify(&dir, &pass(PASS)).unwrap().ok(),
        "flipping back repairs it"
    );

    // The key file.
    flip_byte(&dir.join("vault.key"), 120);
    let err = Vault::open(&dir, &pass(PASS), tokyo()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Damaged {
                part: Part::KeyFile,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("key file (vault.key) is damaged"), "{err}");
    let report = Vault::verify(&dir, &pass(PASS)).unwrap();
    assert!(
        !report.key_file_ok && report.problems[0].contains("key file"),
        "{report:?}"
    );
}

#[test]
fn bad_input_is_named_and_stores_nothing() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "Mika");
    let s = vault.plan_session(p, at(2026, 11, 2, 10), 30).unwrap();
    vault.set_note(s.id, "the note before").unwrap();

    let cases: Vec<(Result<(), Error>, &str)> = vec![
        (
            vault
                .add_person(NewPerson {
                    name: "   ".into(),
                    ..Default::default()
                })
                .map(drop),
            "the name is empty",
        ),
        (
            vault
                .add_person(NewPerson {
                    name: "X".into(),
                    email: Some("not-an-email".into()),
                    ..Default::default()
                })
                .map(drop),
            "is not an email address",
        ),
        (
            vault
                .add_person(NewPerson {
                    name: "X".into(),
                    start_date: Some(date(2026, 5, 1)),
                    end_date: Some(date(2026, 4, 1)),
                    ..Default::default()
                })
                .map(drop),
            "before the start date",
        ),
        (
            vault
                .edit_person(
                    p,
                    PersonEdit {
                        name: Some(String::new()),
                        ..Default::default()
                    },
                )
                .map(drop),
            "the name is empty",
        ),
        (
            vault.plan_session(999, at(2026, 11, 2, 10), 30).map(drop),
            "no person with id 999",
        ),
        (
            vault.plan_session(p, at(2026, 11, 2, 10), 0).map(drop),
            "not a session length",
        ),
        (
            vault.plan_session(p, at(2026, 11, 2, 10), 481).map(drop),
            "not a session length",
        ),
        (vault.hold_session(s.id, Some(600)).map(drop), "not a session length"),
        (vault.skip_session(s.id, "  ").map(drop), "the reason is empty"),
        (
            vault.add_agenda_item(12345, agenda("x")).map(drop),
            "no session with id 12345",
        ),
        (
            vault.add_agenda_item(s.id, agenda("")).map(drop),
            "the agenda item is empty",
        ),
        (vault.set_agenda_done(777, true).map(drop), "no agenda item with id 777"),
        (vault.set_note(4242, "x").map(drop), "no session with id 4242"),
        (
            vault
                .set_note(s.id, &"a".repeat(taiwa_vault::MAX_NOTE_BYTES + 1))
                .map(drop),
            "the note is too large",
        ),
        (
            vault
                .add_action(
                    p,
                    NewAction {
                        text: "\u{7}".into(),
                        session_id: None,
                        owner: Owner::Manager,
                        due_date: None,
                    },
                )
                .map(drop),
            "control characters",
        ),
        (
            vault.set_action_done(31337, None).map(drop),
            "no action item with id 31337",
        ),
    ];
    for (result, expected) in cases {
        let err = result.expect_err(expected).to_string();
        assert!(err.contains(expected), "expected '{expected}' in '{err}'");
    }
    assert_eq!(vault.people(true).unwrap().len(), 1);
    assert_eq!(vault.sessions(None).unwrap().len(), 1);
    assert_eq!(vault.session(s.id).unwrap().state, taiwa_domain::SessionState::Planned);
    assert_eq!(vault.note(s.id).unwrap().unwrap().body, "the note before");
    assert!(vault.agenda(s.id).unwrap().is_empty());
    assert!(vault.actions(None, false).unwrap().is_empty());
}

#[test]
fn notes_of_several_megabytes_round_trip() {
    let (_tmp, dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "Mika");
    let s = vault.plan_session(p, at(2026, 11, 2, 10), 30).unwrap();
    let big: String = (0..120_000)
        .map(|i| format!("行{i}: 今日の1on1で話したこと。\n"))
        .collect();
    assert!(big.len() > 5_000_000);
    vault.set_note(s.id, &big).unwrap();
    drop(vault);
    let vault = Vault::open(&dir, &pass(PASS), tokyo()).unwrap();
    assert_eq!(vault.note(s.id).unwrap().unwrap().body, big);
    assert_eq!(vault.search("行119999", 5).unwrap().len(), 1);
}

#[test]
fn two_character_japanese_words_are_found_with_snippets() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "田中 誠");
    let q = person(&mut vault, "Emma Brown");
    let s1 = vault.plan_session(p, at(2026, 10, 5, 10), 30).unwrap();
    vault
        .set_note(s1.id, "最近、転職を考えているとのこと。評価への不満が背景にある。")
        .unwrap();
    let s2 = vault.plan_session(q, at(2026, 10, 6, 10), 30).unwrap();
    vault
        .set_note(
            s2.id,
            "Talked about the evaluation cycle and a possible transfer (異動) next spring.",
        )
        .unwrap();
    vault.add_agenda_item(s2.id, agenda("異動の時期について")).unwrap();
    vault
        .add_action(
            p,
            NewAction {
                text: "キャリア面談を設定する".into(),
                session_id: Some(s1.id),
                owner: Owner::Manager,
                due_date: None,
            },
        )
        .unwrap();

    let hits = vault.search("転職", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].kind, hits[0].id, hits[0].person_name.as_str()),
        (HitKind::Note, s1.id, "田中 誠")
    );
    assert_eq!(
        hits[0].snippet_marked("[", "]"),
        "最近、[転職]を考えているとのこと。評価への不満が背景にある。"
    );

    assert_eq!(vault.search("評価", 10).unwrap().len(), 1, "評価 is two characters");
    let moves = vault.search("異動", 10).unwrap();
    assert_eq!(moves.len(), 2, "{moves:?}");
    assert!(moves.iter().any(|h| h.kind == HitKind::Agenda) && moves.iter().any(|h| h.kind == HitKind::Note));
    assert_eq!(vault.search("キャリア面談", 10).unwrap()[0].kind, HitKind::Action);
    assert_eq!(
        vault.search("eval", 10).unwrap()[0]
            .snippet_marked("[", "]")
            .matches("[evaluation]")
            .count(),
        0
    );
    assert!(
        vault.search("eval", 10).unwrap()[0]
            .snippet_marked("[", "]")
            .contains("[eval]uation")
    );
    assert_eq!(vault.search("EVALUATION", 10).unwrap().len(), 1, "case-insensitive");
    assert_eq!(
        vault.search("ｅｖａｌｕａｔｉｏｎ", 10).unwrap().len(),
        1,
        "full-width letters"
    );
    assert!(
        vault.search("転職 Talked", 10).unwrap().is_empty(),
        "every word must match"
    );
    assert!(
        vault.search("職を考", 10).unwrap().len() == 1,
        "a run inside a longer word"
    );
    assert!(
        vault.search("カス", 10).unwrap().is_empty(),
        "ガス/カス: voiced marks matter"
    );
    // Editing the note replaces its index entry.
    vault.set_note(s1.id, "今日は雑談だけ。").unwrap();
    assert!(vault.search("転職", 10).unwrap().is_empty());
    assert!(matches!(vault.search("  ", 10), Err(Error::Invalid(_))));
}

#[test]
fn search_ranks_the_closer_match_first_and_includes_archived_people() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "Old Colleague");
    let s = vault.plan_session(p, at(2026, 1, 5, 10), 30).unwrap();
    vault.set_note(s.id, "評価 評価 評価: 評価のことばかり話した").unwrap();
    let q = person(&mut vault, "New Colleague");
    let t = vault.plan_session(q, at(2026, 2, 5, 10), 30).unwrap();
    vault
        .set_note(
            t.id,
            &format!("{} 評価 {}", "関係ない話。".repeat(50), "別の話。".repeat(50)),
        )
        .unwrap();
    vault.archive_person(p).unwrap();
    let hits = vault.search("評価", 10).unwrap();
    assert_eq!(
        hits.iter().map(|h| h.person_name.as_str()).collect::<Vec<_>>(),
        ["Old Colleague", "New Colleague"]
    );
}

#[test]
fn open_items_carry_over_once_to_the_next_session() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "Yui");
    let first = vault.plan_session(p, at(2026, 10, 5, 10), 30).unwrap();
    let open = vault.add_agenda_item(first.id, agenda("来期の目標")).unwrap();
    let done = vault.add_agenda_item(first.id, agenda("休暇の相談")).unwrap();
    vault.set_agenda_done(done.id, true).unwrap();
    let homework = vault
        .add_action(
            p,
            NewAction {
                text: "資料を読む".into(),
                session_id: Some(first.id),
                owner: Owner::Member,
                due_date: None,
            },
        )
        .unwrap();
    // Planned before the first is held: nothing is carried yet, the first may still tick it off.
    let second = vault.plan_session(p, at(2026, 11, 5, 10), 30).unwrap();
    assert!(vault.open_session(second.id).unwrap().agenda.is_empty());
    vault.hold_session(first.id, None).unwrap();

    let view = vault.open_session(second.id).unwrap();
    assert_eq!(view.agenda.len(), 1);
    assert_eq!(
        (view.agenda[0].text.as_str(), view.agenda[0].carried_from),
        ("来期の目標", Some(open.id))
    );
    assert_eq!(
        view.open_actions.iter().map(|a| a.id).collect::<Vec<_>>(),
        [homework.id]
    );
    // Looking again does not duplicate.
    assert_eq!(vault.open_session(second.id).unwrap().agenda.len(), 1);
    assert_eq!(vault.agenda(second.id).unwrap().len(), 1);

    // Left open again, it travels on from the copy, once.
    vault.hold_session(second.id, None).unwrap();
    let third = vault.plan_session(p, at(2026, 12, 5, 10), 30).unwrap();
    let agenda3 = vault.open_session(third.id).unwrap().agenda;
    assert_eq!(agenda3.len(), 1);
    assert_eq!(agenda3[0].carried_from, Some(view.agenda[0].id));
    vault.set_action_done(homework.id, Some(date(2026, 12, 1))).unwrap();
    assert!(vault.open_session(third.id).unwrap().open_actions.is_empty());
}

#[test]
fn status_shows_who_is_met_due_and_overdue() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let today = vault.today();
    let this_month = Month::of(today);
    let long_ago = this_month.plus(-6).unwrap().first_day();
    let add = |vault: &mut Vault, name: &str| {
        vault
            .add_person(NewPerson {
                name: name.into(),
                start_date: Some(long_ago),
                ..Default::default()
            })
            .unwrap()
            .id
    };
    let met = add(&mut vault, "Met");
    let due = add(&mut vault, "Due");
    let overdue = add(&mut vault, "Overdue");
    let left = add(&mut vault, "Left");
    let first_day = this_month.first_day().and_hms_opt(9, 0, 0).unwrap();
    let s = vault.plan_session(met, first_day, 30).unwrap();
    vault.hold_session(s.id, Some(40)).unwrap();
    let last_month = this_month.prev().unwrap().first_day().and_hms_opt(9, 0, 0).unwrap();
    let s = vault.plan_session(due, last_month, 30).unwrap();
    vault.hold_session(s.id, None).unwrap();
    // Overdue only once the vault has known them for a while: a 1on1 cancelled three months ago.
    let long_known = this_month.plus(-3).unwrap().first_day().and_hms_opt(9, 0, 0).unwrap();
    let s = vault.plan_session(overdue, long_known, 30).unwrap();
    vault.cancel_session(s.id, None).unwrap();
    vault.archive_person(left).unwrap();
    vault
        .edit_person(
            left,
            PersonEdit {
                end_date: Some(Some(this_month.prev().unwrap().last_day())),
                ..Default::default()
            },
        )
        .unwrap();

    let report = vault.status(this_month).unwrap();
    let state = |id: i64| {
        report
            .people
            .iter()
            .find(|p| p.person_id == id)
            .map(|p| p.figures.state)
    };
    assert_eq!(state(met), Some(DueState::Clear));
    assert_eq!(state(due), Some(DueState::Due));
    assert_eq!(state(overdue), Some(DueState::Overdue));
    assert_eq!(state(left), None, "archived and ended last month");
    assert_eq!(
        (report.summary.people, report.summary.met, report.summary.minutes),
        (3, 1, 40)
    );
    let last = vault.status(this_month.prev().unwrap()).unwrap();
    assert_eq!((last.summary.people, last.summary.met), (4, 1));
}

#[test]
fn export_holds_figures_and_text_only_when_asked() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = vault
        .add_person(NewPerson {
            name: "Sato, Hanako".into(),
            employee_id: Some("E1".into()),
            start_date: Some(date(2026, 1, 1)),
            ..Default::default()
        })
        .unwrap()
        .id;
    let s = vault.plan_session(p, at(2026, 3, 10, 10), 30).unwrap();
    vault.add_agenda_item(s.id, agenda("AGENDA-SECRET")).unwrap();
    vault.set_note(s.id, "NOTE-SECRET <b>").unwrap();
    vault.hold_session(s.id, Some(45)).unwrap();
    let a = vault
        .add_action(
            p,
            NewAction {
                text: "ACTION-SECRET".into(),
                session_id: Some(s.id),
                owner: Owner::Manager,
                due_date: None,
            },
        )
        .unwrap();
    vault.set_action_done(a.id, Some(date(2026, 4, 2))).unwrap();
    let options = |format, include_notes| ExportOptions {
        person_id: None,
        from: "2026-03".parse().unwrap(),
        to: "2026-04".parse().unwrap(),
        format,
        include_notes,
        language: ExportLanguage::En,
    };

    let csv = vault.export_summary(&options(ExportFormat::Csv, false)).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "\u{feff}Month,Person,Employee id,Relationship,Cadence,Sessions held,Minutes,Action items opened,\
         Action items closed"
    );
    assert_eq!(lines[1], "2026-03,\"Sato, Hanako\",E1,Direct report,Monthly,1,45,1,0");
    assert_eq!(lines[2], "2026-04,\"Sato, Hanako\",E1,Direct report,Monthly,0,0,0,1");
    let ja = vault
        .export_summary(&ExportOptions {
            language: ExportLanguage::Ja,
            ..options(ExportFormat::Markdown, false)
        })
        .unwrap();
    assert!(ja.contains("# 1on1 実施状況のまとめ 2026年3月〜2026年4月"), "{ja}");
    assert!(ja.contains("## 2026年3月\n\n1 人中 1 人と実施（100%）。"), "{ja}");
    assert!(ja.contains("| メンバー | 社員番号 | 実施回数 |"), "{ja}");
    let html = vault
        .export_summary(&ExportOptions {
            language: ExportLanguage::Ja,
            ..options(ExportFormat::Html, true)
        })
        .unwrap();
    assert!(
        html.contains("<html lang=\"ja\">") && html.contains("（実施済み）"),
        "{html}"
    );
    for format in [ExportFormat::Csv, ExportFormat::Markdown, ExportFormat::Html] {
        let text = vault.export_summary(&options(format, false)).unwrap();
        assert!(!text.contains("SECRET"), "{format:?} leaked text:\n{text}");
        let with = vault.export_summary(&options(format, true)).unwrap();
        assert!(
            with.contains("NOTE-SECRET") && with.contains("AGENDA-SECRET"),
            "{format:?}:\n{with}"
        );
    }
    let html = vault.export_summary(&options(ExportFormat::Html, true)).unwrap();
    assert!(html.contains("NOTE-SECRET &lt;b&gt;") && !html.contains("<b>"));
    let md = vault.export_summary(&options(ExportFormat::Markdown, false)).unwrap();
    assert!(md.contains("## March 2026\n\nMet 1 of 1 people (100%)."), "{md}");
    let err = vault
        .export_summary(&ExportOptions {
            person_id: None,
            from: "2026-05".parse().unwrap(),
            ..options(ExportFormat::Csv, false)
        })
        .unwrap_err();
    assert!(err.to_string().contains("before it starts"), "{err}");
}

#[test]
fn backup_and_restore_never_overwrite_silently() {
    let (tmp, dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "Rin");
    let s = vault.plan_session(p, at(2026, 11, 2, 10), 30).unwrap();
    vault.set_note(s.id, "バックアップ前のメモ").unwrap();
    let file = tmp.path().join("taiwa.backup");
    vault.backup(&file).unwrap();
    assert!(
        matches!(vault.backup(&file), Err(Error::Invalid(_))),
        "an existing backup is not overwritten"
    );
    let bytes = fs::read(&file).unwrap();
    assert!(
        !bytes
            .windows("バックアップ前".len())
            .any(|w| w == "バックアップ前".as_bytes()),
        "the backup is encrypted"
    );
    vault.set_note(s.id, "after the backup").unwrap();
    drop(vault);

    // Into a new folder.
    let elsewhere = tmp.path().join("restored");
    let (restored, aside) = taiwa_vault::restore(&file, &elsewhere, &pass(PASS), false, tokyo()).unwrap();
    assert!(aside.is_none());
    assert_eq!(restored.note(s.id).unwrap().unwrap().body, "バックアップ前のメモ");
    assert!(Vault::verify(&elsewhere, &pass(PASS)).unwrap().ok());
    drop(restored);
    // The restored folder and its files are the owner's alone, like a new vault's.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&elsewhere), 0o700);
        for entry in fs::read_dir(&elsewhere).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path) & 0o077, 0, "{} is readable by others", path.display());
        }
    }

    // Over the existing vault: refused, then with `replace` the old one is kept aside.
    let before = snapshot(&dir);
    assert!(matches!(
        taiwa_vault::restore(&file, &dir, &pass(PASS), false, tokyo()),
        Err(Error::VaultExists(_))
    ));
    assert!(matches!(
        taiwa_vault::restore(&file, &dir, &pass("wrong wrong wrong"), true, tokyo()),
        Err(Error::WrongPassphrase)
    ));
    assert_eq!(snapshot(&dir), before);
    let (restored, aside) = taiwa_vault::restore(&file, &dir, &pass(PASS), true, tokyo()).unwrap();
    assert_eq!(restored.note(s.id).unwrap().unwrap().body, "バックアップ前のメモ");
    let aside = aside.unwrap();
    assert_eq!(
        Vault::open(&aside, &pass(PASS), tokyo())
            .unwrap()
            .note(s.id)
            .unwrap()
            .unwrap()
            .body,
        "after the backup"
    );

    // A damaged backup is named and restores nothing.
    let mut bad = bytes.clone();
    let middle = bad.len() / 2;
    bad[middle] ^= 1;
    let bad_file = tmp.path().join("bad.backup");
    fs::write(&bad_file, bad).unwrap();
    let target = tmp.path().join("never");
    let err = taiwa_vault::restore(&bad_file, &target, &pass(PASS), false, tokyo()).unwrap_err();
    assert!(matches!(err, Error::Damaged { part: Part::Backup, .. }), "{err:?}");
    assert!(!target.exists());
}

/// The child of `notes_saved_before_a_kill_survive_it`: saves numbered notes until killed,
/// printing each number once its save has returned.
#[test]
#[ignore = "run by notes_saved_before_a_kill_survive_it"]
fn child_writes_notes_until_killed() {
    let Ok(dir) = std::env::var("TAIWA_TEST_DIR") else {
        return;
    };
    let start: i64 = std::env::var("TAIWA_TEST_START").unwrap().parse().unwrap();
    let mut vault = Vault::open(Path::new(&dir), &pass(PASS), tokyo()).unwrap();
    let p = vault.people(false).unwrap()[0].id;
    println!("ready");
    for n in start.. {
        let s = vault.plan_session(p, at(2026, 11, 2, 10), 30).unwrap();
        vault
            .set_note(s.id, &format!("note {n} {}", "本文".repeat((n % 50) as usize * 40)))
            .unwrap();
        vault.add_agenda_item(s.id, agenda(&format!("agenda {n}"))).unwrap();
        println!("saved {n} {}", s.id);
    }
}

#[test]
fn notes_saved_before_a_kill_survive_it() {
    let (_tmp, dir, mut vault, _) = new_vault();
    person(&mut vault, "Crash Test");
    drop(vault);
    let mut saved: Vec<(i64, i64)> = Vec::new();
    for round in 0..12 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "child_writes_notes_until_killed",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("TAIWA_TEST_DIR", &dir)
            .env("TAIWA_TEST_START", (round * 100_000).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Wait until the child is writing, then kill it after a pseudo-random number of saves.
        let stop_after = 3
            + (SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
                % 25) as usize;
        let mut count = 0;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("saved ") {
                let mut parts = rest.split(' ');
                saved.push((
                    parts.next().unwrap().parse().unwrap(),
                    parts.next().unwrap().parse().unwrap(),
                ));
                count += 1;
                if count >= stop_after {
                    break;
                }
            }
        }
        child.kill().unwrap(); // SIGKILL
        // Whatever the child printed after our last read was also saved before it died.
        for line in lines.map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("saved ") {
                let mut parts = rest.split(' ');
                saved.push((
                    parts.next().unwrap().parse().unwrap(),
                    parts.next().unwrap().parse().unwrap(),
                ));
            }
        }
        child.wait().unwrap();

        let vault = Vault::open(&dir, &pass(PASS), tokyo()).unwrap();
        for (n, session) in &saved {
            let note = vault
                .note(*session)
                .unwrap()
                .unwrap_or_else(|| panic!("note {n} lost in round {round}"));
            assert!(
                note.body.starts_with(&format!("note {n} ")),
                "round {round}: {}",
                &note.body[..20]
            );
            assert_eq!(vault.agenda(*session).unwrap()[0].text, format!("agenda {n}"));
        }
        drop(vault);
        assert!(
            Vault::verify(&dir, &pass(PASS)).unwrap().ok(),
            "integrity after round {round}"
        );
    }
    assert!(saved.len() >= 12 * 3);
}

#[test]
fn a_year_of_1on1s_for_a_team_of_ten() {
    let (_tmp, dir, mut vault, _) = new_vault();
    let team: Vec<i64> = (1..=10)
        .map(|i| {
            vault
                .add_person(NewPerson {
                    name: format!("メンバー{i:02}"),
                    employee_id: Some(format!("E{i:06}")),
                    start_date: Some(date(2025, 1, 1)),
                    ..Default::default()
                })
                .unwrap()
                .id
        })
        .collect();
    let mut expected_met = [0u32; 12];
    let mut carried = 0;
    for month in 1..=12u32 {
        for (n, person) in team.iter().enumerate() {
            let s = vault
                .plan_session(*person, at(2025, month, 3 + n as u32, 10), 30)
                .unwrap();
            vault
                .add_agenda_item(s.id, agenda(&format!("{month}月の目標 member{n}")))
                .unwrap();
            vault
                .set_note(s.id, &format!("{month}月: メンバー{n}と話した。キーワード{month}-{n}"))
                .unwrap();
            // Every third pairing is skipped, the rest held.
            if (month as usize + n).is_multiple_of(3) {
                vault.skip_session(s.id, "出張").unwrap();
                carried += usize::from(month < 12);
            } else {
                for item in vault.agenda(s.id).unwrap() {
                    vault.set_agenda_done(item.id, true).unwrap();
                }
                vault.hold_session(s.id, Some(25 + n as u32)).unwrap();
                expected_met[month as usize - 1] += 1;
            }
        }
    }
    drop(vault);
    let vault = Vault::open(&dir, &pass(PASS), tokyo()).unwrap();
    for month in 1..=12u32 {
        let report = vault.status(Month::new(2025, month as i8).unwrap()).unwrap();
        assert_eq!(report.summary.people, 10);
        assert_eq!(report.summary.met, expected_met[month as usize - 1], "2025-{month:02}");
    }
    let hits = vault.search("キーワード7-3", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].person_name, "メンバー04");
    // Each skipped session's goal was carried once to the next month's session.
    assert_eq!(vault.search("目標", 500).unwrap().len(), 120 + carried);
    let csv = vault
        .export_summary(&ExportOptions {
            person_id: None,
            from: "2025-01".parse().unwrap(),
            to: "2025-12".parse().unwrap(),
            format: ExportFormat::Csv,
            include_notes: false,
            language: ExportLanguage::En,
        })
        .unwrap();
    assert_eq!(csv.lines().count(), 1 + 120);
    let held_rows = csv.lines().skip(1).filter(|l| l.contains(",1,")).count() as u32;
    assert_eq!(held_rows, expected_met.iter().sum::<u32>());
    assert!(Vault::verify(&dir, &pass(PASS)).unwrap().ok());
}

#[test]
fn career_notes_are_kept_and_searchable() {
    let (_tmp, dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "Sakura");
    assert!(vault.career_note(p).unwrap().is_none());
    vault
        .set_career_note(p, "強み: 顧客折衝。希望: 海外赴任、将来はPM。")
        .unwrap();
    vault
        .set_career_note(p, "強み: 顧客折衝。希望: 海外赴任、将来はプロダクトマネージャー。")
        .unwrap();
    drop(vault);
    let vault = Vault::open(&dir, &pass(PASS), tokyo()).unwrap();
    assert!(
        vault
            .career_note(p)
            .unwrap()
            .unwrap()
            .body
            .ends_with("プロダクトマネージャー。")
    );
    let hits = vault.search("海外", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].kind, hits[0].id, hits[0].session_id),
        (HitKind::Career, p, None)
    );
    assert!(
        vault.search("将来はPM", 10).unwrap().is_empty(),
        "the old text left the index"
    );
    assert!(matches!(
        vault.career_note(999),
        Err(Error::NotFound { what: "person", .. })
    ));
}

#[test]
fn backlog_topics_join_the_next_session_once() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "Haruto");
    let topic = |text: &str| NewAgendaItem {
        text: text.into(),
        kind: TopicKind::Career,
        wants: Some(Wants::Think),
    };
    vault.add_backlog_item(p, topic("異動の希望を聞く")).unwrap();
    let dropped = vault.add_backlog_item(p, topic("取り下げる話題")).unwrap();
    vault.add_backlog_item(p, topic("資格取得の支援")).unwrap();
    vault.remove_backlog_item(dropped.id).unwrap();
    assert!(matches!(
        vault.remove_backlog_item(dropped.id),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(vault.backlog(p).unwrap().len(), 2);

    // A stale planned session in the past does not take the backlog; the next one ahead does.
    let today = vault.today();
    let stale = vault
        .plan_session(
            p,
            (today - chrono::Duration::days(40)).and_hms_opt(10, 0, 0).unwrap(),
            30,
        )
        .unwrap();
    let next = vault
        .plan_session(
            p,
            (today + chrono::Duration::days(3)).and_hms_opt(10, 0, 0).unwrap(),
            30,
        )
        .unwrap();
    assert!(vault.open_session(stale.id).unwrap().agenda.is_empty());
    let agenda = vault.open_session(next.id).unwrap().agenda;
    let texts: Vec<&str> = agenda.iter().map(|a| a.text.as_str()).collect();
    assert_eq!(texts, ["異動の希望を聞く", "資格取得の支援"]);
    assert_eq!(
        (agenda[0].kind, agenda[0].wants),
        (TopicKind::Career, Some(Wants::Think))
    );
    assert!(vault.backlog(p).unwrap().is_empty());
    assert_eq!(
        vault.open_session(next.id).unwrap().agenda.len(),
        2,
        "moved, not copied"
    );
    assert_eq!(vault.search("資格取得", 10).unwrap()[0].kind, HitKind::Agenda);
}

#[test]
fn every_figure_change_queues_its_month_and_nothing_private_is_sent() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let current = Month::of(vault.today());
    let last = current.prev().unwrap();
    let sato = vault
        .add_person(NewPerson {
            name: "Sato".into(),
            employee_id: Some("E1".into()),
            ..Default::default()
        })
        .unwrap()
        .id;
    let kim = vault
        .add_person(NewPerson {
            name: "Kim".into(),
            employee_id: Some("E2".into()),
            relationship: Relationship::Cross,
            ..Default::default()
        })
        .unwrap()
        .id;
    let noid = person(&mut vault, "No Id");
    let at = |m: Month, day: i8| {
        (m.first_day() + chrono::Duration::days(i64::from(day)))
            .and_hms_opt(10, 0, 0)
            .unwrap()
    };

    // Planning changes no figure; holding does.
    let s1 = vault.plan_session(sato, at(last, 3), 30).unwrap();
    assert!(vault.pending_records(current).unwrap().is_empty());
    vault.hold_session(s1.id, Some(40)).unwrap();
    let s2 = vault.plan_session(kim, at(current, 0), 30).unwrap();
    vault.hold_session(s2.id, None).unwrap();
    let s3 = vault.plan_session(noid, at(current, 1), 30).unwrap();
    vault.hold_session(s3.id, None).unwrap();
    let pending = vault.pending_records(current).unwrap();
    let figures: Vec<(&str, String, u32, u32, Relationship)> = pending
        .iter()
        .map(|r| {
            (
                r.employee_id.as_str(),
                r.month.to_string(),
                r.sessions_held,
                r.minutes,
                r.relationship,
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            ("E1", last.to_string(), 1, 40, Relationship::Line),
            ("E2", current.to_string(), 1, 30, Relationship::Cross)
        ]
    );
    assert_eq!(
        pending[0].revision, pending[1].revision,
        "each pair counts its own changes: the revisions say nothing of which member came first"
    );

    // Sent: the outbox empties; editing minutes of a past month queues it again with a higher revision.
    vault.mark_sent(&pending).unwrap();
    assert!(vault.pending_records(current).unwrap().is_empty());
    vault.hold_session(s1.id, Some(55)).unwrap();
    let again = vault.pending_records(current).unwrap();
    assert_eq!((again[0].minutes, again.len()), (55, 1));
    assert!(
        again[0].revision > pending[0].revision,
        "the same pair's revision rises"
    );
    // A change while a push is on its way is not lost when the push is acknowledged.
    vault.cancel_session(s1.id, None).unwrap();
    vault.mark_sent(&again).unwrap();
    let un_held = vault.pending_records(current).unwrap();
    assert_eq!(
        (un_held.len(), un_held[0].sessions_held, un_held[0].minutes),
        (1, 0, 0),
        "un-holding sends a zero"
    );
    vault.mark_sent(&un_held).unwrap();

    // Re-linking to another employee id corrects the old id's months and fills the new one's.
    vault.hold_session(s1.id, Some(30)).unwrap();
    vault.mark_sent(&vault.pending_records(current).unwrap()).unwrap();
    vault
        .edit_person(
            sato,
            PersonEdit {
                employee_id: Some(Some("E9".into())),
                ..Default::default()
            },
        )
        .unwrap();
    let relinked: Vec<(String, u32)> = vault
        .pending_records(current)
        .unwrap()
        .iter()
        .map(|r| (r.employee_id.clone(), r.sessions_held))
        .collect();
    assert_eq!(relinked, [("E1".to_owned(), 0), ("E9".to_owned(), 1)]);
    vault.mark_sent(&vault.pending_records(current).unwrap()).unwrap();

    // Private: never sent; a refused record waits aside with the reason until it changes.
    vault.set_private(kim, true).unwrap();
    vault.hold_session(s2.id, Some(45)).unwrap();
    assert!(vault.pending_records(current).unwrap().is_empty());
    vault.set_private(kim, false).unwrap();
    let shared = vault.pending_records(current).unwrap();
    assert_eq!((shared[0].employee_id.as_str(), shared[0].minutes), ("E2", 45));
    vault
        .mark_rejected(
            &shared[0],
            Some("not_in_directory"),
            "member_employee_id: E2 is not in the directory",
        )
        .unwrap();
    assert!(vault.pending_records(current).unwrap().is_empty());
    assert_eq!(
        vault.rejected_records().unwrap()[0].reason,
        "member_employee_id: E2 is not in the directory"
    );
    vault.hold_session(s2.id, Some(50)).unwrap();
    assert_eq!(vault.pending_records(current).unwrap()[0].minutes, 50);
    assert!(vault.rejected_records().unwrap().is_empty());
}

#[test]
fn the_device_token_stays_inside_the_vault() {
    let (_tmp, dir, mut vault, _) = new_vault();
    let enrolment = taiwa_vault::Enrolment {
        server: "https://taiwa.example.co.jp".into(),
        device_name: "Laptop".into(),
        manager_employee_id: "M1".into(),
        manager_name: "部長".into(),
        ca_file: None,
    };
    let token = taiwa_vault::DeviceToken::new("twd_SECRET-TOKEN-VALUE-12345".into());
    assert_eq!(format!("{token:?}"), "DeviceToken(***)");
    vault.set_enrolment(&enrolment, &token).unwrap();
    drop(vault);
    for (path, (bytes, _)) in snapshot(&dir) {
        assert!(
            !bytes.windows(12).any(|w| w == b"SECRET-TOKEN"),
            "token readable in {}",
            path.display()
        );
    }
    let mut vault = Vault::open(&dir, &pass(PASS), tokyo()).unwrap();
    assert_eq!(vault.enrolment().unwrap(), Some(enrolment));
    assert_eq!(
        vault.device_token().unwrap().unwrap().expose(),
        "twd_SECRET-TOKEN-VALUE-12345"
    );
    vault.clear_enrolment().unwrap();
    assert!(vault.enrolment().unwrap().is_none() && vault.device_token().unwrap().is_none());
}

#[test]
fn deleting_a_held_session_corrects_its_month_and_leaves_nothing_behind() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let current = Month::of(vault.today());
    let p = vault
        .add_person(NewPerson {
            name: "Sato".into(),
            employee_id: Some("E1".into()),
            ..Default::default()
        })
        .unwrap()
        .id;
    let s = vault
        .plan_session(p, current.first_day().and_hms_opt(10, 0, 0).unwrap(), 30)
        .unwrap();
    vault.add_agenda_item(s.id, agenda("DELETEME-AGENDA")).unwrap();
    vault.set_note(s.id, "DELETEME-NOTE").unwrap();
    let action = vault
        .add_action(
            p,
            NewAction {
                text: "keep me".into(),
                session_id: Some(s.id),
                owner: Owner::Manager,
                due_date: None,
            },
        )
        .unwrap();
    vault.hold_session(s.id, None).unwrap();
    vault.mark_sent(&vault.pending_records(current).unwrap()).unwrap();

    vault.delete_session(s.id).unwrap();
    assert!(matches!(vault.session(s.id), Err(Error::NotFound { .. })));
    assert!(vault.search("DELETEME", 10).unwrap().is_empty());
    assert_eq!(
        vault.action(action.id).unwrap().session_id,
        None,
        "the action item stays with the person"
    );
    let pending = vault.pending_records(current).unwrap();
    assert_eq!(
        (pending.len(), pending[0].sessions_held),
        (1, 0),
        "the month's figure is corrected"
    );
    assert!(matches!(vault.delete_session(s.id), Err(Error::NotFound { .. })));
}

#[test]
fn an_employee_id_belongs_to_one_person() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let aoi = vault
        .add_person(NewPerson {
            name: "木村 葵".into(),
            employee_id: Some("E100".into()),
            ..Default::default()
        })
        .unwrap();
    let twice = vault
        .add_person(NewPerson {
            name: "木村 葵 (2)".into(),
            employee_id: Some("E100".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(twice.to_string().contains("E100 is already 木村 葵's"), "{twice}");
    let ken = person(&mut vault, "Ken Ito");
    let edit = vault
        .edit_person(
            ken,
            PersonEdit {
                employee_id: Some(Some("E100".into())),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(edit.to_string().contains("already 木村 葵's"), "{edit}");
    assert_eq!(vault.person(ken).unwrap().employee_id, None, "nothing changed");
    // Keeping one's own id in an edit is fine.
    vault
        .edit_person(
            aoi.id,
            PersonEdit {
                name: Some("木村 あおい".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(vault.people(true).unwrap().len(), 2);
}

#[test]
fn deleting_a_person_removes_everything_about_them_and_sends_nothing() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let gone = vault
        .add_person(NewPerson {
            name: "削除 される".into(),
            employee_id: Some("E200".into()),
            ..Default::default()
        })
        .unwrap()
        .id;
    let stays = person(&mut vault, "残る 人");
    let today = vault.today();
    let held = vault
        .plan_session(gone, today.and_hms_opt(9, 0, 0).unwrap(), 30)
        .unwrap();
    vault.add_agenda_item(held.id, agenda("消えるアジェンダ")).unwrap();
    vault.set_note(held.id, "消えるメモ marker-gone").unwrap();
    vault.hold_session(held.id, Some(30)).unwrap();
    vault
        .add_action(
            gone,
            NewAction {
                text: "消える宿題".into(),
                session_id: Some(held.id),
                owner: Owner::Member,
                due_date: None,
            },
        )
        .unwrap();
    vault.set_career_note(gone, "消えるキャリア").unwrap();
    let kept = vault
        .plan_session(stays, today.and_hms_opt(11, 0, 0).unwrap(), 30)
        .unwrap();
    vault.set_note(kept.id, "残るメモ marker-kept").unwrap();

    let footprint = vault.person_footprint(gone).unwrap();
    assert_eq!(
        (
            footprint.sessions,
            footprint.held,
            footprint.notes,
            footprint.agenda_items,
            footprint.action_items,
            footprint.career_note
        ),
        (1, 1, 1, 1, 1, true)
    );
    assert_eq!((footprint.member_topics, footprint.member_requests), (0, 0));
    let month = Month::of(today);
    assert!(
        !vault.pending_records(month).unwrap().is_empty(),
        "the held 1on1 waits to be sent"
    );
    assert_eq!(vault.delete_person(gone).unwrap(), footprint);

    assert!(matches!(vault.person(gone), Err(Error::NotFound { .. })));
    assert!(vault.search("marker-gone", 50).unwrap().is_empty());
    assert!(
        vault.search("消える", 50).unwrap().is_empty(),
        "no agenda, action or career hit is left"
    );
    assert_eq!(
        vault.search("marker-kept", 50).unwrap().len(),
        1,
        "others are untouched"
    );
    assert!(
        vault.pending_records(month).unwrap().is_empty(),
        "nothing is sent for a deleted person"
    );
    assert!(vault.sessions(None).unwrap().iter().all(|s| s.person_id == stays));
    let report = vault.status(month).unwrap();
    assert_eq!(report.summary.people, 1);
    // The employee id is free again.
    vault
        .add_person(NewPerson {
            name: "新しい 人".into(),
            employee_id: Some("E200".into()),
            ..Default::default()
        })
        .unwrap();
}

#[test]
fn past_planned_sessions_wait_to_be_closed() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "佐藤 花子");
    let today = vault.today();
    let yesterday = today.pred_opt().unwrap();
    let past = vault
        .plan_session(p, yesterday.and_hms_opt(10, 0, 0).unwrap(), 30)
        .unwrap();
    let future = vault
        .plan_session(p, today.succ_opt().unwrap().and_hms_opt(10, 0, 0).unwrap(), 30)
        .unwrap();
    let unclosed: Vec<i64> = vault.unclosed_sessions().unwrap().iter().map(|s| s.id).collect();
    assert_eq!(unclosed, [past.id], "only the one whose time is over");
    assert!(!unclosed.contains(&future.id));
    vault.hold_session(past.id, Some(45)).unwrap();
    assert!(vault.unclosed_sessions().unwrap().is_empty());
}

#[test]
fn search_results_are_in_local_time() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "佐藤 花子");
    vault
        .add_action(
            p,
            NewAction {
                text: "宿題 localtime-marker".into(),
                session_id: None,
                owner: Owner::Member,
                due_date: None,
            },
        )
        .unwrap();
    vault.set_career_note(p, "キャリア localtime-marker").unwrap();
    let hits = vault.search("localtime-marker", 10).unwrap();
    assert_eq!(hits.len(), 2);
    // Read as Tokyo time (nine hours ahead of UTC), each is now: within a couple of minutes.
    let now = chrono::Utc::now().timestamp();
    for hit in hits {
        let when: chrono::NaiveDateTime = hit
            .when
            .parse()
            .unwrap_or_else(|_| panic!("not a local time: {}", hit.when));
        let at = tokyo().instant(when).timestamp();
        assert!(
            (now - at).abs() <= 120,
            "{:?}: {} is not Tokyo's now",
            hit.kind,
            hit.when
        );
    }
}

#[test]
fn a_session_clock_survives_closing_the_vault_and_stops_when_the_session_is_closed() {
    let (_tmp, dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "佐藤 花子");
    let q = person(&mut vault, "Kim");
    let today = vault.today().and_hms_opt(9, 0, 0).unwrap();
    let s = vault.plan_session(p, today, 30).unwrap();
    let other = vault.plan_session(q, today, 30).unwrap();
    assert!(vault.running_session().unwrap().is_none());
    let started = vault.start_clock(s.id).unwrap();
    assert!(started.clock_running);
    drop(vault);
    std::thread::sleep(Duration::from_millis(2100));
    let mut vault = Vault::open(&dir, &pass(PASS), tokyo()).unwrap();
    let running = vault
        .running_session()
        .unwrap()
        .expect("still in progress after reopening");
    assert_eq!(running.id, s.id);
    assert!(
        running.clock_seconds >= 2,
        "the clock ran while the vault was closed: {}",
        running.clock_seconds
    );

    // One 1on1 at a time: starting another pauses this one, keeping its seconds.
    vault.start_clock(other.id).unwrap();
    let paused = vault.session(s.id).unwrap();
    assert!(!paused.clock_running && paused.clock_seconds >= 2);
    assert_eq!(vault.running_session().unwrap().map(|r| r.id), Some(other.id));
    let kept = vault.pause_clock(other.id).unwrap().clock_seconds;
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        vault.session(other.id).unwrap().clock_seconds,
        kept,
        "a paused clock stands still"
    );

    // Holding stops the clock; a closed session cannot be started; reopening keeps the reason.
    vault.start_clock(s.id).unwrap();
    vault.hold_session(s.id, Some(25)).unwrap();
    assert!(vault.running_session().unwrap().is_none());
    assert!(matches!(vault.start_clock(s.id), Err(Error::Invalid(_))));
    vault.skip_session(other.id, "体調不良").unwrap();
    let back = vault.reopen_session(other.id).unwrap();
    assert_eq!(
        (back.state, back.reason.as_deref()),
        (taiwa_domain::SessionState::Planned, Some("体調不良"))
    );
    let back = vault.reopen_session(s.id).unwrap();
    assert_eq!(
        (back.state, back.held_minutes),
        (taiwa_domain::SessionState::Planned, None)
    );
}

#[test]
fn agenda_and_action_items_can_be_edited_deleted_and_reopened_and_search_follows() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "佐藤 花子");
    let s = vault.plan_session(p, at(2026, 11, 2, 10), 30).unwrap();
    let item = vault.add_agenda_item(s.id, agenda("評価面談の準備")).unwrap();
    let edited = vault
        .edit_agenda_item(
            item.id,
            NewAgendaItem {
                text: "昇格面談の準備".into(),
                kind: TopicKind::Career,
                wants: Some(Wants::Advise),
            },
        )
        .unwrap();
    assert_eq!(
        (edited.text.as_str(), edited.kind, edited.wants),
        ("昇格面談の準備", TopicKind::Career, Some(Wants::Advise))
    );
    assert!(
        vault.search("評価面談", 10).unwrap().is_empty(),
        "the old words are no longer found"
    );
    assert_eq!(vault.search("昇格面談", 10).unwrap().len(), 1);
    assert!(matches!(
        vault.edit_agenda_item(
            item.id,
            NewAgendaItem {
                text: "  ".into(),
                kind: TopicKind::Work,
                wants: None
            }
        ),
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        vault.agenda_item(item.id).unwrap().text,
        "昇格面談の準備",
        "a refused edit changes nothing"
    );
    vault.delete_agenda_item(item.id).unwrap();
    assert!(vault.agenda(s.id).unwrap().is_empty());
    assert!(vault.search("昇格面談", 10).unwrap().is_empty());

    let action = vault
        .add_action(
            p,
            NewAction {
                text: "資料を送る".into(),
                session_id: Some(s.id),
                owner: Owner::Manager,
                due_date: None,
            },
        )
        .unwrap();
    let edited = vault
        .edit_action(
            action.id,
            taiwa_vault::ActionEdit {
                text: "資料を共有する".into(),
                owner: Owner::Member,
                due_date: Some(date(2026, 12, 1)),
            },
        )
        .unwrap();
    assert_eq!(
        (edited.owner, edited.due_date),
        (Owner::Member, Some(date(2026, 12, 1)))
    );
    assert_eq!(vault.search("共有", 10).unwrap().len(), 1);
    vault.set_action_done(action.id, Some(date(2026, 11, 20))).unwrap();
    assert!(vault.actions(Some(p), true).unwrap().is_empty());
    let reopened = vault.set_action_done(action.id, None).unwrap();
    assert_eq!(reopened.done_date, None);
    assert_eq!(vault.actions(Some(p), true).unwrap().len(), 1);
    vault.delete_action(action.id).unwrap();
    assert!(vault.actions(Some(p), false).unwrap().is_empty());
    assert!(vault.search("共有", 10).unwrap().is_empty());
}

#[test]
fn search_finds_names_narrows_by_person_and_kind_pages_past_fifty_and_shows_words_not_markdown() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let sato = person(&mut vault, "佐藤 花子");
    let kim = person(&mut vault, "Kim Jisoo");
    let s = vault.plan_session(sato, at(2026, 11, 2, 10), 30).unwrap();
    vault
        .set_note(
            s.id,
            "## 目標\n- **評価**の [面談資料](https://example.com/x) を確認\n> 転職は考えていない",
        )
        .unwrap();
    for i in 0..60 {
        vault.add_agenda_item(s.id, agenda(&format!("評価シート {i}"))).unwrap();
    }
    let k = vault.plan_session(kim, at(2026, 11, 3, 10), 30).unwrap();
    vault.add_agenda_item(k.id, agenda("評価 for Kim")).unwrap();

    // Names are found (and only on the first page).
    let page = vault
        .search_page("佐藤", &taiwa_vault::SearchFilter::default())
        .unwrap();
    assert_eq!(
        page.people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["佐藤 花子"]
    );
    let page = vault.search_page("kim", &taiwa_vault::SearchFilter::default()).unwrap();
    assert_eq!(page.people.len(), 1, "case-insensitive names");

    // 62 hits for 評価: 50, then 12, each once.
    let first = vault
        .search_page("評価", &taiwa_vault::SearchFilter::default())
        .unwrap();
    assert_eq!((first.hits.len(), first.more), (50, true));
    let second = vault
        .search_page(
            "評価",
            &taiwa_vault::SearchFilter {
                offset: 50,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!((second.hits.len(), second.more), (12, false));
    let mut ids: Vec<(HitKind, i64)> = first.hits.iter().chain(&second.hits).map(|h| (h.kind, h.id)).collect();
    ids.sort_by_key(|(k, id)| (format!("{k:?}"), *id));
    ids.dedup();
    assert_eq!(ids.len(), 62, "every hit exactly once across pages");

    // Narrowed by person and by kind.
    let kims = vault
        .search_page(
            "評価",
            &taiwa_vault::SearchFilter {
                person_id: Some(kim),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(kims.hits.len(), 1);
    assert_eq!(kims.hits[0].person_id, kim);
    let notes = vault
        .search_page(
            "評価",
            &taiwa_vault::SearchFilter {
                kind: Some(HitKind::Note),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(notes.hits.len(), 1);
    // The note's snippet reads as words: no Markdown marks, no link target; the match is marked.
    let text: String = notes.hits[0].snippet.iter().map(|p| p.text.as_str()).collect();
    for syntax in ["##", "**", "](", "https://", "- ", "> "] {
        assert!(!text.contains(syntax), "{syntax} in {text}");
    }
    assert!(text.contains("面談資料"), "{text}");
    assert!(notes.hits[0].snippet.iter().any(|p| p.hit && p.text == "評価"));
}

#[test]
fn a_common_word_shows_the_best_of_the_recent_matches_first_and_pages_through_every_match() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "Aoi");
    let s = vault.plan_session(p, at(2026, 11, 2, 10), 30).unwrap();
    // The oldest entry matches best, then 250 newer ones, one of them a close match.
    let oldest = vault.add_agenda_item(s.id, agenda("評価 評価 評価")).unwrap();
    let mut items = Vec::new();
    for i in 0..250 {
        let text = if i == 200 {
            "評価 評価 の話".to_owned()
        } else {
            format!("{i} 番目: 評価のほかに、業務量や研修の希望についても長く話した")
        };
        items.push(vault.add_agenda_item(s.id, agenda(&text)).unwrap());
    }
    let page = |offset| {
        vault
            .search_page(
                "評価",
                &taiwa_vault::SearchFilter {
                    offset,
                    ..Default::default()
                },
            )
            .unwrap()
    };
    let first = page(0);
    assert_eq!(
        first.hits[0].id, items[200].id,
        "the closest of the recent matches leads"
    );
    assert!(
        first.hits.iter().all(|h| h.id != oldest.id),
        "the oldest waits for its window"
    );
    let mut all = Vec::new();
    for offset in (0..).step_by(50) {
        let next = page(offset);
        all.extend(next.hits.iter().map(|h| h.id));
        if !next.more {
            break;
        }
    }
    assert_eq!(all.len(), 251);
    let mut once = all.clone();
    once.sort_unstable();
    once.dedup();
    assert_eq!(once.len(), 251, "every match exactly once across pages");
    assert_eq!(all[200], oldest.id, "the older window starts with its best match");

    // Edited, the oldest is recent again, and leads.
    vault
        .edit_agenda_item(oldest.id, agenda("評価 評価 評価 評価"))
        .unwrap();
    assert_eq!(vault.search("評価", 20).unwrap()[0].id, oldest.id);
}

#[test]
fn a_session_shows_last_times_note_and_the_career_note_for_preparing() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "佐藤 花子");
    let q = person(&mut vault, "Kim");
    let first = vault.plan_session(p, at(2026, 9, 2, 10), 30).unwrap();
    vault.set_note(first.id, "9月のメモ").unwrap();
    vault.hold_session(first.id, None).unwrap();
    let second = vault.plan_session(p, at(2026, 10, 2, 10), 30).unwrap();
    vault.set_note(second.id, "10月のメモ").unwrap();
    vault.hold_session(second.id, None).unwrap();
    let skipped = vault.plan_session(p, at(2026, 10, 20, 10), 30).unwrap();
    vault.skip_session(skipped.id, "出張").unwrap();
    let other = vault.plan_session(q, at(2026, 10, 25, 10), 30).unwrap();
    vault.set_note(other.id, "Kim's note").unwrap();
    vault.hold_session(other.id, None).unwrap();
    vault.set_career_note(p, "マネージャー志望").unwrap();
    let next = vault.plan_session(p, at(2026, 11, 2, 10), 30).unwrap();

    let view = vault.open_session(next.id).unwrap();
    let last = view.last_time.expect("the last held session");
    assert_eq!(
        (last.session_id, last.note.as_deref()),
        (second.id, Some("10月のメモ")),
        "held, this person's, latest"
    );
    assert_eq!(view.career_note.map(|c| c.body).as_deref(), Some("マネージャー志望"));
    assert_eq!(
        vault.open_session(first.id).unwrap().last_time,
        None,
        "nothing before the first"
    );
}

#[test]
fn an_employee_id_is_an_id_never_a_phrase() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    for phrase in ["転職を考えている", "E 123", "Ｅ１２３", "a/b"] {
        let err = vault
            .add_person(NewPerson {
                name: "佐藤 花子".into(),
                employee_id: Some(phrase.into()),
                ..Default::default()
            })
            .unwrap_err();
        match err {
            Error::Invalid(p) => assert_eq!(
                (p.rule, p.value.as_deref()),
                (taiwa_vault::Rule::NotAnEmployeeId, Some(phrase))
            ),
            other => panic!("{phrase}: {other}"),
        }
    }
    assert!(vault.people(true).unwrap().is_empty(), "nothing stored");
    vault
        .add_person(NewPerson {
            name: "佐藤 花子".into(),
            employee_id: Some("E000123".into()),
            ..Default::default()
        })
        .unwrap();
}

#[test]
fn reading_a_session_changes_nothing_and_carry_over_is_its_own_step() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "佐藤 花子");
    let first = vault.plan_session(p, at(2026, 10, 5, 10), 30).unwrap();
    vault.add_agenda_item(first.id, agenda("異動の希望")).unwrap();
    // Planned while the first is not held yet: nothing to carry at planning time.
    let next = vault.plan_session(p, at(2026, 11, 5, 10), 30).unwrap();
    vault.hold_session(first.id, None).unwrap();
    assert!(
        vault.session_view(next.id).unwrap().agenda.is_empty(),
        "a read writes nothing"
    );
    vault.carry_over(next.id).unwrap();
    let carried = vault.session_view(next.id).unwrap().agenda;
    assert_eq!(carried.len(), 1);
    assert_eq!(carried[0].text, "異動の希望");
    // Once per hop, however often it runs; the copy is searchable like any item.
    vault.carry_over(next.id).unwrap();
    assert_eq!(vault.open_session(next.id).unwrap().agenda.len(), 1);
    assert_eq!(vault.search("異動", 10).unwrap().len(), 2);
}

#[test]
fn saves_leave_checkpoints_to_the_quiet_moments_and_lose_nothing() {
    let (_tmp, dir, mut vault, s) = vault_with_a_session();
    let body = |i: usize| format!("# 保存 {i}\n{}", "来期の目標について話した。\n".repeat(200));
    let mut last = String::new();
    let mut i = 0;
    // Saves alone never fold the log in: it grows past the threshold.
    while log_size(&dir) < taiwa_vault::CHECKPOINT_AFTER_BYTES {
        last = body(i);
        let saved = vault.set_note(s, &last).unwrap();
        assert_eq!(saved.body, last);
        i += 1;
        assert!(i < 10_000, "the log never grew");
    }
    let (saves, grown) = (i, log_size(&dir));
    assert!(
        vault.checkpoint_if_due().unwrap(),
        "the log holds enough pages for a checkpoint"
    );
    assert!(!vault.checkpoint_if_due().unwrap(), "nothing to do right after");
    assert_eq!(log_size(&dir), grown, "the log's file keeps its blocks");
    // As many saves again write the log from its beginning, over the file's own blocks.
    for _ in 0..saves {
        last = body(i);
        vault.set_note(s, &last).unwrap();
        i += 1;
    }
    assert_eq!(log_size(&dir), grown, "the log started over instead of growing");
    assert_eq!(vault.note(s).unwrap().unwrap().body, last);
    drop(vault);
    let vault = Vault::open(&dir, &pass(PASS), tokyo()).unwrap();
    assert_eq!(vault.note(s).unwrap().unwrap().body, last);
    assert!(Vault::verify(&dir, &pass(PASS)).unwrap().ok());
}

#[test]
fn a_log_grown_past_the_kept_size_is_cut_back_when_it_starts_over() {
    let (_tmp, dir, mut vault, s) = vault_with_a_session();
    // Without a checkpoint between them (the app's background thread busy or stopped), saves
    // grow the log past the size it keeps.
    let body = |i: usize| format!("# 保存 {i}\n{}", "来期の目標について話した。\n".repeat(400));
    let mut i = 0;
    while log_size(&dir) <= taiwa_vault::LOG_KEPT_BYTES {
        vault.set_note(s, &body(i)).unwrap();
        i += 1;
        assert!(i < 10_000, "the log never grew");
    }
    assert!(vault.checkpoint_if_due().unwrap());
    vault.set_note(s, &body(i)).unwrap();
    assert_eq!(log_size(&dir), taiwa_vault::LOG_KEPT_BYTES);
    assert_eq!(vault.note(s).unwrap().unwrap().body, body(i));
}

#[test]
fn an_autosave_writes_the_note_alone_and_search_still_finds_it_at_once() {
    let (_tmp, dir, mut vault, _) = new_vault();
    let id = person(&mut vault, "佐藤 花子");
    let s = vault.plan_session(id, at(2026, 11, 2, 10), 30).unwrap();
    let wal = dir.join("vault.db-wal");
    let size = || fs::metadata(&wal).map_or(0, |m| m.len());
    // A first save, then a measured one: the log grows by the note's pages and the pending mark,
    // not by an index segment (a 4 KiB page and a 24-byte header a frame).
    vault.set_note(s.id, "転職を考えている。").unwrap();
    vault.index_pending().unwrap();
    let before = size();
    vault.set_note(s.id, "転職を考えている。研修の相談もした。").unwrap();
    let frames = (size() - before) / (4096 + 24);
    assert!(frames <= 4, "an autosave wrote {frames} pages");

    // A search answers from the note just saved, without waiting for the background step.
    let hits = vault.search("研修", 20).unwrap();
    assert_eq!(hits.iter().map(|h| h.session_id).collect::<Vec<_>>(), [Some(s.id)]);
    assert_eq!(
        vault.index_pending().unwrap(),
        0,
        "the search brought the entries up to date"
    );

    // The background step indexes what was saved since; the old words are gone from the index.
    vault.set_note(s.id, "評価面談の振り返り").unwrap();
    assert_eq!(vault.index_pending().unwrap(), 1);
    assert!(vault.search("転職", 20).unwrap().is_empty());
    assert_eq!(vault.search("評価", 20).unwrap().len(), 1);

    // A save not yet indexed survives closing the app, and is found after opening again.
    vault.set_note(s.id, "資格の取得を目指す").unwrap();
    drop(vault);
    let mut vault = Vault::open(&dir, &pass(PASS), tokyo()).unwrap();
    assert_eq!(vault.search("資格", 20).unwrap().len(), 1);

    // A session deleted before its entries were brought up to date leaves nothing to find.
    vault.set_note(s.id, "削除される前のメモ").unwrap();
    vault.delete_session(s.id).unwrap();
    assert_eq!(vault.index_pending().unwrap(), 0);
    assert!(vault.search("削除", 20).unwrap().is_empty());
    assert!(vault.search("資格", 20).unwrap().is_empty());
}

/// "Show earlier (N)" on a person's page: the count kept on write equals the person's sessions
/// counted one by one, through plans, deletions and another person's deletion.
#[test]
fn a_persons_page_counts_every_session_through_plans_and_deletions() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let aoi = person(&mut vault, "Aoi");
    let ben = person(&mut vault, "Ben");
    let check = |vault: &Vault| {
        for id in [aoi, ben] {
            let Ok(all) = vault.sessions(Some(id)) else { continue };
            let (shown, total) = vault.recent_sessions(id, 3).unwrap();
            assert_eq!(usize::try_from(total).unwrap(), all.len(), "person {id}");
            assert_eq!(shown.len(), all.len().min(3));
        }
    };
    check(&vault);
    let mut planned = Vec::new();
    for day in 1..=8 {
        planned.push(vault.plan_session(aoi, at(2026, 3, day, 10), 30).unwrap().id);
        if day % 3 == 0 {
            vault.plan_session(ben, at(2026, 3, day, 15), 30).unwrap();
        }
        check(&vault);
    }
    vault.hold_session(planned[0], Some(30)).unwrap();
    vault.delete_session(planned[1]).unwrap();
    vault.delete_session(planned[7]).unwrap();
    check(&vault);
    assert_eq!(vault.recent_sessions(aoi, 3).unwrap().1, 6);
    vault.delete_person(ben).unwrap();
    check(&vault);
    assert_eq!(vault.recent_sessions(aoi, 50).unwrap().1, 6);
}

/// Home's "due this week": open action items due on or before the day, soonest first, the
/// overdue included; done ones and those without a date never.
#[test]
fn actions_due_by_a_day_are_the_open_ones_due_by_then() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let aoi = person(&mut vault, "Aoi");
    let ben = person(&mut vault, "Ben");
    let add = |vault: &mut Vault, who: i64, text: &str, due: Option<chrono::NaiveDate>| {
        vault
            .add_action(
                who,
                NewAction {
                    text: text.into(),
                    session_id: None,
                    owner: Owner::Manager,
                    due_date: due,
                },
            )
            .unwrap()
            .id
    };
    let late = add(&mut vault, ben, "late", Some(date(2026, 3, 1)));
    let soon = add(&mut vault, aoi, "soon", Some(date(2026, 3, 9)));
    let on_the_day = add(&mut vault, ben, "on the day", Some(date(2026, 3, 10)));
    add(&mut vault, aoi, "after", Some(date(2026, 3, 11)));
    add(&mut vault, aoi, "undated", None);
    let done = add(&mut vault, aoi, "done", Some(date(2026, 3, 2)));
    vault.set_action_done(done, Some(date(2026, 3, 3))).unwrap();
    let due: Vec<i64> = vault
        .actions_due_by(date(2026, 3, 10))
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(due, [late, soon, on_the_day]);
    // The same from every open item, filtered here.
    let expected: Vec<i64> = vault
        .actions(None, true)
        .unwrap()
        .iter()
        .filter(|a| a.due_date.is_some_and(|d| d <= date(2026, 3, 10)))
        .map(|a| a.id)
        .collect();
    assert_eq!(due, expected);
}

/// A 1on1 planned for next month and held today counts today, in this month, for the app and
/// for what is sent; taking it back restores its planned time.
#[test]
fn a_session_is_dated_when_it_was_held_and_undo_puts_its_plan_back() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = vault
        .add_person(NewPerson {
            name: "佐藤".into(),
            employee_id: Some("E000321".into()),
            ..Default::default()
        })
        .unwrap();
    let today = vault.today();
    let this_month = Month::of(today);
    let next_month = this_month.next().unwrap();
    let planned = next_month.first_day().and_hms_opt(10, 0, 0).unwrap();
    let s = vault.plan_session(p.id, planned, 30).unwrap();

    let held = vault.hold_session(s.id, Some(25)).unwrap();
    assert_eq!(held.at.date(), today, "held today, not on the day it was planned for");
    assert_eq!(held.month, this_month);
    let status = vault.status(this_month).unwrap();
    let me = status.people.iter().find(|x| x.person_id == p.id).unwrap();
    assert!(me.figures.met);
    assert_eq!(
        me.figures.state,
        DueState::Clear,
        "met this month: nothing more is owed this month"
    );
    let sent = vault.pending_records(this_month).unwrap();
    let mine: Vec<_> = sent.iter().filter(|r| r.employee_id == "E000321").collect();
    assert_eq!(mine.len(), 1, "{sent:?}");
    assert_eq!(
        (mine[0].month, mine[0].sessions_held, mine[0].minutes),
        (this_month, 1, 25)
    );

    // Undo: planned again, for the time it was planned for, and this month is sent again as 0.
    let back = vault.reopen_session(s.id).unwrap();
    assert_eq!((back.at, back.state), (planned, taiwa_domain::SessionState::Planned));
    let status = vault.status(this_month).unwrap();
    assert!(!status.people.iter().find(|x| x.person_id == p.id).unwrap().figures.met);
    let sent = vault.pending_records(this_month).unwrap();
    assert!(
        sent.iter()
            .any(|r| r.employee_id == "E000321" && r.month == this_month && r.sessions_held == 0),
        "{sent:?}"
    );

    // A time given by the manager is kept; one ahead of now is refused and changes nothing.
    let tomorrow = (today + chrono::Days::new(1)).and_hms_opt(9, 0, 0).unwrap();
    let err = vault.hold_session_at(s.id, Some(30), Some(tomorrow)).unwrap_err();
    assert!(err.to_string().contains("later than now"), "{err}");
    assert_eq!(vault.session(s.id).unwrap().at, planned);
    let morning = today.and_hms_opt(0, 0, 0).unwrap();
    let held = vault.hold_session_at(s.id, Some(30), Some(morning)).unwrap();
    assert_eq!(held.at, morning);

    // A past session closed afterwards keeps its planned time; a clock dates it from its start.
    let past = vault.plan_session(p.id, planned - chrono::Days::new(70), 30).unwrap();
    assert_eq!(vault.hold_session(past.id, None).unwrap().at, past.at);
    let later = vault.plan_session(p.id, planned + chrono::Days::new(3), 30).unwrap();
    let started = vault
        .start_clock(later.id)
        .unwrap()
        .started_at
        .expect("the clock's start is kept");
    assert_eq!(started.date(), today);
    vault.pause_clock(later.id).unwrap();
    vault.start_clock(later.id).unwrap();
    let held = vault.hold_session(later.id, None).unwrap();
    assert_eq!(held.at, started, "dated from the clock's first start, not its last");
}

/// A carried item removed from a session stays removed there (it used to be carried again on
/// the next opening), and undo puts back exactly one.
#[test]
fn a_carried_item_removed_stays_removed_and_undo_restores_exactly_one() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = person(&mut vault, "Yui");
    let first = vault.plan_session(p, at(2026, 10, 5, 10), 30).unwrap();
    let open = vault.add_agenda_item(first.id, agenda("来期の目標")).unwrap();
    vault.hold_session(first.id, None).unwrap();
    let second = vault.plan_session(p, at(2026, 11, 5, 10), 30).unwrap();
    let copy = vault.open_session(second.id).unwrap().agenda[0].clone();
    assert_eq!(copy.carried_from, Some(open.id));
    vault.set_agenda_done(copy.id, true).unwrap();
    let gone = vault.delete_agenda_item(copy.id).unwrap();
    assert!(
        vault.open_session(second.id).unwrap().agenda.is_empty(),
        "removing a carried item removes it"
    );
    assert!(vault.open_session(second.id).unwrap().agenda.is_empty());

    let back = vault.restore_agenda_item(&gone).unwrap();
    assert_eq!((back.carried_from, back.done), (Some(open.id), true));
    for _ in 0..2 {
        let agenda = vault.open_session(second.id).unwrap().agenda;
        assert_eq!(agenda.len(), 1, "exactly one after undo: {agenda:?}");
    }
    // The original's session keeps its own item throughout.
    assert_eq!(vault.agenda(first.id).unwrap().len(), 1);
}

/// People are listed by how their names are read, found by it, and without one keep a stable place.
#[test]
fn people_are_listed_by_reading_and_found_by_it() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let add = |vault: &mut Vault, name: &str, reading: Option<&str>| {
        vault
            .add_person(NewPerson {
                name: name.into(),
                reading: reading.map(Into::into),
                ..Default::default()
            })
            .unwrap()
            .id
    };
    // By code point, 渡辺 < 阿部 < 伊藤; read, あべ < いとう < わたなべ.
    add(&mut vault, "渡辺 健", Some("ワタナベ ケン"));
    add(&mut vault, "阿部 真", Some("あべ まこと"));
    add(&mut vault, "伊藤 愛", Some("ｲﾄｳ ｱｲ"));
    add(&mut vault, "山本 学", None);
    let names: Vec<String> = vault.people(false).unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["阿部 真", "伊藤 愛", "渡辺 健", "山本 学"]);
    let watanabe = vault
        .people(false)
        .unwrap()
        .into_iter()
        .find(|p| p.name == "渡辺 健")
        .unwrap();
    assert_eq!(watanabe.reading.as_deref(), Some("わたなべ けん"), "kept in hiragana");
    // Search finds a person by reading, in hiragana or katakana.
    for query in ["わたなべ", "ワタナベ", "ｲﾄｳ"] {
        let page = vault.search_page(query, &taiwa_vault::SearchFilter::default()).unwrap();
        assert_eq!(page.people.len(), 1, "{query}");
    }
    // The order stands without readings too: by name as written, then as added.
    let again: Vec<String> = vault.people(false).unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(again, names);
}

/// A person whose page is paired and confirmed (the keys are stand-ins: the vault only keeps them).
fn paired(vault: &mut Vault, name: &str) -> i64 {
    let p = person(vault, name);
    vault
        .start_member_pairing(p, &[1; 32], &[2; 32], "ABCD-EFGH", "2099-01-01T00:00:00Z")
        .unwrap();
    vault
        .complete_member_pairing(p, &[2; 32], &[3; 32], "2026-01-01")
        .unwrap();
    vault.confirm_member_pairing(p).unwrap();
    p
}

/// Takes `message` from `p`'s page as the next one in order.
fn from_member(vault: &mut Vault, p: i64, message: FromMember) -> Taken {
    let next = vault.member_pairing(p).unwrap().unwrap().next_in;
    vault.take_member_message(p, next, message).unwrap()
}

fn topic(id: &str, text: &str) -> FromMember {
    FromMember::Topic {
        topic_id: id.into(),
        text: text.into(),
        kind: TopicKind::Career,
        wants: Wants::Listen,
    }
}

/// The kind, id, session and state of each hit for `query`, narrowed to `kind` if given.
fn hits_of(vault: &Vault, query: &str, kind: Option<HitKind>) -> Vec<(HitKind, i64, Option<i64>, Option<HitState>)> {
    vault
        .search_page(
            query,
            &taiwa_vault::SearchFilter {
                kind,
                ..Default::default()
            },
        )
        .unwrap()
        .hits
        .iter()
        .map(|h| (h.kind, h.id, h.session_id, h.state))
        .collect()
}

/// What a member sends is searchable as it stands: a new topic opens the next 1on1's Prepare, an
/// edit's old words no longer match, a withdrawn topic is still found and says so, a taken one
/// opens the session that took it; a request's note is found (open, then answered), a request
/// without one adds nothing; all of it after the vault is closed and opened again.
#[test]
fn what_members_send_is_searchable_through_edits_withdrawal_and_taking() {
    let (_tmp, dir, mut vault, _) = new_vault();
    let p = paired(&mut vault, "佐藤 花子");
    let next = vault
        .plan_session(
            p,
            (vault.today() + chrono::Days::new(7)).and_hms_opt(10, 0, 0).unwrap(),
            30,
        )
        .unwrap();

    assert_eq!(
        from_member(&mut vault, p, topic("t1", "異動の希望を相談したい")),
        Taken::Applied
    );
    let t1 = vault.member_topics(p, false).unwrap()[0].id;
    let found = vault.search("異動", 10).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (
            found[0].kind,
            found[0].id,
            found[0].person_id,
            found[0].session_id,
            found[0].state
        ),
        (HitKind::MemberTopic, t1, p, Some(next.id), Some(HitState::Open))
    );
    assert!(found[0].snippet.iter().any(|s| s.hit && s.text == "異動"));
    assert_eq!(
        found[0].when,
        vault.member_topic(t1).unwrap().received_at,
        "in local time, as the topic shows it"
    );

    // Edited before it was taken: the new words match, the old ones no longer.
    assert_eq!(
        from_member(&mut vault, p, topic("t1", "昇格の基準を知りたい")),
        Taken::Applied
    );
    assert!(
        vault.search("異動", 10).unwrap().is_empty(),
        "the old words left the index"
    );
    assert_eq!(
        hits_of(&vault, "昇格", None),
        [(HitKind::MemberTopic, t1, Some(next.id), Some(HitState::Open))]
    );

    // Withdrawn: still found, marked withdrawn, opening the person rather than a session.
    assert_eq!(
        from_member(&mut vault, p, FromMember::TopicWithdrawn { topic_id: "t1".into() }),
        Taken::Applied
    );
    assert_eq!(
        hits_of(&vault, "昇格", None),
        [(HitKind::MemberTopic, t1, None, Some(HitState::Withdrawn))]
    );

    // Taken into the agenda: found as the member's topic (with the session that took it) and as
    // the agenda item.
    from_member(&mut vault, p, topic("t2", "Feedback on the roadmap"));
    let t2 = vault.member_topics(p, true).unwrap()[0].id;
    let item = vault.take_member_topic(t2, next.id, "{}").unwrap();
    let mut taken = hits_of(&vault, "roadmap", None);
    taken.sort_by_key(|h| format!("{:?}", h.0));
    assert_eq!(
        taken,
        [
            (HitKind::Agenda, item.id, Some(next.id), None),
            (HitKind::MemberTopic, t2, Some(next.id), Some(HitState::Taken)),
        ]
    );
    assert_eq!(
        hits_of(&vault, "road", Some(HitKind::MemberTopic)),
        [(HitKind::MemberTopic, t2, Some(next.id), Some(HitState::Taken))],
        "a prefix, narrowed to the member's topics"
    );

    // A request's note is found; one without a note adds nothing.
    from_member(
        &mut vault,
        p,
        FromMember::AskSoon {
            note: Some("体調のことで早めに話したい".into()),
        },
    );
    from_member(&mut vault, p, FromMember::AskSoon { note: None });
    let requests = vault.member_requests().unwrap();
    assert_eq!(requests.len(), 2);
    let asked = requests.iter().find(|r| r.note.is_some()).unwrap();
    let found = vault.search("体調", 10).unwrap();
    assert_eq!(
        (
            found[0].kind,
            found[0].id,
            found[0].person_id,
            found[0].session_id,
            found[0].state
        ),
        (HitKind::MemberRequest, asked.id, p, None, Some(HitState::Open))
    );
    assert_eq!(found[0].when, asked.received_at);
    assert_eq!(found.len(), 1);
    vault.dismiss_member_request(asked.id).unwrap();
    assert_eq!(
        hits_of(&vault, "体調", Some(HitKind::MemberRequest)),
        [(HitKind::MemberRequest, asked.id, None, Some(HitState::Answered))]
    );
    assert!(
        hits_of(&vault, "体調", Some(HitKind::MemberTopic)).is_empty(),
        "narrowed to another kind"
    );

    drop(vault);
    let vault = Vault::open(&dir, &pass(PASS), tokyo()).unwrap();
    assert_eq!(hits_of(&vault, "昇格", None).len(), 1);
    assert_eq!(hits_of(&vault, "体調", None).len(), 1);
}

/// Deleting a person takes what they sent out of the index with them: no word of a topic (new,
/// edited, withdrawn or taken) or of a request's note is found afterwards, by any kind of query,
/// and another member's are untouched.
#[test]
fn deleting_a_person_leaves_no_word_they_sent_findable() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let gone = paired(&mut vault, "削除 される");
    let stays = paired(&mut vault, "残る 人");
    let s = vault
        .plan_session(
            gone,
            (vault.today() + chrono::Days::new(3)).and_hms_opt(10, 0, 0).unwrap(),
            30,
        )
        .unwrap();
    from_member(&mut vault, gone, topic("a", "旧い話題 zanzibar"));
    from_member(&mut vault, gone, topic("a", "給与の相談 quokka"));
    from_member(&mut vault, gone, topic("b", "退職を考えている marmoset"));
    from_member(&mut vault, gone, FromMember::TopicWithdrawn { topic_id: "b".into() });
    from_member(&mut vault, gone, topic("c", "研修の希望 narwhal"));
    let c = vault
        .member_topics(gone, true)
        .unwrap()
        .into_iter()
        .find(|t| t.topic_id == "c")
        .unwrap();
    vault.take_member_topic(c.id, s.id, "{}").unwrap();
    from_member(
        &mut vault,
        gone,
        FromMember::AskSoon {
            note: Some("家族の事情 axolotl".into()),
        },
    );
    from_member(&mut vault, stays, topic("a", "給与の相談 wombat"));
    let words = [
        "給与", "相談", "退職", "研修", "家族", "事情", "quokka", "marmoset", "narwhal", "axolotl", "quo", "mar", "給",
    ];
    for word in ["quokka", "marmoset", "narwhal", "axolotl"] {
        assert!(!vault.search(word, 10).unwrap().is_empty(), "{word} is found before");
    }

    vault.delete_person(gone).unwrap();
    for word in words {
        let left: Vec<_> = vault
            .search(word, 50)
            .unwrap()
            .into_iter()
            .filter(|h| h.person_id != stays)
            .map(|h| (h.kind, h.id))
            .collect();
        assert!(left.is_empty(), "{word}: {left:?}");
    }
    assert!(vault.search("zanzibar", 10).unwrap().is_empty());
    let kept = vault.search("wombat", 10).unwrap();
    assert_eq!(
        (kept.len(), kept[0].kind, kept[0].person_id),
        (1, HitKind::MemberTopic, stays),
        "another member's topic stays"
    );
    assert_eq!(vault.search("給与", 10).unwrap().len(), 1, "only theirs");
}

#[test]
fn deleting_a_person_counts_what_they_sent_from_their_page() {
    let (_tmp, _dir, mut vault, _) = new_vault();
    let p = paired(&mut vault, "送った 人");
    let other = paired(&mut vault, "別の 人");
    from_member(&mut vault, p, topic("t1", "異動について相談したい"));
    from_member(&mut vault, p, topic("t2", "取り下げる話"));
    from_member(&mut vault, p, FromMember::TopicWithdrawn { topic_id: "t2".into() });
    from_member(
        &mut vault,
        p,
        FromMember::AskSoon {
            note: Some("今週話したい".into()),
        },
    );
    from_member(&mut vault, other, topic("t1", "別の人の話"));
    from_member(&mut vault, other, FromMember::AskSoon { note: None });

    // Every topic the member sent (a withdrawn one too: its text is in the vault) and their
    // request; none of another person's.
    let footprint = vault.person_footprint(p).unwrap();
    assert_eq!((footprint.member_topics, footprint.member_requests), (2, 1));
    assert_eq!(vault.delete_person(p).unwrap(), footprint);
    let left = vault.person_footprint(other).unwrap();
    assert_eq!((left.member_topics, left.member_requests), (1, 1));
}
