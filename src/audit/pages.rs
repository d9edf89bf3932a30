//! The audit's page source: the live fetcher with the state in front. A page an earlier
//! run read within `--max-age` is not asked for again; an older one is revalidated
//! (`If-None-Match` / `If-Modified-Since`) and a 304 keeps its stored judgement; anything
//! else is fetched and judged afresh. Pages read for one profile are kept here until the
//! profile is committed, with them, in one transaction.

use std::sync::{Arc, Mutex};

use url::Url;

use super::state::{State, StoredPage};
use crate::check::{Judge, LiveSource, PageOutcome, PageRole, PageSource, Reuse, judge_fetched};
use crate::fetch::Validators;

/// What the pages of one profile did, for the run's counters and `changed_since_last_run`.
#[derive(Debug, Default)]
pub(crate) struct PageTally {
    /// Read afresh (a 200 or a failure).
    pub fetched: u64,
    pub not_modified: u64,
    pub within_max_age: u64,
    /// Error kinds of failed reads.
    pub errors: Vec<&'static str>,
    /// A page read afresh differs from its stored copy, or had none.
    pub content_changed: bool,
    /// Rows to commit with the profile.
    pub rows: Vec<StoredPage>,
}

impl PageTally {
    /// Pages asked of their sites: reads afresh and revalidations, less the pages skipped
    /// without a request (robots.txt, a site given up on).
    pub fn requested(&self) -> u64 {
        let skipped = self
            .errors
            .iter()
            .filter(|kind| matches!(**kind, "robots" | "host_backed_off"))
            .count() as u64;
        (self.fetched + self.not_modified).saturating_sub(skipped)
    }
}

/// The pages of one profile, read through the state.
pub(crate) struct StatePages<'a> {
    pub live: &'a LiveSource,
    pub state: &'a Mutex<State>,
    /// `Judge::fingerprint`: stored judgements made under anything else are not reused.
    pub judged_by: &'a str,
    pub max_age_secs: i64,
    /// Seconds since the Unix epoch, when the profile's check started.
    pub now: i64,
    pub tally: Mutex<PageTally>,
}

impl StatePages<'_> {
    fn stored(&self, key: &str) -> Option<(StoredPage, PageOutcome)> {
        // A state that cannot be read here only costs a fetch; the commit reports it.
        let stored = self
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last_fetch(key)
            .ok()??;
        if stored.judged_by != self.judged_by {
            return None;
        }
        let outcome = serde_json::from_str(&stored.outcome).ok()?;
        Some((stored, outcome))
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, PageTally> {
        // Poisoned only by a panic elsewhere in this profile, which fails the profile.
        self.tally.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a fresh read and keeps it for the commit when it produced a page.
    fn remember(&self, key: String, outcome: &PageOutcome, before: Option<&StoredPage>) {
        let mut tally = self.tally();
        tally.fetched += 1;
        if let Some(error) = &outcome.fetch.error {
            tally.errors.push(error.kind.as_str());
            return;
        }
        let digest = outcome.digest.map(|d| d as i64);
        if before.is_none_or(|b| b.digest != digest) {
            tally.content_changed = true;
        }
        let Ok(json) = serde_json::to_string(outcome) else {
            return;
        };
        tally.rows.push(StoredPage {
            key,
            fetched_at: self.now,
            etag: outcome.fetch.etag.clone(),
            last_modified: outcome.fetch.last_modified.clone(),
            digest,
            judged_by: self.judged_by.to_owned(),
            outcome: json,
        });
    }
}

impl PageSource for StatePages<'_> {
    fn judge(&self) -> &Arc<Judge> {
        &self.live.judge
    }

    async fn page(&self, url: &Url, role: PageRole) -> PageOutcome {
        let key = format!("{} {url}", role.as_str());
        let stored = self.stored(&key);
        let Some((row, mut kept)) = stored else {
            let outcome = self.live.page(url, role).await;
            self.remember(key, &outcome, None);
            return outcome;
        };
        if self.now - row.fetched_at < self.max_age_secs {
            self.tally().within_max_age += 1;
            kept.reused = Some(Reuse::WithinMaxAge);
            return kept;
        }
        let validators = Validators {
            etag: row.etag.clone(),
            last_modified: row.last_modified.clone(),
        };
        // Without validators this is a plain fetch: no conditional headers are sent.
        let fetched = self.live.fetcher.revalidate(url, &validators).await;
        if !fetched.is_not_modified() {
            let outcome = judge_fetched(&self.live.judge, fetched, role).await;
            self.remember(key, &outcome, Some(&row));
            return outcome;
        }
        let mut tally = self.tally();
        tally.not_modified += 1;
        tally.rows.push(StoredPage {
            fetched_at: self.now,
            ..row
        });
        drop(tally);
        kept.fetch = fetched.record;
        kept.reused = Some(Reuse::NotModified);
        kept
    }
}
