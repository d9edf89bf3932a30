//! Text from pages made safe for the report: everything is escaped, links are only ever
//! http(s), and highlights are built from escaped pieces, so nothing a page says can become
//! markup, script or a request.

use url::Url;

/// `text` escaped for an element's content or a double-quoted attribute value.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    push_escaped(&mut out, text);
    out
}

pub(super) fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Controls other than whitespace have no business in a report and some break
            // the document (a NUL, a form feed in an attribute); bidi overrides and isolates
            // would let page text turn the report's own text around.
            c if c.is_control() && !matches!(c, '\n' | '\t') => out.push('\u{FFFD}'),
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// A link to `url` when it is http(s); anything else (`javascript:`, `data:`, `file:`) is
/// shown as text and never made clickable.
pub(super) fn link(url: &Url) -> String {
    if matches!(url.scheme(), "http" | "https") {
        format!(
            "<a href=\"{0}\" rel=\"noopener noreferrer nofollow\">{0}</a>",
            escape(url.as_str())
        )
    } else {
        format!("<span class=\"not-link\">{}</span>", escape(url.as_str()))
    }
}

/// What to mark in a sentence of evidence.
pub(super) struct Mark<'a> {
    pub needle: &'a str,
    /// `m-rule` (what a rule matched) or `m-contact` (a contact).
    pub class: &'static str,
    /// Said to assistive technology and on hover, so colour is not the only signal.
    pub label: &'a str,
}

/// `sentence` escaped, with the first place each mark's text appears wrapped in a `<mark>`
/// (marks that would overlap an earlier one are left out). Text found only ignoring case
/// is marked too.
pub(super) fn highlight(sentence: &str, marks: &[Mark]) -> String {
    let mut spans: Vec<(usize, usize, &Mark)> = Vec::new();
    for mark in marks {
        let Some((start, end)) = locate(sentence, mark.needle) else {
            continue;
        };
        if spans.iter().all(|(s, e, _)| end <= *s || start >= *e) {
            spans.push((start, end, mark));
        }
    }
    spans.sort_by_key(|(start, _, _)| *start);
    let mut out = String::with_capacity(sentence.len() + 64 * spans.len());
    let mut at = 0;
    for (start, end, mark) in spans {
        push_escaped(&mut out, &sentence[at..start]);
        out.push_str("<mark class=\"");
        out.push_str(mark.class);
        out.push_str("\" title=\"");
        push_escaped(&mut out, mark.label);
        out.push_str("\"><span class=\"sr\">");
        push_escaped(&mut out, mark.label);
        out.push_str(": </span>");
        push_escaped(&mut out, &sentence[start..end]);
        out.push_str("</mark>");
        at = end;
    }
    push_escaped(&mut out, &sentence[at..]);
    out
}

/// Where `needle` is in `sentence`: whole, with its whitespace as the sentence writes it,
/// or, when the sentence was cut off around it ("…"), its longest run of leading or
/// trailing words that is there (at least two words).
pub(super) fn locate(sentence: &str, needle: &str) -> Option<(usize, usize)> {
    let words: Vec<&str> = needle.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    for take in (2.min(words.len())..=words.len()).rev() {
        for part in [&words[..take], &words[words.len() - take..]] {
            if let Some(found) = find_words(sentence, part) {
                return Some(found);
            }
        }
    }
    None
}

/// `words` in `sentence`, separated by any whitespace.
fn find_words(sentence: &str, words: &[&str]) -> Option<(usize, usize)> {
    let first = words.first()?;
    let mut from = 0;
    while let Some(offset) = find(&sentence[from..], first) {
        let start = from + offset;
        let mut at = start + first.len();
        let mut matched = true;
        for word in &words[1..] {
            let rest = &sentence[at..];
            let gap = rest.len() - rest.trim_start().len();
            if gap == 0
                || !rest
                    .trim_start()
                    .get(..word.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(word))
            {
                matched = false;
                break;
            }
            at += gap + word.len();
        }
        if matched {
            return Some((start, at));
        }
        from = start + sentence[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Where `needle` starts in `haystack`, exactly or ignoring ASCII case, on a char boundary.
fn find(haystack: &str, needle: &str) -> Option<usize> {
    if let Some(at) = haystack.find(needle) {
        return Some(at);
    }
    if needle.len() > haystack.len() {
        return None;
    }
    (0..=haystack.len() - needle.len())
        .filter(|&i| haystack.is_char_boundary(i) && haystack.is_char_boundary(i + needle.len()))
        .find(|&i| haystack[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_page_text_stays_text() {
        let hostile = "</style><script>alert(1)</script><img src=x onerror=alert(2)> \"'";
        let escaped = escape(hostile);
        assert!(!escaped.contains('<') && !escaped.contains('>') && !escaped.contains('"'));
        let marked = highlight(
            hostile,
            &[Mark {
                needle: "<script>",
                class: "m-rule",
                label: "matched by <b>",
            }],
        );
        assert!(
            !marked.contains("<script>") && !marked.contains("<b>") && !marked.contains("<img")
        );
        assert!(marked.contains("<mark class=\"m-rule\""));
    }

    #[test]
    fn only_web_addresses_become_links() {
        let js = Url::parse("javascript:alert(document.domain)").unwrap();
        assert!(!link(&js).contains("href"));
        let web = Url::parse("https://jane.studio/?a=1&b=\"2\"").unwrap();
        assert!(link(&web).starts_with("<a href=\"https://jane.studio/?a=1&amp;b=%222%22\""));
    }

    #[test]
    fn a_match_is_found_across_line_breaks_and_when_the_sentence_cut_it() {
        let sentence = "…platform fee on top. Book a call with Marek Dvořák before you order";
        let (start, end) = locate(sentence, "fee on top.\nBook a call").unwrap();
        assert_eq!(&sentence[start..end], "fee on top. Book a call");
        // The sentence starts inside the match: its trailing words are marked.
        let (start, end) = locate(sentence, "the platform fee on top.").unwrap();
        assert_eq!(&sentence[start..end], "platform fee on top.");
        let (start, end) = locate(sentence, "marek Dvořák BEFORE").unwrap_or((0, 0));
        assert_eq!(&sentence[start..end], "Marek Dvořák before");
        assert_eq!(locate(sentence, "nothing like it"), None);
    }

    #[test]
    fn bidi_overrides_cannot_turn_the_report_around() {
        assert_eq!(escape("a\u{202E}moc.liamg@enaj"), "a\u{FFFD}moc.liamg@enaj");
    }

    #[test]
    fn marks_do_not_overlap_and_ignore_case() {
        let marked = highlight(
            "Message me on WhatsApp +1 555 0100",
            &[
                Mark {
                    needle: "whatsapp",
                    class: "m-rule",
                    label: "rule",
                },
                Mark {
                    needle: "WhatsApp +1",
                    class: "m-contact",
                    label: "contact",
                },
                Mark {
                    needle: "+1 555 0100",
                    class: "m-contact",
                    label: "contact",
                },
            ],
        );
        assert_eq!(marked.matches("<mark").count(), 2, "{marked}");
    }
}
