//! Checking one marketplace profile: fetch the profile page, find its portfolio links,
//! fetch and judge each linked page (policy §4.1: the page the profile links to, not the
//! whole site), and look at the contact, hire and about pages each links to.

mod discover;

pub use discover::{Selectors, SelectorsError, portfolio_links, site_pages};

use futures_util::future::join_all;
use serde::Serialize;
use url::Url;

use crate::classify::{Grade, RuleKind, Ruleset, Verdict};
use crate::extract::{Contact, ExtractOptions, channels_of_url};
use crate::fetch::{FetchRecord, Fetched, Fetcher};
use crate::page::Page;
use crate::scan::{PageScan, scan_page_with};

/// What a check does beyond fetching.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub extract: ExtractOptions,
    /// CSS selectors of portfolio links, per profile host.
    pub selectors: Selectors,
    /// Same-site contact, hire and about pages fetched per linked page.
    pub site_pages: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            extract: ExtractOptions::default(),
            selectors: Selectors::default(),
            site_pages: 3,
        }
    }
}

/// One profile's report: what `check --format json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct ProfileReport {
    pub profile_url: Url,
    /// The worst verdict of the linked pages (and `solicitation` when the profile text
    /// itself carries a channel); absent when nothing could be judged.
    pub verdict: Option<Verdict>,
    pub profile: ProfileFinding,
    pub pages: Vec<LinkReport>,
}

/// The profile page itself.
#[derive(Clone, Debug, Serialize)]
pub struct ProfileFinding {
    pub fetch: FetchRecord,
    /// Every contact the scanner finds on the profile page, the marketplace's own footer
    /// links (its social profiles) included; only `has_channel` counts toward the verdict.
    pub contacts: Vec<Contact>,
    /// A channel (not a social profile) is given in the profile itself.
    pub has_channel: bool,
    /// Portfolio links found on the page (`--link` ones not counted).
    pub links_found: usize,
}

/// One linked page.
#[derive(Clone, Debug, Serialize)]
pub struct LinkReport {
    pub link: Url,
    /// Given with `--link` rather than found on the profile page.
    pub given: bool,
    /// Absent when the page could not be fetched and its address alone says nothing.
    pub verdict: Option<Verdict>,
    pub fetch: FetchRecord,
    /// The page's scan; when the fetch failed but an address of its redirect chain is a
    /// channel, the scan of that address alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<PageScan>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub site_pages: Vec<SitePageReport>,
}

/// A same-site contact, hire or about page of a linked page.
#[derive(Clone, Debug, Serialize)]
pub struct SitePageReport {
    pub fetch: FetchRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<PageScan>,
    /// Its signals that count for the linked page: strong solicitation phrases (fee
    /// avoidance, platform clients sent to a channel…). An ordinary contact page has none
    /// (policy B6).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub counted: Vec<String>,
}

/// Checks the profile at `profile_url`, plus `extra_links` given by hand.
pub async fn check_profile(
    fetcher: &Fetcher,
    ruleset: &Ruleset,
    options: &CheckOptions,
    profile_url: &Url,
    extra_links: &[Url],
) -> ProfileReport {
    let fetched = fetcher.fetch(profile_url).await;
    let (contacts, found) = match &fetched.page {
        Some(page) => {
            let scan = scan_page_with(page, &options.extract, ruleset);
            let html = page.parse();
            let links = portfolio_links(&html, &page.url, ruleset, &options.selectors);
            (scan.contacts, links)
        }
        None => (Vec::new(), Vec::new()),
    };
    let has_channel = contacts.iter().any(|c| c.kind.is_channel());
    let links_found = found.len();
    let mut links: Vec<(Url, bool)> = found.into_iter().map(|u| (u, false)).collect();
    for extra in extra_links {
        if !links.iter().any(|(u, _)| u == extra) {
            links.push((extra.clone(), true));
        }
    }
    let pages = join_all(
        links
            .into_iter()
            .map(|(link, given)| check_link(fetcher, ruleset, options, link, given)),
    )
    .await;
    let profile_fetched = fetched.record.error.is_none();
    let verdict = pages
        .iter()
        .filter_map(|p| p.verdict)
        .chain(has_channel.then_some(Verdict::Solicitation))
        .max()
        .or(profile_fetched.then_some(Verdict::NoContact));
    ProfileReport {
        profile_url: profile_url.clone(),
        verdict,
        profile: ProfileFinding {
            fetch: fetched.record,
            contacts,
            has_channel,
            links_found,
        },
        pages,
    }
}

/// Fetches and judges one linked page and its same-site contact pages.
async fn check_link(
    fetcher: &Fetcher,
    ruleset: &Ruleset,
    options: &CheckOptions,
    link: Url,
    given: bool,
) -> LinkReport {
    let Fetched { record, page } = fetcher.fetch(&link).await;
    let Some(page) = page else {
        let scan = judge_address_only(&record, ruleset, options);
        return LinkReport {
            link,
            given,
            verdict: scan.as_ref().map(|s| s.verdict),
            fetch: record,
            scan,
            site_pages: Vec::new(),
        };
    };
    let scan = scan_page_with(&page, &options.extract, ruleset);
    let mut verdict = scan.verdict;
    let mut site_reports = Vec::new();
    if verdict != Verdict::Solicitation && options.site_pages > 0 {
        let targets = {
            let html = page.parse();
            site_pages(&html, &page.url, options.site_pages)
        };
        site_reports = join_all(
            targets
                .iter()
                .map(|url| site_page(fetcher, ruleset, options, url)),
        )
        .await;
        if site_reports.iter().any(|s| !s.counted.is_empty()) {
            verdict = Verdict::Solicitation;
        }
    }
    LinkReport {
        link,
        given,
        verdict: Some(verdict),
        fetch: record,
        scan: Some(scan),
        site_pages: site_reports,
    }
}

async fn site_page(
    fetcher: &Fetcher,
    ruleset: &Ruleset,
    options: &CheckOptions,
    url: &Url,
) -> SitePageReport {
    let Fetched { record, page } = fetcher.fetch(url).await;
    let scan = page.map(|p| scan_page_with(&p, &options.extract, ruleset));
    let counted = scan
        .iter()
        .flat_map(|s| &s.signals)
        .filter(|s| s.counted && s.kind == RuleKind::Solicitation && s.grade == Some(Grade::Strong))
        .map(|s| s.rule.clone())
        .collect();
    SitePageReport {
        fetch: record,
        scan,
        counted,
    }
}

/// A page that could not be fetched is still judged when an address of its redirect chain
/// is a channel (a shortener to wa.me, a link hub entry): the link is the channel (SOL001).
fn judge_address_only(
    record: &FetchRecord,
    ruleset: &Ruleset,
    options: &CheckOptions,
) -> Option<PageScan> {
    let mut hops: Vec<Url> = record.redirects.clone();
    let last = record.final_url.clone().unwrap_or(record.requested.clone());
    if hops.last() != Some(&last) {
        hops.push(last.clone());
    }
    let region = options.extract.region.unwrap_or_default();
    let is_channel = hops.iter().any(|hop| {
        channels_of_url(hop, region)
            .iter()
            .any(|(kind, _)| kind.is_channel())
    });
    if !is_channel {
        return None;
    }
    let mut page = Page::from_bytes(b"", last);
    hops.pop();
    page.redirects = hops;
    Some(scan_page_with(&page, &options.extract, ruleset))
}
