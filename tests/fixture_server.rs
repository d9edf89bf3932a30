//! Self-test of the fixture server in tests/support/server.rs, with reqwest
//! directly (not the crate's fetcher).

#[path = "support/server.rs"]
mod server;

use std::io::Read;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{Client, StatusCode, redirect};
use server::{FixtureServer, Route, Sites, filler_page};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const A: &str = "site-a.test";
const B: &str = "site-b.test";

fn client(server: &FixtureServer) -> Client {
    Client::builder()
        .resolve(A, server.addr())
        .resolve(B, server.addr())
        .no_proxy()
        .redirect(redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn raw_client(server: &FixtureServer) -> Client {
    server.client_builder().no_gzip().build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn html_body_hosts_and_404() {
    let cp1251: Vec<u8> = vec![0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]; // "Привет"
    let sites = Sites::new()
        .route(A, "/", Route::Html("<p>site A</p>".into()))
        .route(B, "/", Route::Html("<p>site B</p>".into()))
        .route(
            B,
            "/ru",
            Route::Body {
                content_type: "text/html; charset=windows-1251".into(),
                body: cp1251.clone(),
            },
        )
        .route(
            A,
            "/robots.txt",
            Route::text("User-agent: *\nDisallow: /private\n"),
        )
        .route(B, "/robots.txt", Route::Status(503));
    let server = FixtureServer::start(sites).await;
    let c = client(&server);

    let resp = c.get(server.url(A, "/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(resp.text().await.unwrap(), "<p>site A</p>");
    let resp = c.get(server.url(B, "/")).send().await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "<p>site B</p>");

    let resp = c.get(server.url(B, "/ru")).send().await.unwrap();
    assert_eq!(
        resp.headers()[CONTENT_TYPE],
        "text/html; charset=windows-1251"
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), cp1251.as_slice());

    let resp = c.get(server.url(A, "/robots.txt")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("Disallow: /private"));
    let resp = c.get(server.url(B, "/robots.txt")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp.bytes().await.unwrap().is_empty());

    let resp = c.get(server.url(A, "/nope?x=1")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // An unknown host (and the Host header matched case-insensitively, port dropped).
    let resp = c
        .get(server.url(A, "/"))
        .header("host", "Unknown.TEST:1234")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = c
        .get(server.url(A, "/"))
        .header("host", "SITE-B.test:1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), "<p>site B</p>");

    let a: Vec<String> = server.requests(A).into_iter().map(|h| h.path).collect();
    assert_eq!(a, ["/", "/robots.txt", "/nope?x=1"]);
    assert_eq!(server.requests("unknown.test").len(), 1);
    assert_eq!(server.requests(B).len(), 4);
    assert_eq!(server.all_requests().len(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redirect_and_fail_then() {
    let sites = Sites::new()
        .route(A, "/old", Route::redirect(301, "https://site-b.test/new"))
        .route(A, "/rel", Route::redirect(307, "../x y/é"))
        .route(
            A,
            "/busy",
            Route::fail_then(429, Some("1"), 2, Route::Html("finally".into())),
        )
        .route(
            B,
            "/busy",
            Route::fail_then(503, None, 1, Route::Html("b ok".into())),
        );
    let server = FixtureServer::start(sites).await;
    let c = client(&server);

    let resp = c.get(server.url(A, "/old")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(resp.headers()[LOCATION], "https://site-b.test/new");
    let resp = c.get(server.url(A, "/rel")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(resp.headers()[LOCATION].as_bytes(), "../x y/é".as_bytes());

    for _ in 0..2 {
        let resp = c.get(server.url(A, "/busy")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()[RETRY_AFTER], "1");
    }
    // B's route counts separately from A's.
    let resp = c.get(server.url(B, "/busy")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp.headers().get(RETRY_AFTER).is_none());
    for _ in 0..2 {
        let resp = c.get(server.url(A, "/busy")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.text().await.unwrap(), "finally");
    }
    let resp = c.get(server.url(B, "/busy")).send().await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "b ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fallback_counts_fail_then_per_path() {
    let sites = Sites::new()
        .route(A, "/", Route::Html("home".into()))
        .fallback(
            A,
            Route::fail_then(503, Some("0"), 1, Route::Html("page".into())),
        );
    let server = FixtureServer::start(sites).await;
    let c = client(&server);
    for path in ["/p1", "/p2"] {
        let first = c.get(server.url(A, path)).send().await.unwrap();
        assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
        let second = c.get(server.url(A, path)).send().await.unwrap();
        assert_eq!(second.text().await.unwrap(), "page");
    }
    let home = c.get(server.url(A, "/")).send().await.unwrap();
    assert_eq!(home.text().await.unwrap(), "home");
    let other_host = c.get(server.url(B, "/p1")).send().await.unwrap();
    assert_eq!(other_host.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn drip_sends_headers_at_once_then_trickles() {
    let every = Duration::from_millis(40);
    let sites = Sites::new().route(A, "/slow", Route::Drip { bytes: 10, every });
    let server = FixtureServer::start(sites).await;
    let c = client(&server);

    let start = Instant::now();
    let mut resp = c.get(server.url(A, "/slow")).send().await.unwrap();
    let headers_after = start.elapsed();
    assert!(headers_after < every * 3, "headers took {headers_after:?}");
    assert_eq!(resp.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
    }
    let total = start.elapsed();
    assert_eq!(body.len(), 10);
    assert!(body.starts_with(b"<!DOCTYPE"));
    assert!(total >= every * 9, "whole drip took only {total:?}");
    assert!(total < every * 30, "whole drip took {total:?}");
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gzip_bomb_stays_small_on_the_wire() {
    const GIB: u64 = 1 << 30;
    let start = Instant::now();
    let sites = Sites::new().route(A, "/bomb", Route::GzipBomb { inflated: GIB });
    let server = FixtureServer::start(sites).await;
    let built_in = start.elapsed();
    assert!(
        built_in < Duration::from_secs(2),
        "bomb took {built_in:?} to build"
    );

    // On the wire: about 1 MiB, the ~1000:1 limit of deflate.
    let mut raw = raw_client(&server)
        .get(server.url(A, "/bomb"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()[CONTENT_ENCODING], "gzip");
    let mut wire = 0u64;
    while let Some(chunk) = raw.chunk().await.unwrap() {
        wire += chunk.len() as u64;
    }
    assert_eq!(wire, server::gzip_bomb_compressed_len(GIB));
    assert!(wire < 2 << 20, "compressed bomb is {wire} bytes");

    // Decompressing: take 1 MiB, then give up.
    let mut resp = client(&server)
        .get(server.url(A, "/bomb"))
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers().get(CONTENT_ENCODING).is_none(),
        "reqwest decoded it"
    );
    let mut got = 0usize;
    while got < 1 << 20 {
        let chunk = resp.chunk().await.unwrap().expect("bomb ended early");
        assert!(chunk.iter().all(|&b| b == b' '));
        got += chunk.len();
    }
    drop(resp);
    if let Some(hwm) = vm_hwm_kib() {
        assert!(hwm < 512 * 1024, "peak RSS {hwm} KiB");
    }
    assert_eq!(server.requests(A).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gzip_bombs_inflate_exactly() {
    // Small (compressed whole) and large (repeated blocks, with a remainder).
    let sizes = [1000u64, (40 << 20) + 12_345];
    let mut sites = Sites::new();
    for n in sizes {
        sites = sites.route(A, &format!("/bomb/{n}"), Route::GzipBomb { inflated: n });
    }
    let server = FixtureServer::start(sites).await;
    for n in sizes {
        let path = format!("/bomb/{n}");
        let body = client(&server)
            .get(server.url(A, &path))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body.len() as u64, n);
        assert!(body.iter().all(|&b| b == b' '));

        // flate2 checks the trailer's CRC and length too.
        let raw = raw_client(&server)
            .get(server.url(A, &path))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(raw.as_ref())
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated.len() as u64, n);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn huge_body_streams_and_can_be_abandoned() {
    let sites = Sites::new()
        .route(A, "/huge", Route::Huge { bytes: 10 << 30 })
        .route(A, "/small-huge", Route::Huge { bytes: 100_001 })
        .route(A, "/", Route::Html("still here".into()));
    let server = FixtureServer::start(sites).await;
    let c = client(&server);

    let mut resp = c.get(server.url(A, "/huge")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut got = 0usize;
    let mut first = None;
    while got < 4 << 20 {
        let chunk = resp.chunk().await.unwrap().expect("huge body ended early");
        first.get_or_insert_with(|| chunk.clone());
        got += chunk.len();
    }
    drop(resp);
    assert!(first.unwrap().starts_with(b"<!DOCTYPE html>"));

    let body = c.get(server.url(A, "/small-huge")).send().await.unwrap();
    assert_eq!(body.bytes().await.unwrap().len(), 100_001);
    let resp = c.get(server.url(A, "/")).send().await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "still here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delay_is_recorded_on_arrival() {
    let delay = Duration::from_millis(300);
    let sites = Sites::new().route(A, "/late", Route::html("late").delayed(delay));
    let server = FixtureServer::start(sites).await;
    let c = client(&server);

    let start = Instant::now();
    let resp = c.get(server.url(A, "/late")).send().await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "late");
    let done = Instant::now();
    assert!(done - start >= delay);
    let hit = &server.requests(A)[0];
    assert!(hit.at >= start);
    assert!(done - hit.at >= delay, "hit recorded after the delay");
    assert!(hit.at - start < delay, "hit recorded late");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_window_headers_and_keep_alive() {
    let sites = Sites::new().fallback(A, Route::Html("x".into()));
    let server = FixtureServer::start(sites).await;
    let c = client(&server);

    for i in 0..5 {
        let resp = c
            .get(server.url(A, &format!("/p{i}?q=1")))
            .header("user-agent", "fixture-test/1.0")
            .send()
            .await
            .unwrap();
        resp.bytes().await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for i in 5..7 {
        c.get(server.url(A, &format!("/p{i}")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    }
    let hits = server.requests(A);
    let paths: Vec<&str> = hits.iter().map(|h| h.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/p0?q=1", "/p1?q=1", "/p2?q=1", "/p3?q=1", "/p4?q=1", "/p5", "/p6"
        ]
    );
    assert!(hits.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(hits[0].header("User-Agent"), Some("fixture-test/1.0"));
    assert_eq!(hits[0].method, "GET");
    assert_eq!(hits[0].host, A);
    // Keep-alive: sequential requests mostly share a connection (reqwest may
    // open a new one if the last wasn't back in its pool yet).
    let peers: Vec<_> = hits.iter().map(|h| h.peer.port()).collect();
    let reused = peers
        .iter()
        .map(|p| peers.iter().filter(|&q| q == p).count())
        .max()
        .unwrap();
    assert!(reused >= 4, "{peers:?}");

    assert_eq!(server.max_in_window(A, Duration::from_millis(250)), 5);
    assert_eq!(server.max_in_window(A, Duration::from_secs(10)), 7);
    assert_eq!(server.max_in_window(B, Duration::from_secs(10)), 0);
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let times = [
        t0,
        t0 + ms(500),
        t0 + ms(1000),
        t0 + ms(1400),
        t0 + ms(1600),
    ];
    assert_eq!(server::max_in_window(&times, ms(1000)), 3);
    // Half-open: 1000 and 1600 are exactly 600 ms apart.
    assert_eq!(server::max_in_window(&times, ms(600)), 2);
    assert_eq!(server::max_in_window(&times, ms(601)), 3);
    assert_eq!(server::max_in_window(&times, ms(400)), 2);
    assert_eq!(server::max_in_window(&[], ms(400)), 0);
    assert_eq!(server::max_in_window(&times, Duration::ZERO), 0);
    assert_eq!(server::max_in_window(&times[..1], ms(1)), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundreds_of_concurrent_connections() {
    let page = filler_page("Bench Site", 20_000);
    let mut sites = Sites::new();
    for i in 0..50 {
        let route = Route::Html(page.clone()).delayed(Duration::from_millis(50));
        sites = sites.fallback(&format!("bench-{i}.test"), route);
    }
    let server = FixtureServer::start(sites).await;
    let c = server.client_builder().build().unwrap();

    let start = Instant::now();
    let tasks: Vec<_> = (0..400)
        .map(|i| {
            let c = c.clone();
            let url = server.url(&format!("bench-{}.test", i % 50), &format!("/page/{i}"));
            tokio::spawn(async move { c.get(url).send().await?.bytes().await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().len(), page.len());
    }
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "400 delayed requests took {took:?}"
    );
    assert_eq!(server.all_requests().len(), 400);
    let peers: std::collections::HashSet<_> =
        server.all_requests().iter().map(|h| h.peer).collect();
    assert!(peers.len() >= 100, "only {} connections", peers.len());
}

#[test]
fn filler_page_looks_like_a_portfolio() {
    let page = filler_page("Ana <Designer>", 20_000);
    assert!((20_000..21_000).contains(&page.len()), "{}", page.len());
    for needle in [
        "<!DOCTYPE html>",
        "<nav>",
        "<h2>",
        "<footer",
        "</html>",
        "Ana &lt;Designer&gt;",
    ] {
        assert!(page.contains(needle), "missing {needle}");
    }
    assert!(!page.contains('@'));
    assert_eq!(page, filler_page("Ana <Designer>", 20_000));
    assert!(filler_page("x", 0).contains("</html>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn odd_requests_do_not_break_it() {
    let sites = Sites::new().route(A, "/", Route::Html("ok".into()));
    let server = FixtureServer::start(sites).await;

    async fn raw(server: &FixtureServer, request: &[u8]) -> String {
        let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        s.write_all(request).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut out)).await;
        String::from_utf8_lossy(&out).into_owned()
    }
    assert!(
        raw(&server, b"GARBAGE\r\n\r\n")
            .await
            .starts_with("HTTP/1.1 400")
    );
    // HTTP/1.0, no Host: nothing matches.
    assert!(
        raw(&server, b"GET / HTTP/1.0\r\n\r\n")
            .await
            .starts_with("HTTP/1.0 404")
    );
    // Absolute-form target, non-ASCII Host bytes, odd methods.
    let resp = raw(
        &server,
        b"GET http://site-a.test/ HTTP/1.1\r\nHost: site-a.test\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(
        resp.starts_with("HTTP/1.1 200") && resp.ends_with("ok"),
        "{resp}"
    );
    let resp = raw(
        &server,
        b"BREW / HTTP/1.1\r\nHost: s\xffe.test\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 404"), "{resp}");
    let resp = raw(
        &server,
        b"HEAD / HTTP/1.1\r\nHost: [::1]:80\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 404"), "{resp}");

    let c = client(&server);
    let resp = c.get(server.url(A, "/")).send().await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "ok");
    let hosts: Vec<String> = server.all_requests().into_iter().map(|h| h.host).collect();
    assert!(hosts.contains(&"[::1]".to_owned()), "{hosts:?}");
    assert!(hosts.contains(&String::new()), "{hosts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn drop_stops_serving_and_cuts_streams() {
    let sites = Sites::new().route(A, "/", Route::Html("ok".into())).route(
        A,
        "/slow",
        Route::Drip {
            bytes: 1000,
            every: Duration::from_millis(20),
        },
    );
    let server = FixtureServer::start(sites).await;
    let c = client(&server);
    let addr = server.addr();
    let url = server.url(A, "/");
    let mut slow = c.get(server.url(A, "/slow")).send().await.unwrap();
    slow.chunk().await.unwrap();
    drop(server);

    let cut = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match slow.chunk().await {
                Ok(Some(_)) => continue,
                other => return other.map(|_| ()),
            }
        }
    })
    .await
    .expect("drip kept going after drop");
    assert!(cut.is_err(), "drip ended cleanly instead of being cut");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    let fresh = Client::builder()
        .resolve(A, addr)
        .no_proxy()
        .build()
        .unwrap();
    assert!(fresh.get(url).send().await.is_err());
}
