//! Any bytes, as a page: decoding, parsing, extraction and the verdict must never panic,
//! hang or run away with memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portfolio_audit::{ExtractOptions, Page, scan_page};

fuzz_target!(|data: &[u8]| {
    let url = url::Url::parse("https://studio.example.org/work/").expect("static URL");
    let page = Page::from_bytes(data, url);
    let result = scan_page(&page, &ExtractOptions::default());
    for contact in &result.contacts {
        assert!(!contact.value.is_empty());
        assert!(!contact.places().is_empty());
    }
});
