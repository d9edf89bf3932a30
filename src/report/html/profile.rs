//! One profile in the HTML report: its verdict, the profile's own contacts, and each
//! linked page with its verdict, redirect chain, fetch outcome, the evidence of every rule
//! that counted (the sentence, the match and the nearby contact marked) and its contacts,
//! hidden or obfuscated ones said to be so.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::text::{Mark, escape, highlight, link, locate};
use crate::check::{LinkReport, ProfileReport, Reuse};
use crate::classify::{Signal, Verdict};
use crate::extract::Contact;
use crate::fetch::FetchRecord;
use crate::scan::PageScan;

/// The audit's view of a profile beside its check report.
pub(super) struct ProfileView<'a> {
    /// The input id (audit) or none (check).
    pub id: Option<&'a str>,
    pub report: &'a ProfileReport,
    pub previous_verdict: Option<&'a str>,
    pub changed: Option<bool>,
    /// Its place in the report, for anchors.
    pub anchor: usize,
}

/// How a verdict reads in the report: an icon and words as well as a colour.
pub(super) fn verdict_badge(verdict: Option<Verdict>) -> String {
    let (class, text) = match verdict {
        Some(Verdict::Solicitation) => ("solicitation", "⚑ Flagged: solicitation"),
        Some(Verdict::ShowcaseWithContact) => {
            ("showcase_with_contact", "✓ Allowed: showcase with contact")
        }
        Some(Verdict::NoContact) => ("no_contact", "○ No contact"),
        None => ("unjudged", "? Not judged"),
    };
    format!("<span class=\"verdict v-{class}\">{text}</span>")
}

fn verdict_key(verdict: Option<Verdict>) -> &'static str {
    verdict.map_or("unjudged", Verdict::as_str)
}

/// The highest solicitation score on the profile's pages and its own text, to sort by.
pub(super) fn score(report: &ProfileReport) -> i32 {
    let pages = report
        .pages
        .iter()
        .filter_map(|p| p.scan.as_ref())
        .map(|s| s.score.solicitation);
    let overview = report
        .overview
        .iter()
        .map(|o| o.signals.iter().map(|s| s.weight).sum::<i32>());
    pages.chain(overview).max().unwrap_or(0)
}

/// Renders the profile as an `<article>`, and records the rules it cites.
pub(super) fn render(view: &ProfileView, rules: &mut BTreeSet<String>) -> String {
    let report = view.report;
    let mut out = String::with_capacity(4096);
    let verdict = report.verdict;
    let _ = write!(
        out,
        "<article class=\"profile p-{key}\" id=\"p-{anchor}\" data-verdict=\"{key}\" data-text=\"{text}\">\n<h3>{badge} <span>{title}</span></h3>\n",
        key = verdict_key(verdict),
        anchor = view.anchor,
        text = escape(&search_text(view)),
        badge = verdict_badge(verdict),
        title = title(view),
    );
    let mut meta = vec![format!("solicitation score {}", score(report))];
    if let Some(previous) = view.previous_verdict {
        meta.push(format!("previous verdict {}", escape(previous)));
    }
    match view.changed {
        Some(true) => meta.push("changed since the last run".to_owned()),
        Some(false) => meta.push("unchanged since the last run".to_owned()),
        None => {}
    }
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", meta.join(" · "));
    let open = if verdict == Some(Verdict::Solicitation) {
        " open"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<details{open}><summary>Evidence: {} linked page{}</summary>",
        report.pages.len(),
        if report.pages.len() == 1 { "" } else { "s" }
    );
    own_contacts(&mut out, report, rules);
    if report.pages.is_empty() {
        out.push_str("<p class=\"muted\">No portfolio links to check.</p>\n");
    }
    for page in &report.pages {
        linked_page(&mut out, page, rules);
    }
    out.push_str("</details>\n</article>\n");
    out
}

fn title(view: &ProfileView) -> String {
    let url = view.report.profile_url.as_ref().map(link);
    match (view.id, url) {
        (Some(id), Some(url)) => format!("{} — {url}", escape(id)),
        (Some(id), None) => escape(id),
        (None, Some(url)) => url,
        (None, None) => "profile".to_owned(),
    }
}

/// What the search box matches: id, addresses, contacts and rules, lower-cased.
fn search_text(view: &ProfileView) -> String {
    let report = view.report;
    let mut words: Vec<String> = Vec::new();
    words.extend(view.id.map(str::to_owned));
    words.extend(report.profile_url.as_ref().map(|u| u.to_string()));
    for page in &report.pages {
        words.push(page.link.to_string());
        if let Some(scan) = &page.scan {
            words.extend(scan.contacts.iter().map(|c| c.value.clone()));
            words.extend(
                scan.signals
                    .iter()
                    .filter(|s| s.counted)
                    .map(|s| s.rule.clone()),
            );
        }
    }
    words.join(" ").to_lowercase()
}

fn own_contacts(out: &mut String, report: &ProfileReport, rules: &mut BTreeSet<String>) {
    if let Some(profile) = &report.profile {
        if let Some(error) = &profile.fetch.error {
            let _ = writeln!(
                out,
                "<p class=\"failure\">⚠ Profile page not fetched: {}</p>",
                escape(&error.to_string())
            );
        }
        if !profile.contacts.is_empty() {
            let _ = writeln!(
                out,
                "<h4>Contacts on the profile page{}</h4>",
                if profile.has_channel {
                    " — a channel, which counts as solicitation"
                } else {
                    ""
                }
            );
            contacts_table(out, &profile.contacts);
        }
    }
    if let Some(overview) = &report.overview {
        if overview.has_channel || overview.solicits {
            out.push_str("<h4>The profile's own text — counts as solicitation</h4>\n");
        } else if !overview.contacts.is_empty() {
            out.push_str("<h4>The profile's own text</h4>\n");
        }
        signals(out, &overview.signals, &overview.contacts, rules);
        if !overview.contacts.is_empty() {
            contacts_table(out, &overview.contacts);
        }
    }
}

fn linked_page(out: &mut String, page: &LinkReport, rules: &mut BTreeSet<String>) {
    let given = if page.given { " (given)" } else { "" };
    let _ = writeln!(
        out,
        "<section class=\"page\">\n<h4>{} {}{given}</h4>",
        verdict_badge(page.verdict),
        link(&page.link)
    );
    chain(out, &page.fetch);
    fetch_line(out, &page.fetch, page.reused);
    if let Some(scan) = &page.scan {
        scan_evidence(out, scan, rules);
    }
    for site_page in &page.site_pages {
        let counted = if site_page.counted.is_empty() {
            String::new()
        } else {
            for rule in &site_page.counted {
                rules.insert(rule.clone());
            }
            let ids: Vec<String> = site_page.counted.iter().map(|r| rule_link(r)).collect();
            format!(" — counts for the link: {}", ids.join(", "))
        };
        let _ = writeln!(
            out,
            "<p>Site page {}{counted}</p>",
            link(&site_page.fetch.requested)
        );
        if let Some(error) = &site_page.fetch.error {
            let _ = writeln!(
                out,
                "<p class=\"failure\">⚠ {}</p>",
                escape(&error.to_string())
            );
        }
        if !site_page.counted.is_empty()
            && let Some(scan) = &site_page.scan
        {
            let counted: Vec<Signal> = scan
                .signals
                .iter()
                .filter(|s| site_page.counted.contains(&s.rule))
                .cloned()
                .collect();
            signals(out, &counted, &scan.contacts, rules);
        }
    }
    out.push_str("</section>\n");
}

/// The redirect chain, when there is one: the last hop is where the link really goes.
fn chain(out: &mut String, fetch: &FetchRecord) {
    if fetch.redirects.is_empty() {
        return;
    }
    let mut hops: Vec<String> = fetch.redirects.iter().map(link).collect();
    hops.extend(fetch.final_url.as_ref().map(link));
    let _ = writeln!(
        out,
        "<p class=\"chain\">Redirects: {}</p>",
        hops.join(" → ")
    );
}

fn fetch_line(out: &mut String, fetch: &FetchRecord, reused: Option<Reuse>) {
    if let Some(error) = &fetch.error {
        let what = if error.kind.is_skip() {
            "Skipped"
        } else {
            "Not fetched"
        };
        let _ = writeln!(
            out,
            "<p class=\"failure\">⚠ {what} ({}): {}</p>",
            error.kind,
            escape(&error.message)
        );
        return;
    }
    let reuse = match reused {
        Some(Reuse::WithinMaxAge) => " · read by an earlier run, not fetched again",
        Some(Reuse::NotModified) => " · 304 not modified, earlier scan kept",
        None => "",
    };
    let _ = writeln!(
        out,
        "<p class=\"muted\">HTTP {} · {} KB{reuse}</p>",
        fetch.status.unwrap_or(0),
        fetch.bytes.div_ceil(1024)
    );
}

fn scan_evidence(out: &mut String, scan: &PageScan, rules: &mut BTreeSet<String>) {
    let counted: Vec<Signal> = scan.signals.iter().filter(|s| s.counted).cloned().collect();
    let _ = writeln!(
        out,
        "<p class=\"muted\">Score: solicitation {} (flagged at {}), showcase {}</p>",
        scan.score.solicitation, scan.score.threshold, scan.score.showcase
    );
    signals(out, &counted, &scan.contacts, rules);
    if !scan.contacts.is_empty() {
        contacts_table(out, &scan.contacts);
    }
}

fn rule_link(id: &str) -> String {
    format!(
        "<a class=\"rule-id\" href=\"#rule-{0}\">{0}</a>",
        escape(id)
    )
}

/// Each rule that counted, with its sentence: the match marked, and the contact it was
/// near when that contact is written in the sentence.
fn signals(
    out: &mut String,
    signals: &[Signal],
    contacts: &[Contact],
    rules: &mut BTreeSet<String>,
) {
    if signals.is_empty() {
        return;
    }
    out.push_str("<ul class=\"evidence\">\n");
    for signal in signals {
        rules.insert(signal.rule.clone());
        let kind = signal.kind.as_str().replace('_', " ");
        let near_raw: Vec<&str> = signal
            .near
            .iter()
            .flat_map(|near| {
                contacts
                    .iter()
                    .filter(move |c| c.kind == near.kind && c.value == near.value)
                    .flat_map(|c| c.places().iter().map(|p| p.raw.as_str()))
            })
            .collect();
        let rule_label = format!("matched by {}", signal.rule);
        let mut marks = vec![Mark {
            needle: &signal.matched,
            class: "m-rule",
            label: &rule_label,
        }];
        marks.extend(near_raw.iter().map(|raw| Mark {
            needle: raw,
            class: "m-contact",
            label: "contact",
        }));
        // The contact the rule was near, said in words when the sentence does not show it.
        let near = match &signal.near {
            Some(near)
                if !near_raw
                    .iter()
                    .any(|raw| locate(&signal.evidence, raw).is_some()) =>
            {
                format!(
                    "<br><span class=\"muted\">near {} <span class=\"m-contact-text\">{}</span>, {} words away</span>",
                    escape(near.kind.as_str()),
                    escape(&near.value),
                    near.words
                )
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "<li>{} <span class=\"weight\">{:+}</span> {} <span class=\"muted\">({kind})</span><blockquote>{}{near}</blockquote></li>",
            rule_link(&signal.rule),
            signal.weight,
            escape(&signal.name),
            highlight(&signal.evidence, &marks)
        );
    }
    out.push_str("</ul>\n");
}

fn contacts_table(out: &mut String, contacts: &[Contact]) {
    out.push_str(
        "<table class=\"contacts\"><thead><tr><th scope=\"col\">Contact</th><th scope=\"col\">Value</th><th scope=\"col\">How it is offered</th></tr></thead><tbody>\n",
    );
    for contact in contacts {
        let place = contact.first_place();
        let mut how = vec![escape(place.source.as_str())];
        if contact.is_hidden() {
            how.push("<span class=\"flagtag\">⚠ hidden from visitors</span>".to_owned());
        }
        let techniques = contact.obfuscation();
        if !techniques.is_empty() {
            let names: Vec<&str> = techniques.iter().map(|t| t.as_str()).collect();
            how.push(format!(
                "<span class=\"flagtag\">⚠ obfuscated: {}</span>",
                escape(&names.join(", "))
            ));
        }
        let sentence = highlight(
            &place.evidence,
            &[Mark {
                needle: &place.raw,
                class: "m-contact",
                label: "contact",
            }],
        );
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"value\">{}</td><td>{}<br><span class=\"muted\">{}</span></td></tr>",
            escape(contact.kind.as_str()),
            escape(&contact.value),
            how.join(" "),
            sentence
        );
    }
    out.push_str("</tbody></table>\n");
}
