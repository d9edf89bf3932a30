//! Checking one marketplace profile: fetch the profile page, find its portfolio links,
//! fetch and judge each linked page (policy §4.1: the page the profile links to, not the
//! whole site), and look at the contact, hire and about pages each links to.

mod discover;
mod source;

pub use discover::{Selectors, SelectorsError, portfolio_links, site_pages};
pub use source::{Judge, LiveSource, PageOutcome, PageRole, PageSource, Reuse, judge_fetched};

use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::ExtractOptions;
use crate::classify::{Grade, RuleKind, Signal, Verdict};
use crate::extract::{Contact, channels_of_url};
use crate::fetch::FetchRecord;
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

/// What to check of one profile.
#[derive(Clone, Debug, Default)]
pub struct ProfileTarget {
    /// The profile page; its portfolio links are read when `links` is empty, or
    /// `discover` is set.
    pub profile_url: Option<Url>,
    /// Portfolio links given rather than found.
    pub links: Vec<Url>,
    /// Read the profile page's links even though links are given (`check --link`).
    pub discover: bool,
    /// The profile's own text, when the marketplace exports it.
    pub overview: Option<String>,
}

/// One profile's report: what `check --format json` prints, and each line of an audit.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProfileReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<Url>,
    /// The worst verdict of the linked pages (and `solicitation` when the profile itself
    /// gives a channel); absent when nothing could be judged.
    pub verdict: Option<Verdict>,
    /// The profile page; absent when it was not fetched (an audit given the links).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileFinding>,
    /// The profile's own text, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overview: Option<OverviewFinding>,
    pub pages: Vec<LinkReport>,
}

/// The profile page itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProfileFinding {
    pub fetch: FetchRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reused: Option<Reuse>,
    /// Every contact the scanner finds on the profile page, the marketplace's own footer
    /// links (its social profiles) included; only `has_channel` counts toward the verdict.
    pub contacts: Vec<Contact>,
    /// A channel (not a social profile) is given in the profile itself.
    pub has_channel: bool,
    /// Portfolio links found on the page (`--link` ones not counted).
    pub links_found: usize,
}

/// The profile's own text (an audit's `overview` field). Text on the marketplace that
/// gives a channel, or asks to be contacted or paid off the platform, is solicitation
/// whatever the portfolio shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OverviewFinding {
    pub contacts: Vec<Contact>,
    /// A channel (not a social profile) is given in the text.
    pub has_channel: bool,
    /// The text alone judged solicitation by the rules (a channel named without a
    /// readable handle, "pay me outside the platform"…).
    pub solicits: bool,
    /// The solicitation rules that counted in the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<Signal>,
}

/// One linked page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LinkReport {
    pub link: Url,
    /// Given (`--link`, an audit's `portfolio_urls`) rather than found on the profile page.
    pub given: bool,
    /// Absent when the page could not be fetched and its address alone says nothing.
    pub verdict: Option<Verdict>,
    pub fetch: FetchRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reused: Option<Reuse>,
    /// The page's scan; when the fetch failed but an address of its redirect chain is a
    /// channel, the scan of that address alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<PageScan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_pages: Vec<SitePageReport>,
}

/// A same-site contact, hire or about page of a linked page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SitePageReport {
    pub fetch: FetchRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reused: Option<Reuse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<PageScan>,
    /// Its signals that count for the linked page: strong solicitation phrases (fee
    /// avoidance, platform clients sent to a channel…). An ordinary contact page has none
    /// (policy B6).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counted: Vec<String>,
}

/// Where an overview's text is taken to be, when the profile has no address: a reserved
/// name (RFC 6761), so nothing about it hints at a region or a channel.
const OVERVIEW_PLACE: &str = "https://overview.invalid/";

/// Checks one profile: its page (when given), its text (when given) and every portfolio
/// link with its contact pages, all from `source`.
pub async fn check_profile<S: PageSource>(source: &S, target: &ProfileTarget) -> ProfileReport {
    let judge = source.judge();
    let overview = target
        .overview
        .as_deref()
        .filter(|text| !text.trim().is_empty())
        .map(|text| {
            let place = target
                .profile_url
                .clone()
                .or_else(|| Url::parse(OVERVIEW_PLACE).ok());
            overview_finding(text, place, judge)
        });
    let read_profile = target
        .profile_url
        .as_ref()
        .filter(|_| target.links.is_empty() || target.discover);
    let mut links: Vec<(Url, bool)> = Vec::new();
    let profile = match read_profile {
        Some(url) => {
            let outcome = source.page(url, PageRole::Profile).await;
            let contacts = outcome.scan.map(|s| s.contacts).unwrap_or_default();
            links.extend(outcome.links.iter().map(|u| (u.clone(), false)));
            Some(ProfileFinding {
                has_channel: contacts.iter().any(|c| c.kind.is_channel()),
                links_found: outcome.links.len(),
                fetch: outcome.fetch,
                reused: outcome.reused,
                contacts,
            })
        }
        None => None,
    };
    for given in &target.links {
        if !links.iter().any(|(u, _)| u == given) {
            links.push((given.clone(), true));
        }
    }
    let pages = join_all(
        links
            .into_iter()
            .map(|(link, given)| check_link(source, link, given)),
    )
    .await;
    let has_channel = profile.as_ref().is_some_and(|p| p.has_channel)
        || overview
            .as_ref()
            .is_some_and(|o| o.has_channel || o.solicits);
    let judged_itself =
        profile.as_ref().is_some_and(|p| p.fetch.error.is_none()) || overview.is_some();
    let verdict = pages
        .iter()
        .filter_map(|p| p.verdict)
        .chain(has_channel.then_some(Verdict::Solicitation))
        .max()
        .or(judged_itself.then_some(Verdict::NoContact));
    ProfileReport {
        profile_url: target.profile_url.clone(),
        verdict,
        profile,
        overview,
        pages,
    }
}

/// Scans a profile's own text as a page of paragraphs.
fn overview_finding(text: &str, place: Option<Url>, judge: &Judge) -> OverviewFinding {
    let mut html = String::with_capacity(text.len() + 64);
    for paragraph in text.split("\n\n") {
        html.push_str("<p>");
        for c in paragraph.chars() {
            match c {
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                '&' => html.push_str("&amp;"),
                '\n' => html.push_str("<br>"),
                c => html.push(c),
            }
        }
        html.push_str("</p>\n");
    }
    let Some(url) = place else {
        return OverviewFinding {
            contacts: Vec::new(),
            has_channel: false,
            solicits: false,
            signals: Vec::new(),
        };
    };
    let page = Page::from_bytes(html.as_bytes(), url);
    let scan = scan_page_with(&page, &judge.options.extract, judge.ruleset);
    OverviewFinding {
        has_channel: scan.contacts.iter().any(|c| c.kind.is_channel()),
        solicits: scan.verdict == Verdict::Solicitation,
        signals: scan
            .signals
            .into_iter()
            .filter(|s| s.counted && s.kind == RuleKind::Solicitation)
            .collect(),
        contacts: scan.contacts,
    }
}

/// Judges one linked page and its same-site contact pages.
async fn check_link<S: PageSource>(source: &S, link: Url, given: bool) -> LinkReport {
    let outcome = source.page(&link, PageRole::Linked).await;
    let Some(scan) = outcome.scan else {
        let scan = judge_address_only(&outcome.fetch, source.judge());
        return LinkReport {
            link,
            given,
            verdict: scan.as_ref().map(|s| s.verdict),
            fetch: outcome.fetch,
            reused: outcome.reused,
            scan,
            site_pages: Vec::new(),
        };
    };
    let mut verdict = scan.verdict;
    let site_reports = join_all(outcome.links.iter().map(|url| site_page(source, url))).await;
    if site_reports.iter().any(|s| !s.counted.is_empty()) {
        verdict = Verdict::Solicitation;
    }
    LinkReport {
        link,
        given,
        verdict: Some(verdict),
        fetch: outcome.fetch,
        reused: outcome.reused,
        scan: Some(scan),
        site_pages: site_reports,
    }
}

async fn site_page<S: PageSource>(source: &S, url: &Url) -> SitePageReport {
    let outcome = source.page(url, PageRole::SitePage).await;
    let counted = outcome
        .scan
        .iter()
        .flat_map(|s| &s.signals)
        .filter(|s| s.counted && s.kind == RuleKind::Solicitation && s.grade == Some(Grade::Strong))
        .map(|s| s.rule.clone())
        .collect();
    SitePageReport {
        fetch: outcome.fetch,
        reused: outcome.reused,
        scan: outcome.scan,
        counted,
    }
}

/// A page that could not be fetched is still judged when an address of its redirect chain
/// is a channel (a shortener to wa.me, a link hub entry): the link is the channel (SOL001).
fn judge_address_only(record: &FetchRecord, judge: &Judge) -> Option<PageScan> {
    let mut hops: Vec<Url> = record.redirects.clone();
    let last = record.final_url.clone().unwrap_or(record.requested.clone());
    if hops.last() != Some(&last) {
        hops.push(last.clone());
    }
    let region = judge.options.extract.region.unwrap_or_default();
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
    Some(scan_page_with(&page, &judge.options.extract, judge.ruleset))
}
