//! Every phrase of a ruleset in one Aho-Corasick automaton, run once over a page's text
//! folded for case and accents; hits come back as spans of the page's visible text.
//!
//! Phrase syntax: words as written (case, accents and Arabic letter variants do not
//! matter); a trailing `*` matches any word ending (`commission*`), a leading `*` any
//! word beginning (Arabic's attached `و`/`ب`: `*واتساب`); a leading `=` in a heading
//! rule means the whole heading; `@name` stands for a lexicon group; `@marketplace` for
//! every marketplace's names, `@competitor` for those of all but the home marketplace,
//! `@platform` for those plus the lexicon's generic words for "the platform".

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::ruleset::{Marketplace, Rule};

/// A ruleset that cannot be compiled: the rule at fault (an index) and why.
#[derive(Debug)]
pub(crate) struct CompileError {
    pub(crate) rule: Option<usize>,
    pub(crate) message: String,
}

/// Which part of the ruleset wants a phrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// A rule's `phrases` (`group` is `None`) or one of its `all_of` groups.
    Rule { rule: usize, group: Option<usize> },
    /// Names of channels, for "near a channel".
    Channel,
    /// Names of marketplaces.
    Platform,
    /// Words that negate what follows ("don't", "никогда не").
    Negator,
}

#[derive(Clone, Copy, Debug)]
struct Use {
    target: Target,
    open_left: bool,
    open_right: bool,
    whole_heading: bool,
}

/// A phrase found on the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    /// Span in the page's visible text.
    pub(crate) span: Range<usize>,
    /// Which phrase (for counting different phrases).
    pub(crate) phrase: usize,
    pub(crate) whole_heading: bool,
}

/// Everything the automaton found on one page, by who wants it.
#[derive(Debug, Default)]
pub(crate) struct Hits {
    /// Per rule: its phrase hits and its `all_of` group hits (`(group, hit)`).
    pub(crate) phrases: Vec<Vec<Hit>>,
    pub(crate) groups: Vec<Vec<(usize, Hit)>>,
    pub(crate) channel: Vec<Hit>,
    pub(crate) platform: Vec<Hit>,
    pub(crate) negator: Vec<Hit>,
}

/// The compiled phrases of a ruleset.
#[derive(Debug)]
pub(crate) struct Matcher {
    automaton: Option<AhoCorasick>,
    /// Per automaton pattern, everyone who wants it.
    uses: Vec<Vec<Use>>,
    rule_count: usize,
}

impl Matcher {
    pub(crate) fn compile(
        rules: &[Rule],
        lexicon: &BTreeMap<String, Vec<String>>,
        marketplaces: &[Marketplace],
        home: Option<&str>,
    ) -> Result<Matcher, CompileError> {
        let mut patterns: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut uses: Vec<Vec<Use>> = Vec::new();
        let names = |pick: &dyn Fn(&Marketplace) -> bool| -> Vec<String> {
            marketplaces
                .iter()
                .filter(|m| pick(m))
                .flat_map(|m| m.names.iter().cloned())
                .collect()
        };
        let every_marketplace = names(&|_| true);
        let competitors = names(&|m| Some(m.name.as_str()) != home);
        let mut platform_words = every_marketplace.clone();
        platform_words.extend(lexicon.get("platform").into_iter().flatten().cloned());
        let expand = |term: &str| -> Result<Vec<String>, String> {
            let Some(group) = term.strip_prefix('@') else {
                return Ok(vec![term.to_owned()]);
            };
            let terms = match group {
                "marketplace" => every_marketplace.clone(),
                "competitor" => competitors.clone(),
                "platform" => platform_words.clone(),
                _ => lexicon
                    .get(group)
                    .cloned()
                    .ok_or_else(|| format!("`@{group}`: no such lexicon group"))?,
            };
            if let Some(nested) = terms.iter().find(|t| t.starts_with('@')) {
                return Err(format!(
                    "lexicon group `{group}` refers to `{nested}`; groups cannot nest"
                ));
            }
            Ok(terms)
        };
        let mut add = |raw: &str, target: Target| -> Result<(), String> {
            let (term, mut with) = parse_term(raw)?;
            with.target = target;
            let id = *index.entry(term.clone()).or_insert_with(|| {
                patterns.push(term);
                uses.push(Vec::new());
                patterns.len() - 1
            });
            uses[id].push(with);
            Ok(())
        };
        let fail = |rule: Option<usize>| move |message: String| CompileError { rule, message };
        for (target, group) in [(Target::Channel, "channel"), (Target::Negator, "negator")] {
            for term in lexicon.get(group).into_iter().flatten() {
                add(term, target).map_err(fail(None))?;
            }
        }
        // Only names count as naming a marketplace: "the platform" alone is too common.
        for term in &every_marketplace {
            add(term, Target::Platform).map_err(fail(None))?;
        }
        for (i, rule) in rules.iter().enumerate() {
            for phrase in &rule.phrases {
                for term in expand(phrase).map_err(fail(Some(i)))? {
                    add(
                        &term,
                        Target::Rule {
                            rule: i,
                            group: None,
                        },
                    )
                    .map_err(fail(Some(i)))?;
                }
            }
            for (g, group) in rule.all_of.iter().enumerate() {
                for phrase in group {
                    for term in expand(phrase).map_err(fail(Some(i)))? {
                        add(
                            &term,
                            Target::Rule {
                                rule: i,
                                group: Some(g),
                            },
                        )
                        .map_err(fail(Some(i)))?;
                    }
                }
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    // Built once per ruleset and run over every page: search speed wins.
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .map_err(|e| CompileError {
                        rule: None,
                        message: format!("the phrases do not compile: {e}"),
                    })?,
            )
        };
        Ok(Matcher {
            automaton,
            uses,
            rule_count: rules.len(),
        })
    }

    /// Finds every phrase in `folded`; `to_source` maps a span of it to the page's text.
    pub(crate) fn find(
        &self,
        folded: &str,
        to_source: impl Fn(Range<usize>) -> Range<usize>,
    ) -> Hits {
        let mut hits = Hits {
            phrases: vec![Vec::new(); self.rule_count],
            groups: vec![Vec::new(); self.rule_count],
            ..Hits::default()
        };
        let Some(automaton) = &self.automaton else {
            return hits;
        };
        for m in automaton.find_overlapping_iter(folded) {
            let phrase = m.pattern().as_usize();
            let left_ok = !joins_word(folded, m.start(), true);
            let right_ok = !joins_word(folded, m.end(), false);
            let mut span = None;
            for with in &self.uses[phrase] {
                if !(left_ok || with.open_left) || !(right_ok || with.open_right) {
                    continue;
                }
                let span = span
                    .get_or_insert_with(|| to_source(m.start()..m.end()))
                    .clone();
                let hit = Hit {
                    span,
                    phrase,
                    whole_heading: with.whole_heading,
                };
                match with.target {
                    Target::Rule { rule, group: None } => hits.phrases[rule].push(hit),
                    Target::Rule {
                        rule,
                        group: Some(g),
                    } => hits.groups[rule].push((g, hit)),
                    Target::Channel => hits.channel.push(hit),
                    Target::Platform => hits.platform.push(hit),
                    Target::Negator => hits.negator.push(hit),
                }
            }
        }
        hits
    }

    /// Whether `text` names a marketplace anywhere (a chat pre-fill).
    pub(crate) fn names_platform(&self, text: &str) -> bool {
        let folded = fold(text);
        !self.find(&folded.text, |r| r).platform.is_empty()
    }
}

/// Splits a phrase into its folded text and how it may match.
fn parse_term(raw: &str) -> Result<(String, Use), String> {
    let mut term = raw.trim();
    let whole_heading = term.starts_with('=');
    term = term.trim_start_matches('=');
    let open_left = term.starts_with('*');
    let open_right = term.ends_with('*');
    term = term.trim_matches('*').trim();
    let folded = fold(term).text;
    let folded = folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if folded.is_empty() {
        return Err(format!("empty phrase `{raw}`"));
    }
    Ok((
        folded,
        Use {
            target: Target::Negator,
            open_left,
            open_right,
            whole_heading,
        },
    ))
}

/// Whether the characters either side of `at` are both letters of a spaced script, so a
/// match starting (or ending) there would cut a word.
fn joins_word(text: &str, at: usize, is_start: bool) -> bool {
    let before = text[..at].chars().next_back();
    let after = text[at..].chars().next();
    match (before, after) {
        (Some(b), Some(a)) => {
            let inner = if is_start { a } else { b };
            is_word_char(b) && is_word_char(a) && is_word_char(inner)
        }
        _ => false,
    }
}

/// Letters and digits of scripts written with spaces between words (in Chinese, Japanese
/// and Thai any character can start a word). Outside ASCII, anything that is not space,
/// punctuation or a symbol counts: a range test, since this runs on every character and
/// the Unicode property lookup dominated classification time.
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    !matches!(c as u32,
        0x80..=0xBF              // Latin-1 spaces, punctuation, signs
        | 0xD7 | 0xF7            // × ÷
        | 0x060C | 0x061B | 0x061F | 0x066A..=0x066D // Arabic punctuation
        | 0x0964 | 0x0965        // Devanagari danda
        | 0x1680 | 0x180E
        | 0x2000..=0x2BFF        // spaces, punctuation, symbols, arrows
        | 0x3000..=0x303F        // CJK punctuation
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65
        | 0xFFF0..=0xFFFF
        | 0x1F000..)             // emoji and other symbols
        && !is_unspaced(c)
}

/// A character of a script written without spaces (each counts as a word).
pub(crate) fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0E7F      // Thai
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF) // CJK compatibility ideographs
}

/// Text folded for matching, with the way back to the text it was folded from.
#[derive(Debug)]
pub(crate) struct Folded {
    pub(crate) text: String,
    /// `(folded, input)` offsets after each character whose length changed, in order.
    anchors: Vec<(usize, usize)>,
}

impl Folded {
    /// The offset in the input that `at` (in the folded text) came from.
    pub(crate) fn to_input(&self, at: usize) -> usize {
        let i = self.anchors.partition_point(|&(f, _)| f <= at);
        match i.checked_sub(1) {
            None => at,
            Some(i) => {
                let (f, input) = self.anchors[i];
                input + (at - f)
            }
        }
    }
}

/// Lowercases, removes accents and Arabic vowel marks and evens out letter variants, so a
/// phrase matches however the page writes it (`Comisión`/`comision`, `أ`/`ا`).
pub(crate) fn fold(input: &str) -> Folded {
    if input.is_ascii() {
        let text = input
            .bytes()
            .map(|b| match b {
                b'\n' | b'\t' | b'\r' => ' ',
                b'`' => '\'',
                _ => b.to_ascii_lowercase() as char,
            })
            .collect();
        return Folded {
            text,
            anchors: Vec::new(),
        };
    }
    let mut text = String::with_capacity(input.len());
    let mut anchors = Vec::new();
    for (at, c) in input.char_indices() {
        let before = text.len();
        fold_char(c, &mut text);
        if text.len() - before != c.len_utf8() {
            anchors.push((text.len(), at + c.len_utf8()));
        }
    }
    Folded { text, anchors }
}

fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(match c {
            '\n' | '\t' | '\r' => ' ',
            '`' => '\'',
            _ => c.to_ascii_lowercase(),
        });
        return;
    }
    match c {
        c if c.is_whitespace() => out.push(' '),
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{00B4}' => out.push('\''),
        'أ' | 'إ' | 'آ' | 'ٱ' => out.push('ا'),
        'ى' => out.push('ي'),
        'ة' => out.push('ه'),
        'ـ' => {}
        _ => {
            for lower in c.to_lowercase() {
                unicode_normalization::char::decompose_canonical(lower, |d| {
                    if !is_dropped_mark(d) {
                        out.push(d);
                    }
                });
            }
        }
    }
}

/// Accents, Arabic vowel marks and the Devanagari nukta: written or not, the word is the same.
fn is_dropped_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x064B..=0x065F | 0x0670 | 0x093C)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_case_accents_and_variants() {
        assert_eq!(fold("Comisión SIN Tarifa").text, "comision sin tarifa");
        assert_eq!(fold("Без Комиссии, ёлка").text, "без комиссии, елка");
        assert_eq!(fold("أُجرة").text, "اجره");
        assert_eq!(fold("l’équipe").text, "l'equipe");
    }

    #[test]
    fn folded_offsets_lead_back_to_the_input() {
        let input = "Tarifa único: évitez";
        let folded = fold(input);
        let at = folded.text.find("evitez").unwrap();
        assert_eq!(&input[folded.to_input(at)..], "évitez");
        let end = folded.text.find(':').unwrap();
        assert_eq!(&input[..folded.to_input(end)], "Tarifa único");
    }

    #[test]
    fn word_boundaries_hold_except_in_unspaced_scripts() {
        assert!(joins_word("feedback", 4, true));
        assert!(!joins_word("no fee here", 3, true));
        assert!(!joins_word("加微信详聊", 3, true));
    }
}
