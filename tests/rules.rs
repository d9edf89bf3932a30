//! The ruleset as data: every phrase rule fires on its own examples and not on its counter-
//! examples, `docs/rules.md` is what the ruleset generates, and a bad ruleset file is
//! refused with its file, line and rule id.

use std::path::Path;

use portfolio_audit::classify::{Rule, Zone, rules_markdown};
use portfolio_audit::{ExtractOptions, Page, Ruleset, RulesetError, scan_page_with};

/// The ids of the rules that fire on a page made of `text`.
fn fired_on(ruleset: &Ruleset, rule: &Rule, text: &str) -> Vec<String> {
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;");
    let body = match rule.within {
        Zone::Heading => format!("<h2>{escaped}</h2>"),
        Zone::Text => format!("<p>{escaped}</p>"),
    };
    let html =
        format!("<!doctype html><html><head><title>t</title></head><body>{body}</body></html>");
    let page = Page::from_bytes(
        html.as_bytes(),
        url::Url::parse("https://studio.example.com/").unwrap(),
    );
    scan_page_with(&page, &ExtractOptions::default(), ruleset)
        .signals
        .into_iter()
        .map(|s| s.rule)
        .collect()
}

#[test]
fn every_phrase_rule_fires_on_its_examples_and_not_on_its_counter_examples() {
    let ruleset = Ruleset::builtin();
    let mut failures = Vec::new();
    for rule in ruleset.rules.iter().filter(|r| r.has_patterns()) {
        assert!(!rule.examples.is_empty(), "{} has no examples", rule.id);
        for example in &rule.examples {
            if !fired_on(ruleset, rule, example).contains(&rule.id) {
                failures.push(format!(
                    "{} does not fire on its example {example:?}",
                    rule.id
                ));
            }
        }
        for counter in &rule.counter_examples {
            if fired_on(ruleset, rule, counter).contains(&rule.id) {
                failures.push(format!(
                    "{} fires on its counter-example {counter:?}",
                    rule.id
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_explains_itself() {
    for rule in &Ruleset::builtin().rules {
        assert!(
            rule.explanation.len() > 60,
            "{} needs a real explanation",
            rule.id
        );
        assert!(!rule.examples.is_empty(), "{} needs an example", rule.id);
    }
}

#[test]
fn the_rules_page_is_generated_from_the_ruleset() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = rules_markdown(Ruleset::builtin());
    assert!(
        written == generated,
        "docs/rules.md is out of date: run `cargo run -- rules --markdown > docs/rules.md`"
    );
}

fn invalid(text: &str) -> (Option<usize>, Option<String>, String) {
    match Ruleset::parse(text, "custom.toml") {
        Err(RulesetError::Invalid {
            file,
            line,
            rule,
            message,
        }) => {
            assert_eq!(file, "custom.toml");
            (line, rule, message)
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("accepted an invalid ruleset:\n{text}"),
    }
}

#[test]
fn a_bad_rule_is_refused_with_its_file_line_and_id() {
    let text = r#"extends = "default"

[[rule]]
id = "ACM001"
name = "Telegram price list"
kind = "solicitation"
grade = "medium"
regex = ['price(']
explanation = "A price list on Telegram."
examples = ["Price list in Telegram"]
"#;
    let (line, rule, message) = invalid(text);
    assert_eq!(line, Some(3));
    assert_eq!(rule.as_deref(), Some("ACM001"));
    assert!(message.contains("regex"), "{message}");

    let unknown_group = text.replace("regex = ['price(']", "phrases = [\"@pricelists\"]");
    let (line, rule, message) = invalid(&unknown_group);
    assert_eq!((line, rule.as_deref()), (Some(3), Some("ACM001")));
    assert!(message.contains("@pricelists"), "{message}");

    let no_grade = text
        .replace("grade = \"medium\"\n", "")
        .replace("regex = ['price(']", "phrases = [\"price list\"]");
    let (_, rule, message) = invalid(&no_grade);
    assert_eq!(rule.as_deref(), Some("ACM001"));
    assert!(message.contains("grade"), "{message}");

    let typo = text.replace("grade = \"medium\"", "grade = \"mediun\"");
    let (line, rule, message) = invalid(&typo);
    assert_eq!((line, rule.as_deref()), (Some(7), Some("ACM001")));
    assert!(message.contains("mediun"), "{message}");
}

#[test]
fn a_ruleset_can_extend_the_default() {
    let text = r#"extends = "default"
disable = ["SOL004"]

[scoring]
threshold = 6
showcase_present = 2

[[rule]]
id = "SOL020"
name = "Messenger-first call to action (stricter)"
kind = "solicitation"
grade = "strong"
phrases = ["whatsapp me"]
explanation = "This marketplace treats any messenger call to action as solicitation."
examples = ["WhatsApp me"]
"#;
    let ruleset = Ruleset::parse(text, "custom.toml").unwrap();
    let builtin = Ruleset::builtin();
    assert!(ruleset.rule("SOL004").is_none());
    assert_eq!(ruleset.rules.len(), builtin.rules.len() - 1);
    assert_eq!(ruleset.scoring.threshold, 6);
    let replaced = ruleset.rule("SOL020").unwrap();
    assert_eq!(replaced.weight, 3);
    assert!(replaced.origin.starts_with("custom.toml:"));
    assert!(
        ruleset
            .rule("SOL010")
            .unwrap()
            .origin
            .contains("default.toml")
    );
}

#[test]
fn disabling_an_unknown_rule_is_an_error() {
    let (_, rule, message) = invalid("extends = \"default\"\ndisable = [\"SOL999\"]\n");
    assert_eq!(rule.as_deref(), Some("SOL999"));
    assert!(message.contains("no such rule"), "{message}");
}
