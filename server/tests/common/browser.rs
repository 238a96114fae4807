//! Headless Chromium driven through chromedriver (Debian's `chromium` and `chromium-driver`), for
//! the HR pages and the member's page: the real browser on the real server, as
//! `../shared/TESTING.md` describes.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// Where screenshots go: `artifacts/screenshots/` at the workspace root.
pub fn artifacts() -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    pub base: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A new headless Chromium at 1280×800 whose Accept-Language is `lang`.
    pub async fn start(base: &str, lang: &str) -> Browser {
        Browser::start_with(base, lang, None).await
    }

    /// A phone: Chromium's mobile emulation at 360×740 CSS pixels (twice as many device pixels,
    /// touch, a mobile viewport), whose Accept-Language is `lang`.
    pub async fn start_phone(base: &str, lang: &str) -> Browser {
        let metrics = json!({"width": 360, "height": 740, "pixelRatio": 2.0, "mobile": true, "touch": true});
        Browser::start_with(base, lang, Some(json!({ "deviceMetrics": metrics }))).await
    }

    /// A new headless Chromium with its own profile; `mobile` is chromedriver's `mobileEmulation`.
    async fn start_with(base: &str, lang: &str, mobile: Option<Value>) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // The browser keeps the real clock when a clock sweep runs the tests (and the server they
        // start) under libfaketime: Chromium does not run under it, and pages are drawn by the server.
        let driver = Command::new("chromedriver")
            .env_remove("LD_PRELOAD")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian package chromium-driver)");
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--no-first-run",
                         "--window-size=1280,800", format!("--lang={lang}"),
                         format!("--user-data-dir={}", profile.path().display())],
                "prefs": { "intl.accept_languages": lang },
            },
        });
        let mut capabilities = capabilities.as_object().unwrap().clone();
        if let Some(mobile) = mobile {
            capabilities["goog:chromeOptions"]["mobileEmulation"] = mobile;
        }
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::native()
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("could not start Chromium through chromedriver: {e}"),
            }
        };
        Browser {
            client,
            driver,
            base: base.to_owned(),
            _profile: profile,
        }
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element '{css}': {e}"))
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.client.find_all(Locator::Css(css)).await.unwrap() {
            out.push(e.text().await.unwrap());
        }
        out
    }

    pub async fn attr_all(&self, css: &str, attr: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.client.find_all(Locator::Css(css)).await.unwrap() {
            out.push(e.attr(attr).await.unwrap().unwrap_or_default());
        }
        out
    }

    pub async fn body(&self) -> String {
        self.text("body").await
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    /// Clicks something that loads a new page (a link, a form's button) and waits for that page.
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.client.execute("window.__taiwaOld = true;", vec![]).await.unwrap();
        element.click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let loaded = self
                .client
                .execute(
                    "return window.__taiwaOld === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .map(|v| v.as_bool() == Some(true))
                .unwrap_or(false);
            if loaded {
                return;
            }
            assert!(Instant::now() < deadline, "clicking '{css}' loaded no new page");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Signs in through the form and lands on `next` (or the dashboard).
    pub async fn login(&self, email: &str, password: &str) {
        self.goto("/hr/login").await;
        self.fill("input[name=email]", email).await;
        self.fill("input[name=password]", password).await;
        self.click("form.stack button.primary").await;
    }

    /// Fetches a path with the browser's own session (for downloads): (status, body), the body
    /// starting with U+FEFF when the file starts with a UTF-8 byte-order mark.
    pub async fn fetch(&self, path: &str) -> (u16, String) {
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch(arguments[0], {credentials: 'same-origin'})
                   .then(r => r.arrayBuffer().then(b => {
                     const u = new Uint8Array(b);
                     const bom = u.length >= 3 && u[0] === 0xEF && u[1] === 0xBB && u[2] === 0xBF;
                     done([r.status, (bom ? '\\ufeff' : '') + new TextDecoder().decode(u)]);
                   }))
                   .catch(e => done([0, String(e)]));",
                vec![Value::String(path.to_owned())],
            )
            .await
            .unwrap();
        (
            u16::try_from(result[0].as_u64().unwrap()).unwrap(),
            result[1].as_str().unwrap().to_owned(),
        )
    }

    /// Saves a screenshot of the page as `artifacts/screenshots/NAME.png`. A screenshot is for
    /// people to look at, not a check: one that chromedriver gives up on (a renderer starved on
    /// two busy cores answers "timeout") is taken again, up to three times.
    pub async fn screenshot(&self, name: &str) {
        let mut tries = 0;
        let png = loop {
            match self.client.screenshot().await {
                Ok(png) => break png,
                Err(e) if tries < 2 => {
                    eprintln!("screenshot {name}: {e}; taken again");
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("screenshot {name}: {e}"),
            }
        };
        std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
    }

    /// Runs axe-core (its `axe.min.js` source, injected through WebDriver, which a page's CSP
    /// does not govern) on the page as it is: the violations of impact "serious" or "critical",
    /// each as `id (impact): help — targets`.
    pub async fn axe_serious(&self, axe_source: &str) -> Vec<String> {
        if self
            .client
            .execute("return typeof window.axe === 'object';", vec![])
            .await
            .unwrap()
            != Value::Bool(true)
        {
            self.client
                .execute(&format!("{axe_source}\n;return true;"), vec![])
                .await
                .unwrap();
        }
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                   .then(r => done(r.passes.length === 0 ? ['axe-core checked nothing'] : r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)))
                   .catch(e => done([`axe failed: ${e}`]));",
                vec![],
            )
            .await
            .unwrap();
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    /// Whether the page is no wider than its viewport (nothing scrolls sideways).
    pub async fn fits_width(&self) -> bool {
        self.client
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth;",
                vec![],
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap()
    }

    /// Prints the page to PDF as the browser's print dialog would (A4).
    pub async fn print_pdf(&self) -> Vec<u8> {
        let config = fantoccini::wd::PrintConfiguration::builder()
            .size(fantoccini::wd::PrintSize {
                width: 21.0,
                height: 29.7,
            })
            .build()
            .unwrap();
        self.client.print(config).await.unwrap()
    }

    pub async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The text of a PDF (poppler's `pdftotext`).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian package poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
