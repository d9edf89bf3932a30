//! Messengers: WhatsApp, Telegram, Skype, Discord, WeChat, LINE, Signal and Viber, from
//! their web links, their app URL schemes, and labelled text (`Telegram: @jane`).

use std::sync::LazyLock;

use percent_encoding::percent_decode_str;
use regex::Regex;
use url::Url;

#[cfg(test)]
use super::lexicon;
use super::link::{Channel, host_is, site_host};
use super::{ContactKind, Obfuscation, Region, TextMatch, phone};
use std::ops::Range;

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
    "zalo.me",
    "wpa.qq.com",
    "qm.qq.com",
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
        // `line://ti/p/~id` parses with `ti` as the host.
        "line" => line_path(&format!("/{}{}", url.host_str().unwrap_or(""), url.path()))
            .map(|id| Channel::new(ContactKind::Line, id)),
        "sgnl" => signal_fragment(url).map(|v| Channel::new(ContactKind::Signal, v)),
        "viber" => viber_app(url, region),
        "tencent" => qq_number(url).map(|n| Channel::new(ContactKind::Qq, n)),
        _ => None,
    }
}

fn from_web_url(url: &Url, region: Region) -> Option<Channel> {
    let host = site_host(url)?;
    let host = host.as_str();
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
            // `wa.me/<number>`: anything else in that place is not a chat link.
            digits
                if digits
                    .trim_start_matches('+')
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
            {
                Some(Channel::new(
                    ContactKind::Whatsapp,
                    international(digits, region).unwrap_or_else(link_without_query),
                ))
            }
            _ => None,
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
    if host == "zalo.me" && !first.is_empty() {
        let value =
            international_or_national(first, region).unwrap_or_else(|| first.to_ascii_lowercase());
        return Some(Channel::new(ContactKind::Zalo, value));
    }
    if host == "wpa.qq.com" {
        return qq_number(url).map(|n| Channel::new(ContactKind::Qq, n));
    }
    if host == "qm.qq.com" && !first.is_empty() {
        return Some(Channel::new(ContactKind::Qq, link_without_query()));
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

/// A number in a path that may be national (`zalo.me/0912345678`) or international.
fn international_or_national(written: &str, region: Region) -> Option<String> {
    if !written.bytes().all(|b| b.is_ascii_digit() || b == b'+') {
        return None;
    }
    phone::parse_one(written, region).or_else(|| international(written, region))
}

/// The QQ number in `wpa.qq.com/msgrd?uin=N` and `tencent://message/?uin=N`.
fn qq_number(url: &Url) -> Option<String> {
    let uin = url.query_pairs().find(|(k, _)| k == "uin")?.1;
    let valid = (5..=12).contains(&uin.len())
        && uin.bytes().all(|b| b.is_ascii_digit())
        && !uin.starts_with('0');
    valid.then(|| uin.into_owned())
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
            return international(rest, Region::default())
                .map(|n| Channel::new(ContactKind::Telegram, n));
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
    if let Some(phone) = get("phone") {
        return international(phone, Region::default())
            .map(|n| Channel::new(ContactKind::Telegram, n));
    }
    let target = get("domain").or_else(|| get("to"))?;
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

/// What follows a messenger's label.
#[derive(Clone, Copy)]
enum Handle {
    /// A phone number (WhatsApp, Signal, Viber, Zalo).
    Number,
    /// `@username` (Telegram).
    AtUsername,
    /// A free-form id after a colon (Skype, Discord, WeChat, LINE).
    Id,
    /// A QQ number.
    QqNumber,
}

/// Labels people put before a messenger handle, in the languages and spellings they use
/// (`WhatsApp`, `zap`, `вотсап`, `тг`, `微信`…), with the kind and what follows.
const LABELS: &[(ContactKind, Handle, &[&str])] = &[
    (
        ContactKind::Whatsapp,
        Handle::Number,
        &[
            "whatsapp",
            "whats app",
            "wa",
            "wsp",
            "wsap",
            "wpp",
            "wapp",
            "zap",
            "zapzap",
            "вотсап",
            "ватсап",
            "вацап",
            "whatsapp'ом",
            "واتساب",
            "واتس",
            "व्हाट्सएप",
            "व्हाट्सऐप",
        ],
    ),
    (ContactKind::Signal, Handle::Number, &["signal", "сигнал"]),
    (
        ContactKind::Viber,
        Handle::Number,
        &["viber", "вайбер", "вайбере", "فايبر"],
    ),
    (ContactKind::Zalo, Handle::Number, &["zalo"]),
    (
        ContactKind::Telegram,
        Handle::AtUsername,
        &[
            "telegram",
            "tele gram",
            "телеграм",
            "телеграмм",
            "телега",
            "телеге",
            "телегу",
            "телеграме",
            "телеграмі",
            "тг",
            "tg",
            "تيليجرام",
            "تلغرام",
            "टेलीग्राम",
        ],
    ),
    (
        ContactKind::Skype,
        Handle::Id,
        &["skype", "скайп", "سكايب", "स्काइप"],
    ),
    (ContactKind::Discord, Handle::Id, &["discord", "дискорд"]),
    (
        ContactKind::Wechat,
        Handle::Id,
        &[
            "wechat",
            "we chat",
            "微信号",
            "微信",
            "vx",
            "wx",
            "weixin",
            "v信",
            "薇信",
            "威信",
        ],
    ),
    (
        ContactKind::Line,
        Handle::Id,
        &["line id", "line", "ไลน์", "ライン"],
    ),
    (ContactKind::Qq, Handle::QqNumber, &["qq号", "qq"]),
];

/// Every label word with its index in [`label_meaning`], for the shared word search.
pub(crate) fn label_words() -> impl Iterator<Item = (&'static str, usize)> {
    LABELS
        .iter()
        .flat_map(|&(_, _, labels)| labels.iter().copied())
        .enumerate()
        .map(|(index, word)| (word, index))
}

/// The kind and handle shape of each label word, in [`label_words`] order.
static LABEL_MEANINGS: LazyLock<Vec<(ContactKind, Handle)>> = LazyLock::new(|| {
    LABELS
        .iter()
        .flat_map(|&(kind, handle, labels)| labels.iter().map(move |_| (kind, handle)))
        .collect()
});

/// The kind and handle shape of the label word at `index` of [`label_words`].
fn label_meaning(index: usize) -> Option<(ContactKind, Handle)> {
    LABEL_MEANINGS.get(index).copied()
}

/// A number after a label: `WhatsApp: +44 …`, `WA no. 0812-…`, `zap (11) 9…`.
static AFTER_NUMBER_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:(?:number|no\.?|nr\.?|#|номер|:)\s*)?[:\-–—·•➜→=>]?\s*(\+?\(?[0-9][0-9 ().\-–—]{5,30}[0-9])")
        .expect("static regex")
});
/// An `@username` right after the label, or a few words on in the same clause
/// (`im Telegram erreichbar: @name`, `Telegram (@name)`); the `@` must start a word, so an
/// e-mail address later in the sentence is not read as a handle. A space may follow the
/// `@` when the handle was spaced out to dodge filters (`@ d a v i d e`).
static AFTER_TELEGRAM_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[^@.!?;\n<>]{0,40}?[\s:(\-–—])?@ ?([A-Za-z][A-Za-z0-9_]{4,31})(?:[^A-Za-z0-9_@]|$)",
    )
    .expect("static regex")
});
/// An id after a label needs a colon: `Skype - available on request` is prose.
static AFTER_ID_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i:\s+id)?\s*:\s*@?(live:[.A-Za-z0-9_\-]+|[A-Za-z0-9][A-Za-z0-9._\-,]{1,31}(?:#[0-9]{4})?)(/)?")
        .expect("static regex")
});
/// A handle without its `@` after a dash or colon (`В телеге я — vsevolod_bots`), written
/// so to pass filters that cut `@`; only handle-shaped words (with `_` or a digit) count.
static AFTER_TELEGRAM_LABEL_BARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^@.!?;\n<>]{0,12}?[:\-–—]\s*([A-Za-z][A-Za-z0-9_]{4,31})(?:[^A-Za-z0-9_@.]|$)")
        .expect("static regex")
});

static AFTER_QQ_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*[:\-]?\s*([1-9][0-9]{4,11})(?:[^0-9]|$)").expect("static regex")
});

/// Words that follow a label in prose, never an id (`Discord: coming soon`).
const NOT_IDS: &[&str] = &[
    "available",
    "coming",
    "soon",
    "upon",
    "request",
    "here",
    "below",
    "above",
    "link",
    "profile",
    "server",
    "channel",
    "handle",
    "username",
    "same",
    "ask",
    "dm",
    "message",
    "on",
    "via",
];

/// Labels written to get past a marketplace's filter of the real name (policy §3d E6,
/// E17): code names, and the name broken in two. Everyday slang (`zap`, `тг`) and common
/// spellings (`Whats App`) are not among them.
const EVASIVE_LABELS: &[(&str, Obfuscation)] = &[
    ("vx", Obfuscation::CodeWord),
    ("v信", Obfuscation::CodeWord),
    ("薇信", Obfuscation::CodeWord),
    ("威信", Obfuscation::CodeWord),
    ("tele gram", Obfuscation::SpacedOut),
];

/// Channels written as a label and a handle or number in `text`.
#[cfg(test)]
pub(crate) fn find_labelled(text: &str, region: Region) -> Vec<(ContactKind, TextMatch)> {
    find_labelled_at(text, &lexicon::find(text).labels, region)
        .into_iter()
        .map(|(kind, m, _)| (kind, m))
        .collect()
}

/// Channels written as a label and a handle or number, at the label hits of the shared
/// word search, each with the technique its label is written in, if evasive.
pub(crate) fn find_labelled_at(
    text: &str,
    labels: &[(Range<usize>, usize)],
    region: Region,
) -> Vec<(ContactKind, TextMatch, Option<Obfuscation>)> {
    let mut out = Vec::new();
    for (span, index) in labels {
        let Some((kind, handle)) = label_meaning(*index) else {
            continue;
        };
        let label = &text[span.start..span.end];
        // Latin labels are whole words; "LINE" only in capitals or as "Line ID", since
        // "line" is an everyday word.
        let glued_before = text[..span.start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let glued_after = text[span.end..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric);
        let is_latin = label.is_ascii();
        if is_latin && (glued_before || glued_after) {
            continue;
        }
        if kind == ContactKind::Line && label.eq_ignore_ascii_case("line") && label != "LINE" {
            continue;
        }
        let mut window_end = (span.end + 96).min(text.len());
        while !text.is_char_boundary(window_end) {
            window_end -= 1;
        }
        let rest = &text[span.end..window_end];
        let found = match handle {
            Handle::Number => AFTER_NUMBER_LABEL
                .captures(rest)
                .and_then(|c| c.get(1))
                .and_then(|n| phone::parse_one(n.as_str(), region).map(|v| (n.end(), v))),
            Handle::AtUsername => AFTER_TELEGRAM_LABEL
                .captures(rest)
                .and_then(|c| c.get(1))
                .or_else(|| {
                    AFTER_TELEGRAM_LABEL_BARE
                        .captures(rest)
                        .and_then(|c| c.get(1))
                        .filter(|n| {
                            n.as_str()
                                .contains(|c: char| c == '_' || c.is_ascii_digit())
                        })
                })
                .and_then(|n| telegram_username(n.as_str()).map(|v| (n.end(), v))),
            Handle::QqNumber => AFTER_QQ_LABEL
                .captures(rest)
                .and_then(|c| c.get(1))
                .map(|n| (n.end(), n.as_str().to_owned())),
            Handle::Id => AFTER_ID_LABEL.captures(rest).and_then(|c| {
                let id = c.get(1)?;
                // `Discord: discord.gg/AbC` is a link, read as one elsewhere.
                if c.get(2).is_some() {
                    return None;
                }
                let value = id
                    .as_str()
                    .trim_end_matches(['.', ',', '-'])
                    .to_ascii_lowercase();
                id_for(kind, &value).map(|v| (id.end(), v))
            }),
        };
        if let Some((value_end, value)) = found {
            let m = TextMatch {
                start: span.start,
                end: span.end + value_end,
                value,
            };
            let evasion = EVASIVE_LABELS
                .iter()
                .find(|(written, _)| label.to_lowercase() == *written)
                .map(|&(_, technique)| technique);
            out.push((kind, m, evasion));
        }
    }
    out
}

/// The messenger whose number label ends just before `at` (`WhatsApp: ` before a number
/// written in words), if any.
pub(crate) fn number_label_before(
    text: &str,
    labels: &[(Range<usize>, usize)],
    at: usize,
) -> Option<ContactKind> {
    let (span, index) = labels.iter().rev().find(|(span, _)| span.end <= at)?;
    let (kind, handle) = label_meaning(*index)?;
    let between = text.get(span.end..at)?;
    // A country code in digits may come first: `WhatsApp: (+51) nueve cuatro tres…`.
    let only_punctuation = between.len() <= 16
        && between.chars().all(|c| {
            c.is_whitespace()
                || c.is_ascii_digit()
                || matches!(
                    c,
                    ':' | '-' | '–' | '—' | '#' | '·' | '•' | '➜' | '→' | '+' | '(' | ')'
                )
        });
    (matches!(handle, Handle::Number) && only_punctuation).then_some(kind)
}

/// The normalised id for a labelled handle of `kind`, if it is one.
fn id_for(kind: ContactKind, written: &str) -> Option<String> {
    if NOT_IDS.contains(&written) {
        return None;
    }
    match kind {
        ContactKind::Skype => skype_id_valid(written).then(|| written.to_owned()),
        ContactKind::Wechat => wechat_id(written),
        ContactKind::Discord | ContactKind::Line => {
            (written.len() >= 2).then(|| written.to_owned())
        }
        _ => None,
    }
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
            (
                "im Telegram erreichbar: @lukas_krause_dev",
                Telegram,
                "lukas_krause_dev",
            ),
            ("Telegram (@mara_motion)", Telegram, "mara_motion"),
            ("Atau tele gram: @logoin_aja", Telegram, "logoin_aja"),
            ("tele gram → @cutsbyjonah", Telegram, "cutsbyjonah"),
            ("tele gram ( @ davide_render )", Telegram, "davide_render"),
            (
                "В телеге я — vsevolod_bots (собачку не пишу)",
                Telegram,
                "vsevolod_bots",
            ),
            ("WhatsApp · +880 1715 284963", Whatsapp, "+8801715284963"),
            (
                "WhatsApp: +1 (6 4 6) 3 8 2 – 7 7 1 9",
                Whatsapp,
                "+16463827719",
            ),
            ("Skype: live:.cid.7f3a9b2c1d", Skype, "live:.cid.7f3a9b2c1d"),
            ("Skype ID: jane.doe.studio", Skype, "jane.doe.studio"),
            ("Discord: Pixel_Mara", Discord, "pixel_mara"),
            ("WeChat ID: jane_design", Wechat, "jane_design"),
            ("LINE ID: janedesign", Line, "janedesign"),
            ("Signal: +1 415 555 0132", Signal, "+14155550132"),
            ("Viber: +380 67 123 4567", Viber, "+380671234567"),
            ("вотсап: +7 916 482-37-15", Whatsapp, "+79164823715"),
            ("тг: @Volkov_Motion", Telegram, "volkov_motion"),
            ("微信: jane_design", Wechat, "jane_design"),
            ("QQ: 2847561093", Qq, "2847561093"),
            ("Zalo: +84 912 345 678", Zalo, "+84912345678"),
        ];
        for (text, kind, value) in cases {
            assert_eq!(labelled(text), vec![(*kind, (*value).to_owned())], "{text}");
        }
    }

    #[test]
    fn labels_in_local_spellings_read_national_numbers() {
        let br: Region = "BR".parse().unwrap();
        let found: Vec<(ContactKind, String)> =
            find_labelled("Orçamentos pelo zap: (11) 97431-2856", br)
                .into_iter()
                .map(|(k, m)| (k, m.value))
                .collect();
        assert_eq!(
            found,
            [(ContactKind::Whatsapp, "+5511974312856".to_owned())]
        );
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
            "Discord: coming soon",
            "Skype - available on request",
            "PRODUCT LINE - Summer2024",
            "Join my Discord: discord.gg/AbC123x",
            "Hawaii: 808 555 0101 is not a whatsapp label",
            "Telegram or mail to jane_doe@studio.com",
            "Telegram. Follow @jane_design on X",
            "Telegram — contact me anytime",
        ] {
            assert!(labelled(text).is_empty(), "{text}");
        }
    }
}
