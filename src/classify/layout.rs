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
        self.headings
            .get(i)
            .filter(|h| h.start <= span.start && span.end <= h.end)
            .cloned()
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
