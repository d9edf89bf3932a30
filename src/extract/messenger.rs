//! Messengers: WhatsApp, Telegram, Skype, Discord, WeChat, LINE, Signal and Viber, from
//! their web links, their app URL schemes, and labelled text (`Telegram: @jane`).

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use percent_encoding::percent_decode_str;
use regex::Regex;
use url::Url;

use super::link::{Channel, host_is};
use super::{ContactKind, Region, TextMatch, phone};

/// Web hosts whose links open a messenger chat, for finding bare links in text.
pub(crate) const HOSTS: &[&str] = &[
    "wa.me",
    "whatsapp.com",
    "wa.link",
    "t.me",
    "telegram.me",
    "telegram.dog",
    "join.skype.com",
    "discord.gg",
    "discord.com",
    "discordapp.com",
    "discord.me",
    "u.wechat.com",
    "weixin.qq.com",
    "line.me",
    "lin.ee",
    "signal.me",
    "invite.viber.com",
];

/// Telegram paths that are features, not usernames.
const TELEGRAM_RESERVED: &[&str] = &[
    "share",
    "addstickers",
    "addemoji",
    "proxy",
    "socks",
    "iv",
    "setlanguage",
    "login",
    "c",
    "joinchat",
    "addlist",
    "boost",
    "bg",
    "addtheme",
    "confirmphone",
    "invoice",
    "contact",
];

/// The channel a messenger link opens, if the URL is one.
pub(crate) fn from_url(url: &Url, region: Region) -> Option<Channel> {
    match url.scheme() {
        "http" | "https" => from_web_url(url, region),
        "whatsapp" => {
            number_param(url, "phone", region).map(|n| Channel::new(ContactKind::Whatsapp, n))
        }
        "tg" => telegram_app(url),
        "skype" => skype_id(url).map(|id| Channel::new(ContactKind::Skype, id)),
        "weixin" => wechat_app(url),
        "line" => line_path(url.path()).map(|id| Channel::new(ContactKind::Line, id)),
        "sgnl" => signal_fragment(url).map(|v| Channel::new(ContactKind::Signal, v)),
        "viber" => viber_app(url, region),
        _ => None,
    }
}

fn from_web_url(url: &Url, region: Region) -> Option<Channel> {
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.trim_start_matches("www.");
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let first = segments.first().copied().unwrap_or("");
    let link_without_query = || {
        let mut plain = url.clone();
        plain.set_query(None);
        plain.set_fragment(None);
        plain.to_string().trim_end_matches('/').to_owned()
    };
    if host == "wa.me" {
        return match first {
            "" => None,
            "message" | "qr" => (segments.len() > 1)
                .then(|| Channel::new(ContactKind::Whatsapp, link_without_query())),
            "c" => segments
                .get(1)
                .and_then(|n| international(n, region))
                .map(|n| Channel::new(ContactKind::Whatsapp, n)),
            digits => Some(Channel::new(
                ContactKind::Whatsapp,
                international(digits, region).unwrap_or_else(link_without_query),
            )),
        };
    }
    if host_is(host, "whatsapp.com") {
        return match (host, first) {
            ("api.whatsapp.com" | "web.whatsapp.com", "send") => Some(Channel::new(
                ContactKind::Whatsapp,
                number_param(url, "phone", region).unwrap_or_else(link_without_query),
            )),
            ("chat.whatsapp.com", code) if !code.is_empty() => {
                Some(Channel::new(ContactKind::Whatsapp, link_without_query()))
            }
            (_, "channel") if segments.len() > 1 => {
                Some(Channel::new(ContactKind::Whatsapp, link_without_query()))
            }
            _ => None,
        };
    }
    if host == "wa.link" {
        return (!first.is_empty())
            .then(|| Channel::new(ContactKind::Whatsapp, link_without_query()));
    }
    if matches!(host, "t.me" | "telegram.me" | "telegram.dog") {
        return telegram_path(&segments, &link_without_query);
    }
    if let Some(user) = host.strip_suffix(".t.me") {
        return telegram_username(user).map(|u| Channel::new(ContactKind::Telegram, u));
    }
    if host == "join.skype.com" && first == "invite" && segments.len() > 1 {
        return Some(Channel::new(ContactKind::Skype, link_without_query()));
    }
    if host == "discord.gg" && !first.is_empty() {
        return Some(Channel::new(ContactKind::Discord, first.to_owned()));
    }
    if matches!(host, "discord.com" | "discordapp.com") {
        return match (first, segments.get(1)) {
            ("invite", Some(code)) => Some(Channel::new(ContactKind::Discord, (*code).to_owned())),
            ("users", Some(id)) if id.chars().all(|c| c.is_ascii_digit()) => {
                Some(Channel::new(ContactKind::Discord, (*id).to_owned()))
            }
            _ => None,
        };
    }
    if host == "discord.me" && !first.is_empty() {
        return Some(Channel::new(
            ContactKind::Discord,
            first.to_ascii_lowercase(),
        ));
    }
    if (host == "u.wechat.com" || host == "weixin.qq.com") && !first.is_empty() {
        return Some(Channel::new(ContactKind::Wechat, link_without_query()));
    }
    if host == "line.me" {
        return line_path(url.path()).map(|id| Channel::new(ContactKind::Line, id));
    }
    if host == "page.line.me" && !first.is_empty() {
        return Some(Channel::new(ContactKind::Line, first.to_ascii_lowercase()));
    }
    if host == "lin.ee" && !first.is_empty() {
        return Some(Channel::new(ContactKind::Line, link_without_query()));
    }
    if host == "signal.me" {
        return signal_fragment(url).map(|v| Channel::new(ContactKind::Signal, v));
    }
    if host == "invite.viber.com" {
        return Some(Channel::new(ContactKind::Viber, url.to_string()));
    }
    None
}

/// A number given as bare international digits (`wa.me/447700900123`, `phone=%2B44…`).
fn international(written: &str, region: Region) -> Option<String> {
    let digits: String = written.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    phone::parse_one(&format!("+{digits}"), region)
}

fn number_param(url: &Url, key: &str, region: Region) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| international(&v, region))
}

fn telegram_path(segments: &[&str], link: &dyn Fn() -> String) -> Option<Channel> {
    let first = *segments.first()?;
    if first == "joinchat" {
        return (segments.len() > 1).then(|| Channel::new(ContactKind::Telegram, link()));
    }
    if let Some(rest) = first.strip_prefix('+') {
        // `t.me/+<digits>` is a phone number; `t.me/+<hash>` an invite link.
        if rest.chars().all(|c| c.is_ascii_digit()) {
            return Some(Channel::new(ContactKind::Telegram, format!("+{rest}")));
        }
        return Some(Channel::new(ContactKind::Telegram, link()));
    }
    // `t.me/s/<name>` is the web preview of a channel.
    let name = if first == "s" {
        *segments.get(1)?
    } else {
        first
    };
    if TELEGRAM_RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        return None;
    }
    telegram_username(name).map(|u| Channel::new(ContactKind::Telegram, u))
}

/// Telegram usernames: 5–32 characters of `[a-z0-9_]`, starting with a letter.
fn telegram_username(name: &str) -> Option<String> {
    let name = name.trim_start_matches('@').to_ascii_lowercase();
    let valid = (5..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some(name)
}

fn telegram_app(url: &Url) -> Option<Channel> {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let target = get("domain").or_else(|| get("to"))?;
    if let Some(phone) = get("phone") {
        return Some(Channel::new(
            ContactKind::Telegram,
            format!("+{}", phone.trim_start_matches('+')),
        ));
    }
    telegram_username(target).map(|u| Channel::new(ContactKind::Telegram, u))
}

/// `skype:jane.doe?chat`, `skype:live:.cid.1a2b?call`: the id is the opaque path.
fn skype_id(url: &Url) -> Option<String> {
    let id = percent_decode_str(url.path())
        .decode_utf8_lossy()
        .trim()
        .trim_start_matches("//")
        .to_ascii_lowercase();
    skype_id_valid(&id).then_some(id)
}

fn skype_id_valid(id: &str) -> bool {
    if let Some(cid) = id.strip_prefix("live:") {
        return !cid.is_empty()
            && cid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    }
    (6..=32).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._,-".contains(c))
}

fn wechat_app(url: &Url) -> Option<Channel> {
    // `weixin://dl/chat?id` parses with `dl` as the host.
    let path = format!("{}{}", url.host_str().unwrap_or(""), url.path());
    let path = path.trim_start_matches('/');
    let id = match path {
        "dl/chat" => url.query()?.to_owned(),
        p => p.strip_prefix("contacts/profile/")?.to_owned(),
    };
    wechat_id(&id).map(|id| Channel::new(ContactKind::Wechat, id))
}

/// WeChat ids: 6–20 characters of letters, digits, `_` and `-`, starting with a letter.
fn wechat_id(id: &str) -> Option<String> {
    let id = id.trim().to_ascii_lowercase();
    let valid = (6..=20).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    valid.then_some(id)
}

/// LINE ids from `/ti/p/~id` (personal) and `/R/ti/p/@id` (official account) paths.
fn line_path(path: &str) -> Option<String> {
    let path = percent_decode_str(path).decode_utf8_lossy();
    let rest = path
        .trim_start_matches('/')
        .trim_start_matches("R/")
        .strip_prefix("ti/p/")?;
    let id = rest.trim_start_matches(['~', '@']).trim_end_matches('/');
    let valid = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    valid.then(|| id.to_ascii_lowercase())
}

/// Signal keeps the number or username in the fragment: `#p/+<E164>` or `#eu/<b64>`.
fn signal_fragment(url: &Url) -> Option<String> {
    let fragment = url.fragment()?;
    if let Some(number) = fragment.strip_prefix("p/") {
        return phone::parse_one(
            &percent_decode_str(number).decode_utf8_lossy(),
            Region::default(),
        );
    }
    fragment.starts_with("eu/").then(|| url.to_string())
}

fn viber_app(url: &Url, region: Region) -> Option<Channel> {
    let action = url
        .host_str()
        .unwrap_or_else(|| url.path())
        .trim_matches('/');
    match action {
        "chat" | "add" | "contact" => {
            number_param(url, "number", region).map(|n| Channel::new(ContactKind::Viber, n))
        }
        "pa" => Some(Channel::new(ContactKind::Viber, url.to_string())),
        _ => None,
    }
}

/// `Label: value` text for the messengers whose handles are written out.
static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i:(?-u:\b)(?P<numbered>whats\s?app|signal|viber)(?-u:\b)\s*(?:(?:number|no\.?|#)\s*)?[:\-–—]?\s*(?P<number>\+?[0-9][0-9 ().\-]{5,22}[0-9]))",
        r"|(?i:(?-u:\b)telegram(?-u:\b)\s*[:\-–—]?\s*@(?P<telegram>[a-z][a-z0-9_]{4,31})(?-u:\b))",
        r"|(?i:(?-u:\b)skype(?:\s+id)?(?-u:\b)\s*[:\-–—]\s*(?P<skype>live:[.a-z0-9_\-]+|[a-z][a-z0-9.,_\-]{5,31}))",
        r"|(?i:(?-u:\b)discord(?-u:\b)\s*[:\-–—]\s*@?(?P<discord>[a-z0-9_.]{2,32}(?:#[0-9]{4})?))",
        r"|(?i:(?-u:\b)we\s?chat(?:\s+id)?(?-u:\b)\s*[:\-–—]\s*(?P<wechat>[a-z][a-z0-9_\-]{5,19})(?-u:\b))",
        r"|(?:(?-u:\b)(?:LINE|Line\s+ID|LINE\s+ID)\s*[:\-–—]\s*@?(?P<line>[A-Za-z0-9._\-]{4,20}))",
    ))
    .expect("static regex")
});

static LABEL_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            "whats", "signal", "viber", "telegram", "skype", "discord", "chat", "line",
        ])
        .expect("static automaton")
});

/// Channels written as a label and a handle or number in `text`.
pub(crate) fn find_labelled(text: &str, region: Region) -> Vec<(ContactKind, TextMatch)> {
    // Labels are words that must appear literally; most pages and attributes have none.
    if !LABEL_WORDS.is_match(text) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for caps in LABELLED.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let found =
            if let (Some(label), Some(number)) = (caps.name("numbered"), caps.name("number")) {
                let kind = match label.as_str().to_ascii_lowercase().chars().next() {
                    Some('s') => ContactKind::Signal,
                    Some('v') => ContactKind::Viber,
                    _ => ContactKind::Whatsapp,
                };
                phone::parse_one(number.as_str(), region).map(|n| (kind, n))
            } else if let Some(name) = caps.name("telegram") {
                telegram_username(name.as_str()).map(|u| (ContactKind::Telegram, u))
            } else if let Some(id) = caps.name("skype") {
                let id = id
                    .as_str()
                    .trim_end_matches(['.', ','])
                    .to_ascii_lowercase();
                skype_id_valid(&id).then_some((ContactKind::Skype, id))
            } else if let Some(name) = caps.name("discord") {
                let name = name.as_str().trim_end_matches('.').to_ascii_lowercase();
                Some((ContactKind::Discord, name))
            } else if let Some(id) = caps.name("wechat") {
                wechat_id(id.as_str()).map(|id| (ContactKind::Wechat, id))
            } else {
                caps.name("line").map(|id| {
                    let id = id.as_str().trim_end_matches('.').to_ascii_lowercase();
                    (ContactKind::Line, id)
                })
            };
        if let Some((kind, value)) = found {
            out.push((
                kind,
                TextMatch {
                    start: whole.start(),
                    end: whole.end(),
                    value,
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(text: &str) -> Vec<(ContactKind, String)> {
        find_labelled(text, Region::default())
            .into_iter()
            .map(|(kind, m)| (kind, m.value))
            .collect()
    }

    #[test]
    fn labelled_handles_and_numbers() {
        use ContactKind::*;
        let cases: &[(&str, ContactKind, &str)] = &[
            ("WhatsApp: +44 20 7946 0958", Whatsapp, "+442079460958"),
            ("Whats App +1 (415) 555-0132", Whatsapp, "+14155550132"),
            ("Telegram: @Jane_Design", Telegram, "jane_design"),
            ("Skype: live:.cid.7f3a9b2c1d", Skype, "live:.cid.7f3a9b2c1d"),
            ("Skype ID: jane.doe.studio", Skype, "jane.doe.studio"),
            ("Discord: Pixel_Mara", Discord, "pixel_mara"),
            ("WeChat ID: jane_design", Wechat, "jane_design"),
            ("LINE ID: janedesign", Line, "janedesign"),
            ("Signal: +1 415 555 0132", Signal, "+14155550132"),
            ("Viber: +380 67 123 4567", Viber, "+380671234567"),
        ];
        for (text, kind, value) in cases {
            assert_eq!(labelled(text), vec![(*kind, (*value).to_owned())], "{text}");
        }
    }

    #[test]
    fn words_that_only_look_like_labels() {
        for text in [
            "Our signal: strong growth in 2024",
            "Join the Discord server for fans",
            "Telegram channel coming soon",
            "WhatsApp: 12",
            "the deadline: tomorrow",
            "online: always",
        ] {
            assert!(labelled(text).is_empty(), "{text}");
        }
    }
}
