//! The kill test: the save path (session 1's note, session 2's held minutes: the same vault calls
//! as the app's autosave and Finish panel) runs in a loop in its own process and is killed with
//! SIGKILL at a random moment. After each kill the vault must pass `verify`, hold every save that
//! was acknowledged (or the one in flight, whole), and open for the next run. `TAIWA_KILL_RUNS`
//! sets the number of runs (CI: 40; docs/SECURITY.md reports 1,000).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use taiwa_domain::{SessionState, Zone};
use taiwa_vault::{NewPerson, Passphrase, Vault};

const PASSPHRASE: &str = "a passphrase for the kill test";

#[path = "../src/bin/save-loop.rs"]
#[allow(dead_code)]
mod save_loop;

/// A small deterministic random source (xorshift), seeded from the clock and printed, so that a
/// failing run can be repeated with `TAIWA_KILL_SEED`.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn killed_while_saving_the_vault_keeps_every_acknowledged_save() {
    let runs: u64 = std::env::var("TAIWA_KILL_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let seed = std::env::var("TAIWA_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("TAIWA_KILL_SEED={seed}");
    let mut dice = Dice(seed);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let zone = || Zone::named("Asia/Tokyo").unwrap();
    let passphrase = Passphrase::new(PASSPHRASE.into());
    {
        let (mut vault, _) = Vault::create(&dir, &passphrase, zone()).unwrap();
        let person = vault
            .add_person(NewPerson {
                name: "佐藤 花子".into(),
                ..Default::default()
            })
            .unwrap();
        let at = vault.today().and_hms_opt(10, 0, 0).unwrap();
        assert_eq!(vault.plan_session(person.id, at, 30).unwrap().id, 1);
        assert_eq!(vault.plan_session(person.id, at, 30).unwrap().id, 2);
    }

    let (mut next, mut acked_note, mut acked_hold) = (1u64, 0u64, None::<u32>);
    let (mut killed_mid_save, mut notes_acked) = (0u64, 0u64);
    for run in 0..runs {
        let save_loop = std::env::var("TAIWA_SAVE_LOOP").unwrap_or_else(|_| env!("CARGO_BIN_EXE_save-loop").into());
        let mut child = Command::new(save_loop)
            .arg(next.to_string())
            .env("TAIWA_VAULT", &dir)
            .env("TAIWA_PASSPHRASE", PASSPHRASE)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines, acks) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        assert_eq!(
            acks.recv_timeout(Duration::from_secs(30)).unwrap(),
            "ready",
            "run {run}"
        );
        // Somewhere in the first few dozen saves, at any point of one.
        let deadline = Instant::now() + Duration::from_micros(dice.below(60_000));
        while Instant::now() < deadline {
            std::hint::spin_loop();
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let mut saw_note = false;
        for line in acks.try_iter() {
            if let Some(n) = line.strip_prefix("note ") {
                acked_note = n.parse().unwrap();
                notes_acked += 1;
                saw_note = true;
            } else if let Some(m) = line.strip_prefix("hold ") {
                acked_hold = Some(m.parse().unwrap());
            }
        }
        killed_mid_save += u64::from(saw_note);

        let report = Vault::verify(&dir, &passphrase).unwrap();
        assert!(report.ok(), "run {run} (seed {seed}): {:?}", report.problems);
        let vault = Vault::open(&dir, &passphrase, zone()).unwrap();
        let body = vault.note(1).unwrap().map(|n| n.body).unwrap_or_default();
        // The note is the last acknowledged save or the one in flight, whole: never older, never torn.
        let stored: u64 = body
            .strip_prefix("# 保存 ")
            .and_then(|rest| rest.split('\n').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(
            stored >= acked_note,
            "run {run} (seed {seed}): acknowledged save {acked_note}, stored {stored}"
        );
        assert!(
            stored <= acked_note + 1,
            "run {run}: stored {stored} was never written after {acked_note}"
        );
        if stored > 0 {
            assert_eq!(body, save_loop::note_body(stored), "run {run}: save {stored} is torn");
        }
        if let Some(minutes) = acked_hold {
            let session = vault.session(2).unwrap();
            assert_eq!(session.state, SessionState::Held, "run {run}");
            // The hold after the acknowledged one may have landed too (it follows note 3k).
            let held = session.held_minutes.unwrap();
            let in_flight = u32::try_from(stored % 400).unwrap() + 1;
            assert!(
                held == minutes || (stored.is_multiple_of(3) && held == in_flight),
                "run {run}: acknowledged {minutes} min, stored {held}"
            );
            acked_hold = Some(held);
        }
        acked_note = stored;
        next = stored + 1;
    }
    println!(
        "{runs} runs, {notes_acked} acknowledged note saves, {killed_mid_save} kills after at least one save: 0 lost, 0 vaults failing verify"
    );
}
