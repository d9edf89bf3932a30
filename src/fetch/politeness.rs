//! How hard the fetcher may press one site: a request rate and a concurrency cap per
//! registrable domain, robots.txt `Crawl-delay` on top, and a site that keeps failing left
//! alone for the rest of the run.
//!
//! Limits are keyed by registrable domain (`a.site.com` and `b.site.com` are one site to
//! its owner, and one server as often as not), and held across every caller of one
//! [`super::Fetcher`], so an audit of many profiles that share a host stays under them.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::{Host, Url};

/// The key every per-site limit is held under: the registrable domain (`site.com` for
/// `a.site.com`, `site.co.uk` for `b.site.co.uk`), or the host itself for IP addresses and
/// names outside the public suffix list.
pub fn site_key(url: &Url) -> String {
    match url.host() {
        Some(Host::Domain(domain)) => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            psl::domain_str(&domain).unwrap_or(&domain).to_owned()
        }
        Some(host) => host.to_string(),
        None => String::new(),
    }
}

/// How much wider than `1 / rate` requests to one site are spaced.
const SPACING_MARGIN: f64 = 1.05;

/// Sites remembered before idle ones are forgotten: an audit of millions of profiles
/// touches millions of sites, and memory must not grow with them.
const MAX_SITES: usize = 50_000;

/// Per-site limits shared by all fetches.
pub(crate) struct Politeness {
    rate: DefaultKeyedRateLimiter<String>,
    per_site_concurrency: usize,
    state: Mutex<Sites>,
    failures_before_backoff: u32,
}

#[derive(Default)]
struct Sites {
    by_name: HashMap<String, SiteState>,
    /// Sites given up on for the run: kept apart, as names only, when idle sites are
    /// forgotten.
    backed_off: HashSet<String>,
}

#[derive(Default)]
struct SiteState {
    permits: Option<Arc<Semaphore>>,
    /// `Crawl-delay` from robots.txt, when slower than the rate limit.
    crawl_delay: Option<Duration>,
    /// When the next request may start under `crawl_delay`.
    next_slot: Option<Instant>,
    /// Failed fetches in a row (connect errors, timeouts, 5xx after retries).
    failures_in_a_row: u32,
}

/// A request's place in its site's limits: hold it until the response is read.
pub(crate) struct SiteTurn {
    _permit: OwnedSemaphorePermit,
}

impl Politeness {
    pub(crate) fn new(
        requests_per_second: f64,
        burst: u32,
        per_site_concurrency: usize,
        failures_before_backoff: u32,
    ) -> Politeness {
        // Requests are spaced 5% wider than the rate asks: a request that waits on a new
        // connection reaches the site later than the next one on a warm connection, and the
        // site must still never see two closer than its limit.
        let period = Duration::from_secs_f64(SPACING_MARGIN / requests_per_second.max(1e-6));
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Politeness {
            rate: RateLimiter::keyed(quota),
            per_site_concurrency: per_site_concurrency.max(1),
            state: Mutex::new(Sites::default()),
            failures_before_backoff,
        }
    }

    /// Waits for a free connection slot of `site`, then for its rate limit and crawl
    /// delay. The slot is taken first so requests waiting on the rate do not pile up.
    pub(crate) async fn turn(&self, site: &str) -> SiteTurn {
        let permits = {
            let mut state = self.lock();
            if state.by_name.len() >= MAX_SITES && !state.by_name.contains_key(site) {
                self.forget_idle(&mut state);
            }
            let entry = state.by_name.entry(site.to_owned()).or_default();
            entry
                .permits
                .get_or_insert_with(|| Arc::new(Semaphore::new(self.per_site_concurrency)))
                .clone()
        };
        let permit = permits
            .acquire_owned()
            .await
            .expect("site semaphores are never closed");
        self.rate.until_key_ready(&site.to_owned()).await;
        if let Some(wait_until) = self.crawl_delay_slot(site) {
            tokio::time::sleep_until(wait_until).await;
        }
        SiteTurn { _permit: permit }
    }

    /// Books the next crawl-delay slot of `site`, if it has a crawl delay, and returns when
    /// it starts.
    fn crawl_delay_slot(&self, site: &str) -> Option<Instant> {
        let mut state = self.lock();
        let entry = state.by_name.get_mut(site)?;
        let delay = entry.crawl_delay?;
        let now = Instant::now();
        let slot = entry.next_slot.map_or(now, |next| next.max(now));
        entry.next_slot = Some(slot + delay);
        Some(slot)
    }

    /// Records `Crawl-delay` for `site`; only a delay longer than the rate limit's period
    /// changes anything, since robots.txt may slow the fetcher down but never speed it up.
    pub(crate) fn set_crawl_delay(&self, site: &str, delay: Duration, period: Duration) {
        if delay > period {
            self.lock()
                .by_name
                .entry(site.to_owned())
                .or_default()
                .crawl_delay = Some(delay);
        }
    }

    /// Whether `site` failed so often this run that it is left alone.
    pub(crate) fn is_backed_off(&self, site: &str) -> bool {
        let state = self.lock();
        state.backed_off.contains(site)
            || state
                .by_name
                .get(site)
                .is_some_and(|s| s.failures_in_a_row >= self.failures_before_backoff)
    }

    /// Counts a success or a failure; true when this failure backs the site off.
    pub(crate) fn record_outcome(&self, site: &str, failed: bool) -> bool {
        let mut state = self.lock();
        let entry = state.by_name.entry(site.to_owned()).or_default();
        if failed {
            entry.failures_in_a_row = entry.failures_in_a_row.saturating_add(1);
            entry.failures_in_a_row == self.failures_before_backoff
        } else {
            entry.failures_in_a_row = 0;
            false
        }
    }

    /// Forgets the sites with no request in flight or waiting and no crawl-delay slot
    /// ahead (a crawl delay is set again from the robots.txt cache on the next fetch, and
    /// forgetting a failure or two is harmless). Sites given up on move to the compact
    /// set. What is left is about as many sites as are in flight, so this runs rarely.
    /// The rate limiter forgets the same way.
    fn forget_idle(&self, state: &mut Sites) {
        let now = Instant::now();
        let Sites {
            by_name,
            backed_off,
        } = state;
        by_name.retain(|name, site| {
            if site.failures_in_a_row >= self.failures_before_backoff {
                backed_off.insert(name.clone());
            }
            let busy = site.permits.as_ref().is_some_and(|p| {
                Arc::strong_count(p) > 1 || p.available_permits() < self.per_site_concurrency
            });
            busy || site.next_slot.is_some_and(|slot| slot > now)
        });
        self.rate.retain_recent();
        self.rate.shrink_to_fit();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sites> {
        // A panic while holding the lock leaves plain counters behind; they stay usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_share_their_site() {
        let key = |u: &str| site_key(&Url::parse(u).unwrap());
        assert_eq!(key("https://a.site.com/x"), "site.com");
        assert_eq!(key("https://b.site.com/"), "site.com");
        assert_eq!(key("https://jane.github.io/"), "jane.github.io");
        assert_eq!(key("https://shop.example.co.uk/"), "example.co.uk");
        assert_eq!(key("http://a.portfolio.test:8080/"), "portfolio.test");
        assert_eq!(key("http://127.0.0.1:9/"), "127.0.0.1");
        assert_eq!(key("http://[::1]/"), "[::1]");
    }

    #[tokio::test]
    async fn a_site_gets_one_request_per_period_and_crawl_delay_slows_it() {
        let limits = Politeness::new(20.0, 1, 2, 3);
        let start = Instant::now();
        for _ in 0..3 {
            drop(limits.turn("a.test").await);
        }
        // The first is immediate, then one per 50 ms (and the 5% margin).
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(104), "{elapsed:?}");
        let period = Duration::from_millis(50);
        limits.set_crawl_delay("b.test", Duration::from_millis(300), period);
        limits.set_crawl_delay("c.test", Duration::from_millis(10), period);
        let start = Instant::now();
        for _ in 0..3 {
            drop(limits.turn("c.test").await);
        }
        let c_elapsed = start.elapsed();
        assert!(c_elapsed < Duration::from_millis(250), "{c_elapsed:?}");
        let start = Instant::now();
        for _ in 0..3 {
            drop(limits.turn("b.test").await);
        }
        // b.test waits 300 ms between requests; c.test's shorter delay changed nothing.
        let b_elapsed = start.elapsed();
        assert!(b_elapsed >= Duration::from_millis(595), "{b_elapsed:?}");
    }

    #[test]
    fn a_site_that_keeps_failing_is_backed_off() {
        let limits = Politeness::new(1.0, 1, 2, 3);
        for _ in 0..2 {
            limits.record_outcome("down.test", true);
        }
        assert!(!limits.is_backed_off("down.test"));
        limits.record_outcome("down.test", false);
        for _ in 0..3 {
            limits.record_outcome("down.test", true);
        }
        assert!(limits.is_backed_off("down.test"));
        assert!(!limits.is_backed_off("up.test"));
    }

    #[tokio::test]
    async fn idle_sites_are_forgotten_past_the_cap_and_failing_ones_kept() {
        let limits = Politeness::new(1000.0, 1, 2, 3);
        for _ in 0..3 {
            limits.record_outcome("down.test", true);
        }
        let busy = limits.turn("busy.test").await;
        for i in 0..MAX_SITES {
            drop(limits.turn(&format!("site{i}.test")).await);
        }
        let remembered = limits.lock().by_name.len();
        assert!(remembered < 10, "idle sites forgotten: {remembered}");
        assert!(limits.is_backed_off("down.test"));
        assert!(limits.lock().by_name.contains_key("busy.test"));
        drop(busy);
    }
}
