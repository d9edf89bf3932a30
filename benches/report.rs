//! Writing the reviewer's HTML report of a large audit.
//!
//! `cargo bench --bench report` runs the bundled demo once (the release binary, about 8 s
//! at the demo's 1 request/second per site), repeats its 25 results under new ids up to
//! 10,000 profiles, and times `write_audit_html` over them: the figure to hold under 2
//! seconds. It prints the time, the report's size and the results' size.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use portfolio_audit::Ruleset;
use portfolio_audit::audit::{SessionFigures, Summary};
use portfolio_audit::report::write_audit_html;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_portfolio-audit");
const PROFILES: usize = 10_000;

fn main() {
    let dir = std::env::temp_dir().join("portfolio-audit-bench-report");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let status = Command::new(BIN)
        .args(["demo", "--dir"])
        .arg(&dir)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "the demo ran: {status}"
    );
    let demo: Vec<Value> = std::fs::read_to_string(dir.join("results.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["id"].is_string())
        .collect();
    let mut lines = String::new();
    let mut flagged = 0u64;
    for i in 0..PROFILES {
        let mut line = demo[i % demo.len()].clone();
        line["id"] = json!(format!("profile-{i:05}"));
        flagged += u64::from(line["verdict"] == "solicitation");
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    let results = dir.join("large.jsonl");
    std::fs::write(&results, &lines).unwrap();
    let summary = Summary {
        run: 1,
        resumed: false,
        interrupted: false,
        output: results.clone(),
        state: dir.join("portfolio-audit.db"),
        profiles: PROFILES as u64,
        verdicts: [("solicitation".to_owned(), flagged)].into_iter().collect(),
        newly_flagged: Vec::new(),
        newly_cleared: Vec::new(),
        input_errors: 0,
        pages: Default::default(),
        fetch_errors: Default::default(),
        session: SessionFigures {
            profiles: PROFILES as u64,
            pages_requested: 0,
            elapsed_secs: 0.0,
            profiles_per_second: 0.0,
            pages_per_second: 0.0,
        },
    };
    let report = dir.join("large.html");
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        write_audit_html(&results, &summary, Ruleset::builtin(), &report).unwrap();
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let size = |p: &Path| std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1024.0 / 1024.0);
    assert!(
        times[2] < 2.0,
        "the report of {PROFILES} profiles took {:.2} s, over 2 s",
        times[2]
    );
    println!(
        "report of {PROFILES} profiles ({flagged} flagged): median {:.2} s (best {:.2}, worst {:.2}); results {:.0} MiB, report {:.0} MiB",
        times[2],
        times[0],
        times[4],
        size(&results),
        size(&report)
    );
}
