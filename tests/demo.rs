//! The README's first command: `portfolio-audit demo` audits the bundled profiles end to
//! end through the real fetcher, limits, robots.txt, scanner, classifier and state, and
//! every profile gets the verdict `fixtures/demo/README.md` expects. Run again, it is
//! incremental.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_portfolio-audit");

/// `id → expected verdict`, from the table in the demo's README.
fn expected() -> BTreeMap<String, String> {
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/README.md"),
    )
    .unwrap();
    readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let verdict = *cells.last()?;
            ["solicitation", "showcase_with_contact", "no_contact"]
                .contains(&verdict)
                .then(|| (cells[0].trim_matches('`').to_owned(), verdict.to_owned()))
        })
        .collect()
}

fn demo(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(BIN)
        .arg("demo")
        .arg("--dir")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_demo_audits_every_bundled_profile_as_expected_and_runs_again_incrementally() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo");
    let _ = std::fs::remove_dir_all(&dir);
    let expected = expected();
    assert_eq!(expected.len(), 25, "the README's table");

    let (status, stderr) = demo(&dir, &[]);
    assert_eq!(
        status,
        Some(1),
        "solicitation profiles are newly flagged: {stderr}"
    );
    let lines: Vec<Value> = std::fs::read_to_string(dir.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let verdicts: BTreeMap<String, String> = lines
        .iter()
        .filter_map(|r| {
            Some((
                r["id"].as_str()?.to_owned(),
                r["verdict"].as_str()?.to_owned(),
            ))
        })
        .collect();
    assert_eq!(verdicts, expected);
    let bad: Vec<&Value> = lines
        .iter()
        .filter(|r| r["input_error"].is_object())
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["input_error"]["line"], 14);
    assert!(stderr.contains("newly flagged: 9"), "{stderr}");

    // The next night: every page revalidated with its ETag; the sites have not changed.
    let (status, stderr) = demo(&dir, &["--max-age", "0s"]);
    assert_eq!(status, Some(0), "nothing newly flagged: {stderr}");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert!(
        summary["pages"]["not_modified"].as_i64().unwrap() >= 40,
        "{summary}"
    );
    assert_eq!(summary["newly_flagged"], serde_json::json!([]));
    assert_eq!(summary["verdicts"]["solicitation"], 9);
}
