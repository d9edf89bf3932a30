//! E-mail addresses: in text (plain, and `@`/`.` spelled as words in many languages),
//! `mailto:` links, and Cloudflare's e-mail protection. Every candidate is validated
//! against the public suffix list and the known non-address traps before it is reported.

use std::sync::LazyLock;

use percent_encoding::percent_decode_str;
use regex::Regex;
use url::Url;

use super::{Obfuscation, TextMatch};

/// Words for `@` that can stand bare between the parts of an address. English "at" and
/// French "chez" are ordinary prepositions too, so they also need a spelled dot
/// ([`PREPOSITION_AT`]).
const AT_WORDS: &str = r"at|ät|chez|arroba|arobase|klammeraffe|chiocciola|собака|собачка|равлик|एट|آت|at\s+the\s+rate(?:\s+of)?|a\s+còng";
/// Words for `.` in the domain.
const DOT_WORDS: &str = r"dot|punto|ponto|point|punkt|точка|крапка|titik|डॉट|نقطة|chấm";
/// At-words that are everyday prepositions: bare, they count only with a spelled dot.
const PREPOSITION_AT: &[&str] = &["at", "chez"];

/// An address with `@` and `.` spelled out: `jane [at] studio [dot] io`, `jane(at)studio.io`,
/// `marta arroba estudio punto es`, `ivan собака mail точка ru`, `jane艾特studio点io`.
/// Group `at` is the at-token, `domain` the rest with its dot-tokens.
static SPELLED: LazyLock<Regex> = LazyLock::new(|| {
    let open = r"[\[({<«]";
    let close = r"[\])}>»]";
    let at = format!(
        r"(?:\s*{open}\s*(?:{AT_WORDS}|@)\s*{close}\s*|\s+(?:{AT_WORDS}|@)\s+|\s*(?:艾特|圈a)\s*)"
    );
    let dot = format!(
        r"(?:\s*{open}\s*(?:{DOT_WORDS}|\.)\s*{close}\s*|\s+(?:{DOT_WORDS})\s+|\s*点\s*|\.)"
    );
    let label = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
    // The local part may spell its dots too (`marco punto ferri chiocciola …`).
    let local =
        format!(r"[a-z0-9_%+][a-z0-9._%+-]*(?:\s+(?:{DOT_WORDS})\s+[a-z0-9_%+][a-z0-9._%+-]*)*");
    Regex::new(&format!(
        r"(?i)(?P<local>{local})(?P<at>{at})(?P<domain>{label}(?:{dot}{label})+)"
    ))
    .expect("static regex")
});

static DOT_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    let open = r"[\[({<«]";
    let close = r"[\])}>»]";
    Regex::new(&format!(
        r"(?i)\s*{open}\s*(?:{DOT_WORDS}|\.)\s*{close}\s*|\s+(?:{DOT_WORDS})\s+|\s*点\s*"
    ))
    .expect("static regex")
});

/// Substrings without which no spelled-out address can be present; the shared word
/// search looks for them, sparing most pages the costlier pattern.
pub(crate) const SPELLED_HINT_WORDS: &[&str] = &[
    "[at",
    "(at",
    "{at",
    "<at",
    "«at",
    "[ at",
    "( at",
    "[@",
    "(@",
    "{@",
    " @ ",
    " dot ",
    "arroba",
    "arobase",
    " chez ",
    "klammeraffe",
    " ät ",
    "chiocciola",
    "at the rate",
    "còng",
    "punto",
    "ponto",
    " point ",
    "punkt",
    "titik",
    "chấm",
    "собак",
    "Собак",
    "собач",
    "Собач",
    "равлик",
    "Равлик",
    "точк",
    "Точк",
    "крапк",
    "Крапк",
    "एट",
    "डॉट",
    "آت",
    "نقطة",
    "艾特",
    "圈a",
    "点",
];

/// Domains reserved for documentation and testing (RFC 2606, RFC 6761), and the stand-in
/// domains of form placeholders and templates.
const RESERVED_DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "yourdomain.com",
    "yourcompany.com",
    "yoursite.com",
    "yourwebsite.com",
    "domain.com",
    "company.com",
    "website.com",
    "youremail.com",
    "email.tld",
];
const RESERVED_TLDS: &[&str] = &["example", "test", "invalid", "localhost", "local"];
/// File extensions that follow `@` in asset names (`logo@2x.png`), never a mail domain.
const FILE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "css", "js", "mjs", "json", "map",
    "woff", "woff2", "ttf", "mp4", "webm", "pdf", "mov", "zip",
];

/// Plain addresses and spelled-out ones in (normalised) prose; spelled ones are marked.
#[cfg(test)]
pub(crate) fn find_in_text(text: &str) -> Vec<(TextMatch, Option<Obfuscation>)> {
    find_in_text_with(text, super::lexicon::find(text).at_or_dot)
}

/// Plain addresses, and spelled-out ones when the shared word search saw a word for `@`
/// or `.` (`may_be_spelled`).
pub(crate) fn find_in_text_with(
    text: &str,
    may_be_spelled: bool,
) -> Vec<(TextMatch, Option<Obfuscation>)> {
    let mut matches: Vec<(TextMatch, Option<Obfuscation>)> =
        find_plain(text).into_iter().map(|m| (m, None)).collect();
    if !may_be_spelled {
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
        let at_word = at
            .as_str()
            .trim()
            .trim_matches(['[', '(', '{', '<', '«', ']', ')', '}', '>', '»'])
            .trim();
        if at_word == "@"
            && !at.as_str().contains(char::is_whitespace)
            && !at.as_str().contains(['[', '(', '{'])
        {
            continue; // a plain address, already found
        }
        let bracketed = at.as_str().contains(['[', '(', '{', '<', '«']);
        let spelled_dot = DOT_TOKEN.is_match(domain.as_str());
        let is_preposition = PREPOSITION_AT
            .iter()
            .any(|p| at_word.eq_ignore_ascii_case(p));
        // "I worked at acme.io" is prose, not an address, unless the dot is spelled too.
        if is_preposition && !bracketed && !spelled_dot {
            continue;
        }
        if starts_inside_a_word(text, whole.start()) {
            continue;
        }
        let domain = DOT_TOKEN.replace_all(domain.as_str(), ".");
        let local = DOT_TOKEN.replace_all(local.as_str(), ".");
        let candidate = format!("{local}@{domain}");
        let already_found = matches
            .iter()
            .any(|(m, _)| m.start <= whole.start() && whole.end() <= m.end);
        if let Some(value) = normalise_written(&candidate)
            && !already_found
        {
            let m = TextMatch {
                start: whole.start(),
                end: whole.end(),
                value,
            };
            matches.push((m, Some(Obfuscation::SpelledAt)));
        }
    }
    matches.sort_by_key(|(m, _)| m.start);
    matches
}

/// Whether the character before `at` is a letter or digit, so a match starting there
/// would be the tail of a longer word (`élodie@…` must not become `lodie@…`).
fn starts_inside_a_word(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

/// Whether an address in a script is a form's placeholder or an example value
/// (`"placeholder":"name@company.com"`), by the key just before it.
pub(crate) fn is_form_placeholder(script: &str, m: &TextMatch) -> bool {
    let mut from = m.start.saturating_sub(48);
    while !script.is_char_boundary(from) {
        from += 1;
    }
    let before = script[from..m.start].to_ascii_lowercase();
    // The key must be this value's own: nothing that ends a JSON or JS entry between them.
    ["placeholder", "example", "hint", "sample"]
        .iter()
        .any(|key| {
            before
                .rfind(key)
                .is_some_and(|at| !before[at + key.len()..].contains([',', ';', '{', '}', '\n']))
        })
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
        while start > 0 && at - start <= MAX_LOCAL && is_local_byte(bytes[start - 1]) {
            start -= 1;
        }
        // Too long a local part, or one glued to a letter of another script, is not an
        // address; reporting its tail would invent one.
        // `@user@host` is a Mastodon handle, not an address.
        if at - start > MAX_LOCAL
            || starts_inside_a_word(text, start)
            || (start > 0 && bytes[start - 1] == b'@')
        {
            continue;
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

/// `2x.png`, `1.5x.webp`: the density suffix of an image name after its `@`.
fn is_retina_suffix(domain: &str) -> bool {
    let density = domain.split('.').next().unwrap_or("");
    let density = density.strip_suffix('x').unwrap_or("");
    !density.is_empty() && density.bytes().all(|b| b.is_ascii_digit())
        || domain.split_once("x.").is_some_and(|(d, _)| {
            !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        })
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
    if RESERVED_TLDS.contains(&tld) || FILE_EXTENSIONS.contains(&tld) || is_retina_suffix(domain) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<String> {
        find_in_text(text)
            .into_iter()
            .map(|(m, _)| m.value)
            .collect()
    }

    #[test]
    fn mastodon_handles_are_not_addresses() {
        assert!(values("Mastodon: @tomek@hachyderm.io").is_empty());
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
    fn at_and_dot_words_in_many_languages() {
        for (text, expected) in [
            (
                "Escríbeme: marta arroba estudiomarta punto es",
                "marta@estudiomarta.es",
            ),
            (
                "contato: ana [arroba] design [ponto] com [ponto] br",
                "ana@design.com.br",
            ),
            ("claire arobase atelier point fr", "claire@atelier.fr"),
            ("mail: lena (at) studio (Punkt) de", "lena@studio.de"),
            ("luca chiocciola studio punto it", "luca@studio.it"),
            (
                "Mail: marco punto ferri chiocciola gmail punto com",
                "marco.ferri@gmail.com",
            ),
            ("пишите: ivan собака mail точка ru", "ivan@mail.ru"),
            ("oksana равлик ukr крапка net", "oksana@ukr.net"),
            ("budi at gmail titik com", "budi@gmail.com"),
            ("rahul at the rate gmail dot com", "rahul@gmail.com"),
            ("jane艾特studio点io", "jane@studio.io"),
            ("jane @ studio.io", "jane@studio.io"),
            ("ivan собака mail.ru", "ivan@mail.ru"),
        ] {
            assert_eq!(values(text), [expected], "{text}");
        }
        let (m, technique) = &find_in_text("write to jane [at] studio [dot] io")[0];
        assert_eq!(
            (m.value.as_str(), *technique),
            ("jane@studio.io", Some(Obfuscation::SpelledAt))
        );
    }

    #[test]
    fn ordinary_prose_in_those_languages_is_not_an_address() {
        for text in [
            "Trabajo en el punto de venta de la tienda",
            "с моей точки зрения собака лучше кошки",
            "Je travaille chez Renault.fr depuis 2019",
            "Lead designer at studio.io since 2020",
        ] {
            assert!(values(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_letter_before_the_local_part_is_not_dropped_into_a_new_address() {
        assert!(values("Écrivez à élodie@studio.io").is_empty());
        assert!(values(&format!("{}jane@studio.io", "x".repeat(70))).is_empty());
    }

    #[test]
    fn placeholders_in_scripts_are_recognised() {
        let script = r#"{"placeholder":"name@studio.io","owner":"jane@studio.io"}"#;
        let found: Vec<bool> = find_plain(script)
            .iter()
            .map(|m| is_form_placeholder(script, m))
            .collect();
        assert_eq!(found, [true, false]);
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
            "hero@2x.mov",
            "banner@1.5x.jpg",
            "you@yourcompany.com",
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
