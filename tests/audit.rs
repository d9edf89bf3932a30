//! The `audit` job end to end, as cron runs it: the binary against fixture sites on
//! loopback (every host name mapped there with `--resolve '*:80:127.0.0.1:PORT'`), killed
//! with SIGKILL and restarted, run again the next "night", and fed broken input and a
//! host that dies.

#[path = "support/server.rs"]
mod server;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use server::{FixtureServer, Route, Sites};

const BIN: &str = env!("CARGO_BIN_EXE_portfolio-audit");

/// Fixture pages of each kind (labels in fixtures/pages/labels.toml).
const SHOWCASE: [&str; 4] = [
    "a-github-pages-dev.html",
    "a-writer-microdata.html",
    "b-resume-page-cv.html",
    "a-wp-photographer-cloudflare.html",
];
const SOLICITATION: [&str; 2] = [
    "b-upwork-whatsapp-banner.html",
    "b-coming-soon-whatsapp.html",
];
const NO_CONTACT: [&str; 2] = [
    "a-freelance-dev-blog-noncontact.html",
    "b-social-icons-only.html",
];

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pages")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fresh directory under the target dir for one test's input, results and state.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("audit-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `portfolio-audit audit` on `dir/profiles.jsonl`, every host mapped to `port`.
fn audit(dir: &Path, port: u16, extra: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("audit")
        .arg("--input")
        .arg(dir.join("profiles.jsonl"))
        .arg("--output")
        .arg(dir.join("results.jsonl"))
        .arg("--summary")
        .arg(dir.join("summary.json"))
        .args(["--resolve", &format!("*:80:127.0.0.1:{port}")])
        .args(["--rate", "20"])
        .args(extra)
        .env_remove("PORTFOLIO_AUDIT_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Waits for the child without blocking the runtime the fixture server runs on.
async fn finish(mut child: Child) -> (ExitStatus, String) {
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                std::io::Read::read_to_string(&mut pipe, &mut stderr).unwrap();
            }
            return (status, stderr);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn results(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn by_id(results: &[Value]) -> BTreeMap<String, Value> {
    results
        .iter()
        .filter_map(|r| Some((r["id"].as_str()?.to_owned(), r.clone())))
        .collect()
}

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn host(i: usize) -> String {
    format!("site{i:02}.test")
}

/// Profiles `p00`… each linking `http://siteNN.test/`, with two broken lines among them
/// (lines 4 and 9 of the file).
fn write_profiles(dir: &Path, count: usize) -> Vec<String> {
    let mut lines = vec!["# profiles exported from the marketplace".to_owned()];
    let mut ids = Vec::new();
    for i in 0..count {
        if lines.len() == 3 {
            lines.push(r#"{"id": "broken", "portfolio_urls": ["http://site99.test/"#.to_owned());
        }
        if lines.len() == 8 {
            lines.push(r#"{"profile_url": "http://market.test/u/anonymous"}"#.to_owned());
        }
        let id = format!("p{i:02}");
        lines.push(format!(
            r#"{{"id": "{id}", "portfolio_urls": ["http://{}/"], "tier": "gold"}}"#,
            host(i)
        ));
        ids.push(id);
    }
    std::fs::write(dir.join("profiles.jsonl"), lines.join("\n") + "\n").unwrap();
    ids
}

fn page_for(i: usize) -> String {
    let all: Vec<&str> = SHOWCASE
        .iter()
        .chain(&SOLICITATION)
        .chain(&NO_CONTACT)
        .copied()
        .collect();
    fixture(all[i % all.len()])
}

/// A small deterministic generator: the kill points of one seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn committed(dir: &Path) -> BTreeSet<String> {
    let connection = rusqlite::Connection::open(dir.join("portfolio-audit.db")).unwrap();
    // Killed before the schema was created: nothing committed.
    let Ok(mut statement) = connection.prepare("SELECT profile_id FROM profiles") else {
        return BTreeSet::new();
    };
    statement
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// One seed: run, SIGKILL at a few random moments, restart with the same arguments, and
/// check the results hold every profile and bad line exactly once and that no profile
/// committed before a kill was fetched again after it.
async fn killed_and_resumed(seed: u64) -> usize {
    const PROFILES: usize = 24;
    let mut random = Lcg(seed);
    let delays: Vec<u64> = (0..PROFILES).map(|_| 60 + random.below(240)).collect();
    let server = FixtureServer::start((0..PROFILES).fold(Sites::new(), |sites, i| {
        sites.route(
            &host(i),
            "/",
            Route::html(page_for(i)).delayed(Duration::from_millis(delays[i])),
        )
    }))
    .await;
    let dir = scratch(&format!("kill-{seed}"));
    let ids = write_profiles(&dir, PROFILES);
    let args = ["--in-flight", "3", "--site-pages", "0"];
    // Kill after these many profiles are committed, plus up to 40 ms: anywhere between
    // two commits, a write and its commit included.
    let mut kill_points: Vec<usize> = (0..3)
        .map(|_| 1 + random.below(PROFILES as u64 - 4) as usize)
        .collect();
    kill_points.sort();
    let mut kills = 0;
    let mut refetched = Vec::new();
    let status = loop {
        let committed_before = if dir.join("portfolio-audit.db").exists() {
            committed(&dir)
        } else {
            BTreeSet::new()
        };
        let restarted = Instant::now();
        let mut child = audit(&dir, server.addr().port(), &args).spawn().unwrap();
        let outcome = match kill_points.get(kills) {
            Some(&point) => {
                let waiting = Instant::now();
                while child.try_wait().unwrap().is_none()
                    && (!dir.join("portfolio-audit.db").exists() || committed(&dir).len() < point)
                {
                    assert!(
                        waiting.elapsed() < Duration::from_secs(60),
                        "seed {seed}: stuck"
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                tokio::time::sleep(Duration::from_millis(random.below(40))).await;
                if child.try_wait().unwrap().is_none() {
                    child.kill().unwrap();
                    child.wait().unwrap();
                    kills += 1;
                    None
                } else {
                    Some(finish(child).await)
                }
            }
            None => Some(finish(child).await),
        };
        // What was committed before this session must never be asked for again.
        for hit in server.all_requests() {
            let id = format!(
                "p{}",
                hit.host
                    .trim_start_matches("site")
                    .trim_end_matches(".test")
            );
            if hit.at > restarted && committed_before.contains(&id) {
                refetched.push(id);
            }
        }
        if let Some((status, stderr)) = outcome {
            assert!(status.code() != Some(2), "{stderr}");
            break status;
        }
    };
    assert!(
        status.code() == Some(0) || status.code() == Some(1),
        "seed {seed}: {status}"
    );
    assert!(
        refetched.is_empty(),
        "seed {seed}: fetched again after commit: {refetched:?}"
    );
    let lines = results(&dir);
    let mut seen: Vec<String> = lines
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    seen.sort();
    assert_eq!(
        seen, ids,
        "seed {seed} ({kills} kills): every profile exactly once"
    );
    let mut bad: Vec<u64> = lines
        .iter()
        .filter_map(|r| r["input_error"]["line"].as_u64())
        .collect();
    bad.sort();
    assert_eq!(bad, [4, 9], "seed {seed}: each bad line exactly once");
    assert!(
        lines
            .iter()
            .all(|r| r["id"].is_string() || r["input_error"].is_object())
    );
    kills
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_at_random_points_resumes_with_every_profile_exactly_once() {
    let kills = futures_util::future::join_all([11, 29, 47, 83].map(killed_and_resumed)).await;
    // Each kill point leaves at least four profiles to do, more than 40 ms of work.
    assert_eq!(
        kills,
        [3, 3, 3, 3],
        "every planned kill landed before the run ended"
    );
}

fn tagged_sites(pages: &[(String, String)]) -> Sites {
    pages
        .iter()
        .enumerate()
        .fold(Sites::new(), |sites, (i, (body, etag))| {
            sites.route(&host(i), "/", Route::tagged(body.clone(), etag))
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_run_reuses_fresh_pages_revalidates_old_ones_and_reports_what_changed() {
    const PROFILES: usize = 8;
    let dir = scratch("incremental");
    let ids = write_profiles(&dir, PROFILES);
    let mut pages: Vec<(String, String)> = (0..PROFILES)
        .map(|i| (page_for(i), format!("v1-{i}")))
        .collect();
    let night1 = FixtureServer::start(tagged_sites(&pages)).await;
    let (status, stderr) = finish(audit(&dir, night1.addr().port(), &[]).spawn().unwrap()).await;
    let first = by_id(&results(&dir));
    let flagged: Vec<&String> = first
        .iter()
        .filter(|(_, r)| r["verdict"] == "solicitation")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        status.code(),
        Some(1),
        "first run flags {flagged:?}: {stderr}"
    );
    assert_eq!(
        summary(&dir)["newly_flagged"].as_array().unwrap().len(),
        flagged.len()
    );
    assert!(
        first
            .values()
            .all(|r| r["changed_since_last_run"].is_null())
    );
    assert_eq!(first.keys().cloned().collect::<Vec<_>>(), ids);

    // The same night, again: every page is within --max-age, so nothing is asked for.
    night1.clear_requests();
    let (status, stderr) = finish(
        audit(&dir, night1.addr().port(), &["--max-age", "1h"])
            .spawn()
            .unwrap(),
    )
    .await;
    assert_eq!(status.code(), Some(0), "nothing newly flagged: {stderr}");
    assert!(
        night1.all_requests().is_empty(),
        "{:?}",
        night1.all_requests()
    );
    for (id, result) in by_id(&results(&dir)) {
        assert_eq!(result["pages"][0]["reused"], "within_max_age", "{id}");
        assert_eq!(result["changed_since_last_run"], false, "{id}");
        assert_eq!(result["previous_verdict"], first[&id]["verdict"], "{id}");
    }
    drop(night1);

    // The next night: one showcase page turned into solicitation, one solicitation page
    // was cleaned up; the rest answer 304 to their ETags.
    let turned = 1;
    let cleaned = SHOWCASE.len();
    assert_ne!(first[&ids[turned]]["verdict"], "solicitation");
    assert_eq!(first[&ids[cleaned]]["verdict"], "solicitation");
    pages[turned] = (fixture(SOLICITATION[0]), "v2-turned".to_owned());
    pages[cleaned] = (fixture(NO_CONTACT[0]), "v2-cleaned".to_owned());
    let night2 = FixtureServer::start(tagged_sites(&pages)).await;
    let (status, stderr) = finish(
        audit(&dir, night2.addr().port(), &["--max-age", "0s"])
            .spawn()
            .unwrap(),
    )
    .await;
    assert_eq!(status.code(), Some(1), "{stderr}");
    let third = by_id(&results(&dir));
    for (i, id) in ids.iter().enumerate() {
        let result = &third[id];
        let hits = night2.requests(&host(i));
        let page_hit = hits.iter().find(|h| h.path == "/").unwrap();
        assert_eq!(
            page_hit.header("if-none-match"),
            Some(format!("\"v1-{i}\"").as_str()),
            "{id} revalidates with its ETag"
        );
        if i == turned || i == cleaned {
            assert_eq!(result["changed_since_last_run"], true, "{id}");
            assert!(result["pages"][0]["reused"].is_null(), "{id}");
        } else {
            assert_eq!(result["pages"][0]["reused"], "not_modified", "{id}");
            assert_eq!(result["pages"][0]["fetch"]["status"], 304, "{id}");
            assert_eq!(result["changed_since_last_run"], false, "{id}");
            assert_eq!(result["verdict"], first[id]["verdict"], "{id}");
        }
    }
    assert_eq!(third[&ids[turned]]["verdict"], "solicitation");
    assert_eq!(third[&ids[cleaned]]["verdict"], "no_contact");
    let summary = summary(&dir);
    assert_eq!(summary["newly_flagged"], serde_json::json!([ids[turned]]));
    assert_eq!(summary["newly_cleared"], serde_json::json!([ids[cleaned]]));
    assert_eq!(summary["pages"]["not_modified"], PROFILES as i64 - 2);
    assert!(stderr.contains("newly flagged: 1"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_lines_are_reported_by_number_and_the_job_goes_on() {
    let dir = scratch("bad-lines");
    let server = FixtureServer::start(Sites::new().route(
        "jane.test",
        "/",
        Route::html(fixture(SHOWCASE[0])),
    ))
    .await;
    let mut input = [
            r#"{"id": "ok-1", "portfolio_urls": ["http://jane.test/"]}"#,
            r#"{"id": "no-scheme", "portfolio_urls": ["jane.test/work"]}"#,
            "",
            r#"{"id": "", "profile_url": "http://jane.test/"}"#,
            r#"not json at all"#,
            r#"{"id": "nothing"}"#,
            r#"{"id": "ok-2", "overview": "Senior illustrator. Message me on WhatsApp +44 7700 900123 before you order here."}"#,
            r#"{"id": "ok-3", "overview": "Children's book illustrator, 12 years.\n\nSketches and updates: t.me/jane_draws_books"}"#,
            r#"{"id": "ok-1", "portfolio_urls": ["http://jane.test/other"]}"#,
        ]
        .join("\n")
        .into_bytes();
    // Line 10: an export in Latin-1, not UTF-8.
    input.extend_from_slice(
        b"\n{\"id\": \"caf\xe9\", \"portfolio_urls\": [\"http://jane.test/\"]}\n",
    );
    std::fs::write(dir.join("profiles.jsonl"), input).unwrap();
    let (status, stderr) = finish(audit(&dir, server.addr().port(), &[]).spawn().unwrap()).await;
    assert_eq!(status.code(), Some(1), "ok-2 is newly flagged: {stderr}");
    let lines = results(&dir);
    let errors: BTreeMap<u64, String> = lines
        .iter()
        .filter_map(|r| {
            let e = &r["input_error"];
            Some((e["line"].as_u64()?, e["reason"].as_str()?.to_owned()))
        })
        .collect();
    assert_eq!(
        errors.keys().copied().collect::<Vec<_>>(),
        [2, 4, 5, 6, 9, 10],
        "{errors:?}"
    );
    assert!(
        errors[&9].contains("duplicate id \"ok-1\", first on line 1"),
        "{}",
        errors[&9]
    );
    assert!(errors[&10].contains("UTF-8"), "{}", errors[&10]);
    assert!(errors[&2].contains("jane.test/work"), "{}", errors[&2]);
    assert!(errors[&4].contains("id"), "{}", errors[&4]);
    assert!(errors[&6].contains("nothing to audit"), "{}", errors[&6]);
    let ok = by_id(&lines);
    assert_eq!(ok["ok-1"]["verdict"], "showcase_with_contact");
    assert_eq!(ok["ok-2"]["verdict"], "solicitation");
    // A drama-range number is no phone, but asking for WhatsApp before ordering is.
    assert_eq!(ok["ok-2"]["overview"]["has_channel"], false);
    assert_eq!(ok["ok-2"]["overview"]["solicits"], true);
    assert_eq!(ok["ok-3"]["verdict"], "solicitation");
    assert_eq!(ok["ok-3"]["overview"]["has_channel"], true);
    assert_eq!(summary(&dir)["input_errors"], 6);
    assert!(stderr.contains("input errors: 6"), "{stderr}");

    // An input that cannot be read at all is the job not running: exit 2, file named.
    let output = audit(&dir, server.addr().port(), &[])
        .arg("--input")
        .arg(dir.join("missing.jsonl"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("missing.jsonl"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_dies_mid_run_fails_its_pages_and_the_rest_goes_on() {
    const ON_DYING: usize = 10;
    let dir = scratch("dying-host");
    let healthy = 4;
    let sites = (0..healthy).fold(
        Sites::new().fallback(
            "dying.test",
            // Answers its robots.txt and first pages, then hangs like a dead backend.
            Route::until(
                4,
                Route::html(fixture(SHOWCASE[1])),
                Route::html("<p>never sent</p>").delayed(Duration::from_secs(120)),
            ),
        ),
        |sites, i| sites.route(&host(i), "/", Route::html(page_for(i))),
    );
    let server = FixtureServer::start(sites).await;
    let mut lines = Vec::new();
    for i in 0..ON_DYING {
        lines.push(format!(
            r#"{{"id": "d{i:02}", "portfolio_urls": ["http://dying.test/u{i:02}"]}}"#
        ));
    }
    for i in 0..healthy {
        lines.push(format!(
            r#"{{"id": "h{i:02}", "portfolio_urls": ["http://{}/"]}}"#,
            host(i)
        ));
    }
    std::fs::write(dir.join("profiles.jsonl"), lines.join("\n")).unwrap();
    let started = Instant::now();
    let (status, stderr) = finish(
        audit(
            &dir,
            server.addr().port(),
            &[
                "--timeout",
                "1",
                "--connect-timeout",
                "1",
                "--site-pages",
                "0",
            ],
        )
        .spawn()
        .unwrap(),
    )
    .await;
    assert!(matches!(status.code(), Some(0 | 1)), "{status}: {stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    let results = by_id(&results(&dir));
    assert_eq!(results.len(), ON_DYING + healthy);
    for i in 0..healthy {
        assert!(results[&format!("h{i:02}")]["verdict"].is_string());
    }
    let failed: Vec<&str> = results
        .values()
        .filter_map(|r| r["pages"][0]["fetch"]["error"]["kind"].as_str())
        .collect();
    assert!(failed.contains(&"timeout"), "{failed:?}");
    assert!(failed.contains(&"host_backed_off"), "{failed:?}");
    assert!(
        results.values().filter(|r| r["verdict"].is_null()).count() >= failed.len(),
        "a profile whose only page failed is unjudged"
    );
    let summary = summary(&dir);
    assert!(summary["fetch_errors"]["timeout"].as_i64().unwrap() >= 1);
    assert_eq!(
        summary["verdicts"]["unjudged"].as_u64().unwrap() as usize,
        failed.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_profiles_in_flight_exits_130_and_the_same_command_goes_on() {
    const PROFILES: usize = 30;
    let server = FixtureServer::start((0..PROFILES).fold(Sites::new(), |sites, i| {
        sites.route(
            &host(i),
            "/",
            Route::html(page_for(i)).delayed(Duration::from_millis(300)),
        )
    }))
    .await;
    let port = server.addr().port();
    let dir = scratch("sigterm");
    let ids = write_profiles(&dir, PROFILES);
    let args = ["--in-flight", "2", "--site-pages", "0", "--grace", "20s"];
    let child = audit(&dir, port, &args).spawn().unwrap();
    let waiting = Instant::now();
    while !dir.join("portfolio-audit.db").exists() || committed(&dir).len() < 3 {
        assert!(waiting.elapsed() < Duration::from_secs(30), "no progress");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // An overlapping run (cron firing again, a retried pod) must not write the same file.
    let second = audit(&dir, port, &args).output().unwrap();
    let second_err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{second_err}");
    assert!(
        second_err.contains("another portfolio-audit run is writing it"),
        "{second_err}"
    );
    // The profiles whose page was asked for and not yet committed are in flight.
    let asked: BTreeSet<String> = server
        .all_requests()
        .iter()
        .filter(|hit| hit.path == "/")
        .map(|hit| {
            format!(
                "p{}",
                hit.host
                    .trim_start_matches("site")
                    .trim_end_matches(".test")
            )
        })
        .collect();
    let signalled = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let (status, stderr) = finish(child).await;
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(summary(&dir)["interrupted"], true);
    // The profiles in flight were finished and committed, not dropped.
    let written: Vec<String> = results(&dir)
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        written.iter().cloned().collect::<BTreeSet<_>>(),
        committed(&dir)
    );
    assert!(written.len() < PROFILES, "stopped early: {}", written.len());
    let written_set: BTreeSet<String> = written.iter().cloned().collect();
    assert!(
        asked.is_subset(&written_set),
        "in flight at the signal but dropped: {:?}",
        asked.difference(&written_set).collect::<Vec<_>>()
    );

    let (status, stderr) = finish(audit(&dir, port, &args).spawn().unwrap()).await;
    assert!(matches!(status.code(), Some(0 | 1)), "{stderr}");
    let summary = summary(&dir);
    assert_eq!(summary["resumed"], true);
    assert_eq!(summary["interrupted"], false);
    assert_eq!(summary["profiles"], PROFILES);
    let mut seen: Vec<String> = results(&dir)
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    seen.sort();
    assert_eq!(seen, ids);
}
