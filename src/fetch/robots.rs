//! robots.txt as RFC 9309 reads it: what a response means, and a per-origin cache with
//! expiry so each site's file is fetched once however many of its pages are audited.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use texting_robots::Robot;
use tokio::sync::OnceCell;
use tokio::time::Instant;
use url::Url;

/// The most of a robots.txt that is read (RFC 9309 §2.5 asks for at least 500 KiB).
pub(crate) const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// How long a fetched robots.txt is trusted (RFC 9309 §2.4: at most 24 hours).
const MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// How long an unreachable robots.txt keeps its site closed before it is asked again.
const UNREACHABLE_AGE: Duration = Duration::from_secs(3600);

/// What a site's robots.txt says for this crawler.
pub(crate) enum Rules {
    /// No usable file (4xx): everything may be fetched.
    AllowAll,
    /// The file could not be fetched (5xx, network): nothing may be, for now.
    DisallowAll,
    Parsed(Box<Robot>),
}

/// How the robots.txt request ended, as far as the rules care.
pub(crate) enum RobotsResponse<'a> {
    Status { status: u16, body: &'a [u8] },
    Unreachable,
}

/// One origin's rules, with when they expire.
pub(crate) struct RobotsEntry {
    pub(crate) rules: Rules,
    expires: Instant,
}

impl RobotsEntry {
    /// Reads a response for `user_agent` (the product token, `portfolio-audit`).
    pub(crate) fn from_response(
        response: RobotsResponse<'_>,
        user_agent: &str,
        max_age: Option<Duration>,
    ) -> RobotsEntry {
        let now = Instant::now();
        let fresh_until = now + max_age.map_or(MAX_AGE, |age| age.min(MAX_AGE));
        let (rules, expires) = match response {
            RobotsResponse::Status { status, body } if (200..300).contains(&status) => {
                let body = &body[..body.len().min(MAX_ROBOTS_BYTES)];
                // A file the parser cannot read says nothing: RFC 9309 §2.2 has crawlers
                // use what they can parse, and texting_robots rejects only non-text.
                let rules = Robot::new(user_agent, body)
                    .map(|robot| Rules::Parsed(Box::new(robot)))
                    .unwrap_or(Rules::AllowAll);
                (rules, fresh_until)
            }
            // 429 is a server asking for less, like 5xx: stay out until it recovers.
            RobotsResponse::Status { status: 429, .. } => {
                (Rules::DisallowAll, now + UNREACHABLE_AGE)
            }
            RobotsResponse::Status { status, .. } if (400..500).contains(&status) => {
                (Rules::AllowAll, fresh_until)
            }
            RobotsResponse::Status { .. } | RobotsResponse::Unreachable => {
                (Rules::DisallowAll, now + UNREACHABLE_AGE)
            }
        };
        RobotsEntry { rules, expires }
    }

    pub(crate) fn allows(&self, url: &Url) -> bool {
        match &self.rules {
            Rules::AllowAll => true,
            Rules::DisallowAll => false,
            Rules::Parsed(robot) => robot.allowed(url.as_str()),
        }
    }

    pub(crate) fn crawl_delay(&self) -> Option<Duration> {
        match &self.rules {
            Rules::Parsed(robot) => robot
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(3600.0))),
            _ => None,
        }
    }

    fn is_fresh(&self) -> bool {
        Instant::now() < self.expires
    }
}

/// Origins whose robots.txt is kept; past this, the expired and then the finished entries
/// are dropped (fetched again if their origin comes back), so memory stays bounded over
/// millions of sites.
const MAX_ORIGINS: usize = 50_000;

/// The robots.txt of every origin seen, each fetched once while fresh, even when many
/// fetches of one origin ask at the same time.
#[derive(Default)]
pub(crate) struct RobotsCache {
    origins: Mutex<HashMap<String, Arc<OnceCell<Arc<RobotsEntry>>>>>,
}

impl RobotsCache {
    /// The entry for `origin`, fetching it with `fetch` when absent or expired.
    pub(crate) async fn get<F, Fut>(&self, origin: &str, fetch: F) -> Arc<RobotsEntry>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = RobotsEntry>,
    {
        let cell = {
            let mut origins = self
                .origins
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if origins.len() >= MAX_ORIGINS && !origins.contains_key(origin) {
                origins.retain(|_, cell| cell.get().is_none_or(|entry| entry.is_fresh()));
                if origins.len() >= MAX_ORIGINS {
                    // Only fetches still in flight keep their cell.
                    origins.retain(|_, cell| cell.get().is_none());
                }
            }
            let cell = origins.entry(origin.to_owned()).or_default();
            if cell.get().is_some_and(|entry| !entry.is_fresh()) {
                *cell = Arc::default();
            }
            cell.clone()
        };
        cell.get_or_init(|| async { Arc::new(fetch().await) })
            .await
            .clone()
    }
}

/// `scheme://host:port`, the scope of one robots.txt (RFC 9309 §2.3).
pub(crate) fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Where `url`'s robots.txt is.
pub(crate) fn robots_url(url: &Url) -> Url {
    let mut robots = url.clone();
    robots.set_path("/robots.txt");
    robots.set_query(None);
    robots.set_fragment(None);
    robots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(path: &str) -> Url {
        Url::parse("https://site.test").unwrap().join(path).unwrap()
    }

    fn entry(status: u16, body: &str) -> RobotsEntry {
        RobotsEntry::from_response(
            RobotsResponse::Status {
                status,
                body: body.as_bytes(),
            },
            "portfolio-audit",
            None,
        )
    }

    #[test]
    fn rules_for_our_agent_apply_and_crawl_delay_is_read() {
        let robots = entry(
            200,
            "User-agent: *\nDisallow: /\n\nUser-agent: portfolio-audit\nDisallow: /private/\nAllow: /private/ok\nCrawl-delay: 2.5\n",
        );
        assert!(robots.allows(&url("/work/")));
        assert!(!robots.allows(&url("/private/x")));
        assert!(robots.allows(&url("/private/ok")));
        assert_eq!(robots.crawl_delay(), Some(Duration::from_millis(2500)));
    }

    #[test]
    fn missing_file_allows_and_server_errors_disallow() {
        assert!(entry(404, "").allows(&url("/anything")));
        assert!(entry(403, "").allows(&url("/anything")));
        assert!(!entry(503, "").allows(&url("/anything")));
        assert!(!entry(429, "").allows(&url("/anything")));
        let unreachable =
            RobotsEntry::from_response(RobotsResponse::Unreachable, "portfolio-audit", None);
        assert!(!unreachable.allows(&url("/")));
    }

    #[tokio::test]
    async fn each_origin_is_fetched_once_while_fresh() {
        let cache = RobotsCache::default();
        let fetches = std::sync::atomic::AtomicUsize::new(0);
        let fetch = || async {
            fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            entry(200, "User-agent: *\nDisallow: /x\n")
        };
        let (a, b) = tokio::join!(
            cache.get("https://site.test", fetch),
            cache.get("https://site.test", fetch)
        );
        assert!(!a.allows(&url("/x")) && !b.allows(&url("/x")));
        cache.get("https://other.test", fetch).await;
        assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn the_cache_stays_bounded_over_many_origins() {
        let cache = RobotsCache::default();
        let fetch = || async { entry(404, "") };
        for i in 0..=MAX_ORIGINS {
            cache.get(&format!("https://site{i}.test"), fetch).await;
        }
        let kept = cache.origins.lock().unwrap().len();
        assert!(kept < 10, "{kept} origins kept");
    }

    #[test]
    fn robots_url_is_at_the_origin_root() {
        let page = Url::parse("http://a.site.test:8080/work/x?y=1#z").unwrap();
        assert_eq!(
            robots_url(&page).as_str(),
            "http://a.site.test:8080/robots.txt"
        );
        assert_eq!(origin_of(&page), "http://a.site.test:8080");
    }
}
