//! The bundled demo: sample portfolio sites and marketplace profiles (`fixtures/demo`,
//! built into the binary), served from a loopback server inside the process so the real
//! audit — fetcher, rate limits, robots.txt, scanner, classifier, state — runs end to end
//! without the internet. Every host name is mapped to the server; the server answers by
//! the `Host` header, with `ETag` and `Last-Modified` so a second run sees 304s.
//!
//! `fixtures/demo/sites/<host>/<path>` are the files (`/` is `index.html`, `/about` is
//! `about`, `about.html` or `about/index.html`); `fixtures/demo/routes.toml` lists
//! redirects and error statuses; `fixtures/demo/profiles.jsonl` is the audit's input.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};
use serde::Deserialize;
use url::Url;
use xxhash_rust::xxh3::xxh3_64;

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/demo");

/// When every demo page was last modified (`Last-Modified`): fixed, so revalidation works
/// across runs and processes.
const LAST_MODIFIED: &str = "Mon, 02 Nov 2026 09:00:00 GMT";

/// The demo's input: profile records, one JSON object per line.
pub fn profiles() -> &'static [u8] {
    DEMO.get_file("profiles.jsonl")
        .map_or(&[][..], |file| file.contents())
}

/// The demo data is built into the binary, so a broken routes file is a build defect;
/// it is still reported, not panicked on.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("fixtures/demo/routes.toml: {0}")]
    Routes(String),
    #[error("starting the demo server on loopback: {0}")]
    Bind(#[from] std::io::Error),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Routes {
    #[serde(default)]
    redirect: Vec<Redirect>,
    #[serde(default)]
    status: Vec<StatusRoute>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Redirect {
    from: Url,
    to: Url,
    #[serde(default = "found")]
    status: u16,
}

fn found() -> u16 {
    302
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusRoute {
    url: Url,
    status: u16,
}

/// A route's answer other than a file.
#[derive(Clone, Debug)]
enum Special {
    Redirect { to: String, status: StatusCode },
    Status(StatusCode),
}

struct Sites {
    /// By `host` + path (`jane.github.io/about`), from `routes.toml`.
    special: HashMap<String, Special>,
}

/// The demo server, running until dropped.
pub struct DemoServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl DemoServer {
    /// Starts the server on a free loopback port.
    pub async fn start() -> Result<DemoServer, DemoError> {
        let routes: Routes = match DEMO.get_file("routes.toml") {
            Some(file) => toml::from_str(file.contents_utf8().unwrap_or(""))
                .map_err(|e| DemoError::Routes(e.to_string()))?,
            None => Routes::default(),
        };
        let mut special = HashMap::new();
        for redirect in routes.redirect {
            let status = StatusCode::from_u16(redirect.status)
                .ok()
                .filter(StatusCode::is_redirection)
                .ok_or_else(|| {
                    DemoError::Routes(format!("{}: not a redirect status", redirect.status))
                })?;
            special.insert(
                route_key(&redirect.from),
                Special::Redirect {
                    to: redirect.to.to_string(),
                    status,
                },
            );
        }
        for route in routes.status {
            let status = StatusCode::from_u16(route.status)
                .map_err(|e| DemoError::Routes(format!("{}: {e}", route.status)))?;
            special.insert(route_key(&route.url), Special::Status(status));
        }
        let sites = Arc::new(Sites { special });
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new().fallback(serve).with_state(sites);
        let task = tokio::spawn(async move {
            // The server lives as long as the demo; an accept error ends it, and the
            // fetches that follow fail and are reported like any unreachable site.
            let _ = axum::serve(listener, app).await;
        });
        Ok(DemoServer { addr, task })
    }

    /// The loopback address every demo host name connects to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn route_key(url: &Url) -> String {
    format!("{}{}", url.host_str().unwrap_or(""), url.path())
}

async fn serve(State(sites): State<Arc<Sites>>, request: Request) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.rsplit_once(':').map_or(h, |(name, _)| name))
        .unwrap_or("")
        .to_ascii_lowercase();
    let path = request.uri().path().to_owned();
    match sites.special.get(&format!("{host}{path}")) {
        Some(Special::Redirect { to, status }) => {
            return (*status, [(header::LOCATION, to.clone())]).into_response();
        }
        Some(Special::Status(status)) => {
            let body = format!(
                "<!doctype html><title>{status}</title><h1>{status}</h1><p>The server could not answer.</p>"
            );
            return (
                *status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response();
        }
        None => {}
    }
    let Some((name, contents)) = find_file(&host, &path) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><title>Not found</title><h1>404</h1><p>There is no page here.</p>",
        )
            .into_response();
    };
    let etag = format!("\"{:016x}\"", xxh3_64(contents));
    if fresh(request.headers(), &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let content_type = if name.ends_with(".txt") {
        "text/plain; charset=utf-8"
    } else {
        "text/html; charset=utf-8"
    };
    let mut response = Response::new(Body::from(contents));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_static(LAST_MODIFIED),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

/// Whether the client's copy is current (`If-None-Match` wins over `If-Modified-Since`,
/// RFC 9110 §13.2.2).
fn fresh(headers: &HeaderMap, etag: &str) -> bool {
    if let Some(tags) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return tags.split(',').any(|t| t.trim() == etag || t.trim() == "*");
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|since| httpdate::parse_http_date(since).ok())
        .zip(httpdate::parse_http_date(LAST_MODIFIED).ok())
        .is_some_and(|(since, modified)| modified <= since)
}

/// The file a host serves at `path`: the path itself, with `.html`, or its `index.html`.
fn find_file(host: &str, path: &str) -> Option<(String, &'static [u8])> {
    if host.is_empty() || host.contains("..") || path.contains("..") {
        return None;
    }
    let base = format!("sites/{host}{path}");
    let candidates = if path.ends_with('/') {
        vec![format!("{base}index.html")]
    } else {
        vec![
            base.clone(),
            format!("{base}.html"),
            format!("{base}/index.html"),
        ]
    };
    candidates.into_iter().find_map(|name| {
        let file = DEMO.get_file(&name)?;
        Some((name, file.contents()))
    })
}
