//! Scanning one page: parse, extract the contacts, judge the page.

use url::Url;

use crate::classify::{self, Signal, Verdict};
use crate::extract::{self, Contact, ExtractOptions, Region};
use crate::page::Page;

/// The result of scanning one page: what the JSON output holds for it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PageScan {
    pub url: Url,
    pub verdict: Verdict,
    /// The region national phone numbers were read in.
    #[serde(serialize_with = "serialize_display")]
    pub region: Region,
    pub contacts: Vec<Contact>,
    pub signals: Vec<Signal>,
    /// Only the page's first `MAX_PAGE_BYTES` were scanned.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Scans one page.
pub fn scan_page(page: &Page, options: &ExtractOptions) -> PageScan {
    let document = page.parse();
    let extraction = extract::extract(&document, &page.url, options);
    let assessment = classify::assess(&extraction.contacts);
    PageScan {
        url: page.url.clone(),
        verdict: assessment.verdict,
        region: extraction.region,
        contacts: extraction.contacts,
        signals: assessment.signals,
        truncated: page.truncated,
    }
}

fn serialize_display<S: serde::Serializer>(
    value: &Region,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}
