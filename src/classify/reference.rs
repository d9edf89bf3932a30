//! The ruleset written out for people: the `rules` listing, one rule's explanation
//! (`rules SOL004`), and `docs/rules.md`, all from the same data.

use std::fmt::Write;

use super::ruleset::{Rule, RuleKind, Ruleset};

/// One line per rule: id, kind, grade, weight, name.
pub fn rules_table(ruleset: &Ruleset) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<7} {:<13} {:<7} {:>6}  name",
        "id", "kind", "grade", "weight"
    );
    for rule in &ruleset.rules {
        let _ = writeln!(
            out,
            "{:<7} {:<13} {:<7} {:>6}  {}",
            rule.id,
            rule.kind.as_str(),
            rule.grade.map(|g| g.as_str()).unwrap_or("-"),
            rule.weight,
            rule.name
        );
    }
    let _ = writeln!(
        out,
        "\nthreshold {}, showcase present from {} (ruleset: {}). `portfolio-audit rules ID` explains one rule.",
        ruleset.scoring.threshold, ruleset.scoring.showcase_present, ruleset.origin
    );
    out
}

/// One rule in full: what it means, when it fires, its phrases and examples.
pub fn rule_reference(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", rule.id, rule.name);
    let _ = writeln!(out, "{}", summary_line(rule));
    let conditions = rule.conditions();
    if !conditions.is_empty() {
        let _ = writeln!(out, "fires when: {}", conditions.join("; "));
    }
    if !rule.languages.is_empty() {
        let _ = writeln!(out, "languages: {}", rule.languages.join(", "));
    }
    let _ = writeln!(out, "defined at: {}", rule.origin);
    let _ = writeln!(out, "\n{}", wrap(&rule.explanation, 88));
    list(&mut out, "\nExamples:", &rule.examples);
    list(&mut out, "\nDoes not fire on:", &rule.counter_examples);
    list(&mut out, "\nPhrases:", &rule.phrases);
    for (i, group) in rule.all_of.iter().enumerate() {
        let _ = writeln!(out, "\nall_of group {} (one of):", i + 1);
        let _ = writeln!(out, "  {}", group.join(" · "));
    }
    let regexes: Vec<String> = rule.regexes.iter().map(|r| r.as_str().to_owned()).collect();
    list(&mut out, "\nRegexes:", &regexes);
    out
}

/// The docs page `docs/rules.md`.
pub fn rules_markdown(ruleset: &Ruleset) -> String {
    let mut out = String::new();
    let scoring = &ruleset.scoring;
    let _ = write!(
        out,
        "# Rules reference\n\n\
<!-- Generated from rules/default.toml by `portfolio-audit rules --markdown`; do not edit.\n     \
tests/rules_doc.rs fails when this page and the ruleset disagree. -->\n\n\
How a page's verdict is decided, rule by rule. The rules are data: `rules/default.toml` is\n\
compiled into the binary, and `--rules FILE` replaces or extends it (format below). Ids\n\
follow `shared/docs/policy.md` §3b–3c and never change meaning once used.\n\n\
## The decision\n\n\
1. Every rule is tried once per page and fires at most once, on its first qualifying match.\n   \
Phrases are matched on the page's visible text after extraction's normalisation (invisible\n   \
characters, look-alikes, full-width forms and spaced-out letters undone), ignoring case,\n   \
accents and Arabic letter variants.\n\
2. **Compliance** rules run first. A solicitation phrase in the same sentence as a compliance\n   \
statement, or within three words after a negator (\"don't\", \"никогда не\", \"tidak\"), does not\n   \
fire.\n\
3. **Showcase** rules add up to the showcase score (floored at 0). The page *shows work* when\n   \
it reaches **{present}**.\n\
4. **Solicitation-side** rules (kinds `solicitation`, `page_purpose`, `channel`) fire with\n   \
their grade: *strong* (weight 3 unless set), *medium* (2), *weak* (1). Weak signals count\n   \
only on a page that does not show work (`counted: false` otherwise). Compliance weights are\n   \
subtracted from the medium and weak total only, never from strong signals.\n\
5. Verdict, in order:\n   \
   - a strong `page_purpose` signal (the URL is a channel, a link hub with a messenger, a\n     \
     marketplace gig) → `solicitation`, whatever the page shows;\n   \
   - no contact channel → `no_contact`; a strong solicitation phrase makes a channel of a\n     \
     social profile on the page (policy B16) and of a channel the text names whose handle\n     \
     could not be read (\"WA: kosong delapan…\" written past every reader: policy §3b,\n     \
     \"present or pointed to\"); signals are still reported;\n   \
   - any strong signal, or a solicitation score of **{threshold}** or more → `solicitation`;\n   \
   - otherwise → `showcase_with_contact`.\n\n\
The solicitation score is `strong + max(0, medium + counted weak − compliance)`. The JSON\n\
output carries both scores and the thresholds (`score`), and every signal with its rule id,\n\
weight, matched text, offset and nearest contact ([output.md](output.md)).\n\n\
## Summary\n\n\
| id | kind | grade | weight | name |\n|---|---|---|---|---|\n",
        present = scoring.showcase_present,
        threshold = scoring.threshold,
    );
    for rule in &ruleset.rules {
        let _ = writeln!(
            out,
            "| [{id}](#{anchor}) | {kind} | {grade} | {weight} | {name} |",
            id = rule.id,
            anchor = rule.id.to_ascii_lowercase(),
            kind = rule.kind.as_str(),
            grade = rule.grade.map(|g| g.as_str()).unwrap_or(""),
            weight = rule.weight,
            name = rule.name
        );
    }
    for rule in &ruleset.rules {
        let _ = write!(
            out,
            "\n## {}\n\n**{}**. {}\n\n",
            rule.id,
            rule.name,
            summary_line(rule)
        );
        let _ = writeln!(out, "{}\n", wrap(&rule.explanation, 92));
        let conditions = rule.conditions();
        if !conditions.is_empty() {
            let _ = writeln!(out, "Fires when: {}.\n", conditions.join("; "));
        }
        if !rule.languages.is_empty() {
            let _ = writeln!(out, "Languages: {}.\n", rule.languages.join(", "));
        }
        md_list(&mut out, "Examples", &rule.examples);
        md_list(&mut out, "Does not fire on", &rule.counter_examples);
        let phrase_count = rule.phrases.len()
            + rule.all_of.iter().map(Vec::len).sum::<usize>()
            + rule.regexes.len();
        if phrase_count > 0 {
            let _ = writeln!(out, "<details><summary>{phrase_count} patterns</summary>\n");
            if !rule.phrases.is_empty() {
                let _ = writeln!(out, "Phrases: {}\n", code_join(&rule.phrases));
            }
            for (i, group) in rule.all_of.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "Group {} of {} (within {} words{}): {}\n",
                    i + 1,
                    rule.all_of.len(),
                    rule.window,
                    match (
                        rule.paragraph_window > rule.window,
                        rule.section_window > rule.window.max(rule.paragraph_window)
                    ) {
                        (_, true) => format!(", {} under one heading", rule.section_window),
                        (true, false) => format!(", {} in one paragraph", rule.paragraph_window),
                        (false, false) => String::new(),
                    },
                    code_join(group)
                );
            }
            for regex in &rule.regexes {
                let _ = writeln!(out, "Regex: `{}`\n", regex.as_str().replace('|', "\\|"));
            }
            let _ = writeln!(out, "</details>\n");
        }
    }
    let _ = write!(out, "\n{}", FORMAT_SECTION);
    out
}

/// The ruleset file format, for the docs page.
const FORMAT_SECTION: &str = r#"## The ruleset file

TOML. A file that starts with `extends = "default"` changes the built-in ruleset: a
`[[rule]]` with an existing id replaces that rule, a new id adds one, `disable = ["SOL004"]`
removes rules, and `[scoring]`, `home_platform`, `[hosts]` lists, `[lexicon]` groups and
`[[marketplace]]` entries (by name) replace their counterparts. Without `extends` the file
is a whole ruleset. A file with any error is refused with its path, line and rule id; nothing
runs on half a ruleset.

```toml
extends = "default"
disable = ["SOL004"]            # links to other marketplaces are fine here

[scoring]
threshold = 5                   # solicitation score that flags a page
showcase_present = 2            # showcase score from which a page shows work

[[rule]]
id = "ACM001"                   # 2–8 capital letters and three digits, stable
name = "Telegram price list"
kind = "solicitation"           # solicitation | page_purpose | channel | showcase | compliance
grade = "medium"                # strong | medium | weak (solicitation side only)
weight = 2                      # optional for graded rules; required otherwise (negative for compliance)
languages = ["ru"]
phrases = ["прайс в телеграм*"] # any one fires; `*` = any ending, leading `*` = any beginning
all_of = [["прайс", "цены"], ["@channel"]]  # one term from each group within `window` words
window = 6
paragraph_window = 30           # … or within 30 words when in the same paragraph
section_window = 60             # … or within 60 words under the same heading (heading included)
ordered = false                 # true: the groups must appear in the order written
regex = ['\bprice ?list\b']     # on the folded (lowercase, accent-free) text
near_channel = 12               # a contact or a channel's name within 12 words
requires = ["platform_named"]   # platform_named | prices | no_showcase
within = "text"                 # text (not code blocks) | heading ("=Work" = the whole heading)
min_distinct = 1                # how many different phrases must match
negatable = true                # default for kind = "solicitation"
explanation = "Why this is evidence, for a reviewer."
examples = ["Прайс в телеграм: @studio_prices"]       # tests check each example fires
counter_examples = ["Прайс по запросу на этом сайте"]  # … and that these do not
```

`@name` in a phrase list stands for a `[lexicon]` group: `@channel` (names of channels:
"near a channel" also counts these), `@negator`, and any group you define;
`@marketplace` (every marketplace's names), `@competitor` (all but `home_platform`) and
`@platform` (marketplaces plus generic words for "the platform") are built from the
`[[marketplace]]` entries. A rule may instead (or also) name a `detector`, a fact computed
from extraction: `page_url_is_channel`, `bare_contact_page`, `link_hub_with_channel`,
`marketplace_page`, `prefilled_text_names_platform`, `filter_evasion`, `anti_harvest`,
`many_messengers`, `booking_call_to_action`, `payment_links`, `showcase_host`,
`link_hub_of_showcases`, `embedded_work`, `captioned_gallery`, `work_items`,
`home_platform_profile_link`.

Tune a ruleset against labelled pages with `portfolio-audit eval --labels FILE --rules
FILE` ([eval.md](eval.md)).
"#;

fn summary_line(rule: &Rule) -> String {
    match (rule.kind, rule.grade) {
        (kind, Some(grade)) => format!(
            "Kind `{}`, {} (weight {}).",
            kind.as_str(),
            grade.as_str(),
            rule.weight
        ),
        (RuleKind::Compliance, None) => {
            format!(
                "Kind `compliance`, weight {} (subtracted from medium and weak).",
                rule.weight
            )
        }
        (kind, None) => format!("Kind `{}`, weight {}.", kind.as_str(), rule.weight),
    }
}

fn list(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}");
    for item in items {
        let _ = writeln!(out, "  - {item}");
    }
}

fn md_list(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:\n");
    for item in items {
        let _ = writeln!(out, "- {}", item.replace('|', "\\|"));
    }
    out.push('\n');
}

fn code_join(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{}`", i.replace('|', "\\|").replace('`', "'")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reflows a paragraph to `width` columns (explanations are written as one paragraph).
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for paragraph in text.split("\n\n") {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        let mut line_len = 0;
        for word in paragraph.split_whitespace() {
            let len = word.chars().count();
            if line_len > 0 && line_len + 1 + len > width {
                out.push('\n');
                line_len = 0;
            } else if line_len > 0 {
                out.push(' ');
                line_len += 1;
            }
            out.push_str(word);
            line_len += len;
        }
    }
    out
}
