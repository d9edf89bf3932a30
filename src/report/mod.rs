//! Output formats: each a function from scan results to text.

mod html;
mod json;
mod profile;
mod summary;
mod table;

pub use html::{ReportCounts, ReportError, check_html, write_audit_html};
pub use json::json_line;
pub use profile::profile_table;
pub use summary::summary_text;
pub use table::table;
