//! `portfolio-audit`: finds the contact channels on freelancers' portfolio pages and tells
//! a link that showcases work from one used to deal off-platform.
//!
//! The modules follow the data flow: [`page`] (a page to scan) → [`extract`] (contact
//! channels) → [`classify`] (the verdict) → [`report`] (output formats); [`scan`] ties them
//! together for one page.

pub mod classify;
pub mod extract;
pub mod page;
pub mod report;
pub mod scan;

pub use classify::{Signal, Verdict};
pub use extract::{Contact, ContactKind, ExtractOptions, Place, Region, Source};
pub use page::{Page, PageError};
pub use scan::{PageScan, scan_page};
