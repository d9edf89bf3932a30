//! The ruleset: rules as data. Read from TOML (the built-in `rules/default.toml`, or a
//! file given with `--rules`, which may extend the default), checked whole, and compiled
//! once; a ruleset with any error is refused, never used in part.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::matcher::Matcher;

/// The ruleset compiled into the binary.
pub const DEFAULT_RULES: &str = include_str!("../../rules/default.toml");

/// How the built-in ruleset is named in messages.
const DEFAULT_NAME: &str = "rules/default.toml (built in)";

/// Why a ruleset was refused.
#[derive(Debug, thiserror::Error)]
pub enum RulesetError {
    #[error("cannot read ruleset {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file, the line (when known) and the rule (when one is at fault).
    #[error("{file}{}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default(),
        rule.as_ref().map(|r| format!(": rule {r}")).unwrap_or_default())]
    Invalid {
        file: String,
        line: Option<usize>,
        rule: Option<String>,
        message: String,
    },
}

/// What a rule is evidence of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Words that invite contact, payment or dealing off the platform.
    Solicitation,
    /// What the linked page is for: a channel, a link hub, a marketplace, a bare contact card.
    PagePurpose,
    /// How a channel is offered: hidden, obfuscated, several messengers, a booking CTA.
    Channel,
    /// Evidence that the page shows work.
    Showcase,
    /// Statements that keep dealing on the platform (they lower the score).
    Compliance,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Solicitation => "solicitation",
            RuleKind::PagePurpose => "page_purpose",
            RuleKind::Channel => "channel",
            RuleKind::Showcase => "showcase",
            RuleKind::Compliance => "compliance",
        }
    }

    /// Whether the rule's weight adds to the solicitation score.
    pub fn is_solicitation_side(self) -> bool {
        matches!(
            self,
            RuleKind::Solicitation | RuleKind::PagePurpose | RuleKind::Channel
        )
    }
}

/// How much one solicitation-side signal decides (policy §3b).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// Counts whether or not work is shown.
    Weak,
    /// Adds its weight to the score.
    Medium,
    /// One is enough: the page is flagged.
    Strong,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Strong => "strong",
            Grade::Medium => "medium",
            Grade::Weak => "weak",
        }
    }

    fn default_weight(self) -> i32 {
        match self {
            Grade::Strong => 3,
            Grade::Medium => 2,
            Grade::Weak => 1,
        }
    }
}

/// A fact about the page a rule can depend on, computed in code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detector {
    /// The page's URL, or a hop of its redirect chain, is a channel or payment link.
    PageUrlIsChannel,
    /// A channel is present and the showcase score is below `showcase_present`.
    BareContactPage,
    /// The page is on a link-hub host and lists a messenger, phone or booking entry.
    LinkHubWithChannel,
    /// The page's URL, or a hop, is a gig or profile on a marketplace other than the home one.
    MarketplacePage,
    /// A chat link's pre-filled text, or a mailto subject, names a marketplace.
    PrefilledTextNamesPlatform,
    /// A channel offered only in forms meant to slip past filters.
    FilterEvasion,
    /// A channel offered only in anti-harvest forms (Cloudflare, `[at]`, script-built).
    AntiHarvest,
    /// Three or more different messengers.
    ManyMessengers,
    /// A booking link near the top of the page or embedded in it.
    BookingCallToAction,
    /// Links to payment pages (PayPal.me, Wise, crypto URIs).
    PaymentLinks,
    /// The page is on a showcase host (Behance, Dribbble, GitHub…).
    ShowcaseHost,
    /// A link-hub page whose entries include two or more showcase hosts.
    LinkHubOfShowcases,
    /// Embedded work: players and embeds from work hosts, video or audio.
    EmbeddedWork,
    /// An image gallery described by alt texts or captions.
    CaptionedGallery,
    /// Three or more sections or cards, each a heading with an image.
    WorkItems,
    /// A link to the freelancer's own profile on the home marketplace.
    HomePlatformProfileLink,
}

impl Detector {
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// A page-level condition a rule can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// A marketplace or "the platform" is named somewhere on the page.
    PlatformNamed,
    /// Prices appear on the page (a currency with an amount).
    Prices,
    /// The showcase score is below `showcase_present`.
    NoShowcase,
}

/// Where on the page a rule's phrases count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// Visible text outside code blocks.
    #[default]
    Text,
    /// Headings (`h1`–`h6`) only.
    Heading,
}

/// The score settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    /// A solicitation score at or above this flags the page.
    pub threshold: i32,
    /// A showcase score at or above this means the page shows work.
    pub showcase_present: i32,
}

/// A marketplace: its names in text and its hosts.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Marketplace {
    pub name: String,
    /// Hosts (registrable domains) of the marketplace's pages.
    pub hosts: Vec<String>,
    /// How its name is written in text (phrase syntax; ambiguous names in domain form).
    pub names: Vec<String>,
    /// Path prefixes of freelancers' profile and gig pages.
    #[serde(default)]
    pub profile_paths: Vec<String>,
}

/// Host lists the detectors use.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Hosts {
    #[serde(default)]
    pub link_hubs: Vec<String>,
    #[serde(default)]
    pub showcase: Vec<String>,
    #[serde(default)]
    pub embeds: Vec<String>,
    #[serde(default)]
    pub payment: Vec<String>,
}

/// One rule as written in the file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    name: String,
    kind: RuleKind,
    grade: Option<Grade>,
    weight: Option<i32>,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    all_of: Vec<Vec<String>>,
    window: Option<usize>,
    paragraph_window: Option<usize>,
    section_window: Option<usize>,
    #[serde(default)]
    ordered: bool,
    #[serde(default)]
    regex: Vec<String>,
    detector: Option<Detector>,
    near_channel: Option<usize>,
    #[serde(default)]
    requires: Vec<Requirement>,
    #[serde(default)]
    within: Zone,
    min_distinct: Option<usize>,
    negatable: Option<bool>,
    explanation: String,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    counter_examples: Vec<String>,
}

/// A ruleset file as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesetFile {
    /// `"default"`: start from the built-in ruleset and change it.
    extends: Option<String>,
    /// Rule ids to leave out (of the extended ruleset).
    #[serde(default)]
    disable: Vec<String>,
    scoring: Option<Scoring>,
    home_platform: Option<String>,
    #[serde(default)]
    marketplace: Vec<Marketplace>,
    hosts: Option<Hosts>,
    #[serde(default)]
    lexicon: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    rule: Vec<Spanned<RuleFile>>,
}

/// A checked rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub kind: RuleKind,
    /// For solicitation-side rules.
    pub grade: Option<Grade>,
    /// Added to the solicitation or showcase score; negative for compliance.
    pub weight: i32,
    pub languages: Vec<String>,
    pub explanation: String,
    pub examples: Vec<String>,
    pub counter_examples: Vec<String>,
    pub(crate) phrases: Vec<String>,
    pub(crate) all_of: Vec<Vec<String>>,
    pub(crate) window: usize,
    /// Terms in the same paragraph may be this many words apart (0: only `window`), since
    /// a paragraph is one message however long its sentences (policy §3b "near").
    pub(crate) paragraph_window: usize,
    /// Terms under the same heading (the heading included) may be this many words apart:
    /// "Found me on Fiverr?" as a heading addresses the paragraphs below it.
    pub(crate) section_window: usize,
    /// The `all_of` groups must appear in the order written.
    pub(crate) ordered: bool,
    pub(crate) regexes: Vec<Regex>,
    pub(crate) detector: Option<Detector>,
    pub(crate) near_channel: Option<usize>,
    pub(crate) requires: Vec<Requirement>,
    pub within: Zone,
    pub(crate) min_distinct: usize,
    pub(crate) negatable: bool,
    /// Where the rule is written: `file:line`.
    pub origin: String,
}

impl Rule {
    /// Whether the rule reads the page's text (rather than only a detector's fact).
    pub fn has_patterns(&self) -> bool {
        !self.phrases.is_empty() || !self.all_of.is_empty() || !self.regexes.is_empty()
    }

    /// The conditions a match must meet, in words, for `rules ID` and the docs.
    pub fn conditions(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(detector) = self.detector {
            out.push(format!("detector `{}`", detector.as_str()));
        }
        if !self.all_of.is_empty() {
            let mut paragraph = String::new();
            if self.paragraph_window > self.window {
                paragraph = format!(" (or {} in the same paragraph)", self.paragraph_window);
            }
            if self.section_window > self.window.max(self.paragraph_window) {
                paragraph += &format!(" (or {} under the same heading)", self.section_window);
            }
            out.push(format!(
                "one term from each of {} groups within {} words{paragraph}{}",
                self.all_of.len(),
                self.window,
                if self.ordered { ", in that order" } else { "" }
            ));
        }
        if let Some(n) = self.near_channel {
            out.push(format!("within {n} words of a contact channel"));
        }
        for r in &self.requires {
            out.push(match r {
                Requirement::PlatformNamed => "a marketplace is named on the page".to_owned(),
                Requirement::Prices => "prices appear on the page".to_owned(),
                Requirement::NoShowcase => "the page shows no work".to_owned(),
            });
        }
        if self.within == Zone::Heading {
            out.push("in a heading".to_owned());
        }
        if self.min_distinct > 1 {
            out.push(format!("{} different phrases", self.min_distinct));
        }
        if self.negatable && self.has_patterns() {
            out.push("not negated, not in a compliance statement".to_owned());
        }
        out
    }
}

/// A checked, compiled ruleset.
#[derive(Debug)]
pub struct Ruleset {
    /// Where it came from, for messages.
    pub origin: String,
    pub scoring: Scoring,
    pub home_platform: Option<String>,
    pub marketplaces: Vec<Marketplace>,
    pub hosts: Hosts,
    pub rules: Vec<Rule>,
    /// A hash of the ruleset's text (and of the default one it extends): what a stored
    /// judgement was made under.
    pub fingerprint: u64,
    pub(crate) matcher: Matcher,
}

impl Ruleset {
    /// The built-in ruleset, compiled on first use.
    pub fn builtin() -> &'static Ruleset {
        static BUILTIN: OnceLock<Ruleset> = OnceLock::new();
        BUILTIN.get_or_init(|| match Ruleset::parse(DEFAULT_RULES, DEFAULT_NAME) {
            Ok(ruleset) => ruleset,
            // Not input: the file is part of the binary and a test compiles it.
            Err(e) => panic!("the built-in ruleset is invalid: {e}"),
        })
    }

    /// Reads a ruleset file.
    pub fn from_file(path: &Path) -> Result<Ruleset, RulesetError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesetError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Ruleset::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a ruleset written in TOML; `name` names it in errors.
    pub fn parse(text: &str, name: &str) -> Result<Ruleset, RulesetError> {
        let file = parse_file(text, name)?;
        let mut rules: Vec<(RuleFile, String, usize)> = Vec::new();
        let mut base = RulesetFile::default();
        match file.extends.as_deref() {
            None => {}
            Some("default") => {
                base = parse_file(DEFAULT_RULES, DEFAULT_NAME)?;
                for rule in std::mem::take(&mut base.rule) {
                    let line = line_of(DEFAULT_RULES, rule.span().start);
                    rules.push((rule.into_inner(), DEFAULT_NAME.to_owned(), line));
                }
            }
            Some(other) => {
                return Err(invalid(
                    name,
                    None,
                    None,
                    format!("`extends = \"{other}\"`: only \"default\" can be extended"),
                ));
            }
        }
        for id in &file.disable {
            let before = rules.len();
            rules.retain(|(r, _, _)| &r.id != id);
            if rules.len() == before {
                return Err(invalid(
                    name,
                    None,
                    Some(id),
                    "listed in `disable` but no such rule".to_owned(),
                ));
            }
        }
        let mut seen = HashSet::new();
        for rule in file.rule {
            let line = line_of(text, rule.span().start);
            let rule = rule.into_inner();
            if !seen.insert(rule.id.clone()) {
                return Err(invalid(
                    name,
                    Some(line),
                    Some(&rule.id),
                    "defined twice".to_owned(),
                ));
            }
            // A rule with an id the base already has replaces it.
            match rules.iter_mut().find(|(r, _, _)| r.id == rule.id) {
                Some(slot) => *slot = (rule, name.to_owned(), line),
                None => rules.push((rule, name.to_owned(), line)),
            }
        }
        let scoring = file
            .scoring
            .or(base.scoring)
            .ok_or_else(|| invalid(name, None, None, "missing the [scoring] table".to_owned()))?;
        let mut marketplaces = base.marketplace;
        for m in file.marketplace {
            match marketplaces.iter_mut().find(|b| b.name == m.name) {
                Some(slot) => *slot = m,
                None => marketplaces.push(m),
            }
        }
        let mut hosts = base.hosts.unwrap_or_default();
        if let Some(h) = file.hosts {
            for (mine, theirs) in [
                (&mut hosts.link_hubs, h.link_hubs),
                (&mut hosts.showcase, h.showcase),
                (&mut hosts.embeds, h.embeds),
                (&mut hosts.payment, h.payment),
            ] {
                if !theirs.is_empty() {
                    *mine = theirs;
                }
            }
        }
        let mut lexicon = base.lexicon;
        lexicon.extend(file.lexicon);
        let home_platform = file.home_platform.or(base.home_platform);
        if let Some(home) = &home_platform
            && !marketplaces.iter().any(|m| &m.name == home)
        {
            return Err(invalid(
                name,
                None,
                None,
                format!("home_platform \"{home}\" is not one of the [[marketplace]] names"),
            ));
        }
        if scoring.threshold <= 0 || scoring.showcase_present <= 0 {
            return Err(invalid(
                name,
                None,
                None,
                "scoring.threshold and scoring.showcase_present must be positive".to_owned(),
            ));
        }
        let rules = rules
            .into_iter()
            .map(|(rule, file, line)| check_rule(rule, &file, line))
            .collect::<Result<Vec<Rule>, RulesetError>>()?;
        let matcher = Matcher::compile(&rules, &lexicon, &marketplaces, home_platform.as_deref())
            .map_err(|e| {
            let rule = e.rule.and_then(|i| rules.get(i));
            let (file, line) = match rule.and_then(|r| r.origin.rsplit_once(':')) {
                Some((file, line)) => (file.to_owned(), line.parse().ok()),
                None => (name.to_owned(), None),
            };
            RulesetError::Invalid {
                file,
                line,
                rule: rule.map(|r| r.id.clone()),
                message: e.message,
            }
        })?;
        let mut fingerprint = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
        if file.extends.is_some() {
            fingerprint ^= xxhash_rust::xxh3::xxh3_64(DEFAULT_RULES.as_bytes()).rotate_left(1);
        }
        Ok(Ruleset {
            origin: name.to_owned(),
            scoring,
            home_platform,
            marketplaces,
            hosts,
            rules,
            fingerprint,
            matcher,
        })
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }
}

fn parse_file(text: &str, name: &str) -> Result<RulesetFile, RulesetError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        // Name the rule the error sits in, when it is inside one.
        let rule = line.and_then(|l| rule_id_around(text, l));
        invalid(name, line, rule.as_deref(), e.message().trim().to_owned())
    })
}

/// The id of the `[[rule]]` table that contains `line`, read from the text.
fn rule_id_around(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let upto = line.min(lines.len());
    let start = (0..upto).rev().find(|&i| lines[i].trim() == "[[rule]]")?;
    lines[start..]
        .iter()
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "id").then(|| value.trim().trim_matches('"').to_owned())
        })
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn invalid(file: &str, line: Option<usize>, rule: Option<&str>, message: String) -> RulesetError {
    RulesetError::Invalid {
        file: file.to_owned(),
        line,
        rule: rule.map(str::to_owned),
        message,
    }
}

/// Checks one rule and gives it its defaults.
fn check_rule(rule: RuleFile, file: &str, line: usize) -> Result<Rule, RulesetError> {
    let fail = |message: String| invalid(file, Some(line), Some(&rule.id), message);
    let id_ok = {
        let letters = rule.id.bytes().take_while(u8::is_ascii_uppercase).count();
        let digits = &rule.id[letters..];
        (2..=8).contains(&letters)
            && digits.len() == 3
            && digits.bytes().all(|b| b.is_ascii_digit())
    };
    if !id_ok {
        return Err(fail(
            "ids are 2–8 capital letters and three digits (`SOL010`)".to_owned(),
        ));
    }
    if rule.name.trim().is_empty() || rule.explanation.trim().is_empty() {
        return Err(fail("needs a name and an explanation".to_owned()));
    }
    let weight = match (rule.kind, rule.grade, rule.weight) {
        (kind, Some(grade), weight) if kind.is_solicitation_side() => {
            let weight = weight.unwrap_or(grade.default_weight());
            if weight <= 0 {
                return Err(fail(
                    "a solicitation-side weight must be positive".to_owned(),
                ));
            }
            weight
        }
        (kind, None, _) if kind.is_solicitation_side() => {
            return Err(fail(format!(
                "a {} rule needs a grade (strong, medium or weak)",
                kind.as_str()
            )));
        }
        (_, Some(_), _) => {
            return Err(fail("only solicitation-side rules have a grade".to_owned()));
        }
        (RuleKind::Compliance, None, Some(w)) if w < 0 => w,
        (RuleKind::Compliance, None, _) => {
            return Err(fail("a compliance rule needs a negative weight".to_owned()));
        }
        (_, None, Some(w)) if w != 0 => w,
        (_, None, _) => return Err(fail("a showcase rule needs a non-zero weight".to_owned())),
    };
    let has_patterns =
        !rule.phrases.is_empty() || !rule.all_of.is_empty() || !rule.regex.is_empty();
    if !has_patterns && rule.detector.is_none() {
        return Err(fail(
            "needs phrases, all_of, regex or a detector".to_owned(),
        ));
    }
    if rule.all_of.iter().any(Vec::is_empty) || rule.all_of.len() == 1 {
        return Err(fail(
            "all_of needs two or more non-empty groups (use phrases for one)".to_owned(),
        ));
    }
    let regexes = rule
        .regex
        .iter()
        .map(|r| {
            regex::RegexBuilder::new(r)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| fail(format!("regex `{r}`: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let negatable = rule
        .negatable
        .unwrap_or(rule.kind == RuleKind::Solicitation);
    Ok(Rule {
        origin: format!("{file}:{line}"),
        weight,
        grade: rule.grade,
        kind: rule.kind,
        languages: rule.languages,
        phrases: rule.phrases,
        all_of: rule.all_of,
        window: rule.window.unwrap_or(8),
        paragraph_window: rule.paragraph_window.unwrap_or(0),
        section_window: rule.section_window.unwrap_or(0),
        ordered: rule.ordered,
        regexes,
        detector: rule.detector,
        near_channel: rule.near_channel,
        requires: rule.requires,
        within: rule.within,
        min_distinct: rule.min_distinct.unwrap_or(1).max(1),
        negatable,
        explanation: rule.explanation.trim().to_owned(),
        examples: rule.examples,
        counter_examples: rule.counter_examples,
        id: rule.id,
        name: rule.name,
    })
}
