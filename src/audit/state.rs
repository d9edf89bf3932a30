//! The audit job's durable state: one SQLite file behind a narrow interface (start or
//! resume a run, ask whether a profile is done, record a finished profile with its pages
//! in one transaction, look up a page's last fetch, a profile's previous verdict), so a
//! server database can take its place when one machine is not enough.
//!
//! A run is identified by what it was asked to do (its input, output and options, as the
//! caller names them): started again after a crash with the same arguments, it resumes;
//! the profiles it already committed are not redone, and its output is cut back to the
//! last committed line, so a line written but not committed is not reported twice.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

/// The schema version this build reads and writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

/// Migrations, in order: entry `i` takes a database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[r#"
-- A run writes one results file (`output`); starting a new run on it ends the others.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    output      TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX runs_by_fingerprint ON runs (fingerprint, finished_at);
-- One row per profile a run finished; output_end is where its line ends in the output,
-- so a resumed run cuts off what was written but never committed.
-- counts: the profile's page outcomes and errors ({"pages.fetched": 2, "error.dns": 1}).
CREATE TABLE profiles (
    run_id           INTEGER NOT NULL REFERENCES runs (id),
    profile_id       TEXT NOT NULL,
    line             INTEGER NOT NULL,
    verdict          TEXT,
    previous_verdict TEXT,
    changed          INTEGER,
    counts           TEXT NOT NULL,
    output_end       INTEGER NOT NULL,
    done_at          INTEGER NOT NULL,
    PRIMARY KEY (run_id, profile_id)
);
CREATE INDEX profiles_by_id ON profiles (profile_id, run_id);
CREATE TABLE input_errors (
    run_id     INTEGER NOT NULL REFERENCES runs (id),
    line       INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    output_end INTEGER NOT NULL,
    PRIMARY KEY (run_id, line)
);
-- The last successful read of a page in one role, shared by all runs.
CREATE TABLE pages (
    key           TEXT PRIMARY KEY,
    fetched_at    INTEGER NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    digest        INTEGER,
    judged_by     TEXT NOT NULL,
    outcome       TEXT NOT NULL
);
"#];

/// How long a write waits for another process holding the database (two runs with
/// different outputs may share one state).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The state could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("state database {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "state database {path} has schema version {found}, newer than this build's {SCHEMA_VERSION}: use a newer portfolio-audit"
    )]
    TooNew { path: String, found: i64 },
}

/// A page's last successful read, for incremental re-audits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPage {
    /// The page's role and URL (`linked https://jane.dev/`).
    pub key: String,
    /// Seconds since the Unix epoch.
    pub fetched_at: i64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// A hash of the page's text.
    pub digest: Option<i64>,
    /// What the page was judged under (`Judge::fingerprint`).
    pub judged_by: String,
    /// The judged page as JSON, reused while fresh or after a 304.
    pub outcome: String,
}

/// A finished profile, as the run commits it.
pub struct FinishedProfile<'a> {
    pub profile_id: &'a str,
    /// Its line in the input.
    pub line: u64,
    pub verdict: Option<&'a str>,
    pub previous_verdict: Option<&'a str>,
    /// Whether the profile changed since an earlier run; `None` when none saw it.
    pub changed: Option<bool>,
    /// Where its line ends in the output.
    pub output_end: u64,
    /// Pages read afresh or revalidated.
    pub pages: &'a [StoredPage],
    /// Counters added to the run's (pages fetched, errors by kind…).
    pub counts: &'a [(String, i64)],
}

/// A run, started or resumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub id: i64,
    /// An unfinished run with the same fingerprint was picked up.
    pub resumed: bool,
}

/// What a run has committed, for its summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunTotals {
    /// Profiles per verdict; unjudged ones under `None`.
    pub verdicts: BTreeMap<Option<String>, u64>,
    /// Flagged now, not at the last earlier judgement (or never judged before).
    pub newly_flagged: Vec<String>,
    /// Flagged at the last earlier judgement, judged and not flagged now.
    pub newly_cleared: Vec<String>,
    pub input_errors: u64,
    pub counts: BTreeMap<String, i64>,
}

/// The SQLite state of audit runs.
pub struct State {
    connection: Connection,
    path: String,
}

impl State {
    /// Opens (or creates) the state at `path`, migrating it to this build's schema.
    pub fn open(path: &Path) -> Result<State, StateError> {
        let name = path.display().to_string();
        let connection = Connection::open(path).map_err(|source| StateError::Sqlite {
            path: name.clone(),
            source,
        })?;
        let mut state = State {
            connection,
            path: name,
        };
        state.migrate()?;
        Ok(state)
    }

    fn fail(&self, source: rusqlite::Error) -> StateError {
        StateError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn migrate(&mut self) -> Result<(), StateError> {
        // WAL keeps readers off writers' backs; with synchronous=NORMAL a commit survives
        // the process being killed (not a power cut), at a fraction of the cost of FULL.
        self.connection
            .busy_timeout(BUSY_TIMEOUT)
            .and_then(|()| self.connection.pragma_update(None, "journal_mode", "WAL"))
            .and_then(|()| self.connection.pragma_update(None, "synchronous", "NORMAL"))
            .map_err(|e| self.fail(e))?;
        let found: i64 = self
            .connection
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.fail(e))?;
        if found > SCHEMA_VERSION {
            return Err(StateError::TooNew {
                path: self.path.clone(),
                found,
            });
        }
        for (version, migration) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            let next = version as i64 + 1;
            let path = self.path.clone();
            let fail = |source| StateError::Sqlite {
                path: path.clone(),
                source,
            };
            let transaction = self.connection.transaction().map_err(fail)?;
            transaction
                .execute_batch(migration)
                .and_then(|()| transaction.pragma_update(None, "user_version", next))
                .and_then(|()| transaction.commit())
                .map_err(fail)?;
        }
        Ok(())
    }

    /// The unfinished run with this fingerprint (a crashed run, resumed), or a new one
    /// writing `output`; a new run ends the unfinished runs that wrote there, since it
    /// starts the file afresh and they could no longer resume into it.
    pub fn start_run(&self, fingerprint: &str, output: &str, now: i64) -> Result<Run, StateError> {
        let open: Option<i64> = self
            .connection
            .query_row(
                "SELECT id FROM runs WHERE fingerprint = ?1 AND finished_at IS NULL ORDER BY id DESC LIMIT 1",
                params![fingerprint],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.fail(e))?;
        if let Some(id) = open {
            return Ok(Run { id, resumed: true });
        }
        self.connection
            .execute(
                "UPDATE runs SET finished_at = ?2 WHERE output = ?1 AND finished_at IS NULL",
                params![output, now],
            )
            .and_then(|_| {
                self.connection.execute(
                    "INSERT INTO runs (fingerprint, output, started_at) VALUES (?1, ?2, ?3)",
                    params![fingerprint, output, now],
                )
            })
            .map_err(|e| self.fail(e))?;
        Ok(Run {
            id: self.connection.last_insert_rowid(),
            resumed: false,
        })
    }

    /// Where the run's committed output ends: a resumed run cuts its output file there.
    pub fn output_end(&self, run: i64) -> Result<u64, StateError> {
        self.connection
            .query_row(
                "SELECT max(coalesce((SELECT max(output_end) FROM profiles WHERE run_id = ?1), 0),
                            coalesce((SELECT max(output_end) FROM input_errors WHERE run_id = ?1), 0))",
                params![run],
                |r| r.get::<_, i64>(0),
            )
            .map(|end| end.max(0) as u64)
            .map_err(|e| self.fail(e))
    }

    /// The input line of the profile with this id the run committed, if it did: the same
    /// line is a resumed run passing over it, another line a duplicate id.
    pub fn committed_line(&self, run: i64, profile_id: &str) -> Result<Option<u64>, StateError> {
        self.connection
            .prepare_cached("SELECT line FROM profiles WHERE run_id = ?1 AND profile_id = ?2")
            .and_then(|mut s| {
                s.query_row(params![run, profile_id], |r| r.get::<_, i64>(0))
                    .optional()
            })
            .map(|line| line.map(|l| l.max(0) as u64))
            .map_err(|e| self.fail(e))
    }

    /// Forgets what the run committed past `length` bytes of its output: after a power
    /// cut the file may have lost lines the database kept; those profiles are done again.
    pub fn forget_past(&self, run: i64, length: u64) -> Result<(), StateError> {
        let length = i64::try_from(length).unwrap_or(i64::MAX);
        self.connection
            .execute(
                "DELETE FROM profiles WHERE run_id = ?1 AND output_end > ?2",
                params![run, length],
            )
            .and_then(|_| {
                self.connection.execute(
                    "DELETE FROM input_errors WHERE run_id = ?1 AND output_end > ?2",
                    params![run, length],
                )
            })
            .map(drop)
            .map_err(|e| self.fail(e))
    }

    /// Whether the run already reported this bad input line.
    pub fn is_input_error_done(&self, run: i64, line: u64) -> Result<bool, StateError> {
        self.exists(
            "SELECT 1 FROM input_errors WHERE run_id = ?1 AND line = ?2",
            params![run, line as i64],
        )
    }

    fn exists(&self, sql: &str, params: impl rusqlite::Params) -> Result<bool, StateError> {
        self.connection
            .prepare_cached(sql)
            .and_then(|mut statement| statement.exists(params))
            .map_err(|e| self.fail(e))
    }

    /// Commits a finished profile, its pages and its counters, all or nothing.
    pub fn record(
        &mut self,
        run: i64,
        profile: &FinishedProfile,
        now: i64,
    ) -> Result<(), StateError> {
        let path = self.path.clone();
        let fail = |source| StateError::Sqlite {
            path: path.clone(),
            source,
        };
        let transaction = self.connection.transaction().map_err(fail)?;
        let counts: BTreeMap<&str, i64> = profile
            .counts
            .iter()
            .map(|(name, n)| (name.as_str(), *n))
            .collect();
        let counts = serde_json::to_string(&counts).unwrap_or_else(|_| "{}".to_owned());
        transaction
            .prepare_cached(
                "INSERT INTO profiles (run_id, profile_id, line, verdict, previous_verdict, changed, counts, output_end, done_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    run,
                    profile.profile_id,
                    profile.line as i64,
                    profile.verdict,
                    profile.previous_verdict,
                    profile.changed,
                    counts,
                    profile.output_end as i64,
                    now
                ])
            })
            .map_err(fail)?;
        for page in profile.pages {
            transaction
                .prepare_cached(
                    "INSERT OR REPLACE INTO pages (key, fetched_at, etag, last_modified, digest, judged_by, outcome)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        page.key,
                        page.fetched_at,
                        page.etag,
                        page.last_modified,
                        page.digest,
                        page.judged_by,
                        page.outcome
                    ])
                })
                .map_err(fail)?;
        }
        transaction.commit().map_err(fail)
    }

    /// Commits a bad input line, reported at `output_end`.
    pub fn record_input_error(
        &mut self,
        run: i64,
        line: u64,
        reason: &str,
        output_end: u64,
    ) -> Result<(), StateError> {
        self.connection
            .execute(
                "INSERT OR REPLACE INTO input_errors (run_id, line, reason, output_end) VALUES (?1, ?2, ?3, ?4)",
                params![run, line as i64, reason, output_end as i64],
            )
            .map(drop)
            .map_err(|e| self.fail(e))
    }

    /// The last successful read of a page (`key` as in [`StoredPage`]) by any run.
    pub fn last_fetch(&self, key: &str) -> Result<Option<StoredPage>, StateError> {
        self.connection
            .prepare_cached(
                "SELECT key, fetched_at, etag, last_modified, digest, judged_by, outcome FROM pages WHERE key = ?1",
            )
            .and_then(|mut s| {
                s.query_row(params![key], |r| {
                    Ok(StoredPage {
                        key: r.get(0)?,
                        fetched_at: r.get(1)?,
                        etag: r.get(2)?,
                        last_modified: r.get(3)?,
                        digest: r.get(4)?,
                        judged_by: r.get(5)?,
                        outcome: r.get(6)?,
                    })
                })
                .optional()
            })
            .map_err(|e| self.fail(e))
    }

    /// The profile's verdict the last time an earlier run judged it, for "newly flagged"
    /// and "newly cleared"; `Ok(None)` when no earlier run judged it.
    pub fn previous_verdict(
        &self,
        run: i64,
        profile_id: &str,
    ) -> Result<Option<String>, StateError> {
        self.connection
            .prepare_cached(
                "SELECT verdict FROM profiles
                 WHERE profile_id = ?1 AND run_id < ?2 AND verdict IS NOT NULL
                 ORDER BY run_id DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![profile_id, run], |r| r.get(0))
                    .optional()
            })
            .map_err(|e| self.fail(e))
    }

    /// What the run has committed so far.
    pub fn totals(&self, run: i64) -> Result<RunTotals, StateError> {
        let fail = |e| self.fail(e);
        let mut totals = RunTotals::default();
        let mut statement = self
            .connection
            .prepare("SELECT verdict, count(*) FROM profiles WHERE run_id = ?1 GROUP BY verdict")
            .map_err(fail)?;
        let rows = statement
            .query_map(params![run], |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(fail)?;
        for row in rows {
            let (verdict, count) = row.map_err(fail)?;
            totals.verdicts.insert(verdict, count as u64);
        }
        totals.newly_flagged = self.ids(
            run,
            "verdict = 'solicitation' AND (previous_verdict IS NULL OR previous_verdict != 'solicitation')",
        )?;
        totals.newly_cleared = self.ids(
            run,
            "verdict IS NOT NULL AND verdict != 'solicitation' AND previous_verdict = 'solicitation'",
        )?;
        totals.input_errors = self
            .connection
            .query_row(
                "SELECT count(*) FROM input_errors WHERE run_id = ?1",
                params![run],
                |r| r.get::<_, i64>(0),
            )
            .map_err(fail)? as u64;
        let mut statement = self
            .connection
            .prepare("SELECT counts FROM profiles WHERE run_id = ?1")
            .map_err(fail)?;
        let rows = statement
            .query_map(params![run], |r| r.get::<_, String>(0))
            .map_err(fail)?;
        for row in rows {
            let counts: BTreeMap<String, i64> =
                serde_json::from_str(&row.map_err(fail)?).unwrap_or_default();
            for (name, count) in counts {
                *totals.counts.entry(name).or_default() += count;
            }
        }
        Ok(totals)
    }

    fn ids(&self, run: i64, condition: &str) -> Result<Vec<String>, StateError> {
        let fail = |e| self.fail(e);
        let sql = format!(
            "SELECT profile_id FROM profiles WHERE run_id = ?1 AND {condition} ORDER BY done_at, profile_id"
        );
        let mut statement = self.connection.prepare(&sql).map_err(fail)?;
        let rows = statement
            .query_map(params![run], |r| r.get::<_, String>(0))
            .map_err(fail)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(fail)
    }

    /// Marks the run finished: started again, the same arguments begin a new run.
    pub fn finish_run(&self, run: i64, now: i64) -> Result<(), StateError> {
        self.connection
            .execute(
                "UPDATE runs SET finished_at = ?2 WHERE id = ?1",
                params![run, now],
            )
            .map(drop)
            .map_err(|e| self.fail(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(key: &str, at: i64) -> StoredPage {
        StoredPage {
            key: key.to_owned(),
            fetched_at: at,
            etag: Some("\"abc\"".to_owned()),
            last_modified: None,
            digest: Some(42),
            judged_by: "rules-1".to_owned(),
            outcome: "{}".to_owned(),
        }
    }

    fn finished<'a>(
        id: &'a str,
        verdict: Option<&'a str>,
        pages: &'a [StoredPage],
        end: u64,
    ) -> FinishedProfile<'a> {
        FinishedProfile {
            profile_id: id,
            line: 1,
            verdict,
            previous_verdict: None,
            changed: None,
            output_end: end,
            pages,
            counts: &[],
        }
    }

    fn scratch(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("pa-state-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.db");
        (dir, path)
    }

    #[test]
    fn a_run_resumes_after_a_crash_and_the_next_run_sees_the_last_verdicts() {
        let (dir, path) = scratch("resume");
        let run = {
            let mut state = State::open(&path).unwrap();
            let run = state.start_run("input=a.jsonl", "out.jsonl", 100).unwrap();
            assert!(!run.resumed);
            let pages = [page("linked https://jane.test/", 100)];
            let counts = [("pages.fetched".to_owned(), 1)];
            let done = FinishedProfile {
                counts: &counts,
                ..finished("p1", Some("solicitation"), &pages, 120)
            };
            state.record(run.id, &done, 101).unwrap();
            state
                .record_input_error(run.id, 7, "not JSON", 160)
                .unwrap();
            run
            // dropped without finishing: a crash
        };
        let mut state = State::open(&path).unwrap();
        let resumed = state.start_run("input=a.jsonl", "out.jsonl", 200).unwrap();
        assert_eq!(
            resumed,
            Run {
                id: run.id,
                resumed: true
            }
        );
        assert_eq!(state.committed_line(run.id, "p1").unwrap(), Some(1));
        assert_eq!(state.committed_line(run.id, "p2").unwrap(), None);
        assert!(state.is_input_error_done(run.id, 7).unwrap());
        assert_eq!(state.output_end(run.id).unwrap(), 160);
        assert_eq!(
            state.last_fetch("linked https://jane.test/").unwrap(),
            Some(page("linked https://jane.test/", 100))
        );
        let totals = state.totals(run.id).unwrap();
        assert_eq!(totals.newly_flagged, ["p1"]);
        assert_eq!(totals.input_errors, 1);
        assert_eq!(totals.counts.get("pages.fetched"), Some(&1));
        state.finish_run(run.id, 300).unwrap();

        let next = state.start_run("input=a.jsonl", "out.jsonl", 400).unwrap();
        assert!(!next.resumed && next.id != run.id);
        assert_eq!(state.output_end(next.id).unwrap(), 0);
        assert_eq!(
            state.previous_verdict(next.id, "p1").unwrap().as_deref(),
            Some("solicitation")
        );
        let done = FinishedProfile {
            previous_verdict: Some("solicitation"),
            changed: Some(true),
            ..finished("p1", Some("showcase_with_contact"), &[], 80)
        };
        state.record(next.id, &done, 401).unwrap();
        assert_eq!(state.committed_line(next.id, "p1").unwrap(), Some(1));
        let totals = state.totals(next.id).unwrap();
        assert!(totals.newly_flagged.is_empty());
        assert_eq!(totals.newly_cleared, ["p1"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_new_run_on_an_output_ends_the_unfinished_one_there_and_lost_lines_are_forgotten() {
        let (dir, path) = scratch("output");
        let mut state = State::open(&path).unwrap();
        let old = state.start_run("rules=1", "out.jsonl", 1).unwrap();
        state
            .record(old.id, &finished("p1", None, &[], 10), 2)
            .unwrap();
        state
            .record(old.id, &finished("p2", None, &[], 20), 3)
            .unwrap();
        // The file kept only the first line (a power cut): the second is done again.
        state.forget_past(old.id, 15).unwrap();
        assert_eq!(state.output_end(old.id).unwrap(), 10);
        assert_eq!(state.committed_line(old.id, "p2").unwrap(), None);
        let new = state.start_run("rules=2", "out.jsonl", 4).unwrap();
        assert!(!new.resumed);
        // The old run can no longer resume into the file the new one started afresh.
        let again = state.start_run("rules=1", "out.jsonl", 5).unwrap();
        assert!(!again.resumed && again.id != old.id);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_profile_is_committed_once_per_run() {
        let (dir, path) = scratch("once");
        let mut state = State::open(&path).unwrap();
        let run = state.start_run("x", "out.jsonl", 1).unwrap();
        state
            .record(run.id, &finished("p1", None, &[], 10), 2)
            .unwrap();
        assert!(
            state
                .record(run.id, &finished("p1", None, &[], 20), 3)
                .is_err()
        );
        assert_eq!(state.output_end(run.id).unwrap(), 10);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_newer_schema_is_refused_with_the_file_named() {
        let (dir, _) = scratch("new");
        let path = dir.join("future.db");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = State::open(&path).err().unwrap();
        assert!(
            err.to_string().contains("future.db") && err.to_string().contains("99"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
