//! What a URL is as a contact: the one place that maps a link (an `href`, a bare link in
//! text, the page's own address) to the channel it opens, by asking each channel family.

use std::ops::Range;

use url::Url;

use super::{ContactKind, Region, TextMatch, booking, email, messenger, phone, social};

/// A channel a URL opens: its kind and normalised value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Channel {
    pub(crate) kind: ContactKind,
    pub(crate) value: String,
}

impl Channel {
    pub(crate) fn new(kind: ContactKind, value: String) -> Self {
        Channel { kind, value }
    }
}

/// The host of a web link as a site names itself: lowercase, without the `www.`, `m.` or
/// `mobile.` that sites put before the same pages.
pub(crate) fn site_host(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let bare = ["www.", "m.", "mobile."]
        .iter()
        .find_map(|prefix| host.strip_prefix(prefix))
        .unwrap_or(&host);
    Some(bare.to_owned())
}

/// `host` is `domain` or a subdomain of it.
pub(crate) fn host_is(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// The channels a URL opens (a `mailto:` can name several addresses).
pub(crate) fn channels_of(url: &Url, region: Region) -> Vec<Channel> {
    if let Some(target) = redirector_target(url) {
        return channels_of(&target, region);
    }
    match url.scheme() {
        "mailto" => email::from_mailto(url)
            .into_iter()
            .map(|a| Channel::new(ContactKind::Email, a))
            .collect(),
        "tel" | "callto" | "sms" | "facetime" | "facetime-audio" => phone::from_tel(url, region)
            .map(|n| Channel::new(ContactKind::Phone, n))
            .into_iter()
            .collect(),
        _ => messenger::from_url(url, region)
            .or_else(|| booking::from_url(url))
            .or_else(|| social::from_url(url))
            .into_iter()
            .collect(),
    }
}

/// A known channel host followed by a path. Searching for the host literals first keeps
/// the scan fast on script-heavy pages; the rest of the link is read around each hit.
/// Each channel host followed by `/`, for the shared word search.
pub(crate) fn channel_host_prefixes() -> impl Iterator<Item = String> {
    channel_hosts().map(|h| format!("{h}/"))
}

/// Every host whose links can open a channel or a profile.
fn channel_hosts() -> impl Iterator<Item = &'static str> {
    messenger::HOSTS
        .iter()
        .chain(booking::HOSTS)
        .chain(social::HOSTS)
        .copied()
}

fn is_channel_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    channel_hosts().any(|known| {
        host.len() >= known.len()
            && host.as_bytes()[host.len() - known.len()..].eq_ignore_ascii_case(known.as_bytes())
            && (host.len() == known.len() || host.as_bytes()[host.len() - known.len() - 1] == b'.')
    })
}

/// The host of an absolute or scheme-relative web link, without parsing the whole URL.
fn host_of(link: &str) -> Option<&str> {
    let after = &link[link.find("//")? + 2..];
    let end = after
        .find(['/', '?', '#', ':', '\\'])
        .unwrap_or(after.len());
    let host = &after[..end];
    Some(host.rsplit('@').next().unwrap_or(host))
}

/// Whether a web link goes to a host whose links can be channels or profiles.
pub(crate) fn names_channel_host(link: &str) -> bool {
    host_of(link).is_some_and(is_channel_host)
}

/// Bare links in prose, at the host hits of the shared word search.
pub(crate) fn find_urls_at(text: &str, hosts: &[Range<usize>]) -> Vec<TextMatch> {
    let bytes = text.as_bytes();
    let mut out: Vec<TextMatch> = Vec::new();
    for hit in hosts {
        if out.last().is_some_and(|m| hit.start < m.end) {
            continue;
        }
        let mut start = hit.start;
        // The host must start a label: `t.me/` inside `what.me/` is not Telegram.
        if start > 0 && bytes[start - 1] != b'.' && is_host_byte(bytes[start - 1]) {
            continue;
        }
        while start > 0 && is_host_byte(bytes[start - 1]) {
            start -= 1;
        }
        for scheme in ["https://", "http://"] {
            if start >= scheme.len()
                && bytes[start - scheme.len()..start].eq_ignore_ascii_case(scheme.as_bytes())
            {
                start -= scheme.len();
                break;
            }
        }
        out.push(link_from(text, start, hit.end));
    }
    out
}

/// Links with their scheme in machine text (scripts, JSON), found from each `://`: there
/// links carry their scheme, and looking for `://` is many times faster over the large
/// scripts site builders inline than a search for every host.
pub(crate) fn find_urls_with_scheme(text: &str) -> Vec<TextMatch> {
    if !text.contains('/') {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut out: Vec<TextMatch> = Vec::new();
    {
        {
            for separator in memchr::memmem::find_iter(bytes, b"://") {
                if out.last().is_some_and(|m| separator < m.end) {
                    continue;
                }
                let scheme_start = if separator >= 5
                    && bytes[separator - 5..separator].eq_ignore_ascii_case(b"https")
                {
                    separator - 5
                } else if separator >= 4
                    && bytes[separator - 4..separator].eq_ignore_ascii_case(b"http")
                {
                    separator - 4
                } else {
                    continue;
                };
                let host_start = separator + 3;
                let host_len = bytes[host_start..]
                    .iter()
                    .take_while(|b| is_host_byte(**b))
                    .count();
                let host_end = host_start + host_len;
                if bytes.get(host_end) == Some(&b'/')
                    && is_channel_host(&text[host_start..host_end])
                {
                    out.push(link_from(text, scheme_start, host_end + 1));
                }
            }
        }
    }
    out
}

/// Links longer than this are cut: browsers and servers refuse far shorter ones, and a
/// blob without separators must not become one giant link.
const MAX_LINK_BYTES: usize = 2048;

/// The link starting at `start` whose host and first `/` end at `path_start`, up to the
/// next character that cannot be in a link, less trailing sentence punctuation.
fn link_from(text: &str, start: usize, path_start: usize) -> TextMatch {
    let bytes = text.as_bytes();
    let limit = (start + MAX_LINK_BYTES).min(bytes.len());
    let mut end = path_start;
    while end < limit && !is_link_terminator(bytes[end]) {
        end += 1;
    }
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    while end > path_start
        && matches!(
            bytes[end - 1],
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b']' | b'}'
        )
    {
        end -= 1;
    }
    TextMatch {
        start,
        end,
        value: text[start..end].to_owned(),
    }
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

fn is_link_terminator(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'<' | b'>' | b'"' | b'\'' | b'`' | b'\\')
}

/// Whether a link names its web scheme (`https://…`, `http://…`) or is scheme-relative.
pub(crate) fn is_web_link(link: &str) -> bool {
    let head = link.as_bytes().get(..8).unwrap_or(link.as_bytes());
    head.len() >= 7 && head[..7].eq_ignore_ascii_case(b"http://")
        || head.len() >= 8 && head[..8].eq_ignore_ascii_case(b"https://")
        || link.starts_with("//")
}

/// A relative reference without a scheme or host (`/work`, `img/a.png`, `#top`): a path
/// on the same site.
pub(crate) fn is_same_site_path(href: &str) -> bool {
    let before_path = href.split(['/', '?', '#']).next().unwrap_or("");
    !href.starts_with("//") && !before_path.contains(':')
}

/// Parses a link written without its scheme (`t.me/jane`) as https.
pub(crate) fn parse_loose(written: &str) -> Result<Url, url::ParseError> {
    if is_web_link(written) && !written.starts_with("//") {
        Url::parse(written)
    } else {
        Url::parse(&format!("https://{}", written.trim_start_matches("//")))
    }
}

/// The channels in a value declared as an e-mail or a telephone (JSON-LD, microdata):
/// written plainly, or as a `mailto:`/`tel:` link.
pub(crate) fn channels_in_value(
    written: &str,
    expected: ContactKind,
    region: Region,
) -> Vec<Channel> {
    let written = written.trim();
    let has_scheme = written.split_once(':').is_some_and(|(scheme, _)| {
        ["mailto", "tel", "callto"]
            .iter()
            .any(|s| scheme.eq_ignore_ascii_case(s))
    });
    if has_scheme {
        return Url::parse(written)
            .map(|url| channels_of(&url, region))
            .unwrap_or_default();
    }
    let value = match expected {
        ContactKind::Email => email::normalise_written(written),
        ContactKind::Phone => phone::parse_one(written, region),
        _ => None,
    };
    value
        .map(|v| Channel::new(expected, v))
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_values(url: &str) -> Vec<(ContactKind, String)> {
        channels_of(&Url::parse(url).unwrap(), Region::default())
            .into_iter()
            .map(|c| (c.kind, c.value))
            .collect()
    }

    #[test]
    fn messenger_links() {
        use ContactKind::*;
        let cases: &[(&str, ContactKind, &str)] = &[
            (
                "https://wa.me/14155550132?text=Hi",
                Whatsapp,
                "+14155550132",
            ),
            (
                "https://api.whatsapp.com/send/?phone=%2B442079460958&text=x",
                Whatsapp,
                "+442079460958",
            ),
            (
                "whatsapp://send?phone=14155550132",
                Whatsapp,
                "+14155550132",
            ),
            (
                "https://wa.me/message/ABCDEF123?src=qr",
                Whatsapp,
                "https://wa.me/message/ABCDEF123",
            ),
            ("https://t.me/Jane_Design", Telegram, "jane_design"),
            ("https://telegram.me/s/jane_design", Telegram, "jane_design"),
            ("tg://resolve?domain=jane_design", Telegram, "jane_design"),
            ("skype:Jane.Doe.Studio?chat", Skype, "jane.doe.studio"),
            (
                "skype:live:.cid.7f3a9b2c1d?call",
                Skype,
                "live:.cid.7f3a9b2c1d",
            ),
            ("https://discord.gg/AbC123x", Discord, "AbC123x"),
            ("https://discord.com/invite/AbC123x", Discord, "AbC123x"),
            ("weixin://dl/chat?jane_design", Wechat, "jane_design"),
            ("https://line.me/ti/p/~JaneDesign", Line, "janedesign"),
            ("https://line.me/R/ti/p/%40janeshop", Line, "janeshop"),
            ("https://signal.me/#p/+14155550132", Signal, "+14155550132"),
            ("viber://chat?number=%2B14155550132", Viber, "+14155550132"),
            ("line://ti/p/~JaneDesign", Line, "janedesign"),
            ("tg://resolve?phone=14155550132", Telegram, "+14155550132"),
            ("https://t.me/+14155550132", Telegram, "+14155550132"),
            ("https://zalo.me/84912345678", Zalo, "+84912345678"),
            (
                "https://wpa.qq.com/msgrd?v=3&uin=2847561093&site=qq",
                Qq,
                "2847561093",
            ),
            ("tencent://message/?uin=2847561093", Qq, "2847561093"),
            ("tel:+1-415-555-0132", Phone, "+14155550132"),
            ("mailto:Jane@Studio.io?subject=Hi", Email, "jane@studio.io"),
        ];
        for (url, kind, value) in cases {
            assert_eq!(
                kinds_values(url),
                vec![(*kind, (*value).to_owned())],
                "{url}"
            );
        }
    }

    #[test]
    fn non_channel_links() {
        for url in [
            "https://t.me/share/url?url=x",
            "https://wa.me/",
            "https://studio.io/contact",
            "https://discord.com/channels/1/2",
            "javascript:void(0)",
        ] {
            assert!(kinds_values(url).is_empty(), "{url}");
        }
    }

    #[test]
    fn bare_links_in_text() {
        let text = "Ping me: t.me/jane_design, or book https://calendly.com/jane/intro.";
        let found: Vec<String> = find_urls_at(text, &super::super::lexicon::find(text).hosts)
            .into_iter()
            .map(|m| m.value)
            .collect();
        assert_eq!(
            found,
            ["t.me/jane_design", "https://calendly.com/jane/intro"]
        );
    }

    #[test]
    fn links_in_scripts_need_their_scheme() {
        let script = r#"{"chat":"https://wa.me/14155550132","asset":"https://static.site.io/a.png","cal":"HTTPS://Calendly.com/jane/intro"}"#;
        let found: Vec<String> = find_urls_with_scheme(script)
            .into_iter()
            .map(|m| m.value)
            .collect();
        assert_eq!(
            found,
            [
                "https://wa.me/14155550132",
                "HTTPS://Calendly.com/jane/intro"
            ]
        );
    }

    #[test]
    fn channel_hosts_match_whole_labels() {
        assert!(names_channel_host("https://Jane.as.me/schedule"));
        assert!(names_channel_host("//www.linkedin.com/in/jane"));
        assert!(!names_channel_host("https://canvas.me/jane"));
        assert!(!names_channel_host("https://studio.io/wa.me/"));
    }

    #[test]
    fn host_is_matches_subdomains_only_at_dots() {
        assert!(host_is("jane.as.me", "as.me"));
        assert!(!host_is("canvas.me", "as.me"));
    }
}

/// Whether a web link may be an outbound redirector's, worth parsing for its destination.
pub(crate) fn may_be_redirector(href: &str) -> bool {
    // Runs on every web link: no allocation; redirector links are written in lowercase.
    (href.contains("/url?") && href.contains("google."))
        || href.contains("facebook.com/l.php")
        || href.contains("l.instagram.com/")
        || href.contains("href.li/")
}

/// The destination of a link wrapped by a site's outbound redirector
/// (`google.com/url?q=…`, `l.facebook.com/l.php?u=…`, `l.instagram.com/?u=…`): Google
/// Sites and social networks rewrite every outbound link that way, and the channel is the
/// destination.
fn redirector_target(url: &Url) -> Option<Url> {
    let host = url.host_str()?.trim_start_matches("www.");
    let key = match (host, url.path()) {
        (h, "/url") if h.starts_with("google.") => ["q", "url"].as_slice(),
        ("l.facebook.com" | "lm.facebook.com", "/l.php") => ["u"].as_slice(),
        ("l.instagram.com", "/") => ["u"].as_slice(),
        ("href.li", "/") => ["url"].as_slice(),
        _ => return None,
    };
    let target = url
        .query_pairs()
        .find(|(k, _)| key.contains(&k.as_ref()))?
        .1
        .into_owned();
    let target = Url::parse(&target).ok()?;
    // A redirector wrapping a redirector is not followed further.
    (matches!(target.scheme(), "http" | "https") && redirector_target(&target).is_none())
        .then_some(target)
}

#[cfg(test)]
mod redirector_tests {
    use super::*;

    #[test]
    fn outbound_redirectors_are_unwrapped() {
        let wrapped = Url::parse(
            "https://www.google.com/url?q=https%3A%2F%2Fwa.me%2F5581988164027&sa=D&sntz=1",
        )
        .unwrap();
        let channels = channels_of(&wrapped, "BR".parse().unwrap());
        assert_eq!(channels.len(), 1);
        assert_eq!(channels[0].kind, ContactKind::Whatsapp);
        let facebook =
            Url::parse("https://l.facebook.com/l.php?u=https%3A%2F%2Ft.me%2Fjane_design&h=AT0")
                .unwrap();
        assert_eq!(
            channels_of(&facebook, "US".parse().unwrap())[0].kind,
            ContactKind::Telegram
        );
        let search = Url::parse("https://www.google.com/search?q=wa.me").unwrap();
        assert!(channels_of(&search, "US".parse().unwrap()).is_empty());
    }
}
