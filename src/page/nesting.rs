//! A bound on element nesting before the HTML parser sees a page. html5ever's tree
//! builder does work proportional to the depth of open elements for each new block
//! element, so 100,000 nested `<div>`s take minutes; browsers cap the depth too (Chromium
//! at 512). Start and end tags beyond the cap are dropped, keeping their text, so the page
//! reads the same and parses in bounded time.

use std::borrow::Cow;

/// The deepest nesting kept; real pages stay under a hundred.
pub(crate) const MAX_DEPTH: usize = 512;

/// Elements that never have an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
    // Elements whose end tag may be left out (`<li>` after `<li>`): the parser closes them
    // itself, so they are not counted as nesting either.
    "li", "p", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot", "rp",
    "rt", "colgroup", "caption",
];

/// Elements whose content is raw text, where `<` does not start a tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "noscript", "iframe",
];

/// A page with fewer `<` than this cannot nest deep enough for the parser's cost to
/// matter (4,096 nested elements parse in a fraction of a second), and is not checked.
const CHECK_FROM_TAGS: usize = 8 * MAX_DEPTH;

/// The page with tags nested deeper than [`MAX_DEPTH`] dropped; borrowed when none are.
pub(crate) fn flatten_deep_nesting(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    if memchr::memchr_iter(b'<', bytes)
        .nth(CHECK_FROM_TAGS)
        .is_none()
    {
        return Cow::Borrowed(html);
    }
    let mut depth = 0usize;
    let mut dropped_depth = 0usize;
    let mut out: Option<String> = None;
    let mut copied_to = 0;
    let mut at = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[at..]) {
        let start = at + offset;
        let Some(tag) = Tag::read(html, start) else {
            at = start + 1;
            continue;
        };
        at = tag.end;
        match tag.kind {
            TagKind::Skip => continue,
            TagKind::RawText(name) => {
                // Jump over the raw text and its end tag, which are never dropped: a
                // dropped `</script>` would turn the rest of the page into script.
                at = end_tag(html, at, name).map_or(html.len(), |close| {
                    memchr::memchr(b'>', &bytes[close..]).map_or(html.len(), |e| close + e + 1)
                });
                continue;
            }
            TagKind::Open => {
                depth += 1;
                if depth <= MAX_DEPTH {
                    continue;
                }
                dropped_depth += 1;
            }
            TagKind::Close => {
                if dropped_depth == 0 {
                    depth = depth.saturating_sub(1);
                    continue;
                }
                dropped_depth -= 1;
                depth = depth.saturating_sub(1);
            }
        }
        let buffer = out.get_or_insert_with(|| String::with_capacity(html.len()));
        buffer.push_str(&html[copied_to..start]);
        copied_to = tag.end;
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut buffer) => {
            buffer.push_str(&html[copied_to..]);
            Cow::Owned(buffer)
        }
    }
}

enum TagKind<'a> {
    Open,
    Close,
    /// A comment, doctype, void or self-closing element: no change in depth.
    Skip,
    RawText(&'a str),
}

struct Tag<'a> {
    kind: TagKind<'a>,
    end: usize,
}

impl<'a> Tag<'a> {
    /// The tag starting at `start` (a `<`), if one does.
    fn read(html: &'a str, start: usize) -> Option<Tag<'a>> {
        let rest = &html[start + 1..];
        if rest.starts_with("!--") {
            let end = rest.find("-->").map_or(html.len(), |i| start + 1 + i + 3);
            return Some(Tag {
                kind: TagKind::Skip,
                end,
            });
        }
        let closing = rest.starts_with('/');
        let name_start = start + 1 + usize::from(closing);
        let name_len = html[name_start..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
            .count();
        let first = html.as_bytes().get(name_start)?;
        if !first.is_ascii_alphabetic() && !rest.starts_with('!') && !rest.starts_with('?') {
            return None;
        }
        let end = memchr::memchr(b'>', &html.as_bytes()[name_start..])
            .map_or(html.len(), |i| name_start + i + 1);
        let name = &html[name_start..name_start + name_len];
        let self_closing = html[..end].ends_with("/>");
        let lower = name.to_ascii_lowercase();
        let kind = if rest.starts_with('!')
            || rest.starts_with('?')
            || VOID.contains(&lower.as_str())
            || self_closing
        {
            TagKind::Skip
        } else if closing {
            TagKind::Close
        } else if let Some(raw) = RAW_TEXT.iter().find(|r| **r == lower) {
            TagKind::RawText(raw)
        } else {
            TagKind::Open
        };
        Some(Tag { kind, end })
    }
}

/// Where `</name` next starts at or after `from`, in any case.
fn end_tag(html: &str, from: usize, name: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    memchr::memmem::find_iter(&bytes[from..], b"</")
        .map(|i| from + i)
        .find(|&at| {
            bytes
                .get(at + 2..at + 2 + name.len())
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_with_few_tags_are_not_even_checked() {
        let depth = MAX_DEPTH + 100;
        let html = format!("{}text{}", "<div>".repeat(depth), "</div>".repeat(depth));
        assert!(matches!(flatten_deep_nesting(&html), Cow::Borrowed(_)));
    }

    #[test]
    fn unclosed_list_items_and_scripts_after_deep_nesting_survive() {
        let items = "<li>item".repeat(CHECK_FROM_TAGS);
        let html = format!("<ul>{items}</ul><p><a href='https://wa.me/14155550132'>chat</a></p>");
        assert!(matches!(flatten_deep_nesting(&html), Cow::Borrowed(_)));
        let deep = format!(
            "{}<script>var a = 1;</script><a href='mailto:a@b.io'>m</a>{}",
            "<div>".repeat(CHECK_FROM_TAGS),
            "</div>".repeat(CHECK_FROM_TAGS)
        );
        let flat = flatten_deep_nesting(&deep);
        assert!(flat.contains("<script>var a = 1;</script>"));
        // Tags past the cap are dropped with their attributes; their text stays.
        assert!(flat.contains('m') && !flat.contains("mailto:a@b.io"));
    }

    #[test]
    fn ordinary_pages_are_untouched() {
        let section = "<div><p>Hi <br> there<img src=a.png></p></div><script>if (a<b) {}</script>";
        let html = format!("<html><body>{}</body></html>", section.repeat(1000));
        assert!(matches!(flatten_deep_nesting(&html), Cow::Borrowed(_)));
    }

    #[test]
    fn tags_beyond_the_cap_are_dropped_and_text_kept() {
        let depth = CHECK_FROM_TAGS;
        let html = format!(
            "{}deep text{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let flat = flatten_deep_nesting(&html);
        assert!(flat.contains("deep text"));
        assert_eq!(flat.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(flat.matches("</div>").count(), MAX_DEPTH);
    }
}
