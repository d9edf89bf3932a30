//! Where things sit in a page's visible text: words (to measure "within N words"),
//! sentences (the scope of a negation or a compliance statement), headings and code.

use std::ops::Range;

use super::matcher::{is_unspaced, is_word_char};
use crate::extract::Outline;

/// Word and sentence positions of one page's visible text.
pub(crate) struct Layout<'a> {
    word_starts: Vec<usize>,
    sentence_breaks: Vec<usize>,
    /// Line ends: extraction ends every block element (paragraph, list item, cell) with one.
    paragraph_breaks: Vec<usize>,
    headings: &'a [Range<usize>],
    code_blocks: &'a [Range<usize>],
    text: &'a str,
}

impl<'a> Layout<'a> {
    pub(crate) fn new(text: &'a str, outline: &'a Outline) -> Self {
        let mut word_starts = Vec::new();
        let mut sentence_breaks = Vec::new();
        let mut paragraph_breaks = Vec::new();
        let mut previous_is_word = false;
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let is_word = is_word_char(c);
            // Each character of an unspaced script (Chinese) counts as a word.
            if (is_word && !previous_is_word) || (!is_word && !c.is_ascii() && is_unspaced(c)) {
                word_starts.push(at);
            }
            previous_is_word = is_word;
            let ends_sentence = match c {
                '\n' | '。' | '！' | '？' | '؟' | '।' => true,
                '.' | '!' | '?' | ';' => chars.peek().is_none_or(|&(_, next)| next.is_whitespace()),
                _ => false,
            };
            if ends_sentence {
                sentence_breaks.push(at + c.len_utf8());
            }
            if c == '\n' {
                paragraph_breaks.push(at + 1);
            }
        }
        Layout {
            word_starts,
            sentence_breaks,
            paragraph_breaks,
            headings: &outline.headings,
            code_blocks: &outline.code_blocks,
            text,
        }
    }

    /// The number of the word at (or before) `offset`.
    pub(crate) fn word_at(&self, offset: usize) -> usize {
        self.word_starts.partition_point(|&s| s <= offset)
    }

    /// How many words apart two offsets are.
    pub(crate) fn words_apart(&self, a: usize, b: usize) -> usize {
        self.word_at(a).abs_diff(self.word_at(b))
    }

    /// Whether two offsets are in the same paragraph (block element) of the page.
    pub(crate) fn same_paragraph(&self, a: usize, b: usize) -> bool {
        self.paragraph_breaks.partition_point(|&p| p <= a)
            == self.paragraph_breaks.partition_point(|&p| p <= b)
    }

    /// Whether two offsets are under the same heading (or both before the first).
    pub(crate) fn same_section(&self, a: usize, b: usize) -> bool {
        self.headings.partition_point(|h| h.start <= a)
            == self.headings.partition_point(|h| h.start <= b)
    }

    /// The number of the sentence `offset` is in.
    pub(crate) fn sentence_at(&self, offset: usize) -> usize {
        self.sentence_breaks.partition_point(|&s| s <= offset)
    }

    /// The heading `span` lies in, if any.
    pub(crate) fn heading_around(&self, span: &Range<usize>) -> Option<Range<usize>> {
        let i = self.headings.partition_point(|h| h.end < span.end);
        let real = self
            .headings
            .get(i)
            .filter(|h| h.start <= span.start && span.end <= h.end)
            .cloned();
        // Documents exported from Google Docs or Notion style their section titles
        // ("Experience", "Опыт") as short paragraphs, not heading elements: on a page with
        // at most one heading element, a short line of its own is read as a heading.
        real.or_else(|| (self.headings.len() <= 1).then(|| self.short_line_around(span))?)
    }

    /// The line (paragraph) around `span` when it is short enough to be a title: at most
    /// five words and 48 bytes, not ending like a sentence.
    fn short_line_around(&self, span: &Range<usize>) -> Option<Range<usize>> {
        let start = self
            .paragraph_breaks
            .partition_point(|&p| p <= span.start)
            .checked_sub(1)
            .map_or(0, |i| self.paragraph_breaks[i]);
        let end = self
            .paragraph_breaks
            .get(self.paragraph_breaks.partition_point(|&p| p <= span.start))
            .map_or(self.text.len(), |&p| p - 1);
        let line = self.text.get(start..end)?.trim();
        let short = line.len() <= 48
            && line.split_whitespace().count() <= 5
            && !line.ends_with(['.', '!', '?', '。', ':']);
        // A title stands next to prose; a menu item stands among other short items.
        let prose = |line: Option<&str>| {
            line.is_some_and(|l| l.split_whitespace().count() > 8 || l.chars().count() > 40)
        };
        let before = self
            .text
            .get(..start.saturating_sub(1))
            .map(|t| t.rsplit('\n').next().unwrap_or(""));
        let after = self
            .text
            .get((end + 1).min(self.text.len())..)
            .map(|t| t.split('\n').next().unwrap_or(""));
        let beside_prose = prose(before) || prose(after);
        (short && beside_prose && span.end <= end).then_some(start..end)
    }

    /// Whether `span` is exactly a heading's text (give or take spaces and punctuation).
    pub(crate) fn is_whole_heading(&self, span: &Range<usize>) -> bool {
        self.heading_around(span).is_some_and(|h| {
            let rest = |s: &str| s.chars().all(|c| !c.is_alphanumeric());
            rest(&self.text[h.start..span.start]) && rest(&self.text[span.end..h.end])
        })
    }

    /// Whether `span` lies in a `pre` or `code` block.
    pub(crate) fn in_code(&self, span: &Range<usize>) -> bool {
        let i = self.code_blocks.partition_point(|c| c.end < span.end);
        self.code_blocks
            .get(i)
            .is_some_and(|c| c.start <= span.start && span.end <= c.end)
    }
}
