//! The scheduled audit job over many profiles (issue 6). Built so far: reading its input
//! as a stream ([`input`]). The job itself (pipelined fetching through one `Fetcher`,
//! durable SQLite state with resume and incremental re-audits, the `audit` and `demo`
//! commands) is not built yet.

pub mod input;

pub use input::{BadLine, InputError, InputFormat, ProfileReader, ProfileRecord};
