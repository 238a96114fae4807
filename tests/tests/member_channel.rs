//! The member channel end to end in Rust: a real vault and the real sync client (as the desktop
//! app uses them) and a member's browser played here with taiwa-channel (the same seal the page
//! uses, through the same API), both talking to the real `taiwa-server` through a recording proxy
//! that keeps every byte each way. Pairing and its safety code, topics in, the topic taken, a
//! summary out, an item ticked; a replayed, a tampered and a skipped message refused and counted;
//! and no word either side wrote anywhere in the recording.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use data_encoding::BASE64URL_NOPAD;
use serde_json::{Value, json};
use taiwa_channel::{Binding, Direction, Inbox, PublicKey, Sealed, SecretKey};
use taiwa_domain::{Owner, Relationship, TopicKind, Wants, Zone};
use taiwa_e2e::{Server, recording_proxy};
use taiwa_protocol::channel::{MemberSummary, SummaryItem, SummaryTopic, ToManager, ToMember};
use taiwa_sync::member;
use taiwa_vault::{NewAction, NewPerson, PairingStage, Passphrase, TopicState, Vault};

fn b64(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn call(method: &str, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    if let Some(t) = token {
        request = request.header("Authorization", format!("Bearer {t}"));
    }
    if body.is_some() {
        request = request.header("Content-Type", "application/json");
    }
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let mut response = agent().run(request.body(bytes).unwrap()).unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The member's browser, played with the page's protocol.
struct Browser {
    base: String,
    token: String,
    secret: SecretKey,
    public: PublicKey,
    manager_key: PublicKey,
    manager: String,
    member: String,
    next_out: u64,
    inbox: Inbox,
}

impl Browser {
    fn pair(base: &str, code: &str) -> Browser {
        let (secret, public) = taiwa_channel::generate();
        let (status, body) = call(
            "POST",
            &format!("{base}/me/api/pair"),
            None,
            Some(&json!({"code": code, "member_key": b64(&public.0)})),
        );
        assert_eq!(status, 201, "{body}");
        let state = &body["state"];
        let key = BASE64URL_NOPAD
            .decode(state["manager_key"].as_str().unwrap().as_bytes())
            .unwrap();
        Browser {
            base: base.to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
            secret,
            public,
            manager_key: PublicKey(key.try_into().unwrap()),
            manager: state["manager"]["employee_id"].as_str().unwrap().to_owned(),
            member: state["member"]["employee_id"].as_str().unwrap().to_owned(),
            next_out: 0,
            inbox: Inbox::default(),
        }
    }

    fn safety_code(&self) -> String {
        taiwa_channel::safety_code(&self.manager_key, &self.public)
    }

    fn sealed(&self, seq: u64, message: &ToManager) -> Value {
        let binding = Binding {
            manager: &self.manager,
            member: &self.member,
            direction: Direction::ToManager,
            seq,
        };
        let text = serde_json::to_string(message).unwrap();
        let sealed = taiwa_channel::seal(&self.manager_key, &binding, text.as_bytes()).unwrap();
        json!({"seq": seq, "enc": b64(&sealed.enc), "ciphertext": b64(&sealed.ciphertext)})
    }

    fn send(&mut self, message: &ToManager) {
        let body = self.sealed(self.next_out, message);
        let (status, answer) = call(
            "POST",
            &format!("{}/me/api/messages", self.base),
            Some(&self.token),
            Some(&body),
        );
        assert_eq!(status, 201, "{answer}");
        self.next_out += 1;
    }

    /// Every message waiting, opened in order and acknowledged.
    fn fetch(&mut self) -> Vec<ToMember> {
        let (status, inbox) = call(
            "GET",
            &format!("{}/me/api/messages", self.base),
            Some(&self.token),
            None,
        );
        assert_eq!(status, 200, "{inbox}");
        let mut out = Vec::new();
        let mut last = None;
        for m in inbox["messages"].as_array().unwrap() {
            let seq = m["seq"].as_u64().unwrap();
            self.inbox.take(seq).unwrap();
            let binding = Binding {
                manager: &self.manager,
                member: &self.member,
                direction: Direction::ToMember,
                seq,
            };
            let sealed = Sealed {
                enc: BASE64URL_NOPAD
                    .decode(m["enc"].as_str().unwrap().as_bytes())
                    .unwrap()
                    .try_into()
                    .unwrap(),
                ciphertext: BASE64URL_NOPAD
                    .decode(m["ciphertext"].as_str().unwrap().as_bytes())
                    .unwrap(),
            };
            let plain = taiwa_channel::open(&self.secret, &binding, &sealed).unwrap();
            out.push(serde_json::from_slice(&plain).unwrap());
            last = Some(seq);
        }
        if let Some(through) = last {
            let (status, _) = call(
                "POST",
                &format!("{}/me/api/acks", self.base),
                Some(&self.token),
                Some(&json!({"acks": [{"member_employee_id": self.member, "through": through}]})),
            );
            assert_eq!(status, 200);
        }
        out
    }
}

fn server_port(url: &str) -> String {
    url.trim_start_matches("http://").to_owned()
}

#[test]
fn topics_reach_the_vault_and_the_summary_reaches_the_member_sealed_all_the_way() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _admin, code) = Server::small_company(tmp.path());
    let (proxy, recording) = recording_proxy(server_port(&server.url()));

    // The manager's vault, enrolled through the proxy as the app does.
    let (mut vault, _) = Vault::create(
        &tmp.path().join("vault"),
        &Passphrase::new("member channel e2e passphrase".into()),
        Zone::named("Asia/Tokyo").unwrap(),
    )
    .unwrap();
    let (enrolment, token) = taiwa_sync::enrol(&proxy, None, &code, "Test laptop").unwrap();
    vault.set_enrolment(&enrolment, &token).unwrap();
    let hanako = vault
        .add_person(NewPerson {
            name: "佐藤 花子".into(),
            relationship: Relationship::Line,
            employee_id: Some("E1".into()),
            ..Default::default()
        })
        .unwrap()
        .id;
    let ticket = vault
        .add_action(
            hanako,
            NewAction {
                text: "研修の申込書を出す".into(),
                session_id: None,
                owner: Owner::Member,
                due_date: None,
            },
        )
        .unwrap();

    // Pairing: the code, the member's browser, both safety codes, the manager's confirmation.
    let shown = member::start_pairing(&mut vault, hanako).unwrap();
    assert!(
        shown.url.ends_with(&format!("/me/#code={}", shown.code)),
        "{}",
        shown.url
    );
    assert_eq!(
        vault.member_pairing(hanako).unwrap().unwrap().stage,
        PairingStage::Waiting
    );
    let mut browser = Browser::pair(&proxy, &shown.code);
    assert_eq!(browser.manager, "M1");
    let pairings = member::refresh_pairings(&mut vault).unwrap();
    let pairing = pairings.iter().find(|p| p.person_id == hanako).unwrap();
    assert_eq!(pairing.stage, PairingStage::Confirm);
    assert_eq!(member::safety_code(pairing).unwrap(), browser.safety_code());

    // Until the manager confirms the safety code, what the member sends waits on the server.
    let topic = ToManager::Topic {
        id: "t-1".into(),
        text: "来期はデザインの仕事に挑戦したい".into(),
        kind: TopicKind::Career,
        wants: Wants::Think,
    };
    browser.send(&topic);
    let held = member::exchange(&mut vault).unwrap();
    assert_eq!((held.received, held.held), (0, 1));
    assert!(vault.member_topics(hanako, false).unwrap().is_empty());
    vault.confirm_member_pairing(hanako).unwrap();

    browser.send(&ToManager::AskSoon {
        note: Some("今週中に少し話したいです".into()),
    });
    browser.send(&ToManager::ItemDone {
        item: ticket.id,
        done: true,
    });
    let got = member::exchange(&mut vault).unwrap();
    assert_eq!((got.received, got.refused, got.held), (3, 0, 0), "{got:?}");
    let topics = vault.member_topics(hanako, true).unwrap();
    assert_eq!(topics.len(), 1);
    assert_eq!(
        (topics[0].text.as_str(), topics[0].kind, topics[0].wants),
        ("来期はデザインの仕事に挑戦したい", TopicKind::Career, Wants::Think)
    );
    let requests = vault.member_requests().unwrap();
    assert_eq!(requests[0].note.as_deref(), Some("今週中に少し話したいです"));
    let ticked = vault.action(ticket.id).unwrap();
    assert!(ticked.done_date.is_some());
    assert_eq!(ticked.done_by, Some(Owner::Member));

    // The manager takes the topic into the next 1on1's agenda; the member hears it was taken.
    let session = vault
        .plan_session(hanako, vault.today().and_hms_opt(15, 0, 0).unwrap(), 30)
        .unwrap();
    let taken_notice = member::to_member_body(&ToMember::TopicTaken { id: "t-1".into() }).unwrap();
    let item = vault
        .take_member_topic(topics[0].id, session.id, &taken_notice)
        .unwrap();
    assert!(item.from_member);
    assert_eq!(vault.member_topics(hanako, false).unwrap()[0].state, TopicState::Taken);
    // The manager undoes the member's "done"; the member hears that too.
    let undone_notice = member::to_member_body(&ToMember::ItemState {
        item: ticket.id,
        done: false,
    })
    .unwrap();
    let undone = vault.undo_member_done(ticket.id, &undone_notice).unwrap();
    assert_eq!((undone.done_date, undone.done_by), (None, None));
    // And sends the summary after the 1on1.
    vault.hold_session(session.id, Some(30)).unwrap();
    let summary = ToMember::Summary {
        summary: MemberSummary {
            held_on: vault.today().to_string(),
            agenda: vec![SummaryTopic {
                text: "来期はデザインの仕事に挑戦したい".into(),
                done: true,
            }],
            items: vec![SummaryItem {
                item: ticket.id,
                text: "研修の申込書を出す".into(),
                owner: Owner::Member,
                due: None,
                done: false,
            }],
        },
    };
    vault
        .send_member_summary(session.id, &member::to_member_body(&summary).unwrap())
        .unwrap();
    let out = member::exchange(&mut vault).unwrap();
    assert_eq!(out.sent, 3);
    let received = browser.fetch();
    assert_eq!(
        received,
        [
            ToMember::TopicTaken { id: "t-1".into() },
            ToMember::ItemState {
                item: ticket.id,
                done: false
            },
            summary
        ]
    );

    // A server that plays tricks: a replay of message 1, message 4 changed by one byte, and a
    // message numbered 9 (a gap). Written into its database as a malicious server could.
    let db = tmp.path().join("server.db");
    let replay = browser.sealed(1, &ToManager::AskSoon { note: None });
    let mut tampered = browser.sealed(4, &topic);
    let mut bytes = BASE64URL_NOPAD
        .decode(tampered["ciphertext"].as_str().unwrap().as_bytes())
        .unwrap();
    bytes[40] ^= 1;
    tampered["ciphertext"] = json!(b64(&bytes));
    browser.next_out = 3;
    browser.send(&ToManager::TopicWithdrawn { id: "t-9".into() }); // 3: fine (nothing to withdraw)
    let gap = browser.sealed(9, &ToManager::AskSoon { note: None });
    let conn = rusqlite::Connection::open(&db).unwrap();
    for (seq, message) in [(1, &replay), (4, &tampered), (9, &gap)] {
        conn.execute(
            "INSERT INTO relay (manager_id, member_id, direction, seq, enc, ciphertext, arrived_day) VALUES ('M1', 'E1', 2, ?1, ?2, ?3, 0)",
            rusqlite::params![seq, message["enc"].as_str().unwrap(), message["ciphertext"].as_str().unwrap()],
        )
        .unwrap();
    }
    let tricked = member::exchange(&mut vault).unwrap();
    // 1 replayed (refused, deleted), 3 taken (a withdrawal of nothing: ignored, counted), 4 does
    // not open (refused, counted, passed), 9 a gap (refused, left on the server).
    assert_eq!(tricked.received, 0, "{tricked:?}");
    assert_eq!(tricked.refused, 4, "{tricked:?}");
    let pairing = vault.member_pairing(hanako).unwrap().unwrap();
    assert_eq!(pairing.next_in, 5);
    assert_eq!(pairing.refused, 4);
    assert_eq!(
        vault.member_requests().unwrap().len(),
        1,
        "the replayed request was not taken again"
    );
    let left: i64 = conn
        .query_row("SELECT count(*) FROM relay WHERE direction = 2", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 1, "only the message after the gap waits");

    // Nothing either of them wrote crossed the network in the clear.
    let recorded = recording.lock().unwrap().clone();
    assert!(recorded.len() > 1000, "the proxy saw the traffic");
    let words = [
        "来期はデザインの仕事に挑戦したい",
        "今週中に少し話したいです",
        "研修の申込書を出す",
        "topic_taken",
        "item_done",
        "ask_soon",
        "summary",
    ];
    for word in words {
        let bytes = word.as_bytes();
        for piece in bytes.chunks(8).filter(|c| c.len() >= 6) {
            assert!(
                !recorded.windows(piece.len()).any(|w| w == piece),
                "a piece of '{word}' crossed the network"
            );
        }
    }
    drop(server);
}

#[test]
fn unpairing_and_pairing_again_from_another_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, _admin, code) = Server::small_company(tmp.path());
    let base = server.url();
    let (mut vault, _) = Vault::create(
        &tmp.path().join("vault"),
        &Passphrase::new("member channel e2e passphrase".into()),
        Zone::named("Asia/Tokyo").unwrap(),
    )
    .unwrap();
    let (enrolment, token) = taiwa_sync::enrol(&base, None, &code, "Test laptop").unwrap();
    vault.set_enrolment(&enrolment, &token).unwrap();
    let person = |vault: &mut Vault, name: &str, id: Option<&str>, relationship| {
        vault
            .add_person(NewPerson {
                name: name.into(),
                relationship,
                employee_id: id.map(Into::into),
                ..Default::default()
            })
            .unwrap()
            .id
    };
    let makoto = person(&mut vault, "田中 誠", Some("E2"), Relationship::Line);
    let mentee = person(&mut vault, "他部署 さん", Some("X9"), Relationship::Cross);
    let no_id = person(&mut vault, "番号なし さん", None, Relationship::Line);
    for who in [mentee, no_id] {
        let refused = member::start_pairing(&mut vault, who).unwrap_err();
        assert!(
            refused.to_string().contains("direct report with an employee id"),
            "{refused}"
        );
    }

    let shown = member::start_pairing(&mut vault, makoto).unwrap();
    let first = Browser::pair(&base, &shown.code);
    member::refresh_pairings(&mut vault).unwrap();
    vault.confirm_member_pairing(makoto).unwrap();
    let old_key = vault.member_pairing(makoto).unwrap().unwrap().public_key;

    // A new code while paired: the old pairing stands until the new code is used.
    let shown = member::start_pairing(&mut vault, makoto).unwrap();
    let waiting = vault.member_pairing(makoto).unwrap().unwrap();
    assert_eq!(waiting.stage, PairingStage::Paired);
    assert_eq!(waiting.public_key, old_key);
    let second = Browser::pair(&base, &shown.code);
    let refreshed = member::refresh_pairings(&mut vault).unwrap();
    let pairing = refreshed.iter().find(|p| p.person_id == makoto).unwrap();
    assert_eq!(
        pairing.stage,
        PairingStage::Confirm,
        "a new browser's code is compared again"
    );
    assert_ne!(pairing.public_key, old_key);
    assert_eq!(member::safety_code(pairing).unwrap(), second.safety_code());
    assert_ne!(first.safety_code(), second.safety_code());
    let (status, _) = call("GET", &format!("{base}/me/api/state"), Some(&first.token), None);
    assert_eq!(status, 401, "the first browser is out");

    // Unpairing ends it on both sides.
    member::unpair(&mut vault, makoto).unwrap();
    assert!(vault.member_pairing(makoto).unwrap().is_none());
    let (status, _) = call("GET", &format!("{base}/me/api/state"), Some(&second.token), None);
    assert_eq!(status, 401);

    // Deleting a paired person cannot reach the server inside the delete: the pairing ends at
    // the next exchange, and then nothing of the person is left in the vault.
    let shown = member::start_pairing(&mut vault, makoto).unwrap();
    let third = Browser::pair(&base, &shown.code);
    member::refresh_pairings(&mut vault).unwrap();
    vault.confirm_member_pairing(makoto).unwrap();
    vault.delete_person(makoto).unwrap();
    assert_eq!(vault.pending_unpairs().unwrap(), ["E2"]);
    let (status, _) = call("GET", &format!("{base}/me/api/state"), Some(&third.token), None);
    assert_eq!(status, 200, "still paired on the server until the app talks to it");
    member::exchange(&mut vault).unwrap();
    let (status, _) = call("GET", &format!("{base}/me/api/state"), Some(&third.token), None);
    assert_eq!(status, 401, "the member's page is no longer paired");
    assert!(vault.pending_unpairs().unwrap().is_empty());

    // The same person added and paired again before any exchange keeps the new pairing.
    let again = person(&mut vault, "田中 誠", Some("E2"), Relationship::Line);
    let shown = member::start_pairing(&mut vault, again).unwrap();
    let fourth = Browser::pair(&base, &shown.code);
    member::refresh_pairings(&mut vault).unwrap();
    vault.confirm_member_pairing(again).unwrap();
    vault.delete_person(again).unwrap();
    let again = person(&mut vault, "田中 誠", Some("E2"), Relationship::Line);
    let shown = member::start_pairing(&mut vault, again).unwrap();
    assert!(
        vault.pending_unpairs().unwrap().is_empty(),
        "pairing again takes the pending end away"
    );
    let fifth = Browser::pair(&base, &shown.code);
    member::exchange(&mut vault).unwrap();
    let (status, _) = call("GET", &format!("{base}/me/api/state"), Some(&fifth.token), None);
    assert_eq!(status, 200, "the new pairing stands");
    let (status, _) = call("GET", &format!("{base}/me/api/state"), Some(&fourth.token), None);
    assert_eq!(status, 401, "the one it replaced does not");
    drop(server);
}
