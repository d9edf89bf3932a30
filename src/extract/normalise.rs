//! Text prepared for matching: the character-level tricks people use to slip a contact
//! past filters are undone here, once, for every finder, while a map leads every span of
//! the prepared text back to the text as written (which stays the evidence).
//!
//! Undone: zero-width and other invisible characters, compatibility forms (full-width,
//! mathematical, circled and superscript letters and digits, by NFKC), keycap emoji digits,
//! digits of other scripts, look-alike letters of other scripts inside Latin words (by the
//! Unicode confusables skeleton), and characters spaced or dotted apart (`w h a t s a p p`,
//! `9 8 7 6 5 4 3 2 1 0`, `t.e.l.e.g.r.a.m`).

use std::borrow::Cow;
use std::ops::Range;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use super::Obfuscation;

/// A run of single characters this long or longer, each separated by one space or dot, is
/// one word written apart. Shorter runs are initials and lists ("A B C").
const MIN_SPACED_RUN: usize = 4;

/// One place where the prepared text differs from the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Edit {
    prepared: (usize, usize),
    source: (usize, usize),
    /// The evasion technique the edit undid; `None` for ordinary writing (native digits,
    /// emoji presentation selectors).
    technique: Option<Obfuscation>,
}

/// Text prepared for matching, with the way back to its source.
#[derive(Debug)]
pub(crate) struct Normalised<'a> {
    pub(crate) text: Cow<'a, str>,
    /// In order of position; empty when the text needed no change.
    edits: Cow<'a, [Edit]>,
}

/// A normalised text kept apart from its source: the prepared text when it differs, and
/// the edits (so the classifier reuses extraction's work instead of repeating it).
#[derive(Clone, Debug, Default)]
pub(crate) struct PreparedParts {
    text: Option<String>,
    edits: Vec<Edit>,
}

impl<'a> Normalised<'a> {
    /// Keeps the prepared text and edits without the borrow of the source.
    pub(crate) fn into_parts(self) -> PreparedParts {
        PreparedParts {
            text: match self.text {
                Cow::Borrowed(_) => None,
                Cow::Owned(text) => Some(text),
            },
            edits: self.edits.into_owned(),
        }
    }

    /// The normalised form of `source` from the parts [`Normalised::into_parts`] kept.
    pub(crate) fn from_parts(source: &'a str, parts: &'a PreparedParts) -> Normalised<'a> {
        Normalised {
            text: Cow::Borrowed(parts.text.as_deref().unwrap_or(source)),
            edits: Cow::Borrowed(&parts.edits),
        }
    }
}

impl Normalised<'_> {
    /// The span of the source text that `prepared` came from.
    pub(crate) fn source_span(&self, prepared: Range<usize>) -> Range<usize> {
        let start = self.source_offset(prepared.start, false);
        let end = self.source_offset(prepared.end, true);
        start..end.max(start)
    }

    fn source_offset(&self, at: usize, is_end: bool) -> usize {
        // The last edit starting at or before `at` (for an end, strictly before it).
        let index = self.edits.partition_point(|e| {
            if is_end {
                e.prepared.0 < at
            } else {
                e.prepared.0 <= at
            }
        });
        let Some(edit) = index.checked_sub(1).map(|i| self.edits[i]) else {
            return at;
        };
        if at < edit.prepared.1 || (is_end && at == edit.prepared.1) {
            if is_end { edit.source.1 } else { edit.source.0 }
        } else {
            edit.source.1 + (at - edit.prepared.1)
        }
    }

    /// The evasion techniques undone inside `prepared` (an edit at its very edges, such as
    /// a zero-width space before a word, does not count).
    pub(crate) fn techniques_within(&self, prepared: Range<usize>) -> Vec<Obfuscation> {
        let mut found: Vec<Obfuscation> = Vec::new();
        let first = self
            .edits
            .partition_point(|e| e.prepared.1 < prepared.start);
        for edit in &self.edits[first..] {
            if edit.prepared.0 >= prepared.end {
                break;
            }
            let inside = edit.prepared.0 > prepared.start || edit.prepared.1 > prepared.start;
            if let Some(technique) = edit.technique
                && inside
                && !found.contains(&technique)
            {
                found.push(technique);
            }
        }
        found
    }
}

/// Prepares `source` for matching.
pub(crate) fn normalise(source: &str) -> Normalised<'_> {
    if source.is_ascii() && !has_spaced_or_dotted_run(source) {
        return Normalised {
            text: Cow::Borrowed(source),
            edits: Cow::Borrowed(&[]),
        };
    }
    let mut builder = Builder {
        source,
        copied_to: 0,
        out: String::with_capacity(source.len()),
        edits: Vec::new(),
    };
    // Tokens are separated by the whitespace the text view keeps (spaces and newlines
    // after collapsing); other spaces (no-break) stay inside tokens, as in a number.
    let bytes = source.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if matches!(bytes[at], b' ' | b'\n' | b'\t' | b'\r') {
            at += 1;
            continue;
        }
        if starts_single_character_word(source, at)
            && let Some(run_end) = spaced_run_end(source, at)
            && !is_counting_sequence(&source[at..run_end])
        {
            builder.join_spaced(at, run_end);
            at = run_end;
            continue;
        }
        let token_len =
            memchr::memchr3(b' ', b'\n', b'\t', &bytes[at..]).unwrap_or(bytes.len() - at);
        builder.token(at, at + token_len);
        at += token_len;
    }
    Normalised {
        text: Cow::Owned(builder.finish()),
        edits: Cow::Owned(builder.edits),
    }
}

/// Builds the prepared text, copying unchanged stretches of the source in one go.
struct Builder<'s> {
    source: &'s str,
    /// The source up to here is in `out` already.
    copied_to: usize,
    out: String,
    edits: Vec<Edit>,
}

impl Builder<'_> {
    fn replace(&mut self, source: (usize, usize), with: &str, technique: Option<Obfuscation>) {
        self.out.push_str(&self.source[self.copied_to..source.0]);
        let start = self.out.len();
        self.out.push_str(with);
        self.edits.push(Edit {
            prepared: (start, self.out.len()),
            source,
            technique,
        });
        self.copied_to = source.1;
    }

    fn finish(&mut self) -> String {
        self.out.push_str(&self.source[self.copied_to..]);
        self.copied_to = self.source.len();
        std::mem::take(&mut self.out)
    }

    /// `w h a t s a p p` → `whatsapp`: the characters are kept, the separators dropped.
    fn join_spaced(&mut self, start: usize, end: usize) {
        let separators: Vec<usize> = self.source[start..end]
            .char_indices()
            .filter(|&(_, c)| c == ' ' || c == '.')
            .map(|(offset, _)| start + offset)
            .collect();
        for position in separators {
            self.replace((position, position + 1), "", Some(Obfuscation::SpacedOut));
        }
    }

    /// One whitespace-free token: character-level rules, then look-alike folding when the
    /// token mixes Latin letters with letters of another script.
    fn token(&mut self, start: usize, end: usize) {
        let source = self.source;
        let token = &source[start..end];
        if token.is_ascii() {
            let may_be_dotted = token.len() >= 7 && token.as_bytes()[1] == b'.';
            if may_be_dotted && let Some(undotted) = undotted(token) {
                self.replace((start, end), &undotted, Some(Obfuscation::SpacedOut));
            }
            return;
        }
        let fold_lookalikes = mixes_latin_with_other_letters(token);
        let mut chars = token.char_indices().peekable();
        while let Some((offset, c)) = chars.next() {
            if c.is_ascii() && !c.is_ascii_digit() {
                continue;
            }
            let position = start + offset;
            let mut char_end = position + c.len_utf8();
            let replacement: Option<(Cow<'static, str>, Option<Obfuscation>)> = if is_invisible(c) {
                Some((Cow::Borrowed(""), Some(Obfuscation::ZeroWidth)))
            } else if c == '\u{FE0E}' || c == '\u{FE0F}' {
                Some((Cow::Borrowed(""), None))
            } else if let Some(digits) = keycap(c, &mut chars, &mut char_end, start) {
                Some((Cow::Owned(digits), Some(Obfuscation::Keycap)))
            } else if let Some(d) = native_digit(c) {
                Some((Cow::Owned(d.to_string()), None))
            } else if c.is_ascii() {
                None
            } else if let Some(folded) = compatibility_form(c) {
                // CJK writing uses full-width punctuation (`微信：`); only look-alike
                // letters, digits and at-signs are a way past filters.
                let evasive = folded
                    .chars()
                    .any(|f| f.is_ascii_alphanumeric() || f == '@');
                Some((
                    Cow::Owned(folded),
                    evasive.then_some(Obfuscation::FullWidth),
                ))
            } else if fold_lookalikes && let Some(latin) = latin_lookalike(c) {
                Some((Cow::Owned(latin.to_string()), Some(Obfuscation::Homoglyph)))
            } else {
                None
            };
            if let Some((with, technique)) = replacement {
                self.replace((position, char_end), &with, technique);
            }
        }
    }
}

/// Characters that render as nothing: zero-width spaces and joiners, word joiner, BOM,
/// soft hyphen, combining grapheme joiner, Mongolian vowel separator, bidi controls.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// A keycap emoji (`4️⃣` = `4`, U+FE0F, U+20E3) read as its digit; `🔟` as `10`.
fn keycap(
    c: char,
    rest: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    end: &mut usize,
    token_start: usize,
) -> Option<String> {
    if c == '\u{1F51F}' {
        return Some("10".to_owned());
    }
    if !c.is_ascii_digit() {
        return None;
    }
    let mut lookahead = rest.clone();
    if lookahead.peek().is_some_and(|&(_, n)| n == '\u{FE0F}') {
        lookahead.next();
    }
    let (offset, keycap) = lookahead.next()?;
    if keycap != '\u{20E3}' {
        return None;
    }
    *rest = lookahead;
    *end = token_start + offset + keycap.len_utf8();
    Some(c.to_string())
}

/// Decimal digits of other scripts, by their numeric value. Ordinary writing in Arabic,
/// Persian, Hindi, Bengali and Thai pages, so not an evasion.
fn native_digit(c: char) -> Option<u32> {
    let zero = match c {
        '\u{0660}'..='\u{0669}' => 0x0660,
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        '\u{0966}'..='\u{096F}' => 0x0966,
        '\u{09E6}'..='\u{09EF}' => 0x09E6,
        '\u{0E50}'..='\u{0E59}' => 0x0E50,
        _ => return None,
    };
    Some(c as u32 - zero)
}

/// The NFKC form of a compatibility character, when it is plain ASCII: full-width `５`,
/// mathematical `𝐣`, circled `⑨`, superscript `⁹`, small `﹫`. Other compatibility forms
/// (ligatures, Japanese half-width kana) are ordinary writing and stay.
fn compatibility_form(c: char) -> Option<String> {
    if !may_fold_to_ascii(c) || is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes {
        return None;
    }
    let folded: String = std::iter::once(c).nfkc().collect();
    (folded.is_ascii() && !folded.is_empty() && folded.chars().all(|f| f.is_ascii_graphic()))
        .then_some(folded)
}

/// The blocks holding every character whose compatibility form is ASCII: Latin-1
/// superscripts and ordinals, general punctuation to enclosed alphanumerics (superscripts,
/// letterlike symbols, circled digits), ligatures, small forms, full-width forms,
/// mathematical alphanumerics and enclosed alphanumeric supplement. Letters of other
/// scripts (Cyrillic, Greek, CJK, Arabic, Devanagari…) are outside them and skip NFKC.
fn may_fold_to_ascii(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}'..='\u{00BF}'
            | '\u{2000}'..='\u{24FF}'
            | '\u{3000}'..='\u{3000}'
            | '\u{FB00}'..='\u{FB06}'
            | '\u{FE50}'..='\u{FE6F}'
            | '\u{FF00}'..='\u{FFEF}'
            | '\u{1D400}'..='\u{1D7FF}'
            | '\u{1F100}'..='\u{1F1FF}'
    )
}

/// Whether a token mixes Latin letters with letters of another script (`gmаil.com` with a
/// Cyrillic `а`): a word wholly in Cyrillic or Greek is ordinary writing.
fn mixes_latin_with_other_letters(token: &str) -> bool {
    // Cheap on bytes: a Latin letter, and some non-ASCII character (the per-character
    // fold then decides which of those, if any, are look-alikes).
    token.bytes().any(|b| b.is_ascii_alphabetic()) && !token.is_ascii()
}

/// The Latin letter a look-alike letter of another script stands for, from the Unicode
/// confusables skeleton (UTS #39).
fn latin_lookalike(c: char) -> Option<char> {
    if !c.is_alphabetic() {
        return None;
    }
    let mut buffer = [0u8; 4];
    let mut skeleton = unicode_security::confusable_detection::skeleton(c.encode_utf8(&mut buffer));
    let first = skeleton.next()?;
    (skeleton.next().is_none() && first.is_ascii_alphanumeric()).then_some(first)
}

/// Whether a one-character word starts at `at` (the cheap test before [`spaced_run_end`]).
fn starts_single_character_word(source: &str, at: usize) -> bool {
    let bytes = source.as_bytes();
    if bytes[at] < 0x80 {
        return bytes[at].is_ascii_alphanumeric() && bytes.get(at + 1) == Some(&b' ');
    }
    let Some(c) = source[at..].chars().next() else {
        return false;
    };
    c.is_alphanumeric() && source.as_bytes().get(at + c.len_utf8()) == Some(&b' ')
}

/// Whether a spaced run is a counting sequence (`1 2 3 4 5 6 7 8 9 10` pagination, a
/// `0 1 2 … 10` rating scale) rather than a word or number spelled apart.
fn is_counting_sequence(run: &str) -> bool {
    let digits: Vec<u32> = run.split(' ').filter_map(|d| d.parse().ok()).collect();
    digits.len() >= MIN_SPACED_RUN && digits.windows(2).all(|w| w[1] == w[0] + 1)
}

/// Where a run of at least [`MIN_SPACED_RUN`] single characters separated by single spaces
/// starting at `start` ends, if one does (`w h a t s a p p`, `9 8 7 6 5 4 3 2 1 0`).
fn spaced_run_end(source: &str, start: usize) -> Option<usize> {
    let mut count = 0;
    let mut end = start;
    let mut chars = source[start..].char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        // Handles are spaced out with their underscores (`d a v i d e _ r e n d e r`).
        let in_run = c.is_alphanumeric() || c == '_';
        if !in_run {
            break;
        }
        let after = chars.peek().map(|&(_, n)| n);
        let next_is_char_then_space = match after {
            None => true,
            Some(' ') => true,
            Some(n) => !(n.is_alphanumeric() || n == '_'),
        };
        if !next_is_char_then_space {
            // The character is part of a longer word: the run ends before it.
            break;
        }
        count += 1;
        end = start + offset + c.len_utf8();
        if after == Some(' ') {
            chars.next();
            if chars.peek().is_some_and(|&(_, n)| n == ' ') {
                break;
            }
        } else {
            break;
        }
    }
    (count >= MIN_SPACED_RUN).then_some(end)
}

/// A token of single characters separated by dots (`t.e.l.e.g.r.a.m`, `j.a.n.e`), without
/// its dots; initials (`U.S.`, `e.g.`) are too short to count.
fn undotted(token: &str) -> Option<String> {
    let trimmed = token.trim_end_matches(['.', ':', ',']);
    let parts: Vec<&str> = trimmed.split('.').collect();
    let all_single = parts
        .iter()
        .all(|p| p.chars().count() == 1 && p.chars().all(char::is_alphanumeric));
    if parts.len() < MIN_SPACED_RUN || !all_single {
        return None;
    }
    Some(format!("{}{}", parts.concat(), &token[trimmed.len()..]))
}

/// A cheap test for the ASCII fast path: any single character followed by a space or dot
/// and another single character.
fn has_spaced_or_dotted_run(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(5).any(|w| {
        let single = |i: usize| w[i].is_ascii_alphanumeric();
        let sep = |i: usize| w[i] == b' ' || w[i] == b'.';
        single(0) && sep(1) && single(2) && sep(3) && single(4)
    }) && (spaced_run_anywhere(text)
        || text.split_ascii_whitespace().any(|t| undotted(t).is_some()))
}

fn spaced_run_anywhere(text: &str) -> bool {
    let bytes = text.as_bytes();
    (0..bytes.len()).any(|i| {
        (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\n')
            && spaced_run_end(text, i).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(text: &str) -> String {
        normalise(text).text.into_owned()
    }

    #[test]
    fn ascii_text_without_tricks_is_borrowed() {
        let n = normalise("Write to jane@studio.io, e.g. about U.S. projects.");
        assert!(matches!(n.text, Cow::Borrowed(_)));
        assert_eq!(n.source_span(3..7), 3..7);
    }

    #[test]
    fn invisible_characters_are_removed_and_mapped_back() {
        let source = "call +44\u{200B}20\u{00AD}7946 0958 now";
        let n = normalise(source);
        assert_eq!(n.text, "call +44207946 0958 now");
        let span = n.source_span(5..19);
        assert_eq!(&source[span], "+44\u{200B}20\u{00AD}7946 0958");
        assert_eq!(n.techniques_within(5..19), [Obfuscation::ZeroWidth]);
    }

    #[test]
    fn full_width_and_mathematical_forms_fold_to_ascii() {
        assert_eq!(prepared("ｊａｎｅ＠ｓｔｕｄｉｏ．ｉｏ"), "jane@studio.io");
        assert_eq!(prepared("＋４４ ２０"), "+44 20");
        assert_eq!(prepared("𝟗𝟖 ⑨"), "98 9");
        let n = normalise("ｊａｎｅ＠ｓｔｕｄｉｏ．ｉｏ");
        assert_eq!(
            n.techniques_within(0..n.text.len()),
            [Obfuscation::FullWidth]
        );
    }

    #[test]
    fn full_width_punctuation_of_cjk_writing_is_not_evasion() {
        let n = normalise("微信：lin_design（工作日）");
        assert_eq!(n.text, "微信:lin_design(工作日)");
        assert!(n.techniques_within(0..n.text.len()).is_empty());
    }

    #[test]
    fn keycap_digits_read_as_digits() {
        assert_eq!(prepared("4️⃣1️⃣5️⃣ 🔟"), "415 10");
        let n = normalise("tel 4️⃣1️⃣5️⃣");
        assert_eq!(n.techniques_within(4..7), [Obfuscation::Keycap]);
        assert_eq!(n.source_span(4..7), 4.."tel 4️⃣1️⃣5️⃣".len());
    }

    #[test]
    fn lookalikes_fold_only_inside_latin_words() {
        // Cyrillic а in gmail; a wholly Russian word stays as it is.
        assert_eq!(
            prepared("jane@gm\u{0430}il.com почта"),
            "jane@gmail.com почта"
        );
        let n = normalise("@j\u{0430}ne_design");
        assert_eq!(n.text, "@jane_design");
        assert_eq!(
            n.techniques_within(0..n.text.len()),
            [Obfuscation::Homoglyph]
        );
    }

    #[test]
    fn native_digits_are_digits_but_not_evasion() {
        let n = normalise("جوال ٠٥٥٨٤٢٧٣١٦");
        assert_eq!(n.text, "جوال 0558427316");
        assert!(n.techniques_within(0..n.text.len()).is_empty());
    }

    #[test]
    fn spaced_and_dotted_words_are_joined() {
        assert_eq!(prepared("w h a t s a p p: +44"), "whatsapp: +44");
        assert_eq!(
            prepared("call 9 8 7 6 5 4 3 2 1 0 today"),
            "call 9876543210 today"
        );
        assert_eq!(prepared("t.e.l.e.g.r.a.m: @jane"), "telegram: @jane");
        assert_eq!(
            prepared("plan A B C and e.g. U.S.A."),
            "plan A B C and e.g. U.S.A."
        );
    }

    #[test]
    fn spaced_handles_keep_their_underscores() {
        assert_eq!(
            prepared("tele gram ( @ d a v i d e _ r e n d e r ), li"),
            "tele gram ( @ davide_render ), li"
        );
    }

    #[test]
    fn spans_inside_joined_words_map_to_the_written_span() {
        let source = "w h a t s a p p: +44";
        let n = normalise(source);
        assert_eq!(&source[n.source_span(0..8)], "w h a t s a p p");
        assert_eq!(&source[n.source_span(10..13)], "+44");
    }

    proptest::proptest! {
        #[test]
        fn spans_map_back_inside_the_source_on_char_boundaries(
            source in "(\\PC|\u{200B}|\u{00AD}|４|а|\u{20E3}|\u{FE0F}| |\\.){0,60}",
            a in 0usize..400,
            b in 0usize..400,
        ) {
            let n = normalise(&source);
            let len = n.text.len();
            let (mut start, mut end) = (a.min(len), b.min(len));
            if start > end {
                std::mem::swap(&mut start, &mut end);
            }
            while !n.text.is_char_boundary(start) { start -= 1; }
            while !n.text.is_char_boundary(end) { end += 1; }
            let span = n.source_span(start..end);
            proptest::prop_assert!(span.start <= span.end && span.end <= source.len());
            proptest::prop_assert!(source.is_char_boundary(span.start) && source.is_char_boundary(span.end));
            let _ = n.techniques_within(start..end);
        }

        #[test]
        fn ascii_text_without_spaced_runs_is_unchanged(source in "[a-zA-Z0-9@.,:;()+ -]{0,80}") {
            let n = normalise(&source);
            if !has_spaced_or_dotted_run(&source) {
                proptest::prop_assert_eq!(n.text.as_ref(), source.as_str());
            }
        }
    }
}
