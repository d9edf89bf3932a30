//! The scheduled audit job over many profiles (issue 6). Built so far: reading its input
//! as a stream ([`input`]) and its durable state ([`state`]). The job itself (pipelined
//! fetching through one `Fetcher`, conditional revalidation, the summary, the `audit` and
//! `demo` commands) is not built yet.

pub mod input;
pub mod state;

pub use input::{BadLine, InputError, InputFormat, ProfileReader, ProfileRecord};
pub use state::{FinishedProfile, PageFetch, State, StateError};
