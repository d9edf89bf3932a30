//! Fetcher throughput against its own limits, on loopback.
//!
//! `cargo bench --bench fetch` serves 200 sites from a fixture server in this process (20 KB
//! pages, each answered after 50 ms), and fetches 20 pages from each through one `Fetcher`
//! limited to 2 requests per second per site, robots.txt included. The limits allow at
//! most 400 requests per second in all; the bench prints the rate reached against that
//! ceiling, the worst rate any site saw (the server records every arrival), and the peak
//! heap and resident memory of the process (fetcher and server together).

#[path = "../tests/support/server.rs"]
mod server;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use portfolio_audit::fetch::{FetchConfig, Fetcher, ResolveOverride};
use server::{FixtureServer, Route, Sites};

#[path = "common/counting.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

const SITES: usize = 200;
const PAGES_PER_SITE: usize = 20;
const RATE: f64 = 2.0;
const PAGE_BYTES: usize = 20 * 1024;
const RESPONSE_DELAY: Duration = Duration::from_millis(50);

/// The process's peak resident set (`VmHWM`), in KiB, where /proc has it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run());
}

async fn run() {
    let hosts: Vec<String> = (0..SITES).map(|i| format!("site{i:03}.test")).collect();
    let page =
        Route::html(server::filler_page("Selected work", PAGE_BYTES)).delayed(RESPONSE_DELAY);
    let sites = hosts.iter().fold(Sites::new(), |sites, host| {
        sites.fallback(host, page.clone())
    });
    let server = FixtureServer::start(sites).await;
    let port = server.addr().port();
    let fetcher = Fetcher::new(FetchConfig {
        requests_per_second: RATE,
        burst: 1,
        per_site_concurrency: 2,
        concurrency: 256,
        resolve: hosts
            .iter()
            .map(|h| format!("{h}:{port}:127.0.0.1").parse::<ResolveOverride>())
            .collect::<Result<_, _>>()
            .expect("valid overrides"),
        ..FetchConfig::default()
    })
    .expect("a fetcher");
    let baseline_heap = counting::reset_peak();

    let started = Instant::now();
    let mut pending: FuturesUnordered<_> = (0..PAGES_PER_SITE)
        .flat_map(|n| hosts.iter().map(move |h| (h.clone(), n)))
        .map(|(host, n)| {
            let url = server.url(&host, &format!("/work/{n}"));
            let fetcher = &fetcher;
            async move { fetcher.fetch(&url).await }
        })
        .collect();
    let mut pages = 0usize;
    let mut failed = 0usize;
    let mut bytes = 0u64;
    while let Some(fetched) = pending.next().await {
        match fetched.page {
            Some(_) => {
                pages += 1;
                bytes += fetched.record.bytes;
            }
            None => failed += 1,
        }
    }
    let elapsed = started.elapsed().as_secs_f64();

    let requests = server.all_requests().len();
    let ceiling = SITES as f64 * RATE;
    // A site's requests can only be spaced 1/RATE apart, the first at once: the fastest
    // possible run takes (requests per site - 1) periods.
    let per_site = requests as f64 / SITES as f64;
    let fastest = (per_site - 1.0) / RATE;
    let mut worst_window = 0;
    let mut smallest_gap = Duration::MAX;
    for host in &hosts {
        worst_window = worst_window.max(server.max_in_window(host, Duration::from_secs(1)));
        let mut times: Vec<Instant> = server.requests(host).iter().map(|h| h.at).collect();
        times.sort();
        for pair in times.windows(2) {
            smallest_gap = smallest_gap.min(pair[1] - pair[0]);
        }
    }
    println!(
        "fetch bench: {SITES} sites × {PAGES_PER_SITE} pages of {} KB, {} ms response delay, limit {RATE}/s per site",
        PAGE_BYTES / 1024,
        RESPONSE_DELAY.as_millis()
    );
    println!(
        "  pages fetched      {pages} ({failed} failed), {:.1} MB",
        bytes as f64 / 1e6
    );
    println!("  requests served    {requests} (robots.txt included)");
    println!("  elapsed            {elapsed:.2} s (fastest the limits allow: {fastest:.2} s)");
    println!(
        "  rate               {:.1} pages/s against the {ceiling:.0}/s ceiling → {:.1}% of it ({:.1} requests/s with robots.txt)",
        pages as f64 / elapsed,
        100.0 * (pages as f64 / elapsed) / ceiling,
        requests as f64 / elapsed,
    );
    println!(
        "  worst site         {worst_window} requests in a 1 s window; closest two requests {:.0} ms apart (limit {:.0} ms)",
        smallest_gap.as_secs_f64() * 1000.0,
        1000.0 / RATE
    );
    println!(
        "  peak heap          {:.1} MiB above the {:.1} MiB before fetching (server included)",
        (counting::peak().saturating_sub(baseline_heap)) as f64 / (1 << 20) as f64,
        baseline_heap as f64 / (1 << 20) as f64
    );
    if let Some(kib) = peak_rss_kib() {
        println!("  peak resident      {:.1} MiB", kib as f64 / 1024.0);
    }
}
