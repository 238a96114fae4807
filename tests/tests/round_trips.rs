//! IPC round trips to draw each main screen (docs/BENCHMARKS.md; goal: at most 2). The real app
//! under Xvfb over a vault with people, 1on1s, notes, agenda and action items; the app writes the
//! name of every command it runs to `TAIWA_IPC_LOG`, and each screen's count is what the log
//! gained between the click that opens it and the screen drawn and settled. `touch` (the idle
//! timer's "the manager is active") is not drawing and is left out.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Duration;

use taiwa_domain::Zone;
use taiwa_e2e::{Desktop, ipc_log};
use taiwa_vault::{NewPerson, Passphrase, Vault};

const PASS: &str = "correct horse battery staple";

/// A vault of three people with three held 1on1s each (note, agenda item, action item).
fn vault_with_history(path: &std::path::Path) {
    let zone = Zone::named("Asia/Tokyo").unwrap();
    let (mut vault, _) = Vault::create(path, &Passphrase::new(PASS.into()), zone).unwrap();
    let today = vault.today();
    for (p, name) in ["佐藤 花子", "田中 誠", "Alex Smith"].iter().enumerate() {
        let person = vault
            .add_person(NewPerson {
                name: (*name).into(),
                employee_id: Some(format!("E{p:04}")),
                ..Default::default()
            })
            .unwrap();
        for weeks in [1u64, 3, 5] {
            let day = today - chrono::Days::new(weeks * 7);
            let session = vault
                .plan_session(person.id, day.and_hms_opt(10, 0, 0).unwrap(), 30)
                .unwrap();
            vault
                .set_note(session.id, "評価面談の振り返り。次の目標を相談した。")
                .unwrap();
            vault
                .add_agenda_item(
                    session.id,
                    taiwa_vault::NewAgendaItem {
                        text: "キャリアの希望".into(),
                        kind: taiwa_domain::TopicKind::Career,
                        wants: None,
                    },
                )
                .unwrap();
            vault
                .add_action(
                    person.id,
                    taiwa_vault::NewAction {
                        text: "研修の案内を送る".into(),
                        session_id: Some(session.id),
                        owner: taiwa_domain::Owner::Manager,
                        due_date: None,
                    },
                )
                .unwrap();
            vault.hold_session(session.id, Some(30)).unwrap();
        }
    }
}

/// The commands logged since `from` (a line count), leaving out `touch`.
fn commands_since(log: &std::path::Path, from: usize) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .skip(from)
        .filter(|c| *c != "touch")
        .map(str::to_owned)
        .collect()
}

fn lines(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log).unwrap_or_default().lines().count()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_main_screen_is_drawn_in_at_most_two_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    vault_with_history(&vault);
    let log = ipc_log(&vault);
    let app = Desktop::start(&vault, "en_US.UTF-8").await;
    app.type_into("#passphrase", PASS).await;
    let before = lines(&log);
    app.click("#unlock").await;
    app.wait_text("#met-summary", "of 3").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut counted = vec![("Home, after unlocking (unlock included)", commands_since(&log, before))];

    // Each screen: what opens it, and what shows it is drawn.
    let screens: [(&str, &str, &str, &str); 7] = [
        ("People", "[data-nav=people]", "#people-list", "Alex Smith"),
        ("A person's page", "#people-list button", "#person-title", ""),
        ("A 1on1", "ol.timeline li button", "#session-title", ""),
        ("Search", "[data-nav=search]", "#search-input", ""),
        ("Export", "[data-nav=export]", "#export-person", "佐藤 花子"),
        ("Company server", "[data-nav=sync]", "#sync-server", ""),
        ("Settings", "[data-nav=settings]", "#settings-language", ""),
    ];
    for (name, open, drawn, text) in screens {
        let before = lines(&log);
        app.click(open).await;
        app.wait_text(drawn, text).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        counted.push((name, commands_since(&log, before)));
    }
    // This month again, and a search typed.
    let before = lines(&log);
    app.click("[data-nav=home]").await;
    app.wait_text("#met-summary", "of 3").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    counted.push(("Home", commands_since(&log, before)));
    app.click("[data-nav=search]").await;
    app.find("#search-input").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let before = lines(&log);
    app.type_into("#search-input", "目標").await;
    app.wait_text("#search-results", "目標").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    counted.push(("Search results for a query", commands_since(&log, before)));
    app.stop().await;

    println!("| screen | IPC round trips | commands |\n| --- | ---: | --- |");
    for (name, commands) in &counted {
        println!("| {name} | {} | {} |", commands.len(), commands.join(", "));
    }
    // The log is live: the screens that read the vault were seen reading it.
    for (name, commands) in &counted[..3] {
        assert!(!commands.is_empty(), "{name}: no command logged");
    }
    for (name, commands) in &counted {
        assert!(
            commands.len() <= 2,
            "{name}: {} round trips ({commands:?})",
            commands.len()
        );
    }
}
