//! The facts about a page that are not phrases: what its URL is, how its channels are
//! offered, what it embeds. Each [`Detector`] of the ruleset is answered here.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use url::Url;

use super::ruleset::{Detector, Ruleset};
use crate::extract::{ContactKind, Extraction, Obfuscation, Source, channels_of_url};

/// What a detector found: the thing to show a reviewer, and where it is on the page.
pub(crate) struct Finding {
    pub(crate) matched: String,
    pub(crate) offset: Option<usize>,
}

/// The page as the detectors see it.
pub(crate) struct PageFacts<'a> {
    /// The redirect chain's earlier hops, then the page's own URL.
    pub(crate) hops: Vec<&'a Url>,
    pub(crate) extraction: &'a Extraction,
    pub(crate) ruleset: &'a Ruleset,
    /// The showcase score, known once the showcase rules have run.
    pub(crate) showcase: i32,
}

/// Techniques people use to get a channel past a filter (policy §3d, weight SOL024).
const EVASIONS: [Obfuscation; 11] = [
    Obfuscation::Base64,
    Obfuscation::ZeroWidth,
    Obfuscation::Homoglyph,
    Obfuscation::FullWidth,
    Obfuscation::Keycap,
    Obfuscation::SpacedOut,
    Obfuscation::SpelledDigits,
    Obfuscation::LettersForDigits,
    Obfuscation::BidiReversed,
    Obfuscation::Decoy,
    Obfuscation::CodeWord,
];

/// Anti-harvest habits: old, common, often switched on by the host (policy §3d, SOL031).
const ANTI_HARVEST: [Obfuscation; 3] = [
    Obfuscation::Cloudflare,
    Obfuscation::SpelledAt,
    Obfuscation::Script,
];

/// Query parameters that carry a pre-filled message or subject.
const PREFILL_PARAMETERS: [&str; 5] = ["text", "body", "subject", "msg", "message"];

impl PageFacts<'_> {
    pub(crate) fn detect(&self, detector: Detector) -> Option<Finding> {
        let extraction = self.extraction;
        let hosts = &self.ruleset.hosts;
        match detector {
            Detector::PageUrlIsChannel => self.hops.iter().find_map(|url| {
                let channel = channels_of_url(url, extraction.region)
                    .into_iter()
                    .find(|(kind, _)| kind.is_channel());
                let payment = host_listed(url, &hosts.payment);
                (channel.is_some() || payment).then(|| Finding {
                    matched: match channel {
                        Some((kind, value)) => format!("{url} ({kind} {value})"),
                        None => format!("{url} (payment page)"),
                    },
                    offset: None,
                })
            }),
            Detector::BareContactPage => {
                let channels: Vec<_> = extraction
                    .contacts
                    .iter()
                    .filter(|c| c.kind.is_channel())
                    .collect();
                let first = channels.first()?;
                (self.showcase < self.ruleset.scoring.showcase_present).then(|| Finding {
                    matched: format!(
                        "{} channel{} and a showcase score of {} (below {})",
                        channels.len(),
                        if channels.len() == 1 { "" } else { "s" },
                        self.showcase,
                        self.ruleset.scoring.showcase_present
                    ),
                    offset: Some(first.first_place().offset),
                })
            }
            Detector::LinkHubWithChannel => {
                self.hops
                    .iter()
                    .find(|u| host_listed(u, &hosts.link_hubs))?;
                let contact = extraction.contacts.iter().find(|c| {
                    c.kind.is_messenger()
                        || matches!(c.kind, ContactKind::Phone | ContactKind::Booking)
                })?;
                Some(Finding {
                    matched: format!("link hub entry: {} {}", contact.kind, contact.value),
                    offset: Some(contact.first_place().offset),
                })
            }
            Detector::MarketplacePage => self.hops.iter().find_map(|url| {
                let home = self.ruleset.home_platform.as_deref();
                let market = self.ruleset.marketplaces.iter().find(|m| {
                    Some(m.name.as_str()) != home
                        && host_listed(url, &m.hosts)
                        && url.path() != "/"
                        && (m.profile_paths.is_empty()
                            || m.profile_paths.iter().any(|p| url.path().starts_with(p)))
                })?;
                Some(Finding {
                    matched: format!("{url} (a page on {})", market.name),
                    offset: None,
                })
            }),
            Detector::PrefilledTextNamesPlatform => {
                extraction.contacts.iter().find_map(|contact| {
                    contact.places().iter().find_map(|place| {
                        if !matches!(
                            place.source,
                            Source::Href | Source::PageUrl | Source::Script
                        ) {
                            return None;
                        }
                        let url = Url::parse(place.raw.trim()).ok()?;
                        let (_, text) = url.query_pairs().find(|(k, v)| {
                            PREFILL_PARAMETERS.contains(&k.as_ref())
                                && self.ruleset.matcher.names_platform(v)
                        })?;
                        Some(Finding {
                            matched: format!("{} pre-filled: \u{201c}{text}\u{201d}", contact.kind),
                            offset: Some(place.offset),
                        })
                    })
                })
            }
            Detector::FilterEvasion => offered(extraction, |contact| {
                contact.is_hidden() || contact.obfuscation().iter().any(|o| EVASIONS.contains(o))
            }),
            Detector::AntiHarvest => offered(extraction, |contact| {
                let techniques = contact.obfuscation();
                techniques.iter().any(|o| ANTI_HARVEST.contains(o))
                    && !techniques.iter().any(|o| EVASIONS.contains(o))
            }),
            Detector::ManyMessengers => {
                let mut kinds: Vec<ContactKind> = extraction
                    .contacts
                    .iter()
                    .map(|c| c.kind)
                    .filter(|k| k.is_messenger())
                    .collect();
                kinds.sort();
                kinds.dedup();
                (kinds.len() >= 3).then(|| Finding {
                    matched: kinds
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    offset: None,
                })
            }
            Detector::BookingCallToAction => {
                let hero_end = extraction.text.len() / 3;
                extraction.contacts.iter().find_map(|c| {
                    if c.kind != ContactKind::Booking {
                        return None;
                    }
                    let place = c.places().iter().find(|p| {
                        !p.hidden
                            && matches!(p.source, Source::Href | Source::Text)
                            && p.offset <= hero_end
                    })?;
                    Some(Finding {
                        matched: c.value.clone(),
                        offset: Some(place.offset),
                    })
                })
            }
            Detector::PaymentLinks => extraction
                .outline
                .external_links
                .iter()
                .find(|(url, _)| host_listed(url, &hosts.payment))
                .map(|(url, offset)| Finding {
                    matched: url.to_string(),
                    offset: Some(*offset),
                }),
            Detector::ShowcaseHost => self
                .hops
                .iter()
                .find(|u| host_listed(u, &hosts.showcase))
                .map(|u| Finding {
                    matched: u.to_string(),
                    offset: None,
                }),
            Detector::LinkHubOfShowcases => {
                self.hops
                    .iter()
                    .find(|u| host_listed(u, &hosts.link_hubs))?;
                let mut showcases: Vec<&str> = extraction
                    .outline
                    .external_links
                    .iter()
                    .filter(|(u, _)| host_listed(u, &hosts.showcase))
                    .filter_map(|(u, _)| u.host_str())
                    .collect();
                showcases.sort_unstable();
                showcases.dedup();
                (showcases.len() >= 2).then(|| Finding {
                    matched: showcases.join(", "),
                    offset: None,
                })
            }
            Detector::EmbeddedWork => {
                let outline = &extraction.outline;
                let embed = outline
                    .embeds
                    .iter()
                    .find(|u| host_listed(u, &hosts.embeds));
                match embed {
                    Some(url) => Some(Finding {
                        matched: format!("embedded {url}"),
                        offset: None,
                    }),
                    None => (outline.media_elements > 0).then(|| Finding {
                        matched: format!("{} video or audio element(s)", outline.media_elements),
                        offset: None,
                    }),
                }
            }
            Detector::CaptionedGallery => {
                let outline = &extraction.outline;
                (outline.images_with_alt >= 6 || outline.captions >= 3).then(|| Finding {
                    matched: format!(
                        "{} described images, {} captions",
                        outline.images_with_alt, outline.captions
                    ),
                    offset: None,
                })
            }
            Detector::WorkItems => {
                let sections = extraction.outline.illustrated_sections;
                if sections >= 3 {
                    return Some(Finding {
                        matched: format!("{sections} headed sections with images"),
                        offset: None,
                    });
                }
                let cards = extraction.outline.work_cards;
                if cards >= 3 {
                    return Some(Finding {
                        matched: format!("{cards} cards with an image and a link"),
                        offset: None,
                    });
                }
                let dated = dated_entries(&extraction.text, &extraction.outline.headings);
                (dated >= 3).then(|| Finding {
                    matched: format!("{dated} headed entries with a year"),
                    offset: None,
                })
            }
            Detector::HomePlatformProfileLink => {
                let home = self.ruleset.home_platform.as_deref()?;
                let market = self.ruleset.marketplaces.iter().find(|m| m.name == home)?;
                extraction
                    .outline
                    .external_links
                    .iter()
                    .find(|(u, _)| {
                        host_listed(u, &market.hosts)
                            && market.profile_paths.iter().any(|p| u.path().starts_with(p))
                    })
                    .map(|(u, offset)| Finding {
                        matched: u.to_string(),
                        offset: Some(*offset),
                    })
            }
        }
    }
}

/// The first channel offered the way `test` asks.
fn offered(
    extraction: &Extraction,
    test: impl Fn(&crate::extract::Contact) -> bool,
) -> Option<Finding> {
    let contact = extraction
        .contacts
        .iter()
        .find(|c| c.kind.is_channel() && test(c))?;
    let place = contact.first_place();
    let mut manner: Vec<&str> = contact.obfuscation().iter().map(|o| o.as_str()).collect();
    if contact.is_hidden() {
        manner.insert(0, "hidden");
    }
    Some(Finding {
        matched: format!(
            "{} {} ({}): {}",
            contact.kind,
            contact.value,
            manner.join(", "),
            place.raw
        ),
        offset: Some(place.offset),
    })
}

/// Whether the URL is on one of `listed` (`"behance.net"`, or with a path prefix:
/// `"wise.com/pay"`), subdomains included.
pub(crate) fn host_listed(url: &Url, listed: &[String]) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    listed.iter().any(|entry| {
        let (domain, path) = match entry.find('/') {
            Some(i) => (&entry[..i], &entry[i..]),
            None => (entry.as_str(), ""),
        };
        (host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|rest| rest.ends_with('.')))
            && url.path().starts_with(path)
    })
}

/// Currency signs: a digit just before or after one makes a price.
const CURRENCY_SIGNS: &[&str] = &["$", "€", "£", "¥", "₹", "₽", "₴", "₦", "₱", "₫", "元", "r$"];

/// Currency codes and words: a price when they stand as a word next to a digit.
const CURRENCY_WORDS: &[&str] = &[
    "usd", "eur", "gbp", "inr", "rs", "rub", "uah", "brl", "idr", "rp", "aed", "sar", "egp", "mxn",
    "cop", "ars", "vnd", "cny", "rmb", "руб", "грн", "đ", "ريال", "جنيه", "درهم",
];

/// Whether the text shows prices: a currency sign or code next to an amount.
pub(crate) fn shows_prices(text: &str) -> bool {
    static CURRENCIES: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let Some(automaton) = CURRENCIES
        .get_or_init(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(CURRENCY_SIGNS.iter().chain(CURRENCY_WORDS))
                .ok()
        })
        .as_ref()
    else {
        return false;
    };
    automaton.find_iter(text).any(|m| {
        let is_word = m.pattern().as_usize() >= CURRENCY_SIGNS.len();
        let before = text[..m.start()].chars().rev();
        let after = text[m.end()..].chars();
        if is_word {
            let glued = |c: Option<char>| c.is_some_and(char::is_alphabetic);
            if glued(text[..m.start()].chars().next_back()) || glued(text[m.end()..].chars().next())
            {
                return false;
            }
        }
        digit_within(before) || digit_within(after)
    })
}

/// Whether a digit comes within a space or two (`$450`, `1.200 €`, `Rp 1.500.000`).
fn digit_within(mut chars: impl Iterator<Item = char>) -> bool {
    for _ in 0..3 {
        match chars.next() {
            Some(c) if c.is_ascii_digit() => return true,
            Some(' ' | '\u{a0}' | '\u{202f}' | '.') => continue,
            _ => return false,
        }
    }
    false
}

/// How far before a heading an entry's eyebrow line (`Banca · 2025`) may start, in bytes.
const EYEBROW_BYTES: usize = 80;

/// How far after a heading an entry's meta line (`Fintech · 60 articles · 2024`) may end,
/// in bytes: a year further down is prose (an FAQ answer, a blog date), not the entry's.
const META_BYTES: usize = 100;

/// Headings whose entry (the heading and the short lines just above and below it) names a
/// year: projects, case studies, jobs and publications carry one, service
/// and price lists do not. Counts work shown as text when there are no images to count. A
/// year counts for one heading only, since an entry's eyebrow line is also the end of the
/// entry before it.
fn dated_entries(text: &str, headings: &[std::ops::Range<usize>]) -> usize {
    let mut dated = 0;
    let mut counted_until = 0;
    for (i, heading) in headings.iter().enumerate() {
        let previous_end = i.checked_sub(1).map_or(0, |p| headings[p].end);
        let start = heading
            .start
            .saturating_sub(EYEBROW_BYTES)
            .max(previous_end)
            .max(counted_until);
        let next_start = headings.get(i + 1).map_or(text.len(), |h| h.start);
        let end = next_start.min(heading.end + META_BYTES).max(heading.end);
        let Some((offset, entry)) = char_range(text, start, end) else {
            continue;
        };
        if let Some(year) = year_at(entry) {
            dated += 1;
            counted_until = offset + year + 4;
        }
    }
    dated
}

/// `text[start..end]` with both ends moved to character boundaries, and where it starts.
fn char_range(text: &str, mut start: usize, mut end: usize) -> Option<(usize, &str)> {
    end = end.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    while start < end && !text.is_char_boundary(start) {
        start += 1;
    }
    text.get(start..end).map(|slice| (start, slice))
}

/// Where the first stand-alone four-digit year from 1950 to 2039 is.
fn year_at(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    bytes.windows(4).enumerate().position(|(at, four)| {
        let digits = four.iter().all(u8::is_ascii_digit);
        let alone = (at == 0 || !bytes[at - 1].is_ascii_digit())
            && bytes.get(at + 4).is_none_or(|b| !b.is_ascii_digit());
        digits
            && alone
            && matches!(
                four,
                [b'1', b'9', b'5'..=b'9', _] | [b'2', b'0', b'0'..=b'3', _]
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_with_subdomains_and_path_prefixes() {
        let listed = vec!["behance.net".to_owned(), "wise.com/pay".to_owned()];
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(host_listed(&url("https://www.behance.net/jane"), &listed));
        assert!(host_listed(&url("https://wise.com/pay/me/jane"), &listed));
        assert!(!host_listed(&url("https://wise.com/gb/"), &listed));
        assert!(!host_listed(&url("https://notbehance.net/"), &listed));
    }

    #[test]
    fn prices_are_amounts_with_a_currency() {
        assert!(shows_prices("Logo package: $450"));
        assert!(shows_prices("desde 1.200 € por proyecto"));
        assert!(shows_prices("от 15 000 руб."));
        assert!(!shows_prices("Founded in 2014, 12 projects"));
    }

    #[test]
    fn entries_with_years_are_counted_once_each() {
        let text = "Case studies\nBanca · 2025\nOnboarding\nReduced drop-off.\nSalud · 2024\nBookings\nMore online.\nServices\nResearch from 1 200 €\nCall 020 7946 0958";
        let heading = |h: &str| {
            let at = text.find(h).unwrap();
            at..at + h.len()
        };
        let headings = [
            heading("Case studies"),
            heading("Onboarding"),
            heading("Bookings"),
            heading("Services"),
        ];
        assert_eq!(dated_entries(text, &headings), 2);
        assert_eq!(year_at("2019–2023"), Some(0));
        assert_eq!(year_at("120250 and 1949 and 2040"), None);
    }
}
