//! Helpers of the tests that look at several crates of the workspace at once.

use std::path::{Path, PathBuf};

/// The root of the workspace (the parent of this crate's folder).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace root")
        .to_path_buf()
}

/// Every `.rs` file under `dir` (relative to the workspace root), with its text.
pub fn rust_sources(dir: &str) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    collect(&workspace_root().join(dir), &mut out);
    out
}

fn collect(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let path = e.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path, text));
        }
    }
}
