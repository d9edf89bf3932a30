//! Extraction over every labelled fixture page: per-kind precision and recall must both
//! be 1.0 (`fixtures/pages/labels.toml` lists each page's complete set of contacts).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use portfolio_audit::{ContactKind, ExtractOptions, Page, scan_page};
use serde::Deserialize;

#[derive(Deserialize)]
struct Labels {
    page: Vec<LabelledPage>,
}

#[derive(Deserialize)]
struct LabelledPage {
    file: String,
    url: url::Url,
    /// The page hides contacts from filters (the evasion set reported on its own).
    #[serde(default)]
    evasion: bool,
    contacts: Vec<LabelledContact>,
}

#[derive(Deserialize)]
struct LabelledContact {
    kind: ContactKind,
    value: String,
    /// Appears only hidden or obfuscated: the scanner must say so.
    #[serde(default)]
    marked: bool,
}

#[derive(Default)]
struct Tally {
    true_positives: usize,
    false_positives: usize,
    false_negatives: usize,
}

fn pages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages")
}

fn load_labels() -> Labels {
    let path = pages_dir().join("labels.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_fixture_page_is_labelled_and_every_label_has_a_page() {
    let labels = load_labels();
    let labelled: BTreeSet<&str> = labels.page.iter().map(|p| p.file.as_str()).collect();
    assert_eq!(
        labelled.len(),
        labels.page.len(),
        "a page is labelled twice"
    );
    let on_disk: BTreeSet<String> = std::fs::read_dir(pages_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".html"))
        .collect();
    let on_disk: BTreeSet<&str> = on_disk.iter().map(String::as_str).collect();
    assert_eq!(labelled, on_disk);
    assert!(
        labels.page.len() >= 30,
        "the issue asks for at least 30 fixture pages"
    );
}

/// Per-kind tallies over a set of pages, and the mistakes behind them.
fn score(pages: &[&LabelledPage]) -> (BTreeMap<ContactKind, Tally>, Vec<String>) {
    let mut tallies: BTreeMap<ContactKind, Tally> = BTreeMap::new();
    let mut mistakes = Vec::new();
    for labelled in pages {
        let page = Page::read_file(
            &pages_dir().join(&labelled.file),
            Some(labelled.url.clone()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let scan = scan_page(&page, &ExtractOptions::default());
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
        for hit in found.intersection(&expected) {
            tallies.entry(hit.0).or_default().true_positives += 1;
        }
        for extra in found.difference(&expected) {
            tallies.entry(extra.0).or_default().false_positives += 1;
            let contact = scan
                .contacts
                .iter()
                .find(|c| (c.kind, &c.value) == (extra.0, &extra.1));
            let place = contact.map(|c| c.first_place());
            mistakes.push(format!(
                "{}: unexpected {} {:?} from {:?}",
                labelled.file,
                extra.0,
                extra.1,
                place.map(|p| (p.source.as_str(), &p.raw))
            ));
        }
        for missed in expected.difference(&found) {
            tallies.entry(missed.0).or_default().false_negatives += 1;
            mistakes.push(format!(
                "{}: missed {} {:?}",
                labelled.file, missed.0, missed.1
            ));
        }
        for label in labelled.contacts.iter().filter(|c| c.marked) {
            let contact = scan
                .contacts
                .iter()
                .find(|c| c.kind == label.kind && c.value == label.value);
            if contact.is_some_and(|c| !c.is_hidden() && c.obfuscation().is_empty()) {
                mistakes.push(format!(
                    "{}: {} {:?} is not marked hidden or obfuscated",
                    labelled.file, label.kind, label.value
                ));
            }
        }
    }
    (tallies, mistakes)
}

fn summary(title: &str, tallies: &BTreeMap<ContactKind, Tally>) -> String {
    let mut out = format!("{title}\n");
    for (kind, t) in tallies {
        let precision =
            t.true_positives as f64 / (t.true_positives + t.false_positives).max(1) as f64;
        let recall = t.true_positives as f64 / (t.true_positives + t.false_negatives).max(1) as f64;
        out += &format!(
            "{kind:>12}: precision {precision:.3} recall {recall:.3} ({} found, {} extra, {} missed)\n",
            t.true_positives, t.false_positives, t.false_negatives
        );
    }
    out
}

#[test]
fn extraction_has_perfect_precision_and_recall_per_kind_on_fixtures() {
    let labels = load_labels();
    let all: Vec<&LabelledPage> = labels.page.iter().collect();
    let evasion: Vec<&LabelledPage> = labels.page.iter().filter(|p| p.evasion).collect();
    let (tallies, mistakes) = score(&all);
    let (evasion_tallies, _) = score(&evasion);
    let report = summary(&format!("all {} pages", all.len()), &tallies)
        + &summary(
            &format!("the {} evasion pages", evasion.len()),
            &evasion_tallies,
        );
    eprintln!("{report}");
    assert!(
        mistakes.is_empty(),
        "{} mistakes:\n{}\n{report}",
        mistakes.len(),
        mistakes.join("\n")
    );
    for kind in ContactKind::ALL {
        assert!(
            tallies.get(&kind).is_some_and(|t| t.true_positives > 0),
            "no fixture page has a {kind} contact"
        );
    }
}

#[test]
fn legacy_charset_pages_scan_exactly_like_their_utf8_twins() {
    let mut pairs = 0;
    for entry in std::fs::read_dir(pages_dir()).unwrap() {
        let twin = entry.unwrap().path();
        let Some(name) = twin.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".utf8.html") else {
            continue;
        };
        let legacy = pages_dir().join(format!("{stem}.html"));
        let url = url::Url::parse("https://studio.example.org/").unwrap();
        let scan = |path: &Path| {
            let page = Page::read_file(path, Some(url.clone())).unwrap();
            let result = scan_page(&page, &ExtractOptions::default());
            let contacts: Vec<(ContactKind, String, String)> = result
                .contacts
                .iter()
                .map(|c| (c.kind, c.value.clone(), c.first_place().raw.clone()))
                .collect();
            (page.encoding, result.verdict, contacts)
        };
        let (legacy_encoding, legacy_verdict, legacy_contacts) = scan(&legacy);
        let (twin_encoding, twin_verdict, twin_contacts) = scan(&twin);
        assert_eq!(twin_encoding, "UTF-8");
        assert_ne!(
            legacy_encoding,
            "UTF-8",
            "{} should be in a legacy charset",
            legacy.display()
        );
        assert!(!legacy_contacts.is_empty(), "{}", legacy.display());
        assert_eq!(
            (legacy_verdict, &legacy_contacts),
            (twin_verdict, &twin_contacts),
            "{}",
            legacy.display()
        );
        pairs += 1;
    }
    assert!(
        pairs >= 4,
        "windows-1251, ISO-8859-1, Shift_JIS and GBK twins"
    );
}
