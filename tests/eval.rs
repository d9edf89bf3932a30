//! `eval` on the bundled labelled sets, asserting the figures the default ruleset reached:
//! the tuning set (`fixtures/pages`) and the holdout set (`fixtures/holdout`), which was
//! scored only once tuning was over (docs/eval.md).

use std::path::Path;

use portfolio_audit::eval::{Evaluation, Labels, evaluate};
use portfolio_audit::{Ruleset, Verdict};

fn run(set: &str) -> (Labels, Evaluation) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/{set}/labels.toml"));
    let labels = Labels::read(&path).unwrap_or_else(|e| panic!("{e}"));
    let evaluation = evaluate(&labels, Ruleset::builtin());
    println!("{}", evaluation.report(&labels));
    assert!(evaluation.failures.is_empty(), "{:?}", evaluation.failures);
    (labels, evaluation)
}

/// Asserts a class's precision and recall are at least the given figures.
fn at_least(
    evaluation: &Evaluation,
    labels: &Labels,
    verdict: Verdict,
    precision: f64,
    recall: f64,
) {
    let tally = evaluation.verdicts()[&verdict];
    assert!(
        tally.precision() >= precision && tally.recall() >= recall,
        "{verdict}: precision {:.3} (want ≥ {precision}), recall {:.3} (want ≥ {recall})\n{}",
        tally.precision(),
        tally.recall(),
        evaluation.report(labels)
    );
}

#[test]
fn tuning_set_figures() {
    let (labels, evaluation) = run("pages");
    assert!(labels.pages.len() >= 60);
    for verdict in Verdict::ALL {
        at_least(&evaluation, &labels, verdict, 1.0, 1.0);
    }
}

/// The figures of the one scoring of the current holdout set (round 5, docs/eval.md): the
/// bar of issue 4 (solicitation precision ≥ 0.95, recall ≥ 0.90) is met. These floors
/// catch regressions; a rule change is measured on the next fresh holdout, since this
/// one's failures have been read.
#[test]
fn holdout_set_figures() {
    let (labels, evaluation) = run("holdout");
    let (_, tuning) = run("pages");
    let total = labels.pages.len() + tuning.pages.len();
    assert!(
        3 * labels.pages.len() >= total,
        "the holdout is a third of all labelled pages ({} of {total})",
        labels.pages.len()
    );
    at_least(&evaluation, &labels, Verdict::Solicitation, 0.95, 0.93);
    at_least(
        &evaluation,
        &labels,
        Verdict::ShowcaseWithContact,
        0.92,
        0.95,
    );
    at_least(&evaluation, &labels, Verdict::NoContact, 1.0, 0.95);
}

#[test]
fn every_policy_borderline_case_is_labelled() {
    let mut seen = std::collections::BTreeSet::new();
    for set in ["pages", "holdout"] {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/{set}/labels.toml"));
        let labels = Labels::read(&path).unwrap_or_else(|e| panic!("{e}"));
        for page in &labels.pages {
            assert!(!page.note.trim().is_empty(), "{}: no note", page.file);
            let mut rest = page.note.as_str();
            while let Some(at) = rest.find('B') {
                let digits: String = rest[at + 1..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if let Ok(n) = digits.parse::<u32>()
                    && (1..=25).contains(&n)
                    && digits.len() <= 2
                {
                    seen.insert(n);
                }
                rest = &rest[at + 1..];
            }
        }
    }
    let missing: Vec<u32> = (1..=25).filter(|n| !seen.contains(n)).collect();
    assert!(
        missing.is_empty(),
        "policy cases without a labelled page: {missing:?}"
    );
}
