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

/// Runs first: hides all but the first page of a long list until the script pages it.
const HEAD_SCRIPT: &str = "document.documentElement.classList.add('paging');";

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
        .map_or("a profile".to_owned(), |u| u.to_string());
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<section id=\"summary\"><h2>Verdict</h2><p>{}</p>{LEGEND}</section>",
        verdict_badge(report.verdict)
    );
    body.push_str("<section id=\"profiles\" aria-labelledby=\"profiles-h\" tabindex=\"-1\"><h2 id=\"profiles-h\">Profile</h2>\n");
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
    /// Profiles listed (judged, unjudged or failed).
    pub profiles: usize,
    /// Of them, flagged `solicitation`.
    pub flagged: usize,
    /// Bad input lines listed after the profiles.
    pub input_errors: usize,
}

/// Where an entry goes in the list, in the order shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Flagged,
    Showcase,
    NoContact,
    Unjudged,
    InputError,
}

impl Group {
    const ALL: [Group; 5] = [
        Group::Flagged,
        Group::Showcase,
        Group::NoContact,
        Group::Unjudged,
        Group::InputError,
    ];

    fn of(verdict: Option<Verdict>) -> Group {
        match verdict {
            Some(Verdict::Solicitation) => Group::Flagged,
            Some(Verdict::ShowcaseWithContact) => Group::Showcase,
            Some(Verdict::NoContact) => Group::NoContact,
            None => Group::Unjudged,
        }
    }

    /// The `data-verdict` the filter matches.
    fn key(self) -> &'static str {
        match self {
            Group::Flagged => "solicitation",
            Group::Showcase => "showcase_with_contact",
            Group::NoContact => "no_contact",
            Group::Unjudged => "unjudged",
            Group::InputError => "input_error",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Group::Flagged => "⚑ Flagged",
            Group::Showcase => "✓ Showcase with contact",
            Group::NoContact => "○ No contact",
            Group::Unjudged => "? Not judged",
            Group::InputError => "? Input errors",
        }
    }
}

/// One entry of the list, rendered.
struct Entry {
    group: Group,
    /// Highest first within a group.
    score: i32,
    /// Its place in the results, which also names its anchor.
    order: usize,
    html: String,
}

/// Writes the report of an audit from its JSON Lines `results` and its `summary`. The
/// file is written beside `report` and renamed over it, so a reader never sees half a
/// report.
pub fn write_audit_html(
    results: &Path,
    summary: &Summary,
    ruleset: &Ruleset,
    report: &Path,
) -> Result<ReportCounts, ReportError> {
    let write_error = |source| ReportError::Write {
        path: report.to_owned(),
        source,
    };
    if std::path::absolute(results).ok() == std::path::absolute(report).ok() {
        return Err(write_error(std::io::Error::other(
            "it is the results file the report is built from: give the report another name",
        )));
    }
    let (mut entries, anchors, rules, counts) = read_entries(results)?;
    entries.sort_by_key(|entry| (entry.group, -entry.score, entry.order));

    let title = format!(
        "Portfolio audit: run {}{}",
        summary.run,
        if summary.interrupted {
            " (interrupted)"
        } else {
            ""
        }
    );
    let mut head = document_head(&title);
    summary_section(&mut head, summary, &anchors);
    controls(&mut head, &entries);
    let _ = writeln!(
        head,
        "<section id=\"profiles\" aria-labelledby=\"profiles-h\" data-page-size=\"{PAGE_SIZE}\" tabindex=\"-1\"><h2 id=\"profiles-h\">Profiles</h2>"
    );
    let mut tail = String::from(
        "</section>\n<nav id=\"pager\" hidden aria-label=\"Pages\"><button type=\"button\" id=\"previous\">← Previous</button><button type=\"button\" id=\"next\">Next →</button></nav>\n",
    );
    rules_appendix(&mut tail, &rules, ruleset);
    push_document_end(&mut tail);

    let partial = report.with_extension("html.partial");
    let file = std::fs::File::create(&partial).map_err(write_error)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(head.as_bytes()).map_err(write_error)?;
    for entry in &entries {
        out.write_all(entry.html.as_bytes()).map_err(write_error)?;
    }
    out.write_all(tail.as_bytes())
        .and_then(|()| out.flush())
        .map_err(write_error)?;
    drop(out);
    std::fs::rename(&partial, report).map_err(write_error)?;
    Ok(counts)
}

type Entries = (
    Vec<Entry>,
    HashMap<String, usize>,
    BTreeSet<String>,
    ReportCounts,
);

/// Reads the results line by line, rendering each entry as it comes: the entries, each
/// id's anchor, the rules they cite and the counts.
fn read_entries(results: &Path) -> Result<Entries, ReportError> {
    let read_error = |source| ReportError::Read {
        path: results.to_owned(),
        source,
    };
    let file = std::fs::File::open(results).map_err(read_error)?;
    let mut entries: Vec<Entry> = Vec::new();
    let mut anchors: HashMap<String, usize> = HashMap::new();
    let mut rules = BTreeSet::new();
    let mut counts = ReportCounts::default();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(read_error)?;
        if line.trim().is_empty() {
            continue;
        }
        let order = entries.len();
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
                let group = Group::of(report.verdict);
                counts.flagged += usize::from(group == Group::Flagged);
                let view = ProfileView {
                    id: Some(&id),
                    report: &report,
                    previous_verdict: previous_verdict.as_deref(),
                    changed: changed_since_last_run,
                    anchor: order,
                };
                let html = render(&view, &mut rules);
                anchors.insert(id, order);
                Entry {
                    group,
                    score: score(&report),
                    order,
                    html,
                }
            }
            ResultRecord::Failed { id, error } => {
                counts.profiles += 1;
                let html = problem(order, Group::Unjudged, &id, &error);
                anchors.insert(id, order);
                Entry {
                    group: Group::Unjudged,
                    score: 0,
                    order,
                    html,
                }
            }
            ResultRecord::InputError { input_error } => {
                counts.input_errors += 1;
                let title = format!("Input line {}", input_error.line);
                Entry {
                    group: Group::InputError,
                    score: 0,
                    order,
                    html: problem(order, Group::InputError, &title, &input_error.reason),
                }
            }
        };
        entries.push(entry);
    }
    Ok((entries, anchors, rules, counts))
}

/// An entry that is not a judged profile: a bad input line, a profile the tool failed on.
/// `title` and `reason` are plain text.
fn problem(anchor: usize, group: Group, title: &str, reason: &str) -> String {
    let key = group.key();
    format!(
        "<article class=\"profile p-{key}\" id=\"p-{anchor}\" data-verdict=\"{key}\" data-text=\"{}\">\n<h3><span class=\"verdict v-{key}\">? {}</span> <span>{}</span></h3>\n<p>{}</p>\n</article>\n",
        escape(&format!("{title} {reason}").to_lowercase()),
        if group == Group::InputError {
            "Input error"
        } else {
            "Not judged"
        },
        escape(title),
        escape(reason)
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
fn controls(body: &mut String, entries: &[Entry]) {
    body.push_str("<div id=\"controls\" hidden role=\"search\"><fieldset><legend>Show</legend>");
    for group in Group::ALL {
        let present = entries.iter().filter(|e| e.group == group).count();
        let _ = write!(
            body,
            "<label><input type=\"checkbox\" name=\"verdict\" value=\"{}\" checked> {} ({present})</label>",
            group.key(),
            group.label()
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

/// The page before its body: `title` is plain text. The small script in the head marks
/// the page as scripted before the list is laid out, so a long list is not laid out in
/// full only for the script to hide most of it.
fn document_head(title: &str) -> String {
    let hash = |text: &str| {
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    };
    let title = escape(title);
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}' 'sha256-{}'; base-uri 'none'; form-action 'none'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>{title}</title>\n<style>{STYLE}</style>\n<script>{HEAD_SCRIPT}</script>\n</head>\n<body>\n<a class=\"skip\" href=\"#profiles\">Skip to the profiles</a>\n<header class=\"top\"><h1>{title}</h1><p class=\"muted\">portfolio-audit {} · verdicts per <code>shared/docs/policy.md</code>; rule ids link to their explanation below.</p></header>\n<main>\n",
        hash(STYLE),
        hash(HEAD_SCRIPT),
        hash(SCRIPT),
        env!("CARGO_PKG_VERSION"),
    )
}

/// Appends the page after its body.
fn push_document_end(out: &mut String) {
    out.push_str("</main>\n<footer>Generated by portfolio-audit. This page makes no requests; links open the audited sites.</footer>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
}

/// The whole page around `body` (`title` is plain text).
fn document(title: &str, body: &str) -> String {
    let mut out = document_head(title);
    out.push_str(body);
    push_document_end(&mut out);
    out
}
