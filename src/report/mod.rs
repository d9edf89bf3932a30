//! Output formats: each a function from scan results to text.

mod json;
mod table;

pub use json::json_line;
pub use table::table;
