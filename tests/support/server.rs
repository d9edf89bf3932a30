//! A local fixture HTTP server for integration tests and benches: serves several
//! fake sites on 127.0.0.1, picked by the `Host` header, and misbehaves on purpose
//! (redirects, 429/503 with `Retry-After`, slow drips, gzip bombs, huge bodies,
//! delays). Every request is recorded so tests can assert on politeness.
//!
//! Include with `#[path = "support/server.rs"] mod server;`.

// Each test binary or bench uses only part of this module.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use futures_util::stream::{self, BoxStream, StreamExt};
use tokio::sync::watch;

const HTML_UTF8: &str = "text/html; charset=utf-8";

/// One request as the server saw it on arrival.
#[derive(Clone, Debug)]
pub struct Hit {
    /// Host header without port, lower-cased ("" if the request had none).
    pub host: String,
    /// Path and query, as sent.
    pub path: String,
    pub method: String,
    /// The client's address: the same port across hits means a reused connection.
    pub peer: SocketAddr,
    pub at: Instant,
    /// Header names are lower-case; values are decoded lossily.
    pub headers: Vec<(String, String)>,
}

impl Hit {
    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug)]
pub enum Route {
    /// 200, `Content-Type: text/html; charset=utf-8`.
    Html(String),
    /// 200 with the given content type and raw body.
    Body { content_type: String, body: Vec<u8> },
    /// A bare status with an empty body.
    Status(u16),
    /// A redirect with the given status and raw `Location` header value.
    Redirect { status: u16, location: String },
    /// The first `times` requests get `status` (with `Retry-After` if Some); later
    /// ones get `then`. Counted per route; a host's fallback counts per path.
    FailThen {
        status: u16,
        retry_after: Option<String>,
        times: usize,
        then: Box<Route>,
    },
    /// 200 text/html sending `bytes` bytes, one every `every`; headers go at once.
    Drip { bytes: usize, every: Duration },
    /// 200 text/html, `Content-Encoding: gzip`, inflating to `inflated` spaces.
    GzipBomb { inflated: u64 },
    /// 200 text/html streaming `bytes` bytes of HTML filler.
    Huge { bytes: u64 },
    /// Waits `delay` (after the hit is recorded), then answers with `route`.
    Delay { delay: Duration, route: Box<Route> },
    /// 200 text/html with an `ETag`; 304 with no body when `If-None-Match` names it.
    Tagged { body: String, etag: String },
    /// The first `times` requests to the host get `route`, later ones `then` (a host
    /// that dies mid-run).
    Until {
        times: usize,
        route: Box<Route>,
        then: Box<Route>,
    },
}

impl Route {
    pub fn html(body: impl Into<String>) -> Route {
        Route::Html(body.into())
    }

    /// `text/plain; charset=utf-8`, e.g. for robots.txt.
    pub fn text(body: impl Into<String>) -> Route {
        Route::Body {
            content_type: "text/plain; charset=utf-8".to_owned(),
            body: body.into().into_bytes(),
        }
    }

    pub fn body(content_type: &str, body: impl Into<Vec<u8>>) -> Route {
        Route::Body {
            content_type: content_type.to_owned(),
            body: body.into(),
        }
    }

    pub fn redirect(status: u16, location: &str) -> Route {
        Route::Redirect {
            status,
            location: location.to_owned(),
        }
    }

    pub fn fail_then(status: u16, retry_after: Option<&str>, times: usize, then: Route) -> Route {
        Route::FailThen {
            status,
            retry_after: retry_after.map(str::to_owned),
            times,
            then: Box::new(then),
        }
    }

    /// An HTML page served with `etag`, answering 304 to a request that already has it.
    pub fn tagged(body: impl Into<String>, etag: &str) -> Route {
        Route::Tagged {
            body: body.into(),
            etag: format!("\"{etag}\""),
        }
    }

    /// This route for the first `times` requests, `then` afterwards.
    pub fn until(times: usize, route: Route, then: Route) -> Route {
        Route::Until {
            times,
            route: Box::new(route),
            then: Box::new(then),
        }
    }

    /// This route, answered after `delay`.
    pub fn delayed(self, delay: Duration) -> Route {
        Route::Delay {
            delay,
            route: Box::new(self),
        }
    }
}

#[derive(Clone, Debug, Default)]
struct SiteRoutes {
    paths: HashMap<String, Route>,
    fallback: Option<Route>,
}

/// host -> path -> route. Hosts are matched lower-cased; paths match on
/// path + query first, then on the path alone, then the host's fallback.
#[derive(Clone, Debug, Default)]
pub struct Sites {
    hosts: HashMap<String, SiteRoutes>,
}

impl Sites {
    pub fn new() -> Sites {
        Sites::default()
    }

    pub fn route(mut self, host: &str, path: &str, route: Route) -> Sites {
        self.hosts
            .entry(host.to_ascii_lowercase())
            .or_default()
            .paths
            .insert(path.to_owned(), route);
        self
    }

    /// Every path of `host` not routed explicitly gets `route`.
    pub fn fallback(mut self, host: &str, route: Route) -> Sites {
        self.hosts
            .entry(host.to_ascii_lowercase())
            .or_default()
            .fallback = Some(route);
        self
    }

    pub fn hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = self.hosts.keys().cloned().collect();
        hosts.sort();
        hosts
    }

    /// The route for a request, and the key its `FailThen` counters live under.
    fn lookup(&self, host: &str, path_and_query: &str) -> Option<(&Route, String)> {
        let site = self.hosts.get(host)?;
        let path = path_and_query.split('?').next().unwrap_or(path_and_query);
        for candidate in [path_and_query, path] {
            if let Some(route) = site.paths.get(candidate) {
                return Some((route, format!("{host} {candidate}")));
            }
        }
        let route = site.fallback.as_ref()?;
        // A fallback stands for one route per path, so each path counts separately.
        Some((route, format!("{host} *{path}")))
    }

    fn for_each_route(&self, f: &mut impl FnMut(&Route)) {
        fn walk(route: &Route, f: &mut impl FnMut(&Route)) {
            f(route);
            match route {
                Route::FailThen { then, .. } => walk(then, f),
                Route::Delay { route, .. } => walk(route, f),
                Route::Until { route, then, .. } => {
                    walk(route, f);
                    walk(then, f);
                }
                _ => {}
            }
        }
        for site in self.hosts.values() {
            for route in site.paths.values().chain(site.fallback.as_ref()) {
                walk(route, f);
            }
        }
    }
}

struct Shared {
    sites: Sites,
    hits: Mutex<Vec<Hit>>,
    fail_counts: Mutex<HashMap<(String, usize), usize>>,
    bombs: HashMap<u64, Arc<GzipBomb>>,
    /// Never sent on; `changed()` errors once the server is dropped.
    shutdown: watch::Receiver<()>,
}

/// A poisoned lock only means another handler panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct FixtureServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
    // Dropping it ends in-flight streams and delays.
    _shutdown: watch::Sender<()>,
}

impl FixtureServer {
    /// Binds 127.0.0.1:0 and serves `sites` until dropped.
    pub async fn start(sites: Sites) -> FixtureServer {
        FixtureServer::start_with(|_| sites).await
    }

    /// Like [`FixtureServer::start`], for pages that must name the server's port in their
    /// links: `build` gets the port before the sites are fixed.
    pub async fn start_with(build: impl FnOnce(u16) -> Sites) -> FixtureServer {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("listener address");
        let sites = build(addr.port());
        let mut bombs = HashMap::new();
        sites.for_each_route(&mut |route| {
            if let Route::GzipBomb { inflated } = route {
                bombs
                    .entry(*inflated)
                    .or_insert_with(|| GzipBomb::cached(*inflated));
            }
        });
        let (shutdown_tx, shutdown_rx) = watch::channel(());
        let shared = Arc::new(Shared {
            sites,
            hits: Mutex::new(Vec::new()),
            fail_counts: Mutex::new(HashMap::new()),
            bombs,
            shutdown: shutdown_rx,
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(shared.clone())
            .into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            // Only returns on an unrecoverable listener error; nothing to report to.
            let _ = axum::serve(listener, app).await;
        });
        FixtureServer {
            addr,
            shared,
            task,
            _shutdown: shutdown_tx,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://{host}:{port}{path}`.
    pub fn url(&self, host: &str, path: &str) -> url::Url {
        let slash = if path.starts_with('/') { "" } else { "/" };
        let raw = format!("http://{host}:{}{slash}{path}", self.addr.port());
        url::Url::parse(&raw).unwrap_or_else(|e| panic!("fixture url {raw:?}: {e}"))
    }

    /// The hosts that have routes.
    pub fn hosts(&self) -> Vec<String> {
        self.shared.sites.hosts()
    }

    /// A reqwest client builder resolving every routed host to this server, no proxy.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        self.hosts()
            .iter()
            .fold(reqwest::Client::builder().no_proxy(), |b, host| {
                b.resolve(host, self.addr)
            })
    }

    /// Requests received for `host`, in arrival order.
    pub fn requests(&self, host: &str) -> Vec<Hit> {
        let host = host.to_ascii_lowercase();
        lock(&self.shared.hits)
            .iter()
            .filter(|h| h.host == host)
            .cloned()
            .collect()
    }

    pub fn all_requests(&self) -> Vec<Hit> {
        lock(&self.shared.hits).clone()
    }

    /// The largest number of requests `host` received within any `window`
    /// (half-open: hits exactly `window` apart fall in different windows).
    pub fn max_in_window(&self, host: &str, window: Duration) -> usize {
        let times: Vec<Instant> = self.requests(host).iter().map(|h| h.at).collect();
        max_in_window(&times, window)
    }

    /// Forgets recorded hits (e.g. after a warm-up); `FailThen` counters are kept.
    pub fn clear_requests(&self) {
        lock(&self.shared.hits).clear();
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Largest count of `times` falling in any `[t, t + window)`.
pub fn max_in_window(times: &[Instant], window: Duration) -> usize {
    if window.is_zero() {
        return 0;
    }
    let mut sorted = times.to_vec();
    sorted.sort();
    let mut best = 0;
    let mut start = 0;
    for end in 0..sorted.len() {
        while start < end && sorted[end].duration_since(sorted[start]) >= window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let at = Instant::now();
    let host = request_host(&req);
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| {
            let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (k.as_str().to_owned(), value)
        })
        .collect();
    lock(&shared.hits).push(Hit {
        host: host.clone(),
        path: path.clone(),
        method: req.method().as_str().to_owned(),
        peer,
        at,
        headers,
    });

    let Some((route, key)) = shared.sites.lookup(&host, &path) else {
        return bare(StatusCode::NOT_FOUND);
    };
    let mut shutdown = shared.shutdown.clone();
    let mut route = route;
    // Nesting depth of the current FailThen, so nested ones count separately.
    let mut depth = 0;
    loop {
        match route {
            Route::Delay {
                delay,
                route: inner,
            } => {
                tokio::select! {
                    _ = tokio::time::sleep(*delay) => {}
                    _ = shutdown.changed() => return bare(StatusCode::SERVICE_UNAVAILABLE),
                }
                route = inner.as_ref();
            }
            Route::FailThen {
                status,
                retry_after,
                times,
                then,
            } => {
                let seen = {
                    let mut counts = lock(&shared.fail_counts);
                    let n = counts.entry((key.clone(), depth)).or_insert(0);
                    *n += 1;
                    *n - 1
                };
                depth += 1;
                if seen < *times {
                    let mut resp = status_only(*status);
                    if let Some(value) = retry_after {
                        set_header(resp.headers_mut(), header::RETRY_AFTER, value.as_bytes());
                    }
                    return resp;
                }
                route = then.as_ref();
            }
            Route::Until {
                times,
                route: first,
                then,
            } => {
                // Counted per host: the host dies, whichever page is asked for.
                let seen = {
                    let mut counts = lock(&shared.fail_counts);
                    let n = counts.entry((format!("{host} until"), depth)).or_insert(0);
                    *n += 1;
                    *n - 1
                };
                depth += 1;
                route = if seen < *times { first } else { then };
            }
            Route::Tagged { body, etag } => {
                let current = if_none_match
                    .as_deref()
                    .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
                let mut resp = if current {
                    status_only(304)
                } else {
                    with_type(Body::from(body.clone()), HTML_UTF8.as_bytes())
                };
                set_header(resp.headers_mut(), header::ETAG, etag.as_bytes());
                return resp;
            }
            _ => return respond(&shared, route),
        }
    }
}

/// The Host header (or the authority of an absolute-form target) without port,
/// lower-cased.
fn request_host(req: &Request) -> String {
    let raw = match req.headers().get(header::HOST) {
        Some(v) => String::from_utf8_lossy(v.as_bytes()).into_owned(),
        None => req
            .uri()
            .authority()
            .map_or_else(String::new, |a| a.to_string()),
    };
    let raw = raw.trim();
    let without_port = if raw.starts_with('[') {
        // IPv6 literal: keep the brackets, drop what follows `]`.
        raw.find(']').map_or(raw, |end| &raw[..=end])
    } else {
        match raw.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => raw,
        }
    };
    without_port.to_ascii_lowercase()
}

fn respond(shared: &Shared, route: &Route) -> Response {
    match route {
        Route::Html(html) => with_type(Body::from(html.clone()), HTML_UTF8.as_bytes()),
        Route::Body { content_type, body } => {
            with_type(Body::from(body.clone()), content_type.as_bytes())
        }
        Route::Status(status) => status_only(*status),
        Route::Redirect { status, location } => {
            let mut resp = status_only(*status);
            set_header(resp.headers_mut(), header::LOCATION, location.as_bytes());
            resp
        }
        Route::Drip { bytes, every } => {
            let page = exact_page("Slow drip", *bytes);
            let every = *every;
            let drip = stream::unfold(0usize, move |i| {
                let page = page.clone();
                async move {
                    if i >= page.len() {
                        return None;
                    }
                    tokio::time::sleep(every).await;
                    Some((page.slice(i..i + 1), i + 1))
                }
            });
            with_type(guarded(drip.boxed(), shared), HTML_UTF8.as_bytes())
        }
        Route::GzipBomb { inflated } => {
            let Some(bomb) = shared.bombs.get(inflated) else {
                return bare(StatusCode::INTERNAL_SERVER_ERROR);
            };
            let mut resp = with_type(guarded(bomb.stream(), shared), HTML_UTF8.as_bytes());
            set_header(resp.headers_mut(), header::CONTENT_ENCODING, b"gzip");
            resp
        }
        Route::Huge { bytes } => {
            with_type(guarded(huge_stream(*bytes), shared), HTML_UTF8.as_bytes())
        }
        // Resolved by `handle` before getting here.
        Route::FailThen { .. }
        | Route::Delay { .. }
        | Route::Until { .. }
        | Route::Tagged { .. } => bare(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn bare(status: StatusCode) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = status;
    resp
}

/// An empty response with a test-chosen status; 1xx or out-of-range codes would
/// confuse hyper, so they become 500.
fn status_only(status: u16) -> Response {
    match StatusCode::from_u16(status) {
        Ok(s) if s.as_u16() >= 200 => bare(s),
        _ => bare(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn with_type(body: Body, content_type: &[u8]) -> Response {
    let mut resp = Response::new(body);
    set_header(resp.headers_mut(), header::CONTENT_TYPE, content_type);
    resp
}

/// Values are test-supplied and may be deliberately odd; ones HTTP can't carry
/// are skipped rather than panicking.
fn set_header(headers: &mut HeaderMap, name: HeaderName, value: &[u8]) {
    if let Ok(v) = HeaderValue::from_bytes(value) {
        headers.insert(name, v);
    }
}

/// A streaming body that fails (aborting the connection) once the server is
/// dropped, so no drip or huge body outlives its test.
fn guarded(inner: BoxStream<'static, Bytes>, shared: &Shared) -> Body {
    let shutdown = shared.shutdown.clone();
    let s = stream::unfold(Some((inner, shutdown)), |state| async move {
        let (mut inner, mut shutdown) = state?;
        tokio::select! {
            biased;
            _ = shutdown.changed() => {
                Some((Err(io::Error::other("fixture server dropped")), None))
            }
            item = inner.next() => item.map(|b| (Ok(b), Some((inner, shutdown)))),
        }
    });
    Body::from_stream(s)
}

const HUGE_CHUNK: usize = 64 * 1024;

fn huge_stream(bytes: u64) -> BoxStream<'static, Bytes> {
    static CHUNK: OnceLock<Bytes> = OnceLock::new();
    let chunk = CHUNK
        .get_or_init(|| Bytes::from(exact_page("Huge", HUGE_CHUNK).to_vec()))
        .clone();
    stream::unfold(0u64, move |sent| {
        let chunk = chunk.clone();
        async move {
            let left = bytes.checked_sub(sent).filter(|&n| n > 0)?;
            let n = left.min(HUGE_CHUNK as u64) as usize;
            Some((chunk.slice(..n), sent + n as u64))
        }
    })
    .boxed()
}

/// A page of exactly `bytes` bytes: filler cut short or padded with spaces.
fn exact_page(title: &str, bytes: usize) -> Bytes {
    let mut page = filler_page(title, bytes).into_bytes();
    page.resize(bytes, b' ');
    Bytes::from(page)
}

/// A gzip stream of `inflated` spaces, kept as a few compressed pieces: deflate
/// output for a run of one byte repeats exactly once the window is full, so one
/// flushed 1 MiB block is sent over and over instead of compressing it all.
struct GzipBomb {
    head: Bytes,
    repeat: Bytes,
    repeat_count: u64,
    tail: Bytes,
}

const BOMB_BYTE: u8 = b' ';
const BOMB_CHUNK: usize = 1 << 20;
// Several chunk outputs per frame, so a 1 GiB bomb isn't a thousand tiny writes.
const BOMB_BATCH: u64 = 16;
// Smaller bombs are simply compressed whole.
const BOMB_DIRECT_MAX: u64 = 12 * BOMB_CHUNK as u64;
// Keeps `head` well under BOMB_DIRECT_MAX, so `steady_chunks` >= 1.
const BOMB_MAX_UNSETTLED: u64 = 8;

impl GzipBomb {
    /// Built once per size per process: tests start many servers.
    fn cached(inflated: u64) -> Arc<GzipBomb> {
        static CACHE: OnceLock<Mutex<HashMap<u64, Arc<GzipBomb>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        if let Some(bomb) = lock(cache).get(&inflated) {
            return bomb.clone();
        }
        let bomb = Arc::new(GzipBomb::build(inflated));
        lock(cache).entry(inflated).or_insert(bomb).clone()
    }

    fn build(inflated: u64) -> GzipBomb {
        let chunk = vec![BOMB_BYTE; BOMB_CHUNK];
        let mut deflate = Compress::new(Compression::best(), false);
        let mut head = gzip_header();
        if inflated <= BOMB_DIRECT_MAX {
            let data = vec![BOMB_BYTE; inflated as usize];
            head.extend(deflate_step(&mut deflate, &data, FlushCompress::Finish));
            let mut crc = Crc::new();
            crc.update(&data);
            head.extend(gzip_trailer(&crc, inflated));
            return GzipBomb {
                head: head.into(),
                repeat: Bytes::new(),
                repeat_count: 0,
                tail: Bytes::new(),
            };
        }

        // Feed chunks until two consecutive outputs match (in practice from the
        // second chunk on); everything before the steady output goes in `head`.
        head.extend(deflate_step(&mut deflate, &chunk, FlushCompress::Sync));
        let mut head_chunks = 1u64;
        let mut prev = deflate_step(&mut deflate, &chunk, FlushCompress::Sync);
        let steady = loop {
            let next = deflate_step(&mut deflate, &chunk, FlushCompress::Sync);
            if next == prev {
                break next;
            }
            assert!(
                head_chunks < BOMB_MAX_UNSETTLED,
                "gzip bomb: deflate output for repeated chunks never settled"
            );
            head.extend(&prev);
            head_chunks += 1;
            prev = next;
        };
        let rest = inflated - head_chunks * BOMB_CHUNK as u64;
        let steady_chunks = rest / BOMB_CHUNK as u64;
        let rem = (rest % BOMB_CHUNK as u64) as usize;
        // The compressor has seen more chunks than `head` holds, but the decoder
        // only needs a window of the same byte, which any count >= 1 gives.
        let end = deflate_step(&mut deflate, &chunk[..rem], FlushCompress::Finish);

        let mut chunk_crc = Crc::new();
        chunk_crc.update(&chunk);
        let mut crc = crc_of_repeats(&chunk_crc, head_chunks + steady_chunks);
        let mut rem_crc = Crc::new();
        rem_crc.update(&chunk[..rem]);
        crc.combine(&rem_crc);

        let batch = steady_chunks.min(BOMB_BATCH);
        let mut tail = steady.repeat((steady_chunks % batch) as usize);
        tail.extend(end);
        tail.extend(gzip_trailer(&crc, inflated));
        GzipBomb {
            head: head.into(),
            repeat: steady.repeat(batch as usize).into(),
            repeat_count: steady_chunks / batch,
            tail: tail.into(),
        }
    }

    /// Compressed size in bytes.
    fn compressed_len(&self) -> u64 {
        self.head.len() as u64
            + self.repeat.len() as u64 * self.repeat_count
            + self.tail.len() as u64
    }

    fn stream(&self) -> BoxStream<'static, Bytes> {
        let pieces = std::iter::once(self.head.clone())
            .chain(std::iter::repeat_n(
                self.repeat.clone(),
                self.repeat_count as usize,
            ))
            .chain(std::iter::once(self.tail.clone()))
            .filter(|b| !b.is_empty());
        stream::iter(pieces).boxed()
    }
}

/// The CRC of `chunk` repeated `n` times, by doubling (a CRC can't be cloned,
/// but combining the same one twice into a fresh one doubles it).
fn crc_of_repeats(chunk: &Crc, n: u64) -> Crc {
    let mut total = Crc::new();
    let mut power = Crc::new();
    power.combine(chunk);
    let mut n = n;
    while n > 0 {
        if n & 1 == 1 {
            total.combine(&power);
        }
        n >>= 1;
        if n > 0 {
            let mut doubled = Crc::new();
            doubled.combine(&power);
            doubled.combine(&power);
            power = doubled;
        }
    }
    total
}

fn gzip_header() -> Vec<u8> {
    // Magic, deflate, no flags, no mtime, "max compression", unknown OS.
    vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]
}

fn gzip_trailer(crc: &Crc, inflated: u64) -> Vec<u8> {
    let mut t = crc.sum().to_le_bytes().to_vec();
    t.extend((inflated as u32).to_le_bytes()); // ISIZE is the length mod 2^32.
    t
}

/// Raw deflate of `input` with `flush`; Sync leaves the output byte-aligned so
/// pieces can be concatenated.
fn deflate_step(c: &mut Compress, mut input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 512 + 256);
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity());
        }
        let before = c.total_in();
        let status = c
            .compress_vec(input, &mut out, flush)
            .expect("deflating fixture filler");
        input = &input[(c.total_in() - before) as usize..];
        let done = if matches!(flush, FlushCompress::Finish) {
            status == Status::StreamEnd
        } else {
            // zlib's rule: a flush is complete when output space is left over.
            input.is_empty() && out.len() < out.capacity()
        };
        if done {
            return out;
        }
    }
}

/// The compressed size of the `GzipBomb { inflated }` body.
pub fn gzip_bomb_compressed_len(inflated: u64) -> u64 {
    GzipBomb::cached(inflated).compressed_len()
}

const PROSE: &[&str] = &[
    "The brief was short: a calmer checkout that still felt like the brand, and a launch before the spring collection.",
    "I started with a week of interviews and a card sort, which showed that most visitors came for the size guide, not the lookbook.",
    "We rebuilt the component library around a handful of tokens, so the marketing team could ship landing pages without waiting on engineering.",
    "Performance mattered more than polish here: the median page weight dropped from four megabytes to under six hundred kilobytes.",
    "Working with a small editorial team meant writing the style guide as we went, one awkward headline at a time.",
    "The illustrations were drawn by hand, scanned at high resolution and traced so they would stay crisp on every screen.",
    "Accessibility was part of the acceptance criteria from the first sprint, with keyboard paths and contrast checked on every pull request.",
    "After launch we watched session recordings for two weeks and removed three steps that nobody used.",
    "The client now runs quarterly reviews of the design system, and the backlog of one-off requests has mostly disappeared.",
    "Photography was shot on location over two overcast days, which gave the whole series its soft, even light.",
];

const PROJECTS: &[&str] = &[
    "Harbour Coffee Roasters",
    "Northfield Library Redesign",
    "Atlas Cycling Club",
    "Meadow & Pine Interiors",
    "Tidewater Festival Identity",
    "Lumen Health Onboarding",
];

/// A plausible portfolio page of about `bytes` bytes (never much less; may run a
/// few hundred over). Deterministic for a given title; no contact details, so
/// benchmarks measure parsing rather than findings.
pub fn filler_page(title: &str, bytes: usize) -> String {
    let seed = title
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize))
        % 1009;
    let esc = escape_html(title);
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{esc} | Portfolio</title>\n\
         <meta name=\"description\" content=\"Selected work by {esc}: product design, branding and front-end development.\">\n\
         <link rel=\"stylesheet\" href=\"/assets/site.css\">\n</head>\n<body>\n\
         <header class=\"site-header\">\n<a class=\"logo\" href=\"/\">{esc}</a>\n\
         <nav>\n<ul>\n<li><a href=\"/\">Work</a></li>\n<li><a href=\"/about\">About</a></li>\n\
         <li><a href=\"/projects\">Projects</a></li>\n<li><a href=\"/contact\">Contact</a></li>\n</ul>\n</nav>\n</header>\n\
         <main>\n<section class=\"intro\">\n<h1>{esc}</h1>\n\
         <p>Independent designer and developer working with small teams on websites, identities and the odd app.</p>\n</section>\n"
    );
    let footer = format!(
        "</main>\n<footer class=\"site-footer\">\n<p>&copy; 2024 {esc}. All rights reserved.</p>\n\
         <p><a href=\"/about\">About</a> &middot; <a href=\"/projects\">Projects</a></p>\n</footer>\n</body>\n</html>\n"
    );
    let mut section = 0;
    let mut sentence = seed;
    while page.len() + footer.len() < bytes || section < 3 {
        let name = PROJECTS[(seed + section) % PROJECTS.len()];
        page.push_str(&format!(
            "<section class=\"project\" id=\"project-{}\">\n<h2>{name}</h2>\n",
            section + 1
        ));
        for _ in 0..3 {
            page.push_str("<p>");
            for k in 0..3 {
                if k > 0 {
                    page.push(' ');
                }
                page.push_str(PROSE[sentence % PROSE.len()]);
                sentence += 1;
            }
            page.push_str("</p>\n");
            if section >= 3 && page.len() + footer.len() >= bytes {
                break;
            }
        }
        page.push_str("</section>\n");
        section += 1;
    }
    page.push_str(&footer);
    page
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
