//! E-mail addresses: in text (plain and the common English anti-harvest spellings),
//! `mailto:` links, and Cloudflare's e-mail protection. Every candidate is validated
//! against the public suffix list and the known non-address traps before it is reported.

use std::sync::LazyLock;

use percent_encoding::percent_decode_str;
use regex::Regex;
use url::Url;

use super::TextMatch;

/// An address with `@` and `.` spelled out: `jane [at] studio [dot] io`, `jane(at)studio.io`,
/// `jane at studio dot io`. Group `at` is the at-token, `domain` the rest with dot-tokens.
static SPELLED: LazyLock<Regex> = LazyLock::new(|| {
    let at = r"(?:\s*[\[({]\s*(?:at|@)\s*[\])}]\s*|\s+at\s+|\s+@\s+)";
    let dot = r"(?:\s*[\[({]\s*(?:dot|\.)\s*[\])}]\s*|\s+dot\s+|\.)";
    let label = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
    Regex::new(&format!(
        r"(?i)(?P<local>[a-z0-9_%+][a-z0-9._%+-]*)(?P<at>{at})(?P<domain>{label}(?:{dot}{label})+)"
    ))
    .expect("static regex")
});

static DOT_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s*[\[({]\s*(?:dot|\.)\s*[\])}]\s*|\s+dot\s+").expect("static regex")
});

/// Domains reserved for documentation and testing (RFC 2606, RFC 6761).
const RESERVED_DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];
const RESERVED_TLDS: &[&str] = &["example", "test", "invalid", "localhost", "local"];
/// File extensions that follow `@` in asset names (`logo@2x.png`), never a mail domain.
const FILE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "css", "js", "mjs", "json", "map",
    "woff", "woff2", "ttf", "mp4", "webm", "pdf",
];

/// Plain addresses and spelled-out ones in visible text.
pub(crate) fn find_in_text(text: &str) -> Vec<TextMatch> {
    let mut matches = find_plain(text);
    if !may_hold_spelled_address(text) {
        return matches;
    }
    for caps in SPELLED.captures_iter(text) {
        let (Some(whole), Some(local), Some(at), Some(domain)) = (
            caps.get(0),
            caps.name("local"),
            caps.name("at"),
            caps.name("domain"),
        ) else {
            continue;
        };
        if at.as_str().trim() == "@" && !at.as_str().contains(char::is_whitespace) {
            continue; // a plain address, already found
        }
        let bracketed = at.as_str().contains(['[', '(', '{']);
        let spelled_dot = DOT_TOKEN.is_match(domain.as_str());
        // A bare " at " is ordinary prose ("I worked at acme.io") unless the dot is spelled too.
        if !bracketed && !spelled_dot {
            continue;
        }
        let domain = DOT_TOKEN.replace_all(domain.as_str(), ".");
        let candidate = format!("{}@{}", local.as_str(), domain);
        let already_found = matches
            .iter()
            .any(|m| m.start <= whole.start() && whole.end() <= m.end);
        if let Some(value) = normalise_written(&candidate)
            && !already_found
        {
            matches.push(TextMatch {
                start: whole.start(),
                end: whole.end(),
                value,
            });
        }
    }
    matches.sort_by_key(|m| m.start);
    matches
}

/// Plain `local@domain` addresses only (scripts and other machine text). Reads outwards
/// from each `@`, which is much faster than a pattern over script-heavy pages.
pub(crate) fn find_plain(text: &str) -> Vec<TextMatch> {
    const MAX_LOCAL: usize = 64;
    const MAX_DOMAIN: usize = 253;
    let bytes = text.as_bytes();
    let mut out: Vec<TextMatch> = Vec::new();
    for at in memchr::memchr_iter(b'@', bytes) {
        if out.last().is_some_and(|m| at < m.end) {
            continue;
        }
        let mut start = at;
        while start > 0 && at - start < MAX_LOCAL && is_local_byte(bytes[start - 1]) {
            start -= 1;
        }
        while start < at && matches!(bytes[start], b'.' | b'-') {
            start += 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && end - at <= MAX_DOMAIN && is_domain_byte(bytes[end]) {
            end += 1;
        }
        while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if start == at || end == at + 1 || is_scp_or_url_userinfo(bytes, start, end) {
            continue;
        }
        if let Some(value) = normalise_written(&text[start..end]) {
            out.push(TextMatch { start, end, value });
        }
    }
    out
}

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// `git@github.com:user/repo.git` and `https://user@host/` are not mailboxes.
fn is_scp_or_url_userinfo(bytes: &[u8], start: usize, end: usize) -> bool {
    let followed_by_path = bytes.get(end) == Some(&b':')
        && bytes.get(end + 1).is_some_and(|b| !b.is_ascii_whitespace());
    let after_scheme = start >= 3 && &bytes[start - 3..start] == b"://";
    followed_by_path || after_scheme
}

/// Validates and lowercases an address as written (`Jane@Studio.IO` → `jane@studio.io`).
/// `None` when it is not a deliverable-looking address on a real public suffix.
pub(crate) fn normalise_written(address: &str) -> Option<String> {
    let address = address.trim().trim_end_matches('.').to_ascii_lowercase();
    let (local, domain) = address.rsplit_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b));
    if !local_ok || !is_mail_domain(domain) {
        return None;
    }
    Some(address)
}

fn is_mail_domain(domain: &str) -> bool {
    if domain.len() > 253 || !domain.contains('.') {
        return false;
    }
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(is_domain_byte)
    });
    if !labels_ok {
        return false;
    }
    let tld = domain.rsplit('.').next().unwrap_or("");
    if RESERVED_TLDS.contains(&tld) || FILE_EXTENSIONS.contains(&tld) {
        return false;
    }
    if RESERVED_DOMAINS
        .iter()
        .any(|r| domain == *r || domain.ends_with(&format!(".{r}")))
    {
        return false;
    }
    // A registrable name under a suffix the public suffix list knows.
    psl::domain(domain.as_bytes()).is_some_and(|d| d.suffix().is_known())
}

/// Addresses in a `mailto:` URL: several recipients, `%`-encoding, and `?cc=`/`?to=`.
pub(crate) fn from_mailto(url: &Url) -> Vec<String> {
    let mut written: Vec<String> = percent_decode_str(url.path())
        .decode_utf8_lossy()
        .split([',', ';'])
        .map(str::to_owned)
        .collect();
    for (key, value) in url.query_pairs() {
        if matches!(key.to_ascii_lowercase().as_str(), "to" | "cc" | "bcc") {
            written.extend(value.split([',', ';']).map(str::to_owned));
        }
    }
    written
        .iter()
        .filter_map(|a| normalise_written(a))
        .collect()
}

/// Decodes Cloudflare's `data-cfemail` hex: the first byte is a key XORed into the rest.
pub(crate) fn decode_cloudflare(hex: &str) -> Option<String> {
    let hex = hex.trim();
    if hex.len() < 4 || !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect::<Option<_>>()?;
    let (key, rest) = bytes.split_first()?;
    let decoded: Vec<u8> = rest.iter().map(|b| b ^ key).collect();
    normalise_written(&String::from_utf8(decoded).ok()?)
}

/// The address behind a `/cdn-cgi/l/email-protection#HEX` link, when the URL is one.
pub(crate) fn decode_cloudflare_link(url: &Url) -> Option<String> {
    if !url.path().ends_with("/cdn-cgi/l/email-protection") {
        return None;
    }
    decode_cloudflare(url.fragment()?)
}

/// Whether `text` may hold a spelled-out address: a bracketed at-token (`[at]`, `(@)`),
/// a spaced ` @ `, or a spelled ` dot ` (which the bare ` at ` form needs). A cheap test
/// that spares most pages the costlier pattern.
fn may_hold_spelled_address(text: &str) -> bool {
    let bytes = text.as_bytes();
    let bracketed_at = memchr::memchr3_iter(b']', b')', b'}', bytes).any(|close| {
        let before = bytes[..close].trim_ascii_end();
        before.ends_with(b"@")
            || before.len() >= 2 && before[before.len() - 2..].eq_ignore_ascii_case(b"at")
    });
    bracketed_at
        || memchr::memmem::find(bytes, b" @ ").is_some()
        || [&b" dot "[..], b" DOT ", b" Dot "]
            .iter()
            .any(|word| memchr::memmem::find(bytes, word).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<String> {
        find_in_text(text).into_iter().map(|m| m.value).collect()
    }

    #[test]
    fn plain_addresses_are_lowercased() {
        assert_eq!(values("Write to Jane@Studio.IO today."), ["jane@studio.io"]);
    }

    #[test]
    fn spelled_out_forms_are_rebuilt() {
        assert_eq!(values("jane [at] studio [dot] io"), ["jane@studio.io"]);
        assert_eq!(values("mail: jane(at)studio.io"), ["jane@studio.io"]);
        assert_eq!(values("jane at studio dot io"), ["jane@studio.io"]);
        assert_eq!(
            values("jane {at} mail {dot} studio {dot} co {dot} uk"),
            ["jane@mail.studio.co.uk"]
        );
    }

    #[test]
    fn prose_with_at_is_not_an_address() {
        assert!(values("I worked at acme.io for three years").is_empty());
        assert!(values("Look at this: dot matrix printers at home").is_empty());
    }

    #[test]
    fn traps_are_not_addresses() {
        for trap in [
            "logo@2x.png",
            "icon@3x.webp",
            "npm i @angular/core",
            "git@github.com:jane/site.git",
            "@media (max-width: 600px)",
            "you@example.com",
            "dev@mail.example.org",
            "user@localhost",
            "qa@server.test",
            "a@b.invalid",
            "https://user@studio.io/path",
            "jane@studio.notatld",
        ] {
            assert!(values(trap).is_empty(), "{trap}");
        }
    }

    #[test]
    fn mailto_with_several_recipients_and_encoding() {
        let url =
            Url::parse("mailto:%6Aane@studio.io,Bob@Studio.io?cc=ops@studio.io&subject=Hi%20there")
                .unwrap();
        assert_eq!(
            from_mailto(&url),
            ["jane@studio.io", "bob@studio.io", "ops@studio.io"]
        );
    }

    #[test]
    fn cloudflare_hex_decodes() {
        // key 0x42 XOR "jane@studio.io"
        let hex: String = std::iter::once(0x42u8)
            .chain(b"jane@studio.io".iter().map(|b| b ^ 0x42))
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(decode_cloudflare(&hex).as_deref(), Some("jane@studio.io"));
        let link = Url::parse(&format!(
            "https://studio.io/cdn-cgi/l/email-protection#{hex}"
        ))
        .unwrap();
        assert_eq!(
            decode_cloudflare_link(&link).as_deref(),
            Some("jane@studio.io")
        );
        assert_eq!(decode_cloudflare("zz"), None);
        assert_eq!(decode_cloudflare("4"), None);
    }
}
