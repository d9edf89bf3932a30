//! Scan throughput over the fixture corpus, against parsing the same pages alone.
//!
//! `cargo bench --bench scan` measures both with criterion and then prints
//! `scan/parse throughput ratio` from the two estimates of this run (the aim:
//! extraction and verdict cost at most half as much again as parsing, ratio ≥ 0.67). It
//! also times the classifier alone on the pages' extractions and prints its share of the
//! scan time (aim: at most 20%).

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use portfolio_audit::extract::{Extraction, extract};
use portfolio_audit::{ExtractOptions, Page, Ruleset, classify, scan_page};
use scraper::Html;

mod common;

fn corpus() -> Vec<Page> {
    common::fixture_pages()
        .iter()
        .map(|p| Page::read_file(p, None).expect("fixture page is readable"))
        .collect()
}

fn bench(c: &mut Criterion, pages: &[Page]) {
    let bytes: u64 = pages.iter().map(|p| p.html.len() as u64).sum();
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("parse", |b| {
        b.iter(|| {
            for page in pages {
                std::hint::black_box(Html::parse_document(&page.html));
            }
        })
    });
    let options = ExtractOptions::default();
    group.bench_function("scan", |b| {
        b.iter(|| {
            for page in pages {
                std::hint::black_box(scan_page(page, &options));
            }
        })
    });
    // What the classifier sees: each page's extraction and its URL.
    let extracted: Vec<(Vec<url::Url>, Extraction)> = pages
        .iter()
        .map(|p| {
            let html = p.parse();
            (vec![p.url.clone()], extract(&html, &p.url, &options))
        })
        .collect();
    let ruleset = Ruleset::builtin();
    group.bench_function("classify", |b| {
        b.iter(|| {
            for (hops, extraction) in &extracted {
                std::hint::black_box(classify::assess(ruleset, hops, extraction));
            }
        })
    });
    group.finish();
}

/// The mean time of one benchmark of this run, from criterion's saved estimates.
fn mean_seconds(id: &str) -> Option<f64> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("target/criterion/corpus/{id}/new/estimates.json"));
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(json["mean"]["point_estimate"].as_f64()? / 1e9)
}

fn main() {
    let pages = corpus();
    let bytes: usize = pages.iter().map(|p| p.html.len()).sum();
    let mut criterion = Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    bench(&mut criterion, &pages);
    criterion.final_summary();
    if let (Some(parse), Some(scan)) = (mean_seconds("parse"), mean_seconds("scan")) {
        let mb = bytes as f64 / 1e6;
        println!("corpus: {} pages, {:.2} MB", pages.len(), mb);
        println!("parse only: {:.1} MB/s", mb / parse);
        println!("scan:       {:.1} MB/s", mb / scan);
        println!(
            "scan/parse throughput ratio: {:.2} (aim ≥ 0.67)",
            parse / scan
        );
        if let Some(classify) = mean_seconds("classify") {
            println!(
                "classification share of scan time: {:.1}% (aim ≤ 20%)",
                100.0 * classify / scan
            );
        }
    }
}
