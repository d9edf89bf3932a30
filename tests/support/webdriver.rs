//! A small WebDriver client for Debian's chromium through chromedriver: enough to load a
//! page, click, type, run a script, read the browser's console and network logs and take
//! screenshots. `.ci/run` installs both; without them the browser tests say so and skip.
//!
//! Include with `#[path = "support/webdriver.rs"] mod webdriver;`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// Set by `.ci/run`: a missing browser fails the test instead of skipping its browser part.
pub const REQUIRED: &str = "PORTFOLIO_AUDIT_BROWSER";

/// `name` on the `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// The browser and its driver, when both are installed; when they are not and `.ci/run`
/// requires them, the test fails here.
pub fn installed() -> Option<(PathBuf, PathBuf)> {
    let found = on_path("chromium").zip(on_path("chromedriver"));
    if found.is_none() {
        assert!(
            std::env::var_os(REQUIRED).is_none(),
            "{REQUIRED} is set but chromium or chromedriver is not on the PATH"
        );
        eprintln!(
            "SKIPPED the browser part: chromium or chromedriver is not on the PATH (.ci/run installs them)"
        );
    }
    found
}

/// A chromedriver process with one headless browser session.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    client: reqwest::Client,
}

impl Browser {
    /// Starts chromedriver on a free port and a headless session (scripts on or off).
    pub async fn start((chromium, chromedriver): &(PathBuf, PathBuf), scripts: bool) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let waiting = Instant::now();
        loop {
            let ready = client.get(format!("{base}/status")).send().await;
            if let Ok(response) = ready
                && let Ok(bytes) = response.bytes().await
                && let Ok(status) = serde_json::from_slice::<Value>(&bytes)
                && status["value"]["ready"] == true
            {
                break;
            }
            assert!(
                waiting.elapsed() < Duration::from_secs(20),
                "chromedriver never got ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut prefs = json!({});
        if !scripts {
            prefs = json!({"profile.managed_default_content_settings.javascript": 2});
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,900",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update"],
                "prefs": prefs
            },
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}
        }}});
        let created = send(client.post(format!("{base}/session")), &capabilities).await;
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        Browser {
            driver,
            base,
            session,
            client,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let response = send(self.client.request(method, &url), &body).await;
        let value = response["value"].clone();
        // An error (an alert a page opened, a missing element) fails the test here.
        assert!(value.get("error").is_none(), "WebDriver {path}: {value}");
        value
    }

    pub async fn open(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    /// Runs `script` (a function body; `arguments` are `args`) and returns its value.
    pub async fn run(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": args}),
        )
        .await
    }

    /// The element matching `css`, as WebDriver names it.
    pub async fn find(&self, css: &str) -> String {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            json!({}),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            json!({"text": text}),
        )
        .await;
    }

    /// Elements matching `css` that are displayed.
    pub async fn count_visible(&self, css: &str) -> u64 {
        self.run(
            "return Array.from(document.querySelectorAll(arguments[0])).filter(e => e.offsetParent !== null || e.getClientRects().length > 0).length;",
            json!([css]),
        )
        .await
        .as_u64()
        .unwrap()
    }

    /// Presses and releases one key (WebDriver key codes: `\u{E004}` is Tab, `\u{E007}`
    /// Enter, `\u{E00D}` space).
    pub async fn press(&self, key: &str) {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key},
            {"type": "keyUp", "value": key}
        ]}]});
        self.call(reqwest::Method::POST, "/actions", actions).await;
    }

    pub async fn screenshot(&self, path: &Path) {
        let data = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap())
            .unwrap();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }

    /// Console messages since the last call: (level, message).
    pub async fn console(&self) -> Vec<(String, String)> {
        let entries = self
            .call(reqwest::Method::POST, "/se/log", json!({"type": "browser"}))
            .await;
        entries
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["level"].as_str().unwrap_or("").to_owned(),
                    e["message"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    /// The URLs the page asked for since the last call.
    pub async fn requests(&self) -> Vec<String> {
        let entries = self
            .call(
                reqwest::Method::POST,
                "/se/log",
                json!({"type": "performance"}),
            )
            .await;
        entries
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
            .filter(|m| m["message"]["method"] == "Network.requestWillBeSent")
            .filter_map(|m| {
                m["message"]["params"]["request"]["url"]
                    .as_str()
                    .map(str::to_owned)
            })
            .collect()
    }
}

/// Sends a WebDriver command with a JSON body and reads its JSON answer.
async fn send(request: reqwest::RequestBuilder, body: &Value) -> Value {
    let request = if body.is_null() {
        request
    } else {
        request
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap())
    };
    let bytes = request.send().await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

impl Browser {
    /// Ends the session, which closes the browser.
    pub async fn close(self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.client.delete(url).send().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // After `close`, or when a test failed before it: the driver goes either way.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
