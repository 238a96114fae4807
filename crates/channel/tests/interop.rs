//! The member page (`me/src/lib/crypto.ts`, @hpke/core over WebCrypto) and this crate seal and open
//! each other's messages, through two committed files: `from_rust.json`, sealed here, which the
//! page's tests open, and `from_browser.json`, sealed by the page's code, which this test opens.
//! Each also carries a safety code computed on its side for two given keys.
//!
//! `TAIWA_UPDATE_INTEROP=1 cargo test -p taiwa-channel --test interop` writes `from_rust.json`
//! afresh; `TAIWA_UPDATE_INTEROP=1 npm test` (in `me/`) writes `from_browser.json`. The keys in
//! both files are made for this test only.
//!
//! The files are flat JSON objects of strings and whole numbers, read and written by the small
//! functions below (this crate has no JSON dependency, and a test should not add one to it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use taiwa_channel::{Binding, Direction, PublicKey, Sealed, SecretKey, generate, open, safety_code, seal};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

#[test]
fn the_page_opens_what_rust_seals() {
    let path = dir().join("from_rust.json");
    if std::env::var("TAIWA_UPDATE_INTEROP").as_deref() == Ok("1") {
        let (secret, public) = generate();
        let (_, manager) = generate();
        let plaintext = r#"{"type":"summary","summary":{"held_on":"2026-05-14","agenda":[{"text":"来期の目標について","done":true},{"text":"チーム内の役割分担（持ち越し）","done":false}],"items":[{"item":17,"text":"資格試験の申込み期限を確認する","owner":"member","due":"2026-05-31","done":false},{"item":18,"text":"研修制度の資料を共有する","owner":"manager","due":null,"done":false}]}}"#;
        let binding = Binding {
            manager: "M-001",
            member: "E-042",
            direction: Direction::ToMember,
            seq: 7,
        };
        let sealed = seal(&public, &binding, plaintext.as_bytes()).unwrap();
        let fields: Vec<(&str, Value)> = vec![
            (
                "about",
                Value::Text(
                    "Sealed by crates/channel (Rust) for the member page's tests to open. Test keys only.".into(),
                ),
            ),
            ("recipient_secret_key", Value::Text(b64_encode(secret.expose()))),
            ("recipient_public_key", Value::Text(b64_encode(&public.0))),
            ("manager", Value::Text(binding.manager.into())),
            ("member", Value::Text(binding.member.into())),
            ("direction", Value::Text("to_member".into())),
            ("seq", Value::Number(binding.seq)),
            ("plaintext", Value::Text(plaintext.into())),
            ("enc", Value::Text(b64_encode(&sealed.enc))),
            ("ciphertext", Value::Text(b64_encode(&sealed.ciphertext))),
            ("safety_manager_key", Value::Text(b64_encode(&manager.0))),
            ("safety_member_key", Value::Text(b64_encode(&public.0))),
            ("safety_code", Value::Text(safety_code(&manager, &public))),
        ];
        std::fs::create_dir_all(dir()).unwrap();
        std::fs::write(&path, write_flat(&fields)).unwrap();
    }
    let file = read_flat(&std::fs::read_to_string(&path).expect("from_rust.json: run with TAIWA_UPDATE_INTEROP=1"));
    let (binding, secret, sealed) = message(&file, Direction::ToMember);
    assert_eq!(
        open(&secret, &binding, &sealed).unwrap(),
        text(&file, "plaintext").as_bytes()
    );
    assert_safety_code(&file);
}

#[test]
fn rust_opens_what_the_page_seals() {
    let file = read_flat(
        &std::fs::read_to_string(dir().join("from_browser.json"))
            .expect("from_browser.json: run `TAIWA_UPDATE_INTEROP=1 npm test` in me/"),
    );
    let (binding, secret, sealed) = message(&file, Direction::ToManager);
    let opened = String::from_utf8(open(&secret, &binding, &sealed).unwrap()).unwrap();
    assert_eq!(opened, text(&file, "plaintext"));
    assert!(opened.starts_with(r#"{"type":"topic","#), "{opened}");
    assert_safety_code(&file);

    // Moved anywhere else, or changed, it does not open here either.
    for other in [
        Binding {
            seq: binding.seq + 1,
            ..binding
        },
        Binding {
            direction: Direction::ToMember,
            ..binding
        },
        Binding {
            member: "E-043",
            ..binding
        },
    ] {
        assert!(open(&secret, &other, &sealed).is_err(), "{other:?}");
    }
    let mut changed = sealed.clone();
    changed.ciphertext[0] ^= 1;
    assert!(open(&secret, &binding, &changed).is_err());
}

fn message<'a>(file: &'a BTreeMap<String, Value>, direction: Direction) -> (Binding<'a>, SecretKey, Sealed) {
    let expected = match direction {
        Direction::ToMember => "to_member",
        Direction::ToManager => "to_manager",
    };
    assert_eq!(text(file, "direction"), expected);
    let binding = Binding {
        manager: text(file, "manager"),
        member: text(file, "member"),
        direction,
        seq: match file.get("seq") {
            Some(Value::Number(n)) => *n,
            other => panic!("seq: {other:?}"),
        },
    };
    let secret = SecretKey::from_bytes(key(file, "recipient_secret_key"));
    let enc: [u8; 32] = b64_decode(text(file, "enc")).try_into().unwrap();
    let sealed = Sealed {
        enc,
        ciphertext: b64_decode(text(file, "ciphertext")),
    };
    (binding, secret, sealed)
}

fn assert_safety_code(file: &BTreeMap<String, Value>) {
    let manager = PublicKey(key(file, "safety_manager_key"));
    let member = PublicKey(key(file, "safety_member_key"));
    assert_eq!(safety_code(&manager, &member), text(file, "safety_code"));
}

fn key(file: &BTreeMap<String, Value>, name: &str) -> [u8; 32] {
    b64_decode(text(file, name)).try_into().unwrap()
}

fn text<'a>(file: &'a BTreeMap<String, Value>, name: &str) -> &'a str {
    match file.get(name) {
        Some(Value::Text(t)) => t,
        other => panic!("{name}: {other:?}"),
    }
}

// --- base64url without padding -------------------------------------------------------------------

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for k in 0..=chunk.len() {
            out.push(char::from(B64[((n >> (18 - 6 * k)) & 63) as usize]));
        }
    }
    out
}

fn b64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = B64
            .iter()
            .position(|b| *b == c)
            .unwrap_or_else(|| panic!("not base64url: {c}"));
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

// --- flat JSON: one object of strings and whole numbers ------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Text(String),
    Number(u64),
}

fn write_flat(fields: &[(&str, Value)]) -> String {
    let quote = |s: &str| {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let lines: Vec<String> = fields
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Value::Text(t) => quote(t),
                Value::Number(n) => n.to_string(),
            };
            format!("  {}: {value}", quote(k))
        })
        .collect();
    format!("{{\n{}\n}}\n", lines.join(",\n"))
}

fn read_flat(json: &str) -> BTreeMap<String, Value> {
    let mut chars = json.chars().peekable();
    let mut out = BTreeMap::new();
    let skip_ws = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    };
    let read_string = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        assert_eq!(chars.next(), Some('"'));
        let mut s = String::new();
        loop {
            match chars.next().expect("unterminated string") {
                '"' => return s,
                '\\' => match chars.next().expect("escape") {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    'r' => s.push('\r'),
                    'b' => s.push('\u{8}'),
                    'f' => s.push('\u{c}'),
                    'u' => {
                        let hex: String = (0..4).map(|_| chars.next().expect("\\u")).collect();
                        s.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).expect("a BMP character"));
                    }
                    c => s.push(c),
                },
                c => s.push(c),
            }
        }
    };
    skip_ws(&mut chars);
    assert_eq!(chars.next(), Some('{'));
    loop {
        skip_ws(&mut chars);
        if chars.peek() == Some(&'}') {
            break;
        }
        let key = read_string(&mut chars);
        skip_ws(&mut chars);
        assert_eq!(chars.next(), Some(':'));
        skip_ws(&mut chars);
        let value = if chars.peek() == Some(&'"') {
            Value::Text(read_string(&mut chars))
        } else {
            let mut n = String::new();
            while chars.peek().is_some_and(char::is_ascii_digit) {
                n.push(chars.next().unwrap_or('0'));
            }
            Value::Number(n.parse().expect("a whole number"))
        };
        out.insert(key, value);
        skip_ws(&mut chars);
        match chars.next() {
            Some(',') => continue,
            Some('}') => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    out
}

#[test]
fn the_flat_json_reader_reads_what_it_writes() {
    let fields = vec![
        ("a", Value::Text("「引用」と\"quote\"\\\n".into())),
        ("n", Value::Number(7)),
    ];
    let read = read_flat(&write_flat(&fields));
    assert_eq!(read.get("a"), Some(&fields[0].1));
    assert_eq!(read.get("n"), Some(&Value::Number(7)));
    for n in 0..40 {
        let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
        assert_eq!(b64_decode(&b64_encode(&bytes)), bytes);
    }
}
