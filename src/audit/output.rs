//! The audit's results file, written as profiles finish: JSON Lines (one object per
//! profile, the `check --format json` shape plus the audit's fields) or CSV for
//! spreadsheets. The writer reports where each line ends, so the state can commit that
//! offset with the profile and a resumed run can cut off a line that was written but never
//! committed.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::input::BadLine;
use crate::check::ProfileReport;
use crate::classify::Verdict;

/// How results are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per profile (and per bad input line).
    #[default]
    Jsonl,
    /// One row per profile; the columns are in docs/output.md.
    Csv,
}

/// The results file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("results file {path}: {source}")]
pub struct OutputError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

/// Appends result lines to the results file, which it holds locked for the run.
pub(crate) struct ResultWriter {
    file: File,
    path: PathBuf,
    format: OutputFormat,
    end: u64,
}

impl ResultWriter {
    /// Opens `path` and locks it: two processes appending to one results file would
    /// interleave their lines (an overlapping cron run, a retried pod).
    pub(crate) fn lock(path: &Path) -> Result<ResultWriter, OutputError> {
        let fail = |source| OutputError {
            path: path.to_owned(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(fail)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(fail(std::io::Error::other(
                    "another portfolio-audit run is writing it; wait for it to end, or use another --output",
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(fail(e)),
        }
        Ok(ResultWriter {
            file,
            path: path.to_owned(),
            format: OutputFormat::default(),
            end: 0,
        })
    }

    /// The file's length now.
    pub(crate) fn length(&self) -> Result<u64, OutputError> {
        self.file
            .metadata()
            .map(|m| m.len())
            .map_err(|source| self.fail(source))
    }

    /// Cuts the file to `committed_end`, where the run's committed lines end (a line
    /// written before a crash but never committed goes), and writes from there; a file
    /// cut back to nothing starts with the CSV header.
    pub(crate) fn start_at(
        &mut self,
        committed_end: u64,
        format: OutputFormat,
    ) -> Result<(), OutputError> {
        self.format = format;
        self.file
            .set_len(committed_end)
            .and_then(|()| self.file.seek(SeekFrom::Start(committed_end)).map(drop))
            .map_err(|source| self.fail(source))?;
        self.end = committed_end;
        if committed_end == 0 && format == OutputFormat::Csv {
            self.write(&csv_line(&CSV_COLUMNS))?;
        }
        Ok(())
    }

    fn fail(&self, source: std::io::Error) -> OutputError {
        OutputError {
            path: self.path.clone(),
            source,
        }
    }

    pub(crate) fn format(&self) -> OutputFormat {
        self.format
    }

    /// Writes one record (its bytes end with a newline) and returns where it ends.
    pub(crate) fn write(&mut self, record: &[u8]) -> Result<u64, OutputError> {
        self.file
            .write_all(record)
            .map_err(|source| self.fail(source))?;
        self.end += record.len() as u64;
        Ok(self.end)
    }
}

/// One audit line: the profile's check report, with what the audit adds.
#[derive(Serialize)]
pub(crate) struct ResultLine<'a> {
    pub id: &'a str,
    #[serde(flatten)]
    pub report: &'a ProfileReport,
    /// The verdict the last earlier run reached; absent when none judged the profile.
    pub previous_verdict: Option<&'a str>,
    /// Whether the verdict or a page's content changed since that run.
    pub changed_since_last_run: Option<bool>,
    /// Input fields the audit does not know, as given.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
}

/// The CSV columns, in order: the fields of [`CsvRow`].
pub(crate) const CSV_COLUMNS: [&str; 13] = [
    "id",
    "profile_url",
    "verdict",
    "previous_verdict",
    "changed_since_last_run",
    "solicitation_score",
    "flagged_pages",
    "contacts",
    "rules",
    "pages",
    "fetch_errors",
    "input_error",
    "error",
];

/// One CSV row; empty strings for what does not apply.
#[derive(Default, Serialize)]
struct CsvRow {
    id: String,
    profile_url: String,
    verdict: String,
    previous_verdict: String,
    changed_since_last_run: String,
    solicitation_score: String,
    flagged_pages: String,
    contacts: String,
    rules: String,
    pages: String,
    fetch_errors: String,
    input_error: String,
    error: String,
}

/// A checked profile as one record of `format`.
pub(crate) fn render_result(format: OutputFormat, line: &ResultLine) -> Vec<u8> {
    match format {
        OutputFormat::Jsonl => json_line(line),
        OutputFormat::Csv => csv_record(&result_row(line)),
    }
}

/// A profile whose check failed inside the tool.
pub(crate) fn render_failure(format: OutputFormat, id: &str, message: &str) -> Vec<u8> {
    let error = format!("internal error while checking this profile: {message}");
    match format {
        OutputFormat::Jsonl => json_line(&serde_json::json!({
            "id": id,
            "verdict": null,
            "error": error,
        })),
        OutputFormat::Csv => csv_record(&CsvRow {
            id: id.to_owned(),
            error,
            ..CsvRow::default()
        }),
    }
}

/// A bad input line.
pub(crate) fn render_input_error(format: OutputFormat, bad: &BadLine) -> Vec<u8> {
    match format {
        OutputFormat::Jsonl => json_line(&serde_json::json!({ "input_error": bad })),
        OutputFormat::Csv => csv_record(&CsvRow {
            input_error: bad.to_string(),
            ..CsvRow::default()
        }),
    }
}

fn result_row(line: &ResultLine) -> CsvRow {
    let report = line.report;
    let mut contacts: Vec<String> = Vec::new();
    let mut rules: Vec<String> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let own = report
        .profile
        .iter()
        .flat_map(|p| &p.contacts)
        .chain(report.overview.iter().flat_map(|o| &o.contacts));
    let scans = report.pages.iter().filter_map(|p| p.scan.as_ref());
    for contact in own.chain(scans.clone().flat_map(|s| &s.contacts)) {
        let text = format!("{}:{}", contact.kind, contact.value);
        if !contacts.contains(&text) {
            contacts.push(text);
        }
    }
    for signal in scans.clone().flat_map(|s| &s.signals).filter(|s| s.counted) {
        if !rules.contains(&signal.rule) {
            rules.push(signal.rule.clone());
        }
    }
    let fetches = report.profile.iter().map(|p| &p.fetch).chain(
        report
            .pages
            .iter()
            .flat_map(|p| std::iter::once(&p.fetch).chain(p.site_pages.iter().map(|s| &s.fetch))),
    );
    for fetch in fetches {
        if let Some(error) = &fetch.error {
            errors.push(format!("{} {}", error.kind, fetch.requested));
        }
    }
    let flagged: Vec<&str> = report
        .pages
        .iter()
        .filter(|p| p.verdict == Some(Verdict::Solicitation))
        .map(|p| p.link.as_str())
        .collect();
    CsvRow {
        id: line.id.to_owned(),
        profile_url: report
            .profile_url
            .as_ref()
            .map_or(String::new(), |u| u.to_string()),
        verdict: report.verdict.map_or("", Verdict::as_str).to_owned(),
        previous_verdict: line.previous_verdict.unwrap_or("").to_owned(),
        changed_since_last_run: line
            .changed_since_last_run
            .map_or(String::new(), |c| c.to_string()),
        solicitation_score: scans
            .map(|s| s.score.solicitation)
            .max()
            .map_or(String::new(), |s| s.to_string()),
        flagged_pages: flagged.join(" "),
        contacts: contacts.join(" "),
        rules: rules.join(" "),
        pages: report.pages.len().to_string(),
        fetch_errors: errors.join("; "),
        ..CsvRow::default()
    }
}

fn json_line(value: &impl Serialize) -> Vec<u8> {
    // Serialising plain structs and string-keyed maps to memory cannot fail.
    let mut bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn csv_record(row: &CsvRow) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.serialize(row);
    writer.into_inner().unwrap_or_default()
}

fn csv_line(fields: &[&str]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(fields);
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_header_names_the_row_fields_in_order() {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.serialize(CsvRow::default()).unwrap();
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next(), Some(CSV_COLUMNS.join(",").as_str()));
    }
}
