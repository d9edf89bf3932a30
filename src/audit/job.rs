//! The audit pipeline. A reader thread streams the input into a bounded queue; the job
//! starts at most `in_flight` profiles at once, each checked as `check` does through the
//! one shared fetcher (so per-site limits hold across the whole job), with scans on the
//! blocking pool; each finished profile is written to the results file and committed to
//! the state, with its pages, in one transaction. Memory is bounded by the queue and the
//! profiles in flight, not by the input.
//!
//! A stop request (`Stop::Drain`) starts no new profile and lets those in flight finish
//! within the grace period; `Stop::Now` drops them. Either way what was committed stands,
//! and the same arguments resume the run.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufReader;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::FutureExt;
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::input::{BadLine, InputError, InputFormat, ProfileReader, ProfileRecord};
use super::output::{self, OutputError, OutputFormat, ResultLine, ResultWriter};
use super::pages::{PageTally, StatePages};
use super::state::{FinishedProfile, Run, State, StateError};
use crate::check::{LiveSource, ProfileTarget, check_profile};
use crate::classify::Verdict;

/// Input records queued ahead of the profiles in flight.
const INPUT_QUEUE: usize = 256;

/// What to audit and where to keep it.
#[derive(Clone, Debug)]
pub struct AuditConfig {
    pub input: PathBuf,
    /// Detected from the first line when not set.
    pub input_format: Option<InputFormat>,
    pub output: PathBuf,
    pub format: OutputFormat,
    pub state: PathBuf,
    /// Pages an earlier run read within this long are not asked for again.
    pub max_age: Duration,
    /// Profiles checked at once.
    pub in_flight: usize,
    /// After a stop request, how long profiles in flight may take to finish.
    pub grace: Duration,
}

/// Where the job stands with stopping; the binary sets it from signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    Run,
    /// Start no new profile; finish those in flight within the grace period.
    Drain,
    /// Drop the profiles in flight now.
    Now,
}

/// The job could not run, or could not go on.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("input {path}")]
    Input {
        path: PathBuf,
        #[source]
        source: InputError,
    },
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// How far the job is, after each committed profile.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    /// Profiles committed by this process.
    pub done: u64,
    /// Bad input lines reported by this process.
    pub input_errors: u64,
    /// Records (profiles and bad lines) an interrupted run had already committed, passed
    /// over on resume.
    pub resumed: u64,
    /// Profiles flagged solicitation by this process.
    pub flagged: u64,
    /// Pages requested over the network by this process.
    pub pages_requested: u64,
    pub elapsed: Duration,
}

/// The run's summary: what a reviewer reads in the morning (docs/output.md).
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub run: i64,
    /// This process picked up an interrupted run.
    pub resumed: bool,
    /// Stopped by a signal before the input was done: run the same command to go on.
    pub interrupted: bool,
    pub output: PathBuf,
    pub state: PathBuf,
    /// Profiles the run has committed, over all its sessions.
    pub profiles: u64,
    /// Profiles per verdict; `unjudged` when nothing about a profile could be read.
    pub verdicts: BTreeMap<String, u64>,
    pub newly_flagged: Vec<String>,
    pub newly_cleared: Vec<String>,
    pub input_errors: u64,
    /// Pages read afresh, answered 304, or reused within `--max-age`.
    pub pages: BTreeMap<String, i64>,
    /// Failed page reads by kind.
    pub fetch_errors: BTreeMap<String, i64>,
    /// This process alone.
    pub session: SessionFigures,
}

/// What this process did (a resumed run's earlier sessions are not in it).
#[derive(Clone, Debug, Serialize)]
pub struct SessionFigures {
    /// Profiles committed (bad lines not counted).
    pub profiles: u64,
    pub pages_requested: u64,
    pub elapsed_secs: f64,
    pub profiles_per_second: f64,
    pub pages_per_second: f64,
}

/// A profile checked and ready to commit.
struct Checked {
    id: String,
    line: u64,
    verdict: Option<Verdict>,
    previous_verdict: Option<String>,
    changed: Option<bool>,
    record: Vec<u8>,
    tally: PageTally,
}

/// What a profile task gives back: its id and line, and its result or the message of its
/// panic.
type TaskOutcome = (String, u64, Result<Result<Checked, AuditError>, String>);

/// What every profile task shares.
struct Shared {
    live: LiveSource,
    state: Arc<Mutex<State>>,
    judged_by: String,
    max_age_secs: i64,
    run: i64,
    format: OutputFormat,
}

/// Runs the audit to the end of its input, or until `stop` says otherwise.
pub async fn run_audit(
    live: LiveSource,
    config: &AuditConfig,
    mut stop: watch::Receiver<Stop>,
    on_progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<Summary, AuditError> {
    let started = Instant::now();
    let input_error = |source| AuditError::Input {
        path: config.input.clone(),
        source,
    };
    let reader = open_input(&config.input, config.input_format).map_err(input_error)?;
    // Locked first: a second process must fail before it touches the state.
    let mut writer = ResultWriter::lock(&config.output)?;
    let state = State::open(&config.state)?;
    let judged_by = live.judge.fingerprint();
    let output = absolute(&config.output);
    let run = state.start_run(
        &fingerprint(config, &judged_by),
        &output.display().to_string(),
        now_secs(),
    )?;
    let length = writer.length()?;
    if state.output_end(run.id)? > length {
        // The file lost lines the state kept (a power cut): those profiles are redone.
        tracing::warn!(output = %config.output.display(), length, "results file shorter than committed; redoing the lost profiles");
        state.forget_past(run.id, length)?;
    }
    let committed_end = state.output_end(run.id)?;
    writer.start_at(committed_end, config.format)?;
    if run.resumed {
        tracing::info!(run = run.id, output = %config.output.display(), committed_end, "resuming an interrupted run");
    } else {
        tracing::info!(run = run.id, input = %config.input.display(), output = %config.output.display(), "starting a run");
    }
    let state = Arc::new(Mutex::new(state));
    let shared = Arc::new(Shared {
        live,
        state: Arc::clone(&state),
        judged_by,
        max_age_secs: i64::try_from(config.max_age.as_secs()).unwrap_or(i64::MAX),
        run: run.id,
        format: config.format,
    });

    let (queue, mut records) = mpsc::channel(INPUT_QUEUE);
    std::thread::spawn(move || {
        for item in reader {
            if queue.blocking_send(item).is_err() {
                break;
            }
        }
    });

    let mut progress = Progress::default();
    let mut in_flight: JoinSet<TaskOutcome> = JoinSet::new();
    // The ids in flight and their lines: a second record with one is a duplicate.
    let mut in_flight_ids: HashMap<String, u64> = HashMap::new();
    let mut input_open = true;
    let mut stop_open = true;
    let mut stopping = false;
    let mut aborted = false;
    let mut deadline: Option<Instant> = None;
    loop {
        let draining = deadline.is_some();
        if in_flight.is_empty() && (!input_open || draining) {
            break;
        }
        let grace_over = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            changed = stop.changed(), if stop_open => {
                if changed.is_err() {
                    // Nobody can ask the job to stop any more.
                    stop_open = false;
                    continue;
                }
                let asked = *stop.borrow_and_update();
                match asked {
                    Stop::Run => {}
                    Stop::Drain => {
                        stopping = true;
                        deadline.get_or_insert(Instant::now() + config.grace);
                    }
                    Stop::Now => {
                        stopping = true;
                        aborted = !in_flight.is_empty();
                        in_flight.abort_all();
                        break;
                    }
                }
            }
            () = grace_over => {
                aborted = !in_flight.is_empty();
                in_flight.abort_all();
                break;
            }
            Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                let Ok((id, line, checked)) = joined else {
                    // Only an abort ends a task without its result, and aborts end the loop.
                    continue;
                };
                in_flight_ids.remove(&id);
                let checked = match checked {
                    Ok(checked) => checked?,
                    Err(message) => {
                        tracing::error!(profile = %id, %message, "checking the profile failed");
                        failed(shared.format, id, line, &message)
                    }
                };
                commit(&state, &mut writer, run, checked, &mut progress)?;
                progress.elapsed = started.elapsed();
                on_progress(&progress);
            }
            item = records.recv(), if input_open && !draining && in_flight.len() < config.in_flight.max(1) => {
                match item {
                    None => input_open = false,
                    Some(Err(error)) => return Err(input_error(error)),
                    Some(Ok(Err(bad))) => {
                        report_bad_line(&state, &mut writer, run, &bad, &mut progress)?;
                        progress.elapsed = started.elapsed();
                        on_progress(&progress);
                    }
                    Some(Ok(Ok(record))) => {
                        let first = match in_flight_ids.get(&record.id) {
                            Some(line) => Some(*line),
                            None => lock(&state).committed_line(run.id, &record.id)?,
                        };
                        match first {
                            Some(line) if line == record.line => progress.resumed += 1,
                            Some(line) => {
                                let duplicate = BadLine {
                                    line: record.line,
                                    reason: format!("duplicate id {:?}, first on line {line}", record.id),
                                };
                                report_bad_line(&state, &mut writer, run, &duplicate, &mut progress)?;
                            }
                            None => {
                                in_flight_ids.insert(record.id.clone(), record.line);
                                let shared = Arc::clone(&shared);
                                in_flight.spawn(async move {
                                    let (id, line) = (record.id.clone(), record.line);
                                    let checked = AssertUnwindSafe(check_record(&shared, record))
                                        .catch_unwind()
                                        .await
                                        .map_err(panic_message);
                                    (id, line, checked)
                                });
                            }
                        }
                        progress.elapsed = started.elapsed();
                        on_progress(&progress);
                    }
                }
            }
        }
    }
    // A stop that came after the last record was read and finished interrupts nothing.
    let interrupted = stopping && (input_open || aborted);
    in_flight.shutdown().await;
    let state = lock(&state);
    if !interrupted {
        state.finish_run(run.id, now_secs())?;
    }
    let totals = state.totals(run.id)?;
    let elapsed = started.elapsed();
    let per_second = |n: u64| {
        let secs = elapsed.as_secs_f64();
        if secs > 0.0 { n as f64 / secs } else { 0.0 }
    };
    let (pages, fetch_errors) = split_counts(totals.counts);
    Ok(Summary {
        run: run.id,
        resumed: run.resumed,
        interrupted,
        output: config.output.clone(),
        state: config.state.clone(),
        profiles: totals.verdicts.values().sum(),
        verdicts: totals
            .verdicts
            .into_iter()
            .map(|(v, n)| (v.unwrap_or_else(|| "unjudged".to_owned()), n))
            .collect(),
        newly_flagged: totals.newly_flagged,
        newly_cleared: totals.newly_cleared,
        input_errors: totals.input_errors,
        pages,
        fetch_errors,
        session: SessionFigures {
            profiles: progress.done,
            pages_requested: progress.pages_requested,
            elapsed_secs: elapsed.as_secs_f64(),
            profiles_per_second: per_second(progress.done),
            pages_per_second: per_second(progress.pages_requested),
        },
    })
}

fn open_input(
    path: &Path,
    format: Option<InputFormat>,
) -> Result<ProfileReader<BufReader<Box<dyn std::io::Read + Send>>>, InputError> {
    let source: Box<dyn std::io::Read + Send> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(path)?)
    };
    ProfileReader::new(BufReader::with_capacity(64 * 1024, source), format)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// What makes a run the same run: started again with these, it resumes. A file's size
/// and modification time stand for its content, so a new export at the same path is a
/// new run rather than the old one resumed over different records.
fn fingerprint(config: &AuditConfig, judged_by: &str) -> String {
    let input_version = std::fs::metadata(&config.input)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}/{modified}", m.len())
        })
        .unwrap_or_default();
    format!(
        "input={} ({input_version})\noutput={}\nformat={:?}\njudged_by={judged_by}",
        absolute(&config.input).display(),
        absolute(&config.output).display(),
        config.format,
    )
}

/// Checks one profile and renders its result line.
async fn check_record(shared: &Shared, record: ProfileRecord) -> Result<Checked, AuditError> {
    let pages = StatePages {
        live: &shared.live,
        state: &shared.state,
        judged_by: &shared.judged_by,
        max_age_secs: shared.max_age_secs,
        now: now_secs(),
        tally: Mutex::default(),
    };
    let target = ProfileTarget {
        profile_url: record.profile_url.clone(),
        links: record.portfolio_urls.clone(),
        discover: false,
        overview: record.overview.clone(),
    };
    let report = check_profile(&pages, &target).await;
    let previous_verdict = lock(&shared.state).previous_verdict(shared.run, &record.id)?;
    let tally = pages.tally.into_inner().unwrap_or_else(|p| p.into_inner());
    let verdict = report.verdict;
    let changed = previous_verdict
        .as_deref()
        .map(|previous| Some(previous) != verdict.map(Verdict::as_str) || tally.content_changed);
    let rendered = output::render_result(
        shared.format,
        &ResultLine {
            id: &record.id,
            report: &report,
            previous_verdict: previous_verdict.as_deref(),
            changed_since_last_run: changed,
            extra: &record.extra,
        },
    );
    Ok(Checked {
        line: record.line,
        id: record.id,
        verdict,
        previous_verdict,
        changed,
        record: rendered,
        tally,
    })
}

fn commit(
    state: &Mutex<State>,
    writer: &mut ResultWriter,
    run: Run,
    checked: Checked,
    progress: &mut Progress,
) -> Result<(), AuditError> {
    let mut state = lock(state);
    let end = writer.write(&checked.record)?;
    let tally = &checked.tally;
    let mut counts: Vec<(String, i64)> = [
        ("fetched", tally.fetched),
        ("not_modified", tally.not_modified),
        ("within_max_age", tally.within_max_age),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(name, n)| (format!("pages.{name}"), n as i64))
    .collect();
    for kind in &tally.errors {
        counts.push((format!("error.{kind}"), 1));
    }
    state.record(
        run.id,
        &FinishedProfile {
            profile_id: &checked.id,
            line: checked.line,
            verdict: checked.verdict.map(Verdict::as_str),
            previous_verdict: checked.previous_verdict.as_deref(),
            changed: checked.changed,
            output_end: end,
            pages: &tally.rows,
            counts: &counts,
        },
        now_secs(),
    )?;
    tracing::debug!(
        profile = %checked.id,
        verdict = checked.verdict.map_or("unjudged", Verdict::as_str),
        fetched = tally.fetched,
        not_modified = tally.not_modified,
        within_max_age = tally.within_max_age,
        "profile committed"
    );
    progress.done += 1;
    progress.pages_requested += tally.requested();
    if checked.verdict == Some(Verdict::Solicitation) {
        progress.flagged += 1;
    }
    Ok(())
}

fn report_bad_line(
    state: &Mutex<State>,
    writer: &mut ResultWriter,
    run: Run,
    bad: &BadLine,
    progress: &mut Progress,
) -> Result<(), AuditError> {
    let mut state = lock(state);
    if state.is_input_error_done(run.id, bad.line)? {
        progress.resumed += 1;
        return Ok(());
    }
    let end = writer.write(&output::render_input_error(writer.format(), bad))?;
    state.record_input_error(run.id, bad.line, &bad.reason, end)?;
    tracing::warn!(line = bad.line, reason = %bad.reason, "input line skipped");
    progress.input_errors += 1;
    Ok(())
}

/// Splits the run's counters into page outcomes and errors by kind.
fn split_counts(counts: BTreeMap<String, i64>) -> (BTreeMap<String, i64>, BTreeMap<String, i64>) {
    let mut pages = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for (name, count) in counts {
        if let Some(kind) = name.strip_prefix("error.") {
            errors.insert(kind.to_owned(), count);
        } else if let Some(outcome) = name.strip_prefix("pages.") {
            pages.insert(outcome.to_owned(), count);
        }
    }
    (pages, errors)
}

/// A profile whose check panicked: reported with the reason and committed, so a resumed
/// run does not stumble on it again.
fn failed(format: OutputFormat, id: String, line: u64, message: &str) -> Checked {
    Checked {
        record: output::render_failure(format, &id, message),
        id,
        line,
        verdict: None,
        previous_verdict: None,
        changed: None,
        tally: PageTally::default(),
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // A panic never happens while the state is held (no code that can panic runs under
    // the lock), and SQLite keeps the database consistent regardless.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
