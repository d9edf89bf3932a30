//! What one fetch did, as the JSON output and the audit state record it.

use serde::{Deserialize, Serialize};
use url::Url;

/// Why a fetch ended without a page to scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchErrorKind {
    /// The name did not resolve.
    Dns,
    /// No connection could be made (refused, reset, unreachable).
    Connect,
    /// The connect or the total timeout ran out (a slow server included).
    Timeout,
    /// The TLS handshake or the certificate failed.
    Tls,
    /// The body passed the size cap (after decompression).
    TooLarge,
    /// robots.txt disallows the page for this crawler: it was not fetched.
    Robots,
    /// The address is loopback, private, link-local or otherwise not public.
    PrivateAddress,
    /// The server answered with an error status (after retries for 429 and 5xx).
    HttpStatus,
    /// More redirects than allowed.
    TooManyRedirects,
    /// A redirect led back to an address already visited.
    RedirectLoop,
    /// Not an http or https URL, or a redirect to one.
    UnsupportedScheme,
    /// The content type is not HTML; the body was not read.
    NotHtml,
    /// The site failed so often this run that it is left alone.
    HostBackedOff,
    /// The connection broke while the body was read, or the body could not be decoded.
    Body,
}

impl FetchErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FetchErrorKind::Dns => "dns",
            FetchErrorKind::Connect => "connect",
            FetchErrorKind::Timeout => "timeout",
            FetchErrorKind::Tls => "tls",
            FetchErrorKind::TooLarge => "too_large",
            FetchErrorKind::Robots => "robots",
            FetchErrorKind::PrivateAddress => "private_address",
            FetchErrorKind::HttpStatus => "http_status",
            FetchErrorKind::TooManyRedirects => "too_many_redirects",
            FetchErrorKind::RedirectLoop => "redirect_loop",
            FetchErrorKind::UnsupportedScheme => "unsupported_scheme",
            FetchErrorKind::NotHtml => "not_html",
            FetchErrorKind::HostBackedOff => "host_backed_off",
            FetchErrorKind::Body => "body",
        }
    }

    /// Skipped on purpose (robots.txt, a backed-off site), rather than failed.
    pub fn is_skip(self) -> bool {
        matches!(self, FetchErrorKind::Robots | FetchErrorKind::HostBackedOff)
    }

    /// Whether this failure counts against the site's health: the server or the network
    /// misbehaved, rather than the page being what it is.
    pub(crate) fn is_site_failure(self) -> bool {
        matches!(
            self,
            FetchErrorKind::Dns
                | FetchErrorKind::Connect
                | FetchErrorKind::Timeout
                | FetchErrorKind::Tls
                | FetchErrorKind::Body
        )
    }
}

impl std::fmt::Display for FetchErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed fetch: its kind and a message naming what failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct FetchError {
    pub kind: FetchErrorKind,
    pub message: String,
}

impl FetchError {
    pub(crate) fn new(kind: FetchErrorKind, message: impl Into<String>) -> FetchError {
        FetchError {
            kind,
            message: message.into(),
        }
    }
}

/// Where a fetch spent its time, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timings {
    /// Waiting for the site's rate limit, crawl delay, connection slots, retry backoff and
    /// its robots.txt.
    pub waited_ms: u64,
    /// From the first request to the end of the body (or the failure), waits excluded.
    pub network_ms: u64,
    /// Everything, robots.txt included.
    pub total_ms: u64,
}

/// One fetch, whatever its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchRecord {
    pub requested: Url,
    /// Every address before `final_url`, first hop first (the requested URL included when
    /// it redirected).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<Url>,
    /// The address that answered last; absent when no request was made.
    pub final_url: Option<Url>,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// The final answer's `ETag`, kept to revalidate the page later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The final answer's `Last-Modified`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Body bytes read (after decompression).
    pub bytes: u64,
    /// Requests made to the final address, retries included.
    pub attempts: u32,
    pub timings: Timings,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<FetchError>,
}

impl FetchRecord {
    pub(crate) fn new(requested: &Url) -> FetchRecord {
        FetchRecord {
            requested: requested.clone(),
            redirects: Vec::new(),
            final_url: None,
            status: None,
            content_type: None,
            etag: None,
            last_modified: None,
            bytes: 0,
            attempts: 0,
            timings: Timings::default(),
            error: None,
        }
    }

    /// Keeps the validators of the latest answer (a redirect's are replaced by the next).
    pub(crate) fn read_validators(&mut self, headers: &reqwest::header::HeaderMap) {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        self.etag = text(reqwest::header::ETAG);
        self.last_modified = text(reqwest::header::LAST_MODIFIED);
    }
}
