//! The audit job's durable state: one SQLite file behind a narrow interface (start or
//! resume a run, ask whether a profile is done, record a finished profile with its pages
//! in one transaction, look up a page's last fetch, a profile's previous verdict), so a
//! server database can take its place when one machine is not enough.
//!
//! A run is identified by what it was asked to do (its input and options, hashed by the
//! caller): started again after a crash with the same arguments, it resumes; the profiles
//! it already committed are not redone.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

/// The schema version this build reads and writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

/// Migrations, in order: entry `i` takes a database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX runs_by_fingerprint ON runs (fingerprint, finished_at);
CREATE TABLE profiles (
    run_id     INTEGER NOT NULL REFERENCES runs (id),
    profile_id TEXT NOT NULL,
    verdict    TEXT,
    result     TEXT NOT NULL,
    done_at    INTEGER NOT NULL,
    PRIMARY KEY (run_id, profile_id)
);
CREATE INDEX profiles_by_id ON profiles (profile_id, done_at);
CREATE TABLE pages (
    url           TEXT PRIMARY KEY,
    fetched_at    INTEGER NOT NULL,
    status        INTEGER,
    etag          TEXT,
    last_modified TEXT,
    scan          TEXT
);
"#];

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

/// A page's last fetch, for incremental re-audits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageFetch {
    pub url: String,
    /// Seconds since the Unix epoch.
    pub fetched_at: i64,
    pub status: Option<u16>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The page's scan as JSON, reused when the server answers 304.
    pub scan: Option<String>,
}

/// A finished profile, as the run commits it.
pub struct FinishedProfile<'a> {
    pub profile_id: &'a str,
    pub verdict: Option<&'a str>,
    /// The profile's result line (JSON), as the output prints it.
    pub result: &'a str,
    pub pages: &'a [PageFetch],
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
        // WAL keeps readers off writers' backs and survives kill -9 with the last commit.
        self.connection
            .pragma_update(None, "journal_mode", "WAL")
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
            let transaction = self
                .connection
                .transaction()
                .map_err(|e| StateError::Sqlite {
                    path: self.path.clone(),
                    source: e,
                })?;
            transaction
                .execute_batch(migration)
                .and_then(|()| transaction.pragma_update(None, "user_version", next))
                .and_then(|()| transaction.commit())
                .map_err(|e| StateError::Sqlite {
                    path: self.path.clone(),
                    source: e,
                })?;
        }
        Ok(())
    }

    /// The unfinished run with this fingerprint (a crashed run, resumed), or a new one.
    pub fn start_run(&self, fingerprint: &str, now: i64) -> Result<i64, StateError> {
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
            return Ok(id);
        }
        self.connection
            .execute(
                "INSERT INTO runs (fingerprint, started_at) VALUES (?1, ?2)",
                params![fingerprint, now],
            )
            .map_err(|e| self.fail(e))?;
        Ok(self.connection.last_insert_rowid())
    }

    /// Whether the run already committed this profile.
    pub fn is_done(&self, run: i64, profile_id: &str) -> Result<bool, StateError> {
        self.connection
            .query_row(
                "SELECT 1 FROM profiles WHERE run_id = ?1 AND profile_id = ?2",
                params![run, profile_id],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
            .map_err(|e| self.fail(e))
    }

    /// Commits a finished profile and its pages' fetches, all or nothing.
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
        transaction
            .execute(
                "INSERT OR REPLACE INTO profiles (run_id, profile_id, verdict, result, done_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![run, profile.profile_id, profile.verdict, profile.result, now],
            )
            .map_err(fail)?;
        for page in profile.pages {
            transaction
                .execute(
                    "INSERT OR REPLACE INTO pages (url, fetched_at, status, etag, last_modified, scan) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![page.url, page.fetched_at, page.status, page.etag, page.last_modified, page.scan],
                )
                .map_err(fail)?;
        }
        transaction.commit().map_err(fail)
    }

    /// The last fetch of `url` by any run.
    pub fn last_fetch(&self, url: &str) -> Result<Option<PageFetch>, StateError> {
        self.connection
            .query_row(
                "SELECT url, fetched_at, status, etag, last_modified, scan FROM pages WHERE url = ?1",
                params![url],
                |r| {
                    Ok(PageFetch {
                        url: r.get(0)?,
                        fetched_at: r.get(1)?,
                        status: r.get(2)?,
                        etag: r.get(3)?,
                        last_modified: r.get(4)?,
                        scan: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.fail(e))
    }

    /// The profile's verdict in the latest finished run before `run`, for "newly flagged"
    /// and "newly cleared".
    pub fn previous_verdict(
        &self,
        run: i64,
        profile_id: &str,
    ) -> Result<Option<String>, StateError> {
        self.connection
            .query_row(
                "SELECT p.verdict FROM profiles p JOIN runs r ON r.id = p.run_id
                 WHERE p.profile_id = ?1 AND r.id < ?2 AND r.finished_at IS NOT NULL
                 ORDER BY r.id DESC LIMIT 1",
                params![profile_id, run],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.fail(e))
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

    fn page(url: &str, at: i64) -> PageFetch {
        PageFetch {
            url: url.to_owned(),
            fetched_at: at,
            status: Some(200),
            etag: Some("\"abc\"".to_owned()),
            last_modified: None,
            scan: Some("{}".to_owned()),
        }
    }

    #[test]
    fn a_run_resumes_after_a_crash_and_the_next_run_sees_the_last_verdicts() {
        let dir = std::env::temp_dir().join(format!("pa-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.db");
        let _ = std::fs::remove_file(&path);
        let run = {
            let mut state = State::open(&path).unwrap();
            let run = state.start_run("input=a.jsonl", 100).unwrap();
            let pages = [page("https://jane.test/", 100)];
            let done = FinishedProfile {
                profile_id: "p1",
                verdict: Some("solicitation"),
                result: "{\"id\":\"p1\"}",
                pages: &pages,
            };
            state.record(run, &done, 101).unwrap();
            run
            // dropped without finishing: a crash
        };
        let mut state = State::open(&path).unwrap();
        assert_eq!(state.start_run("input=a.jsonl", 200).unwrap(), run);
        assert!(state.is_done(run, "p1").unwrap());
        assert!(!state.is_done(run, "p2").unwrap());
        assert_eq!(
            state.last_fetch("https://jane.test/").unwrap(),
            Some(page("https://jane.test/", 100))
        );
        state.finish_run(run, 300).unwrap();

        let next = state.start_run("input=a.jsonl", 400).unwrap();
        assert_ne!(next, run);
        assert_eq!(
            state.previous_verdict(next, "p1").unwrap().as_deref(),
            Some("solicitation")
        );
        let done = FinishedProfile {
            profile_id: "p1",
            verdict: Some("showcase_with_contact"),
            result: "{}",
            pages: &[],
        };
        state.record(next, &done, 401).unwrap();
        assert!(state.is_done(next, "p1").unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_newer_schema_is_refused_with_the_file_named() {
        let dir = std::env::temp_dir().join(format!("pa-state-new-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("future.db");
        let _ = std::fs::remove_file(&path);
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
