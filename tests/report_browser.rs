//! The reviewer's HTML report, in a real browser: Debian's chromium driven through
//! chromedriver (`.ci/run` installs both; without them these tests say so and pass
//! without looking). The report of a fixture audit, a page among whose evidence is
//! `</style>`, `<script>`, `onerror=` and a `javascript:` redirect, must load with no
//! console error and no request, filter and search with a click, read in full with
//! scripts off, and page a list of 10,000 profiles. Screenshots go to
//! `target/report-screenshots/` for a person to look at.

#[path = "support/server.rs"]
mod server;
#[path = "support/webdriver.rs"]
mod webdriver;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use portfolio_audit::Ruleset;
use portfolio_audit::audit::{SessionFigures, Summary};
use portfolio_audit::report::write_audit_html;
use serde_json::{Value, json};
use server::{FixtureServer, Route, Sites};
use webdriver::Browser;

const BIN: &str = env!("CARGO_BIN_EXE_portfolio-audit");

const PAGES: [&str; 8] = [
    "a-github-pages-dev.html",
    "a-writer-microdata.html",
    "b-resume-page-cv.html",
    "a-wp-photographer-cloudflare.html",
    "b-upwork-whatsapp-banner.html",
    "b-coming-soon-whatsapp.html",
    "a-freelance-dev-blog-noncontact.html",
    "b-social-icons-only.html",
];

fn fixture(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join("report-screenshots")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn file_url(path: &Path) -> String {
    url::Url::from_file_path(path).unwrap().to_string()
}

/// The fixture sites: eight portfolio pages, a developer's page quoting markup next to
/// an off-platform offer, a link that redirects to `javascript:`, a shortener to wa.me,
/// and a marketplace profile linking the hostile ones.
async fn fixture_sites() -> FixtureServer {
    let mut sites = Sites::new()
        .route(
            "marek.test",
            "/",
            Route::html(fixture("report/xss-notes-dev.html")),
        )
        .route(
            "evil-redirect.test",
            "/",
            Route::redirect(302, "javascript:alert(document.domain)"),
        )
        .route(
            "go.test",
            "/jane",
            Route::redirect(301, "http://wa.me/14155550132"),
        )
        .route(
            "market.test",
            "/u/marek",
            Route::html(
                "<!doctype html><html><head><title>Marek D. — GigMarket</title></head><body>\
                 <h1>Marek D.</h1><p>Front-end developer, Brno. 4.9 ★ (31 reviews)</p>\
                 <h2>Portfolio</h2><ul><li><a href=\"http://marek.test/\">marek.test</a></li>\
                 <li><a href=\"http://evil-redirect.test/\">Case study</a></li></ul>\
                 <footer><a href=\"/help\">Help</a></footer></body></html>",
            ),
        );
    for (i, page) in PAGES.iter().enumerate() {
        sites = sites.route(
            &format!("site{i}.test"),
            "/",
            Route::html(fixture(&format!("pages/{page}"))),
        );
    }
    FixtureServer::start(sites).await
}

/// Runs the fixture audit with `--report`; returns the report's path and the summary.
fn fixture_audit(dir: &Path, port: u16) -> (PathBuf, Value) {
    let mut lines = vec![
        json!({"id": "marek", "portfolio_urls": ["http://marek.test/", "http://evil-redirect.test/"]}).to_string(),
        json!({"id": "jane-short", "portfolio_urls": ["http://go.test/jane"]}).to_string(),
        "{\"id\": \"broken\", \"portfolio_urls\": [".to_owned(),
    ];
    for i in 0..PAGES.len() {
        lines.push(
            json!({"id": format!("p{i}"), "portfolio_urls": [format!("http://site{i}.test/")]})
                .to_string(),
        );
    }
    std::fs::write(dir.join("profiles.jsonl"), lines.join("\n")).unwrap();
    let report = dir.join("report.html");
    let output = Command::new(BIN)
        .arg("audit")
        .arg("--input")
        .arg(dir.join("profiles.jsonl"))
        .arg("--output")
        .arg(dir.join("results.jsonl"))
        .arg("--summary")
        .arg(dir.join("summary.json"))
        .arg("--report")
        .arg(&report)
        .args([
            "--resolve",
            &format!("*:80:127.0.0.1:{port}"),
            "--rate",
            "20",
        ])
        .env_remove("PORTFOLIO_AUDIT_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let summary =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    (report, summary)
}

/// What no report may contain, read as a browser reads it: one style and one script
/// (its own), no event handler, no link but to the web, nothing that loads.
fn assert_inert(html: &str) {
    let document = scraper::Html::parse_document(html);
    let count = |css: &str| {
        document
            .select(&scraper::Selector::parse(css).unwrap())
            .count()
    };
    assert_eq!(count("script"), 2, "only the report's own scripts");
    assert_eq!(count("style"), 1, "only the report's own style");
    assert_eq!(
        count("img, iframe, object, embed, link, base, form, svg, video, audio"),
        0
    );
    assert_eq!(count("meta[http-equiv=refresh]"), 0);
    for element in document.select(&scraper::Selector::parse("*").unwrap()) {
        for (name, value) in element.value().attrs() {
            assert!(
                !name.to_ascii_lowercase().starts_with("on"),
                "{name}={value:?}"
            );
            if name == "href" {
                assert!(
                    value.starts_with('#')
                        || value.starts_with("http://")
                        || value.starts_with("https://"),
                    "href={value:?}"
                );
            }
        }
    }
}

/// No console message worse than information, and no request but the report itself.
async fn assert_quiet(browser: &Browser, report_url: &str) {
    let noisy: Vec<(String, String)> = browser
        .console()
        .await
        .into_iter()
        .filter(|(level, _)| level != "INFO" && level != "DEBUG")
        .collect();
    assert!(noisy.is_empty(), "console: {noisy:?}");
    let requests: Vec<String> = browser
        .requests()
        .await
        .into_iter()
        .filter(|url| url != report_url)
        .collect();
    assert!(requests.is_empty(), "requests: {requests:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_escapes_page_content_filters_with_a_click_and_reads_without_scripts() {
    let dir = scratch("fixture-audit");
    let server = fixture_sites().await;
    let (report, summary) = fixture_audit(&dir, server.addr().port());
    let html = std::fs::read_to_string(&report).unwrap();
    // The hostile text is in the evidence, as text.
    assert!(
        html.contains("&lt;/style&gt;&lt;script&gt;alert(&#39;pwned&#39;)"),
        "evidence quoted"
    );
    assert!(
        html.contains("javascript:alert(document.domain)"),
        "the redirect's target named"
    );
    assert_inert(&html);
    let profiles = html.matches("<article class=\"profile").count();
    assert_eq!(profiles, PAGES.len() + 3);

    let check = Command::new(BIN)
        .args([
            "check",
            "http://market.test/u/marek",
            "--format",
            "html",
            "--rate",
            "20",
        ])
        .args([
            "--resolve",
            &format!("*:80:127.0.0.1:{}", server.addr().port()),
        ])
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let check_report = dir.join("check.html");
    std::fs::write(&check_report, &check.stdout).unwrap();
    assert_inert(&String::from_utf8_lossy(&check.stdout));

    let Some(installed) = webdriver::installed() else {
        return;
    };
    let shots = screenshots();
    let browser = Browser::start(&installed, true).await;
    let url = file_url(&report);
    browser.open(&url).await;
    // An alert would have failed the next command; a script that ran would leave a trace.
    let title = browser.run("return document.title;", json!([])).await;
    assert!(
        title.as_str().unwrap().starts_with("Portfolio audit"),
        "{title}"
    );
    assert_eq!(
        browser.count_visible("#controls").await,
        1,
        "the script showed the controls"
    );
    assert_eq!(
        browser.count_visible("#profiles > .profile").await,
        profiles as u64
    );
    browser.screenshot(&shots.join("audit-all.png")).await;
    // By keyboard: the first Tab reaches the skip link, Enter follows it.
    browser.press("\u{E004}").await;
    let focused = browser
        .run("return document.activeElement.className;", json!([]))
        .await;
    assert_eq!(focused, "skip");
    browser.press("\u{E007}").await;
    let target = browser.run("return location.hash;", json!([])).await;
    assert_eq!(target, "#profiles");

    for verdict in [
        "showcase_with_contact",
        "no_contact",
        "unjudged",
        "input_error",
    ] {
        browser
            .click(&format!("#controls input[value={verdict}]"))
            .await;
    }
    let flagged = summary["verdicts"]["solicitation"].as_u64().unwrap();
    assert!(flagged >= 3, "{summary}");
    assert_eq!(browser.count_visible("#profiles > .profile").await, flagged);
    assert_eq!(
        browser
            .count_visible("#profiles > .profile[data-verdict=solicitation]")
            .await,
        flagged
    );
    browser.screenshot(&shots.join("audit-flagged.png")).await;
    browser.type_into("#search", "marek").await;
    assert_eq!(browser.count_visible("#profiles > .profile").await, 1);
    browser.screenshot(&shots.join("audit-search.png")).await;
    // A rule id links to its explanation in the page.
    browser
        .click("#profiles > .profile:not([hidden]) a.rule-id")
        .await;
    let target = browser.run("return location.hash;", json!([])).await;
    assert!(
        target.as_str().unwrap().starts_with("#rule-SOL"),
        "{target}"
    );
    assert_quiet(&browser, &url).await;

    let check_url = file_url(&check_report);
    browser.open(&check_url).await;
    assert_eq!(browser.count_visible("#profiles > .profile").await, 1);
    browser.screenshot(&shots.join("check.png")).await;
    assert_quiet(&browser, &check_url).await;
    browser.close().await;

    let no_scripts = Browser::start(&installed, false).await;
    no_scripts.open(&url).await;
    assert_eq!(
        no_scripts.count_visible("#controls").await,
        0,
        "no controls without scripts"
    );
    assert_eq!(
        no_scripts.count_visible("#profiles > .profile").await,
        profiles as u64
    );
    no_scripts
        .screenshot(&shots.join("audit-no-scripts.png"))
        .await;
    assert_quiet(&no_scripts, &url).await;
    no_scripts.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_of_ten_thousand_profiles_is_paged_and_stays_usable() {
    const PROFILES: usize = 10_000;
    let dir = scratch("large");
    let server = fixture_sites().await;
    fixture_audit(&dir, server.addr().port());
    // The fixture audit's profiles, repeated under new ids.
    let lines: Vec<Value> = std::fs::read_to_string(dir.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r: &Value| r["id"].is_string())
        .collect();
    let mut large = String::new();
    let mut flagged = 0;
    for i in 0..PROFILES {
        let mut line = lines[i % lines.len()].clone();
        line["id"] = json!(format!("profile-{i:05}"));
        flagged += usize::from(line["verdict"] == "solicitation");
        large.push_str(&line.to_string());
        large.push('\n');
    }
    let results = dir.join("large.jsonl");
    std::fs::write(&results, large).unwrap();
    let mut verdicts = std::collections::BTreeMap::new();
    verdicts.insert("solicitation".to_owned(), flagged as u64);
    let summary = Summary {
        run: 1,
        resumed: false,
        interrupted: false,
        output: results.clone(),
        state: dir.join("portfolio-audit.db"),
        profiles: PROFILES as u64,
        verdicts,
        newly_flagged: (0..PROFILES)
            .step_by(7)
            .map(|i| format!("profile-{i:05}"))
            .collect(),
        newly_cleared: Vec::new(),
        input_errors: 0,
        pages: Default::default(),
        fetch_errors: Default::default(),
        session: SessionFigures {
            profiles: PROFILES as u64,
            pages_requested: 0,
            elapsed_secs: 1.0,
            profiles_per_second: 0.0,
            pages_per_second: 0.0,
        },
    };
    let report = dir.join("large.html");
    let counts = write_audit_html(&results, &summary, Ruleset::builtin(), &report).unwrap();
    assert_eq!((counts.profiles, counts.flagged), (PROFILES, flagged));
    assert_inert(&std::fs::read_to_string(&report).unwrap());
    drop(summary);

    let Some(installed) = webdriver::installed() else {
        return;
    };
    let browser = Browser::start(&installed, true).await;
    let url = file_url(&report);
    browser.open(&url).await;
    assert_eq!(
        browser.count_visible("#profiles > .profile").await,
        100,
        "one page of 100"
    );
    let shown = browser
        .run(
            "return document.getElementById('shown').textContent;",
            json!([]),
        )
        .await;
    assert!(shown.as_str().unwrap().contains("page 1 of 100"), "{shown}");
    let first = browser
        .run(
            "return document.querySelector('#profiles > .profile:not([hidden])').id;",
            json!([]),
        )
        .await;
    browser.click("#next").await;
    let second = browser
        .run(
            "return document.querySelector('#profiles > .profile:not([hidden])').id;",
            json!([]),
        )
        .await;
    assert_ne!(first, second, "the next page shows other profiles");
    let focused = browser
        .run("return document.activeElement.id;", json!([]))
        .await;
    assert_eq!(focused, "profiles", "focus moves to the new page");
    // A summary link to a profile on another page brings that page up.
    let far = browser
        .run(
            "return Array.from(document.querySelectorAll('#summary a[href^=\"#p-\"]')).map(a => a.getAttribute('href')).find(h => document.querySelector(h).hidden);",
            json!([]),
        )
        .await;
    let far = far
        .as_str()
        .expect("a newly flagged profile off the current page")
        .to_owned();
    browser.click(&format!("#summary a[href=\"{far}\"]")).await;
    let hidden = browser
        .run(
            "return document.querySelector(arguments[0]).hidden;",
            json!([far]),
        )
        .await;
    assert_eq!(hidden, false, "{far} is shown after following its link");
    browser
        .click("#controls input[value=showcase_with_contact]")
        .await;
    browser.click("#controls input[value=no_contact]").await;
    browser.click("#controls input[value=unjudged]").await;
    let shown = browser
        .run(
            "return document.getElementById('shown').textContent;",
            json!([]),
        )
        .await;
    assert!(
        shown
            .as_str()
            .unwrap()
            .starts_with(&format!("{flagged} of {PROFILES}")),
        "{shown}"
    );
    assert_eq!(
        browser
            .count_visible("#profiles > .profile[data-verdict=solicitation]")
            .await,
        100.min(flagged as u64)
    );
    browser
        .screenshot(&screenshots().join("large-flagged.png"))
        .await;
    assert_quiet(&browser, &url).await;
    browser.close().await;
}
