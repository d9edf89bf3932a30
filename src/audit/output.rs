//! The audit's results file, written as profiles finish: JSON Lines (one object per
//! profile, the `check --format json` shape plus the audit's fields) or CSV for
//! spreadsheets. The writer reports where each line ends, so the state can commit that
//! offset with the profile and a resumed run can cut off a line that was written but never
//! committed.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// How results are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per profile (and per bad input line).
    #[default]
    Jsonl,
    /// One row per profile; the columns are in docs/output.md.
    Csv,
}

/// The CSV columns, in order.
pub(crate) const CSV_COLUMNS: [&str; 12] = [
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
];

/// The results file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("results file {path}: {source}")]
pub struct OutputError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

/// Appends result lines to the results file.
pub(crate) struct ResultWriter {
    file: File,
    path: PathBuf,
    format: OutputFormat,
    end: u64,
}

impl ResultWriter {
    /// Opens `path` for a run whose committed output ends at `committed_end`: anything
    /// after it (a line written before a crash but never committed) is cut off. A new
    /// file, or one cut back to nothing, starts with the CSV header.
    pub(crate) fn open(
        path: &Path,
        committed_end: u64,
        format: OutputFormat,
    ) -> Result<ResultWriter, OutputError> {
        let fail = |source| OutputError {
            path: path.to_owned(),
            source,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(fail)?;
        let length = file.metadata().map_err(fail)?.len();
        // A file shorter than the committed end was replaced or cut by someone else; the
        // lines it lost cannot be written again, so say so rather than pad it.
        if length < committed_end {
            return Err(fail(std::io::Error::other(format!(
                "holds {length} bytes but the state committed {committed_end}: it was changed outside this run; \
                 move it away and start a new run with another --output, or restore it"
            ))));
        }
        file.set_len(committed_end).map_err(fail)?;
        file.seek(SeekFrom::Start(committed_end)).map_err(fail)?;
        let mut writer = ResultWriter {
            file,
            path: path.to_owned(),
            format,
            end: committed_end,
        };
        if committed_end == 0 && format == OutputFormat::Csv {
            let mut header = csv::Writer::from_writer(Vec::new());
            header
                .write_record(CSV_COLUMNS)
                .and_then(|()| header.flush().map_err(csv::Error::from))
                .map_err(|e| fail(std::io::Error::other(e)))?;
            let bytes = header.into_inner().map_err(|e| fail(e.into_error()))?;
            writer.write(&bytes)?;
        }
        Ok(writer)
    }

    pub(crate) fn format(&self) -> OutputFormat {
        self.format
    }

    /// Writes one record (its bytes end with a newline) and returns where it ends.
    pub(crate) fn write(&mut self, record: &[u8]) -> Result<u64, OutputError> {
        self.file.write_all(record).map_err(|source| OutputError {
            path: self.path.clone(),
            source,
        })?;
        self.end += record.len() as u64;
        Ok(self.end)
    }
}
