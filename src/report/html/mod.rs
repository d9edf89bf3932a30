//! The reviewer's report: one self-contained HTML file (inline CSS and a little inline
//! JavaScript, no fonts, images or requests; a Content-Security-Policy allows only its own
//! style and script). For `check`, one profile; for an audit, the summary first, then every
//! profile, flagged ones first by score, with a filter by verdict, a search and pages of
//! 100 that work from disk and a page that reads the same with scripts off.
//!
//! Everything taken from pages is escaped ([`text`]); page text never reaches a `<style>`,
//! a `<script>` or an attribute unescaped, and only http(s) addresses become links.

mod profile;
mod text;

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::audit::{BadLine, Summary};
use crate::check::ProfileReport;
use crate::classify::{Ruleset, Verdict};
use profile::{ProfileView, render, score, verdict_badge};
use text::escape;

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// Profiles per page of the list when scripts run.
const PAGE_SIZE: usize = 100;

/// Newly flagged or cleared ids listed by name in the summary; the filter finds the rest.
const IDS_LISTED: usize = 200;

/// The report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("reading the results {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "results {path}, line {line}: not an audit result ({reason}); the report is built from JSON Lines results"
    )]
    Line {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    #[error("writing the report {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The report of one `check`.
pub fn check_html(report: &ProfileReport, ruleset: &Ruleset) -> String {
    let mut rules = BTreeSet::new();
    let view = ProfileView {
        id: None,
        report,
        previous_verdict: None,
        changed: None,
        anchor: 0,
    };
    let article = render(&view, &mut rules);
    let heading = report
        .profile_url
        .as_ref()
        .map_or("a profile".to_owned(), |u| escape(u.as_str()));
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<section id=\"summary\"><h2>Verdict</h2><p>{}</p>{LEGEND}</section>",
        verdict_badge(report.verdict)
    );
    body.push_str("<section id=\"profiles\" aria-label=\"Profile\">\n");
    body.push_str(&article);
    body.push_str("</section>\n");
    rules_appendix(&mut body, &rules, ruleset);
    document(&format!("Profile check: {heading}"), &body)
}

/// One line of an audit's JSON Lines results.
#[derive(Deserialize)]
#[serde(untagged)]
enum ResultRecord {
    InputError {
        input_error: BadLine,
    },
    Failed {
        id: String,
        error: String,
    },
    Profile {
        id: String,
        #[serde(flatten)]
        report: Box<ProfileReport>,
        previous_verdict: Option<String>,
        changed_since_last_run: Option<bool>,
    },
}

/// What an audit report holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportCounts {
    pub profiles: usize,
    pub flagged: usize,
    pub input_errors: usize,
}

/// Writes the report of an audit from its JSON Lines `results` and its `summary`.
pub fn write_audit_html(
    results: &Path,
    summary: &Summary,
    ruleset: &Ruleset,
    report: &Path,
) -> Result<ReportCounts, ReportError> {
    let read_error = |source| ReportError::Read {
        path: results.to_owned(),
        source,
    };
    let file = std::fs::File::open(results).map_err(read_error)?;
    // Groups in the order shown: flagged by score, then the other verdicts, then problems.
    let mut entries: Vec<(u8, i32, usize, String)> = Vec::new();
    let mut anchors: HashMap<String, usize> = HashMap::new();
    let mut rules = BTreeSet::new();
    let mut counts = ReportCounts::default();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(read_error)?;
        if line.trim().is_empty() {
            continue;
        }
        let anchor = entries.len();
        let record: ResultRecord = serde_json::from_str(&line).map_err(|e| ReportError::Line {
            path: results.to_owned(),
            line: number as u64 + 1,
            reason: e.to_string(),
        })?;
        let entry = match record {
            ResultRecord::Profile {
                id,
                report,
                previous_verdict,
                changed_since_last_run,
            } => {
                counts.profiles += 1;
                let view = ProfileView {
                    id: Some(&id),
                    report: &report,
                    previous_verdict: previous_verdict.as_deref(),
                    changed: changed_since_last_run,
                    anchor,
                };
                let group = match report.verdict {
                    Some(Verdict::Solicitation) => {
                        counts.flagged += 1;
                        0
                    }
                    Some(Verdict::ShowcaseWithContact) => 1,
                    Some(Verdict::NoContact) => 2,
                    None => 3,
                };
                let html = render(&view, &mut rules);
                anchors.insert(id, anchor);
                (group, -score(&report), anchor, html)
            }
            ResultRecord::Failed { id, error } => {
                counts.profiles += 1;
                let html = problem(anchor, "unjudged", &escape(&id), &escape(&error));
                anchors.insert(id, anchor);
                (3, 0, anchor, html)
            }
            ResultRecord::InputError { input_error } => {
                counts.input_errors += 1;
                let html = problem(
                    anchor,
                    "input_error",
                    &format!("Input line {}", input_error.line),
                    &escape(&input_error.reason),
                );
                (4, 0, anchor, html)
            }
        };
        entries.push(entry);
    }
    entries.sort_by_key(|entry| (entry.0, entry.1, entry.2));

    let mut body = String::with_capacity(entries.iter().map(|e| e.3.len()).sum::<usize>() + 65_536);
    summary_section(&mut body, summary, &anchors);
    controls(&mut body, &entries);
    let _ = writeln!(
        body,
        "<section id=\"profiles\" aria-label=\"Profiles\" data-page-size=\"{PAGE_SIZE}\">"
    );
    for (_, _, _, html) in &entries {
        body.push_str(html);
    }
    body.push_str("</section>\n<nav id=\"pager\" hidden aria-label=\"Pages\"><button type=\"button\" id=\"previous\">← Previous</button><button type=\"button\" id=\"next\">Next →</button></nav>\n");
    rules_appendix(&mut body, &rules, ruleset);
    let title = format!(
        "Portfolio audit: run {}{}",
        summary.run,
        if summary.interrupted {
            " (interrupted)"
        } else {
            ""
        }
    );
    let html = document(&title, &body);
    let write_error = |source| ReportError::Write {
        path: report.to_owned(),
        source,
    };
    let mut file = std::fs::File::create(report).map_err(write_error)?;
    file.write_all(html.as_bytes()).map_err(write_error)?;
    Ok(counts)
}

/// A line that is not a judged profile: a bad input line, a profile the tool failed on.
fn problem(anchor: usize, key: &str, title: &str, reason: &str) -> String {
    format!(
        "<article class=\"profile p-{key}\" id=\"p-{anchor}\" data-verdict=\"{key}\" data-text=\"{}\">\n<h3><span class=\"verdict v-{key}\">? {}</span> <span>{title}</span></h3>\n<p>{reason}</p>\n</article>\n",
        escape(&format!("{title} {reason}").to_lowercase()),
        if key == "input_error" {
            "Input error"
        } else {
            "Not judged"
        }
    )
}

const LEGEND: &str = "<p class=\"legend\"><span><mark class=\"m-rule\">text</mark> what a rule matched</span><span><mark class=\"m-contact\">text</mark> a contact</span><span><span class=\"flagtag\">⚠ hidden from visitors</span> / <span class=\"flagtag\">⚠ obfuscated</span> how a contact is offered</span></p>";

fn summary_section(body: &mut String, summary: &Summary, anchors: &HashMap<String, usize>) {
    body.push_str(
        "<section id=\"summary\" aria-labelledby=\"summary-h\"><h2 id=\"summary-h\">Summary</h2>\n",
    );
    let state = if summary.interrupted {
        "interrupted before the end of its input: run the same command to go on"
    } else if summary.resumed {
        "finished, resumed after an interruption"
    } else {
        "finished"
    };
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let _ = writeln!(
        body,
        "<p>Run {} {state}. {}; {}.</p>",
        summary.run,
        plural(summary.profiles, "profile", "profiles"),
        plural(summary.input_errors, "input error", "input errors")
    );
    body.push_str("<table class=\"counts\"><thead><tr><th scope=\"col\">Verdict</th><th scope=\"col\">Profiles</th></tr></thead><tbody>\n");
    let mut rows: Vec<(Option<Verdict>, u64)> = Verdict::ALL
        .iter()
        .rev()
        .map(|v| {
            (
                Some(*v),
                summary.verdicts.get(v.as_str()).copied().unwrap_or(0),
            )
        })
        .collect();
    if let Some(n) = summary.verdicts.get("unjudged") {
        rows.push((None, *n));
    }
    for (verdict, n) in rows {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td class=\"n\">{n}</td></tr>",
            verdict_badge(verdict)
        );
    }
    body.push_str("</tbody></table>\n");
    id_list(body, "Newly flagged", &summary.newly_flagged, anchors);
    id_list(body, "Newly cleared", &summary.newly_cleared, anchors);
    let page = |name: &str| summary.pages.get(name).copied().unwrap_or(0);
    let errors: Vec<String> = summary
        .fetch_errors
        .iter()
        .map(|(kind, n)| format!("{} {n}", escape(kind)))
        .collect();
    let _ = writeln!(
        body,
        "<p class=\"muted\">Pages: {} fetched, {} not modified (304), {} reused within the maximum age. Not fetched: {}.</p>",
        page("fetched"),
        page("not_modified"),
        page("within_max_age"),
        if errors.is_empty() {
            "none".to_owned()
        } else {
            errors.join(", ")
        }
    );
    body.push_str(LEGEND);
    body.push_str("</section>\n");
}

fn id_list(body: &mut String, label: &str, ids: &[String], anchors: &HashMap<String, usize>) {
    let _ = write!(body, "<p><strong>{label}: {}</strong>", ids.len());
    if !ids.is_empty() {
        let shown: Vec<String> = ids
            .iter()
            .take(IDS_LISTED)
            .map(|id| match anchors.get(id) {
                Some(anchor) => format!("<a href=\"#p-{anchor}\">{}</a>", escape(id)),
                None => escape(id),
            })
            .collect();
        let more = ids.len().saturating_sub(IDS_LISTED);
        let _ = write!(body, " — {}", shown.join(", "));
        if more > 0 {
            let _ = write!(body, " and {more} more");
        }
    }
    body.push_str("</p>\n");
}

/// The filter and search, hidden until the script shows them (without scripts every
/// profile is listed and nothing needs them).
fn controls(body: &mut String, entries: &[(u8, i32, usize, String)]) {
    let present = |group: u8| entries.iter().filter(|e| e.0 == group).count();
    let choices = [
        (0, "solicitation", "⚑ Flagged"),
        (1, "showcase_with_contact", "✓ Showcase with contact"),
        (2, "no_contact", "○ No contact"),
        (3, "unjudged", "? Not judged"),
        (4, "input_error", "? Input errors"),
    ];
    body.push_str("<div id=\"controls\" hidden role=\"search\"><fieldset><legend>Show</legend>");
    for (group, key, label) in choices {
        let _ = write!(
            body,
            "<label><input type=\"checkbox\" name=\"verdict\" value=\"{key}\" checked> {label} ({})</label>",
            present(group)
        );
    }
    body.push_str("</fieldset><label>Search <input type=\"search\" id=\"search\" placeholder=\"id, address, contact, rule\"></label><span id=\"shown\" aria-live=\"polite\"></span></div>\n");
}

fn rules_appendix(body: &mut String, cited: &BTreeSet<String>, ruleset: &Ruleset) {
    if cited.is_empty() {
        return;
    }
    body.push_str("<section id=\"rules\" class=\"rules\" aria-labelledby=\"rules-h\"><h2 id=\"rules-h\">Rules cited</h2><dl>\n");
    for id in cited {
        let _ = write!(body, "<dt id=\"rule-{0}\">{0}", escape(id));
        match ruleset.rule(id) {
            Some(rule) => {
                let grade = rule
                    .grade
                    .map(|g| format!(", {}", g.as_str()))
                    .unwrap_or_default();
                let _ = write!(
                    body,
                    " — {}</dt><dd><span class=\"muted\">{}{grade}, weight {:+}</span><br>{}",
                    escape(&rule.name),
                    rule.kind.as_str().replace('_', " "),
                    rule.weight,
                    escape(&rule.explanation)
                );
                if let Some(example) = rule.examples.first() {
                    let _ = write!(
                        body,
                        "<br><span class=\"muted\">Example: “{}”</span>",
                        escape(example)
                    );
                }
                body.push_str("</dd>\n");
            }
            None => body.push_str("</dt><dd class=\"muted\">Not in this ruleset.</dd>\n"),
        }
    }
    body.push_str("</dl></section>\n");
}

/// The whole page around `body`.
fn document(title: &str, body: &str) -> String {
    let hash = |text: &str| {
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    };
    let mut out = String::with_capacity(body.len() + STYLE.len() + SCRIPT.len() + 2048);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; base-uri 'none'; form-action 'none'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#profiles\">Skip to the profiles</a>\n<header class=\"top\"><h1>{title}</h1><p class=\"muted\">portfolio-audit {} · verdicts per <code>shared/docs/policy.md</code>; rule ids link to their explanation below.</p></header>\n<main>\n{body}</main>\n<footer>Generated by portfolio-audit. This page makes no requests; links open the audited sites.</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        hash(STYLE),
        hash(SCRIPT),
        env!("CARGO_PKG_VERSION"),
    );
    out
}
