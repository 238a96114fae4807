//! The desktop app's commands without Tauri, through the same functions the commands call.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use serde_json::json;
use taiwa_ipc::*;

const PASS: &str = "correct horse battery staple";

fn input<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap()
}

fn unlocked() -> (tempfile::TempDir, App) {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = App::new(tmp.path().join("vault"));
    assert!(!app.status().vault_exists);
    let created = app
        .create_vault(input(json!({"passphrase": PASS, "passphrase_again": PASS})))
        .unwrap();
    assert_eq!(created.recovery_key.len(), 39);
    (tmp, app)
}

fn person(app: &mut App, name: &str) -> i64 {
    app.save_person(
        None,
        input(
            json!({"name": name, "relationship": "line", "cadence": "monthly", "employee_id": "", "email": "",
            "org_unit": "", "start_date": "", "end_date": ""}),
        ),
    )
    .unwrap()
    .id
}

#[test]
fn locked_means_locked_and_errors_carry_codes() {
    let (_tmp, mut app) = unlocked();
    let p = person(&mut app, "Aoi");
    let status = app.lock();
    assert!(status.vault_exists && !status.unlocked);
    assert_eq!(app.people(false).unwrap_err().code, "locked");
    assert_eq!(app.person_page(p, 50).unwrap_err().code, "locked");
    let wrong = app
        .unlock(input(json!({"passphrase": "not the passphrase"})))
        .unwrap_err();
    assert_eq!(
        (wrong.code.as_str(), wrong.message.as_str()),
        ("wrong_passphrase", "wrong passphrase")
    );
    assert!(app.unlock(input(json!({"passphrase": PASS}))).unwrap().unlocked);
    assert_eq!(app.people(false).unwrap()[0].name, "Aoi");
    assert_eq!(app.person_page(999, 50).unwrap_err().code, "not_found");
    let bad = app
        .plan_session(input(json!({"person_id": p, "at": "tomorrow", "minutes": 30})))
        .unwrap_err();
    assert_eq!(bad.code, "invalid_input");
    let differ =
        App::new(_tmp.path().join("other")).create_vault(input(json!({"passphrase": PASS, "passphrase_again": "x"})));
    assert_eq!(differ.unwrap_err().message, "the two passphrases differ");
}

#[test]
fn secrets_never_show_in_debug_output() {
    let unlock: UnlockInput = input(json!({"passphrase": PASS}));
    assert!(!format!("{unlock:?}").contains(PASS));
    let tmp = tempfile::tempdir().unwrap();
    let mut app = App::new(tmp.path().join("vault"));
    let created = app
        .create_vault(input(json!({"passphrase": PASS, "passphrase_again": PASS})))
        .unwrap();
    let shown = format!("{created:?}");
    assert!(!shown.contains(&created.recovery_key[..9]), "{shown}");
}

#[test]
fn the_company_server_page_refreshing_does_not_keep_an_idle_vault_open() {
    let (_tmp, mut app) = unlocked();
    app.set_settings(Settings {
        auto_lock_minutes: 1,
        ..Settings::default()
    })
    .unwrap();
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(1100));
    // The page refreshes after a background sync: that is not the person's activity.
    app.sync_overview().unwrap();
    assert!(
        app.lock_if_idle(start + Duration::from_millis(60_500)),
        "a minute after the last real activity, the vault locks"
    );
}

#[test]
fn auto_lock_after_the_idle_time() {
    let (_tmp, mut app) = unlocked();
    app.set_settings(Settings {
        language: Some(Language::Ja),
        auto_lock_minutes: 5,
        theme: Theme::Dark,
    })
    .unwrap();
    let now = Instant::now();
    assert!(!app.lock_if_idle(now + Duration::from_secs(4 * 60)));
    assert!(app.status().unlocked);
    assert!(app.lock_if_idle(now + Duration::from_secs(5 * 60 + 1)));
    assert!(!app.status().unlocked);
    assert_eq!(app.home().unwrap_err().code, "locked");
    // Settings survive a restart of the app.
    let again = App::new(app.dir().to_owned());
    assert_eq!(
        again.settings(),
        Settings {
            language: Some(Language::Ja),
            auto_lock_minutes: 5,
            theme: Theme::Dark,
        }
    );
    assert_eq!(
        app.set_settings(Settings {
            language: None,
            auto_lock_minutes: 0,
            theme: Theme::System,
        })
        .unwrap_err()
        .code,
        "invalid_input"
    );
}

#[test]
fn home_shows_the_month_and_a_twelve_month_strip() {
    let (_tmp, mut app) = unlocked();
    let met = person(&mut app, "Met Today");
    let due = person(&mut app, "Not Yet");
    let today = chrono::Local::now().date_naive();
    let at = format!("{}T09:00", today);
    let s = app
        .plan_session(input(json!({"person_id": met, "at": at, "minutes": 30})))
        .unwrap();
    app.finish_session(s.id, input(json!({"outcome": "held", "minutes": 25})))
        .unwrap();
    let later = today + chrono::Duration::days(3);
    app.plan_session(input(
        json!({"person_id": due, "at": format!("{later}T15:00"), "minutes": 30}),
    ))
    .unwrap();
    app.add_action(input(json!({"person_id": due, "session_id": null, "text": "Send the doc", "owner": "manager", "due_date": today.to_string()})))
        .unwrap();

    // A 1on1 that did not happen leaves a trace on the strip.
    let skipped = app
        .plan_session(input(
            json!({"person_id": due, "at": format!("{today}T08:00"), "minutes": 30}),
        ))
        .unwrap();
    app.finish_session(skipped.id, input(json!({"outcome": "skipped", "reason": "出張"})))
        .unwrap();

    let home = app.home().unwrap();
    assert_eq!((home.summary.people, home.summary.met), (2, 1));
    let row = home.people.iter().find(|p| p.status.person_id == met).unwrap();
    assert_eq!(row.strip.len(), 12);
    assert!(row.strip[11].met && row.strip[11].active);
    assert_eq!(row.strip[11].not_held, 0);
    assert!(!row.strip[10].active, "added this month");
    let other = home.people.iter().find(|p| p.status.person_id == due).unwrap();
    assert_eq!((other.strip[11].met, other.strip[11].not_held), (false, 1));
    assert_eq!(home.upcoming.len(), 1);
    assert_eq!(home.actions_due.len(), 1);
}

#[test]
fn a_session_in_three_moments() {
    let (_tmp, mut app) = unlocked();
    let p = person(&mut app, "Ren");
    app.add_topic(
        p,
        input(json!({"text": "評価面談の準備", "kind": "career", "wants": "advise"})),
    )
    .unwrap();
    let next = chrono::Local::now().date_naive() + chrono::Duration::days(1);
    let s = app
        .plan_session(input(
            json!({"person_id": p, "at": format!("{next}T10:00"), "minutes": 30}),
        ))
        .unwrap();
    let item = app
        .add_agenda_item(
            s.id,
            input(json!({"text": "休暇の相談", "kind": "health", "wants": "listen"})),
        )
        .unwrap();
    let view = app.session(s.id).unwrap();
    assert_eq!(
        view.agenda.iter().map(|a| a.text.as_str()).collect::<Vec<_>>(),
        ["評価面談の準備", "休暇の相談"]
    );
    app.set_agenda_done(item.id, true).unwrap();
    let saved = app.save_note(s.id, "# メモ\n体調は回復。").unwrap();
    assert!(!saved.updated_at.is_empty());
    app.add_action(input(
        json!({"person_id": p, "session_id": s.id, "text": "書類を送る", "owner": "member", "due_date": ""}),
    ))
    .unwrap();
    let held = app
        .finish_session(s.id, input(json!({"outcome": "held", "minutes": 35})))
        .unwrap();
    assert_eq!(held.held_minutes, Some(35));
    let page = app.person_page(p, 50).unwrap();
    assert_eq!(
        (page.sessions.len(), page.open_actions.len(), page.backlog.len()),
        (1, 1, 0)
    );
    assert_eq!((page.sessions_total, page.done_total), (1, 0));
    assert!(!page.private);
    assert!(app.set_private(p, true).unwrap().private);
    app.save_career_note(p, "将来は海外拠点で働きたい").unwrap();
    assert_eq!(
        app.search("海外", Default::default()).unwrap().hits[0].kind,
        taiwa_vault::HitKind::Career
    );
    assert_eq!(
        app.search("体調", Default::default()).unwrap().hits[0].kind,
        taiwa_vault::HitKind::Note
    );
    let skipped = app
        .finish_session(s.id, input(json!({"outcome": "skipped", "reason": ""})))
        .unwrap_err();
    assert_eq!(skipped.code, "invalid_input");
}

#[test]
fn recovery_sets_a_new_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = App::new(tmp.path().join("vault"));
    let key = app
        .create_vault(input(json!({"passphrase": PASS, "passphrase_again": PASS})))
        .unwrap()
        .recovery_key;
    app.lock();
    let new = "a brand new passphrase";
    let status = app
        .recover(input(
            json!({"recovery_key": key, "new_passphrase": new, "new_passphrase_again": new}),
        ))
        .unwrap();
    assert!(status.unlocked);
    app.lock();
    assert_eq!(
        app.unlock(input(json!({"passphrase": PASS}))).unwrap_err().code,
        "wrong_passphrase"
    );
    assert!(app.unlock(input(json!({"passphrase": new}))).is_ok());
}

#[test]
fn exports_are_written_privately_for_the_chosen_period() {
    let (tmp, mut app) = unlocked();
    let person_id = person(&mut app, "佐藤 花子");
    let today = app.home().unwrap().today;
    let session = app
        .plan_session(input(
            json!({"person_id": person_id, "at": format!("{today}T09:00"), "minutes": 30}),
        ))
        .unwrap();
    app.save_note(session.id, "秘密のメモ marker").unwrap();
    app.finish_session(session.id, input(json!({"outcome": "held", "minutes": 35})))
        .unwrap();
    let input = ExportInput {
        period: ExportPeriod::ThisMonth,
        from: String::new(),
        to: String::new(),
        kind: ExportKind::Csv,
        include_notes: false,
        person_id: None,
        language: Language::Ja,
    };
    let name = app.export_file_name(&input).unwrap();
    let month = taiwa_domain::Month::of(today);
    assert_eq!(name, format!("1on1まとめ_{month}.csv"));
    let path = tmp.path().join(&name);
    let done = app.export_summary(&input, &path).unwrap();
    assert_eq!((done.from, done.to), (month, month));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with('\u{feff}'), "a byte-order mark, for Excel in Japanese");
    assert!(text.contains("佐藤 花子") && text.contains("35"), "{text}");
    // Read back by an independent CSV reader (Python's), as Excel would: Japanese intact.
    let read = std::process::Command::new("python3")
        .args([
            "-c",
            "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(read.status.success(), "{}", String::from_utf8_lossy(&read.stderr));
    let table: Vec<Vec<String>> = serde_json::from_slice(&read.stdout).unwrap();
    assert_eq!(table[0][..3], ["月", "メンバー", "社員番号"]);
    assert_eq!(table[0][5], "実施回数");
    let row = table.iter().find(|r| r[1] == "佐藤 花子").unwrap();
    assert_eq!(
        (
            row[0].as_str(),
            row[3].as_str(),
            row[4].as_str(),
            row[5].as_str(),
            row[6].as_str()
        ),
        (month.to_string().as_str(), "直属の部下", "毎月", "1", "35")
    );
    assert!(!text.contains("marker"), "no note unless asked");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let with_notes = ExportInput {
        kind: ExportKind::Markdown,
        include_notes: true,
        ..input.clone()
    };
    let md = tmp.path().join(app.export_file_name(&with_notes).unwrap());
    app.export_summary(&with_notes, &md).unwrap();
    assert!(std::fs::read_to_string(&md).unwrap().contains("秘密のメモ marker"));
    // The print view's figures are the file's, and one person's summary has only them.
    let other = person(&mut app, "田中 誠");
    let preview = app.export_preview(&input).unwrap();
    assert_eq!((preview.months[0].met, preview.months[0].people), (1, 2));
    let sato = preview.rows.iter().find(|r| r.person == "佐藤 花子").unwrap();
    assert_eq!((sato.sessions_held, sato.minutes), (1, 35));
    assert!(preview.rows.iter().all(|r| r.notes.is_empty()), "no note unless asked");
    let just = ExportInput {
        person_id: Some(other),
        ..input.clone()
    };
    let theirs = app.export_preview(&just).unwrap();
    assert_eq!(
        theirs.rows.iter().map(|r| r.person.as_str()).collect::<Vec<_>>(),
        ["田中 誠"]
    );
    assert_eq!(
        app.export_file_name(&just).unwrap(),
        format!("1on1まとめ_田中 誠_{month}.csv")
    );
    let english = ExportInput {
        language: Language::En,
        kind: ExportKind::Html,
        ..just.clone()
    };
    assert_eq!(
        app.export_file_name(&english).unwrap(),
        format!("1on1-summary_田中 誠_{month}.html")
    );
    // The fiscal year from April: named for its months, listing none that has not begun.
    let year = ExportInput {
        period: ExportPeriod::FiscalYear,
        ..input.clone()
    };
    let (a, b) = month.fiscal_year(4);
    assert_eq!(app.export_file_name(&year).unwrap(), format!("1on1まとめ_{a}〜{b}.csv"));
    let listed = app.export_preview(&year).unwrap();
    assert_eq!(
        listed.months.last().map(|t| t.month),
        Some(month),
        "no future month as zeros"
    );
    assert_eq!(listed.months.first().map(|t| t.month), Some(a));
    let backwards = ExportInput {
        period: ExportPeriod::Range,
        from: "2026-05".into(),
        to: "2026-01".into(),
        ..input
    };
    let err = app.export_summary(&backwards, &tmp.path().join("x.csv")).unwrap_err();
    assert_eq!(err.code, "invalid_input");
    assert!(!tmp.path().join("x.csv").exists());
}

#[test]
fn file_names_are_safe_on_windows_too() {
    use taiwa_ipc::safe_file_name;
    assert_eq!(safe_file_name("山田 太郎"), "山田 太郎");
    assert_eq!(safe_file_name("a/b\\c:d*e?f\"g<h>i|j"), "a_b_c_d_e_f_g_h_i_j");
    assert_eq!(safe_file_name("名前. "), "名前");
    assert_eq!(safe_file_name("con"), "_con");
    assert_eq!(safe_file_name("COM1.txt"), "_COM1.txt");
    assert_eq!(safe_file_name("..."), "_");
    assert_eq!(safe_file_name(&"寿".repeat(80)).chars().count(), 60);
}

#[test]
fn vault_care_backup_restore_passphrase_and_recovery_key() {
    let (tmp, mut app) = unlocked();
    let kept = person(&mut app, "バックアップ前");
    let name = app.backup_file_name().unwrap();
    assert!(
        name.starts_with("taiwa-backup-") && name.ends_with(".taiwa-backup"),
        "{name}"
    );
    let file = tmp.path().join(&name);
    app.backup_vault(&file).unwrap();
    person(&mut app, "バックアップ後");

    // Restore over the open vault: the backup's content, the current vault kept aside.
    let wrong = app
        .restore_vault(&file, input(json!({"passphrase": "not the passphrase!"})))
        .unwrap_err();
    assert_eq!(wrong.code, "wrong_passphrase");
    let done = app.restore_vault(&file, input(json!({"passphrase": PASS}))).unwrap();
    let aside = done.moved_aside.expect("the replaced vault is kept");
    assert!(std::path::Path::new(&aside).join("vault.key").exists());
    let names: Vec<String> = app.people(true).unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["バックアップ前"]);
    assert_eq!(app.people(true).unwrap()[0].id, kept);

    // A new recovery key: the old one is refused, the new one recovers.
    let fresh = app
        .new_recovery_key(input(json!({"passphrase": PASS})))
        .unwrap()
        .recovery_key;
    assert_eq!(
        app.new_recovery_key(input(json!({"passphrase": "not the passphrase!"})))
            .unwrap_err()
            .code,
        "wrong_passphrase"
    );
    let report = app.verify_vault(input(json!({"passphrase": PASS}))).unwrap();
    assert!(report.key_file_ok && report.database_ok, "{report:?}");

    // Change the passphrase; the open vault stays open, and the new one unlocks next time.
    let refused = app
        .change_passphrase(input(json!({"current": PASS, "new_passphrase": "a brand new passphrase", "new_passphrase_again": "a different one!!"})))
        .unwrap_err();
    assert_eq!(refused.code, "invalid_input");
    app.change_passphrase(input(json!({"current": PASS, "new_passphrase": "a brand new passphrase", "new_passphrase_again": "a brand new passphrase"})))
        .unwrap();
    assert_eq!(app.people(true).unwrap().len(), 1);
    app.lock();
    assert_eq!(
        app.unlock(input(json!({"passphrase": PASS}))).unwrap_err().code,
        "wrong_passphrase"
    );
    app.unlock(input(json!({"passphrase": "a brand new passphrase"})))
        .unwrap();
    app.lock();
    app.recover(input(json!({"recovery_key": fresh, "new_passphrase": "recovered at last!", "new_passphrase_again": "recovered at last!"})))
        .unwrap();
}

#[test]
fn a_session_in_progress_holds_off_the_idle_lock_until_its_length_plus_half_an_hour() {
    let (_tmp, mut app) = unlocked();
    let p = person(&mut app, "Aoi");
    let today = chrono::Local::now().date_naive();
    let s = app
        .plan_session(input(
            json!({"person_id": p, "at": format!("{today}T09:00"), "minutes": 45}),
        ))
        .unwrap();
    app.set_settings(Settings {
        language: None,
        auto_lock_minutes: 10,
        ..Settings::default()
    })
    .unwrap();
    app.start_clock(s.id).unwrap();
    assert_eq!(app.status().running_session, Some(s.id));
    assert_eq!(app.home().unwrap().running.map(|r| r.id), Some(s.id));
    let now = Instant::now();
    // Listening for 20 minutes without touching the keyboard: still open.
    assert!(!app.lock_if_idle(now + Duration::from_secs(20 * 60)));
    // The UI's own idle check answers the same.
    assert!(app.lock_when_idle().unlocked);
    // 45 planned + 30 minutes: a forgotten session no longer keeps the vault open.
    assert!(app.lock_if_idle(now + Duration::from_secs(76 * 60)));
    assert!(!app.status().unlocked);
    // After unlocking, the session is still in progress and the app knows which one.
    let status = app.unlock(input(json!({"passphrase": PASS}))).unwrap();
    assert_eq!(status.running_session, Some(s.id));
    // Paused, the idle lock is the ordinary one again.
    app.pause_clock(s.id).unwrap();
    assert!(!app.lock_when_idle().unlocked);
}

#[test]
fn sessions_move_reopen_and_delete_through_the_app() {
    let (_tmp, mut app) = unlocked();
    let p = person(&mut app, "Aoi");
    let s = app
        .plan_session(input(json!({"person_id": p, "at": "2026-11-02T10:00", "minutes": 30})))
        .unwrap();
    let moved = app
        .move_session(s.id, input(json!({"at": "2026-11-05T15:30", "minutes": 45})))
        .unwrap();
    assert_eq!(
        (moved.at.to_string(), moved.planned_minutes),
        ("2026-11-05 15:30:00".to_owned(), 45)
    );
    let bad = app
        .move_session(s.id, input(json!({"at": "5 Nov", "minutes": 45})))
        .unwrap_err();
    assert_eq!(bad.code, "invalid_input");
    app.finish_session(s.id, input(json!({"outcome": "held", "minutes": 40})))
        .unwrap();
    let undone = app.reopen_session(s.id).unwrap();
    assert_eq!(
        (undone.state, undone.held_minutes),
        (taiwa_domain::SessionState::Planned, None)
    );
    app.delete_session(s.id).unwrap();
    assert_eq!(app.session(s.id).unwrap_err().code, "not_found");
}

#[test]
fn a_persons_page_shows_the_latest_and_more_on_request() {
    let (_tmp, mut app) = unlocked();
    let p = person(&mut app, "Long History");
    let start = chrono::Local::now().date_naive() - chrono::Duration::days(400);
    let mut ids = Vec::new();
    for i in 0..60 {
        let day = start + chrono::Duration::days(i * 6);
        let s = app
            .plan_session(input(
                json!({"person_id": p, "at": format!("{day}T10:00"), "minutes": 30}),
            ))
            .unwrap();
        let action = app
            .add_action(input(json!({"person_id": p, "session_id": s.id, "text": format!("item {i}"), "owner": "member", "due_date": ""})))
            .unwrap();
        app.set_action_done(action.id, true).unwrap();
        ids.push(s.id);
    }
    let page = app.person_page(p, PAGE_SIZE).unwrap();
    assert_eq!((page.sessions.len(), page.sessions_total), (50, 60));
    assert_eq!((page.done_actions.len(), page.done_total), (50, 60));
    let newest: Vec<i64> = ids.iter().rev().take(50).copied().collect();
    assert_eq!(
        page.sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        newest,
        "newest first"
    );
    let all = app.person_page(p, PAGE_SIZE * 2).unwrap();
    assert_eq!((all.sessions.len(), all.done_actions.len()), (60, 60));
    assert_eq!(all.sessions.last().unwrap().id, ids[0]);
}

#[test]
fn planning_the_same_person_twice_at_the_same_time_asks_first() {
    let (_tmp, mut app) = unlocked();
    let p = person(&mut app, "Ren");
    let next = chrono::Local::now().date_naive() + chrono::Duration::days(2);
    let at = format!("{next}T10:00");
    let first = app
        .plan_session(input(json!({"person_id": p, "at": at, "minutes": 30})))
        .unwrap();
    let err = app
        .plan_session(input(json!({"person_id": p, "at": at, "minutes": 30})))
        .unwrap_err();
    assert_eq!(err.code, "invalid_input");
    let problem = err.problem.expect("says what to confirm");
    assert_eq!(problem.field, "at");
    assert_eq!(problem.rule, taiwa_vault::Rule::NeedsConfirmation);
    assert_eq!(problem.value.as_deref(), Some(first.id.to_string().as_str()));
    // Nothing was planned by the refused step; asked and confirmed, a second one is.
    let planned = |app: &mut taiwa_ipc::App| app.home().unwrap().upcoming.len();
    assert_eq!(planned(&mut app), 1);
    app.plan_session(input(json!({"person_id": p, "at": at, "minutes": 30, "again": true})))
        .unwrap();
    assert_eq!(planned(&mut app), 2);
    // Another time, or another person, is not asked about.
    app.plan_session(input(
        json!({"person_id": p, "at": format!("{next}T11:00"), "minutes": 30}),
    ))
    .unwrap();
}

#[test]
fn this_month_says_why_it_can_differ_from_hrs_figure() {
    let (_tmp, mut app) = unlocked();
    let line = person(&mut app, "佐藤 花子");
    assert!(
        app.home().unwrap().differs.is_none(),
        "not enrolled: HR's figure is not in question"
    );
    app.finish_enrolment(
        &taiwa_vault::Enrolment {
            server: "https://taiwa.example.co.jp".into(),
            device_name: "laptop".into(),
            manager_employee_id: "M1".into(),
            manager_name: "部長".into(),
            ca_file: None,
        },
        &taiwa_vault::DeviceToken::new("token-for-this-test".into()),
    )
    .unwrap();
    let differs = app
        .home()
        .unwrap()
        .differs
        .expect("a direct report without an employee id");
    assert_eq!((differs.no_employee_id, differs.cross), (1, 0));
    let fields = |name: &str, relationship: &str, id: &str| {
        input(
            json!({"name": name, "relationship": relationship, "cadence": "monthly", "employee_id": id,
            "email": "", "org_unit": "", "start_date": "", "end_date": ""}),
        )
    };
    app.save_person(Some(line), fields("佐藤 花子", "line", "E1")).unwrap();
    assert!(app.home().unwrap().differs.is_none(), "counted alike");
    app.save_person(None, fields("田中 誠", "cross", "")).unwrap();
    assert_eq!(app.home().unwrap().differs.map(|d| d.cross), Some(1));
}

#[test]
fn the_summary_for_the_members_page_holds_the_agenda_and_items_never_the_note() {
    let (_tmp, mut app) = unlocked();
    let p = person(&mut app, "Mio");
    let today = chrono::Local::now().date_naive();
    let s = app
        .plan_session(input(
            json!({"person_id": p, "at": format!("{today}T09:00"), "minutes": 30}),
        ))
        .unwrap();
    let item = app
        .add_agenda_item(
            s.id,
            input(json!({"text": "異動の希望", "kind": "career", "wants": "think"})),
        )
        .unwrap();
    app.add_agenda_item(s.id, input(json!({"text": "研修の件", "kind": "work", "wants": null})))
        .unwrap();
    app.set_agenda_done(item.id, true).unwrap();
    app.save_note(s.id, "非公開：家族の事情で悩んでいる").unwrap();
    app.add_action(input(
        json!({"person_id": p, "session_id": s.id, "text": "資料を読む", "owner": "member", "due_date": format!("{today}")}),
    ))
    .unwrap();
    app.finish_session(s.id, input(json!({"outcome": "held", "minutes": 30})))
        .unwrap();
    let summary = app.member_summary(s.id).unwrap();
    assert_eq!(summary.held_on, today.to_string());
    let agenda: Vec<(&str, bool)> = summary.agenda.iter().map(|a| (a.text.as_str(), a.done)).collect();
    assert_eq!(agenda, [("異動の希望", true), ("研修の件", false)]);
    assert_eq!(summary.items.len(), 1);
    assert_eq!(
        (
            summary.items[0].text.as_str(),
            summary.items[0].owner,
            summary.items[0].due.clone()
        ),
        ("資料を読む", taiwa_domain::Owner::Member, Some(today.to_string()))
    );
    let everything = serde_json::to_string(&summary).unwrap();
    assert!(
        !everything.contains("家族"),
        "the private note never enters the summary: {everything}"
    );

    // Not paired: nothing can be sent, and nothing is queued.
    let refused = app.send_member_summary(s.id).unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    let member = app.session_member(s.id).unwrap();
    assert_eq!((member.paired, member.summary_sent), (false, None));
}

#[test]
fn the_pairing_codes_qr_code_is_a_square_path() {
    let qr = qr_code("https://taiwa.example.co.jp/me/#code=ABCD-EFGH").unwrap();
    // A QR code is 17 + 4×version modules wide, plus 4 of quiet zone on each side.
    let width = qr.size - 8;
    assert!(width >= 21 && (width - 17).is_multiple_of(4), "{width}");
    let modules = qr.path.matches('M').count();
    assert!(
        modules > 200 && modules < (width * width) as usize,
        "{modules} dark modules"
    );
    // The three finder patterns' outer corners are dark, inside the quiet zone.
    let far = width + 4 - 7;
    for corner in ["M4 4h".to_owned(), format!("M{far} 4h"), format!("M4 {far}h")] {
        assert!(qr.path.contains(&corner), "{corner}");
    }
    // And the quiet zone itself is light.
    assert!(!qr.path.contains("M0 ") && !qr.path.contains("M3 "));
}

/// What a member sent from their page is found by the app's search as its own kinds, in the
/// shape the UI reads (`member_topic`, `member_request`, with where each stands), and the UI's
/// filter by those kinds works.
#[test]
fn search_finds_the_members_topics_and_requests() {
    let (tmp, mut app) = unlocked();
    let p = person(&mut app, "Mio");
    let next = chrono::Local::now().date_naive() + chrono::Duration::days(3);
    let s = app
        .plan_session(input(
            json!({"person_id": p, "at": format!("{next}T10:00"), "minutes": 30}),
        ))
        .unwrap();
    // Messages arrive through the channel (taiwa-sync); here they are given to the vault as the
    // exchange gives them, with the app locked.
    app.lock();
    {
        let mut vault = taiwa_vault::Vault::open(
            &tmp.path().join("vault"),
            &taiwa_vault::Passphrase::new(PASS.into()),
            taiwa_vault::system_zone(),
        )
        .unwrap();
        vault
            .start_member_pairing(p, &[1; 32], &[2; 32], "C", "2099-01-01T00:00:00Z")
            .unwrap();
        vault
            .complete_member_pairing(p, &[2; 32], &[3; 32], "2026-01-01")
            .unwrap();
        vault.confirm_member_pairing(p).unwrap();
        let topic = |id: &str, text: &str| taiwa_vault::FromMember::Topic {
            topic_id: id.into(),
            text: text.into(),
            kind: taiwa_domain::TopicKind::Career,
            wants: taiwa_domain::Wants::Think,
        };
        let messages = [
            topic("a", "評価の基準を知りたい"),
            topic("b", "評価面談の日程"),
            taiwa_vault::FromMember::TopicWithdrawn { topic_id: "b".into() },
            taiwa_vault::FromMember::AskSoon {
                note: Some("評価のことで早めに".into()),
            },
        ];
        for (seq, message) in (0..).zip(messages) {
            assert_eq!(
                vault.take_member_message(p, seq, message).unwrap(),
                taiwa_vault::Taken::Applied
            );
        }
    }
    app.unlock(input(json!({"passphrase": PASS}))).unwrap();

    let page = app.search("評価", Default::default()).unwrap();
    let mut hits: Vec<serde_json::Value> = page
        .hits
        .iter()
        .map(|h| {
            let v = serde_json::to_value(h).unwrap();
            json!([v["kind"], v["state"], v["session_id"], v["person_id"]])
        })
        .collect();
    hits.sort_by_key(|h| h.to_string());
    assert_eq!(
        hits,
        [
            json!(["member_request", "open", null, p]),
            json!(["member_topic", "open", s.id, p]),
            json!(["member_topic", "withdrawn", null, p]),
        ]
    );
    let topics = app
        .search(
            "評価",
            input(json!({"person_id": p, "kind": "member_topic", "offset": 0, "limit": 50})),
        )
        .unwrap();
    assert_eq!(topics.hits.len(), 2);
    assert!(topics.hits.iter().all(|h| h.kind == taiwa_vault::HitKind::MemberTopic));
    let requests = app
        .search(
            "早め",
            input(json!({"person_id": null, "kind": "member_request", "offset": 0, "limit": 50})),
        )
        .unwrap();
    assert_eq!(requests.hits.len(), 1);
}
