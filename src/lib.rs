//! `portfolio-audit`: finds the contact channels on freelancers' portfolio pages and tells
//! a link that showcases work from one used to deal off-platform.
//!
//! The modules follow the data flow: [`page`] (a page to scan) → [`extract`] (contact
//! channels) → [`classify`] (the verdict) → [`report`] (output formats); [`scan`] ties them
//! together for one page.
//!
//! ```
//! use portfolio_audit::{ContactKind, ExtractOptions, Page, Verdict, scan_page};
//!
//! let html = br#"<h2>Selected work</h2><p>Write to jane [at] studio [dot] io
//!     or <a href="https://wa.me/14155550132">WhatsApp me</a></p>"#;
//! let page = Page::from_bytes(html, url::Url::parse("https://jane.studio/").unwrap());
//! let scan = scan_page(&page, &ExtractOptions::default());
//!
//! assert_eq!(scan.verdict, Verdict::ShowcaseWithContact);
//! let found: Vec<(ContactKind, &str)> =
//!     scan.contacts.iter().map(|c| (c.kind, c.value.as_str())).collect();
//! assert_eq!(found, [(ContactKind::Email, "jane@studio.io"), (ContactKind::Whatsapp, "+14155550132")]);
//! ```

pub mod audit;
pub mod check;
pub mod classify;
pub mod demo;
pub mod eval;
pub mod extract;
pub mod fetch;
pub mod page;
pub mod report;
pub mod scan;

pub use classify::{Ruleset, RulesetError, Score, Signal, Verdict};
pub use extract::{Contact, ContactKind, ExtractOptions, Place, Region, Source};
pub use page::{Page, PageError};
pub use scan::{PageScan, scan_page, scan_page_with};
