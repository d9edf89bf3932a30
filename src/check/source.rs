//! Where a check gets its pages. `check` fetches every page ([`LiveSource`]); the audit
//! job puts its state in front, reusing pages it fetched recently or that answer 304
//! (`audit::pages`). Either way a page comes back judged: its fetch record, its scan and
//! the links the check follows from it.

use std::future::Future;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use url::Url;
use xxhash_rust::xxh3::xxh3_64;

use super::CheckOptions;
use super::discover::{portfolio_links, site_pages};
use crate::classify::{Ruleset, Verdict};
use crate::fetch::{FetchRecord, Fetched, Fetcher};
use crate::scan::{PageScan, scan_parsed};

/// The ruleset and settings every page of every profile is judged by.
#[derive(Debug)]
pub struct Judge {
    /// Rulesets live for the whole process (the built-in one is static).
    pub ruleset: &'static Ruleset,
    pub options: CheckOptions,
    /// Pages judged at once: one per core. Hundreds of fetches finish together in an
    /// audit, and judging them all at once would hold hundreds of parsed documents in
    /// memory for no gain in speed.
    judging: Semaphore,
}

impl Judge {
    pub fn new(ruleset: &'static Ruleset, options: CheckOptions) -> Judge {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Judge {
            ruleset,
            options,
            judging: Semaphore::new(cores),
        }
    }

    /// Names what a stored scan depends on besides the page: the rules, the settings
    /// that change a scan and this build. A stored scan made under another is not reused.
    pub fn fingerprint(&self) -> String {
        let region = self
            .options
            .extract
            .region
            .map(|r| r.to_string())
            .unwrap_or_default();
        format!(
            "{}/{:016x}/{region}/{}/{:016x}",
            env!("CARGO_PKG_VERSION"),
            self.ruleset.fingerprint,
            self.options.site_pages,
            self.options.selectors.fingerprint()
        )
    }
}

/// What a page is to a check; it decides which links are read from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageRole {
    /// A marketplace profile page: its portfolio links are read.
    Profile,
    /// A portfolio link: its same-site contact, hire and about pages are read.
    Linked,
    /// One of those pages: nothing is read from it.
    SitePage,
}

impl PageRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PageRole::Profile => "profile",
            PageRole::Linked => "linked",
            PageRole::SitePage => "site_page",
        }
    }
}

/// How an audit reused a page instead of reading it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reuse {
    /// Fetched by an earlier run within `--max-age`: not asked again; `fetch` is that
    /// earlier fetch.
    WithinMaxAge,
    /// Revalidated: the site answered 304 Not Modified, so the stored scan stands; `fetch`
    /// is the 304.
    NotModified,
}

/// One page, fetched and judged.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PageOutcome {
    pub fetch: FetchRecord,
    /// Absent when no page was read.
    pub scan: Option<PageScan>,
    /// The links the check follows from this page (see [`PageRole`]); none for a page
    /// already judged solicitation.
    pub links: Vec<Url>,
    /// A hash of the page's text, to tell a changed page from an unchanged one.
    pub digest: Option<u64>,
    /// Set when an audit reused the page.
    #[serde(skip)]
    pub reused: Option<Reuse>,
}

/// Gives the check its pages, judged.
pub trait PageSource: Sync {
    fn judge(&self) -> &Arc<Judge>;

    /// The page at `url`, judged for its `role`.
    fn page(&self, url: &Url, role: PageRole) -> impl Future<Output = PageOutcome> + Send;
}

/// Fetches every page through the shared fetcher.
pub struct LiveSource {
    pub fetcher: Arc<Fetcher>,
    pub judge: Arc<Judge>,
}

impl PageSource for LiveSource {
    fn judge(&self) -> &Arc<Judge> {
        &self.judge
    }

    async fn page(&self, url: &Url, role: PageRole) -> PageOutcome {
        let fetched = self.fetcher.fetch(url).await;
        judge_fetched(&self.judge, fetched, role).await
    }
}

/// Scans a fetched page and reads its links on the blocking pool: parsing and judging
/// take milliseconds of CPU that must not hold up the fetches sharing the runtime.
pub async fn judge_fetched(judge: &Arc<Judge>, fetched: Fetched, role: PageRole) -> PageOutcome {
    let Fetched { record, page } = fetched;
    let Some(page) = page else {
        return PageOutcome {
            fetch: record,
            scan: None,
            links: Vec::new(),
            digest: None,
            reused: None,
        };
    };
    // The semaphore is never closed.
    let _slot = judge.judging.acquire().await;
    let judge = Arc::clone(judge);
    let work = move || {
        let document = page.parse();
        let scan = scan_parsed(&page, &document, &judge.options.extract, judge.ruleset);
        let links = match role {
            PageRole::Profile => portfolio_links(
                &document,
                &page.url,
                judge.ruleset,
                &judge.options.selectors,
            ),
            PageRole::Linked
                if scan.verdict != Verdict::Solicitation && judge.options.site_pages > 0 =>
            {
                site_pages(&document, &page.url, judge.options.site_pages)
            }
            PageRole::Linked | PageRole::SitePage => Vec::new(),
        };
        (scan, links, xxh3_64(page.html.as_bytes()))
    };
    let (scan, links, digest) = match tokio::task::spawn_blocking(work).await {
        Ok(judged) => judged,
        // A panic while judging is carried to the caller's task, as if judged inline (the
        // audit reports that profile as failed and goes on).
        Err(join) => std::panic::resume_unwind(join.into_panic()),
    };
    PageOutcome {
        fetch: record,
        scan: Some(scan),
        links,
        digest: Some(digest),
        reused: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::FetchRecord;
    use crate::page::Page;

    /// A stored judgement reads back as it was written: an audit that reuses a page
    /// reports exactly what a fresh read reported.
    #[test]
    fn a_judged_page_reads_back_from_its_stored_form() {
        let url = Url::parse("https://danielreyesphoto.com/").unwrap();
        let html = include_str!("../../fixtures/pages/a-wp-photographer-cloudflare.html");
        let page = Page::from_bytes(html.as_bytes(), url.clone());
        let judge = Judge::new(Ruleset::builtin(), CheckOptions::default());
        let scan = crate::scan_page_with(&page, &judge.options.extract, judge.ruleset);
        assert!(!scan.contacts.is_empty() && !scan.signals.is_empty());
        let outcome = PageOutcome {
            fetch: FetchRecord::new(&url),
            scan: Some(scan),
            links: vec![url.join("/contact").unwrap()],
            digest: Some(7),
            reused: None,
        };
        let stored = serde_json::to_string(&outcome).unwrap();
        let read: PageOutcome = serde_json::from_str(&stored).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), stored);
    }
}
