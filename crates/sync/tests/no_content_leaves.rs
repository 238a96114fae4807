//! The proof that no content leaves the laptop: vaults filled with random notes, agenda items,
//! action items, names, reasons and career notes carrying unique markers are enrolled, pushed,
//! asked for their roster and revoked against a real loopback server that captures every byte it
//! receives (request line, headers, body). None of the markers, nor any 8-byte piece of one, is there.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use taiwa_domain::Zone;
use taiwa_domain::{Month, Owner, TopicKind, Wants};
use taiwa_sync::{Cycle, connection, sync_cycle};
use taiwa_vault::{NewAction, NewAgendaItem, NewPerson, Passphrase, Vault};

/// A loopback HTTP server that keeps every byte it is sent and answers like the company server.
fn capture_server() -> (String, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let captured = Arc::new(Mutex::new(Vec::new()));
    let sink = captured.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = Vec::new();
            let mut length = 0usize;
            let mut chunked = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                chunked |= lower.starts_with("transfer-encoding:") && lower.contains("chunked");
                head.extend_from_slice(line.as_bytes());
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            while chunked {
                // Chunked body: a hex size line, the chunk, CRLF; a zero size ends it.
                let mut size_line = String::new();
                reader.read_line(&mut size_line).unwrap();
                head.extend_from_slice(size_line.as_bytes());
                let size = usize::from_str_radix(size_line.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                reader.read_exact(&mut chunk).unwrap();
                body.extend_from_slice(&chunk[..size]);
                chunked = size > 0;
            }
            let request_line = String::from_utf8_lossy(&head)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            sink.lock().unwrap().extend_from_slice(&head);
            sink.lock().unwrap().extend_from_slice(&body);
            let (status, answer) = if request_line.starts_with("POST /api/v1/enrol") {
                (
                    "201 Created",
                    r#"{"device_token":"twd_test","manager":{"employee_id":"M1","name":"部長"}}"#.to_owned(),
                )
            } else if request_line.starts_with("PUT /api/v1/completions") {
                let n = String::from_utf8_lossy(&body).matches("member_employee_id").count();
                ("200 OK", format!(r#"{{"accepted":{n},"stale":0}}"#))
            } else if request_line.starts_with("POST /api/v1/withdrawals") {
                ("200 OK", r#"{"removed":1}"#.to_owned())
            } else if request_line.starts_with("GET /api/v1/roster") {
                let member = |id: &str| {
                    format!(
                        r#"{{"employee_id":"{id}","name":"社員{id}","email":"{id}@example.co.jp","org_unit_id":"O1","org_unit_name":"本社"}}"#
                    )
                };
                (
                    "200 OK",
                    format!(
                        r#"{{"manager":{{"employee_id":"M1","name":"部長","email":"m1@example.co.jp","org_unit_id":"O1","org_unit_name":"本社"}},"members":[{},{}]}}"#,
                        member("E0"),
                        member("E1")
                    ),
                )
            } else {
                ("204 No Content", String::new())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, captured)
}

fn marker() -> impl Strategy<Value = String> {
    // Unique enough, mixed scripts, long enough to have many 8-byte pieces.
    ("[A-Z]{4}", "[ぁ-ゖ]{3}", "[一-龥]{3}", "[a-z0-9]{6}").prop_map(|(a, b, c, d)| format!("MK{a}{b}{c}{d}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn no_piece_of_any_text_reaches_the_server(markers in prop::collection::vec(marker(), 12)) {
        let tmp = tempfile::tempdir().unwrap();
        let tz = Zone::named("Asia/Tokyo").unwrap();
        let (mut vault, _) = Vault::create(&tmp.path().join("vault"), &Passphrase::new("correct horse battery staple".into()), tz).unwrap();
        let today = vault.today();
        let mut texts = Vec::new();
        let mut first = None;
        for (i, chunk) in markers.chunks(6).enumerate() {
            let person = vault.add_person(NewPerson {
                name: chunk[0].clone(),
                employee_id: Some(format!("E{i}")),
                org_unit: Some(chunk[1].clone()),
                email: Some(format!("{}@example.co.jp", chunk[1].to_ascii_lowercase().chars().filter(char::is_ascii_alphanumeric).collect::<String>())),
                ..Default::default()
            }).unwrap();
            first.get_or_insert(person.id);
            let session = vault.plan_session(person.id, today.and_hms_opt(9, 0, 0).unwrap(), 30).unwrap();
            vault.add_agenda_item(session.id, NewAgendaItem { text: chunk[2].clone(), kind: TopicKind::Career, wants: Some(Wants::Advise) }).unwrap();
            vault.set_note(session.id, &format!("# {}\n{}", chunk[3], chunk[4])).unwrap();
            vault.add_action(person.id, NewAction { text: chunk[5].clone(), session_id: Some(session.id), owner: Owner::Member, due_date: None }).unwrap();
            vault.set_career_note(person.id, &chunk[3]).unwrap();
            vault.hold_session(session.id, Some(35)).unwrap();
            let skipped = vault.plan_session(person.id, today.and_hms_opt(15, 0, 0).unwrap(), 30).unwrap();
            vault.skip_session(skipped.id, &chunk[4]).unwrap();
            texts.extend(chunk.iter().cloned());
        }

        let (url, captured) = capture_server();
        let (enrolment, token) = taiwa_sync::enrol(&url, None, "ABCD-EFGH-JKMN-PQRS", "Test laptop").unwrap();
        vault.set_enrolment(&enrolment, &token).unwrap();
        let report = sync_cycle(&mut vault, Cycle::Full, taiwa_sync::RosterChoices::default()).unwrap();
        prop_assert_eq!(report.push.sent, 2, "one record per person for this month");
        prop_assert!(vault.pending_records(Month::of(today)).unwrap().is_empty());
        // Marking a person private withdraws them: an id, nothing else.
        vault.set_private(first.unwrap(), true).unwrap();
        let report = sync_cycle(&mut vault, Cycle::Full, taiwa_sync::RosterChoices::default()).unwrap();
        prop_assert_eq!(report.withdrawn, vec!["E0".to_owned()]);
        let (client, token) = connection(&vault).unwrap();
        client.revoke(token.expose()).unwrap();

        let bytes = captured.lock().unwrap().clone();
        let compact: String = String::from_utf8_lossy(&bytes).chars().filter(|c| !c.is_whitespace()).collect();
        prop_assert!(compact.contains("\"sessions_held\":1,\"minutes\":35"), "the capture holds the pushes");
        prop_assert!(compact.contains("{\"members\":[\"E0\"]}"), "the capture holds the withdrawal");
        for text in &texts {
            for piece in text.as_bytes().windows(8) {
                prop_assert!(!bytes.windows(8).any(|w| w == piece), "a piece of {:?} reached the server", text);
            }
        }
    }
}
