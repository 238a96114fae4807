//! The member's page's first load (docs/BENCHMARKS.md), in headless Chromium against the real
//! `taiwa-server`: the bytes of script and style it loads (compressed, as the browser received
//! them), and the time from navigation to an interactive topic field (the page's own User Timing
//! mark `taiwa:topic-field`), for a paired member whose browser holds nothing cached:
//! - without throttling;
//! - with the CPU slowed 4× and Firefox DevTools' "3G Slow" (780 kbit/s down, 330 kbit/s up,
//!   200 ms latency);
//! - with the CPU slowed 4× and Chrome DevTools' "Slow 3G" (400 kbit/s each way, 2,000 ms
//!   latency per request).
//!
//! Throttling goes through the Chrome DevTools Protocol (chromedriver's `goog/cdp/execute`).
//! `cargo bench -p taiwa-server --bench member_page` (scripts/bench); `-- --quick` is one load of
//! each, for CI. It never fails on a time.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::browser::Browser;
use common::{Backend, Server};
use data_encoding::BASE64URL_NOPAD;
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};

/// One Chrome DevTools Protocol command through chromedriver.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"cmd": self.cmd, "params": self.params}).to_string()),
        )
    }
}

async fn cdp(page: &Browser, cmd: &'static str, params: Value) {
    page.client.issue_cmd(Cdp { cmd, params }).await.unwrap();
}

struct Profile {
    name: &'static str,
    cpu: f64,
    /// (latency ms, download bytes/s, upload bytes/s), or none.
    network: Option<(f64, f64, f64)>,
}

const PROFILES: [Profile; 3] = [
    Profile {
        name: "no throttling",
        cpu: 1.0,
        network: None,
    },
    Profile {
        name: "4× CPU, Firefox's 3G Slow (780/330 kbit/s, 200 ms)",
        cpu: 4.0,
        network: Some((200.0, 780_000.0 / 8.0, 330_000.0 / 8.0)),
    },
    Profile {
        name: "4× CPU, Chrome's Slow 3G (400/400 kbit/s, 2,000 ms)",
        cpu: 4.0,
        network: Some((2000.0, 400_000.0 / 8.0, 400_000.0 / 8.0)),
    },
];

/// A fresh load of `/me/` under `profile`: (ms to the topic field, bytes of script and style
/// as received, bytes of the page itself).
async fn load(page: &Browser, profile: &Profile) -> (f64, u64, u64) {
    cdp(page, "Network.enable", json!({})).await;
    cdp(page, "Network.setCacheDisabled", json!({"cacheDisabled": true})).await;
    let (latency, down, up) = profile.network.unwrap_or((0.0, -1.0, -1.0));
    cdp(
        page,
        "Network.emulateNetworkConditions",
        json!({"offline": false, "latency": latency, "downloadThroughput": down, "uploadThroughput": up}),
    )
    .await;
    cdp(page, "Emulation.setCPUThrottlingRate", json!({"rate": profile.cpu})).await;
    page.goto("/me/").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let (ready, assets, html) = loop {
        let got = page
            .client
            .execute(
                "const m = performance.getEntriesByName('taiwa:topic-field')[0];
                 if (!m) return null;
                 const r = performance.getEntriesByType('resource')
                   .filter(e => /\\.(js|css)$/.test(new URL(e.name).pathname))
                   .reduce((n, e) => n + e.encodedBodySize, 0);
                 const nav = performance.getEntriesByType('navigation')[0];
                 return [m.startTime, r, nav ? nav.encodedBodySize : 0];",
                vec![],
            )
            .await
            .unwrap();
        if let Some(v) = got.as_array() {
            break (v[0].as_f64().unwrap(), v[1].as_u64().unwrap(), v[2].as_u64().unwrap());
        }
        assert!(
            Instant::now() < deadline,
            "the topic field never came ({})",
            profile.name
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    cdp(page, "Emulation.setCPUThrottlingRate", json!({"rate": 1})).await;
    cdp(
        page,
        "Network.emulateNetworkConditions",
        json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    )
    .await;
    (ready, assets, html)
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 1 } else { 7 };
    let server = Server::start(Backend::Sqlite);
    let device = server.enrol("E02");
    let (_, public) = taiwa_channel::generate();
    let reply = server.post_json(
        "/api/v1/pairings",
        Some(&device),
        &json!({"member_employee_id": "E04", "manager_key": BASE64URL_NOPAD.encode(&public.0)}),
    );
    let code = reply.json()["code"].as_str().unwrap().to_owned();
    let page = Browser::start_phone(&server.base, "ja").await;
    page.goto(&format!("/me/#code={code}")).await;
    page.find("section[aria-labelledby=pair-title] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    page.find("section[aria-labelledby=safety-title] button.primary")
        .await
        .click()
        .await
        .unwrap();
    page.find("#topic-text").await;
    for profile in &PROFILES {
        let mut times = Vec::new();
        let mut bytes = (0, 0);
        for _ in 0..rounds {
            let (ms, assets, html) = load(&page, profile).await;
            times.push(ms);
            bytes = (assets, html);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{}: the topic field after {:.0} ms (median of {rounds}; {:.0}–{:.0}); script and style {:.1} KB and the page {:.1} KB as received",
            profile.name,
            times[times.len() / 2],
            times[0],
            times[times.len() - 1],
            bytes.0 as f64 / 1000.0,
            bytes.1 as f64 / 1000.0,
        );
    }
    page.stop().await;
}
