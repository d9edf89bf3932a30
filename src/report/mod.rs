//! Output formats: each a function from scan results to text.

mod json;
mod profile;
mod table;

pub use json::json_line;
pub use profile::profile_table;
pub use table::table;
