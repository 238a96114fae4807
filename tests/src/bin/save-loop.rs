//! The save path, in a loop, for the kill test (`tests/tests/kill.rs`): opens the vault in
//! `TAIWA_VAULT` with `TAIWA_PASSPHRASE`, then saves session 1's note and holds session 2 with new
//! minutes, over and over, through the same vault calls the app's autosave and Finish panel make.
//! Each line it prints is an acknowledgement, written only after the call returned: `note N`,
//! `hold M`. It runs until it is killed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::Write;

use taiwa_domain::Zone;
use taiwa_vault::{Passphrase, Vault};

/// The note of save `n`: Japanese and English lines, of a length that varies with `n`.
pub fn note_body(n: u64) -> String {
    let mut body = format!("# 保存 {n}\n");
    for line in 0..(n % 40 + 1) {
        body.push_str(&format!(
            "- {n}.{line} 来期の目標と育成の相談 / goals and growth for next term\n"
        ));
    }
    body
}

fn main() {
    let dir = std::env::var("TAIWA_VAULT").unwrap();
    let passphrase = Passphrase::new(std::env::var("TAIWA_PASSPHRASE").unwrap());
    let first: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut vault = Vault::open(dir.as_ref(), &passphrase, Zone::named("Asia/Tokyo").unwrap()).unwrap();
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    for n in first.. {
        vault.set_note(1, &note_body(n)).unwrap();
        writeln!(out, "note {n}").unwrap();
        out.flush().unwrap();
        if n.is_multiple_of(3) {
            let minutes = u32::try_from(n % 400).unwrap() + 1;
            vault.hold_session(2, Some(minutes)).unwrap();
            writeln!(out, "hold {minutes}").unwrap();
            out.flush().unwrap();
        }
    }
}
