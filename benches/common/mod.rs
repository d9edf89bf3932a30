//! The benchmark corpus: the fixture pages, shared by every bench.

use std::path::{Path, PathBuf};

/// Paths of the fixture pages, in name order.
pub fn fixture_pages() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/pages exists")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    paths.sort();
    paths
}
