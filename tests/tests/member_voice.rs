//! The member's voice end to end: the real desktop app under Xvfb, the real `taiwa-server`, and
//! the real member's page in headless Chromium, all talking through a recording proxy that keeps
//! every byte. The manager pairs a person's page from the app, both screens show the same safety
//! code; a topic typed on the page arrives in the app's Prepare and goes into the agenda; the
//! summary sent from the app is read on the page; a server that swaps the manager's key makes the
//! two screens show different codes; and nothing either of them wrote is in the recording.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../server/tests/common/browser.rs"]
mod browser;

use std::time::{Duration, Instant};

use browser::Browser;
use taiwa_e2e::{Desktop, Server, holds_a_piece_of, recording_proxy, set_value, today_at};

const PASS: &str = "correct horse battery staple";

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Waits until the page's `css` holds `needle`, nudging the page to fetch (as a member coming
/// back to the tab does).
async fn page_shows(page: &Browser, css: &str, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = page
            .client
            .execute(
                "window.dispatchEvent(new Event('focus')); const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
                vec![css.into()],
            )
            .await
            .unwrap();
        if text.as_str().is_some_and(|t| t.contains(needle)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the page's '{css}' never showed '{needle}' (last: {text})"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The app's pairing code for the person on screen.
async fn pairing_code(app: &Desktop) -> String {
    app.click("#member-pair").await;
    app.find("#member-code").await;
    app.find("#member-code-box svg path").await;
    app.text("#member-code").await.trim().to_owned()
}

/// The member uses `code` from the QR code's address, and reads their safety code.
async fn member_pairs(page: &Browser, code: &str) -> String {
    page.goto(&format!("/me/#code={code}")).await;
    page.find("#pair-code").await;
    page.find("section[aria-labelledby=pair-title] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    page.find("#safety-title").await;
    digits(&page.text("section[aria-labelledby=safety-title] .code").await)
}

/// The member says the safety codes match.
async fn member_confirms(page: &Browser) {
    page.find("section[aria-labelledby=safety-title] button.primary")
        .await
        .click()
        .await
        .unwrap();
}

/// The member sends `topic` (a career topic they want to think through together) and sees it
/// was sent.
async fn member_sends_topic(page: &Browser, topic: &str) {
    page.fill("#topic-text", topic).await;
    page.find("#topic-kind").await.select_by_value("career").await.unwrap();
    page.find("#topic-wants").await.select_by_value("think").await.unwrap();
    page.find("section[aria-labelledby=topics-title] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    page_shows(
        page,
        "section[aria-labelledby=topics-title]",
        "話したいことを上司に送りました",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_topic_from_the_page_reaches_prepare_and_the_summary_reaches_the_page_sealed() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _admin, code) = Server::small_company(tmp.path());
    let (proxy, recording) = recording_proxy(server.url().trim_start_matches("http://").to_owned());

    // The manager: a vault, 佐藤 花子 (E1), enrolled through the proxy.
    let vault = tmp.path().join("vault");
    let app = Desktop::start(&vault, "en_US.UTF-8").await;
    app.type_into("#new-passphrase", PASS).await;
    app.type_into("#new-passphrase-again", PASS).await;
    app.click("#create").await;
    app.click("#confirm-written").await;
    app.click("#recovery-continue").await;
    for (name, id) in [("佐藤 花子", "E1"), ("田中 誠", "E2")] {
        app.click("[data-nav=people]").await;
        app.click("#add-person").await;
        app.type_into("#person-name", name).await;
        app.type_into("#person-employee-id", id).await;
        app.click("#person-save").await;
    }
    app.click("[data-nav=sync]").await;
    app.type_into("#sync-server", &proxy).await;
    app.type_into("#sync-code", &code).await;
    app.type_into("#sync-device", "Test laptop").await;
    app.click("#sync-enrol").await;
    app.wait_text("#sync-enrolled", "部長 (M1)").await;

    // Pairing: the code and its QR code in the app; the member's phone pairs with it.
    let open_person = |name: &'static str| {
        let app = &app;
        async move {
            app.click("[data-nav=people]").await;
            let script = "const b = [...document.querySelectorAll('#people-list button')].find((b) => b.textContent.includes(arguments[0])); b.click(); return true;";
            app.find("#people-list button").await;
            app.client.execute(script, vec![name.into()]).await.unwrap();
            app.wait_text("#person-title", name).await;
        }
    };
    open_person("佐藤 花子").await;
    let code = pairing_code(&app).await;
    app.screenshot("member-01-pairing-code").await;
    let page = Browser::start_phone(&proxy, "ja").await;
    let on_page = member_pairs(&page, &code).await;
    page.screenshot("member-e2e-safety-ja-360").await;
    // The app learns the member used the code and shows its own safety code: the same.
    app.wait_text("#member-pairing", "Compare this code").await;
    let in_app = digits(&app.text("#member-safety-code").await);
    assert_eq!(in_app.len(), 16);
    assert_eq!(in_app, on_page, "both screens show one safety code");
    app.screenshot("member-02-safety-code").await;
    app.click("#member-match").await;
    app.wait_text("#member-paired", "Paired since").await;
    member_confirms(&page).await;

    // The member sends a topic for the next 1on1.
    let topic = "来期はデザインの仕事に挑戦したい";
    member_sends_topic(&page, topic).await;

    // The manager plans the 1on1; Prepare fetches and shows the member's topic.
    open_person("佐藤 花子").await;
    set_value(&app, "#plan-at", &today_at(&app, 23, 0).await).await;
    app.click("#plan-session").await;
    app.wait_text("#member-topics", topic).await;
    app.wait_text("#member-topics", "Career").await;
    app.screenshot("member-03-prepare-topic").await;
    app.click("#member-topics [data-take]").await;
    app.wait_text("#agenda", topic).await;
    app.find("#agenda [data-from-member]").await;
    app.wait_text("#member-topics", "On an agenda").await;
    // The agenda item is the manager's from now on; the page hears that it was taken when the
    // app next exchanges (with a sync here, as the weekly one would).
    app.type_into("#action-text", "ポートフォリオをまとめる").await;
    app.click("#action-add").await;
    app.click("#moment-finish").await;
    app.click("#mark-held").await;
    app.wait_text("#session-state", "Held").await;
    app.click("#member-summary").await;
    app.wait_text("#summary-text", topic).await;
    app.click("#send-member-summary").await;
    app.wait_text("#send-member-notice", "Sent").await;
    app.screenshot("member-04-summary-sent").await;

    // The member reads it: the summary with their topic on the agenda and the item (a topic
    // taken and then summarised leaves the member's list of topics still open).
    page_shows(&page, "section[aria-labelledby=summary-title]", topic).await;
    page_shows(&page, "section[aria-labelledby=topics-title]", "まだ送っていません").await;
    page_shows(
        &page,
        "section[aria-labelledby=summary-title]",
        "ポートフォリオをまとめる",
    )
    .await;
    page.screenshot("member-e2e-summary-ja-360").await;

    // A server that swaps the manager's key: it hands 田中's page its own key instead of the
    // manager's, and tells the manager's app the keys it expects (a person in the middle). The
    // two screens show different codes, and the manager ends the pairing.
    open_person("田中 誠").await;
    let code = pairing_code(&app).await;
    let (_, swapped) = taiwa_channel::generate();
    let db = rusqlite::Connection::open(tmp.path().join("server.db")).unwrap();
    let real: String = db
        .query_row(
            "SELECT manager_key FROM pairing_codes WHERE member_id = 'E2' AND used_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    db.execute(
        "UPDATE pairing_codes SET manager_key = ?1 WHERE member_id = 'E2' AND used_at IS NULL",
        [data_encoding::BASE64URL_NOPAD.encode(&swapped.0)],
    )
    .unwrap();
    let second = Browser::start(&proxy, "en").await;
    let on_page = member_pairs(&second, &code).await;
    db.execute("UPDATE pairings SET manager_key = ?1 WHERE member_id = 'E2'", [&real])
        .unwrap();
    app.wait_text("#member-pairing", "Compare this code").await;
    let in_app = digits(&app.text("#member-safety-code").await);
    assert_eq!((in_app.len(), on_page.len()), (16, 16));
    assert_ne!(in_app, on_page, "a swapped key shows different codes");
    app.click("#member-differ").await;
    app.wait_text("#member-notice", "codes differed").await;
    app.wait_text("#member-pairing", "Pair 田中 誠's page").await;
    second.stop().await;

    // Nothing either of them wrote crossed the network in the clear, in any direction.
    let recorded = recording.lock().unwrap().clone();
    assert!(
        recorded.len() > 10_000,
        "the proxy saw the traffic ({} bytes)",
        recorded.len()
    );
    for word in [topic, "ポートフォリオをまとめる"] {
        assert!(
            !holds_a_piece_of(&recorded, word),
            "a piece of '{word}' crossed the network"
        );
    }
    page.stop().await;
    app.stop().await;
    drop(server);
}

/// The words of `text` written in Latin letters (three or more), once `allowed` ("1on1", "QR"),
/// addresses and codes are taken out: English left over in a Japanese screen.
fn english_left(text: &str, allowed: &[&str]) -> Vec<String> {
    let mut rest: String = text
        .split_whitespace()
        .filter(|w| !w.contains("://"))
        .collect::<Vec<_>>()
        .join(" ");
    for word in allowed {
        rest = rest.replace(word, " ");
    }
    // Runs with a digit are codes and times ("31HG-GZF6"), not words; so is a pairing code
    // whose eight characters happen to be letters only ("CAMQ-GSVD", one code in twenty).
    let pairing_code = |run: &str| {
        run.len() == 9
            && run
                .split('-')
                .all(|group| group.len() == 4 && group.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
    };
    rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|run| !run.chars().any(|c| c.is_ascii_digit()) && !pairing_code(run))
        .flat_map(|run| run.split('-'))
        .filter(|w| w.len() >= 3)
        .map(str::to_owned)
        .collect()
}

#[test]
fn english_is_found_and_codes_are_not() {
    let screen = "コード CAMQ-GSVD と 31HG-GZF6 を入力してください（1on1） Pairing code";
    assert_eq!(english_left(screen, &["1on1"]), ["Pairing", "code"]);
}

/// Asserts that `css` on the app's screen shows every one of `expected`, and no English.
async fn reads_in_japanese(app: &Desktop, css: &str, expected: &[&str]) {
    for needle in expected {
        app.wait_text(css, needle).await;
    }
    let text = app.text(css).await;
    let left = english_left(&text, &["1on1", "QR"]);
    assert!(
        left.is_empty(),
        "'{css}' has English left in Japanese: {left:?}\n{text}"
    );
}

/// A Japanese manager walks the member's side of the app: the pairing panel (code and QR code,
/// safety code, paired since), the member's topics in Prepare and taking one into the agenda,
/// searching for it, sending the summary, the member's tick on their item, and the member's
/// request on This month. Each screen reads in Japanese with no English left, and a screenshot of
/// each (at the default size and at the app's smallest window) is kept as `ja-member-*.png`.
#[tokio::test(flavor = "multi_thread")]
async fn a_japanese_manager_walks_the_members_side() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _admin, code) = Server::small_company(tmp.path());
    let vault = tmp.path().join("vault");
    let app = Desktop::start(&vault, "ja_JP.UTF-8").await;
    app.type_into("#new-passphrase", PASS).await;
    app.type_into("#new-passphrase-again", PASS).await;
    app.click("#create").await;
    app.click("#confirm-written").await;
    app.click("#recovery-continue").await;
    app.click("[data-nav=people]").await;
    app.click("#add-person").await;
    app.type_into("#person-name", "佐藤 花子").await;
    app.type_into("#person-employee-id", "E1").await;
    app.click("#person-save").await;
    app.click("[data-nav=sync]").await;
    app.type_into("#sync-server", &server.url()).await;
    app.type_into("#sync-code", &code).await;
    app.type_into("#sync-device", "ノートPC").await;
    app.click("#sync-enrol").await;
    app.wait_text("#sync-enrolled", "部長（M1）").await;
    let open_person = || async {
        app.click("[data-nav=people]").await;
        let script = "const b = [...document.querySelectorAll('#people-list button')].find((b) => b.textContent.includes('佐藤 花子')); b.click(); return true;";
        app.find("#people-list button").await;
        app.client.execute(script, vec![]).await.unwrap();
        app.wait_text("#person-title", "佐藤 花子").await;
    };

    // Not yet paired: what the page is, and the button that makes a code.
    open_person().await;
    reads_in_japanese(&app, "#member-pairing", &["佐藤 花子 さんのページ", "ペアリング"]).await;
    app.screenshot("ja-member-01-unpaired").await;
    let code = pairing_code(&app).await;
    reads_in_japanese(&app, "#member-pairing", &["ペアリングコード", "QRコードを読み取る"]).await;
    app.screenshot("ja-member-02-pairing-code").await;

    let page = Browser::start_phone(&server.url(), "ja").await;
    let on_page = member_pairs(&page, &code).await;
    app.wait_text("#member-pairing", "見比べて").await;
    assert_eq!(digits(&app.text("#member-safety-code").await), on_page);
    reads_in_japanese(&app, "#member-pairing", &["見比べて", "一致している", "一致しない"]).await;
    app.screenshot("ja-member-03-safety-code").await;
    app.click("#member-match").await;
    app.wait_text("#member-paired", "ペアリング中").await;
    reads_in_japanese(&app, "#member-pairing", &["ペアリング中", "ペアリングを解除"]).await;
    app.screenshot("ja-member-04-paired").await;
    member_confirms(&page).await;

    // The member sends a topic and asks for a 1on1 soon.
    let topic = "来期はデザインの仕事に挑戦したい";
    member_sends_topic(&page, topic).await;
    let request = "評価面談の前に相談したいです";
    page.fill("#ask-note", request).await;
    page.find("section[aria-labelledby=ask-title] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    page_shows(
        &page,
        "section[aria-labelledby=ask-title]",
        "上司のアプリに表示されます",
    )
    .await;

    // Prepare: the member's topic with its kind and wants, then taken into the agenda.
    open_person().await;
    set_value(&app, "#plan-at", &today_at(&app, 23, 0).await).await;
    app.click("#plan-session").await;
    app.wait_text("#member-topics", topic).await;
    reads_in_japanese(
        &app,
        "#member-topics",
        &["佐藤 花子 さんからの話したいこと", "キャリア", "アジェンダに追加"],
    )
    .await;
    app.screenshot("ja-member-05-prepare-topic").await;
    app.click("#member-topics [data-take]").await;
    app.wait_text("#agenda", topic).await;
    reads_in_japanese(&app, "#member-topics", &["アジェンダに追加済み"]).await;
    app.screenshot("ja-member-06-topic-taken").await;

    // Search finds the member's topic by one of its words, shown as the member's.
    app.click("[data-nav=search]").await;
    app.type_into("#search-input", "デザイン").await;
    app.wait_text("#search-results [data-kind=member_topic]", "メンバーの話したいこと")
        .await;
    app.wait_text("#search-results [data-kind=member_topic]", "佐藤 花子")
        .await;
    let placeholder = app
        .find("#search-input")
        .await
        .attr("placeholder")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        placeholder.contains("メンバーの話したいこと"),
        "the box says it searches members' topics: {placeholder}"
    );
    reads_in_japanese(&app, "#search-results", &["デザイン"]).await;
    app.screenshot("ja-member-07-search-topic").await;
    app.type_into("#search-input", "評価面談").await;
    app.wait_text("#search-results [data-kind=member_request]", "1on1の希望")
        .await;
    app.screenshot("ja-member-08-search-request").await;

    // The summary sent to the member's page, with an item of theirs.
    app.click("[data-nav=home]").await;
    reads_in_japanese(
        &app,
        "#member-requests",
        &["1on1の希望", "佐藤 花子 さんが", request, "予定を入れる", "対応済み"],
    )
    .await;
    app.screenshot("ja-member-09-home-request").await;
    open_person().await;
    app.click(".timeline button.link").await;
    app.wait_text("#agenda", topic).await;
    app.type_into("#action-text", "ポートフォリオをまとめる").await;
    app.find("form:has(#action-add) select")
        .await
        .select_by_value("member")
        .await
        .unwrap();
    app.click("#action-add").await;
    app.click("#moment-finish").await;
    app.click("#mark-held").await;
    app.wait_text("#session-state", "実施済み").await;
    app.click("#member-summary").await;
    app.wait_text("#summary-text", topic).await;
    reads_in_japanese(&app, "#send-member", &["佐藤 花子 さんのページに送る", "暗号化"]).await;
    app.click("#send-member-summary").await;
    app.wait_text("#send-member-notice", "送り").await;
    app.screenshot("ja-member-10-summary-sent").await;

    // The member ticks their item; the app shows who ticked it.
    page_shows(
        &page,
        "section[aria-labelledby=summary-title]",
        "ポートフォリオをまとめる",
    )
    .await;
    page.find("section[aria-labelledby=summary-title] input[type=checkbox]")
        .await
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.click("[data-nav=sync]").await;
    app.click("#sync-now").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    open_person().await;
    app.click("#done-actions summary").await;
    app.wait_text("#done-actions [data-ticked-by-member]", "佐藤 花子 さんが")
        .await;
    reads_in_japanese(&app, "#done-actions", &["完了にしました", "未完了に戻す"]).await;
    app.screenshot("ja-member-11-ticked-by-member").await;

    // The same screens at the app's smallest window (900×600).
    app.client.set_window_rect(0, 0, 900, 600).await.unwrap();
    app.screenshot("ja-member-12-min-person").await;
    app.click("#member-pair-again").await;
    app.find("#member-code-box svg path").await;
    app.screenshot("ja-member-13-min-pairing-code").await;
    app.click("[data-nav=home]").await;
    app.find("#member-requests").await;
    app.screenshot("ja-member-14-min-home").await;
    app.click("[data-nav=search]").await;
    app.type_into("#search-input", "デザイン").await;
    app.find("#search-results [data-kind=member_topic]").await;
    app.screenshot("ja-member-15-min-search").await;

    // Deleting the person names what they sent from their page too (kept only in this vault).
    open_person().await;
    app.click("#delete-person").await;
    reads_in_japanese(
        &app,
        "#delete-confirm",
        &["話したいこと 1 件と1on1の希望 1 件も削除されます"],
    )
    .await;
    app.screenshot("ja-member-16-min-delete").await;
    app.click("#delete-confirm button:not(.danger)").await;

    page.stop().await;
    app.stop().await;
    drop(server);
}
