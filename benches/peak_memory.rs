//! Peak heap memory while scanning one 5 MB page, against parsing it alone.
//!
//! `cargo bench --bench peak_memory` builds a 5 MB page from the bodies of the fixture
//! pages (a long, realistic page: prose, galleries, scripts, forms, contacts), then counts
//! live heap bytes with a wrapping allocator during `Html::parse_document` alone and during
//! a whole `scan_page`, and prints both peaks.

use portfolio_audit::extract::extract;
use portfolio_audit::{ExtractOptions, Page, scan_page};
use scraper::Html;

mod common;

#[path = "common/counting.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

const TARGET_BYTES: usize = 5 * 1024 * 1024;

/// A 5 MB page: the fixture bodies one after another inside one document.
fn five_megabyte_page() -> String {
    let bodies: Vec<String> = common::fixture_pages()
        .iter()
        .map(|p| {
            // Decoded as the scanner decodes it: some fixtures are in legacy charsets.
            let html = Page::read_file(p, None)
                .expect("fixture page is readable")
                .html;
            let start = html
                .find("<body")
                .map_or(0, |i| html[i..].find('>').map_or(i, |j| i + j + 1));
            let end = html.rfind("</body>").unwrap_or(html.len());
            html[start..end.max(start)].to_owned()
        })
        .collect();
    let mut page = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Long page</title></head><body>",
    );
    'fill: loop {
        for body in &bodies {
            if page.len() >= TARGET_BYTES {
                break 'fill;
            }
            page.push_str("<section>");
            page.push_str(body);
            page.push_str("</section>");
        }
    }
    page.push_str("</body></html>");
    page
}

/// Peak live heap bytes while `work` runs, above what was live before it.
fn peak_during<T>(work: impl FnOnce() -> T) -> (usize, T) {
    let before = counting::reset_peak();
    let out = work();
    (counting::peak() - before, out)
}

fn main() {
    let html = five_megabyte_page();
    let page = Page::from_bytes(
        html.as_bytes(),
        url::Url::parse("https://long.example.org/").expect("static URL"),
    );
    drop(html);
    let input = page.html.len();
    let options = ExtractOptions::default();
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);

    // The first scan in a process loads libphonenumber's metadata and compiles the
    // patterns; that is paid once per process, not per page, so it is reported apart.
    let small = Page::from_bytes(
        b"<p>Call +1 415 555 0132 or jane [at] studio [dot] io</p>",
        page.url.clone(),
    );
    let live_before = counting::live();
    let (first_use, _) = peak_during(|| scan_page(&small, &options));
    let retained = counting::live() - live_before;

    let (parse_peak, document) = peak_during(|| Html::parse_document(&page.html));
    let (extract_peak, _) = peak_during(|| extract(&document, &page.url, &options));
    drop(document);
    let (scan_peak, result) = peak_during(|| scan_page(&page, &options));

    println!(
        "page: {:.2} MiB, {} contacts found",
        mib(input),
        result.contacts.len()
    );
    println!(
        "once per process (metadata, compiled patterns): peak {:.1} MiB, {:.1} MiB kept",
        mib(first_use),
        mib(retained)
    );
    println!(
        "peak heap, parse only:  {:.1} MiB ({:.1}x the page)",
        mib(parse_peak),
        parse_peak as f64 / input as f64
    );
    println!(
        "peak heap, extraction over the parsed page: {:.1} MiB more",
        mib(extract_peak)
    );
    println!(
        "peak heap, whole scan:  {:.1} MiB ({:.1}x the page)",
        mib(scan_peak),
        scan_peak as f64 / input as f64
    );
    println!(
        "scan/parse peak ratio: {:.2}",
        scan_peak as f64 / parse_peak as f64
    );
}
