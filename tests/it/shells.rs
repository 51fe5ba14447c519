//! The two shells (the desktop app in src-tauri, the `partnerdesk` CLI) reach
//! the database only through core's functions.

use partnerdesk_tests::rust_sources;

#[test]
fn the_shells_reach_the_database_only_through_core() {
    let mut files = rust_sources("src-tauri/src");
    files.extend(rust_sources("crates/cli/src"));
    assert!(
        files.len() > 20,
        "expected the sources of both shells, got {}",
        files.len()
    );
    let offending: Vec<_> = files
        .iter()
        .filter(|(_, text)| text.contains("rusqlite") || text.contains("store::repo"))
        .map(|(path, _)| path)
        .collect();
    assert!(
        offending.is_empty(),
        "the shells call core's functions (queries, workflow, ...), not SQLite nor core's repo: {offending:?}"
    );
}
