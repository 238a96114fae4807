//! The member's page (`/me/`) as members use it: headless Chromium (one profile per member, one of
//! them a 360-pixel phone in Japanese, the other a 1280-pixel desk in English) on the real server,
//! with the manager's app played here in Rust (taiwa-channel seals and opens, as the app does).
//! Each state of the page, in both languages (switched with the page's own buttons), is checked
//! with axe-core and for sideways scrolling at its width, and photographed in
//! artifacts/screenshots/ (`me-<state>-<lang>-<width>.png`) to be looked at. One member uses the
//! page with the keyboard alone (WebDriver key actions; the browser's own accessible names for
//! where the focus is). SQLite only: the API under the page is tested on both databases in
//! member_channel.rs.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::browser::Browser;
use common::{Backend, Server, block_on};
use data_encoding::BASE64URL_NOPAD;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};
use taiwa_channel::{Binding, Direction, PublicKey, Sealed, SecretKey, generate, open, safety_code, seal};
use taiwa_server::db::V;

/// Each test drives one or two Chromiums: one test at a time, so two cores are not shared by six.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn b64(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

fn key_of(text: &str) -> PublicKey {
    PublicKey(BASE64URL_NOPAD.decode(text.as_bytes()).unwrap().try_into().unwrap())
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// axe-core's script, from the page's own dev dependencies (`cd me && npm ci`).
fn axe_source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../me/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} ({e}): run `cd me && npm ci`", path.display()))
}

// --- the manager's app, played in Rust -----------------------------------------------------------

const MANAGER: &str = "E02";

/// E02's app: its device token, its key for each pair, and each direction's next number.
struct Manager<'a> {
    server: &'a Server,
    device: String,
    keys: BTreeMap<String, (SecretKey, PublicKey)>,
    to_member: BTreeMap<String, u64>,
    from_member: BTreeMap<String, u64>,
}

impl<'a> Manager<'a> {
    fn enrol(server: &'a Server) -> Manager<'a> {
        Manager {
            server,
            device: server.enrol(MANAGER),
            keys: BTreeMap::new(),
            to_member: BTreeMap::new(),
            from_member: BTreeMap::new(),
        }
    }

    /// A new key for the pair and a pairing code for the member.
    fn ask_code(&mut self, member: &str) -> String {
        let (secret, public) = generate();
        let reply = self.server.post_json(
            "/api/v1/pairings",
            Some(&self.device),
            &json!({"member_employee_id": member, "manager_key": b64(&public.0)}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        self.keys.insert(member.to_owned(), (secret, public));
        self.to_member.insert(member.to_owned(), 0);
        self.from_member.insert(member.to_owned(), 0);
        reply.json()["code"].as_str().unwrap().to_owned()
    }

    fn public(&self, member: &str) -> &PublicKey {
        &self.keys[member].1
    }

    /// The member's entry in `GET /api/v1/pairings`.
    fn pairing(&self, member: &str) -> Value {
        let all = self.server.get("/api/v1/pairings", Some(&self.device)).json();
        all["pairings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["member_employee_id"] == member)
            .cloned()
            .unwrap_or_else(|| panic!("{member} is not paired: {all}"))
    }

    /// The safety code on the manager's screen: its own key and the member key the server holds.
    fn safety_code(&self, member: &str) -> String {
        let entry = self.pairing(member);
        safety_code(self.public(member), &key_of(entry["member_key"].as_str().unwrap()))
    }

    /// Fetches, opens (in order) and acknowledges everything members sent: (member, message).
    fn receive(&mut self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        loop {
            let inbox = self.server.get("/api/v1/channel/messages", Some(&self.device)).json();
            let mut through = BTreeMap::new();
            for message in inbox["messages"].as_array().unwrap() {
                let member = message["member_employee_id"].as_str().unwrap().to_owned();
                let seq = message["seq"].as_u64().unwrap();
                let next = self.from_member.get_mut(&member).unwrap();
                assert_eq!(seq, *next, "messages from {member} come in order");
                *next += 1;
                let binding = Binding {
                    manager: MANAGER,
                    member: &member,
                    direction: Direction::ToManager,
                    seq,
                };
                let sealed = Sealed {
                    enc: BASE64URL_NOPAD
                        .decode(message["enc"].as_str().unwrap().as_bytes())
                        .unwrap()
                        .try_into()
                        .unwrap(),
                    ciphertext: BASE64URL_NOPAD
                        .decode(message["ciphertext"].as_str().unwrap().as_bytes())
                        .unwrap(),
                };
                let plain = open(&self.keys[&member].0, &binding, &sealed).unwrap();
                out.push((member.clone(), serde_json::from_slice(&plain).unwrap()));
                through.insert(member, seq);
            }
            let acks: Vec<Value> = through
                .iter()
                .map(|(member, seq)| json!({"member_employee_id": member, "through": seq}))
                .collect();
            if !acks.is_empty() {
                let acked = self
                    .server
                    .post_json("/api/v1/channel/acks", Some(&self.device), &json!({ "acks": acks }));
                assert_eq!(acked.status, 200, "{}", acked.body);
            }
            if inbox["more"] != true {
                return out;
            }
        }
    }

    /// What one member sent since the last look: exactly one message, from them.
    fn receive_one(&mut self, member: &str) -> Value {
        let got = self.receive();
        assert_eq!(got.len(), 1, "one message: {got:?}");
        assert_eq!(got[0].0, member);
        got[0].1.clone()
    }

    /// Seals a message to the member under the next number and sends it.
    fn send(&mut self, member: &str, message: &Value) {
        let seq = self.to_member[member];
        let sealed = self.seal_for(member, seq, message);
        let mut body = sealed;
        body["member_employee_id"] = json!(member);
        let sent = self
            .server
            .post_json("/api/v1/channel/messages", Some(&self.device), &body);
        assert_eq!(sent.status, 201, "{}", sent.body);
        self.to_member.insert(member.to_owned(), seq + 1);
    }

    /// `{seq, enc, ciphertext}` of a message sealed to the member's key as the server holds it.
    fn seal_for(&self, member: &str, seq: u64, message: &Value) -> Value {
        let entry = self.pairing(member);
        let to = key_of(entry["member_key"].as_str().unwrap());
        let binding = Binding {
            manager: MANAGER,
            member,
            direction: Direction::ToMember,
            seq,
        };
        let sealed = seal(&to, &binding, message.to_string().as_bytes()).unwrap();
        json!({"seq": seq, "enc": b64(&sealed.enc), "ciphertext": b64(&sealed.ciphertext)})
    }
}

// --- the page ------------------------------------------------------------------------------------

/// Polls a script until it answers `true` (at most 15 s).
async fn wait_until(b: &Browser, what: &str, script: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let ok = b
            .client
            .execute(script, vec![])
            .await
            .map(|v| v.as_bool() == Some(true))
            .unwrap_or(false);
        if ok {
            return;
        }
        if Instant::now() > deadline {
            let body = b.client.execute("return document.body.innerText;", vec![]).await;
            panic!("waited in vain for {what}; the page reads:\n{body:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the element's text contains `needle`.
async fn wait_text(b: &Browser, css: &str, needle: &str) {
    let script = format!(
        "const e = document.querySelector({}); return !!e && e.textContent.includes({});",
        json!(css),
        json!(needle)
    );
    wait_until(b, &format!("'{needle}' in {css}"), &script).await;
}

async fn count(b: &Browser, css: &str) -> usize {
    b.client
        .execute(
            "return document.querySelectorAll(arguments[0]).length;",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap()
        .try_into()
        .unwrap()
}

async fn wait_count(b: &Browser, css: &str, n: usize) {
    let script = format!("return document.querySelectorAll({}).length === {n};", json!(css));
    wait_until(b, &format!("{n} of {css}"), &script).await;
}

async fn click(b: &Browser, css: &str) {
    b.find(css).await.click().await.unwrap();
}

/// What a member returning to the tab does: the page checks for messages (it does on focus).
async fn come_back(b: &Browser) {
    b.client
        .execute("window.dispatchEvent(new Event('focus')); return true;", vec![])
        .await
        .unwrap();
}

async fn accept_confirm(b: &Browser) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.client.accept_alert().await.is_err() {
        assert!(Instant::now() < deadline, "no confirmation was asked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One member's browser: its language and width, for names and for the words it shows.
struct Member<'a> {
    id: &'a str,
    b: &'a Browser,
    lang: &'a str,
    width: u32,
    words: &'a Words,
}

/// What the page says in each language at the steps the test waits for.
struct Words {
    paired_title: &'static str,
    sent: &'static str,
    edited: &'static str,
    withdrawn: &'static str,
    taken: &'static str,
    tick_done: &'static str,
    ask_done: &'static str,
    keeps: &'static str,
    changeable: &'static str,
    rated: &'static str,
    revoked: &'static str,
    differs_done: &'static str,
}

const JA: Words = Words {
    paired_title: "山本 享子さんとの 1on1",
    sent: "話したいことを上司に送りました。",
    edited: "変更を上司に送りました。",
    withdrawn: "話したいことを取り下げました。",
    taken: "上司がアジェンダに取り入れました",
    tick_done: "完了にしました。",
    ask_done: "送りました。上司のアプリに表示されます。",
    keeps: "サーバーに残るのは、あなたの回答（所属組織と月にだけひもづけ）と、それとは別に「この月は回答済み」という記録だけです。",
    changeable: "まで変更できます。",
    rated: "回答済みです。",
    revoked: "この端末のペアリングは解除されています",
    differs_done: "この端末からペアリングを削除しました。確認コードが違っていたことを上司に伝えてください。",
};

const EN: Words = Words {
    paired_title: "1on1 with 山本 享子",
    sent: "Topic sent to your manager.",
    edited: "Changes sent to your manager.",
    withdrawn: "Topic withdrawn.",
    taken: "Taken by your manager",
    tick_done: "Marked done.",
    ask_done: "Sent. Your manager’s app will show your request.",
    keeps: "What the server keeps: your answer, under your organisation and the month; and, apart from it, a mark that this month was rated.",
    changeable: "You can change it until",
    rated: "Rated.",
    revoked: "This browser is no longer paired",
    differs_done: "This browser has deleted the pairing. Tell your manager that the safety codes differed",
};

impl Member<'_> {
    /// Checks the page as it is now, in the member's language and then in the other (switched
    /// with the page's own language buttons, and back): axe-core finds nothing serious or
    /// critical, nothing scrolls sideways, and a screenshot `me-<state>-<lang>-<width>.png`,
    /// scrolled to `section` when one is named.
    async fn look(&self, state: &str, section: Option<&str>, axe: &str) {
        let other = if self.lang == "ja" { "en" } else { "ja" };
        for lang in [self.lang, other] {
            self.language(lang).await;
            let scroll = section.map_or_else(
                || "window.scrollTo(0, 0); return true;".to_owned(),
                |css| {
                    format!(
                        "document.querySelector({}).scrollIntoView({{block: 'start'}}); window.scrollBy(0, -12); return true;",
                        json!(css)
                    )
                },
            );
            self.b.client.execute(&scroll, vec![]).await.unwrap();
            let violations = self.b.axe_serious(axe).await;
            assert!(
                violations.is_empty(),
                "axe-core, {state} ({lang}, {}): {violations:#?}",
                self.width
            );
            assert!(
                self.b.fits_width().await,
                "{state} scrolls sideways at {} ({lang})",
                self.width
            );
            self.b.screenshot(&format!("me-{state}-{lang}-{}", self.width)).await;
        }
        self.language(self.lang).await;
    }

    /// Switches the page's language with its own buttons.
    async fn language(&self, lang: &str) {
        let button = format!("header nav button[lang={lang}]");
        if self
            .b
            .find(&button)
            .await
            .attr("aria-pressed")
            .await
            .unwrap()
            .as_deref()
            == Some("true")
        {
            return;
        }
        click(self.b, &button).await;
        let script = format!("return document.documentElement.lang === '{lang}';");
        wait_until(self.b, "the language", &script).await;
    }

    async fn body(&self) -> String {
        self.b.body().await
    }
}

/// Everything one member writes and is sent, to find it where it belongs and nowhere else.
struct Script {
    topic: &'static str,
    edited: &'static str,
    withdrawn: &'static str,
    kind: &'static str,
    wants: &'static str,
    note: &'static str,
    agenda_done: &'static str,
    agenda_carried: &'static str,
    mine: (u64, &'static str),
    managers: (u64, &'static str),
    clarity: u8,
    talked: &'static str,
}

const YAMADA: Script = Script {
    topic: "来期の目標について相談したいです。資格の勉強も続けたいと考えています。",
    edited: "来期の目標と、資格の勉強の時間の取り方について相談したいです。",
    withdrawn: "席替えの件",
    kind: "career",
    wants: "think",
    note: "今週中に少し話したいです",
    agenda_done: "来期の目標と資格の勉強",
    agenda_carried: "研修の予定",
    mine: (41, "研修の申し込みをする"),
    managers: (42, "研修の予算枠を確認する"),
    clarity: 4,
    talked: "yes",
};

const SATO: Script = Script {
    topic: "Moving to the data team next year: what would it take?",
    edited: "Moving to the data team in April: what would it take?",
    withdrawn: "A desk by the window",
    kind: "feedback",
    wants: "advise",
    note: "Could we talk before Friday?",
    agenda_done: "The data team move",
    agenda_carried: "Training budget",
    mine: (51, "Book the SQL course"),
    managers: (52, "Ask HR about the transfer window"),
    clarity: 3,
    talked: "partly",
};

/// `YYYY-MM-DD` of `days` from today, and how the page writes its month and day.
fn day(days: i64, lang: &str) -> (String, String) {
    use chrono::Datelike;
    let d = chrono::Local::now().date_naive() + chrono::Duration::days(days);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec",
    ];
    let shown = if lang == "ja" {
        format!("{}月{}日", d.month(), d.day())
    } else {
        format!("{} {}", d.day(), MONTHS[usize::try_from(d.month0()).unwrap()])
    };
    (d.format("%Y-%m-%d").to_string(), shown)
}

/// Pairs through the QR code's address and compares the safety code with the manager's.
async fn pair(m: &Member<'_>, manager: &mut Manager<'_>, axe: &str) {
    let code = manager.ask_code(m.id);
    m.b.goto(&format!("/me/#code={code}")).await;
    let field = m.b.find("#pair-code").await;
    wait_until(
        m.b,
        "the code in its field",
        "return document.querySelector('#pair-code').value !== '';",
    )
    .await;
    assert_eq!(
        field.prop("value").await.unwrap().unwrap(),
        code,
        "the code is filled in"
    );
    let url = m.b.client.current_url().await.unwrap();
    assert_eq!(url.fragment(), None, "the code is cleared from the address: {url}");
    m.look("pairing", None, axe).await;

    click(m.b, "section[aria-labelledby=pair-title] button[type=submit]").await;
    m.b.find("#safety-title").await;
    let shown = digits(&m.b.text("section[aria-labelledby=safety-title] .code").await);
    let entry = manager.pairing(m.id);
    assert_eq!(entry["state"], "paired");
    let from_server = safety_code(
        &key_of(entry["manager_key"].as_str().unwrap()),
        &key_of(entry["member_key"].as_str().unwrap()),
    );
    assert_eq!(shown.len(), 16);
    assert_eq!(shown, digits(&from_server), "the page's code is the server's keys'");
    assert_eq!(shown, digits(&manager.safety_code(m.id)), "both screens show one code");
    m.look("safety", None, axe).await;

    click(m.b, "section[aria-labelledby=safety-title] button.primary").await;
    wait_text(m.b, ".who h1", m.words.paired_title).await;
}

/// Topics: add two, edit one, withdraw the other; the manager reads each.
async fn topics(m: &Member<'_>, s: &Script, manager: &mut Manager<'_>, axe: &str) -> String {
    let list = "section[aria-labelledby=topics-title] ul.topics > li";
    let status = "section[aria-labelledby=topics-title] form p[role=status]";
    let submit = "section[aria-labelledby=topics-title] button[type=submit]";

    m.b.fill("#topic-text", s.topic).await;
    m.b.find("#topic-kind").await.select_by_value(s.kind).await.unwrap();
    m.b.find("#topic-wants").await.select_by_value(s.wants).await.unwrap();
    click(m.b, submit).await;
    wait_count(m.b, list, 1).await;
    wait_text(m.b, status, m.words.sent).await;
    let got = manager.receive_one(m.id);
    assert_eq!(got["type"], "topic");
    assert_eq!(
        (got["text"].as_str().unwrap(), &got["kind"], &got["wants"]),
        (s.topic, &json!(s.kind), &json!(s.wants))
    );
    let id = got["id"].as_str().unwrap().to_owned();

    m.b.fill("#topic-text", s.withdrawn).await;
    click(m.b, submit).await;
    wait_count(m.b, list, 2).await;
    let second = manager.receive_one(m.id);
    assert_eq!(second["text"], s.withdrawn);
    assert_ne!(second["id"], json!(id));
    m.look("home", Some("section[aria-labelledby=topics-title] h3"), axe)
        .await;

    // The first is edited: the same topic, new words.
    click(m.b, &format!("{list}:nth-child(1) .row button:nth-child(1)")).await;
    wait_until(
        m.b,
        "the topic in the field",
        &format!(
            "return document.querySelector('#topic-text').value === {};",
            json!(s.topic)
        ),
    )
    .await;
    m.b.fill("#topic-text", s.edited).await;
    click(m.b, submit).await;
    wait_text(m.b, status, m.words.edited).await;
    wait_text(m.b, &format!("{list}:nth-child(1)"), s.edited).await;
    let edit = manager.receive_one(m.id);
    assert_eq!(
        (&edit["type"], &edit["id"], edit["text"].as_str().unwrap()),
        (&json!("topic"), &json!(id), s.edited)
    );
    assert_eq!((&edit["kind"], &edit["wants"]), (&json!(s.kind), &json!(s.wants)));

    // The second is withdrawn, after the page asks.
    click(m.b, &format!("{list}:nth-child(2) .row button:nth-child(2)")).await;
    accept_confirm(m.b).await;
    wait_count(m.b, list, 1).await;
    wait_text(m.b, status, m.words.withdrawn).await;
    let gone = manager.receive_one(m.id);
    assert_eq!(gone, json!({"type": "topic_withdrawn", "id": second["id"]}));
    id
}

/// The manager takes the topic and sends the summary; the member reads it and ticks their item.
async fn summary(m: &Member<'_>, s: &Script, topic: &str, manager: &mut Manager<'_>, axe: &str) {
    let list = "section[aria-labelledby=topics-title] ul.topics > li";
    manager.send(m.id, &json!({"type": "topic_taken", "id": topic}));
    come_back(m.b).await;
    wait_text(m.b, list, m.words.taken).await;
    assert_eq!(
        count(m.b, &format!("{list} button")).await,
        0,
        "a taken topic is not editable"
    );
    assert!(m.b.text(list).await.contains(s.edited));

    let (held, held_shown) = day(-2, m.lang);
    let (due, due_shown) = day(12, m.lang);
    let (due2, due2_shown) = day(5, m.lang);
    manager.send(
        m.id,
        &json!({"type": "summary", "summary": {
            "held_on": held,
            "agenda": [{"text": s.agenda_done, "done": true}, {"text": s.agenda_carried, "done": false}],
            "items": [
                {"item": s.mine.0, "text": s.mine.1, "owner": "member", "due": due, "done": false},
                {"item": s.managers.0, "text": s.managers.1, "owner": "manager", "due": due2, "done": false},
            ],
        }}),
    );
    come_back(m.b).await;
    let section = "section[aria-labelledby=summary-title]";
    wait_text(m.b, section, s.agenda_done).await;
    let text = m.b.text(section).await;
    for needle in [
        held_shown.as_str(),
        s.agenda_carried,
        s.mine.1,
        s.managers.1,
        &due_shown,
        &due2_shown,
    ] {
        assert!(text.contains(needle), "'{needle}' in the summary: {text}");
    }
    m.look("summary", Some(section), axe).await;

    click(m.b, &format!("{section} input[type=checkbox]")).await;
    wait_text(m.b, &format!("{section} > p[role=status]"), m.words.tick_done).await;
    assert_eq!(
        manager.receive_one(m.id),
        json!({"type": "item_done", "item": s.mine.0, "done": true})
    );
}

async fn ask_soon(m: &Member<'_>, s: &Script, manager: &mut Manager<'_>) {
    m.b.fill("#ask-note", s.note).await;
    click(m.b, "section[aria-labelledby=ask-title] button[type=submit]").await;
    wait_text(
        m.b,
        "section[aria-labelledby=ask-title] p[role=status]",
        m.words.ask_done,
    )
    .await;
    assert_eq!(manager.receive_one(m.id), json!({"type": "ask_soon", "note": s.note}));
}

/// Rates this month (the first month shown) and waits for the page's "changeable until" line
/// (already there when a rating is changed: the caller then reads the database).
async fn rate(m: &Member<'_>, clarity: u8, talked: &str) {
    let month = "section[aria-labelledby=rating-title] article:nth-of-type(1)";
    click(m.b, &format!("{month} input[name$=clarity][value='{clarity}']")).await;
    click(m.b, &format!("{month} input[name$=talked][value='{talked}']")).await;
    let status = format!("{month} > p[role=status]");
    click(m.b, &format!("{month} button[type=submit]")).await;
    wait_text(m.b, &status, m.words.changeable).await;
}

fn ratings(server: &Server) -> Vec<(Option<i64>, Option<String>, String)> {
    server
        .pool()
        .with(|c| {
            c.query(
                "SELECT clarity, talked, token_hash FROM ratings ORDER BY token_hash",
                &[],
            )
        })
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.opt_int("clarity").unwrap(),
                r.opt_text("talked").unwrap(),
                r.text("token_hash").unwrap(),
            )
        })
        .collect()
}

fn marks(server: &Server) -> Vec<(String, String)> {
    server
        .pool()
        .with(|c| c.query("SELECT manager_id, member_id FROM rating_marks ORDER BY member_id", &[]))
        .unwrap()
        .iter()
        .map(|r| (r.text("manager_id").unwrap(), r.text("member_id").unwrap()))
        .collect()
}

/// Every resource the page loaded came from the server it was served by.
async fn only_own_origin(b: &Browser) {
    let names = b
        .client
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)
               .concat(performance.getEntriesByType('navigation').map(e => e.name));",
            vec![],
        )
        .await
        .unwrap();
    let names: Vec<&str> = names.as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(names.iter().any(|n| n.ends_with(".js")), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with(".css")), "{names:?}");
    for name in names {
        assert!(name.starts_with(&format!("{}/", b.base)), "{name} is from elsewhere");
    }
}

#[test]
fn two_members_pair_send_topics_read_summaries_and_rate_from_their_own_browsers() {
    let _one = one_at_a_time();
    let server = Server::start(Backend::Sqlite);
    let mut manager = Manager::enrol(&server);
    let axe = axe_source();
    block_on(async {
        let phone = Browser::start_phone(&server.base, "ja").await;
        let desk = Browser::start(&server.base, "en").await;
        let yamada = Member {
            id: "E04",
            b: &phone,
            lang: "ja",
            width: 360,
            words: &JA,
        };
        let sato = Member {
            id: "E05",
            b: &desk,
            lang: "en",
            width: 1280,
            words: &EN,
        };

        for (m, s) in [(&yamada, &YAMADA), (&sato, &SATO)] {
            pair(m, &mut manager, &axe).await;
            let topic = topics(m, s, &mut manager, &axe).await;
            summary(m, s, &topic, &mut manager, &axe).await;
            ask_soon(m, s, &mut manager).await;

            // Before rating, the page says what the server keeps.
            let section = "section[aria-labelledby=rating-title]";
            assert!(m.b.text(section).await.contains(m.words.keeps));
            let before = ratings(&server).len();
            rate(m, s.clarity, s.talked).await;
            m.look("rating", Some(&format!("{section} article")), &axe).await;
            let after = ratings(&server);
            assert_eq!(after.len(), before + 1);
            if m.id == "E04" {
                assert_eq!(after[0].0, Some(4));
                assert_eq!(marks(&server), [(MANAGER.to_owned(), "E04".to_owned())]);
            }
            assert!(marks(&server).contains(&(MANAGER.to_owned(), m.id.to_owned())));
            assert!(
                after
                    .iter()
                    .any(|r| r.0 == Some(i64::from(s.clarity)) && r.1.as_deref() == Some(s.talked))
            );
        }

        // One rating and one mark each; E04 changes theirs to 5: the same row changes.
        let given = ratings(&server);
        assert_eq!(given.len(), 2);
        assert_eq!(
            marks(&server),
            [
                (MANAGER.to_owned(), "E04".to_owned()),
                (MANAGER.to_owned(), "E05".to_owned())
            ]
        );
        let yamadas = given.iter().find(|r| r.0 == Some(4)).unwrap().2.clone();
        rate(&yamada, 5, "yes").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ratings(&server).iter().any(|r| r.0 == Some(5)) {
            assert!(Instant::now() < deadline, "the change did not arrive");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let changed = ratings(&server);
        assert_eq!(changed.len(), 2);
        assert!(
            changed.contains(&(Some(5), Some("yes".to_owned()), yamadas)),
            "{changed:?}"
        );
        assert_eq!(marks(&server).len(), 2);

        // Each page shows its own member's things and none of the other's.
        let words = |s: &Script| {
            [
                s.edited,
                s.withdrawn,
                s.note,
                s.agenda_done,
                s.agenda_carried,
                s.mine.1,
                s.managers.1,
            ]
        };
        for (m, own, other) in [(&yamada, &YAMADA, &SATO), (&sato, &SATO, &YAMADA)] {
            let body = m.body().await;
            assert!(body.contains(m.words.paired_title));
            for w in [own.agenda_done, own.mine.1, own.managers.1] {
                assert!(body.contains(w), "{} sees their own '{w}'", m.id);
            }
            for w in words(other).into_iter().chain([other.topic]) {
                assert!(!body.contains(w), "{} sees the other member's '{w}'", m.id);
            }
        }

        // A reload keeps the pairing and what was received.
        phone.goto("/me/").await;
        wait_text(&phone, ".who h1", JA.paired_title).await;
        let section = "section[aria-labelledby=summary-title]";
        wait_text(&phone, section, YAMADA.agenda_done).await;
        assert_eq!(
            phone
                .find(&format!("{section} input[type=checkbox]"))
                .await
                .prop("checked")
                .await
                .unwrap()
                .as_deref(),
            Some("true"),
            "the item ticked stays ticked"
        );
        let rating = phone
            .text("section[aria-labelledby=rating-title] article:nth-of-type(1)")
            .await;
        assert!(rating.contains(JA.rated) && rating.contains(JA.changeable), "{rating}");
        assert!(!phone.body().await.contains(SATO.agenda_done));

        // The manager unpairs E05: their page says so on its next check, and offers to pair again.
        let unpaired = server.request("DELETE", "/api/v1/pairings/E05", Some(&manager.device), None, None);
        assert_eq!(unpaired.status, 204);
        come_back(&desk).await;
        wait_text(&desk, "#revoked-title", EN.revoked).await;
        desk.find("#pair-code").await;
        let body = desk.body().await;
        for w in words(&SATO) {
            assert!(!body.contains(w), "'{w}' left on an unpaired page");
        }
        sato.look("revoked", None, &axe).await;
        // After a reload, the pairing screen still (nothing of the pairing was kept).
        desk.goto("/me/").await;
        desk.find("#pair-code").await;
        assert!(!desk.exists(".who").await);

        only_own_origin(&phone).await;
        only_own_origin(&desk).await;
        phone.stop().await;
        desk.stop().await;
    });
}

#[test]
fn a_server_that_swaps_the_managers_key_shows_a_different_code_and_the_member_says_so() {
    let _one = one_at_a_time();
    let server = Server::start(Backend::Sqlite);
    let mut manager = Manager::enrol(&server);
    let axe = axe_source();
    let code = manager.ask_code("E04");
    // The server puts its own key where the manager's was, before the member uses the code.
    let (_, swapped) = generate();
    let rewritten = server
        .pool()
        .write(|c| {
            c.execute(
                "UPDATE pairing_codes SET manager_key = $1 WHERE manager_id = $2 AND member_id = $3",
                &[V::from(b64(&swapped.0).as_str()), V::from(MANAGER), V::from("E04")],
            )
        })
        .unwrap();
    assert_eq!(rewritten, 1);
    block_on(async {
        let phone = Browser::start_phone(&server.base, "ja").await;
        let m = Member {
            id: "E04",
            b: &phone,
            lang: "ja",
            width: 360,
            words: &JA,
        };
        phone.goto(&format!("/me/#code={code}")).await;
        wait_until(
            &phone,
            "the code in its field",
            "return document.querySelector('#pair-code')?.value !== '';",
        )
        .await;
        click(&phone, "section[aria-labelledby=pair-title] button[type=submit]").await;
        phone.find("#safety-title").await;
        let on_page = digits(&phone.text("section[aria-labelledby=safety-title] .code").await);
        let member_key = key_of(manager.pairing("E04")["member_key"].as_str().unwrap());
        assert_eq!(
            on_page,
            digits(&safety_code(&swapped, &member_key)),
            "the page shows the swapped key's code"
        );
        assert_ne!(
            on_page,
            digits(&manager.safety_code("E04")),
            "and the manager's screen another"
        );

        click(
            &phone,
            "section[aria-labelledby=safety-title] .row button:not(.primary)",
        )
        .await;
        wait_text(&phone, "main p.error[role=alert]", JA.differs_done).await;
        phone.find("#pair-code").await;
        m.look("differs", None, &axe).await;
        // Forgotten: nothing of the pairing is left in the browser, and a reload offers pairing.
        let kept = phone
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const r = indexedDB.open('taiwa-me');
                 r.onsuccess = () => {
                   const tx = r.result.transaction(['keys', 'pairing', 'model'], 'readonly');
                   const counts = ['keys', 'pairing', 'model'].map(s => tx.objectStore(s).count());
                   tx.oncomplete = () => done(counts.map(c => c.result));
                 };
                 r.onerror = () => done(null);",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(kept, json!([0, 0, 0]));
        phone.goto("/me/").await;
        phone.find("#pair-code").await;
        assert!(!phone.exists(".who").await);
        phone.stop().await;
    });
}

#[test]
fn replayed_changed_and_missing_messages_are_refused_and_counted_calmly() {
    let _one = one_at_a_time();
    let server = Server::start(Backend::Sqlite);
    let mut manager = Manager::enrol(&server);
    let axe = axe_source();
    let summary_of = |text: &str| {
        json!({"type": "summary", "summary": {"held_on": day(-1, "en").0,
            "agenda": [{"text": text, "done": true}], "items": []}})
    };
    let relay = |seq: i64| {
        server
            .pool()
            .with(|c| {
                c.query(
                    "SELECT enc, ciphertext, arrived_day FROM relay WHERE direction = 1 AND seq = $1",
                    &[V::Int(seq)],
                )
            })
            .unwrap()
    };
    // What a malicious server can do: put any row in the relay.
    let insert = |seq: i64, enc: &str, ciphertext: &str, arrived: i64| {
        server
            .pool()
            .write(|c| {
                c.execute(
                    "INSERT INTO relay (manager_id, member_id, direction, seq, enc, ciphertext, arrived_day)
                     VALUES ($1, $2, 1, $3, $4, $5, $6)",
                    &[
                        V::from(MANAGER),
                        V::from("E04"),
                        V::Int(seq),
                        V::from(enc),
                        V::from(ciphertext),
                        V::Int(arrived),
                    ],
                )
            })
            .unwrap();
    };
    block_on(async {
        let desk = Browser::start(&server.base, "en").await;
        let m = Member {
            id: "E04",
            b: &desk,
            lang: "en",
            width: 1280,
            words: &EN,
        };
        pair(&m, &mut manager, &axe).await;
        manager.send("E04", &summary_of("Quarterly goals, as agreed"));
        let first = relay(0);
        let (enc, ciphertext, arrived) = (
            first[0].text("enc").unwrap(),
            first[0].text("ciphertext").unwrap(),
            first[0].int("arrived_day").unwrap(),
        );
        come_back(&desk).await;
        wait_text(
            &desk,
            "section[aria-labelledby=summary-title]",
            "Quarterly goals, as agreed",
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !relay(0).is_empty() {
            assert!(Instant::now() < deadline, "the page did not acknowledge");
            std::thread::sleep(Duration::from_millis(50));
        }

        // 0 again (a replay), 1 changed in transit, and 3 before 2 (a gap).
        insert(0, &enc, &ciphertext, arrived);
        let changed = manager.seal_for("E04", 1, &summary_of("Changed words never shown"));
        let mut bytes = BASE64URL_NOPAD
            .decode(changed["ciphertext"].as_str().unwrap().as_bytes())
            .unwrap();
        bytes[10] ^= 0x01;
        insert(1, changed["enc"].as_str().unwrap(), &b64(&bytes), arrived);
        let later = manager.seal_for("E04", 3, &summary_of("Held back until 2 comes"));
        insert(
            3,
            later["enc"].as_str().unwrap(),
            later["ciphertext"].as_str().unwrap(),
            arrived,
        );
        come_back(&desk).await;
        wait_text(
            &desk,
            "details.refused summary",
            "3 message(s) from your manager were not taken",
        )
        .await;
        let body = desk.body().await;
        assert_eq!(body.matches("Quarterly goals, as agreed").count(), 1, "{body}");
        assert!(!body.contains("Changed words never shown"));
        assert!(!body.contains("Held back until 2 comes"));
        assert_eq!(
            count(&desk, "[role=alert]").await,
            0,
            "a refusal is a calm line, not an alarm"
        );
        click(&desk, "details.refused summary").await;
        let detail = desk.text("details.refused").await;
        for line in [
            "Already received before: 1",
            "Waiting for an earlier message: 1",
            "Changed on the way, or not for this pairing: 1",
        ] {
            assert!(detail.contains(line), "{detail}");
        }
        m.look("refused", Some("details.refused"), &axe).await;

        // The missing 2 arrives: 2 and 3 are taken, the gap is no longer counted.
        let missing = manager.seal_for("E04", 2, &summary_of("The second summary"));
        insert(
            2,
            missing["enc"].as_str().unwrap(),
            missing["ciphertext"].as_str().unwrap(),
            arrived,
        );
        come_back(&desk).await;
        wait_text(
            &desk,
            "section[aria-labelledby=summary-title]",
            "Held back until 2 comes",
        )
        .await;
        wait_text(
            &desk,
            "details.refused summary",
            "2 message(s) from your manager were not taken",
        )
        .await;
        assert!(!desk.body().await.contains("Changed words never shown"));
        desk.stop().await;
    });
}

// --- the keyboard alone ---------------------------------------------------------------------------

/// One key pressed and released, sent to whatever has the focus (WebDriver's key actions: what a
/// keyboard does, never a click or a script's `focus()`); `shift` held around it when asked.
async fn press(b: &Browser, key: Key, shift: bool) {
    let k = char::from(key);
    let mut actions = KeyActions::new("keyboard".into());
    if shift {
        actions = actions.then(KeyAction::Down {
            value: char::from(Key::Shift),
        });
    }
    actions = actions
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k });
    if shift {
        actions = actions.then(KeyAction::Up {
            value: char::from(Key::Shift),
        });
    }
    b.client.perform_actions(actions).await.unwrap();
}

/// Types text key by key into whatever has the focus.
async fn type_keys(b: &Browser, text: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    for c in text.chars() {
        actions = actions
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    b.client.perform_actions(actions).await.unwrap();
}

/// chromedriver's "Get Computed Label" (or role): the accessible name (or role) the browser
/// itself gives an element, as a screen reader would announce it.
#[derive(Debug)]
struct Computed {
    element: String,
    what: &'static str,
}

impl WebDriverCompatibleCommand for Computed {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/element/{}/{}",
            session_id.unwrap_or_default(),
            self.element,
            self.what
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::GET, None)
    }
}

/// The element with the keyboard's focus: its role and accessible name (the browser's own), and
/// whether a user sees where the focus is.
#[derive(Debug)]
struct Focus {
    role: String,
    name: String,
    /// The element's value (a field's text, a select's or a radio's value) and whether it is checked.
    value: String,
    checked: bool,
    /// Matches `:focus-visible`, draws an outline of at least 2 px (on itself or, for a radio,
    /// on its label), and lies within the viewport (to a pixel).
    seen: bool,
    describe: String,
}

async fn focus(b: &Browser) -> Focus {
    let facts = b
        .client
        .execute(
            "const e = document.activeElement;
             if (!e || e === document.body || e === document.documentElement) return null;
             const ring = el => { const s = getComputedStyle(el);
               return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && s.outlineColor !== 'rgba(0, 0, 0, 0)'; };
             // Scrolling moves whole pixels and layout does not: a control scrolled to the edge
             // may lie a fraction of a pixel past it.
             const r = e.getBoundingClientRect();
             const label = e.closest('label');
             return {
               value: 'value' in e ? String(e.value) : '', checked: !!e.checked,
               seen: e.matches(':focus-visible') && (ring(e) || (!!label && ring(label)))
                 && r.width > 0 && r.height > 0 && r.top > -1 && r.left > -1
                 && r.bottom < innerHeight + 1 && r.right < innerWidth + 1,
               describe: `${e.outerHTML.slice(0, 160)} (focus-visible ${e.matches(':focus-visible')}, ring ${ring(e)}, `
                 + `at ${r.top}–${r.bottom} of ${innerHeight}, ${r.left}–${r.right} of ${innerWidth})`,
             };",
            vec![],
        )
        .await
        .unwrap();
    assert!(!facts.is_null(), "the focus is on nothing (the page's body)");
    let element = b.client.active_element().await.unwrap().element_id().to_string();
    let computed = |what: &'static str| {
        let element = element.clone();
        async move {
            let v = b.client.issue_cmd(Computed { element, what }).await.unwrap();
            v.as_str()
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    Focus {
        role: computed("computedrole").await,
        name: computed("computedlabel").await,
        value: facts["value"].as_str().unwrap().to_owned(),
        checked: facts["checked"].as_bool().unwrap(),
        seen: facts["seen"].as_bool().unwrap(),
        describe: facts["describe"].as_str().unwrap().to_owned(),
    }
}

/// The focus is on the control with this role and accessible name, and a user sees it there.
async fn focused(b: &Browser, role: &str, name: &str) -> Focus {
    let f = focus(b).await;
    assert_eq!((f.role.as_str(), f.name.as_str()), (role, name), "the focus: {f:?}");
    assert!(f.seen, "the focus on {role} '{name}' cannot be seen: {}", f.describe);
    f
}

/// Tab (or Shift+Tab) once, then where the focus must be.
async fn tab(b: &Browser, role: &str, name: &str) -> Focus {
    press(b, Key::Tab, false).await;
    focused(b, role, name).await
}

async fn back_tab(b: &Browser, role: &str, name: &str) -> Focus {
    press(b, Key::Tab, true).await;
    focused(b, role, name).await
}

/// Marks a live region before an action, to check afterwards that the words arrived in that
/// same element (a region added with its words is not announced).
async fn mark_live(b: &Browser, css: &str) {
    let marked = b
        .client
        .execute(
            "const e = document.querySelector(arguments[0]);
             if (!e || !(e.getAttribute('role') === 'status' || e.getAttribute('aria-live'))) return false;
             e.dataset.liveBefore = '1'; return true;",
            vec![json!(css)],
        )
        .await
        .unwrap();
    assert_eq!(
        marked,
        json!(true),
        "{css} is a live region before anything is said in it"
    );
}

async fn announced(b: &Browser, css: &str, words: &str) {
    wait_text(b, css, words).await;
    let same = b
        .client
        .execute(
            "return document.querySelector(arguments[0]).dataset.liveBefore === '1';",
            vec![json!(css)],
        )
        .await
        .unwrap();
    assert_eq!(
        same,
        json!(true),
        "'{words}' was said in the live region that was there before"
    );
}

/// Pairing, a topic with its kind and "wants" (edited, and a second one withdrawn), an action item
/// of a received summary ticked, and the month's rating with Tab, Shift+Tab, Enter, Space, the
/// arrow keys and typing only: after every key the focus is on the control expected
/// (by the browser's accessible name and role) and a user sees it there; each result is said in
/// the live region that was waiting for it; Tab reaches every control and leaves the page, and
/// Shift+Tab walks the same way back.
#[test]
fn a_member_pairs_adds_a_topic_and_rates_with_the_keyboard_alone() {
    let _one = one_at_a_time();
    let server = Server::start(Backend::Sqlite);
    let mut manager = Manager::enrol(&server);
    let code = manager.ask_code("E05");
    let text = "Moving to the data team: what would it take?";
    block_on(async {
        let b = Browser::start(&server.base, "en").await;
        b.goto("/me/").await;
        b.find("#pair-code").await;

        // Pairing: the language buttons, the code typed, the button; the safety code's heading
        // takes the focus, and the confirmation is the next stop.
        tab(&b, "button", "日本語").await;
        tab(&b, "button", "English").await;
        tab(&b, "textbox", "Pairing code from your manager").await;
        type_keys(&b, &code).await;
        tab(&b, "button", "Pair").await;
        press(&b, Key::Enter, false).await;
        b.find("#safety-title").await;
        wait_until(
            &b,
            "the heading focused",
            "return document.activeElement?.id === 'safety-title';",
        )
        .await;
        focused(&b, "heading", "Compare the safety code").await;
        let shown = digits(&b.text("section[aria-labelledby=safety-title] .code").await);
        assert_eq!(shown, digits(&manager.safety_code("E05")), "both screens show one code");
        tab(&b, "button", "The codes are the same").await;
        press(&b, Key::Enter, false).await;
        wait_text(&b, ".who h1", EN.paired_title).await;
        // The confirmation's button is gone with its screen: the new screen's heading takes the
        // focus (not the page's body), so a screen reader says where the member now is.
        wait_until(
            &b,
            "the paired heading focused",
            "return document.activeElement === document.querySelector('.who h1');",
        )
        .await;
        focused(&b, "heading", EN.paired_title).await;

        // A topic: typed, its kind and what the member wants chosen with the arrow keys, checked
        // going back with Shift+Tab, sent with Enter. From the heading, the next Tab is the topic field.
        tab(&b, "textbox", "What would you like to talk about?").await;
        type_keys(&b, text).await;
        assert_eq!(focus(&b).await.value, text);
        let kind = tab(&b, "combobox", "Kind of topic").await;
        assert_eq!(kind.value, "work");
        press(&b, Key::Down, false).await;
        assert_eq!(focused(&b, "combobox", "Kind of topic").await.value, "career");
        tab(&b, "combobox", "What you want from your manager").await;
        for _ in 0..3 {
            press(&b, Key::Down, false).await;
        }
        assert_eq!(
            focused(&b, "combobox", "What you want from your manager").await.value,
            "think"
        );
        tab(&b, "button", "Send topic").await;
        back_tab(&b, "combobox", "What you want from your manager").await;
        assert_eq!(back_tab(&b, "combobox", "Kind of topic").await.value, "career");
        tab(&b, "combobox", "What you want from your manager").await;
        tab(&b, "button", "Send topic").await;
        let topic_status = "section[aria-labelledby=topics-title] form p[role=status]";
        mark_live(&b, topic_status).await;
        press(&b, Key::Enter, false).await;
        announced(&b, topic_status, EN.sent).await;
        focused(&b, "button", "Send topic").await;
        let got = manager.receive_one("E05");
        assert_eq!(
            (
                got["type"].as_str(),
                got["text"].as_str(),
                got["kind"].as_str(),
                got["wants"].as_str()
            ),
            (Some("topic"), Some(text), Some("career"), Some("think"))
        );
        let first = got["id"].as_str().unwrap().to_owned();

        // Edited: Enter on Edit brings the topic into the field with the focus; the changes go from
        // the same button, which keeps the focus while it is busy and after.
        tab(&b, "button", "Edit").await;
        press(&b, Key::Enter, false).await;
        assert_eq!(focused(&b, "textbox", "Edit topic").await.value, text);
        type_keys(&b, " In April?").await;
        tab(&b, "combobox", "Kind of topic").await;
        tab(&b, "combobox", "What you want from your manager").await;
        tab(&b, "button", "Send changes").await;
        mark_live(&b, topic_status).await;
        press(&b, Key::Enter, false).await;
        announced(&b, topic_status, EN.edited).await;
        focused(&b, "button", "Send topic").await;
        let edited = format!("{text} In April?");
        let edit = manager.receive_one("E05");
        assert_eq!(
            (edit["type"].as_str(), edit["id"].as_str(), edit["text"].as_str()),
            (Some("topic"), Some(first.as_str()), Some(edited.as_str()))
        );

        // A second topic, back in the field with Shift+Tab, and withdrawn: its Withdraw button goes
        // with it, and the focus goes to the Withdraw button left in its place (the first topic's),
        // never to the page's body. (The browser's own confirmation is accepted through WebDriver.)
        let second_text = "A desk by the window";
        back_tab(&b, "combobox", "What you want from your manager").await;
        back_tab(&b, "combobox", "Kind of topic").await;
        back_tab(&b, "textbox", "What would you like to talk about?").await;
        type_keys(&b, second_text).await;
        tab(&b, "combobox", "Kind of topic").await;
        tab(&b, "combobox", "What you want from your manager").await;
        tab(&b, "button", "Send topic").await;
        mark_live(&b, topic_status).await;
        press(&b, Key::Enter, false).await;
        announced(&b, topic_status, EN.sent).await;
        let list = "section[aria-labelledby=topics-title] ul.topics > li";
        wait_count(&b, list, 2).await;
        let second = manager.receive_one("E05");
        assert_eq!(second["text"].as_str(), Some(second_text));
        tab(&b, "button", "Edit").await;
        tab(&b, "button", "Withdraw").await;
        tab(&b, "button", "Edit").await;
        tab(&b, "button", "Withdraw").await;
        mark_live(&b, topic_status).await;
        // Enter opens the browser's confirmation, which may end the key action before its release.
        let enter = char::from(Key::Enter);
        let _ = b
            .client
            .perform_actions(
                KeyActions::new("keyboard".into())
                    .then(KeyAction::Down { value: enter })
                    .then(KeyAction::Up { value: enter }),
            )
            .await;
        accept_confirm(&b).await;
        let _ = b.client.release_actions().await;
        wait_count(&b, list, 1).await;
        announced(&b, topic_status, EN.withdrawn).await;
        wait_until(
            &b,
            "the focus on the first topic's Withdraw",
            &format!(
                "return document.activeElement === document.querySelector({});",
                json!(format!("{list}:nth-child(1) button.withdraw"))
            ),
        )
        .await;
        focused(&b, "button", "Withdraw").await;
        assert_eq!(
            manager.receive_one("E05"),
            json!({"type": "topic_withdrawn", "id": second["id"]})
        );
        assert!(b.text(list).await.contains(&edited));

        // A summary arrives with the member's action item; Space ticks it, the box keeps the
        // focus, and the manager receives the tick.
        let (held, _) = day(-2, "en");
        let (due, _) = day(7, "en");
        manager.send(
            "E05",
            &json!({"type": "summary", "summary": {
                "held_on": held,
                "agenda": [{"text": "The data team move", "done": true}],
                "items": [
                    {"item": 51, "text": "Book the SQL course", "owner": "member", "due": due, "done": false},
                    {"item": 52, "text": "Ask HR about the transfer window", "owner": "manager", "due": null, "done": false},
                ],
            }}),
        );
        come_back(&b).await;
        let summary_section = "section[aria-labelledby=summary-title]";
        wait_text(&b, summary_section, "Book the SQL course").await;
        focused(&b, "button", "Withdraw").await;

        // On to this month's rating: the request and the action item on the way.
        tab(&b, "textbox", "Note (optional)").await;
        tab(&b, "button", "Ask for a 1on1 soon").await;
        assert!(!tab(&b, "checkbox", "Book the SQL course").await.checked);
        let tick_status = format!("{summary_section} > p[role=status]");
        mark_live(&b, &tick_status).await;
        press(&b, Key::Space, false).await;
        announced(&b, &tick_status, EN.tick_done).await;
        assert!(focused(&b, "checkbox", "Book the SQL course").await.checked);
        assert_eq!(
            manager.receive_one("E05"),
            json!({"type": "item_done", "item": 51, "done": true})
        );
        // すっきり度: the group starts at "no answer"; the arrow keys move to 5, then 4.
        let none = tab(&b, "radio", "No answer").await;
        assert!(none.checked, "no answer is chosen for the member: {none:?}");
        press(&b, Key::Left, false).await;
        assert!(focused(&b, "radio", "5 clear").await.checked);
        press(&b, Key::Left, false).await;
        let four = focused(&b, "radio", "4").await;
        assert!(four.checked && four.value == "4", "{four:?}");
        // Talked: from "no answer" back to yes, one answer at a time.
        assert!(tab(&b, "radio", "No answer").await.checked);
        for answer in ["No", "Partly", "Yes"] {
            press(&b, Key::Left, false).await;
            assert!(focused(&b, "radio", answer).await.checked, "{answer}");
        }
        tab(&b, "button", "Send").await;
        // Shift+Tab goes back into each group at its chosen answer.
        assert!(back_tab(&b, "radio", "Yes").await.checked);
        assert!(back_tab(&b, "radio", "4").await.checked);
        tab(&b, "radio", "Yes").await;
        tab(&b, "button", "Send").await;
        let month = "section[aria-labelledby=rating-title] article:nth-of-type(1)";
        let rating_status = format!("{month} > p[role=status]");
        mark_live(&b, &rating_status).await;
        press(&b, Key::Space, false).await;
        announced(&b, &rating_status, "Thank you. You can change it until").await;
        focused(&b, "button", "Change").await;
        assert_eq!(
            ratings(&server).iter().map(|r| (r.0, r.1.clone())).collect::<Vec<_>>(),
            [(Some(4), Some("yes".to_owned()))]
        );
        assert_eq!(marks(&server), [(MANAGER.to_owned(), "E05".to_owned())]);

        // No trap and nothing out of reach: from the top, Tab visits every control the page shows,
        // each seen, until the last; Shift+Tab walks back to the first.
        b.goto("/me/").await;
        wait_text(&b, ".who h1", EN.paired_title).await;
        let mut names = Vec::new();
        loop {
            press(&b, Key::Tab, false).await;
            let Some(f) = focus_or_body(&b).await else { break };
            assert!(f.seen, "the focus cannot be seen: {f:?}");
            b.client
                .execute("document.activeElement.dataset.keyboard = '1'; return true;", vec![])
                .await
                .unwrap();
            names.push(format!("{} '{}'", f.role, f.name));
            assert!(names.len() <= 40, "Tab never leaves the page: {names:?}");
            // The pairing's details open with Enter; their buttons are the next stops.
            if f.name == "Pairing and safety code" && !b.exists("details.pairing[open]").await {
                press(&b, Key::Enter, false).await;
                wait_until(
                    &b,
                    "the details open",
                    "return !!document.querySelector('details.pairing[open]');",
                )
                .await;
            }
        }
        let missed = b
            .client
            .execute(
                "return [...document.querySelectorAll('a[href], button, input, select, textarea, summary')]
                   .filter(e => !e.disabled && e.checkVisibility() && !e.dataset.keyboard)
                   .filter(e => !(e.type === 'radio' && [...document.getElementsByName(e.name)].some(r => r.dataset.keyboard)))
                   .map(e => e.outerHTML.slice(0, 120));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(missed, json!([]), "controls Tab never reached; it went {names:?}");
        assert_eq!(
            names[names.len() - 3..],
            [
                "DisclosureTriangle 'Pairing and safety code'",
                "button 'Pair again'",
                "button 'Forget this browser'"
            ],
            "{names:?}"
        );
        let mut back = Vec::new();
        for _ in 0..names.len() {
            press(&b, Key::Tab, true).await;
            let f = focus(&b).await;
            assert!(f.seen, "the focus cannot be seen: {f:?}");
            back.push(format!("{} '{}'", f.role, f.name));
        }
        back.reverse();
        assert_eq!(back, names, "Shift+Tab walks the same stops back");
        b.stop().await;
    });
}

/// The focused element, or `None` when the focus is on the page itself (before the first control
/// or past the last).
async fn focus_or_body(b: &Browser) -> Option<Focus> {
    let on_body = b
        .client
        .execute(
            "const e = document.activeElement; return !e || e === document.body || e === document.documentElement;",
            vec![],
        )
        .await
        .unwrap();
    if on_body == json!(true) {
        None
    } else {
        Some(focus(b).await)
    }
}
