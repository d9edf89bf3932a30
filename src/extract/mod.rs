//! Contact extraction: every contact channel on one parsed page, with the places it was
//! found. A pure function of the page; one file per channel family, tied together here.

mod booking;
mod cards;
mod document;
mod email;
mod form;
mod lexicon;
mod link;
mod messenger;
mod normalise;
mod numerals;
mod phone;
mod region;
mod script;
mod social;
mod structured;

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use scraper::Html;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use url::Url;

use document::DocumentView;
pub(crate) use document::context_window;
pub(crate) use normalise::{Normalised, normalise};

use link::Channel;
pub use region::{Region, RegionError};

/// The kinds of contact channel, as named in the output contract (`docs/output.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Email,
    Phone,
    Whatsapp,
    Telegram,
    Skype,
    Discord,
    Wechat,
    Line,
    Signal,
    Viber,
    Zalo,
    Qq,
    Booking,
    ContactForm,
    Social,
}

impl ContactKind {
    /// Every kind, in contract order.
    pub const ALL: [ContactKind; 15] = [
        ContactKind::Email,
        ContactKind::Phone,
        ContactKind::Whatsapp,
        ContactKind::Telegram,
        ContactKind::Skype,
        ContactKind::Discord,
        ContactKind::Wechat,
        ContactKind::Line,
        ContactKind::Signal,
        ContactKind::Viber,
        ContactKind::Zalo,
        ContactKind::Qq,
        ContactKind::Booking,
        ContactKind::ContactForm,
        ContactKind::Social,
    ];

    /// The contract name (`"contact_form"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Email => "email",
            ContactKind::Phone => "phone",
            ContactKind::Whatsapp => "whatsapp",
            ContactKind::Telegram => "telegram",
            ContactKind::Skype => "skype",
            ContactKind::Discord => "discord",
            ContactKind::Wechat => "wechat",
            ContactKind::Line => "line",
            ContactKind::Signal => "signal",
            ContactKind::Viber => "viber",
            ContactKind::Zalo => "zalo",
            ContactKind::Qq => "qq",
            ContactKind::Booking => "booking",
            ContactKind::ContactForm => "contact_form",
            ContactKind::Social => "social",
        }
    }

    /// Whether the kind is a way to reach the freelancer directly. Social profiles are
    /// recorded but never make a page "with contact" on their own (policy §4.1 step 3).
    pub fn is_channel(self) -> bool {
        self != ContactKind::Social
    }

    /// Whether the kind is a chat app (not an address, a number, a booking page or a form).
    pub fn is_messenger(self) -> bool {
        matches!(
            self,
            ContactKind::Whatsapp
                | ContactKind::Telegram
                | ContactKind::Skype
                | ContactKind::Discord
                | ContactKind::Wechat
                | ContactKind::Line
                | ContactKind::Signal
                | ContactKind::Viber
                | ContactKind::Zalo
                | ContactKind::Qq
        )
    }
}

impl std::fmt::Display for ContactKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where on the page a contact was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Visible text.
    Text,
    /// A link's target (`href`, iframe `src`, `data-url`).
    Href,
    /// A text attribute: `alt`, `title`, `aria-label`, `<meta content>`.
    Attribute,
    /// A JSON-LD block.
    JsonLd,
    /// A microdata property (`itemprop="email"`).
    Microdata,
    /// A string in an inline script.
    Script,
    /// A Cloudflare-protected address (`data-cfemail`, `/cdn-cgi/l/email-protection#…`).
    Cloudflare,
    /// A `<form>` that takes a message and a reply address.
    Form,
    /// The page's own URL.
    PageUrl,
}

impl Source {
    /// The contract name (`"json_ld"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Text => "text",
            Source::Href => "href",
            Source::Attribute => "attribute",
            Source::JsonLd => "json_ld",
            Source::Microdata => "microdata",
            Source::Script => "script",
            Source::Cloudflare => "cloudflare",
            Source::Form => "form",
            Source::PageUrl => "page_url",
        }
    }
}

/// A technique that hid a contact from plain reading, undone to find it. Anti-harvest
/// habits (`cloudflare`, `spelled_at`, `script`) and filter evasion (the rest) are both
/// named, so the classifier can weigh them differently (policy §3d).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Obfuscation {
    /// Cloudflare e-mail protection (`data-cfemail`, `/cdn-cgi/l/email-protection#…`).
    Cloudflare,
    /// `@` or `.` written as a word (`[at]`, `arroba`, `собака`, `punto`, `डॉट`).
    SpelledAt,
    /// Assembled by a script (`'jane' + '@' + …`, `String.fromCharCode`, `atob`).
    Script,
    /// Base64 in an attribute.
    Base64,
    /// Zero-width or other invisible characters inside it.
    ZeroWidth,
    /// Look-alike letters of another script (`gmаil` with a Cyrillic `а`).
    Homoglyph,
    /// Full-width, mathematical, circled or superscript characters (`４１５`, `𝐣𝐚𝐧𝐞`).
    FullWidth,
    /// Keycap emoji digits (`4️⃣1️⃣5️⃣`).
    Keycap,
    /// Characters spaced or dotted apart (`w h a t s a p p`, `j.a.n.e`).
    SpacedOut,
    /// Digits spelled as words (`four one five`, `nueve`, `девять`).
    SpelledDigits,
    /// Letters standing for digits inside a number (`O` for 0, `l` for 1).
    LettersForDigits,
    /// Written backwards and turned around for display by a CSS bidi override.
    BidiReversed,
    /// Broken up by text hidden with CSS, which a copy of the source would keep
    /// (`jane<span style="display:none">xyz</span>@…`).
    Decoy,
    /// A code name for the channel, used where the platform filters its real name (`VX`,
    /// `V信`, `薇信` for WeChat).
    CodeWord,
}

impl Obfuscation {
    /// Every technique, in contract order.
    pub const ALL: [Obfuscation; 14] = [
        Obfuscation::Cloudflare,
        Obfuscation::SpelledAt,
        Obfuscation::Script,
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

    /// The contract name (`"spelled_at"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Obfuscation::Cloudflare => "cloudflare",
            Obfuscation::SpelledAt => "spelled_at",
            Obfuscation::Script => "script",
            Obfuscation::Base64 => "base64",
            Obfuscation::ZeroWidth => "zero_width",
            Obfuscation::Homoglyph => "homoglyph",
            Obfuscation::FullWidth => "full_width",
            Obfuscation::Keycap => "keycap",
            Obfuscation::SpacedOut => "spaced_out",
            Obfuscation::SpelledDigits => "spelled_digits",
            Obfuscation::LettersForDigits => "letters_for_digits",
            Obfuscation::BidiReversed => "bidi_reversed",
            Obfuscation::Decoy => "decoy",
            Obfuscation::CodeWord => "code_word",
        }
    }
}

/// One place on the page where a contact appears.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The text as written on the page, before normalisation.
    pub raw: String,
    pub source: Source,
    /// Byte offset into the page's visible text (for links and attributes, where their
    /// element starts in it).
    pub offset: usize,
    /// The visible text around the place, for a reviewer.
    pub evidence: String,
    /// In text a visitor does not see (CSS `display:none`, `visibility:hidden`, `hidden`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// The techniques undone to read it; empty for plain writing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obfuscation: Vec<Obfuscation>,
}

impl Place {
    pub(crate) fn new(raw: String, source: Source, offset: usize, evidence: String) -> Place {
        Place {
            raw,
            source,
            offset,
            evidence,
            hidden: false,
            obfuscation: Vec::new(),
        }
    }

    pub(crate) fn obfuscated(mut self, techniques: impl IntoIterator<Item = Obfuscation>) -> Place {
        for technique in techniques {
            if !self.obfuscation.contains(&technique) {
                self.obfuscation.push(technique);
            }
        }
        self
    }
}

/// Places kept per contact: enough for a reviewer; a page repeating one address thousands
/// of times must not cost quadratic time or unbounded output.
const MAX_PLACES: usize = 64;

/// A contact channel on the page: one per `(kind, value)`, with every place it appears.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub kind: ContactKind,
    /// The normalised value (`docs/output.md` gives the form per kind).
    pub value: String,
    /// In document order; never empty (only extraction builds contacts).
    pub(crate) places: Vec<Place>,
}

impl Contact {
    /// Every place the contact appears (the first [`MAX_PLACES`]), in document order.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// The first place the contact appears.
    pub fn first_place(&self) -> &Place {
        // Contacts are built with one place and only ever grow.
        &self.places[0]
    }

    /// Whether every place of the contact is hidden from visitors.
    pub fn is_hidden(&self) -> bool {
        self.places.iter().all(|p| p.hidden)
    }

    /// The techniques undone anywhere the contact appears, when it never appears plainly
    /// (in visible text without any); empty otherwise.
    pub fn obfuscation(&self) -> Vec<Obfuscation> {
        if self
            .places
            .iter()
            .any(|p| !p.hidden && p.obfuscation.is_empty())
        {
            return Vec::new();
        }
        let mut all: Vec<Obfuscation> = self
            .places
            .iter()
            .flat_map(|p| p.obfuscation.iter().copied())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

impl Serialize for Contact {
    /// The first place is flattened into the object (`raw`, `source`, `offset`,
    /// `evidence`), so a consumer that reads one place needs no array; `places` has all.
    /// `hidden` and `obfuscation` summarise how the contact is offered (omitted when it is
    /// offered plainly).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let first = self.first_place();
        let obfuscation = self.obfuscation();
        let mut s = serializer.serialize_struct("Contact", 9)?;
        s.serialize_field("kind", &self.kind)?;
        s.serialize_field("value", &self.value)?;
        s.serialize_field("raw", &first.raw)?;
        s.serialize_field("source", &first.source)?;
        s.serialize_field("offset", &first.offset)?;
        s.serialize_field("evidence", &first.evidence)?;
        if self.is_hidden() {
            s.serialize_field("hidden", &true)?;
        } else {
            s.skip_field("hidden")?;
        }
        if obfuscation.is_empty() {
            s.skip_field("obfuscation")?;
        } else {
            s.serialize_field("obfuscation", &obfuscation)?;
        }
        s.serialize_field("places", &self.places)?;
        s.end()
    }
}

impl<'de> Deserialize<'de> for Contact {
    /// Reads what [`Serialize`] wrote (an audit's stored scans); the flattened first place
    /// and the summaries are derived from `places`, so only it is read.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Stored {
            kind: ContactKind,
            value: String,
            places: Vec<Place>,
        }
        let stored = Stored::deserialize(deserializer)?;
        if stored.places.is_empty() {
            return Err(serde::de::Error::custom(
                "a contact needs at least one place",
            ));
        }
        Ok(Contact {
            kind: stored.kind,
            value: stored.value,
            places: stored.places,
        })
    }
}

/// What to assume about a page while extracting from it.
#[derive(Clone, Debug, Default)]
pub struct ExtractOptions {
    /// The region national phone numbers belong to; when `None` it is read from hints on
    /// the page (see [`Region`]).
    pub region: Option<Region>,
}

/// Links kept in the outline: enough for any real page's navigation and footer.
const MAX_OUTLINE_LINKS: usize = 2000;

/// What a page is made of besides its contacts: what the classifier weighs to tell a
/// showcase from a contact card. Spans and offsets are into [`Extraction::text`].
#[derive(Clone, Debug, Default)]
pub struct Outline {
    pub(crate) headings: Vec<Range<usize>>,
    pub(crate) code_blocks: Vec<Range<usize>>,
    pub(crate) images_with_alt: usize,
    pub(crate) images_without_alt: usize,
    pub(crate) captions: usize,
    pub(crate) illustrated_sections: usize,
    /// The largest group of repeated cards that each hold an image and a page link.
    pub(crate) work_cards: usize,
    /// Sources of iframes, embeds, video and audio, resolved against the page.
    pub(crate) embeds: Vec<Url>,
    pub(crate) media_elements: usize,
    /// Links to other sites, resolved, with where their element starts in the text.
    pub(crate) external_links: Vec<(Url, usize)>,
}

impl Outline {
    /// Images without alt text: anything written in them (a number in a banner) is unread.
    pub fn unscanned_images(&self) -> usize {
        self.images_without_alt
    }
}

/// The contacts found on one page.
#[derive(Clone, Debug)]
pub struct Extraction {
    /// Deduplicated by `(kind, value)`, in order of first appearance.
    pub contacts: Vec<Contact>,
    /// The region used to read national phone numbers.
    pub region: Region,
    /// The page's visible text, which all offsets point into.
    pub text: String,
    pub outline: Outline,
    /// `text` normalised for matching, as the finders read it (see `normalise.rs`).
    pub(crate) prepared: normalise::PreparedParts,
}

impl Extraction {
    /// The visible text normalised for matching, with the way back to `text`.
    pub(crate) fn prepared(&self) -> Normalised<'_> {
        Normalised::from_parts(&self.text, &self.prepared)
    }
}

/// Finds every contact channel on a parsed page served at `page_url`.
pub fn extract(html: &Html, page_url: &Url, options: &ExtractOptions) -> Extraction {
    let mut view = DocumentView::from_html(html);
    let base = view
        .base_href
        .and_then(|href| page_url.join(href).ok())
        .unwrap_or_else(|| page_url.clone());
    let structured = structured::read_json_ld(&view.json_ld);
    let region = options.region.unwrap_or_else(|| {
        Region::from_page_hints(view.lang, page_url, structured.address_country.as_deref())
    });

    let mut found = Findings::new();
    for channel in link::channels_of(page_url, region) {
        let evidence = format!("the page's own address is {page_url}");
        found.add(
            channel,
            Place::new(page_url.to_string(), Source::PageUrl, 0, evidence),
        );
    }
    let prepared = normalise(&view.text);
    found_in_text(&mut found, &view, &prepared, region);
    let prepared = prepared.into_parts();
    found_in_hidden(&mut found, &view, region);
    found_in_links(&mut found, &view, &base, region);
    found_in_attributes(&mut found, &view, region);
    found_in_microdata(&mut found, &view, region);
    for declared in structured.contacts(region) {
        let evidence = format!("JSON-LD: {}", declared.raw);
        found.add(
            declared.channel,
            Place::new(declared.raw, Source::JsonLd, declared.offset, evidence),
        );
    }
    found_in_scripts(&mut found, &view, region);
    for &(hex, offset) in &view.cloudflare_emails {
        if let Some(address) = email::decode_cloudflare(hex) {
            let place = text_place(&view, hex, Source::Cloudflare, offset..offset);
            found.add(
                Channel::new(ContactKind::Email, address),
                place.obfuscated([Obfuscation::Cloudflare]),
            );
        }
    }
    for form in &view.forms {
        let target = form::contact_form_target(form, page_url, &base, region);
        for channel in target {
            let raw = form.action.unwrap_or_default();
            let place = text_place(&view, raw, Source::Form, form.offset..form.offset);
            found.add(channel, place);
        }
    }
    let mut outline = outline_of(&mut view, page_url, &base);
    outline.work_cards = cards::work_cards(html);
    let mut contacts = found.into_contacts();
    drop_glued_emails(&mut contacts);
    Extraction {
        contacts,
        region,
        text: view.text,
        outline,
        prepared,
    }
}

/// Drops an address read from text that is another found address with a word glued in
/// front: `<span>Email me<span class=sub>bookings@…</span></span>` reads "Email
/// mebookings@…" without the stylesheet that puts the two on separate lines.
fn drop_glued_emails(contacts: &mut Vec<Contact>) {
    let emails: Vec<String> = contacts
        .iter()
        .filter(|c| c.kind == ContactKind::Email)
        .map(|c| c.value.clone())
        .collect();
    contacts.retain(|c| {
        let glued = c.kind == ContactKind::Email
            && c.places().iter().all(|p| p.source == Source::Text)
            && emails.iter().any(|other| {
                c.value.len() > other.len()
                    && c.value.ends_with(other.as_str())
                    && c.value[..c.value.len() - other.len()]
                        .chars()
                        .all(|ch| ch.is_alphabetic())
            });
        !glued
    });
}

/// The channels a URL itself is (a `wa.me/…` link, a booking page), as `(kind, value)`:
/// for the hops of a redirect chain, which the page's own contacts do not cover.
pub(crate) fn channels_of_url(url: &Url, region: Region) -> Vec<(ContactKind, String)> {
    link::channels_of(url, region)
        .into_iter()
        .map(|c| (c.kind, c.value))
        .collect()
}

/// The page's outline, taking the parts the walk gathered.
fn outline_of(view: &mut DocumentView, page_url: &Url, base: &Url) -> Outline {
    let resolve = |href: &str| {
        base.join(href.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
    };
    let page_host = page_url.host_str();
    let external_links = view
        .links
        .iter()
        .filter(|l| !link::is_same_site_path(l.url.trim()))
        .filter_map(|l| Some((resolve(l.url)?, l.offset)))
        .filter(|(u, _)| u.host_str() != page_host)
        .take(MAX_OUTLINE_LINKS)
        .collect();
    Outline {
        headings: std::mem::take(&mut view.headings),
        code_blocks: std::mem::take(&mut view.code_blocks),
        images_with_alt: view.images_with_alt,
        images_without_alt: view.images_without_alt,
        captions: view.captions,
        illustrated_sections: view.illustrated_sections,
        work_cards: 0,
        embeds: view.embeds.iter().filter_map(|src| resolve(src)).collect(),
        media_elements: view.media_elements,
        external_links,
    }
}

/// A place in the visible text (or at an element's position in it), with the text around
/// it as evidence.
fn text_place(view: &DocumentView, raw: &str, source: Source, span: Range<usize>) -> Place {
    Place::new(
        raw.to_owned(),
        source,
        span.start,
        view.context(span.start, span.end),
    )
}

/// Channels written in human-readable text (visible text, attributes): addresses, numbers,
/// labelled handles and bare links. The text is normalised first (invisible characters,
/// look-alikes, full-width forms, spaced-out words); each result carries its span in
/// `text` as written and the techniques that were undone inside it.
fn channels_in_prose(text: &str, region: Region) -> Vec<(Channel, Range<usize>, Vec<Obfuscation>)> {
    channels_in_prepared(&normalise(text), region)
}

/// [`channels_in_prose`] on text already normalised.
fn channels_in_prepared(
    prepared: &Normalised,
    region: Region,
) -> Vec<(Channel, Range<usize>, Vec<Obfuscation>)> {
    let words = lexicon::find(&prepared.text);
    let mut found: Vec<(Channel, TextMatch, Option<Obfuscation>)> = Vec::new();
    for (m, technique) in email::find_in_text_with(&prepared.text, words.at_or_dot) {
        found.push((
            Channel::new(ContactKind::Email, m.value.clone()),
            m,
            technique,
        ));
    }
    for m in phone::find_in_text(&prepared.text, region) {
        found.push((Channel::new(ContactKind::Phone, m.value.clone()), m, None));
    }
    for (m, technique) in numerals::find_in_text_at(&prepared.text, &words.numbers, region) {
        // "WhatsApp: nueve uno…" is a WhatsApp number as well as a phone.
        if let Some(kind) = messenger::number_label_before(&prepared.text, &words.labels, m.start) {
            found.push((
                Channel::new(kind, m.value.clone()),
                m.clone(),
                Some(technique),
            ));
        }
        found.push((
            Channel::new(ContactKind::Phone, m.value.clone()),
            m,
            Some(technique),
        ));
    }
    for (kind, m, technique) in messenger::find_labelled_at(&prepared.text, &words.labels, region) {
        found.push((Channel::new(kind, m.value.clone()), m, technique));
    }
    for m in link::find_urls_at(&prepared.text, &words.hosts) {
        let Ok(url) = link::parse_loose(&m.value) else {
            continue;
        };
        for channel in link::channels_of(&url, region) {
            found.push((channel, m.clone(), None));
        }
    }
    found
        .into_iter()
        .map(|(channel, m, technique)| {
            let mut techniques = prepared.techniques_within(m.start..m.end);
            techniques.extend(technique);
            (channel, prepared.source_span(m.start..m.end), techniques)
        })
        .collect()
}

/// Channels in the visible text, marked when a decoy was hidden inside them or a bidi
/// override turned them around.
fn found_in_text(found: &mut Findings, view: &DocumentView, prepared: &Normalised, region: Region) {
    for (channel, span, techniques) in channels_in_prepared(prepared, region) {
        let turned = view
            .reversed
            .iter()
            .find(|(range, _)| range.start < span.end && span.start < range.end);
        let decoy = view
            .hidden
            .iter()
            .any(|h| span.start < h.offset && h.offset < span.end);
        let mut place = text_place(view, &view.text[span.clone()], Source::Text, span);
        if decoy {
            place = place.obfuscated([Obfuscation::Decoy]);
        }
        if let Some((_, written)) = turned {
            place.raw = written.trim().to_owned();
            place = place.obfuscated([Obfuscation::BidiReversed]);
        }
        found.add(channel, place.obfuscated(techniques));
    }
}

/// Channels in text hidden from visitors, marked hidden.
fn found_in_hidden(found: &mut Findings, view: &DocumentView, region: Region) {
    for hidden in &view.hidden {
        for (channel, span, techniques) in channels_in_prose(&hidden.text, region) {
            let evidence = format!(
                "hidden: {}",
                context_window(&hidden.text, span.start, span.end)
            );
            let mut place = Place::new(
                hidden.text[span].to_owned(),
                Source::Text,
                hidden.offset,
                evidence,
            );
            place.hidden = true;
            found.add(channel, place.obfuscated(techniques));
        }
    }
}

fn found_in_links(found: &mut Findings, view: &DocumentView, base: &Url, region: Region) {
    for link in &view.links {
        let href = link.url.trim();
        // A path on the same site is never a channel (Cloudflare's protected address aside);
        // skipping them saves resolving every navigation and asset link.
        if link::is_same_site_path(href) && !href.contains("email-protection") {
            continue;
        }
        // Web links are channels only on known hosts; most point elsewhere.
        if link::is_web_link(href)
            && !link::names_channel_host(href)
            && !link::may_be_redirector(href)
        {
            continue;
        }
        let Ok(url) = base.join(href) else { continue };
        let span = link.offset..link.label_end;
        if let Some(address) = email::decode_cloudflare_link(&url) {
            let place = text_place(view, href, Source::Cloudflare, span);
            found.add(
                Channel::new(ContactKind::Email, address),
                place.obfuscated([Obfuscation::Cloudflare]),
            );
            continue;
        }
        for channel in link::channels_of(&url, region) {
            let mut place = text_place(view, href, Source::Href, span.clone());
            place.hidden = link.hidden;
            found.add(channel, place);
        }
    }
}

/// A cheap test for attribute text: every channel form has a digit, `@`, `/`, a bracket
/// (`[at]`) or a non-ASCII character (words and forms of other scripts), or a label word
/// with `@` or a digit after it; most `alt` and `title` texts have none of them.
fn may_name_a_channel(text: &str) -> bool {
    text.bytes().any(|b| {
        b.is_ascii_digit() || matches!(b, b'@' | b'/' | b'[' | b'(' | b'{') || !b.is_ascii()
    }) || text.contains(" at ")
        || text.contains(" dot ")
}

fn found_in_attributes(found: &mut Findings, view: &DocumentView, region: Region) {
    for attribute in &view.attributes {
        let value = attribute.value;
        if !may_name_a_channel(value) {
            continue;
        }
        for (channel, span, techniques) in channels_in_prose(value, region) {
            let evidence = format!(
                "{}=\"{}\"",
                attribute.name,
                context_window(value, span.start, span.end)
            );
            let place = Place::new(
                value[span].to_owned(),
                Source::Attribute,
                attribute.offset,
                evidence,
            );
            found.add(channel, place.obfuscated(techniques));
        }
    }
}

fn found_in_microdata(found: &mut Findings, view: &DocumentView, region: Region) {
    for prop in &view.microdata {
        let written = match prop.content {
            Some(content) => content,
            None => &view.text[prop.text_start..prop.text_end],
        };
        let expected = if prop.name.split_ascii_whitespace().any(|p| p == "email") {
            ContactKind::Email
        } else {
            ContactKind::Phone
        };
        for channel in link::channels_in_value(written, expected, region) {
            let place = text_place(
                view,
                written.trim(),
                Source::Microdata,
                prop.text_start..prop.text_end,
            );
            found.add(channel, place);
        }
    }
}

fn found_in_scripts(found: &mut Findings, view: &DocumentView, region: Region) {
    for script in &view.scripts {
        // JSON in scripts escapes slashes (`https:\/\/wa.me\/…`); undo it so URLs read whole.
        let body = if script.body.contains("\\/") {
            Cow::Owned(script.body.replace("\\/", "/"))
        } else {
            Cow::Borrowed(&*script.body)
        };
        let mut add = |channel: Channel, m: &TextMatch| {
            let evidence = context_window(&body, m.start, m.end);
            let place = Place::new(
                body[m.start..m.end].to_owned(),
                Source::Script,
                script.offset,
                evidence,
            );
            found.add(channel, place);
        };
        for m in email::find_plain(&body) {
            if !email::is_form_placeholder(&body, &m) {
                add(Channel::new(ContactKind::Email, m.value.clone()), &m);
            }
        }
        for m in link::find_urls_with_scheme(&body) {
            if let Ok(url) = link::parse_loose(&m.value) {
                for channel in link::channels_of(&url, region) {
                    add(channel, &m);
                }
            }
        }
        for built in script::built_strings(&body) {
            found_in_decoded(
                found,
                &built.value,
                Source::Script,
                script.offset,
                Obfuscation::Script,
                region,
            );
        }
    }
    for &(encoded, offset) in &view.encoded {
        if let Some(decoded) = script::decode_base64(encoded) {
            found_in_decoded(
                found,
                &decoded,
                Source::Attribute,
                offset,
                Obfuscation::Base64,
                region,
            );
        }
    }
}

/// Channels in text a page decodes or assembles at run time (a script's string, a base64
/// attribute): read as prose, and as a link when it is one.
fn found_in_decoded(
    found: &mut Findings,
    decoded: &str,
    source: Source,
    offset: usize,
    technique: Obfuscation,
    region: Region,
) {
    // A decoded link is read as a link only: its digits are not also a phone number.
    let as_link = link::parse_loose(decoded.trim())
        .ok()
        .filter(|_| !decoded.trim().contains(char::is_whitespace))
        .map(|url| link::channels_of(&url, region))
        .filter(|channels| !channels.is_empty());
    let channels: Vec<(Channel, Range<usize>)> = match as_link {
        Some(channels) => channels
            .into_iter()
            .map(|c| (c, 0..decoded.len()))
            .collect(),
        None => channels_in_prose(decoded, region)
            .into_iter()
            .map(|(c, span, _)| (c, span))
            .collect(),
    };
    for (channel, span) in channels {
        let evidence = format!("decoded: {}", context_window(decoded, span.start, span.end));
        let place = Place::new(decoded.to_owned(), source, offset, evidence);
        found.add(channel, place.obfuscated([technique]));
    }
}

/// A channel found at a span of some text: the common result of the family finders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextMatch {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) value: String,
}

/// Collects places and merges them into one contact per `(kind, value)`.
struct Findings {
    index: HashMap<(ContactKind, String), usize>,
    contacts: Vec<Contact>,
}

impl Findings {
    fn new() -> Self {
        Findings {
            index: HashMap::new(),
            contacts: Vec::new(),
        }
    }

    fn add(&mut self, channel: Channel, place: Place) {
        let key = (channel.kind, channel.value);
        match self.index.get(&key) {
            Some(&i) => {
                let places = &mut self.contacts[i].places;
                let repeated = places.iter().any(|p| {
                    p.source == place.source && p.offset == place.offset && p.raw == place.raw
                });
                if !repeated && places.len() < MAX_PLACES {
                    places.push(place);
                }
            }
            None => {
                self.index.insert(key.clone(), self.contacts.len());
                self.contacts.push(Contact {
                    kind: key.0,
                    value: key.1,
                    places: vec![place],
                });
            }
        }
    }

    fn into_contacts(mut self) -> Vec<Contact> {
        for contact in &mut self.contacts {
            // Stable: equal offsets keep the order the finders ran in.
            contact.places.sort_by_key(|p| p.offset);
        }
        self.contacts
            .sort_by_key(|c| (c.first_place().offset, c.kind));
        self.contacts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract_from(html: &str, url: &str) -> Extraction {
        extract(
            &Html::parse_document(html),
            &Url::parse(url).unwrap(),
            &ExtractOptions::default(),
        )
    }

    fn pairs(extraction: &Extraction) -> Vec<(ContactKind, &str)> {
        extraction
            .contacts
            .iter()
            .map(|c| (c.kind, c.value.as_str()))
            .collect()
    }

    #[test]
    fn a_label_glued_to_an_address_by_markup_is_not_a_second_address() {
        let e = extract_from(
            "<a href='mailto:bookings@pell.co.uk'><span>Email me<span class=sub>bookings@pell.co.uk</span></span></a>",
            "https://pell.co.uk/",
        );
        assert_eq!(pairs(&e), [(ContactKind::Email, "bookings@pell.co.uk")]);
    }

    #[test]
    fn contract_names_match_the_serialised_names() {
        for kind in ContactKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for technique in Obfuscation::ALL {
            assert_eq!(serde_json::to_value(technique).unwrap(), technique.as_str());
        }
        for source in [
            Source::Text,
            Source::Href,
            Source::Attribute,
            Source::JsonLd,
            Source::Microdata,
            Source::Script,
            Source::Cloudflare,
            Source::Form,
            Source::PageUrl,
        ] {
            assert_eq!(serde_json::to_value(source).unwrap(), source.as_str());
        }
    }

    #[test]
    fn one_contact_per_kind_and_value_with_every_place() {
        let e = extract_from(
            r#"<header><a href="mailto:Jane@Studio.io?subject=Hi">Jane@Studio.io</a></header>
               <footer><p>jane [at] studio [dot] io</p></footer>
               <script type="application/ld+json">{"@type":"Person","email":"jane@studio.io"}</script>"#,
            "https://studio.io/",
        );
        assert_eq!(pairs(&e), [(ContactKind::Email, "jane@studio.io")]);
        let sources: Vec<Source> = e.contacts[0].places.iter().map(|p| p.source).collect();
        assert_eq!(sources.len(), 4);
        for source in [Source::Href, Source::Text, Source::JsonLd] {
            assert!(sources.contains(&source), "{source:?} in {sources:?}");
        }
        let offsets: Vec<usize> = e.contacts[0].places.iter().map(|p| p.offset).collect();
        assert!(
            offsets.windows(2).all(|w| w[0] <= w[1]),
            "places in document order: {offsets:?}"
        );
    }

    #[test]
    fn offsets_point_into_the_visible_text_and_evidence_shows_context() {
        let e = extract_from(
            "<p>Studio line: <b>+44 20 7946 0958</b> (weekdays)</p>",
            "https://studio.io/",
        );
        let place = e.contacts[0].first_place();
        assert_eq!(
            &e.text[place.offset..place.offset + place.raw.len()],
            "+44 20 7946 0958"
        );
        assert_eq!(place.evidence, "Studio line: +44 20 7946 0958 (weekdays)");
    }

    #[test]
    fn microdata_and_cloudflare_and_attributes() {
        let hex: String = std::iter::once(0x5au8)
            .chain(b"hi@studio.io".iter().map(|b| b ^ 0x5a))
            .map(|b| format!("{b:02x}"))
            .collect();
        let html = format!(
            r#"<div itemscope><span itemprop="telephone" content="+14155550132">Call us</span></div>
               <a href="/cdn-cgi/l/email-protection#{hex}"><span class="__cf_email__" data-cfemail="{hex}">[email&#160;protected]</span></a>
               <img src="card.png" alt="Contact: press@studio.io">"#
        );
        let e = extract_from(&html, "https://studio.io/");
        let found = pairs(&e);
        assert!(
            found.contains(&(ContactKind::Phone, "+14155550132")),
            "{found:?}"
        );
        assert!(
            found.contains(&(ContactKind::Email, "hi@studio.io")),
            "{found:?}"
        );
        assert!(
            found.contains(&(ContactKind::Email, "press@studio.io")),
            "{found:?}"
        );
        let cloudflare = e
            .contacts
            .iter()
            .find(|c| c.value == "hi@studio.io")
            .unwrap();
        assert!(
            cloudflare
                .places
                .iter()
                .all(|p| p.source == Source::Cloudflare)
        );
        let attribute = e
            .contacts
            .iter()
            .find(|c| c.value == "press@studio.io")
            .unwrap();
        assert_eq!(
            attribute.first_place().evidence,
            "alt=\"Contact: press@studio.io\""
        );
    }

    #[test]
    fn links_resolve_against_base_href_and_same_site_paths_are_not_channels() {
        let e = extract_from(
            r#"<head><base href="https://cdn.studio.io/"></head>
               <a href="/work">Work</a><a href="contact.html">Contact</a>
               <form action="send"><input type=email name=email><textarea name=message></textarea></form>"#,
            "https://studio.io/",
        );
        assert_eq!(
            pairs(&e),
            [(ContactKind::ContactForm, "https://cdn.studio.io/send")]
        );
    }

    #[test]
    fn hidden_text_is_reported_as_hidden_and_decoys_are_dropped() {
        let e = extract_from(
            r#"<p>Mail: jane<span style="display: none">REMOVE</span>@studio.io</p>
               <div style="visibility:hidden">Telegram: @jane_secret</div>
               <a hidden href="https://wa.me/14155550132">chat</a>"#,
            "https://studio.io/",
        );
        assert_eq!(
            pairs(&e),
            // Hidden text takes no room, so both sit at one offset and order by kind.
            [
                (ContactKind::Email, "jane@studio.io"),
                (ContactKind::Whatsapp, "+14155550132"),
                (ContactKind::Telegram, "jane_secret")
            ]
        );
        assert!(!e.contacts[0].is_hidden());
        assert_eq!(e.contacts[0].obfuscation(), [Obfuscation::Decoy]);
        assert!(e.contacts[1].is_hidden() && e.contacts[2].is_hidden());
    }

    #[test]
    fn bidi_overridden_text_reads_as_displayed() {
        let e = extract_from(
            r#"<p>Write to <span style="unicode-bidi:bidi-override; direction:rtl">oi.oiduts@enaj</span></p>"#,
            "https://studio.io/",
        );
        assert_eq!(pairs(&e), [(ContactKind::Email, "jane@studio.io")]);
        let place = e.contacts[0].first_place();
        assert_eq!(place.raw, "oi.oiduts@enaj");
        assert_eq!(place.obfuscation, [Obfuscation::BidiReversed]);
        let e = extract_from(
            r#"<p>Mail me<span style="unicode-bidi:bidi-override;direction:rtl"> oi.oiduts@enaj</span></p>"#,
            "https://studio.io/",
        );
        assert_eq!(pairs(&e), [(ContactKind::Email, "jane@studio.io")]);
        let e = extract_from(
            r#"<svg><text style="fill-opacity:0.9;fill-opacity:0">Telegram: @jane_design</text></svg>"#,
            "https://studio.io/",
        );
        assert!(!e.contacts[0].is_hidden(), "fill-opacity is not opacity");
        let e = extract_from(
            r#"<p>Mail <bdo dir="rtl">oi.oiduts@enaj</bdo></p>"#,
            "https://studio.io/",
        );
        assert_eq!(pairs(&e), [(ContactKind::Email, "jane@studio.io")]);
    }

    #[test]
    fn obfuscated_text_is_found_and_marked() {
        let e = extract_from(
            "<p>WhatsApp: +44\u{200B}20\u{200B}7946\u{200B}0958 · mail jane@gm\u{0430}il.com</p>",
            "https://studio.io/",
        );
        let found = pairs(&e);
        assert!(
            found.contains(&(ContactKind::Whatsapp, "+442079460958")),
            "{found:?}"
        );
        assert!(
            found.contains(&(ContactKind::Email, "jane@gmail.com")),
            "{found:?}"
        );
        let email = e
            .contacts
            .iter()
            .find(|c| c.kind == ContactKind::Email)
            .unwrap();
        assert_eq!(email.obfuscation(), [Obfuscation::Homoglyph]);
        assert_eq!(email.first_place().raw, "jane@gm\u{0430}il.com");
    }

    #[test]
    fn the_page_url_itself_can_be_a_channel() {
        let e = extract_from("<p>Hi</p>", "https://calendly.com/jane/intro?month=2025-03");
        assert_eq!(
            pairs(&e),
            [(ContactKind::Booking, "https://calendly.com/jane/intro")]
        );
        assert_eq!(e.contacts[0].first_place().source, Source::PageUrl);
    }

    #[test]
    fn channels_in_scripts_are_found_but_script_numbers_are_not_phones() {
        let e = extract_from(
            r#"<script>window.__STATE__={"id":4155550132,"chat":"https:\/\/t.me\/jane_design","owner":"jane@studio.io"}</script>"#,
            "https://studio.io/",
        );
        // Both sit at the script's offset; equal offsets order by kind.
        assert_eq!(
            pairs(&e),
            [
                (ContactKind::Email, "jane@studio.io"),
                (ContactKind::Telegram, "jane_design")
            ]
        );
    }
}
