//! The `portfolio-audit` command line: parses flags, calls the library, prints results and
//! maps the outcome to an exit status (0 nothing flagged, 1 something flagged, 2 error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use portfolio_audit::{ExtractOptions, Page, Region, Verdict, report, scan_page};
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
    match cli.command {
        Command::Scan(args) => match scan(args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("portfolio-audit: {e:#}");
                ExitCode::from(2)
            }
        },
    }
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
    let mut stdout = std::io::stdout().lock();
    let mut flagged = false;
    let mut failed = false;
    for path in &args.files {
        let page = if path.as_os_str() == "-" {
            Page::read_stdin(args.url.clone())
        } else {
            Page::read_file(path, args.url.clone())
        };
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                eprintln!("portfolio-audit: {e}");
                failed = true;
                continue;
            }
        };
        // A bug must cost one page, not the rest of the batch.
        let result = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            scan_page(&page, &options)
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
