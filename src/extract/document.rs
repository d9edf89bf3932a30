//! One walk over the parsed DOM that collects everything the channel finders read: the
//! visible text (joined across inline elements), links, labelled attributes, scripts,
//! JSON-LD, microdata properties, forms and Cloudflare-protected addresses.
//!
//! Offsets everywhere in extraction are byte offsets into [`DocumentView::text`], so the
//! classifier can measure how near a phrase is to a contact in the same coordinates.

use std::borrow::Cow;
use std::ops::Range;

use ego_tree::iter::Edge;
use scraper::{Html, Node};

/// Attributes whose values are human-readable text that can carry a contact.
const TEXT_ATTRIBUTES: &[&str] = &["alt", "title", "aria-label"];

/// Attributes that carry a URL a widget or script opens (Calendly embeds, lazy links).
const URL_DATA_ATTRIBUTES: &[&str] = &["data-url", "data-href", "data-link"];

/// A URL found in the markup, with where it sits in the text.
#[derive(Debug)]
pub(crate) struct LinkRef<'a> {
    pub(crate) url: &'a str,
    /// Inside an element hidden from visitors.
    pub(crate) hidden: bool,
    pub(crate) offset: usize,
    /// The text of the element carrying the link, for evidence.
    pub(crate) label_end: usize,
}

/// A text-bearing attribute value (`alt`, `title`, `aria-label`, `<meta content>`).
#[derive(Debug)]
pub(crate) struct AttributeText<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a str,
    pub(crate) offset: usize,
}

/// A microdata property (`itemprop="email"` / `"telephone"`): its `content`/`href`
/// value when given, else the span of text it wraps.
#[derive(Debug)]
pub(crate) struct MicrodataProp<'a> {
    pub(crate) name: &'a str,
    pub(crate) content: Option<&'a str>,
    pub(crate) text_start: usize,
    pub(crate) text_end: usize,
}

/// Inline script or JSON-LD text, with the text offset of the element.
#[derive(Debug)]
pub(crate) struct ScriptText<'a> {
    /// Borrowed from the parsed page when the script is one text node, as it nearly always is.
    pub(crate) body: Cow<'a, str>,
    pub(crate) offset: usize,
}

/// A `<form>` and the fields inside it, as written; `form.rs` decides what it is.
#[derive(Debug, Default)]
pub(crate) struct FormInfo<'a> {
    pub(crate) action: Option<&'a str>,
    pub(crate) offset: usize,
    /// The form's `id` and `class` attributes.
    pub(crate) identity: Vec<&'a str>,
    pub(crate) fields: Vec<FormField<'a>>,
}

/// An `input`, `textarea` or `select` inside a form.
#[derive(Debug)]
pub(crate) struct FormField<'a> {
    pub(crate) tag: &'a str,
    /// The `type` attribute (`"email"`), when given.
    pub(crate) input_type: Option<&'a str>,
    /// The `name`, `id` and `autocomplete` attributes.
    pub(crate) names: Vec<&'a str>,
}

/// Everything extraction reads from one page, gathered in a single DOM walk.
#[derive(Debug, Default)]
pub(crate) struct DocumentView<'a> {
    /// Visible text: whitespace collapsed, inline elements joined without a gap, block
    /// elements separated by a newline; script, style and template contents left out.
    pub(crate) text: String,
    pub(crate) lang: Option<&'a str>,
    pub(crate) base_href: Option<&'a str>,
    pub(crate) links: Vec<LinkRef<'a>>,
    pub(crate) attributes: Vec<AttributeText<'a>>,
    pub(crate) microdata: Vec<MicrodataProp<'a>>,
    pub(crate) scripts: Vec<ScriptText<'a>>,
    pub(crate) json_ld: Vec<ScriptText<'a>>,
    pub(crate) forms: Vec<FormInfo<'a>>,
    pub(crate) cloudflare_emails: Vec<(&'a str, usize)>,
    /// `data-*` attribute values that look like base64, with their element's offset.
    pub(crate) encoded: Vec<(&'a str, usize)>,
    /// Text of elements hidden from visitors, each with where it sits in `text`.
    pub(crate) hidden: Vec<HiddenText>,
    /// Spans of `text` a CSS bidi override turned around for display, with the text as
    /// written in the source.
    pub(crate) reversed: Vec<(Range<usize>, String)>,
    /// Spans of `text` inside `h1`–`h6`.
    pub(crate) headings: Vec<Range<usize>>,
    /// Spans of `text` inside `pre` and `code` (outermost only).
    pub(crate) code_blocks: Vec<Range<usize>>,
    /// `<img>` elements with alt text, and without (whose content nothing here can read).
    pub(crate) images_with_alt: usize,
    pub(crate) images_without_alt: usize,
    /// `<figure>`s holding both an image and a caption.
    pub(crate) captions: usize,
    /// Stretches between consecutive headings that hold an image: project cards and
    /// sections ("title plus image"), counted without knowing any language.
    pub(crate) illustrated_sections: usize,
    /// Walk state for the outline: open figures (with whether they hold an image and a
    /// caption), and whether the stretch since the last heading holds an image.
    open_figures: Vec<(ego_tree::NodeId, bool, bool)>,
    section_has_image: bool,
    headings_seen: usize,
    /// Sources of embedded content: `iframe`, `embed`, `object`, `video`, `audio`, `source`.
    pub(crate) embeds: Vec<&'a str>,
    /// `<video>` and `<audio>` elements.
    pub(crate) media_elements: usize,
}

/// The text of an element hidden from visitors (`display:none`, `visibility:hidden`,
/// `font-size:0`, `opacity:0`, the `hidden` attribute).
#[derive(Debug)]
pub(crate) struct HiddenText {
    pub(crate) text: String,
    pub(crate) offset: usize,
}

/// Elements whose boundaries separate words the way a browser's layout does.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "br"
            | "button"
            | "caption"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "option"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "td"
            | "th"
            | "title"
            | "tr"
            | "ul"
    )
}

/// Elements whose text content is not page text.
fn is_opaque(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "template" | "textarea" | "iframe" | "object"
    )
}

impl<'a> DocumentView<'a> {
    pub(crate) fn from_html(html: &'a Html) -> Self {
        let mut view = DocumentView::default();
        // Depth inside elements whose text is not visible; > 0 means skip text nodes.
        let mut opaque_depth = 0usize;
        // Stack of open microdata properties and forms, as indices into their vectors.
        let mut open_props: Vec<(ego_tree::NodeId, usize)> = Vec::new();
        let mut open_forms: Vec<(ego_tree::NodeId, usize)> = Vec::new();
        let mut open_links: Vec<(ego_tree::NodeId, usize)> = Vec::new();
        // Hidden elements open, and the text gathered inside the outermost one.
        let mut open_hidden: Vec<ego_tree::NodeId> = Vec::new();
        let mut hidden_text = String::new();
        let mut hidden_offset = 0;
        // Elements whose text a bidi override displays backwards, with where they start.
        let mut open_reversed: Vec<(ego_tree::NodeId, usize)> = Vec::new();
        let mut open_headings: Vec<(ego_tree::NodeId, usize)> = Vec::new();
        let mut open_code: Vec<(ego_tree::NodeId, usize)> = Vec::new();

        for edge in html.tree.root().traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Text(text) if opaque_depth == 0 => {
                        if open_hidden.is_empty() {
                            push_text(&mut view.text, text);
                        } else {
                            push_text(&mut hidden_text, text);
                        }
                    }
                    Node::Element(element) => {
                        let name = element.name();
                        let style = element.attr("style").map(compact_style);
                        if element.attr("hidden").is_some()
                            || style.as_deref().is_some_and(style_hides)
                        {
                            if open_hidden.is_empty() {
                                hidden_offset = view.text.len();
                            }
                            open_hidden.push(node.id());
                        }
                        // `<bdo dir="rtl">` is the element form of the same override.
                        let overridden = style.as_deref().is_some_and(|s| {
                            s.contains("unicode-bidi:bidi-override") && s.contains("direction:rtl")
                        }) || (name == "bdo"
                            && element
                                .attr("dir")
                                .is_some_and(|d| d.eq_ignore_ascii_case("rtl")));
                        if open_hidden.is_empty() && overridden {
                            open_reversed.push((node.id(), view.text.len()));
                        }
                        let hidden = !open_hidden.is_empty();
                        if is_block(name) {
                            push_break(if hidden {
                                &mut hidden_text
                            } else {
                                &mut view.text
                            });
                        }
                        let offset = view.text.len();
                        view.outline_element(
                            node.id(),
                            element,
                            offset,
                            &mut open_headings,
                            &mut open_code,
                        );
                        match name {
                            "html" => {
                                view.lang = element.attr("lang");
                            }
                            "base" if view.base_href.is_none() => {
                                view.base_href = element.attr("href");
                            }
                            "script" => {
                                let mut texts = node
                                    .children()
                                    .filter_map(|c| c.value().as_text().map(|t| &**t));
                                let body = match (texts.next(), texts.next()) {
                                    (None, _) => Cow::Borrowed(""),
                                    (Some(only), None) => Cow::Borrowed(only),
                                    (Some(first), Some(second)) => {
                                        let mut joined = format!("{first}{second}");
                                        texts.for_each(|t| joined.push_str(t));
                                        Cow::Owned(joined)
                                    }
                                };
                                let is_json_ld = element
                                    .attr("type")
                                    .is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json"));
                                let script = ScriptText { body, offset };
                                if is_json_ld {
                                    view.json_ld.push(script);
                                } else if element.attr("src").is_none() {
                                    view.scripts.push(script);
                                }
                            }
                            "form" => {
                                view.forms.push(FormInfo {
                                    action: element.attr("action"),
                                    offset,
                                    identity: [element.attr("id"), element.attr("class")]
                                        .into_iter()
                                        .flatten()
                                        .collect(),
                                    fields: Vec::new(),
                                });
                                open_forms.push((node.id(), view.forms.len() - 1));
                            }
                            "input" | "textarea" | "select" => {
                                if let Some(&(_, index)) = open_forms.last() {
                                    view.forms[index].fields.push(FormField {
                                        tag: name,
                                        input_type: element.attr("type"),
                                        names: [
                                            element.attr("name"),
                                            element.attr("id"),
                                            element.attr("autocomplete"),
                                        ]
                                        .into_iter()
                                        .flatten()
                                        .collect(),
                                    });
                                }
                            }
                            "meta" => {
                                if let Some(content) = element.attr("content")
                                    && is_text_meta(element)
                                {
                                    view.attributes.push(AttributeText {
                                        name: "content",
                                        value: content,
                                        offset,
                                    });
                                }
                            }
                            _ => {}
                        }
                        let mut href_pushed = false;
                        for (attr, value) in element.attrs() {
                            match attr {
                                "href" if matches!(name, "a" | "area" | "link") => {
                                    view.links.push(LinkRef {
                                        url: value,
                                        hidden,
                                        offset,
                                        label_end: offset,
                                    });
                                    href_pushed = true;
                                }
                                "src" if name == "iframe" => view.links.push(LinkRef {
                                    url: value,
                                    hidden,
                                    offset,
                                    label_end: offset,
                                }),
                                "data-cfemail" => view.cloudflare_emails.push((value, offset)),
                                _ if attr.starts_with("data-") && looks_like_base64(value) => {
                                    view.encoded.push((value, offset))
                                }
                                _ if URL_DATA_ATTRIBUTES.contains(&attr) => {
                                    view.links.push(LinkRef {
                                        url: value,
                                        hidden,
                                        offset,
                                        label_end: offset,
                                    })
                                }
                                _ if TEXT_ATTRIBUTES.contains(&attr)
                                    && !value.trim().is_empty() =>
                                {
                                    view.attributes.push(AttributeText {
                                        name: attr,
                                        value,
                                        offset,
                                    })
                                }
                                _ => {}
                            }
                        }
                        if href_pushed {
                            open_links.push((node.id(), view.links.len() - 1));
                        }
                        if let Some(prop) = element.attr("itemprop")
                            && prop
                                .split_ascii_whitespace()
                                .any(|p| matches!(p, "email" | "telephone"))
                        {
                            let content = element.attr("content").or_else(|| element.attr("href"));
                            view.microdata.push(MicrodataProp {
                                name: prop,
                                content,
                                text_start: offset,
                                text_end: offset,
                            });
                            open_props.push((node.id(), view.microdata.len() - 1));
                        }
                        if is_opaque(name) {
                            opaque_depth += 1;
                        }
                    }
                    _ => {}
                },
                Edge::Close(node) => {
                    if let Node::Element(element) = node.value() {
                        let name = element.name();
                        if is_opaque(name) {
                            opaque_depth = opaque_depth.saturating_sub(1);
                        }
                        let end = view.text.len();
                        close_if_open(&mut open_props, node.id(), |i| {
                            view.microdata[i].text_end = end
                        });
                        close_if_open(&mut open_forms, node.id(), |_| {});
                        view.outline_close(node.id());
                        close_if_open(&mut open_headings, node.id(), |i| {
                            view.headings[i].end = end
                        });
                        close_if_open(&mut open_code, node.id(), |i| view.code_blocks[i].end = end);
                        close_if_open(&mut open_links, node.id(), |i| {
                            view.links[i].label_end = end
                        });
                        let hidden = !open_hidden.is_empty();
                        if is_block(name) {
                            push_break(if hidden {
                                &mut hidden_text
                            } else {
                                &mut view.text
                            });
                        }
                        if open_hidden.last() == Some(&node.id()) {
                            open_hidden.pop();
                            if open_hidden.is_empty() && !hidden_text.trim().is_empty() {
                                view.hidden.push(HiddenText {
                                    text: std::mem::take(&mut hidden_text),
                                    offset: hidden_offset,
                                });
                            }
                            hidden_text.clear();
                        }
                        if open_reversed
                            .last()
                            .is_some_and(|&(open, _)| open == node.id())
                            && let Some((_, start)) = open_reversed.pop()
                        {
                            view.turn_around(start);
                        }
                    }
                }
            }
        }
        view.end_section();
        view
    }

    /// Records what the page outline needs of an element opening at `offset`: headings,
    /// code blocks, images, captions and embedded media.
    fn outline_element(
        &mut self,
        id: ego_tree::NodeId,
        element: &'a scraper::node::Element,
        offset: usize,
        open_headings: &mut Vec<(ego_tree::NodeId, usize)>,
        open_code: &mut Vec<(ego_tree::NodeId, usize)>,
    ) {
        match element.name() {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if open_headings.is_empty() => {
                self.end_section();
                self.headings_seen += 1;
                self.headings.push(offset..offset);
                open_headings.push((id, self.headings.len() - 1));
            }
            "pre" | "code" if open_code.is_empty() => {
                self.code_blocks.push(offset..offset);
                open_code.push((id, self.code_blocks.len() - 1));
            }
            "img" => {
                if element
                    .attr("alt")
                    .is_some_and(|alt| !alt.trim().is_empty())
                {
                    self.images_with_alt += 1;
                } else {
                    self.images_without_alt += 1;
                }
                self.section_has_image = true;
                if let Some(figure) = self.open_figures.last_mut() {
                    figure.1 = true;
                }
            }
            "figure" => self.open_figures.push((id, false, false)),
            "figcaption" => {
                if let Some(figure) = self.open_figures.last_mut() {
                    figure.2 = true;
                }
            }
            "video" | "audio" => {
                self.media_elements += 1;
                self.embeds.extend(element.attr("src"));
            }
            "iframe" | "embed" | "source" => self.embeds.extend(element.attr("src")),
            "object" => self.embeds.extend(element.attr("data")),
            _ if shows_image(element) => {
                // Page builders (Elementor, Squarespace, Wix) show project thumbnails as
                // CSS or lazy-loaded backgrounds, described by `aria-label` when at all;
                // such a card shows work as much as an `<img>` does.
                if element
                    .attr("aria-label")
                    .is_some_and(|label| !label.trim().is_empty())
                {
                    self.images_with_alt += 1;
                } else {
                    self.images_without_alt += 1;
                }
                self.section_has_image = true;
                if let Some(figure) = self.open_figures.last_mut() {
                    figure.1 = true;
                }
            }
            _ => {}
        }
    }

    /// Closes what the outline tracks for the element `id`.
    fn outline_close(&mut self, id: ego_tree::NodeId) {
        if self.open_figures.last().is_some_and(|f| f.0 == id)
            && let Some((_, image, caption)) = self.open_figures.pop()
            && image
            && caption
        {
            self.captions += 1;
        }
    }

    /// Ends the stretch since the last heading, counting it if it held an image.
    fn end_section(&mut self) {
        if self.headings_seen > 0 && self.section_has_image {
            self.illustrated_sections += 1;
        }
        self.section_has_image = false;
    }

    /// Displays `text[start..]` backwards, as a bidi override does, keeping what was written.
    fn turn_around(&mut self, start: usize) {
        // Only the words turn around; the spaces around them stay where they are.
        let written = self.text[start..].to_owned();
        let leading = written.len() - written.trim_start().len();
        let trailing = &written[written.trim_end().len()..];
        let shown: String = written.trim().chars().rev().collect();
        self.text.truncate(start);
        self.text.push_str(&written[..leading]);
        self.text.push_str(&shown);
        self.text.push_str(trailing);
        self.reversed.push((
            start + leading..self.text.len() - trailing.len(),
            written.trim().to_owned(),
        ));
    }

    /// The visible text around `start..end`, on one line, for a reviewer to read.
    pub(crate) fn context(&self, start: usize, end: usize) -> String {
        context_window(&self.text, start, end)
    }
}

/// Whether an element shows an image: `<img>`, `role=img`, or a background (below). The
/// outline and the card count share this definition.
pub(crate) fn shows_image(element: &scraper::node::Element) -> bool {
    element.name() == "img" || element.attr("role") == Some("img") || has_background_image(element)
}

/// Whether an element other than `<img>` shows an image: an inline `background-image:
/// url(…)`, or a lazy loader's `data-bg`/`data-src`/`data-thumbnail` attribute.
fn has_background_image(element: &scraper::node::Element) -> bool {
    // One pass over the attributes: this runs on every element of the page.
    element.attrs().any(|(name, value)| match name {
        "style" => value.contains("url(") && value.to_ascii_lowercase().contains("background"),
        "data-bg"
        | "data-background-image"
        | "data-bg-src"
        | "data-thumbnail"
        | "data-lazy-src"
        | "data-src" => !value.trim().is_empty(),
        _ => false,
    })
}

/// Appends a text node with runs of ASCII whitespace collapsed to one space, as CSS
/// `white-space: normal` renders it (a no-break space is not collapsible).
fn push_text(buffer: &mut String, text: &str) {
    let starts_with_space = text.starts_with(|c: char| c.is_ascii_whitespace());
    let ends_with_space = text.ends_with(|c: char| c.is_ascii_whitespace());
    let mut words = text.split_ascii_whitespace();
    let Some(first) = words.next() else {
        if !text.is_empty() {
            push_space(buffer);
        }
        return;
    };
    if starts_with_space {
        push_space(buffer);
    }
    buffer.push_str(first);
    for word in words {
        buffer.push(' ');
        buffer.push_str(word);
    }
    if ends_with_space {
        buffer.push(' ');
    }
}

fn push_space(buffer: &mut String) {
    if !buffer.is_empty() && !buffer.ends_with([' ', '\n']) {
        buffer.push(' ');
    }
}

fn push_break(buffer: &mut String) {
    if buffer.ends_with(' ') {
        buffer.pop();
    }
    if !buffer.is_empty() && !buffer.ends_with('\n') {
        buffer.push('\n');
    }
}

/// A value that may be base64-encoded text: long enough, of the base64 alphabet only, with
/// letters of both cases and no spaces (so plain words and ids do not qualify).
fn looks_like_base64(value: &str) -> bool {
    value.len() >= 16
        && value.len() <= 4096
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
        && value.bytes().any(|b| b.is_ascii_uppercase())
        && value.bytes().any(|b| b.is_ascii_lowercase())
}

/// A `style` attribute lowercased without whitespace, so declarations compare as written
/// by any hand (`Display : None` → `display:none`).
fn compact_style(style: &str) -> String {
    style
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether inline CSS hides the element's text from visitors.
fn style_hides(style: &str) -> bool {
    let zero = |property: &str| {
        // `opacity:` but not `fill-opacity:`: the property starts the declaration.
        style
            .match_indices(property)
            .filter(|(at, _)| *at == 0 || style.as_bytes()[at - 1] == b';')
            .any(|(at, _)| {
                let rest = &style[at + property.len()..];
                rest.starts_with('0')
                    && !rest[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.')
            })
    };
    style.contains("display:none")
        || style.contains("visibility:hidden")
        || zero("font-size:")
        || zero("opacity:")
}

/// Up to about 60 characters either side of `start..end` in `text`, whitespace collapsed.
pub(crate) fn context_window(text: &str, start: usize, end: usize) -> String {
    const REACH: usize = 60;
    let start = start.min(text.len());
    let end = end.clamp(start, text.len());
    let mut from = start.saturating_sub(REACH);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + REACH).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    let mut window = String::with_capacity(to - from + 2);
    if from > 0 {
        window.push('…');
    }
    let mut last_space = false;
    for c in text[from..to].chars() {
        if c.is_whitespace() {
            if !last_space {
                window.push(' ');
            }
            last_space = true;
        } else {
            window.push(c);
            last_space = false;
        }
    }
    if to < text.len() {
        window.push('…');
    }
    window.trim().to_owned()
}

fn close_if_open(
    stack: &mut Vec<(ego_tree::NodeId, usize)>,
    id: ego_tree::NodeId,
    mut on_close: impl FnMut(usize),
) {
    if stack.last().is_some_and(|&(open, _)| open == id)
        && let Some((_, index)) = stack.pop()
    {
        on_close(index);
    }
}

/// `<meta>` tags whose `content` is prose a visitor or a search engine shows.
fn is_text_meta(element: &scraper::node::Element) -> bool {
    let key = element
        .attr("name")
        .or_else(|| element.attr("property"))
        .or_else(|| element.attr("itemprop"))
        .unwrap_or("");
    matches!(
        key.to_ascii_lowercase().as_str(),
        "description"
            | "og:description"
            | "twitter:description"
            | "og:title"
            | "author"
            | "contact"
            | "reply-to"
            | "email"
            | "telephone"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_elements_join_and_blocks_separate() {
        let html = Html::parse_document("<p>jane<span>@</span>studio.io</p><p>Call   me</p>");
        let v = DocumentView::from_html(&html);
        assert_eq!(v.text, "jane@studio.io\nCall me\n");
    }

    #[test]
    fn script_and_style_text_is_not_visible_but_scripts_are_kept() {
        let html = Html::parse_document(
            "<body><style>.a{}</style><script>var e='x';</script><p>Hi</p>\
             <script type='application/ld+json'>{\"email\":\"a@b.io\"}</script></body>",
        );
        let v = DocumentView::from_html(&html);
        assert_eq!(v.text.trim(), "Hi");
        assert_eq!(v.scripts.len(), 1);
        assert_eq!(v.json_ld.len(), 1);
    }

    #[test]
    fn links_record_their_label_span() {
        let html = Html::parse_document("<p>Write: <a href='mailto:a@b.io'>a@b.io</a></p>");
        let v = DocumentView::from_html(&html);
        let link = &v.links[0];
        assert_eq!(&v.text[link.offset..link.label_end], "a@b.io");
    }

    #[test]
    fn forms_record_their_fields() {
        let html = Html::parse_document(
            "<form action='/send'><input type=email name=email><textarea name=msg></textarea></form>\
             <form role=search><input type=search name=q></form>",
        );
        let v = DocumentView::from_html(&html);
        assert_eq!(v.forms[0].action, Some("/send"));
        let tags: Vec<&str> = v.forms[0].fields.iter().map(|f| f.tag).collect();
        assert_eq!(tags, ["input", "textarea"]);
        assert_eq!(v.forms[0].fields[0].input_type, Some("email"));
        assert_eq!(v.forms[1].fields[0].names, ["q"]);
    }

    #[test]
    fn background_image_cards_count_as_illustrated_sections() {
        let card = |n: usize| {
            format!(
                "<div class=card><div style=\"background-image: url('/p{n}.jpg')\"></div><h3>Project {n}</h3></div>"
            )
        };
        let html = Html::parse_document(&format!(
            "<h2>Work</h2><div data-bg='/hero.jpg'></div>{}{}{}<h2>Contact</h2><p>Mail me</p>\
             <div role=img aria-label='Bride and groom on the steps' data-thumbnail='/t.jpg'></div>",
            card(1),
            card(2),
            card(3)
        ));
        let v = DocumentView::from_html(&html);
        assert_eq!(v.images_without_alt, 4);
        assert_eq!(v.images_with_alt, 1);
        // "Work" (the hero), projects 1 and 2, and "Contact" (the described image) each
        // hold an image before the next heading.
        assert_eq!(v.illustrated_sections, 4);
    }

    #[test]
    fn context_window_stays_on_char_boundaries() {
        let text = "ж".repeat(100) + "jane@studio.io" + &"é".repeat(100);
        let start = 200;
        let w = context_window(&text, start, start + 14);
        assert!(w.contains("jane@studio.io"));
        assert!(w.starts_with('…') && w.ends_with('…'));
    }
}
