//! `taiwa-bench`: the figures of docs/BENCHMARKS.md. `scripts/bench` runs it; `--quick` makes every
//! measurement small so CI keeps the benchmarks working without ever failing on a time.
//!
//! Subcommands:
//! - `vault`: unlock, the app's workload, autosave against fsync, export — encrypted vs plain.
//! - `search`: search on a stress vault of 100,000 notes, and Home, a person's page and search at
//!   100,000 notes against 1,000 — encrypted vs plain. `--keep DIR` builds the vaults in DIR and
//!   reuses them on the next run when the generator and sizes are the same.
//! - `make-vault DIR`: the decade's vault, encrypted with `TAIWA_BENCH_PASSPHRASE`, for the
//!   desktop benchmark (`tests/src/bin/desktop-bench.rs`) to open in the real app.
//! - `memory-security`: the app's workload with SQLCipher's `cipher_memory_security` off and on,
//!   each in its own process (once on, it stays on for the process), alternating; prints the
//!   median times and the ratio.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod data;
mod vault;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use taiwa_domain::{Month, Zone};
use taiwa_vault::{Passphrase, Vault};

pub(crate) fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    if xs.is_empty() { 0.0 } else { xs[xs.len() / 2] }
}

pub(crate) fn percentile(mut xs: Vec<f64>, p: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    if xs.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * xs.len() as f64).ceil() as usize;
    xs[rank.clamp(1, xs.len()) - 1]
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The app's workload on a fresh vault: `iterations` rounds of an autosave, Home, a person's page,
/// a session, a search. Prints one JSON line of per-operation times (ms).
fn workload(memory_security: bool, iterations: usize) -> Result<(), String> {
    let on = taiwa_vault::set_memory_security(memory_security).map_err(|e| e.to_string())?;
    if on != memory_security {
        return Err(format!("cipher_memory_security is {on}, asked {memory_security}"));
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let zone = Zone::named("Asia/Tokyo").ok_or("no Asia/Tokyo zone")?;
    let (mut vault, _) = Vault::create(
        &tmp.path().join("vault"),
        &Passphrase::new("bench pass phrase".into()),
        zone,
    )
    .map_err(|e| e.to_string())?;
    let mut dice = data::Dice::new(7);
    let made = data::fill(&mut vault, &mut dice, 15, 24, 14, data::Detail::Full).map_err(|e| e.to_string())?;
    let month = Month::of(vault.today());
    let mut times: [Vec<f64>; 5] = Default::default();
    let started = Instant::now();
    for i in 0..iterations {
        let session = made.sessions[i % made.sessions.len()];
        let person = made.people[i % made.people.len()];
        let text = data::note(&mut dice, 8);
        let mut time = |k: usize, f: &mut dyn FnMut() -> Result<(), taiwa_vault::Error>| -> Result<(), String> {
            let t = Instant::now();
            f().map_err(|e| e.to_string())?;
            times[k].push(ms(t.elapsed()));
            Ok(())
        };
        time(0, &mut || vault.set_note(session, &text).map(drop))?;
        time(1, &mut || vault.status(month).map(drop))?;
        time(2, &mut || vault.sessions(Some(person)).map(drop))?;
        time(3, &mut || vault.session_view(session).map(drop))?;
        time(4, &mut || vault.search("目標", 20).map(drop))?;
    }
    let total = ms(started.elapsed());
    let names = ["save_note", "home", "person", "session", "search"];
    let ops: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .zip(times)
        .map(|(name, t)| {
            (
                (*name).to_owned(),
                json!({"median": median(t.clone()), "p95": percentile(t, 95.0)}),
            )
        })
        .collect();
    println!(
        "{}",
        json!({"memory_security": on, "iterations": iterations, "total_ms": total, "ops": ops})
    );
    Ok(())
}

/// Runs the workload off and on in alternating child processes; prints a table and the ratio.
fn memory_security(quick: bool) -> Result<(), String> {
    let (rounds, iterations) = if quick { (1, 20) } else { (5, 300) };
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut totals: [Vec<f64>; 2] = Default::default();
    let mut last: [serde_json::Value; 2] = Default::default();
    for _ in 0..rounds {
        for (k, setting) in ["off", "on"].into_iter().enumerate() {
            let out = Command::new(&me)
                .args([
                    "workload",
                    "--memory-security",
                    setting,
                    "--iterations",
                    &iterations.to_string(),
                ])
                .output()
                .map_err(|e| e.to_string())?;
            if !out.status.success() {
                return Err(String::from_utf8_lossy(&out.stderr).into_owned());
            }
            let line: serde_json::Value =
                serde_json::from_slice(&out.stdout).map_err(|e| format!("the workload's answer: {e}"))?;
            totals[k].push(line["total_ms"].as_f64().unwrap_or(0.0));
            last[k] = line;
        }
    }
    let (off, on) = (median(totals[0].clone()), median(totals[1].clone()));
    println!(
        "cipher_memory_security: {rounds} round(s) of {iterations} iterations (autosave, Home, person, session, search)"
    );
    println!("| setting | median total (ms) | all totals (ms) |");
    println!("| --- | ---: | --- |");
    for (k, name) in ["off", "on"].iter().enumerate() {
        let all: Vec<String> = totals[k].iter().map(|t| format!("{t:.0}")).collect();
        println!("| {name} | {:.0} | {} |", median(totals[k].clone()), all.join(", "));
    }
    println!("ratio on/off: {:.3}", on / off.max(f64::MIN_POSITIVE));
    println!(
        "per operation (last round, median ms): off {} / on {}",
        last[0]["ops"], last[1]["ops"]
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let result = match args.first().map(String::as_str) {
        Some("memory-security") => memory_security(quick),
        Some("vault") => vault::figures(quick),
        Some("search") => vault::search_and_scaling(quick, value("--keep").as_deref().map(std::path::Path::new)),
        Some("make-vault") => match args.get(1) {
            Some(dir) => vault::make(
                std::path::Path::new(dir),
                quick,
                &std::env::var("TAIWA_BENCH_PASSPHRASE").unwrap_or_else(|_| "bench pass phrase".into()),
            ),
            None => Err("usage: taiwa-bench make-vault DIR [--quick]".into()),
        },
        Some("workload") => workload(
            value("--memory-security").as_deref() == Some("on"),
            value("--iterations").and_then(|s| s.parse().ok()).unwrap_or(100),
        ),
        _ => Err("usage: taiwa-bench vault|search [--keep DIR]|memory-security|make-vault DIR [--quick]".into()),
    };
    if let Err(e) = result {
        eprintln!("taiwa-bench: {e}");
        std::process::exit(1);
    }
}
