//! `audit` and `demo`: run the audit job with progress on stderr, stop cleanly on
//! SIGINT/SIGTERM, print the summary and map it to an exit status for cron.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use portfolio_audit::Ruleset;
use portfolio_audit::audit::{AuditConfig, OutputFormat, Progress, Stop, Summary, run_audit};
use portfolio_audit::check::LiveSource;
use portfolio_audit::report::{summary_text, write_audit_html};
use tokio::sync::watch;

/// Exit status of a run a signal stopped (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;

/// How often a progress line is printed when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The state file beside the output, shared by every run writing there (so nightly runs
/// with dated output names are still incremental).
pub fn default_state(output: &Path) -> PathBuf {
    let dir = output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join("portfolio-audit.db")
}

/// What a run writes besides its results.
pub struct JobOutputs<'a> {
    /// The summary as JSON.
    pub summary: Option<&'a Path>,
    /// The reviewer's HTML report, built from the JSON Lines results.
    pub report: Option<&'a Path>,
    /// The rules the report explains.
    pub ruleset: &'a Ruleset,
}

/// Runs the job and reports it; exit 0 when nothing is newly flagged, 1 when something
/// is, 130 when a signal stopped it (errors are the caller's: 2).
pub fn run_job(
    runtime: &tokio::runtime::Runtime,
    live: LiveSource,
    config: &AuditConfig,
    outputs: &JobOutputs,
    quiet_progress: bool,
) -> anyhow::Result<ExitCode> {
    if outputs.report.is_some() && config.format != OutputFormat::Jsonl {
        anyhow::bail!(
            "--report is built from JSON Lines results: drop --format csv, or build the report from a JSON Lines run"
        );
    }
    let bar = !quiet_progress && std::io::stderr().is_terminal();
    // Counting costs a pass over the input; only the bar's length and ETA need it.
    let total = (bar && config.input != Path::new("-"))
        .then(|| count_records(&config.input))
        .flatten();
    let mut reporter = Reporter::new(total, bar);
    let (stop_sender, stop) = watch::channel(Stop::Run);
    let grace = config.grace;
    runtime.spawn(forward_signals(stop_sender, grace));
    let outcome = runtime.block_on(run_audit(live, config, stop, &mut |p| reporter.update(p)));
    reporter.finish();
    let summary = outcome?;
    eprint!("{}", summary_text(&summary));
    if let Some(path) = outputs.summary {
        write_summary(path, &summary)?;
    }
    if let Some(path) = outputs.report {
        let started = Instant::now();
        let counts = write_audit_html(&config.output, &summary, outputs.ruleset, path)?;
        eprintln!(
            "  report: {} ({} profiles, {} flagged; written in {:.1} s)",
            path.display(),
            counts.profiles,
            counts.flagged,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(if summary.interrupted {
        ExitCode::from(INTERRUPTED)
    } else if summary.newly_flagged.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn write_summary(path: &Path, summary: &Summary) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(summary)? + "\n";
    std::fs::write(path, json).with_context(|| format!("writing the summary to {}", path.display()))
}

/// First SIGINT or SIGTERM: drain (finish the profiles in flight within the grace
/// period, commit, stop). A second: stop at once. Committed work stands either way.
async fn forward_signals(stop: watch::Sender<Stop>, grace: Duration) {
    let mut asked = 0;
    loop {
        if !next_signal().await {
            return;
        }
        asked += 1;
        if asked == 1 {
            eprintln!(
                "\nportfolio-audit: stopping — finishing the profiles in flight (at most {} s); signal again to stop at once",
                grace.as_secs()
            );
            let _ = stop.send(Stop::Drain);
        } else {
            eprintln!("\nportfolio-audit: stopping now");
            let _ = stop.send(Stop::Now);
            return;
        }
    }
}

/// Waits for SIGINT or SIGTERM; false when signals cannot be listened to.
async fn next_signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            return tokio::signal::ctrl_c().await.is_ok();
        };
        tokio::select! {
            interrupt = tokio::signal::ctrl_c() => interrupt.is_ok(),
            _ = terminate.recv() => true,
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}

/// Records in an input file, for the progress bar's length and ETA: lines that are not
/// blank or comments (less the CSV header). Approximate for CSV with multi-line fields.
fn count_records(path: &Path) -> Option<u64> {
    let file = std::fs::File::open(path).ok()?;
    let mut reader = std::io::BufReader::with_capacity(256 * 1024, file);
    let mut count = 0u64;
    let mut first: Option<bool> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).ok()? == 0 {
            break;
        }
        let text = line.trim_ascii();
        if text.is_empty() || text.starts_with(b"#") {
            continue;
        }
        if first.is_none() {
            // A CSV header is neither a JSON object nor a URL.
            first = Some(!text.starts_with(b"{") && !text.starts_with(b"http"));
        }
        count += 1;
    }
    Some(count - u64::from(first == Some(true)))
}

/// Progress on stderr: a bar on a terminal, a line every few seconds otherwise.
struct Reporter {
    bar: Option<ProgressBar>,
    last_line: Instant,
}

impl Reporter {
    fn new(total: Option<u64>, bar: bool) -> Reporter {
        let bar = bar.then(|| {
            let bar = match total {
                Some(n) => ProgressBar::new(n),
                None => ProgressBar::new_spinner(),
            };
            let template = "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} profiles, {per_sec}, ETA {eta} {msg}";
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Reporter {
            bar,
            last_line: Instant::now(),
        }
    }

    fn update(&mut self, progress: &Progress) {
        if let Some(bar) = &self.bar {
            bar.set_position(progress.done + progress.resumed + progress.input_errors);
            bar.set_message(format!("· {} flagged", progress.flagged));
            return;
        }
        if self.last_line.elapsed() >= LOG_EVERY {
            self.last_line = Instant::now();
            let secs = progress.elapsed.as_secs_f64().max(0.001);
            eprintln!(
                "portfolio-audit: {} profiles done, {} passed over (done before a resume), {} flagged, {:.1} pages/s, {:.0} s",
                progress.done,
                progress.resumed,
                progress.flagged,
                progress.pages_requested as f64 / secs,
                secs
            );
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// One fetcher and one judge for the whole job, shared by its tasks.
pub fn live_source(
    fetcher: portfolio_audit::fetch::Fetcher,
    judge: portfolio_audit::check::Judge,
) -> LiveSource {
    LiveSource {
        fetcher: Arc::new(fetcher),
        judge: Arc::new(judge),
    }
}
