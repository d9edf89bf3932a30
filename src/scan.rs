//! Scanning one page: parse, extract the contacts, judge the page.

use url::Url;

use crate::classify::{self, Ruleset, Score, Signal, Verdict};
use crate::extract::{self, Contact, ExtractOptions, Region};
use crate::page::Page;

/// The result of scanning one page: what the JSON output holds for it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PageScan {
    pub url: Url,
    pub verdict: Verdict,
    /// The region national phone numbers were read in.
    #[serde(
        serialize_with = "serialize_display",
        deserialize_with = "deserialize_region"
    )]
    pub region: Region,
    /// The page's redirect chain before `url`, when it was reached through redirects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<Url>,
    pub score: Score,
    pub contacts: Vec<Contact>,
    /// The rules that fired, strongest first.
    pub signals: Vec<Signal>,
    /// Images without alt text: anything written in them was not read (policy B24).
    pub unscanned_images: usize,
    /// Only the page's first `MAX_PAGE_BYTES` were scanned.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Scans one page with the built-in ruleset.
pub fn scan_page(page: &Page, options: &ExtractOptions) -> PageScan {
    scan_page_with(page, options, Ruleset::builtin())
}

/// Scans one page, judging it by `ruleset`.
pub fn scan_page_with(page: &Page, options: &ExtractOptions, ruleset: &Ruleset) -> PageScan {
    scan_parsed(page, &page.parse(), options, ruleset)
}

/// Scans a page already parsed into `document`, for callers that read it further (the
/// links a check follows) and should not parse it twice.
pub(crate) fn scan_parsed(
    page: &Page,
    document: &scraper::Html,
    options: &ExtractOptions,
    ruleset: &Ruleset,
) -> PageScan {
    let extraction = extract::extract(document, &page.url, options);
    let mut hops = page.redirects.clone();
    hops.push(page.url.clone());
    let assessment = classify::assess(ruleset, &hops, &extraction);
    PageScan {
        url: page.url.clone(),
        redirects: page.redirects.clone(),
        verdict: assessment.verdict,
        score: assessment.score,
        region: extraction.region,
        unscanned_images: extraction.outline.unscanned_images(),
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

fn deserialize_region<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Region, D::Error> {
    let code = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
    code.parse().map_err(serde::de::Error::custom)
}
