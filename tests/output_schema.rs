//! The JSON output of every fixture page validates against `docs/output.schema.json`, so the
//! documented contract and the code cannot drift apart.

use std::path::Path;

use portfolio_audit::{ExtractOptions, Page, report, scan_page};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("docs/output.schema.json")).expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is itself valid")
}

#[test]
fn scan_output_matches_the_documented_schema() {
    let validator = validator();
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("fixtures/pages")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "html") {
            continue;
        }
        let page = Page::read_file(&path, None).unwrap();
        let line = report::json_line(&scan_page(&page, &ExtractOptions::default()));
        let instance: serde_json::Value = serde_json::from_str(&line).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            path.display(),
            errors.join("; ")
        );
        checked += 1;
    }
    assert!(checked >= 30);
}

#[test]
fn the_schema_rejects_a_contact_outside_the_contract() {
    let bad = serde_json::json!({
        "url": "https://a.io/", "verdict": "no_contact", "region": "US", "signals": [],
        "contacts": [{"kind": "phone", "value": "415-555-0132", "raw": "x", "source": "text",
                      "offset": 0, "evidence": "", "places": [{"raw": "x", "source": "text", "offset": 0, "evidence": ""}]}]
    });
    assert!(!validator().is_valid(&bad), "a phone value must be E.164");
}
