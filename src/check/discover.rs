//! Which links to follow: the portfolio links on a marketplace profile page, and the
//! same-site contact, about and hire pages a portfolio page points to.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use scraper::{ElementRef, Html, Selector};
use serde::Deserialize;
use url::Url;

use crate::classify::Ruleset;
use crate::fetch::site_key;

/// Per profile host, the CSS selectors of the elements that hold its portfolio links
/// (`a[href]` inside them), for marketplaces whose pages mark them. Hosts without an
/// entry use every external link of the page.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selectors {
    #[serde(default)]
    host: BTreeMap<String, HostSelectors>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostSelectors {
    /// Selectors of portfolio-link containers or of the links themselves.
    links: Vec<String>,
}

/// A selectors file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SelectorsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

impl Selectors {
    /// Reads a selectors file (TOML: `[host."www.example-market.com"] links = ["…"]`),
    /// checking every selector parses.
    pub fn from_file(path: &Path) -> Result<Selectors, SelectorsError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SelectorsError::Read {
            path: name.clone(),
            source,
        })?;
        Selectors::parse(&text, &name)
    }

    pub fn parse(text: &str, name: &str) -> Result<Selectors, SelectorsError> {
        let selectors: Selectors = toml::from_str(text).map_err(|e| SelectorsError::Invalid {
            path: name.to_owned(),
            message: e.to_string(),
        })?;
        for (host, entry) in &selectors.host {
            for selector in &entry.links {
                Selector::parse(selector).map_err(|e| SelectorsError::Invalid {
                    path: name.to_owned(),
                    message: format!("host {host}: selector {selector:?}: {e}"),
                })?;
            }
        }
        Ok(selectors)
    }

    /// A hash of every host's selectors: stored profile-page links found with other
    /// selectors are not reused.
    pub fn fingerprint(&self) -> u64 {
        let mut text = String::new();
        for (host, entry) in &self.host {
            text.push_str(host);
            for selector in &entry.links {
                text.push('\0');
                text.push_str(selector);
            }
            text.push('\n');
        }
        xxhash_rust::xxh3::xxh3_64(text.as_bytes())
    }

    fn for_host(&self, host: &str) -> Option<Vec<Selector>> {
        let entry = self.host.get(&host.to_ascii_lowercase())?;
        Some(
            entry
                .links
                .iter()
                .filter_map(|s| Selector::parse(s).ok())
                .collect(),
        )
    }
}

/// Hosts that serve a page's machinery, never a freelancer's portfolio.
const INFRASTRUCTURE_HOSTS: &[&str] = &[
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "googletagmanager.com",
    "google-analytics.com",
    "doubleclick.net",
    "gstatic.com",
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "unpkg.com",
    "schema.org",
    "w3.org",
    "gravatar.com",
    "cloudflareinsights.com",
];

/// File endings of assets and documents, which are not pages to judge.
const ASSET_ENDINGS: &[&str] = &[
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico", ".css", ".js", ".mjs",
    ".woff", ".woff2", ".ttf", ".otf", ".mp4", ".webm", ".mp3", ".wav", ".zip", ".pdf", ".json",
    ".xml",
];

/// Whether a link is a share button: it posts the current page to a network rather than
/// pointing at anyone's profile or chat.
fn is_share_button(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("").trim_start_matches("www.");
    let path = url.path();
    match host {
        "facebook.com" | "m.facebook.com" => {
            path.starts_with("/sharer") || path.starts_with("/dialog/share")
        }
        "twitter.com" | "x.com" => path.starts_with("/intent") || path.starts_with("/share"),
        "linkedin.com" => path.starts_with("/sharing") || path.starts_with("/shareArticle"),
        "pinterest.com" => path.starts_with("/pin/create"),
        "reddit.com" => path.starts_with("/submit"),
        "t.me" | "telegram.me" => path.starts_with("/share"),
        "vk.com" => path.starts_with("/share"),
        // A chat link with a text but no number shares the text with anyone.
        "wa.me" | "api.whatsapp.com" => {
            (path == "/" || path == "/send") && !url.query_pairs().any(|(k, _)| k == "phone")
        }
        _ => false,
    }
}

fn is_infrastructure(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("");
    INFRASTRUCTURE_HOSTS
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")))
}

fn is_asset(url: &Url) -> bool {
    let path = url.path().to_ascii_lowercase();
    ASSET_ENDINGS.iter().any(|e| path.ends_with(e))
}

/// The portfolio links of a profile page: external links (another site than the profile's
/// and its marketplace's), not assets, share buttons or page machinery, in page order,
/// each once. With selectors for the profile's host, only links inside them.
pub fn portfolio_links(
    html: &Html,
    profile_url: &Url,
    ruleset: &Ruleset,
    selectors: &Selectors,
) -> Vec<Url> {
    let own_site = site_key(profile_url);
    let own_hosts: Vec<&String> = ruleset
        .marketplaces
        .iter()
        .filter(|m| {
            m.hosts
                .iter()
                .any(|h| own_site == *h || own_site.ends_with(&format!(".{h}")))
        })
        .flat_map(|m| m.hosts.iter())
        .collect();
    let is_own = |url: &Url| {
        let site = site_key(url);
        site == own_site || own_hosts.iter().any(|h| site == **h)
    };
    let anchors = match profile_url.host_str().and_then(|h| selectors.for_host(h)) {
        Some(containers) => anchors_within(html, &containers),
        None => anchors_within(html, &[]),
    };
    let mut seen = HashSet::new();
    anchors
        .into_iter()
        .filter_map(|(href, _)| resolve(profile_url, &href))
        .filter(|u| !is_own(u) && !is_asset(u) && !is_share_button(u) && !is_infrastructure(u))
        .filter(|u| seen.insert(u.clone()))
        .collect()
}

/// Words in a same-site link's path or text that make it a contact, hire or about page,
/// most telling first.
const SITE_PAGE_WORDS: &[&[&str]] = &[
    &[
        "contact",
        "kontakt",
        "contacto",
        "contato",
        "contatti",
        "contactez",
        "контакт",
        "контакти",
        "संपर्क",
        "اتصل",
        "تواصل",
        "kontak",
        "hubungi",
        "lien-he",
        "liên hệ",
        "联系",
    ],
    &[
        "hire",
        "work-with-me",
        "work with me",
        "booking",
        "book",
        "quote",
        "presupuesto",
        "orcamento",
        "orçamento",
        "devis",
        "angebot",
        "preventivo",
        "замов",
        "заказ",
        "order",
    ],
    &[
        "about",
        "sobre",
        "a-propos",
        "à propos",
        "uber-mich",
        "ueber-mich",
        "über mich",
        "chi-sono",
        "chi sono",
        "обо-мне",
        "обо мне",
        "про-мене",
        "про мене",
        "tentang",
        "gioi-thieu",
        "giới thiệu",
        "关于",
    ],
];

/// The same-site contact, hire and about pages `page_url` links to, at most `limit`,
/// contact pages first.
pub fn site_pages(html: &Html, page_url: &Url, limit: usize) -> Vec<Url> {
    let site = site_key(page_url);
    let mut ranked: Vec<(usize, usize, Url)> = Vec::new();
    let mut seen = HashSet::new();
    for (order, (href, text)) in anchors_within(html, &[]).into_iter().enumerate() {
        let Some(url) = resolve(page_url, &href) else {
            continue;
        };
        if site_key(&url) != site || url.path() == page_url.path() || is_asset(&url) {
            continue;
        }
        let path = percent_encoding::percent_decode_str(url.path())
            .decode_utf8_lossy()
            .to_lowercase();
        let text = text.to_lowercase();
        let Some(rank) = SITE_PAGE_WORDS
            .iter()
            .position(|words| words.iter().any(|w| path.contains(w) || text.contains(w)))
        else {
            continue;
        };
        if seen.insert(url.clone()) {
            ranked.push((rank, order, url));
        }
    }
    ranked.sort();
    ranked.into_iter().take(limit).map(|(_, _, u)| u).collect()
}

/// `href` and text of every `<a href>` (inside `containers`, when given).
fn anchors_within(html: &Html, containers: &[Selector]) -> Vec<(String, String)> {
    static ANCHOR: std::sync::LazyLock<Selector> =
        std::sync::LazyLock::new(|| Selector::parse("a[href], area[href]").expect("static"));
    let anchor = |a: ElementRef| {
        Some((
            a.value().attr("href")?.trim().to_owned(),
            a.text().collect::<String>(),
        ))
    };
    if containers.is_empty() {
        return html.select(&ANCHOR).filter_map(anchor).collect();
    }
    let mut out = Vec::new();
    for container in containers {
        for element in html.select(container) {
            if element.value().name() == "a" {
                out.extend(anchor(element));
            } else {
                out.extend(element.select(&ANCHOR).filter_map(anchor));
            }
        }
    }
    out
}

/// A link's absolute http(s) address, without its fragment.
fn resolve(base: &Url, href: &str) -> Option<Url> {
    let mut url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"<html><body>
      <header><a href="/">Upwork</a><a href="https://www.upwork.com/nx/search/jobs">Jobs</a></header>
      <section class="portfolio">
        <a href="https://jane.studio/work">My site</a>
        <a href="https://www.behance.net/janedoe">Behance</a>
        <a href="https://jane.studio/work#top">same again</a>
      </section>
      <aside><a href="https://www.fiverr.com/janedoe/logo">My gig</a></aside>
      <a href="https://www.facebook.com/sharer/sharer.php?u=x">Share</a>
      <a href="https://fonts.googleapis.com/css2?family=Inter">font</a>
      <a href="https://cdn.jane.studio/cv.pdf">CV</a>
      <a href="https://wa.me/?text=look">share on WhatsApp</a>
      <a href="https://community.upwork.com/t5/x">Community</a>
    </body></html>"#;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn external_links_minus_the_platform_assets_and_share_buttons() {
        let html = Html::parse_document(PROFILE);
        let profile = url("https://www.upwork.com/freelancers/~01abc");
        let links = portfolio_links(&html, &profile, Ruleset::builtin(), &Selectors::default());
        let links: Vec<&str> = links.iter().map(Url::as_str).collect();
        assert_eq!(
            links,
            [
                "https://jane.studio/work",
                "https://www.behance.net/janedoe",
                "https://www.fiverr.com/janedoe/logo"
            ]
        );
    }

    #[test]
    fn selectors_narrow_a_hosts_links() {
        let selectors = Selectors::parse(
            "[host.\"www.upwork.com\"]\nlinks = [\"section.portfolio\"]\n",
            "test.toml",
        )
        .unwrap();
        let html = Html::parse_document(PROFILE);
        let profile = url("https://www.upwork.com/freelancers/~01abc");
        let links = portfolio_links(&html, &profile, Ruleset::builtin(), &selectors);
        assert_eq!(links.len(), 2);
        let bad = Selectors::parse("[host.\"a.test\"]\nlinks = [\"div[\"]\n", "bad.toml");
        let message = bad.unwrap_err().to_string();
        assert!(
            message.contains("bad.toml") && message.contains("a.test"),
            "{message}"
        );
    }

    #[test]
    fn contact_pages_come_first_and_other_sites_are_left() {
        let html = Html::parse_document(
            r#"<nav><a href="/about/">About</a><a href="/work/">Work</a>
               <a href="/kontakt">Schreib mir</a><a href="https://other.test/contact">x</a>
               <a href="/hire-me">Hire</a><a href="/">Home</a></nav>"#,
        );
        let pages = site_pages(&html, &url("https://jane.test/"), 2);
        let pages: Vec<&str> = pages.iter().map(Url::as_str).collect();
        assert_eq!(
            pages,
            ["https://jane.test/kontakt", "https://jane.test/hire-me"]
        );
    }
}
