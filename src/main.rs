//! The `portfolio-audit` command line: parses flags, calls the library, prints results and
//! maps the outcome to an exit status (0 nothing flagged, 1 something flagged, 2 error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use portfolio_audit::classify::{rule_reference, rules_markdown, rules_table};
use portfolio_audit::eval::{Labels, evaluate};
use portfolio_audit::{ExtractOptions, Page, Region, Ruleset, Verdict, report, scan_page_with};
use url::Url;

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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
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
