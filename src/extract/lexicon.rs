//! One search over prepared prose for every word list the finders key on: messenger
//! labels, number words, the words for `@` and `.`, and channel hosts. The finders then
//! read only around their hits; one automaton pass instead of four keeps the page's text
//! from being walked once per list.

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::{email, link, messenger, numerals};

/// Which list a pattern came from.
#[derive(Clone, Copy)]
enum List {
    /// A messenger label, with its index in the messenger's label table.
    Label(usize),
    Number,
    AtOrDot,
    Host,
}

/// Where each list's words occur in one text. Within a list, hits do not overlap: at each
/// place the longest word wins, as a leftmost-longest search would give.
#[derive(Debug, Default)]
pub(crate) struct Hits {
    /// Label hits with their index in the messenger's label table.
    pub(crate) labels: Vec<(Range<usize>, usize)>,
    pub(crate) numbers: Vec<Range<usize>>,
    pub(crate) at_or_dot: bool,
    pub(crate) hosts: Vec<Range<usize>>,
}

static LEXICON: LazyLock<(AhoCorasick, Vec<List>)> = LazyLock::new(|| {
    let mut patterns: Vec<String> = Vec::new();
    let mut lists: Vec<List> = Vec::new();
    for (word, index) in messenger::label_words() {
        patterns.push(word.to_owned());
        lists.push(List::Label(index));
    }
    for word in numerals::searched_words() {
        patterns.push(word);
        lists.push(List::Number);
    }
    for word in email::SPELLED_HINT_WORDS {
        patterns.push((*word).to_owned());
        lists.push(List::AtOrDot);
    }
    for host in link::channel_host_prefixes() {
        patterns.push(host);
        lists.push(List::Host);
    }
    let automaton = AhoCorasick::builder()
        // A full DFA: more memory, once, for the fastest scan of every page.
        .kind(Some(AhoCorasickKind::DFA))
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&patterns)
        .expect("static automaton");
    (automaton, lists)
});

/// Every list's hits in `text`, in one pass.
pub(crate) fn find(text: &str) -> Hits {
    let (automaton, lists) = &*LEXICON;
    let mut hits = Hits::default();
    for m in automaton.find_overlapping_iter(text) {
        let span = m.start()..m.end();
        match lists[m.pattern().as_usize()] {
            List::Label(index) => hits.labels.push((span, index)),
            List::Number => hits.numbers.push(span),
            List::AtOrDot => hits.at_or_dot = true,
            List::Host => hits.hosts.push(span),
        }
    }
    hits.labels = leftmost_longest(hits.labels, |(span, _)| span.clone());
    hits.numbers = leftmost_longest(hits.numbers, Range::clone);
    hits.hosts = leftmost_longest(hits.hosts, Range::clone);
    hits
}

/// Keeps, from overlapping hits, the one starting first and, among those, the longest.
fn leftmost_longest<T>(mut hits: Vec<T>, span: impl Fn(&T) -> Range<usize>) -> Vec<T> {
    hits.sort_by(|a, b| {
        let (a, b) = (span(a), span(b));
        a.start.cmp(&b.start).then(b.end.cmp(&a.end))
    });
    let mut kept: Vec<T> = Vec::with_capacity(hits.len());
    let mut covered_to = 0;
    for hit in hits {
        let s = span(&hit);
        if s.start >= covered_to {
            covered_to = s.end;
            kept.push(hit);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_finds_every_list() {
        let text = "WhatsApp: nueve uno dos · t.me/jane · ana arroba mail punto es";
        let hits = find(text);
        let labels: Vec<&str> = hits.labels.iter().map(|(s, _)| &text[s.clone()]).collect();
        assert_eq!(labels, ["WhatsApp"]);
        let numbers: Vec<&str> = hits.numbers.iter().map(|s| &text[s.clone()]).collect();
        assert_eq!(numbers, ["nueve", "uno", "dos"]);
        assert!(hits.at_or_dot);
        let hosts: Vec<&str> = hits.hosts.iter().map(|s| &text[s.clone()]).collect();
        assert_eq!(hosts, ["t.me/"]);
    }
}
