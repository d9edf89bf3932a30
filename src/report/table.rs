//! A readable summary of a page for a terminal.

use std::fmt::Write;

use crate::scan::PageScan;

/// The page's verdict, its contacts (kind, value, where found), its scores and the top
/// reasons for the verdict.
pub fn table(scan: &PageScan) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{}", scan.url);
    let _ = writeln!(
        out,
        "  verdict: {}   (phones read as {})",
        scan.verdict, scan.region
    );
    if scan.contacts.is_empty() {
        let _ = writeln!(out, "  no contacts found");
    } else {
        let kind_width = scan
            .contacts
            .iter()
            .map(|c| c.kind.as_str().len())
            .max()
            .unwrap_or(0);
        let value_width = scan
            .contacts
            .iter()
            .map(|c| c.value.chars().count())
            .max()
            .unwrap_or(0)
            .min(60);
        for contact in &scan.contacts {
            let mut sources: Vec<&str> = Vec::new();
            for place in contact.places() {
                let name = place.source.as_str();
                if !sources.contains(&name) {
                    sources.push(name);
                }
            }
            // How the contact is offered, when it is never offered plainly.
            let mut manner = String::new();
            if contact.is_hidden() {
                manner.push_str("  hidden");
            }
            let techniques = contact.obfuscation();
            if !techniques.is_empty() {
                let names: Vec<&str> = techniques.iter().map(|t| t.as_str()).collect();
                manner.push_str(&format!("  obfuscated: {}", names.join(", ")));
            }
            let _ = writeln!(
                out,
                "  {:kind_width$}  {:value_width$}  {} place{} ({}){manner}",
                contact.kind.as_str(),
                contact.value,
                contact.places().len(),
                if contact.places().len() == 1 { "" } else { "s" },
                sources.join(", "),
            );
        }
    }
    let _ = writeln!(
        out,
        "  score: solicitation {} (flagged at {}), showcase {} (shows work at {})",
        scan.score.solicitation,
        scan.score.threshold,
        scan.score.showcase,
        scan.score.showcase_present
    );
    let reasons: Vec<_> = scan
        .signals
        .iter()
        .filter(|s| s.counted)
        .take(TOP_REASONS)
        .collect();
    if !reasons.is_empty() {
        let _ = writeln!(out, "  top reasons:");
    }
    for signal in reasons {
        let near = signal
            .near
            .as_ref()
            .filter(|n| n.words <= NEAR_ENOUGH)
            .map(|n| format!("  (near {} {})", n.kind, n.value))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {} {:+}  {}: {}{near}",
            signal.rule,
            signal.weight,
            signal.name,
            shorten(&signal.matched, 70)
        );
    }
    if scan.unscanned_images > 0 {
        let _ = writeln!(
            out,
            "  {} image(s) without alt text were not read",
            scan.unscanned_images
        );
    }
    out
}

/// Signals shown in the table; the JSON has them all.
const TOP_REASONS: usize = 5;

/// A contact this many words from a signal is worth naming beside it.
const NEAR_ENOUGH: usize = 40;

pub(super) fn shorten(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max).collect();
    format!("{cut}…")
}
