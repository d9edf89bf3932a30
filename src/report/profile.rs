//! A profile check for a terminal: the profile's verdict, then each linked page with its
//! verdict and top reasons, then what could not be fetched.

use std::fmt::Write;

use super::table::shorten;
use crate::check::{LinkReport, ProfileReport, Reuse};
use crate::extract::Contact;
use crate::fetch::FetchRecord;

/// Reasons shown per page; the JSON has them all.
const TOP_REASONS: usize = 3;

/// The profile report as text.
pub fn profile_table(report: &ProfileReport) -> String {
    let mut out = String::new();
    let verdict = report
        .verdict
        .map_or("undetermined (nothing could be judged)".to_owned(), |v| {
            v.to_string()
        });
    let heading = report
        .profile_url
        .as_ref()
        .map_or("profile (given by its links)".to_owned(), |u| u.to_string());
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{heading}\n  verdict: {verdict}");
    if let Some(profile) = &report.profile {
        match &profile.fetch.error {
            None => {
                let _ = writeln!(
                    out,
                    "  profile page: {}, {} portfolio link{} found",
                    fetched_summary(&profile.fetch, profile.reused),
                    profile.links_found,
                    if profile.links_found == 1 { "" } else { "s" }
                );
            }
            Some(error) => {
                let _ = writeln!(out, "  profile page not fetched: {error}");
            }
        }
        write_own_contacts(
            &mut out,
            "the profile page",
            &profile.contacts,
            profile.has_channel,
        );
    }
    if let Some(overview) = &report.overview {
        write_own_contacts(
            &mut out,
            "the profile text",
            &overview.contacts,
            overview.has_channel,
        );
        for signal in overview.signals.iter().take(TOP_REASONS) {
            let _ = writeln!(
                out,
                "  profile text: {} {}: {}",
                signal.rule,
                signal.name,
                shorten(&signal.matched, 60)
            );
        }
    }
    if report.pages.is_empty() {
        let _ = writeln!(out, "  no portfolio links to check");
    }
    for (number, page) in report.pages.iter().enumerate() {
        write_page(&mut out, number + 1, page);
    }
    let failures: Vec<&FetchRecord> = report
        .pages
        .iter()
        .flat_map(|p| std::iter::once(&p.fetch).chain(p.site_pages.iter().map(|s| &s.fetch)))
        .filter(|f| f.error.is_some())
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "  not fetched:");
        for record in failures {
            if let Some(error) = &record.error {
                let label = if error.kind.is_skip() {
                    "skipped"
                } else {
                    "failed"
                };
                let _ = writeln!(out, "    {} — {label}: {error}", record.requested);
            }
        }
    }
    out
}

/// Contacts the profile gives itself; a channel among them makes it solicitation.
fn write_own_contacts(out: &mut String, whose: &str, contacts: &[Contact], has_channel: bool) {
    if contacts.is_empty() {
        return;
    }
    let listed: Vec<String> = contacts
        .iter()
        .map(|c| format!("{} {}", c.kind, c.value))
        .collect();
    let _ = writeln!(
        out,
        "  contacts in {whose}{}: {}",
        if has_channel {
            " (a channel: counts as solicitation)"
        } else {
            ""
        },
        listed.join(", ")
    );
}

fn write_page(out: &mut String, number: usize, page: &LinkReport) {
    let verdict = page
        .verdict
        .map_or("not judged".to_owned(), |v| v.to_string());
    let given = if page.given {
        "  (given with --link)"
    } else {
        ""
    };
    let _ = writeln!(out, "  {number}. {} → {verdict}{given}", page.link);
    if !page.fetch.redirects.is_empty() {
        let mut chain: Vec<String> = page.fetch.redirects.iter().map(|u| u.to_string()).collect();
        chain.extend(page.fetch.final_url.as_ref().map(|u| u.to_string()));
        let _ = writeln!(out, "     redirects: {}", chain.join(" → "));
    }
    match (&page.fetch.error, &page.scan) {
        (None, _) => {
            let _ = writeln!(out, "     {}", fetched_summary(&page.fetch, page.reused));
        }
        (Some(_), Some(_)) => {
            let _ = writeln!(out, "     not fetched; judged by its address alone");
        }
        (Some(_), None) => {}
    }
    if let Some(scan) = &page.scan {
        let _ = writeln!(
            out,
            "     score: solicitation {}, showcase {}; {} contact{}",
            scan.score.solicitation,
            scan.score.showcase,
            scan.contacts.len(),
            if scan.contacts.len() == 1 { "" } else { "s" }
        );
        for signal in scan.signals.iter().filter(|s| s.counted).take(TOP_REASONS) {
            let _ = writeln!(
                out,
                "       {} {:+}  {}: {}",
                signal.rule,
                signal.weight,
                signal.name,
                shorten(&signal.matched, 60)
            );
        }
    }
    for site_page in &page.site_pages {
        let verdict = site_page
            .scan
            .as_ref()
            .map_or("not fetched".to_owned(), |s| s.verdict.to_string());
        let counted = if site_page.counted.is_empty() {
            String::new()
        } else {
            format!("; counts for the link: {}", site_page.counted.join(", "))
        };
        let _ = writeln!(
            out,
            "     site page {} ({verdict}){counted}",
            site_page.fetch.requested
        );
    }
}

fn fetched_summary(record: &FetchRecord, reused: Option<Reuse>) -> String {
    match reused {
        Some(Reuse::WithinMaxAge) => {
            return "fetched recently by an earlier run; not asked again".to_owned();
        }
        Some(Reuse::NotModified) => {
            return format!(
                "HTTP 304 not modified in {} ms; earlier scan kept",
                record.timings.network_ms
            );
        }
        None => {}
    }
    format!(
        "HTTP {}, {} KB in {} ms{}",
        record.status.unwrap_or(0),
        record.bytes.div_ceil(1024),
        record.timings.network_ms,
        if record.attempts > 1 {
            format!(" after {} tries", record.attempts)
        } else {
            String::new()
        }
    )
}
