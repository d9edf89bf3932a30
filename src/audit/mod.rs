//! The scheduled audit job over many profiles: read the input as a stream ([`input`]),
//! check each profile through one shared fetcher with pages reused from the state when
//! fresh or unchanged ([`pages`]), write each result as it finishes ([`output`]) and
//! commit it to the durable state ([`state`]); [`job`] runs the pipeline.

pub mod input;
mod job;
pub mod output;
mod pages;
pub mod state;

pub use input::{BadLine, InputError, InputFormat, ProfileReader, ProfileRecord};
pub use job::{AuditConfig, AuditError, Progress, SessionFigures, Stop, Summary, run_audit};
pub use output::OutputFormat;
pub use state::{FinishedProfile, Run, RunTotals, State, StateError, StoredPage};
