//! Pathological pages finish, in bounded time and memory, with sensible results; and the
//! whole scan never panics on arbitrary input (property tests; `fuzz/` runs the same
//! target under libFuzzer).

use portfolio_audit::{ExtractOptions, Page, Verdict, scan_page};
use proptest::prelude::*;

fn scan(html: &str) -> portfolio_audit::PageScan {
    let page = Page::from_bytes(
        html.as_bytes(),
        url::Url::parse("https://studio.io/").unwrap(),
    );
    scan_page(&page, &ExtractOptions::default())
}

#[test]
fn a_megabyte_of_at_signs() {
    let result = scan(&format!("<p>{}</p>", "@".repeat(1 << 20)));
    assert!(result.contacts.is_empty());
}

#[test]
fn a_hundred_thousand_nested_tags() {
    let depth = 100_000;
    let html = format!(
        "{}jane@studio.io{}",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let result = scan(&html);
    let values: Vec<&str> = result.contacts.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(values, ["jane@studio.io"]);
}

#[test]
fn a_ten_megabyte_line_of_digits() {
    let result = scan(&format!("<p>{}</p>", "7".repeat(10 << 20)));
    assert!(result.contacts.is_empty());
}

#[test]
fn a_fifty_megabyte_page_is_cut_at_the_cap_and_says_so() {
    let dir = std::env::temp_dir().join(format!("portfolio-audit-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.html");
    let section = "<section><h2>Project</h2><p>Brand identity and packaging for a coffee roaster, 2023.</p></section>\n";
    let mut html = String::from("<html><body><p>Mail: jane@studio.io</p>");
    while html.len() < 50 << 20 {
        html.push_str(section);
    }
    html.push_str("<p>Footer: late@studio.io</p></body></html>");
    std::fs::write(&path, &html).unwrap();
    drop(html);
    let page = Page::read_file(&path, None).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(page.truncated);
    assert_eq!(
        page.html.len() as u64,
        portfolio_audit::page::MAX_PAGE_BYTES
    );
    let result = scan_page(&page, &ExtractOptions::default());
    let values: Vec<&str> = result.contacts.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(
        values,
        ["jane@studio.io"],
        "the part past the cap is not read"
    );
    assert!(result.truncated);
}

#[test]
fn links_inside_links_in_a_script() {
    let result = scan(&format!(
        "<script>{}</script>",
        "https://wa.me/".repeat(20_000)
    ));
    assert!(result.contacts.len() <= 1);
}

#[test]
fn one_address_repeated_keeps_a_bounded_list_of_places() {
    let result = scan(&format!("<p>{}</p>", "jane@studio.io ".repeat(70_000)));
    assert_eq!(result.contacts.len(), 1);
    assert!(result.contacts[0].places().len() <= 64);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_in_any_element_scans_without_panicking(text in "\\PC{0,200}", wrap in 0usize..6) {
        let wrappers = ["p", "span style=\"display:none\"", "span style=\"unicode-bidi:bidi-override;direction:rtl\"", "script", "a href=\"mailto:x\"", "div hidden"];
        let tag = wrappers[wrap];
        let name = tag.split(' ').next().unwrap();
        let result = scan(&format!("<{tag}>{text}</{name}>"));
        for contact in &result.contacts {
            prop_assert!(!contact.value.is_empty());
            prop_assert!(!contact.places().is_empty());
        }
        prop_assert!(matches!(result.verdict, Verdict::NoContact | Verdict::ShowcaseWithContact | Verdict::Solicitation));
    }

    #[test]
    fn evasion_characters_around_contacts_never_panic_and_offsets_stay_in_the_text(
        noise in proptest::collection::vec(prop_oneof![
            Just("\u{200B}"), Just("\u{00AD}"), Just("а"), Just("＠"), Just("４"), Just("4\u{FE0F}\u{20E3}"),
            Just(" "), Just("."), Just("@"), Just("dot"), Just("arroba"), Just("собака"), Just("nine"),
            Just("O"), Just("l"), Just("+44"), Just("wa.me/"), Just("://"), Just("<b>"), Just("00"),
        ], 0..40)
    ) {
        let text: String = noise.concat();
        let result = scan(&format!("<p>Contact {text} jane@studio.io</p>"));
        for contact in &result.contacts {
            for place in contact.places() {
                prop_assert!(place.offset <= 200 + text.len() * 4);
            }
        }
        prop_assert!(result.contacts.iter().any(|c| c.value == "jane@studio.io"));
    }
}
