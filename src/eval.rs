//! Scoring a ruleset against labelled pages: per-verdict precision and recall, the
//! confusion matrix, per-kind contact precision and recall, how often each rule fires on
//! pages of each label, and the pages it got wrong. The labels format is in `docs/eval.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::classify::{Ruleset, Signal, Verdict};
use crate::extract::{ContactKind, ExtractOptions};
use crate::page::Page;
use crate::scan::scan_page_with;

/// Why a labels file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    #[error("cannot read labels {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
}

/// One labelled page, as written in a labels file.
#[derive(Clone, Debug, Deserialize)]
pub struct LabelledPage {
    /// The saved page, relative to the labels file.
    pub file: String,
    /// The address the page was served at.
    pub url: Url,
    /// The redirect chain before `url`.
    #[serde(default)]
    pub redirects: Vec<Url>,
    pub verdict: Verdict,
    /// Why the page has its label.
    #[serde(default)]
    pub note: String,
    /// Every contact channel on the page.
    #[serde(default)]
    pub contacts: Vec<LabelledContact>,
    /// The line of the entry in the labels file (filled in when read).
    #[serde(skip)]
    pub line: usize,
}

/// A contact a labelled page holds.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LabelledContact {
    pub kind: ContactKind,
    pub value: String,
}

#[derive(Deserialize)]
struct LabelsFile {
    page: Vec<toml::Spanned<LabelledPage>>,
}

/// A labels file read and checked: its pages and the folder their files are in.
#[derive(Clone, Debug)]
pub struct Labels {
    pub path: PathBuf,
    pub pages: Vec<LabelledPage>,
}

impl Labels {
    pub fn read(path: &Path) -> Result<Labels, LabelsError> {
        let text = std::fs::read_to_string(path).map_err(|source| LabelsError::Read {
            path: path.to_owned(),
            source,
        })?;
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let file: LabelsFile = toml::from_str(&text).map_err(|e| LabelsError::Invalid {
            path: path.to_owned(),
            line: e.span().map(|s| line_of(s.start)),
            message: e.message().trim().to_owned(),
        })?;
        let mut seen = BTreeSet::new();
        let mut pages = Vec::with_capacity(file.page.len());
        for entry in file.page {
            let line = line_of(entry.span().start);
            let mut page = entry.into_inner();
            page.line = line;
            if !seen.insert(page.file.clone()) {
                return Err(LabelsError::Invalid {
                    path: path.to_owned(),
                    line: Some(line),
                    message: format!("{} is labelled twice", page.file),
                });
            }
            pages.push(page);
        }
        Ok(Labels {
            path: path.to_owned(),
            pages,
        })
    }

    fn page_path(&self, page: &LabelledPage) -> PathBuf {
        self.path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(&page.file)
    }
}

/// How one labelled page came out.
#[derive(Clone, Debug, Serialize)]
pub struct PageOutcome {
    pub file: String,
    pub line: usize,
    pub labelled: Verdict,
    pub predicted: Verdict,
    pub solicitation_score: i32,
    pub showcase_score: i32,
    pub note: String,
    /// Contacts found that the label does not list, and listed ones not found.
    pub extra_contacts: Vec<(ContactKind, String)>,
    pub missed_contacts: Vec<(ContactKind, String)>,
    /// The signals, strongest first.
    pub signals: Vec<Signal>,
}

/// A page that could not be scored.
#[derive(Clone, Debug, Serialize)]
pub struct PageFailure {
    pub file: String,
    pub line: usize,
    pub error: String,
}

/// Precision and recall of one class or kind.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Tally {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
}

impl Tally {
    /// 1.0 when nothing was predicted (no false alarm was possible).
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// 1.0 when nothing was labelled.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        1.0
    } else {
        num as f64 / den as f64
    }
}

/// How often a rule fired, on pages of each label.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RuleStats {
    pub fired: usize,
    pub on_solicitation: usize,
}

/// The result of scoring a ruleset on a labels file.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub labels: String,
    pub ruleset: String,
    pub pages: Vec<PageOutcome>,
    pub failures: Vec<PageFailure>,
}

/// Scans every labelled page with `ruleset` and compares with its label. A page that
/// cannot be read is recorded as a failure; the others are still scored.
pub fn evaluate(labels: &Labels, ruleset: &Ruleset) -> Evaluation {
    let mut pages = Vec::new();
    let mut failures = Vec::new();
    for labelled in &labels.pages {
        let path = labels.page_path(labelled);
        let mut page = match Page::read_file(&path, Some(labelled.url.clone())) {
            Ok(page) => page,
            Err(e) => {
                failures.push(PageFailure {
                    file: labelled.file.clone(),
                    line: labelled.line,
                    error: e.to_string(),
                });
                continue;
            }
        };
        page.redirects = labelled.redirects.clone();
        let scan = scan_page_with(&page, &ExtractOptions::default(), ruleset);
        let found: BTreeSet<(ContactKind, String)> = scan
            .contacts
            .iter()
            .map(|c| (c.kind, c.value.clone()))
            .collect();
        let expected: BTreeSet<(ContactKind, String)> = labelled
            .contacts
            .iter()
            .map(|c| (c.kind, c.value.clone()))
            .collect();
        pages.push(PageOutcome {
            file: labelled.file.clone(),
            line: labelled.line,
            labelled: labelled.verdict,
            predicted: scan.verdict,
            solicitation_score: scan.score.solicitation,
            showcase_score: scan.score.showcase,
            note: labelled.note.clone(),
            extra_contacts: found.difference(&expected).cloned().collect(),
            missed_contacts: expected.difference(&found).cloned().collect(),
            signals: scan.signals,
        });
    }
    Evaluation {
        labels: labels.path.display().to_string(),
        ruleset: ruleset.origin.clone(),
        pages,
        failures,
    }
}

impl Evaluation {
    /// Precision and recall per verdict.
    pub fn verdicts(&self) -> BTreeMap<Verdict, Tally> {
        let mut out: BTreeMap<Verdict, Tally> = Verdict::ALL
            .iter()
            .map(|&v| (v, Tally::default()))
            .collect();
        for page in &self.pages {
            if page.labelled == page.predicted {
                out.entry(page.labelled).or_default().true_positives += 1;
            } else {
                out.entry(page.labelled).or_default().false_negatives += 1;
                out.entry(page.predicted).or_default().false_positives += 1;
            }
        }
        out
    }

    /// `[labelled][predicted]` page counts, in [`Verdict::ALL`] order.
    pub fn confusion(&self) -> [[usize; 3]; 3] {
        let index = |v: Verdict| Verdict::ALL.iter().position(|&x| x == v).unwrap_or(0);
        let mut matrix = [[0; 3]; 3];
        for page in &self.pages {
            matrix[index(page.labelled)][index(page.predicted)] += 1;
        }
        matrix
    }

    /// Contact precision and recall per kind, over pages whose contacts are labelled.
    pub fn contacts(&self, labels: &Labels) -> BTreeMap<ContactKind, Tally> {
        let mut out: BTreeMap<ContactKind, Tally> = BTreeMap::new();
        let by_file: BTreeMap<&str, &LabelledPage> =
            labels.pages.iter().map(|p| (p.file.as_str(), p)).collect();
        for page in &self.pages {
            let Some(labelled) = by_file.get(page.file.as_str()) else {
                continue;
            };
            let missed: BTreeSet<&(ContactKind, String)> = page.missed_contacts.iter().collect();
            for contact in &labelled.contacts {
                let key = (contact.kind, contact.value.clone());
                let tally = out.entry(contact.kind).or_default();
                if missed.contains(&key) {
                    tally.false_negatives += 1;
                } else {
                    tally.true_positives += 1;
                }
            }
            for (kind, _) in &page.extra_contacts {
                out.entry(*kind).or_default().false_positives += 1;
            }
        }
        out
    }

    /// Per rule: pages it fired on, and how many of them are labelled solicitation.
    pub fn rules(&self) -> BTreeMap<String, RuleStats> {
        let mut out: BTreeMap<String, RuleStats> = BTreeMap::new();
        for page in &self.pages {
            for signal in &page.signals {
                let stats = out.entry(signal.rule.clone()).or_default();
                stats.fired += 1;
                if page.labelled == Verdict::Solicitation {
                    stats.on_solicitation += 1;
                }
            }
        }
        out
    }

    /// The pages whose verdict differs from their label.
    pub fn wrong(&self) -> impl Iterator<Item = &PageOutcome> {
        self.pages.iter().filter(|p| p.labelled != p.predicted)
    }

    /// The report `eval` prints.
    pub fn report(&self, labels: &Labels) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "eval: {} pages from {} with ruleset {}\n",
            self.pages.len(),
            self.labels,
            self.ruleset
        );
        let _ = writeln!(
            out,
            "{:<22} {:>9} {:>7} {:>8}",
            "verdict", "precision", "recall", "labelled"
        );
        let verdicts = self.verdicts();
        for (verdict, tally) in &verdicts {
            let _ = writeln!(
                out,
                "{:<22} {:>9.3} {:>7.3} {:>8}",
                verdict.as_str(),
                tally.precision(),
                tally.recall(),
                tally.true_positives + tally.false_negatives
            );
        }
        let correct = self
            .pages
            .iter()
            .filter(|p| p.labelled == p.predicted)
            .count();
        let _ = writeln!(
            out,
            "accuracy {:.3} ({correct}/{})\n",
            ratio(correct, self.pages.len()),
            self.pages.len()
        );
        let _ = writeln!(out, "confusion (rows: labelled, columns: predicted)");
        let _ = writeln!(
            out,
            "{:<22} {:>10} {:>10} {:>12}",
            "", "no_contact", "showcase", "solicitation"
        );
        for (i, row) in self.confusion().iter().enumerate() {
            let _ = writeln!(
                out,
                "{:<22} {:>10} {:>10} {:>12}",
                Verdict::ALL[i].as_str(),
                row[0],
                row[1],
                row[2]
            );
        }
        let _ = writeln!(
            out,
            "\n{:<13} {:>9} {:>7} {:>5} {:>4} {:>4}",
            "contact kind", "precision", "recall", "tp", "fp", "fn"
        );
        for (kind, tally) in self.contacts(labels) {
            let _ = writeln!(
                out,
                "{:<13} {:>9.3} {:>7.3} {:>5} {:>4} {:>4}",
                kind.as_str(),
                tally.precision(),
                tally.recall(),
                tally.true_positives,
                tally.false_positives,
                tally.false_negatives
            );
        }
        let _ = writeln!(out, "\nrule     fired  on solicitation pages");
        for (rule, stats) in self.rules() {
            let _ = writeln!(
                out,
                "{rule:<8} {:>5}  {:>5}",
                stats.fired, stats.on_solicitation
            );
        }
        let wrong: Vec<&PageOutcome> = self.wrong().collect();
        let _ = writeln!(out, "\nwrong pages: {}", wrong.len());
        for page in wrong {
            let _ = writeln!(
                out,
                "  {} (line {}): labelled {}, got {} (solicitation {}, showcase {})",
                page.file,
                page.line,
                page.labelled,
                page.predicted,
                page.solicitation_score,
                page.showcase_score
            );
            if !page.note.is_empty() {
                let _ = writeln!(out, "    label: {}", page.note);
            }
            for signal in page.signals.iter().take(5) {
                let _ = writeln!(
                    out,
                    "    {} {:+} {}{}: {}",
                    signal.rule,
                    signal.weight,
                    signal.name,
                    if signal.counted { "" } else { " (not counted)" },
                    signal.matched
                );
            }
        }
        for failure in &self.failures {
            let _ = writeln!(
                out,
                "  error: {} (line {}): {}",
                failure.file, failure.line, failure.error
            );
        }
        out
    }
}
