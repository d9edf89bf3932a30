//! The audit job at scale, on loopback.
//!
//! `cargo bench --bench audit` serves 2,000 portfolio hosts from a fixture server in this
//! process (real fixture pages, each with an `ETag`), and runs the release binary's
//! `audit` over generated profiles, each linking one page:
//! 1. 10,000 profiles, a fresh state;
//! 2. 100,000 profiles, a fresh state;
//! 3. the same 100,000 again with `--max-age 0s`: every page revalidated, all 304;
//! 4. again with `--max-age 1h`: nothing fetched.
//!
//! It prints profiles/second, the audit process's peak resident memory (polled from
//! /proc), the ratio of peak memory at 100k to 10k profiles (aim: within 1.2), and the
//! time of each incremental run against the first. The limits are raised (200 requests/s
//! per host) so the job's own work is measured, not the politeness a real run waits on.
//! `BENCH_PROFILES=N` replaces 100,000 (and 10,000 by N/10) for a quick look.

#[path = "../tests/support/server.rs"]
mod server;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use server::{FixtureServer, Route, Sites};

const BIN: &str = env!("CARGO_BIN_EXE_portfolio-audit");
const HOSTS: usize = 2_000;
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

struct Measured {
    elapsed: Duration,
    peak_rss_kib: u64,
    /// Resident memory (KiB) sampled through the run: flat or growing.
    rss_kib: Vec<u64>,
    status: Option<i32>,
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn host(i: usize) -> String {
    format!("site{:04}.test", i % HOSTS)
}

fn write_profiles(path: &Path, count: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..count {
        writeln!(
            file,
            r#"{{"id": "p{i:06}", "portfolio_urls": ["http://{}/u/{i}"], "country": "BR"}}"#,
            host(i)
        )
        .unwrap();
    }
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the audit to its end, polling its peak resident memory until it exits.
async fn run(dir: &Path, input: &Path, port: u16, max_age: &str) -> Measured {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .arg("audit")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(dir.join("results.jsonl"))
        .arg("--summary")
        .arg(dir.join("summary.json"))
        .args(["--resolve", &format!("*:80:127.0.0.1:{port}")])
        .args(["--rate", "200", "--burst", "10", "--per-site", "4"])
        .args([
            "--concurrency",
            "128",
            "--in-flight",
            "512",
            "--site-pages",
            "0",
        ])
        .args(["--max-age", max_age])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the release binary runs");
    let pid = child.id();
    let mut peak = 0;
    let mut samples = Vec::new();
    let status = loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        samples.extend(rss_kib(pid));
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        std::io::Read::read_to_string(&mut pipe, &mut stderr).unwrap();
    }
    eprint!("{stderr}");
    Measured {
        elapsed: started.elapsed(),
        peak_rss_kib: peak,
        rss_kib: samples,
        status: status.code(),
    }
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portfolio-audit-bench-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn report(label: &str, profiles: usize, m: &Measured) {
    println!(
        "{label:<34} {:>8.1} s  {:>8.0} profiles/s  peak RSS {:>7.1} MiB  exit {:?}",
        m.elapsed.as_secs_f64(),
        profiles as f64 / m.elapsed.as_secs_f64(),
        m.peak_rss_kib as f64 / 1024.0,
        m.status
    );
    let tenths: Vec<String> = (1..=10)
        .filter_map(|i| m.rss_kib.get((m.rss_kib.len() * i / 10).saturating_sub(1)))
        .map(|kib| format!("{:.0}", *kib as f64 / 1024.0))
        .collect();
    println!(
        "{:<34} RSS (MiB) at each tenth of the run: {}",
        "",
        tenths.join(" ")
    );
}

fn main() {
    let large: usize = std::env::var("BENCH_PROFILES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let small = large / 10;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let pages: Vec<String> = PAGES
            .iter()
            .map(|name| {
                let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures/pages")
                    .join(name);
                std::fs::read_to_string(path).unwrap()
            })
            .collect();
        let sites = (0..HOSTS).fold(Sites::new(), |sites, i| {
            let page = i % pages.len();
            sites.fallback(
                &host(i),
                Route::tagged(pages[page].clone(), &format!("v1-{page}")),
            )
        });
        let server = FixtureServer::start(sites).await;
        let port = server.addr().port();
        println!(
            "audit bench: {HOSTS} hosts, pages of {} KB on average, {large} and {small} profiles",
            pages.iter().map(String::len).sum::<usize>() / pages.len() / 1024
        );

        let dir = fresh_dir("small");
        let input = dir.join("profiles.jsonl");
        write_profiles(&input, small);
        let first_small = run(&dir, &input, port, "12h").await;
        report(&format!("first run, {small} profiles"), small, &first_small);

        let dir = fresh_dir("large");
        let input = dir.join("profiles.jsonl");
        write_profiles(&input, large);
        let first = run(&dir, &input, port, "12h").await;
        report(&format!("first run, {large} profiles"), large, &first);
        let revalidated = run(&dir, &input, port, "0s").await;
        report("second run, --max-age 0s (304s)", large, &revalidated);
        let fresh = run(&dir, &input, port, "1h").await;
        report("third run, --max-age 1h (no fetch)", large, &fresh);

        let state_mib = std::fs::metadata(dir.join("portfolio-audit.db"))
            .map(|m| m.len() as f64 / 1024.0 / 1024.0)
            .unwrap_or(0.0);
        println!(
            "peak RSS {large} / {small} profiles: {:.2}",
            first.peak_rss_kib as f64 / first_small.peak_rss_kib.max(1) as f64
        );
        println!(
            "second run / first run time: {:.2} (304s), {:.2} (within max-age)",
            revalidated.elapsed.as_secs_f64() / first.elapsed.as_secs_f64(),
            fresh.elapsed.as_secs_f64() / first.elapsed.as_secs_f64()
        );
        println!("state database after three runs: {state_mib:.0} MiB");
    });
}
