//! A readable summary of a page for a terminal.

use std::fmt::Write;

use crate::scan::PageScan;

/// The page's verdict, its contacts (kind, value, where found) and the signals that fired.
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
    for signal in &scan.signals {
        let _ = writeln!(out, "  {}  {}", signal.rule, signal.evidence);
    }
    out
}
