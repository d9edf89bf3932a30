//! The verdict on a page: the rules of a [`Ruleset`] fire on what extraction found and on
//! the page's text, and their weights add up to a solicitation score and a showcase score
//! (policy §4.1; the procedure is documented in `docs/rules.md`).
//!
//! Order: compliance statements first (they neutralise solicitation phrases in their
//! sentence), then showcase evidence (some rules ask whether the page shows work), then
//! the solicitation side; then the verdict.

mod detect;
mod layout;
mod matcher;
mod reference;
mod ruleset;

use std::ops::Range;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::extract::{Contact, ContactKind, Extraction, Source};
use detect::{Finding, PageFacts};
use layout::Layout;
use matcher::{Hit, Hits, fold};
pub use reference::{rule_reference, rules_markdown, rules_table};
pub use ruleset::{
    DEFAULT_RULES, Detector, Grade, Marketplace, Requirement, Rule, RuleKind, Ruleset,
    RulesetError, Scoring, Zone,
};

/// The three labels of the policy (`shared/docs/policy.md` §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No way to reach the freelancer directly (social profiles do not count).
    NoContact,
    /// Shows work and also gives contact details: allowed.
    ShowcaseWithContact,
    /// Used to communicate or deal off-platform: flagged.
    Solicitation,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [
        Verdict::NoContact,
        Verdict::ShowcaseWithContact,
        Verdict::Solicitation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NoContact => "no_contact",
            Verdict::ShowcaseWithContact => "showcase_with_contact",
            Verdict::Solicitation => "solicitation",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The contact a signal is nearest to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearContact {
    pub kind: ContactKind,
    pub value: String,
    /// Words between the signal and the contact.
    pub words: usize,
}

/// A rule that fired, with what made it fire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    /// Stable rule id (`SOL010`), as in `docs/rules.md`.
    pub rule: String,
    pub name: String,
    pub kind: RuleKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// Negative for compliance rules.
    pub weight: i32,
    /// Whether the weight went into the score: a weak signal on a page that shows work
    /// fires but does not count.
    pub counted: bool,
    /// The text that matched, as written on the page, or what a detector found.
    pub matched: String,
    /// Byte offset of the match in the page's visible text (absent for facts about the
    /// page as a whole, such as its URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// The nearest contact channel in the text, when the page has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub near: Option<NearContact>,
    /// The sentence around the match.
    pub evidence: String,
}

/// The two scores and the thresholds they were held against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub solicitation: i32,
    pub showcase: i32,
    pub threshold: i32,
    pub showcase_present: i32,
}

/// The verdict on a page and the signals behind it, strongest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub verdict: Verdict,
    pub score: Score,
    pub signals: Vec<Signal>,
}

/// Judges a page: `hops` is its redirect chain ending with its own URL.
pub fn assess(ruleset: &Ruleset, hops: &[Url], extraction: &Extraction) -> Assessment {
    let text = &extraction.text;
    let prepared = extraction.prepared();
    let folded = fold(&prepared.text);
    let hits = ruleset.matcher.find(&folded.text, |span| {
        prepared.source_span(folded.to_input(span.start)..folded.to_input(span.end))
    });
    let layout = Layout::new(text, &extraction.outline);
    let channel_places: Vec<(usize, &Contact)> = extraction
        .contacts
        .iter()
        .filter(|c| c.kind.is_channel())
        .flat_map(|c| {
            c.places()
                .iter()
                .filter(|p| !matches!(p.source, Source::PageUrl | Source::JsonLd | Source::Script))
                .map(move |p| (p.offset, c))
        })
        .collect();
    let mut judge = Judge {
        ruleset,
        text,
        folded: &folded,
        prepared: &prepared,
        hits: &hits,
        layout: &layout,
        channel_places,
        facts: PageFacts {
            hops: hops.iter().collect(),
            extraction,
            ruleset,
            showcase: 0,
        },
        platform_named: !hits.platform.is_empty(),
        prices: detect::shows_prices(text),
        compliance_sentences: Vec::new(),
    };

    let mut signals: Vec<Signal> = Vec::new();
    for kind in [RuleKind::Compliance, RuleKind::Showcase] {
        for (index, rule) in ruleset
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == kind)
        {
            if let Some((signal, matches)) = judge.fire_with_matches(index, rule) {
                signals.push(signal);
                if kind == RuleKind::Compliance {
                    // Every compliance statement on the page neutralises its sentence, not
                    // only the first one the signal shows.
                    let sentences = matches.iter().map(|c| layout.sentence_at(c.span.start));
                    judge.compliance_sentences.extend(sentences);
                }
            }
        }
    }
    let showcase: i32 = signals
        .iter()
        .filter(|s| s.kind == RuleKind::Showcase)
        .map(|s| s.weight)
        .sum::<i32>()
        .max(0);
    judge.facts.showcase = showcase;
    let shows_work = showcase >= ruleset.scoring.showcase_present;
    for (index, rule) in ruleset
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind.is_solicitation_side())
    {
        if let Some(mut signal) = judge.fire(index, rule) {
            signal.counted = rule.grade != Some(Grade::Weak) || !shows_work;
            signals.push(signal);
        }
    }

    let fired = |grade: Grade| {
        signals
            .iter()
            .filter(move |s| s.kind.is_solicitation_side() && s.counted && s.grade == Some(grade))
    };
    let strong: i32 = fired(Grade::Strong).map(|s| s.weight).sum();
    let lesser: i32 = fired(Grade::Medium)
        .chain(fired(Grade::Weak))
        .map(|s| s.weight)
        .sum();
    let compliance: i32 = signals
        .iter()
        .filter(|s| s.kind == RuleKind::Compliance)
        .map(|s| -s.weight)
        .sum();
    let solicitation = strong + (lesser - compliance).max(0);
    let decisive_purpose = fired(Grade::Strong).any(|s| s.kind == RuleKind::PagePurpose);
    let strong_words = fired(Grade::Strong).any(|s| s.kind == RuleKind::Solicitation);
    // A strong phrase is solicitation "once a channel is present or pointed to" (policy
    // §3b): a social profile it points at is a channel (B16), and so is a channel it names
    // ("WA: …", "Telegram") whose handle is written in a way extraction could not read.
    let has_channel = extraction.contacts.iter().any(|c| c.kind.is_channel())
        || (strong_words && (!extraction.contacts.is_empty() || !judge.hits.channel.is_empty()));
    let verdict = if decisive_purpose {
        Verdict::Solicitation
    } else if !has_channel {
        Verdict::NoContact
    } else if strong > 0 || solicitation >= ruleset.scoring.threshold {
        Verdict::Solicitation
    } else {
        Verdict::ShowcaseWithContact
    };
    signals.sort_by_key(|s| (!s.counted, -s.weight.abs(), s.offset.unwrap_or(0)));
    Assessment {
        verdict,
        score: Score {
            solicitation,
            showcase,
            threshold: ruleset.scoring.threshold,
            showcase_present: ruleset.scoring.showcase_present,
        },
        signals,
    }
}

/// A span of text that may fire a rule, and the phrases that made it.
struct Candidate {
    span: Range<usize>,
    phrases: Vec<usize>,
}

/// Everything the rules are judged against on one page.
struct Judge<'a> {
    ruleset: &'a Ruleset,
    text: &'a str,
    folded: &'a matcher::Folded,
    prepared: &'a crate::extract::Normalised<'a>,
    hits: &'a Hits,
    layout: &'a Layout<'a>,
    /// Offsets of the places of counting channels (not social profiles).
    channel_places: Vec<(usize, &'a Contact)>,
    facts: PageFacts<'a>,
    platform_named: bool,
    prices: bool,
    /// Sentences holding a compliance statement.
    compliance_sentences: Vec<usize>,
}

impl Judge<'_> {
    /// The rule's signal, if it fires on this page.
    fn fire(&self, index: usize, rule: &Rule) -> Option<Signal> {
        self.fire_with_matches(index, rule)
            .map(|(signal, _)| signal)
    }

    /// The rule's signal and every match that qualified (none for a detector's signal).
    fn fire_with_matches(&self, index: usize, rule: &Rule) -> Option<(Signal, Vec<Candidate>)> {
        let requirements_hold = rule.requires.iter().all(|r| match r {
            Requirement::PlatformNamed => self.platform_named,
            Requirement::Prices => self.prices,
            Requirement::NoShowcase => self.facts.showcase < self.ruleset.scoring.showcase_present,
        });
        if !requirements_hold {
            return None;
        }
        if let Some(finding) = rule.detector.and_then(|d| self.facts.detect(d)) {
            return Some((self.signal(rule, finding), Vec::new()));
        }
        if !rule.has_patterns() {
            return None;
        }
        let candidates: Vec<Candidate> = self
            .candidates(index, rule)
            .into_iter()
            .filter(|c| self.qualifies(rule, c))
            .collect();
        let mut distinct: Vec<usize> = candidates
            .iter()
            .flat_map(|c| c.phrases.iter().copied())
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < rule.min_distinct {
            return None;
        }
        let first = candidates.first()?;
        let finding = Finding {
            matched: self.text[first.span.clone()].trim().to_owned(),
            offset: Some(first.span.start),
        };
        Some((self.signal(rule, finding), candidates))
    }

    /// Every span of the page matching the rule's phrases, `all_of` groups or regexes, in
    /// text order.
    fn candidates(&self, index: usize, rule: &Rule) -> Vec<Candidate> {
        let mut out: Vec<Candidate> = self.hits.phrases[index]
            .iter()
            .filter(|h| !h.whole_heading || self.layout.is_whole_heading(&h.span))
            .map(|h| Candidate {
                span: h.span.clone(),
                phrases: vec![h.phrase],
            })
            .collect();
        if !rule.all_of.is_empty() {
            out.extend(self.co_occurrences(index, rule));
        }
        for (r, regex) in rule.regexes.iter().enumerate() {
            for m in regex.find_iter(&self.folded.text) {
                let span = self
                    .prepared
                    .source_span(self.folded.to_input(m.start())..self.folded.to_input(m.end()));
                out.push(Candidate {
                    span,
                    phrases: vec![usize::MAX - r],
                });
            }
        }
        out.sort_by_key(|c| c.span.start);
        out
    }

    /// Spans where a term of every `all_of` group appears within the rule's window.
    fn co_occurrences(&self, index: usize, rule: &Rule) -> Vec<Candidate> {
        let groups = &self.hits.groups[index];
        let of_group = |g: usize| {
            groups
                .iter()
                .filter(move |(group, _)| *group == g)
                .map(|(_, h)| h)
        };
        let mut out = Vec::new();
        for anchor in of_group(0) {
            let mut span = anchor.span.clone();
            let mut phrases = vec![anchor.phrase];
            let complete = (1..rule.all_of.len()).all(|g| {
                let nearest: Option<&Hit> = of_group(g)
                    .filter(|h| {
                        // Terms of different groups must be different words on the page.
                        let overlaps =
                            h.span.start < anchor.span.end && anchor.span.start < h.span.end;
                        let apart = self.layout.words_apart(h.span.start, anchor.span.start);
                        let near = apart <= rule.window
                            || (apart <= rule.paragraph_window
                                && self.layout.same_paragraph(h.span.start, anchor.span.start))
                            || (apart <= rule.section_window
                                && self.layout.same_section(h.span.start, anchor.span.start));
                        !overlaps && (!rule.ordered || h.span.start >= anchor.span.end) && near
                    })
                    .min_by_key(|h| self.layout.words_apart(h.span.start, anchor.span.start));
                match nearest {
                    Some(h) => {
                        span = span.start.min(h.span.start)..span.end.max(h.span.end);
                        phrases.push(h.phrase);
                        true
                    }
                    None => false,
                }
            });
            if complete {
                out.push(Candidate { span, phrases });
            }
        }
        out
    }

    /// Whether a candidate meets the rule's zone, negation and nearness conditions.
    fn qualifies(&self, rule: &Rule, candidate: &Candidate) -> bool {
        let span = &candidate.span;
        let in_zone = match rule.within {
            Zone::Text => !self.layout.in_code(span),
            Zone::Heading => self.layout.heading_around(span).is_some(),
        };
        if !in_zone {
            return false;
        }
        if rule.negatable && self.negated(span) {
            return false;
        }
        match rule.near_channel {
            None => true,
            Some(words) => {
                let near = |offset: usize| {
                    self.layout.words_apart(offset, span.start) <= words
                        || self.layout.words_apart(offset, span.end) <= words
                };
                self.channel_places.iter().any(|&(o, _)| near(o))
                    || self.hits.channel.iter().any(|h| near(h.span.start))
            }
        }
    }

    /// Whether a negator comes just before the span in its sentence, or a sentence the span
    /// covers is a compliance statement ("I don't work outside Fiverr", "only through
    /// Upwork"): a paragraph that says to stay on the platform is not an invitation to leave.
    fn negated(&self, span: &Range<usize>) -> bool {
        let sentence = self.layout.sentence_at(span.start);
        let last = self
            .layout
            .sentence_at(span.end.saturating_sub(1))
            .max(sentence);
        if (sentence..=last).any(|s| self.compliance_sentences.contains(&s)) {
            return true;
        }
        self.hits.negator.iter().any(|n| {
            n.span.end <= span.start
                && self.layout.sentence_at(n.span.start) == sentence
                && self.layout.words_apart(n.span.end, span.start) <= 3
        })
    }

    fn signal(&self, rule: &Rule, finding: Finding) -> Signal {
        let near = finding.offset.and_then(|offset| {
            self.channel_places
                .iter()
                .min_by_key(|(o, _)| self.layout.words_apart(*o, offset))
                .map(|&(o, contact)| NearContact {
                    kind: contact.kind,
                    value: contact.value.clone(),
                    words: self.layout.words_apart(o, offset),
                })
        });
        let evidence = match finding.offset {
            Some(offset) => crate::extract::context_window(
                self.text,
                offset,
                offset
                    + finding
                        .matched
                        .len()
                        .min(self.text.len().saturating_sub(offset)),
            ),
            None => finding.matched.clone(),
        };
        Signal {
            rule: rule.id.clone(),
            name: rule.name.clone(),
            kind: rule.kind,
            grade: rule.grade,
            weight: rule.weight,
            counted: true,
            matched: finding.matched,
            offset: finding.offset,
            near,
            evidence,
        }
    }
}
