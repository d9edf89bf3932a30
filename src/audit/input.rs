//! The audit job's input, read as a stream: JSON Lines of profile records, CSV with a
//! header, or a plain list of profile URLs. A bad line is reported with its number and the
//! reading goes on; nothing is loaded whole, so input of any size reads in flat memory.

use std::io::BufRead;

use serde::{Deserialize, Serialize};
use url::Url;

/// One profile to audit. `id` is required; fields the job does not know are kept and
/// written back with the result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileRecord {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<Url>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub portfolio_urls: Vec<Url>,
    /// The profile's own text, scanned for contacts when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overview: Option<String>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Where the record starts in the input (1-based), for messages about it.
    #[serde(skip)]
    pub line: u64,
}

/// How the input is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header row naming the columns (`id`, `profile_url`, `portfolio_urls`
    /// separated by spaces, `overview`, others kept).
    Csv,
    /// One profile URL per line; the URL is the id.
    Urls,
}

impl InputFormat {
    /// The format of an input whose first line that is not blank or a `#` comment is `line`.
    pub fn detect(line: &str) -> InputFormat {
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.starts_with('{') {
            InputFormat::Jsonl
        } else if Url::parse(line).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
            InputFormat::Urls
        } else {
            InputFormat::Csv
        }
    }
}

/// A line that could not be read as a profile: its number (1-based) and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct BadLine {
    pub line: u64,
    pub reason: String,
}

/// The input could not be read at all (an I/O error, a CSV without a usable header).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("reading the input")]
    Io(#[from] std::io::Error),
    #[error("CSV header: {0}")]
    Header(String),
    #[error("reading the CSV input: {0}")]
    Csv(String),
}

/// Profiles from a reader, one by one, in input order.
pub struct ProfileReader<R: BufRead> {
    inner: Inner<R>,
}

enum Inner<R: BufRead> {
    Lines {
        reader: R,
        /// The current line's bytes, reused.
        buffer: Vec<u8>,
        line: u64,
        format: InputFormat,
    },
    Csv {
        records: csv::StringRecordsIntoIter<R>,
        header: csv::StringRecord,
    },
}

impl<R: BufRead> ProfileReader<R> {
    /// Reads `reader` in `format`, or in the format its first non-blank line shows.
    pub fn new(mut reader: R, format: Option<InputFormat>) -> Result<Self, InputError> {
        let format = match format {
            Some(format) => format,
            None => {
                let buffered = reader.fill_buf()?;
                let preview = String::from_utf8_lossy(&buffered[..buffered.len().min(4096)]);
                let first = preview
                    .lines()
                    .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                    .unwrap_or("");
                InputFormat::detect(first)
            }
        };
        let inner = match format {
            InputFormat::Csv => {
                let mut csv = csv::ReaderBuilder::new()
                    .flexible(true)
                    .trim(csv::Trim::Headers)
                    .from_reader(reader);
                let header = csv
                    .headers()
                    .map_err(|e| InputError::Header(e.to_string()))?
                    .clone();
                if !header
                    .iter()
                    .any(|h| h.trim_start_matches('\u{feff}') == "id")
                {
                    return Err(InputError::Header(
                        "no `id` column (the header names the columns: id, profile_url, portfolio_urls, overview)".to_owned(),
                    ));
                }
                Inner::Csv {
                    records: csv.into_records(),
                    header,
                }
            }
            format => Inner::Lines {
                reader,
                buffer: Vec::new(),
                line: 0,
                format,
            },
        };
        Ok(ProfileReader { inner })
    }
}

impl<R: BufRead> Iterator for ProfileReader<R> {
    /// A profile, or a line that could not be read; an I/O error ends the input.
    type Item = Result<Result<ProfileRecord, BadLine>, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Lines {
                reader,
                buffer,
                line,
                format,
            } => loop {
                buffer.clear();
                match reader.read_until(b'\n', buffer) {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(e) => return Some(Err(InputError::Io(e))),
                }
                *line += 1;
                // A line that is not UTF-8 is one bad line, not the end of the input.
                let Ok(text) = std::str::from_utf8(buffer) else {
                    return Some(Ok(Err(BadLine {
                        line: *line,
                        reason: "not UTF-8 text".to_owned(),
                    })));
                };
                let text = text.trim_start_matches('\u{feff}').trim();
                if text.is_empty() || text.starts_with('#') {
                    continue;
                }
                let parsed = match format {
                    InputFormat::Jsonl => from_json(text),
                    _ => from_url_line(text),
                };
                return Some(Ok(parsed
                    .map(|record| ProfileRecord {
                        line: *line,
                        ..record
                    })
                    .map_err(|reason| BadLine {
                        line: *line,
                        reason,
                    })));
            },
            Inner::Csv { records, header } => {
                let record = records.next()?;
                Some(Ok(match record {
                    Ok(record) => {
                        let line = record.position().map_or(0, |p| p.line());
                        from_csv(header, &record)
                            .map(|record| ProfileRecord { line, ..record })
                            .map_err(|reason| BadLine { line, reason })
                    }
                    Err(e) => match e.kind() {
                        csv::ErrorKind::Io(_) => {
                            return Some(Err(InputError::Csv(e.to_string())));
                        }
                        _ => Err(BadLine {
                            line: e.position().map_or(0, |p| p.line()),
                            reason: e.to_string(),
                        }),
                    },
                }))
            }
        }
    }
}

fn from_json(text: &str) -> Result<ProfileRecord, String> {
    let record: ProfileRecord = serde_json::from_str(text).map_err(|e| {
        // The line is the input's; serde's own "line 1" would only confuse.
        let reason = e.to_string();
        let reason = reason
            .strip_suffix(&format!(" at line {} column {}", e.line(), e.column()))
            .unwrap_or(&reason);
        format!("not a profile record: {reason} (at column {})", e.column())
    })?;
    check(record)
}

fn from_url_line(text: &str) -> Result<ProfileRecord, String> {
    let url = Url::parse(text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    check(ProfileRecord {
        id: url.to_string(),
        profile_url: Some(url),
        portfolio_urls: Vec::new(),
        overview: None,
        extra: serde_json::Map::new(),
        line: 0,
    })
}

fn from_csv(header: &csv::StringRecord, row: &csv::StringRecord) -> Result<ProfileRecord, String> {
    if row.len() != header.len() {
        return Err(format!(
            "{} fields where the header has {}",
            row.len(),
            header.len()
        ));
    }
    let mut record = ProfileRecord {
        id: String::new(),
        profile_url: None,
        portfolio_urls: Vec::new(),
        overview: None,
        extra: serde_json::Map::new(),
        line: 0,
    };
    for (name, value) in header.iter().zip(row.iter()) {
        let name = name.trim_start_matches('\u{feff}');
        let value = value.trim();
        match name {
            "id" => record.id = value.to_owned(),
            "profile_url" if !value.is_empty() => {
                record.profile_url =
                    Some(Url::parse(value).map_err(|e| format!("profile_url {value:?}: {e}"))?);
            }
            "portfolio_urls" => {
                for url in value.split_whitespace() {
                    record
                        .portfolio_urls
                        .push(Url::parse(url).map_err(|e| format!("portfolio_urls {url:?}: {e}"))?);
                }
            }
            "overview" if !value.is_empty() => record.overview = Some(value.to_owned()),
            "profile_url" | "overview" => {}
            other => {
                record.extra.insert(
                    other.to_owned(),
                    serde_json::Value::String(value.to_owned()),
                );
            }
        }
    }
    check(record)
}

/// What every record needs, whatever its format.
fn check(record: ProfileRecord) -> Result<ProfileRecord, String> {
    if record.id.trim().is_empty() {
        return Err("`id` is missing or empty".to_owned());
    }
    let web = |u: &Url| matches!(u.scheme(), "http" | "https");
    if let Some(url) = record.profile_url.as_ref().filter(|u| !web(u)) {
        return Err(format!("profile_url {url} is not an http(s) address"));
    }
    if let Some(url) = record.portfolio_urls.iter().find(|u| !web(u)) {
        return Err(format!("portfolio_urls: {url} is not an http(s) address"));
    }
    let has_text = record
        .overview
        .as_deref()
        .is_some_and(|t| !t.trim().is_empty());
    if record.profile_url.is_none() && record.portfolio_urls.is_empty() && !has_text {
        return Err(format!(
            "profile {}: nothing to audit (no profile_url, portfolio_urls or overview)",
            record.id
        ));
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, format: Option<InputFormat>) -> Vec<Result<ProfileRecord, BadLine>> {
        ProfileReader::new(text.as_bytes(), format)
            .unwrap()
            .map(|item| item.unwrap())
            .collect()
    }

    #[test]
    fn json_lines_keep_unknown_fields_and_report_bad_lines_by_number() {
        let input = concat!(
            r#"{"id": "p1", "profile_url": "https://market.test/u/1", "tier": "gold"}"#,
            "\n\n",
            r#"{"id": "p2", "portfolio_urls": ["https://jane.studio/", "ftp://x.test/"]}"#,
            "\n",
            r#"{"profile_url": "https://market.test/u/3"}"#,
            "\n",
            "{not json\n",
            r#"{"id": "p5", "overview": "WhatsApp me: +44 7700 900123"}"#,
            "\n"
        );
        let items = read(input, None);
        assert_eq!(items.len(), 5);
        let first = items[0].as_ref().unwrap();
        assert_eq!(first.id, "p1");
        assert_eq!(first.extra["tier"], "gold");
        let errors: Vec<u64> = items
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|e| e.line)
            .collect();
        assert_eq!(errors, [3, 4, 5]);
        assert!(
            items[1]
                .as_ref()
                .unwrap_err()
                .reason
                .contains("ftp://x.test/")
        );
        assert!(items[2].as_ref().unwrap_err().reason.contains("id"));
        assert_eq!(
            items[4].as_ref().unwrap().overview.as_deref(),
            Some("WhatsApp me: +44 7700 900123")
        );
    }

    #[test]
    fn csv_reads_quoted_fields_across_lines_and_space_separated_links() {
        let input = "id,profile_url,portfolio_urls,overview,country\n\
                     a1,https://market.test/u/a1,https://a.test/ https://b.test/work,\"Designer, 9 years.\nSee my site\",PT\n\
                     a2,not a url,,,BR\n\
                     a3,https://market.test/u/a3\n";
        let items = read(input, None);
        let first = items[0].as_ref().unwrap();
        assert_eq!(first.portfolio_urls.len(), 2);
        assert_eq!(
            first.overview.as_deref(),
            Some("Designer, 9 years.\nSee my site")
        );
        assert_eq!(first.extra["country"], "PT");
        let bad: Vec<(u64, &str)> = items
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|e| (e.line, e.reason.as_str()))
            .collect();
        assert_eq!(bad.len(), 2);
        assert_eq!(bad[0].0, 4);
        assert!(bad[0].1.contains("profile_url"), "{}", bad[0].1);
        assert_eq!(bad[1].0, 5);
    }

    #[test]
    fn a_plain_list_of_urls_uses_each_url_as_its_id() {
        let items = read(
            "# nightly list\nhttps://market.test/u/1\n\nnot-a-url\n",
            None,
        );
        assert_eq!(items[0].as_ref().unwrap().id, "https://market.test/u/1");
        assert_eq!(items[1].as_ref().unwrap_err().line, 4);
    }

    #[test]
    fn a_csv_without_an_id_column_is_refused_whole() {
        let err = ProfileReader::new(
            "name,url\nx,https://a.test/\n".as_bytes(),
            Some(InputFormat::Csv),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("id"), "{err}");
    }
}
