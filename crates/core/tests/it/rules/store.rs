//! The store: a new database file and its write-ahead log are private, a
//! reopening migrates nothing again, damaged, foreign and newer files are
//! refused and left byte for byte, and ids resolve by a unique prefix.

use super::*;
use partnerdesk_core::clock::SystemClock;
use partnerdesk_core::store::{latest_schema_version, Store};
use partnerdesk_core::workflow::{leads, settings};
use std::path::Path;
use std::sync::Arc;

fn open(path: &Path) -> partnerdesk_core::Result<Store> {
    Store::open(path, Arc::new(SystemClock))
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The file still holds exactly `bytes` (reports the first difference, not the bytes).
fn unchanged(path: &Path, bytes: &[u8]) {
    let now = std::fs::read(path).unwrap();
    if now != bytes {
        let at = now
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(now.len().min(bytes.len()));
        panic!(
            "the file {} was changed: {} bytes, was {}; first difference at offset {at} ({:?} was {:?})",
            path.display(),
            now.len(),
            bytes.len(),
            now.get(at),
            bytes.get(at)
        );
    }
}

/// Deterministic noise (xorshift), so a failure can be reproduced.
fn noise(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

fn history_rows(path: &Path) -> Vec<(i64, String, String, String)> {
    let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut s = c
        .prepare("SELECT version, name, applied_on, checksum FROM refinery_schema_history ORDER BY version")
        .unwrap();
    let rows = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    rows
}

#[cfg(unix)]
#[test]
fn open_creates_a_private_file_in_a_private_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("data").join("partnerdesk");
    let path = folder.join("partnerdesk.db");
    let store = open(&path).unwrap();
    assert!(path.is_file());
    assert_eq!(mode(&path), 0o600, "database file");
    assert_eq!(mode(&folder), 0o700, "data folder");
    assert_eq!(mode(&dir.path().join("data")), 0o700, "missing parent folder");
    assert_eq!(Store::schema_version_of(&path).unwrap(), latest_schema_version());
    drop(store);
    // No folder is made when asked not to.
    let err = Store::open_with(
        dir.path().join("absent").join("x.db"),
        Arc::new(SystemClock),
        partnerdesk_core::open::OpenOptions {
            create_dir: false,
            ..Default::default()
        },
    )
    .err()
    .unwrap();
    assert_eq!(err.kind(), "io");
    assert!(!dir.path().join("absent").exists());
}

#[cfg(unix)]
#[test]
fn the_write_ahead_log_of_a_new_database_is_private_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("partnerdesk.db");
    let store = open(&path).unwrap();
    store
        .write(|tx| partnerdesk_core::workflow::settings::set(tx, "currency", "EUR"))
        .unwrap();
    for ext in ["db-wal", "db-shm"] {
        let side = path.with_extension(ext);
        if side.exists() {
            assert_eq!(mode(&side), 0o600, "{}", side.display());
        }
    }
}

#[test]
fn reopening_runs_no_migration_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.db");
    let store = open(&path).unwrap();
    store
        .write(|tx| partnerdesk_core::workflow::settings::set(tx, "currency", "EUR"))
        .unwrap();
    drop(store);
    let first = history_rows(&path);
    // One history row per migration this build embeds (their numbers may have gaps).
    assert_eq!(first.len(), common::embedded_migrations());
    assert_eq!(first.last().unwrap().0, latest_schema_version());
    for _ in 0..2 {
        let store = open(&path).unwrap();
        assert_eq!(store.read(settings::load).unwrap().currency, "EUR", "data kept");
        drop(store);
        assert_eq!(history_rows(&path), first, "the schema history is unchanged");
        assert_eq!(Store::schema_version_of(&path).unwrap(), latest_schema_version());
    }
}

#[test]
fn an_empty_file_becomes_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    let store = open(&path).unwrap();
    assert_eq!(Store::schema_version_of(&path).unwrap(), latest_schema_version());
    assert_eq!(store.read(partnerdesk_core::queries::counts).unwrap().partners, 0);
}

#[test]
fn random_bytes_are_corrupt_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    // Whole 4 KiB pages of random bytes look like an encrypted database: the
    // passphrase is asked for (kind `locked`), and nothing is written either.
    let path = dir.path().join("pages.db");
    let bytes = noise(8192, 1);
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(open(&path).err().expect("junk must not open").kind(), "locked");
    unchanged(&path, &bytes);
    for (i, bytes) in [
        noise(8191, 1),
        vec![7u8; 8192],
        noise(10, 2),
        b"not a database at all, just text\n".to_vec(),
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.path().join(format!("junk{i}.db"));
        std::fs::write(&path, &bytes).unwrap();
        let err = open(&path).err().expect("junk must not open");
        assert_eq!(err.kind(), "corrupt", "{err}");
        unchanged(&path, &bytes);
        assert_eq!(Store::schema_version_of(&path).unwrap_err().kind(), "corrupt");
    }
}

#[test]
fn sqlite_header_with_garbage_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.db");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend(noise(4096 * 3, 3));
    std::fs::write(&path, &bytes).unwrap();
    let err = open(&path).err().expect("garbage must not open");
    assert_eq!(err.kind(), "corrupt", "{err}");
    unchanged(&path, &bytes);
}

fn foreign_db(path: &Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');",
    )
    .unwrap();
}

#[test]
fn a_foreign_sqlite_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("foreign.db");
    foreign_db(&path);
    let err = open(&path).err().expect("a foreign database must not open");
    assert!(matches!(err.kind(), "corrupt" | "migration"), "{err}");
    // Its own data is still there and no Partnerdesk table was added.
    let c = rusqlite::Connection::open(&path).unwrap();
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(tables, vec!["notes"]);
}

/// Regression: before the preflight check (4f8f159), `Store::open` switched
/// the file to WAL in `open_conn` before refusing it.
#[test]
fn a_refused_foreign_database_is_left_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("foreign.db");
    foreign_db(&path);
    let bytes = std::fs::read(&path).unwrap();
    assert!(open(&path).is_err());
    unchanged(&path, &bytes);
    assert!(
        !path.with_extension("db-wal").exists(),
        "a WAL file was left next to it"
    );
}

fn bump_schema(path: &Path, to: i64) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute(
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (?1, 'future', '2030-01-01T00:00:00Z', '0')",
        [to],
    )
    .unwrap();
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    drop(open(&path).unwrap());
    let newer = latest_schema_version() + 1;
    bump_schema(&path, newer);
    let bytes = std::fs::read(&path).unwrap();
    let history = history_rows(&path);
    let err = open(&path).err().expect("a newer schema must not open");
    assert_eq!(err.kind(), "newer_schema", "{err}");
    match err {
        Error::NewerSchema { found, known, .. } => assert_eq!((found, known), (newer, newer - 1)),
        other => panic!("{other}"),
    }
    unchanged(&path, &bytes);
    assert_eq!(history_rows(&path), history);
    assert_eq!(Store::schema_version_of(&path).unwrap(), newer);
}

/// Regression: as above, for a newer schema in rollback-journal mode.
#[test]
fn a_newer_schema_in_rollback_mode_is_left_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    drop(open(&path).unwrap());
    bump_schema(&path, latest_schema_version() + 1);
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        let m: String = c.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0)).unwrap();
        assert_eq!(m, "delete");
    }
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(open(&path).err().unwrap().kind(), "newer_schema");
    unchanged(&path, &bytes);
}

#[test]
fn ids_resolve_by_a_unique_prefix_of_at_least_eight() {
    let e = common::env();
    let p = e.partner("Prefix");
    // Two leads in one transaction share their time, hence their first 13 characters.
    e.tick();
    let (a, b) = e
        .store
        .write(|tx| {
            let a = leads::add(tx, &new_lead(p.id, "Ann", "ann@c.example", None, 0))?.lead;
            let b = leads::add(tx, &new_lead(p.id, "Bob", "bob@c.example", None, 0))?.lead;
            Ok((a, b))
        })
        .unwrap();
    let (sa, sb) = (a.id.to_string(), b.id.to_string());
    assert_eq!(sa[..13], sb[..13]);
    let common_len = sa.chars().zip(sb.chars()).take_while(|(x, y)| x == y).count();
    e.store
        .read(|c| {
            let lead = |t: &str| repo::resolve::<LeadId>(c, t);
            // Full id, any case, with spaces.
            assert_eq!(lead(&sa)?, a.id);
            assert_eq!(lead(&format!("  {}  ", sa.to_uppercase()))?, a.id);
            assert_eq!(lead(&sa.replace('-', ""))?, a.id, "simple form");
            // Unique prefixes.
            assert_eq!(lead(&sa[..common_len + 1])?, a.id);
            assert_eq!(lead(&sb[..common_len + 1])?, b.id);
            assert_eq!(lead(&sa[..35])?, a.id);
            // Ambiguous.
            for n in [8, 9, 13, common_len] {
                let err = lead(&sa[..n]).unwrap_err();
                assert_eq!((err.kind(), err.field()), ("validation", Some("id")), "{n}: {err}");
            }
            // Too short or malformed.
            for t in [&sa[..7], "", "zzzzzzzz", "0190-xyz-1234", "12345678!"] {
                let err = lead(t).unwrap_err();
                assert_eq!((err.kind(), err.field()), ("validation", Some("id")), "{t:?}: {err}");
            }
            // Unknown.
            for t in ["ffffffff", "00000000-0000", "ffffffff-ffff-7fff-bfff-ffffffffffff"] {
                assert_eq!(lead(t).unwrap_err().kind(), "not_found", "{t}");
            }
            // The type decides the table: a lead id is no partner id.
            assert_eq!(repo::resolve::<PartnerId>(c, &sa).unwrap_err().kind(), "not_found");
            assert_eq!(repo::resolve::<PartnerId>(c, &p.id.to_string()[..12])?, p.id);
            Ok(())
        })
        .unwrap();
}
