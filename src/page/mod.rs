//! A page to scan: the address it was served at and its HTML text, decoded from whatever
//! charset the site uses.

mod charset;
mod nesting;

pub use charset::CharsetSource;

use std::io::Read;
use std::path::{Path, PathBuf};

use url::Url;

/// The most of a page that is scanned: a page's first 10 MiB (twice the fetcher's default
/// body cap). Longer pages are cut there and marked `truncated`, so one odd file cannot
/// exhaust time or memory in a batch; what a portfolio shows is well inside it.
pub const MAX_PAGE_BYTES: u64 = 10 * 1024 * 1024;

/// A page to scan.
#[derive(Clone, Debug)]
pub struct Page {
    /// Where the page was served (resolves relative links, gives region hints).
    pub url: Url,
    /// The redirect chain that led to `url`, first hop first (empty when none).
    pub redirects: Vec<Url>,
    pub html: String,
    /// The charset the bytes were decoded from (`"windows-1251"`).
    pub encoding: &'static str,
    /// What decided the charset.
    pub charset_from: CharsetSource,
    /// Only the first [`MAX_PAGE_BYTES`] of the page were kept.
    pub truncated: bool,
}

/// Why a page could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot express the path as a file:// URL", path.display())]
    NotAFileUrl { path: PathBuf },
}

impl Page {
    /// The parsed document, with nesting deeper than browsers keep flattened so parsing
    /// stays fast on hostile pages.
    pub fn parse(&self) -> scraper::Html {
        scraper::Html::parse_document(&nesting::flatten_deep_nesting(&self.html))
    }

    /// A page from raw bytes, decoded as a browser would (see [`charset`]).
    pub fn from_bytes(bytes: &[u8], url: Url) -> Page {
        Page::decode(bytes, url, None)
    }

    /// A page from raw bytes served with a `Content-Type` header, whose `charset`
    /// parameter is honoured before any `<meta>` declaration.
    pub fn decode(bytes: &[u8], url: Url, content_type: Option<&str>) -> Page {
        let tld = url
            .host_str()
            .and_then(|h| h.rsplit('.').next())
            .map(str::to_ascii_lowercase);
        let decoded = charset::decode(bytes, content_type, tld.as_deref());
        Page {
            url,
            redirects: Vec::new(),
            html: decoded.text,
            encoding: decoded.encoding.name(),
            charset_from: decoded.source,
            truncated: false,
        }
    }

    /// Reads a saved page. Without `url`, the page's address is its `file://` path.
    pub fn read_file(path: &Path, url: Option<Url>) -> Result<Page, PageError> {
        let file = std::fs::File::open(path).map_err(|source| PageError::Read {
            path: path.to_owned(),
            source,
        })?;
        let (bytes, truncated) = read_capped(file, path)?;
        let url = match url {
            Some(url) => url,
            None => file_url(path)?,
        };
        Ok(Page {
            truncated,
            ..Page::from_bytes(&bytes, url)
        })
    }

    /// Reads a page from standard input; without `url` its address is `file:///dev/stdin`.
    pub fn read_stdin(url: Option<Url>) -> Result<Page, PageError> {
        let path = Path::new("-");
        let (bytes, truncated) = read_capped(std::io::stdin().lock(), path)?;
        let url = url.unwrap_or_else(|| Url::parse("file:///dev/stdin").expect("static URL"));
        Ok(Page {
            truncated,
            ..Page::from_bytes(&bytes, url)
        })
    }
}

/// Reads at most [`MAX_PAGE_BYTES`], and says whether there was more.
fn read_capped(reader: impl Read, path: &Path) -> Result<(Vec<u8>, bool), PageError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_PAGE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| PageError::Read {
            path: path.to_owned(),
            source,
        })?;
    let truncated = bytes.len() as u64 > MAX_PAGE_BYTES;
    bytes.truncate(MAX_PAGE_BYTES as usize);
    Ok((bytes, truncated))
}

fn file_url(path: &Path) -> Result<Url, PageError> {
    let absolute = std::path::absolute(path).map_err(|source| PageError::Read {
        path: path.to_owned(),
        source,
    })?;
    Url::from_file_path(&absolute).map_err(|()| PageError::NotAFileUrl {
        path: path.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_dropped() {
        let page = Page::from_bytes(
            b"\xEF\xBB\xBF<p>hi</p>",
            Url::parse("https://a.io/").unwrap(),
        );
        assert_eq!(page.html, "<p>hi</p>");
    }

    #[test]
    fn missing_file_error_names_the_file() {
        let err = Page::read_file(Path::new("no/such/page.html"), None).unwrap_err();
        assert!(err.to_string().contains("no/such/page.html"), "{err}");
    }
}
