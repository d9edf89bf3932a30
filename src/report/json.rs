//! JSON Lines: one object per page, the contract in `docs/output.md`.

use crate::scan::PageScan;

/// One page as a single line of JSON (no trailing newline).
pub fn json_line(scan: &PageScan) -> String {
    // Serialising plain owned data with string keys cannot fail.
    serde_json::to_string(scan).unwrap_or_else(|e| {
        serde_json::json!({ "url": scan.url.as_str(), "error": e.to_string() }).to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExtractOptions, Page, scan_page};

    #[test]
    fn line_has_the_contract_fields() {
        let page = Page::from_bytes(
            b"<h2>Selected work</h2><p>Mail <a href='mailto:jane@studio.io'>jane@studio.io</a></p>",
            url::Url::parse("https://studio.io/").unwrap(),
        );
        let line = json_line(&scan_page(&page, &ExtractOptions::default()));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["url"], "https://studio.io/");
        assert_eq!(v["verdict"], "showcase_with_contact");
        let c = &v["contacts"][0];
        assert_eq!(c["kind"], "email");
        assert_eq!(c["value"], "jane@studio.io");
        assert_eq!(c["source"], "text");
        assert_eq!(c["places"].as_array().unwrap().len(), 2);
        assert_eq!(v["signals"][0]["rule"], "SHW001");
        assert_eq!(v["signals"][0]["weight"], 2);
        assert_eq!(v["score"]["showcase"], 2);
        assert_eq!(v["score"]["threshold"], 4);
        assert!(!line.contains('\n'));
    }
}
