//! The `portfolio-audit` command line: parses flags, calls the library, prints results and
//! maps the outcome to an exit status (0 nothing flagged, 1 something flagged, 2 error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use portfolio_audit::audit::{AuditConfig, InputFormat, OutputFormat};
use portfolio_audit::check::{
    CheckOptions, Judge, LiveSource, ProfileTarget, Selectors, check_profile,
};
use portfolio_audit::classify::{rule_reference, rules_markdown, rules_table};
use portfolio_audit::eval::{Labels, evaluate};
use portfolio_audit::fetch::{FetchConfig, Fetcher, ResolveOverride};
use portfolio_audit::{ExtractOptions, Page, Region, Ruleset, Verdict, report, scan_page_with};
use url::Url;

mod cli;

#[derive(Parser)]
#[command(
    name = "portfolio-audit",
    version,
    about = "Finds contact channels on portfolio pages and flags off-platform solicitation."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan saved HTML pages offline and print each page's contacts and verdict.
    Scan(ScanArgs),
    /// List the rules of the ruleset, or explain one (`rules SOL004`).
    Rules(RulesArgs),
    /// Score a ruleset on labelled saved pages (format: docs/eval.md).
    Eval(EvalArgs),
    /// Fetch one marketplace profile, its portfolio links and their contact pages, and
    /// judge each linked page.
    Check(CheckArgs),
    /// Audit many profiles (the scheduled job): resumable, incremental, one line of
    /// results per profile (docs/operations.md).
    #[command(args_override_self = true)]
    Audit(AuditArgs),
    /// Run the audit end to end on the bundled demo sites and profiles, served from
    /// loopback inside the process (no internet needed).
    Demo(DemoArgs),
}

#[derive(clap::Args)]
struct AuditArgs {
    /// The profiles: JSON Lines, CSV with a header, or one profile URL per line (`-`:
    /// standard input, which a resumed run must be given again in full).
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// The input's format (default: detected from its first line).
    #[arg(long, value_enum, value_name = "FORMAT")]
    input_format: Option<InputFormat>,
    /// The results file (default: results.jsonl, or results.csv with --format csv).
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    job: JobArgs,
    /// Two-letter country for national phone numbers (default: read from each page).
    #[arg(long, value_name = "CC")]
    region: Option<Region>,
    /// CSS selectors of portfolio links per profile host (TOML; docs/operations.md).
    #[arg(long, value_name = "FILE")]
    selectors: Option<PathBuf>,
    /// Same-site contact, hire and about pages fetched per linked page.
    #[arg(long, value_name = "N", default_value_t = 3)]
    site_pages: usize,
    /// Options from a TOML file, each key a flag of this command; flags given here win
    /// (default: $PORTFOLIO_AUDIT_CONFIG, else none).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    fetch: FetchArgs,
    #[command(flatten)]
    ruleset: RulesetArg,
}

/// What `audit` and `demo` share.
#[derive(clap::Args)]
struct JobArgs {
    /// Results as JSON Lines or CSV.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: OutputFormat,
    /// The state database (default: portfolio-audit.db beside the results file).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Pages an earlier run read within this long are not fetched again (`12h`, `3d`,
    /// `0s`); older ones are revalidated.
    #[arg(long, value_name = "AGE", default_value = "12h", value_parser = humantime::parse_duration)]
    max_age: Duration,
    /// Write the summary as JSON to this file too.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Write the reviewer's HTML report to this file at the end (needs JSON Lines results).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Profiles checked at once.
    #[arg(long, value_name = "N", default_value_t = 256)]
    in_flight: usize,
    /// After SIGINT/SIGTERM, how long profiles in flight may take to finish.
    #[arg(long, value_name = "AGE", default_value = "10s", value_parser = humantime::parse_duration)]
    grace: Duration,
    /// Log what the job does on stderr (-v: each run and site, -vv: each fetch);
    /// RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(clap::Args)]
struct DemoArgs {
    /// Where the demo writes its results, summary and state. Run it twice to see an
    /// incremental run: pages read within --max-age are reused, and `--max-age 0s`
    /// revalidates them (304s).
    #[arg(long, value_name = "DIR", default_value = "portfolio-audit-demo")]
    dir: PathBuf,
    #[command(flatten)]
    job: JobArgs,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The profile page's address.
    #[arg(value_name = "PROFILE_URL")]
    profile_url: Url,
    /// A portfolio link to check besides those found on the profile (repeat; for pages
    /// behind a login).
    #[arg(long = "link", value_name = "URL")]
    links: Vec<Url>,
    /// Output format (default: table on a terminal, json otherwise).
    #[arg(long, value_enum)]
    format: Option<CheckFormat>,
    /// Two-letter country for national phone numbers (default: read from each page).
    #[arg(long, value_name = "CC")]
    region: Option<Region>,
    /// CSS selectors of portfolio links per profile host (TOML; docs/operations.md).
    #[arg(long, value_name = "FILE")]
    selectors: Option<PathBuf>,
    /// Same-site contact, hire and about pages fetched per linked page.
    #[arg(long, value_name = "N", default_value_t = 3)]
    site_pages: usize,
    #[command(flatten)]
    fetch: FetchArgs,
    #[command(flatten)]
    ruleset: RulesetArg,
}

/// How the fetcher behaves (defaults: docs/operations.md).
#[derive(clap::Args)]
struct FetchArgs {
    /// Requests per second to one site (registrable domain).
    #[arg(long, value_name = "N", default_value_t = 1.0)]
    rate: f64,
    /// Requests a quiet site may get at once.
    #[arg(long, value_name = "N", default_value_t = 1)]
    burst: u32,
    /// Requests in flight to one site.
    #[arg(long, value_name = "N", default_value_t = 2)]
    per_site: usize,
    /// Requests in flight in all.
    #[arg(long, value_name = "N", default_value_t = 64)]
    concurrency: usize,
    /// Seconds to connect.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    connect_timeout: f64,
    /// Seconds for one request, body included.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    timeout: f64,
    /// The most bytes of one page read (after decompression).
    #[arg(long, value_name = "BYTES", default_value_t = 5 * 1024 * 1024)]
    max_body: u64,
    /// Redirects followed at most.
    #[arg(long, value_name = "N", default_value_t = 10)]
    max_redirects: usize,
    /// Do not obey robots.txt: only for auditing your own site.
    #[arg(long)]
    ignore_robots: bool,
    /// Allow loopback and private addresses (tests, internal deployments).
    #[arg(long)]
    allow_private: bool,
    /// Connect HOST to ADDR, as curl's --resolve (repeat).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    resolve: Vec<ResolveOverride>,
}

impl FetchArgs {
    fn config(&self) -> anyhow::Result<FetchConfig> {
        let seconds = |value: f64, flag: &str| {
            if value.is_finite() && value > 0.0 {
                Ok(Duration::from_secs_f64(value))
            } else {
                Err(anyhow::anyhow!(
                    "{flag} {value}: must be a positive number of seconds"
                ))
            }
        };
        Ok(FetchConfig {
            requests_per_second: self.rate,
            burst: self.burst,
            per_site_concurrency: self.per_site,
            concurrency: self.concurrency,
            connect_timeout: seconds(self.connect_timeout, "--connect-timeout")?,
            timeout: seconds(self.timeout, "--timeout")?,
            max_body_bytes: self.max_body,
            max_redirects: self.max_redirects,
            respect_robots: !self.ignore_robots,
            allow_private: self.allow_private,
            resolve: self.resolve.clone(),
            ..FetchConfig::default()
        })
    }
}

#[derive(clap::Args)]
struct RulesArgs {
    /// A rule id (`SOL004`): print its explanation, conditions, phrases and examples.
    id: Option<String>,
    /// Print the whole reference as Markdown (the source of docs/rules.md).
    #[arg(long, conflicts_with = "id")]
    markdown: bool,
    #[command(flatten)]
    ruleset: RulesetArg,
}

#[derive(clap::Args)]
struct EvalArgs {
    /// The labels file (TOML, `[[page]]` entries; page files are relative to it).
    #[arg(long, value_name = "FILE")]
    labels: PathBuf,
    #[command(flatten)]
    ruleset: RulesetArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(clap::Args)]
struct RulesetArg {
    /// A ruleset file (TOML) to use instead of the built-in one; `extends = "default"` in
    /// it changes the built-in ruleset rather than replacing it.
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
}

impl RulesetArg {
    fn load(&self) -> anyhow::Result<&'static Ruleset> {
        Ok(match &self.rules {
            // One ruleset per process: leaking it gives it the built-in one's lifetime.
            Some(path) => Box::leak(Box::new(Ruleset::from_file(path)?)),
            None => Ruleset::builtin(),
        })
    }
}

#[derive(clap::Args)]
struct ScanArgs {
    /// HTML files to scan; `-` reads one page from standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The address the page was served at (resolves relative links; gives region hints).
    /// Only with a single FILE: with several, each page's URL is its file:// path.
    #[arg(long, value_name = "URL")]
    url: Option<Url>,
    /// Two-letter country for national phone numbers (default: read from the page, else US).
    #[arg(long, value_name = "CC")]
    region: Option<Region>,
    /// Output format (default: table on a terminal, json otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// A hop of the redirect chain that led to --url, in order (repeat for each hop).
    #[arg(long, value_name = "URL", requires = "url")]
    via: Vec<Url>,
    #[command(flatten)]
    ruleset: RulesetArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Table,
}

/// `check`'s formats: the page formats and the reviewer's HTML report.
#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Json,
    Table,
    /// A self-contained HTML report (docs/output.md).
    Html,
}

fn main() -> ExitCode {
    let audit_flags: Vec<String> = Cli::command()
        .find_subcommand("audit")
        .map(|audit| {
            audit
                .get_arguments()
                .filter_map(|a| a.get_long().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let args = match cli::config::with_config(std::env::args_os().collect(), &audit_flags) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("portfolio-audit: {e:#}");
            return ExitCode::from(2);
        }
    };
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let outcome = match cli.command {
        Command::Scan(args) => scan(args),
        Command::Rules(args) => rules(args),
        Command::Eval(args) => eval(args),
        Command::Check(args) => check(args),
        Command::Audit(args) => audit(args),
        Command::Demo(args) => demo(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("portfolio-audit: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Prints the rules, one rule, or the Markdown reference.
fn rules(args: RulesArgs) -> anyhow::Result<ExitCode> {
    let ruleset = args.ruleset.load()?;
    let text = match &args.id {
        Some(id) => match ruleset.rule(id) {
            Some(rule) => rule_reference(rule),
            None => bail!(
                "no rule {id} in {} (`portfolio-audit rules` lists them)",
                ruleset.origin
            ),
        },
        None if args.markdown => rules_markdown(ruleset),
        None => rules_table(ruleset),
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// Scores the ruleset on a labels file; exit 2 when a page could not be scored.
fn eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let ruleset = args.ruleset.load()?;
    let labels = Labels::read(&args.labels)?;
    let evaluation = evaluate(&labels, ruleset);
    let text = match args.format {
        Format::Table => evaluation.report(&labels),
        Format::Json => serde_json::to_string_pretty(&evaluation)? + "\n",
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing to stdout")?;
    for failure in &evaluation.failures {
        eprintln!(
            "portfolio-audit: {}:{}: {}",
            labels.path.display(),
            failure.line,
            failure.error
        );
    }
    Ok(if evaluation.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// Scans every file; a file that cannot be read is reported and the rest still scanned.
fn scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
    if args.url.is_some() && args.files.len() > 1 {
        bail!(
            "--url names the address of one page, but {} files were given",
            args.files.len()
        );
    }
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let options = ExtractOptions {
        region: args.region,
    };
    let ruleset = args.ruleset.load()?;
    let mut stdout = std::io::stdout().lock();
    let mut flagged = false;
    let mut failed = false;
    for path in &args.files {
        let page = if path.as_os_str() == "-" {
            Page::read_stdin(args.url.clone())
        } else {
            Page::read_file(path, args.url.clone())
        };
        let mut page = match page {
            Ok(page) => page,
            Err(e) => {
                eprintln!("portfolio-audit: {e}");
                failed = true;
                continue;
            }
        };
        page.redirects = args.via.clone();
        // A bug must cost one page, not the rest of the batch.
        let result = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            scan_page_with(&page, &options, ruleset)
        })) {
            Ok(result) => result,
            Err(_) => {
                eprintln!(
                    "portfolio-audit: {}: internal error while scanning this page; it was skipped",
                    path.display()
                );
                failed = true;
                continue;
            }
        };
        flagged |= result.verdict == Verdict::Solicitation;
        let text = match format {
            Format::Json => report::json_line(&result) + "\n",
            Format::Table => report::table(&result),
        };
        stdout
            .write_all(text.as_bytes())
            .context("writing results to stdout")?;
    }
    stdout.flush().context("writing results to stdout")?;
    Ok(match (failed, flagged) {
        (true, _) => ExitCode::from(2),
        (false, true) => ExitCode::from(1),
        (false, false) => ExitCode::SUCCESS,
    })
}

/// Checks one profile; exit 1 when it is flagged, 2 when nothing could be judged.
fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        CheckFormat::Table
    } else {
        CheckFormat::Json
    });
    let ruleset = args.ruleset.load()?;
    let selectors = match &args.selectors {
        Some(path) => Selectors::from_file(path)?,
        None => Selectors::default(),
    };
    let judge = Arc::new(Judge::new(
        ruleset,
        CheckOptions {
            extract: ExtractOptions {
                region: args.region,
            },
            selectors,
            site_pages: args.site_pages,
        },
    ));
    let source = LiveSource {
        fetcher: Arc::new(Fetcher::new(args.fetch.config()?)?),
        judge,
    };
    let target = ProfileTarget {
        profile_url: Some(args.profile_url.clone()),
        links: args.links.clone(),
        discover: true,
        overview: None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = runtime.block_on(check_profile(&source, &target));
    let text = match format {
        CheckFormat::Json => serde_json::to_string(&report)? + "\n",
        CheckFormat::Table => report::profile_table(&report),
        CheckFormat::Html => report::check_html(&report, ruleset),
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing to stdout")?;
    Ok(match report.verdict {
        None => ExitCode::from(2),
        Some(Verdict::Solicitation) => ExitCode::from(1),
        Some(_) => ExitCode::SUCCESS,
    })
}

impl JobArgs {
    fn config(
        &self,
        input: PathBuf,
        input_format: Option<InputFormat>,
        output: Option<PathBuf>,
    ) -> AuditConfig {
        let output = output.unwrap_or_else(|| match self.format {
            OutputFormat::Jsonl => PathBuf::from("results.jsonl"),
            OutputFormat::Csv => PathBuf::from("results.csv"),
        });
        AuditConfig {
            state: self
                .state
                .clone()
                .unwrap_or_else(|| cli::audit::default_state(&output)),
            input,
            input_format,
            output,
            format: self.format,
            max_age: self.max_age,
            in_flight: self.in_flight,
            grace: self.grace,
        }
    }

    /// Logs to stderr at the level `-v` asks for (warnings only by default).
    fn start_logging(&self) {
        let level = match self.verbose {
            0 => "warn",
            1 => "info",
            _ => "debug",
        };
        let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(format!("portfolio_audit={level}"))
        });
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .try_init();
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The scheduled job: exit 0 when nothing is newly flagged, 1 when something is, 2 when
/// the job could not run, 130 when a signal stopped it.
fn audit(args: AuditArgs) -> anyhow::Result<ExitCode> {
    args.job.start_logging();
    let ruleset = args.ruleset.load()?;
    let selectors = match &args.selectors {
        Some(path) => Selectors::from_file(path)?,
        None => Selectors::default(),
    };
    let judge = Judge::new(
        ruleset,
        CheckOptions {
            extract: ExtractOptions {
                region: args.region,
            },
            selectors,
            site_pages: args.site_pages,
        },
    );
    let config = args
        .job
        .config(args.input.clone(), args.input_format, args.output.clone());
    let runtime = runtime()?;
    let fetcher = Fetcher::new(args.fetch.config()?)?;
    let live = cli::audit::live_source(fetcher, judge);
    let outputs = cli::audit::JobOutputs {
        summary: args.job.summary.as_deref(),
        report: args.job.report.as_deref(),
        ruleset,
    };
    cli::audit::run_job(&runtime, live, &config, &outputs, args.job.verbose > 0)
}

/// The audit on the bundled demo: its sites served from loopback, every host name mapped
/// there, the real fetcher (1 request/s per site, robots.txt), scanner, classifier and
/// state.
fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    args.job.start_logging();
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating the demo directory {}", args.dir.display()))?;
    let input = args.dir.join("profiles.jsonl");
    std::fs::write(&input, portfolio_audit::demo::profiles())
        .with_context(|| format!("writing the demo profiles to {}", input.display()))?;
    let output = args.dir.join(match args.job.format {
        OutputFormat::Jsonl => "results.jsonl",
        OutputFormat::Csv => "results.csv",
    });
    let summary = args
        .job
        .summary
        .clone()
        .unwrap_or_else(|| args.dir.join("summary.json"));
    let config = args
        .job
        .config(input, Some(InputFormat::Jsonl), Some(output));
    let runtime = runtime()?;
    let server = runtime.block_on(portfolio_audit::demo::DemoServer::start())?;
    let fetcher = Fetcher::new(FetchConfig {
        resolve: vec![ResolveOverride::every_name(server.addr())],
        ..FetchConfig::default()
    })?;
    let judge = Judge::new(Ruleset::builtin(), CheckOptions::default());
    eprintln!(
        "portfolio-audit demo: auditing the bundled profiles against sample sites served on {} (1 request/s per site)",
        server.addr()
    );
    let live = cli::audit::live_source(fetcher, judge);
    let report = args
        .job
        .report
        .clone()
        .unwrap_or_else(|| args.dir.join("report.html"));
    let outputs = cli::audit::JobOutputs {
        summary: Some(&summary),
        report: (args.job.format == OutputFormat::Jsonl).then_some(report.as_path()),
        ruleset: Ruleset::builtin(),
    };
    let code = cli::audit::run_job(&runtime, live, &config, &outputs, args.job.verbose > 0)?;
    eprintln!("  summary (JSON): {}", summary.display());
    drop(server);
    Ok(code)
}
