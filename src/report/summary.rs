//! An audit's summary as text, for stderr at the end of a run (the JSON form is the
//! `Summary` itself, written with `--summary FILE`).

use std::fmt::Write;

use crate::audit::Summary;
use crate::classify::Verdict;

/// Ids listed per line of newly flagged or cleared profiles; `--summary` has them all.
const IDS_SHOWN: usize = 20;

/// The summary as a few lines of text.
pub fn summary_text(summary: &Summary) -> String {
    let mut out = String::new();
    let state = match (summary.interrupted, summary.resumed) {
        (true, _) => "interrupted: run the same command again to go on where it stopped",
        (false, true) => "finished (resumed after an interruption)",
        (false, false) => "finished",
    };
    // Writing to a String cannot fail.
    let _ = writeln!(out, "audit run {}: {state}", summary.run);
    let mut verdicts: Vec<String> = Verdict::ALL
        .iter()
        .rev()
        .map(|v| {
            let n = summary.verdicts.get(v.as_str()).copied().unwrap_or(0);
            format!("{v} {n}")
        })
        .collect();
    if let Some(n) = summary.verdicts.get("unjudged") {
        verdicts.push(format!("unjudged {n}"));
    }
    let _ = writeln!(
        out,
        "  profiles: {} — {}",
        summary.profiles,
        verdicts.join(", ")
    );
    write_ids(&mut out, "newly flagged", &summary.newly_flagged);
    write_ids(&mut out, "newly cleared", &summary.newly_cleared);
    if summary.input_errors > 0 {
        let _ = writeln!(
            out,
            "  input errors: {} (each is an `input_error` line in the results)",
            summary.input_errors
        );
    }
    let page = |name: &str| summary.pages.get(name).copied().unwrap_or(0);
    let _ = writeln!(
        out,
        "  pages: {} fetched, {} not modified (304), {} reused within --max-age",
        page("fetched"),
        page("not_modified"),
        page("within_max_age")
    );
    if !summary.fetch_errors.is_empty() {
        let errors: Vec<String> = summary
            .fetch_errors
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        let _ = writeln!(out, "  not fetched: {}", errors.join(", "));
    }
    let session = &summary.session;
    let _ = writeln!(
        out,
        "  this session: {} profiles in {:.1} s ({:.1} profiles/s, {:.1} pages/s)",
        session.profiles,
        session.elapsed_secs,
        session.profiles_per_second,
        session.pages_per_second
    );
    let _ = writeln!(
        out,
        "  results: {}   state: {}",
        summary.output.display(),
        summary.state.display()
    );
    out
}

fn write_ids(out: &mut String, label: &str, ids: &[String]) {
    if ids.is_empty() {
        let _ = writeln!(out, "  {label}: none");
        return;
    }
    let shown: Vec<&str> = ids.iter().take(IDS_SHOWN).map(String::as_str).collect();
    let more = ids.len().saturating_sub(IDS_SHOWN);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let _ = writeln!(out, "  {label}: {} ({}{tail})", ids.len(), shown.join(", "));
}
