//! `check` end to end on loopback: a marketplace profile page served by the fixture server
//! links to portfolio sites that show work, solicit on their contact page, hide behind a
//! shortener that lands on WhatsApp, or forbid crawling; the check judges each.

#[path = "support/server.rs"]
mod server;

use std::path::Path;
use std::process::Command;

use std::sync::Arc;

use portfolio_audit::check::{
    CheckOptions, Judge, LiveSource, ProfileReport, ProfileTarget, check_profile,
};
use portfolio_audit::fetch::{FetchConfig, FetchErrorKind, Fetcher, ResolveOverride};
use portfolio_audit::{Ruleset, Verdict};
use server::{FixtureServer, Route, Sites};

const HOSTS: [&str; 6] = [
    "market.test",
    "lens.test",
    "leipzig-dev.test",
    "sho.rt",
    "wa.me",
    "private.test",
];

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pages")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The profile links four portfolios, plus the usual noise a profile page carries.
fn profile_page(port: u16) -> String {
    let at = |host: &str, path: &str| format!("http://{host}:{port}{path}");
    format!(
        r#"<!doctype html><html lang="en"><head><title>Jane Reyes — Photographer | Market</title>
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter"></head>
<body><header><a href="/">Market</a> <a href="/jobs">Find work</a></header>
<main><h1>Jane Reyes</h1><p>Wedding and portrait photographer, 9 years, 140 reviews.</p>
<section class="portfolio"><h2>Portfolio</h2>
 <a href="{lens}">Galleries</a>
 <a href="{dev}">Web projects</a>
 <a href="{short}">Latest work</a>
 <a href="{private}">Client area</a>
 <a href="{lens_logo}">logo</a>
</section>
<a href="https://www.facebook.com/sharer/sharer.php?u=x">Share this profile</a>
</main></body></html>"#,
        lens = at("lens.test", "/"),
        dev = at("leipzig-dev.test", "/"),
        short = at("sho.rt", "/j4n3"),
        private = at("private.test", "/"),
        lens_logo = at("lens.test", "/logo@2x.png"),
    )
}

/// An about page with ordinary contact details: a form and an address.
const ORDINARY_CONTACT: &str = r#"<!doctype html><html><body><h1>Contact</h1>
<p>Tell me about your day: <a href="mailto:hello@danielreyesphoto.com">hello@danielreyesphoto.com</a>.</p>
<form action="/send" method="post"><input type="email" name="email"><textarea name="message"></textarea></form></body></html>"#;

/// A landing page that shows work and links its contact page.
fn dev_landing() -> String {
    r#"<!doctype html><html lang="de"><body><h1>Jonas Weber — Webentwicklung</h1>
<h2>Projekte</h2>
<article><img src="/p1.jpg" alt="Shop"><h3>Onlineshop Kaffeerösterei</h3><p>Shopware 6, 2024.</p></article>
<article><img src="/p2.jpg" alt="Portal"><h3>Mitgliederportal Sportverein</h3><p>Laravel, 2023.</p></article>
<article><img src="/p3.jpg" alt="App"><h3>Terminbuchung Physiopraxis</h3><p>Vue, 2022.</p></article>
<nav><a href="/kontakt">Kontakt</a> <a href="/impressum">Impressum</a></nav>
<p>E-Mail: <a href="mailto:jonas@weber-web.de">jonas@weber-web.de</a></p></body></html>"#
        .to_owned()
}

async fn serve() -> FixtureServer {
    FixtureServer::start_with(|port| {
        Sites::new()
            .route(
                "market.test",
                "/freelancers/jane",
                Route::html(profile_page(port)),
            )
            .route(
                "lens.test",
                "/",
                // The saved page links its own site absolutely; serve it as that site.
                Route::html(fixture("a-wp-photographer-cloudflare.html").replace(
                    "https://danielreyesphoto.com",
                    &format!("http://lens.test:{port}"),
                )),
            )
            .route("lens.test", "/about/", Route::html(ORDINARY_CONTACT))
            .route("leipzig-dev.test", "/", Route::html(dev_landing()))
            .route(
                "leipzig-dev.test",
                "/kontakt",
                Route::html(fixture("h1-de-webentwickler-leipzig.html")),
            )
            .route(
                "sho.rt",
                "/j4n3",
                Route::redirect(301, &format!("http://wa.me:{port}/14155550132?text=Hi")),
            )
            .route(
                "private.test",
                "/robots.txt",
                Route::text("User-agent: *\nDisallow: /\n"),
            )
            .route("private.test", "/", Route::html("<p>private</p>"))
    })
    .await
}

fn fetcher_for(server: &FixtureServer) -> Fetcher {
    let port = server.addr().port();
    Fetcher::new(FetchConfig {
        requests_per_second: 20.0,
        resolve: HOSTS
            .iter()
            .map(|h| {
                format!("{h}:{port}:127.0.0.1")
                    .parse::<ResolveOverride>()
                    .unwrap()
            })
            .collect(),
        ..FetchConfig::default()
    })
    .unwrap()
}

fn page<'a>(report: &'a ProfileReport, host: &str) -> &'a portfolio_audit::check::LinkReport {
    report
        .pages
        .iter()
        .find(|p| p.link.host_str() == Some(host))
        .unwrap_or_else(|| {
            panic!(
                "no page for {host} in {:?}",
                report
                    .pages
                    .iter()
                    .map(|p| p.link.as_str())
                    .collect::<Vec<_>>()
            )
        })
}

#[tokio::test]
async fn a_profile_is_judged_by_its_worst_linked_page() {
    let server = serve().await;
    let source = LiveSource {
        fetcher: Arc::new(fetcher_for(&server)),
        judge: Arc::new(Judge::new(Ruleset::builtin(), CheckOptions::default())),
    };
    let profile = server.url("market.test", "/freelancers/jane");
    let extra = server.url("lens.test", "/");
    let target = ProfileTarget {
        profile_url: Some(profile),
        links: vec![extra.clone()],
        discover: true,
        overview: None,
    };
    let report = check_profile(&source, &target).await;
    let found = report.profile.as_ref().expect("the profile page was read");

    assert_eq!(report.verdict, Some(Verdict::Solicitation));
    assert_eq!(
        found.links_found,
        4,
        "{:?}",
        report
            .pages
            .iter()
            .map(|p| p.link.as_str())
            .collect::<Vec<_>>()
    );
    assert!(!found.has_channel);
    // --link of an already found page adds nothing.
    assert_eq!(report.pages.len(), 4);

    let lens = page(&report, "lens.test");
    assert_eq!(lens.verdict, Some(Verdict::ShowcaseWithContact));
    // Its about page, with ordinary contact details, was read and counts nothing (B6).
    assert!(
        lens.site_pages
            .iter()
            .any(|s| s.fetch.requested.path() == "/about/")
    );
    assert!(lens.site_pages.iter().all(|s| s.counted.is_empty()));

    let dev = page(&report, "leipzig-dev.test");
    assert_eq!(
        dev.scan.as_ref().map(|s| s.verdict),
        Some(Verdict::ShowcaseWithContact)
    );
    assert_eq!(dev.verdict, Some(Verdict::Solicitation));
    let kontakt = &dev.site_pages[0];
    assert_eq!(kontakt.fetch.requested.path(), "/kontakt");
    assert!(
        !kontakt.counted.is_empty(),
        "{:?}",
        kontakt.scan.as_ref().map(|s| &s.signals)
    );

    let short = page(&report, "sho.rt");
    assert_eq!(short.verdict, Some(Verdict::Solicitation));
    let signals = &short.scan.as_ref().expect("judged by its address").signals;
    assert_eq!(signals[0].rule, "SOL001");
    assert_eq!(short.fetch.redirects.len(), 1);

    let private = page(&report, "private.test");
    assert_eq!(private.verdict, None);
    assert_eq!(
        private.fetch.error.as_ref().map(|e| e.kind),
        Some(FetchErrorKind::Robots)
    );
    assert!(
        !server
            .requests("private.test")
            .iter()
            .any(|h| h.path == "/")
    );
}

#[tokio::test]
async fn the_command_prints_the_report_and_exits_by_the_verdict() {
    let server = serve().await;
    let port = server.addr().port();
    let mut args: Vec<String> = vec![
        "check".into(),
        server.url("market.test", "/freelancers/jane").to_string(),
        "--format".into(),
        "json".into(),
        "--rate".into(),
        "20".into(),
    ];
    for host in HOSTS {
        args.push("--resolve".into());
        args.push(format!("{host}:{port}:127.0.0.1"));
    }
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_portfolio-audit"))
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["verdict"], "solicitation");
    assert_eq!(json["pages"].as_array().unwrap().len(), 4);

    // A profile whose address is private, without --allow-private: nothing to judge.
    let output = tokio::task::spawn_blocking(|| {
        Command::new(env!("CARGO_BIN_EXE_portfolio-audit"))
            .args([
                "check",
                "http://169.254.169.254/latest/meta-data/",
                "--format",
                "table",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("private_address"), "{text}");

    let output = Command::new(env!("CARGO_BIN_EXE_portfolio-audit"))
        .args([
            "check",
            "https://a.test/",
            "--resolve",
            "a.test:http:127.0.0.1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("a.test:http:127.0.0.1"));
}
