//! The fetcher against misbehaving fixture sites on loopback: robots.txt, retries,
//! limits on time and size, redirects, address checks, charsets, and the rate each site
//! sees (the server records every request's arrival time).

#[path = "support/server.rs"]
mod server;

use std::time::{Duration, Instant};

use portfolio_audit::fetch::{
    FetchConfig, FetchErrorKind, Fetched, Fetcher, ResolveOverride, RetryPolicy,
};
use server::{FixtureServer, Route, Sites};

/// A fetcher for `hosts` on the fixture server: names mapped to loopback with
/// `--resolve` (trusted), every other name and address still guarded.
fn fetcher(server: &FixtureServer, hosts: &[&str], tune: impl FnOnce(&mut FetchConfig)) -> Fetcher {
    let port = server.addr().port();
    let mut config = FetchConfig {
        requests_per_second: 50.0,
        burst: 1,
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(50),
            max_wait: Duration::from_secs(3),
        },
        resolve: hosts
            .iter()
            .map(|h| {
                format!("{h}:{port}:127.0.0.1")
                    .parse::<ResolveOverride>()
                    .unwrap()
            })
            .collect(),
        ..FetchConfig::default()
    };
    tune(&mut config);
    Fetcher::new(config).unwrap()
}

fn error_kind(fetched: &Fetched) -> Option<FetchErrorKind> {
    fetched.record.error.as_ref().map(|e| e.kind)
}

fn paths(server: &FixtureServer, host: &str) -> Vec<String> {
    server.requests(host).into_iter().map(|h| h.path).collect()
}

const PAGE: &str = "<!doctype html><html><head><title>Work</title></head><body><h1>Selected work</h1><p>Hello</p></body></html>";

#[tokio::test]
async fn robots_txt_is_obeyed_fetched_once_and_its_crawl_delay_slows_the_site() {
    let robots = "User-agent: *\nDisallow: /private/\n\nUser-agent: portfolio-audit\nDisallow: /drafts/\nCrawl-delay: 0.4\n";
    let sites = Sites::new()
        .route("site.test", "/robots.txt", Route::text(robots))
        .fallback("site.test", Route::html(PAGE));
    let server = FixtureServer::start(sites).await;
    let fetcher = fetcher(&server, &["site.test"], |_| {});
    let drafts = fetcher.fetch(&server.url("site.test", "/drafts/a")).await;
    assert_eq!(error_kind(&drafts), Some(FetchErrorKind::Robots));
    assert!(drafts.page.is_none());
    for path in ["/work/1", "/work/2", "/work/3"] {
        let page = fetcher.fetch(&server.url("site.test", path)).await;
        assert!(page.page.is_some(), "{path}: {:?}", page.record.error);
    }
    // Our agent's group applies, not `*`'s.
    let private = fetcher.fetch(&server.url("site.test", "/private/x")).await;
    assert!(private.page.is_some());
    let seen = paths(&server, "site.test");
    assert_eq!(seen.iter().filter(|p| *p == "/robots.txt").count(), 1);
    assert!(!seen.iter().any(|p| p.starts_with("/drafts/")), "{seen:?}");
    // Crawl-delay 0.4 s, slower than the 50/s limit, spaces the page requests.
    let pages: Vec<Instant> = server
        .requests("site.test")
        .into_iter()
        .filter(|h| h.path != "/robots.txt")
        .map(|h| h.at)
        .collect();
    for pair in pages.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(380),
            "{:?}",
            pair[1] - pair[0]
        );
    }
}

#[tokio::test]
async fn a_robots_txt_that_fails_closes_the_site_and_ignore_robots_opens_it() {
    let sites = Sites::new()
        .route("down.test", "/robots.txt", Route::Status(503))
        .fallback("down.test", Route::html(PAGE));
    let server = FixtureServer::start(sites).await;
    let polite = fetcher(&server, &["down.test"], |c| c.retry.attempts = 1);
    let fetched = polite.fetch(&server.url("down.test", "/")).await;
    assert_eq!(error_kind(&fetched), Some(FetchErrorKind::Robots));
    let owner = fetcher(&server, &["down.test"], |c| c.respect_robots = false);
    assert!(
        owner
            .fetch(&server.url("down.test", "/"))
            .await
            .page
            .is_some()
    );
}

#[tokio::test]
async fn too_many_requests_is_retried_after_the_servers_delay() {
    let sites = Sites::new()
        .route(
            "busy.test",
            "/",
            Route::fail_then(429, Some("1"), 1, Route::html(PAGE)),
        )
        .route(
            "flaky.test",
            "/",
            Route::fail_then(503, None, 2, Route::html(PAGE)),
        );
    let server = FixtureServer::start(sites).await;
    let fetcher = fetcher(&server, &["busy.test", "flaky.test"], |_| {});
    let busy = fetcher.fetch(&server.url("busy.test", "/")).await;
    assert!(busy.page.is_some(), "{:?}", busy.record.error);
    assert_eq!(busy.record.attempts, 2);
    let hits: Vec<Instant> = server
        .requests("busy.test")
        .into_iter()
        .filter(|h| h.path == "/")
        .map(|h| h.at)
        .collect();
    assert!(
        hits[1] - hits[0] >= Duration::from_millis(950),
        "{:?}",
        hits[1] - hits[0]
    );
    let flaky = fetcher.fetch(&server.url("flaky.test", "/")).await;
    assert!(flaky.page.is_some(), "{:?}", flaky.record.error);
    assert_eq!(flaky.record.attempts, 3);
    assert_eq!(flaky.record.status, Some(200));
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_not_waited_for() {
    let sites = Sites::new().route(
        "slowdown.test",
        "/",
        Route::fail_then(429, Some("3600"), 10, Route::html(PAGE)),
    );
    let server = FixtureServer::start(sites).await;
    let fetcher = fetcher(&server, &["slowdown.test"], |_| {});
    let started = Instant::now();
    let fetched = fetcher.fetch(&server.url("slowdown.test", "/")).await;
    assert_eq!(error_kind(&fetched), Some(FetchErrorKind::HttpStatus));
    assert_eq!(fetched.record.status, Some(429));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_dripping_server_is_cut_off_at_the_total_timeout() {
    let sites = Sites::new().route(
        "drip.test",
        "/",
        Route::Drip {
            bytes: 10_000,
            every: Duration::from_millis(100),
        },
    );
    let server = FixtureServer::start(sites).await;
    let fetcher = fetcher(&server, &["drip.test"], |c| {
        c.timeout = Duration::from_secs(1);
        c.retry.attempts = 1;
    });
    let started = Instant::now();
    let fetched = fetcher.fetch(&server.url("drip.test", "/")).await;
    assert_eq!(error_kind(&fetched), Some(FetchErrorKind::Timeout));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn bodies_stop_at_the_cap_even_when_compressed() {
    let sites = Sites::new()
        .route("bomb.test", "/", Route::GzipBomb { inflated: 1 << 30 })
        .route("big.test", "/", Route::Huge { bytes: 200 << 20 });
    let server = FixtureServer::start(sites).await;
    let fetcher = fetcher(&server, &["bomb.test", "big.test"], |c| {
        c.max_body_bytes = 1 << 20
    });
    let started = Instant::now();
    let bomb = fetcher.fetch(&server.url("bomb.test", "/")).await;
    assert_eq!(error_kind(&bomb), Some(FetchErrorKind::TooLarge));
    assert!(
        bomb.record.bytes <= (1 << 20) + (64 << 10),
        "{}",
        bomb.record.bytes
    );
    let big = fetcher.fetch(&server.url("big.test", "/")).await;
    assert_eq!(error_kind(&big), Some(FetchErrorKind::TooLarge));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn redirects_are_followed_recorded_and_bounded() {
    let mut sites = Sites::new()
        .route("r.test", "/start", Route::redirect(301, "/middle"))
        .route("r.test", "/middle", Route::redirect(308, "end"))
        .route("r.test", "/end", Route::html(PAGE))
        .route("r.test", "/a", Route::redirect(302, "/b"))
        .route("r.test", "/b", Route::redirect(302, "/a"));
    for hop in 0..12 {
        let next = format!("/chain/{}", hop + 1);
        sites = sites.route(
            "r.test",
            &format!("/chain/{hop}"),
            Route::redirect(302, &next),
        );
    }
    let server = FixtureServer::start(sites).await;
    let fetcher = fetcher(&server, &["r.test"], |_| {});
    let chained = fetcher.fetch(&server.url("r.test", "/start")).await;
    assert!(chained.page.is_some(), "{:?}", chained.record.error);
    assert_eq!(
        chained.record.redirects,
        [
            server.url("r.test", "/start"),
            server.url("r.test", "/middle")
        ]
    );
    assert_eq!(chained.record.final_url, Some(server.url("r.test", "/end")));
    let looped = fetcher.fetch(&server.url("r.test", "/a")).await;
    assert_eq!(error_kind(&looped), Some(FetchErrorKind::RedirectLoop));
    let long = fetcher.fetch(&server.url("r.test", "/chain/0")).await;
    assert_eq!(error_kind(&long), Some(FetchErrorKind::TooManyRedirects));
    assert_eq!(long.record.redirects.len(), 11);
    // The eleventh redirect is refused before it is followed.
    assert!(!paths(&server, "r.test").contains(&"/chain/11".to_owned()));
}

#[tokio::test]
async fn a_redirect_chain_is_recorded_hop_by_hop() {
    let sites = Sites::new().route("hops.test", "/", Route::html(PAGE));
    let server = FixtureServer::start(sites).await;
    let end = server.url("hops.test", "/");
    let sites = Sites::new().route("short.test", "/x", Route::redirect(301, end.as_str()));
    let short = FixtureServer::start(sites).await;
    let port = server.addr().port();
    let short_port = short.addr().port();
    let fetcher = Fetcher::new(FetchConfig {
        resolve: vec![
            format!("hops.test:{port}:127.0.0.1").parse().unwrap(),
            format!("short.test:{short_port}:127.0.0.1")
                .parse()
                .unwrap(),
        ],
        ..FetchConfig::default()
    })
    .unwrap();
    let fetched = fetcher.fetch(&short.url("short.test", "/x")).await;
    let page = fetched.page.expect("the chain ends at a page");
    assert_eq!(page.url, end);
    assert_eq!(page.redirects, [short.url("short.test", "/x")]);
    assert_eq!(fetched.record.final_url.as_ref(), Some(&end));
    assert_eq!(fetched.record.status, Some(200));
}

#[tokio::test]
async fn private_addresses_are_refused_however_they_are_reached() {
    let sites = Sites::new()
        .route(
            "ssrf.test",
            "/meta",
            Route::redirect(302, "http://169.254.169.254/latest/meta-data/"),
        )
        .route(
            "ssrf.test",
            "/octal",
            Route::redirect(302, "http://0177.0.0.1/admin"),
        )
        .route(
            "ssrf.test",
            "/mapped",
            Route::redirect(302, "http://[::ffff:127.0.0.1]/"),
        )
        .route(
            "ssrf.test",
            "/named",
            Route::redirect(302, "http://localhost/"),
        )
        .route(
            "ssrf.test",
            "/ftp",
            Route::redirect(302, "ftp://files.test/x"),
        );
    let server = FixtureServer::start(sites).await;
    let fetcher = fetcher(&server, &["ssrf.test"], |c| c.respect_robots = false);
    for path in ["/meta", "/octal", "/mapped", "/named"] {
        let fetched = fetcher.fetch(&server.url("ssrf.test", path)).await;
        assert_eq!(
            error_kind(&fetched),
            Some(FetchErrorKind::PrivateAddress),
            "{path}: {:?}",
            fetched.record.error
        );
    }
    for direct in ["http://2130706433/", "http://[::1]:9/", "http://10.0.0.1/"] {
        let fetched = fetcher.fetch(&direct.parse().unwrap()).await;
        assert_eq!(
            error_kind(&fetched),
            Some(FetchErrorKind::PrivateAddress),
            "{direct}"
        );
    }
    let ftp = fetcher.fetch(&server.url("ssrf.test", "/ftp")).await;
    assert_eq!(error_kind(&ftp), Some(FetchErrorKind::UnsupportedScheme));
}

#[tokio::test]
async fn only_html_is_read_and_the_header_charset_decodes_it() {
    let cyrillic = "<html><body><h1>Портфолио</h1><p>Пишите мне</p></body></html>";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(cyrillic);
    let sites = Sites::new()
        .route(
            "mixed.test",
            "/cv.pdf",
            Route::body("application/pdf", b"%PDF-1.7 ...".to_vec()),
        )
        .route(
            "mixed.test",
            "/ru",
            Route::body("text/html; charset=windows-1251", bytes.into_owned()),
        );
    let server = FixtureServer::start(sites).await;
    let fetcher = fetcher(&server, &["mixed.test"], |_| {});
    let pdf = fetcher.fetch(&server.url("mixed.test", "/cv.pdf")).await;
    assert_eq!(error_kind(&pdf), Some(FetchErrorKind::NotHtml));
    assert_eq!(pdf.record.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(pdf.record.bytes, 0);
    let ru = fetcher.fetch(&server.url("mixed.test", "/ru")).await;
    let page = ru.page.expect("an HTML page");
    assert_eq!(page.encoding, "windows-1251");
    assert!(page.html.contains("Пишите мне"), "{}", page.html);
}

#[tokio::test]
async fn no_site_sees_more_than_its_rate_and_subdomains_share_it() {
    let sites = Sites::new()
        .fallback("a.shop.test", Route::html(PAGE))
        .fallback("b.shop.test", Route::html(PAGE))
        .fallback("other.test", Route::html(PAGE));
    let server = FixtureServer::start(sites).await;
    let fetcher = fetcher(
        &server,
        &["a.shop.test", "b.shop.test", "other.test"],
        |c| {
            c.requests_per_second = 5.0;
            c.respect_robots = false;
        },
    );
    let urls: Vec<url::Url> = (0..6)
        .flat_map(|i| {
            ["a.shop.test", "b.shop.test", "other.test"].map(|h| server.url(h, &format!("/p{i}")))
        })
        .collect();
    let started = Instant::now();
    let fetched = futures_util::future::join_all(urls.iter().map(|u| fetcher.fetch(u))).await;
    assert!(fetched.iter().all(|f| f.page.is_some()));
    // 12 requests to shop.test at 5/s take at least 11 periods of 200 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(2150),
        "{:?}",
        started.elapsed()
    );
    let mut shop: Vec<Instant> = server
        .requests("a.shop.test")
        .into_iter()
        .chain(server.requests("b.shop.test"))
        .map(|h| h.at)
        .collect();
    shop.sort();
    // Arrivals may bunch by a few milliseconds of scheduling; the limit spaces them 200 ms.
    assert_eq!(server::max_in_window(&shop, Duration::from_millis(180)), 1);
    assert_eq!(
        server.max_in_window("other.test", Duration::from_millis(180)),
        1
    );
}

#[tokio::test]
async fn a_site_gets_at_most_its_share_of_parallel_requests() {
    let sites = Sites::new().fallback(
        "slow.test",
        Route::html(PAGE).delayed(Duration::from_millis(300)),
    );
    let server = FixtureServer::start(sites).await;
    let fetcher = fetcher(&server, &["slow.test"], |c| {
        c.requests_per_second = 1000.0;
        c.per_site_concurrency = 2;
        c.respect_robots = false;
    });
    let urls: Vec<url::Url> = (0..6)
        .map(|i| server.url("slow.test", &format!("/{i}")))
        .collect();
    let started = Instant::now();
    futures_util::future::join_all(urls.iter().map(|u| fetcher.fetch(u))).await;
    // Six 300 ms answers, two at a time.
    assert!(
        started.elapsed() >= Duration::from_millis(880),
        "{:?}",
        started.elapsed()
    );
    assert!(server.max_in_window("slow.test", Duration::from_millis(250)) <= 2);
}

#[tokio::test]
async fn a_site_that_keeps_failing_is_left_alone() {
    let sites = Sites::new().fallback("broken.test", Route::Status(503));
    let server = FixtureServer::start(sites).await;
    let fetcher = fetcher(&server, &["broken.test"], |c| {
        c.respect_robots = false;
        c.retry.attempts = 2;
        c.failures_before_backoff = 2;
    });
    for i in 0..2 {
        let fetched = fetcher
            .fetch(&server.url("broken.test", &format!("/{i}")))
            .await;
        assert_eq!(error_kind(&fetched), Some(FetchErrorKind::HttpStatus));
    }
    let before = server.requests("broken.test").len();
    let skipped = fetcher.fetch(&server.url("broken.test", "/later")).await;
    assert_eq!(error_kind(&skipped), Some(FetchErrorKind::HostBackedOff));
    assert_eq!(server.requests("broken.test").len(), before);
}
