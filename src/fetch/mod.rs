//! The polite fetcher: gets portfolio pages the way a site owner would not mind and an
//! attacker could not abuse.
//!
//! One [`Fetcher`] holds one HTTP client and every limit, so all its callers (the pages of
//! one `check`, the profiles of a whole audit) share them:
//! - per site (registrable domain): a request rate ([`politeness`], `governor`), a cap on
//!   parallel requests, robots.txt `Crawl-delay`, and a back-off for sites that keep failing;
//! - robots.txt per RFC 9309, fetched once per origin ([`robots`]);
//! - only public addresses, checked on the address connected to ([`address`]);
//! - hard limits: connect and total timeouts, a body cap counted after decompression,
//!   at most `max_redirects` redirects (each hop checked like the first), HTML only;
//! - retries with backoff for connect errors, 429 and 5xx ([`retry`]).
//!
//! Every fetch returns a [`FetchRecord`], and the decoded [`Page`] when there is one.

mod address;
mod politeness;
mod record;
mod retry;
mod robots;

pub use address::{ResolveOverride, ResolveOverrideError, forbidden_reason};
pub use politeness::site_key;
pub use record::{FetchError, FetchErrorKind, FetchRecord, Timings};
pub use retry::RetryPolicy;

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use reqwest::header::{
    CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LOCATION,
    RETRY_AFTER,
};
use reqwest::{Response, StatusCode};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::{Host, Url};

use crate::page::Page;
use address::{GuardedResolver, PrivateAddressError};
use politeness::{Politeness, SiteTurn};
use robots::{RobotsCache, RobotsEntry, RobotsResponse, origin_of, robots_url};

/// The robots.txt product token this crawler answers to (`User-agent: portfolio-audit`).
pub const ROBOTS_TOKEN: &str = "portfolio-audit";

/// How long an idle connection is kept for the next request to its site.
const POOL_IDLE: Duration = Duration::from_secs(10);

/// Redirects followed for a robots.txt (RFC 9309 §2.3.1.2: at least five).
const ROBOTS_REDIRECTS: usize = 5;

/// How the fetcher behaves; the defaults are the documented ones (docs/operations.md).
#[derive(Clone, Debug)]
pub struct FetchConfig {
    /// The `User-Agent` header; it names [`ROBOTS_TOKEN`] so site owners can address it.
    pub user_agent: String,
    /// Requests per second to one site (registrable domain).
    pub requests_per_second: f64,
    /// Requests one site may get at once after a quiet spell.
    pub burst: u32,
    /// Requests in flight to one site.
    pub per_site_concurrency: usize,
    /// Requests in flight in all.
    pub concurrency: usize,
    pub connect_timeout: Duration,
    /// One request from connect to the last body byte: a server that drips its answer
    /// is cut off here.
    pub timeout: Duration,
    /// The most body bytes read, counted after decompression.
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    pub retry: RetryPolicy,
    /// Failures in a row after which a site is left alone for the rest of the run.
    pub failures_before_backoff: u32,
    /// Obey robots.txt (turn off only for a site's own owner).
    pub respect_robots: bool,
    /// Allow loopback and private addresses (tests, internal deployments).
    pub allow_private: bool,
    /// Names mapped to addresses, like curl's `--resolve`.
    pub resolve: Vec<ResolveOverride>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: format!(
                "Mozilla/5.0 (compatible; {ROBOTS_TOKEN}/{}; portfolio link audit)",
                env!("CARGO_PKG_VERSION")
            ),
            requests_per_second: 1.0,
            burst: 1,
            per_site_concurrency: 2,
            concurrency: 64,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 5 * 1024 * 1024,
            max_redirects: 10,
            retry: RetryPolicy::default(),
            failures_before_backoff: 5,
            respect_robots: true,
            allow_private: false,
            resolve: Vec::new(),
        }
    }
}

/// The fetcher could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum FetcherError {
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("invalid fetch setting: {0}")]
    Setting(&'static str),
}

/// A fetch's outcome: the record, and the page when one was fetched.
#[derive(Debug)]
pub struct Fetched {
    pub record: FetchRecord,
    pub page: Option<Page>,
}

impl Fetched {
    /// The server answered 304 to a revalidation: the stored copy is current.
    pub fn is_not_modified(&self) -> bool {
        self.page.is_none()
            && self.record.error.is_none()
            && self.record.status == Some(StatusCode::NOT_MODIFIED.as_u16())
    }
}

/// What a stored copy of a page was served with, sent back so an unchanged page answers
/// 304 Not Modified instead of its body (RFC 9110 §13.1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` it was served with, sent as `If-None-Match`.
    pub etag: Option<String>,
    /// Its `Last-Modified`, sent as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

impl Validators {
    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let values = [
            (IF_NONE_MATCH, &self.etag),
            (IF_MODIFIED_SINCE, &self.last_modified),
        ];
        for (name, value) in values {
            // A stored value that is no longer a valid header is simply not sent.
            if let Some(value) = value.as_deref().and_then(|v| v.parse().ok()) {
                headers.insert(name, value);
            }
        }
        headers
    }
}

/// Where following a URL ended.
enum Landing {
    /// A page body, read from `Url`.
    Body(Url, Vec<u8>),
    /// 304 Not Modified to a revalidation.
    NotModified,
}

/// The shared, rate-limited fetcher. Cheap to share behind an `Arc`.
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
    politeness: Politeness,
    robots: RobotsCache,
    in_flight: Semaphore,
}

/// A response with its place in the site's limits, held until its body is read.
struct Answer {
    response: Response,
    _turn: SiteTurn,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetcherError> {
        if !(config.requests_per_second > 0.0 && config.requests_per_second.is_finite()) {
            return Err(FetcherError::Setting("requests per second must be above 0"));
        }
        if config.concurrency == 0 || config.per_site_concurrency == 0 {
            return Err(FetcherError::Setting("concurrency must be at least 1"));
        }
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            // Redirects are followed by hand so each hop is checked and recorded.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would connect on our behalf, past the address check.
            .no_proxy()
            .dns_resolver(GuardedResolver::new(&config.resolve, config.allow_private))
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .pool_max_idle_per_host(config.per_site_concurrency)
            // Idle connections cost buffers and a descriptor each; over thousands of sites
            // only those used again soon (the next request under the rate limit) are kept.
            .pool_idle_timeout(POOL_IDLE)
            .build()?;
        Ok(Fetcher {
            client,
            politeness: Politeness::new(
                config.requests_per_second,
                config.burst,
                config.per_site_concurrency,
                config.failures_before_backoff.max(1),
            ),
            robots: RobotsCache::default(),
            in_flight: Semaphore::new(config.concurrency),
            config,
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fetches `url`: follows redirects, and returns the decoded page when the answer is
    /// an HTML page within the limits.
    pub async fn fetch(&self, url: &Url) -> Fetched {
        self.fetch_with(url, None).await
    }

    /// Fetches `url` unless it is unchanged since the copy `validators` describe: then
    /// the answer is 304 ([`Fetched::is_not_modified`]) and no body is read.
    pub async fn revalidate(&self, url: &Url, validators: &Validators) -> Fetched {
        self.fetch_with(url, Some(validators)).await
    }

    async fn fetch_with(&self, url: &Url, validators: Option<&Validators>) -> Fetched {
        let started = Instant::now();
        let mut record = FetchRecord::new(url);
        let headers = validators.map(Validators::headers).unwrap_or_default();
        let outcome = self.follow(url, &headers, &mut record).await;
        record.timings.total_ms = millis(started.elapsed());
        record.timings.network_ms = record
            .timings
            .total_ms
            .saturating_sub(record.timings.waited_ms);
        tracing::debug!(
            url = %url,
            status = record.status,
            error = outcome.as_ref().err().map(|e| e.kind.as_str()),
            waited_ms = record.timings.waited_ms,
            total_ms = record.timings.total_ms,
            "fetched"
        );
        match outcome {
            Ok(Landing::NotModified) => Fetched { record, page: None },
            Ok(Landing::Body(final_url, body)) => {
                let mut page = Page::decode(&body, final_url, record.content_type.as_deref());
                page.redirects = record.redirects.clone();
                Fetched {
                    record,
                    page: Some(page),
                }
            }
            Err(error) => {
                record.error = Some(error);
                Fetched { record, page: None }
            }
        }
    }

    /// The hops of one fetch, each checked like the first.
    async fn follow(
        &self,
        url: &Url,
        headers: &HeaderMap,
        record: &mut FetchRecord,
    ) -> Result<Landing, FetchError> {
        let mut current = url.clone();
        let mut visited = HashSet::new();
        loop {
            self.check_address(&current)?;
            if !visited.insert(current.clone()) {
                return Err(FetchError::new(
                    FetchErrorKind::RedirectLoop,
                    format!("{current} was already visited in this redirect chain"),
                ));
            }
            let site = site_key(&current);
            if self.politeness.is_backed_off(&site) {
                return Err(FetchError::new(
                    FetchErrorKind::HostBackedOff,
                    format!("{site} failed repeatedly this run; not asked again"),
                ));
            }
            if self.config.respect_robots {
                let waited = Instant::now();
                let allowed = self.robots_allow(&current, &site).await;
                record.timings.waited_ms += millis(waited.elapsed());
                if !allowed {
                    return Err(FetchError::new(
                        FetchErrorKind::Robots,
                        format!("{} disallows {current}", robots_url(&current)),
                    ));
                }
            }
            record.final_url = Some(current.clone());
            record.attempts = 0;
            let answer = self.request(&current, &site, headers, record).await;
            let site_failed = match &answer {
                Err(error) => error.kind.is_site_failure(),
                Ok(answer) => is_retryable(answer.response.status()),
            };
            if self.politeness.record_outcome(&site, site_failed) {
                tracing::info!(%site, "site failed repeatedly; left alone for the rest of the run");
            }
            let answer = answer?;
            let status = answer.response.status();
            record.status = Some(status.as_u16());
            record.read_validators(answer.response.headers());
            if status == StatusCode::NOT_MODIFIED && !headers.is_empty() {
                return Ok(Landing::NotModified);
            }
            if status.is_redirection()
                && let Some(location) = answer.response.headers().get(LOCATION)
            {
                let next = location
                    .to_str()
                    .ok()
                    .and_then(|l| current.join(l).ok())
                    .ok_or_else(|| {
                        FetchError::new(
                            FetchErrorKind::HttpStatus,
                            format!("{current} redirects to an unreadable Location"),
                        )
                    })?;
                record.redirects.push(current);
                if record.redirects.len() > self.config.max_redirects {
                    return Err(FetchError::new(
                        FetchErrorKind::TooManyRedirects,
                        format!(
                            "more than {} redirects from {url}",
                            self.config.max_redirects
                        ),
                    ));
                }
                current = next;
                continue;
            }
            let body = self.read_page(answer, &current, record).await?;
            return Ok(Landing::Body(current, body));
        }
    }

    /// Refuses other schemes, and IP literals that are not public (names are checked by
    /// the resolver, on the address actually connected to).
    fn check_address(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::new(
                FetchErrorKind::UnsupportedScheme,
                format!("{url}: only http and https are fetched"),
            ));
        }
        let ip = match url.host() {
            Some(Host::Ipv4(v4)) => std::net::IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => std::net::IpAddr::V6(v6),
            Some(Host::Domain(_)) => return Ok(()),
            None => {
                return Err(FetchError::new(
                    FetchErrorKind::UnsupportedScheme,
                    format!("{url} has no host"),
                ));
            }
        };
        match forbidden_reason(ip) {
            Some(reason) if !self.config.allow_private => Err(FetchError::new(
                FetchErrorKind::PrivateAddress,
                format!("{url}: {ip} is not a public address ({reason})"),
            )),
            _ => Ok(()),
        }
    }

    /// One GET of `url` under the site's limits, retried on connect errors, timeouts,
    /// 429 and 5xx. A final error status is returned as a response for the caller to read.
    async fn request(
        &self,
        url: &Url,
        site: &str,
        headers: &HeaderMap,
        record: &mut FetchRecord,
    ) -> Result<Answer, FetchError> {
        let policy = self.config.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let waited = Instant::now();
            let turn = self.politeness.turn(site).await;
            let slot = self
                .in_flight
                .acquire()
                .await
                .expect("the in-flight semaphore is never closed");
            record.timings.waited_ms += millis(waited.elapsed());
            // The site may have been given up on while this request waited its turn: a
            // queue of pages for a dead host must not each wait out the timeout.
            if self.politeness.is_backed_off(site) {
                return Err(FetchError::new(
                    FetchErrorKind::HostBackedOff,
                    format!("{site} failed repeatedly this run; not asked again"),
                ));
            }
            record.attempts += 1;
            let sent = self
                .client
                .get(url.as_str())
                .headers(headers.clone())
                .send()
                .await;
            drop(slot);
            let last = attempt >= policy.attempts.max(1);
            let retry_wait = match &sent {
                Ok(response) if !last && is_retryable(response.status()) => {
                    policy.wait(attempt, retry_after(response))
                }
                Err(error) if !last && is_transient(error) => policy.wait(attempt, None),
                _ => None,
            };
            let Some(wait) = retry_wait else {
                return match sent {
                    Ok(response) => Ok(Answer {
                        response,
                        _turn: turn,
                    }),
                    Err(error) => Err(classify(&error, url)),
                };
            };
            drop(sent);
            drop(turn);
            let waited = Instant::now();
            tokio::time::sleep(wait).await;
            record.timings.waited_ms += millis(waited.elapsed());
        }
    }

    /// Reads an answer's body as a page: a success status, an HTML content type, and at
    /// most `max_body_bytes` after decompression (a gzip bomb stops at the cap).
    async fn read_page(
        &self,
        answer: Answer,
        url: &Url,
        record: &mut FetchRecord,
    ) -> Result<Vec<u8>, FetchError> {
        let Answer {
            mut response,
            _turn,
        } = answer;
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        record.content_type = content_type.clone();
        if !status.is_success() {
            return Err(FetchError::new(
                FetchErrorKind::HttpStatus,
                format!("{url} answered {status}"),
            ));
        }
        if let Some(kind) = content_type.as_deref().filter(|t| !is_html(t)) {
            return Err(FetchError::new(
                FetchErrorKind::NotHtml,
                format!("{url} is {kind}, not an HTML page"),
            ));
        }
        let cap = self.config.max_body_bytes;
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|length| length > cap) {
            return Err(FetchError::new(
                FetchErrorKind::TooLarge,
                format!(
                    "{url} declares {} bytes, over the {cap}-byte cap",
                    declared.unwrap_or(0)
                ),
            ));
        }
        let mut body = Vec::new();
        loop {
            let chunk = response.chunk().await.map_err(|e| classify(&e, url));
            let chunk = match chunk {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(error) => {
                    record.bytes = body.len() as u64;
                    return Err(error);
                }
            };
            if (body.len() + chunk.len()) as u64 > cap {
                record.bytes = (body.len() + chunk.len()) as u64;
                return Err(FetchError::new(
                    FetchErrorKind::TooLarge,
                    format!("{url}: body passed the {cap}-byte cap"),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        record.bytes = body.len() as u64;
        if content_type.is_none() && !looks_like_html(&body) {
            return Err(FetchError::new(
                FetchErrorKind::NotHtml,
                format!("{url} has no content type and does not look like HTML"),
            ));
        }
        Ok(body)
    }

    /// Whether robots.txt lets this crawler fetch `url`; records the site's crawl delay.
    async fn robots_allow(&self, url: &Url, site: &str) -> bool {
        let entry = self
            .robots
            .get(&origin_of(url), || self.fetch_robots(url))
            .await;
        if let Some(delay) = entry.crawl_delay() {
            let period = Duration::from_secs_f64(1.0 / self.config.requests_per_second);
            self.politeness.set_crawl_delay(site, delay, period);
        }
        entry.allows(url)
    }

    /// Fetches `url`'s robots.txt under the same limits as any page, following a few
    /// redirects (each checked like a page's).
    async fn fetch_robots(&self, url: &Url) -> RobotsEntry {
        let mut current = robots_url(url);
        let mut scratch = FetchRecord::new(&current);
        for _ in 0..=ROBOTS_REDIRECTS {
            if self.check_address(&current).is_err() {
                break;
            }
            let site = site_key(&current);
            let Ok(answer) = self
                .request(&current, &site, &HeaderMap::new(), &mut scratch)
                .await
            else {
                break;
            };
            let status = answer.response.status();
            if status.is_redirection()
                && let Some(next) = answer
                    .response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| current.join(l.to_str().ok()?).ok())
            {
                current = next;
                continue;
            }
            let body = read_capped(answer, robots::MAX_ROBOTS_BYTES).await;
            return RobotsEntry::from_response(
                RobotsResponse::Status {
                    status: status.as_u16(),
                    body: &body,
                },
                ROBOTS_TOKEN,
                None,
            );
        }
        RobotsEntry::from_response(RobotsResponse::Unreachable, ROBOTS_TOKEN, None)
    }
}

/// Up to `cap` body bytes; what follows is not read, and a broken body ends early.
async fn read_capped(answer: Answer, cap: usize) -> Vec<u8> {
    let Answer {
        mut response,
        _turn,
    } = answer;
    let mut body = Vec::new();
    while body.len() < cap {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk[..chunk.len().min(cap - body.len())]),
            _ => break,
        }
    }
    body
}

/// Content types scanned as pages.
fn is_html(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(essence.as_str(), "text/html" | "application/xhtml+xml")
}

/// A body served without a content type is taken as HTML when it starts like markup.
fn looks_like_html(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body[start..].starts_with(b"<") || body.starts_with(&[0xEF, 0xBB, 0xBF])
}

/// 429 and the 5xx a retry may cure (not 501 Not Implemented or 505).
fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (status.is_server_error()
            && !matches!(
                status,
                StatusCode::NOT_IMPLEMENTED | StatusCode::HTTP_VERSION_NOT_SUPPORTED
            ))
}

fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    retry::parse_retry_after(value, SystemTime::now())
}

/// Errors a second try may not repeat: no connection, a timeout. Refused addresses,
/// TLS failures and unknown names stay as they are.
fn is_transient(error: &reqwest::Error) -> bool {
    matches!(
        error_kind(error),
        FetchErrorKind::Connect | FetchErrorKind::Timeout
    )
}

/// A failed request as a [`FetchError`] naming the URL and the error chain.
fn classify(error: &reqwest::Error, url: &Url) -> FetchError {
    let mut chain = String::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        chain.push_str(": ");
        chain.push_str(&e.to_string());
        source = e.source();
    }
    FetchError::new(error_kind(error), format!("{url}{chain}"))
}

/// The kind of a failed request, read from reqwest's error chain.
fn error_kind(error: &reqwest::Error) -> FetchErrorKind {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut tls = false;
    while let Some(e) = source {
        if e.downcast_ref::<PrivateAddressError>().is_some() {
            return FetchErrorKind::PrivateAddress;
        }
        if e.downcast_ref::<address::DnsError>().is_some() {
            return FetchErrorKind::Dns;
        }
        let text = e.to_string().to_ascii_lowercase();
        tls |= text.contains("certificate") || text.contains("tls") || text.contains("handshake");
        source = e.source();
    }
    if error.is_timeout() {
        FetchErrorKind::Timeout
    } else if tls {
        FetchErrorKind::Tls
    } else if error.is_body() || error.is_decode() {
        FetchErrorKind::Body
    } else {
        FetchErrorKind::Connect
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
