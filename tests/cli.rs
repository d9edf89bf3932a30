//! The `scan` command as a user runs it: output formats, stdin, exit statuses and errors.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_portfolio-audit"))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pages")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input)
        .expect("stdin takes the page");
    child.wait_with_output().expect("binary finishes")
}

fn stdout_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn json_prints_one_object_per_page_and_exits_0_when_nothing_is_flagged() {
    let a = fixture("a-wp-photographer-cloudflare.html");
    let b = fixture("b-social-icons-only.html");
    let output = run(&[
        "scan",
        "--format",
        "json",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pages = stdout_lines(&output);
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0]["verdict"], "showcase_with_contact");
    assert!(pages[0]["url"].as_str().unwrap().starts_with("file:///"));
    assert_eq!(pages[1]["verdict"], "no_contact");
}

#[test]
fn a_page_whose_own_url_is_a_channel_is_flagged_with_exit_1() {
    let page = fixture("a-linktree-like-links.html");
    let output = run(&[
        "scan",
        "--format",
        "json",
        "--url",
        "https://wa.me/14155550132",
        page.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let pages = stdout_lines(&output);
    assert_eq!(pages[0]["verdict"], "solicitation");
    assert_eq!(pages[0]["signals"][0]["rule"], "SOL001");
}

#[test]
fn stdin_is_read_with_a_dash_and_the_url_resolves_relative_forms() {
    let output = run_with_stdin(
        &["scan", "--format", "json", "--url", "https://studio.io/contact/", "-"],
        b"<form action='send'><input type=email name=email><textarea name=message></textarea></form>",
    );
    // A contact page with no work shown is a bare contact page (policy B6).
    assert_eq!(output.status.code(), Some(1));
    let page = &stdout_lines(&output)[0];
    assert_eq!(page["verdict"], "solicitation");
    assert_eq!(page["signals"][0]["rule"], "SOL002");
    assert_eq!(page["contacts"][0]["kind"], "contact_form");
    assert_eq!(
        page["contacts"][0]["value"],
        "https://studio.io/contact/send"
    );
}

#[test]
fn region_flag_reads_national_numbers() {
    let output = run_with_stdin(
        &["scan", "--format", "json", "--region", "gb", "-"],
        b"<p>Studio: 020 7946 0958</p>",
    );
    let page = &stdout_lines(&output)[0];
    assert_eq!(page["region"], "GB");
    assert_eq!(page["contacts"][0]["value"], "+442079460958");
}

#[test]
fn an_unreadable_file_is_named_the_others_still_scanned_and_the_exit_is_2() {
    let good = fixture("b-social-icons-only.html");
    let output = run(&[
        "scan",
        "--format",
        "json",
        "no/such/page.html",
        good.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no/such/page.html"), "{stderr}");
    assert_eq!(
        stdout_lines(&output).len(),
        1,
        "the readable page is still reported"
    );
}

#[test]
fn bad_options_exit_2_with_a_message_naming_the_input() {
    let page = fixture("b-social-icons-only.html");
    let output = run(&["scan", "--region", "XX", page.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("XX"));

    let output = run(&[
        "scan",
        "--url",
        "https://a.io/",
        page.to_str().unwrap(),
        page.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--url"));

    let output = run(&["scan", "--url", "not a url", page.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a url"));
}

#[test]
fn table_shows_verdict_and_contacts() {
    let page = fixture("b-upwork-whatsapp-banner.html");
    let output = run(&["scan", "--format", "table", page.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("verdict: solicitation"), "{text}");
    assert!(text.contains("whatsapp"), "{text}");
    assert!(text.contains("+447723481956"), "{text}");
    assert!(text.contains("top reasons:"), "{text}");
    assert!(text.contains("SOL012 +3"), "{text}");
}

#[test]
fn a_redirect_hop_that_is_a_channel_flags_the_page() {
    let page = fixture("a-github-pages-dev.html");
    let args = |via: &str| {
        run(&[
            "scan",
            "--format",
            "json",
            "--url",
            "https://nowicki.dev/",
            "--via",
            via,
            page.to_str().unwrap(),
        ])
    };
    let plain = args("https://bit.ly/nowicki");
    assert_eq!(plain.status.code(), Some(0));
    let chat = args("https://wa.me/14155550132");
    assert_eq!(chat.status.code(), Some(1));
    let pages = stdout_lines(&chat);
    assert_eq!(pages[0]["signals"][0]["rule"], "SOL001");
    assert_eq!(pages[0]["redirects"][0], "https://wa.me/14155550132");
}

#[test]
fn rules_lists_and_explains_the_rules() {
    let list = run(&["rules"]);
    assert_eq!(list.status.code(), Some(0));
    let text = String::from_utf8_lossy(&list.stdout);
    for id in ["SOL001", "SOL010", "SHW001", "CMP001"] {
        assert!(text.contains(id), "{text}");
    }
    let one = run(&["rules", "sol004"]);
    assert_eq!(one.status.code(), Some(0));
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(text.starts_with("SOL004 — "), "{text}");
    assert!(text.contains("marketplace_page"), "{text}");
    assert!(text.contains("Examples:"), "{text}");
    let missing = run(&["rules", "SOL999"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("SOL999"));
}

#[test]
fn a_bad_rules_file_names_file_line_and_rule_and_nothing_is_scanned() {
    let dir = std::env::temp_dir().join(format!("pa-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("bad.toml");
    std::fs::write(
        &rules,
        "extends = \"default\"\n\n[[rule]]\nid = \"ACM001\"\nname = \"x\"\nkind = \"solicitation\"\ngrade = \"medium\"\nphrases = [\"@nope\"]\nexplanation = \"y\"\n",
    )
    .unwrap();
    let page = fixture("a-github-pages-dev.html");
    let output = run(&[
        "scan",
        "--rules",
        rules.to_str().unwrap(),
        page.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("bad.toml:3: rule ACM001"), "{err}");
    assert!(err.contains("@nope"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn eval_scores_the_fixture_labels() {
    let labels = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages/labels.toml");
    let output = run(&["eval", "--labels", labels.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("confusion (rows: labelled, columns: predicted)"),
        "{text}"
    );
    assert!(text.contains("solicitation"), "{text}");
    assert!(text.contains("contact kind"), "{text}");
    assert!(text.contains("wrong pages:"), "{text}");
}

#[test]
fn table_says_how_a_contact_is_hidden() {
    let page = fixture("e-de-de-entwickler-punkt.html");
    let output = run(&["scan", "--format", "table", page.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("hallo@jonasbrenner.de"), "{text}");
    assert!(text.contains("obfuscated: decoy"), "{text}");
    assert!(text.contains("obfuscated: script"), "{text}");
}
