//! `desktop-bench`: the desktop app's figures of docs/BENCHMARKS.md, measured beside Tauri's hello
//! world (`src-tauri/hello`) in the same run, under Xvfb through WebDriver, as the tests drive it:
//! - cold start: from launching the binary until its first input is on the screen (Taiwa's
//!   passphrase field, the hello world's input);
//! - memory: the proportional set size of the app and the WebKit processes it started, summed
//!   (Taiwa with a decade's vault unlocked and its main screens opened once; the hello world
//!   after its page is drawn).
//!
//! `desktop-bench --app PATH --hello PATH --vault DIR [--rounds N]`; the vault's passphrase comes
//! from `TAIWA_BENCH_PASSPHRASE` (`taiwa-bench make-vault` makes it). `scripts/bench` runs it.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use taiwa_e2e::Desktop;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Of a start: how long the page took, from the web view's navigation to the marker on screen
/// (the rest is the process and the web view starting).
async fn page_ms(app: &Desktop) -> f64 {
    app.js("return performance.now();").await.as_f64().unwrap_or(0.0)
}

async fn hello(binary: &Path) -> (f64, u64, f64) {
    let tmp = tempfile::tempdir().unwrap();
    let (app, took) = Desktop::start_timed(binary.to_path_buf(), &tmp.path().join("unused"), "#hello").await;
    let page = page_ms(&app).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pss = app.app_pss_kib();
    app.stop().await;
    (took.as_secs_f64() * 1000.0, pss, page)
}

async fn taiwa(binary: &Path, vault: &Path, passphrase: &str) -> (f64, u64, f64) {
    let (app, took) = Desktop::start_timed(binary.to_path_buf(), vault, "#passphrase").await;
    let page = page_ms(&app).await;
    app.type_into("#passphrase", passphrase).await;
    app.click("#unlock").await;
    app.find("#met-summary").await;
    // The main screens, once each, as a manager's morning would.
    app.click("[data-nav=people]").await;
    app.find("#people-list button").await;
    app.click("#people-list button").await;
    app.find("#person-title").await;
    app.click("ol.timeline li button").await;
    app.find("#session-title").await;
    app.click("[data-nav=search]").await;
    app.type_into("#search-input", "目標").await;
    app.find("#search-results li").await;
    app.click("[data-nav=export]").await;
    app.find("#export-person").await;
    app.click("[data-nav=home]").await;
    app.find("#met-summary").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pss = app.app_pss_kib();
    app.stop().await;
    (took.as_secs_f64() * 1000.0, pss, page)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| {
                panic!("usage: desktop-bench --app PATH --hello PATH --vault DIR [--rounds N] ({name} missing)")
            })
    };
    let (app, hello_app, vault) = (
        PathBuf::from(value("--app")),
        PathBuf::from(value("--hello")),
        PathBuf::from(value("--vault")),
    );
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let passphrase = std::env::var("TAIWA_BENCH_PASSPHRASE").unwrap_or_else(|_| "bench pass phrase".into());
    // Per app (0: hello world, 1: Taiwa), one value a round.
    let mut starts: [Vec<f64>; 2] = Default::default();
    let mut memory: [Vec<f64>; 2] = Default::default();
    let mut pages: [Vec<f64>; 2] = Default::default();
    for round in 0..rounds {
        // Alternate which goes first, so that both see the same machine.
        for k in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            let (start, pss, page) = if k == 0 {
                hello(&hello_app).await
            } else {
                taiwa(&app, &vault, &passphrase).await
            };
            starts[k].push(start);
            pages[k].push(page);
            memory[k].push(pss as f64 / 1024.0);
        }
    }
    println!("{rounds} round(s), alternating; medians (all rounds)");
    println!("| figure | hello world | Taiwa | ratio |\n| --- | ---: | ---: | ---: |");
    let row = |figure: &str, of: &[Vec<f64>; 2]| {
        let list = |xs: &[f64]| xs.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>().join(", ");
        let (h, t) = (median(of[0].clone()), median(of[1].clone()));
        println!(
            "| {figure} | {h:.0} ({}) | {t:.0} ({}) | {:.2} |",
            list(&of[0]),
            list(&of[1]),
            t / h
        );
    };
    row("cold start to an interactive first screen (ms)", &starts);
    row(
        "of which the page, from navigation to the first input (ms; about, as the page's clock reads it)",
        &pages,
    );
    row("memory, app + WebKit processes, PSS (MiB)", &memory);
}
