//! Checking database files: [`verify`] (a backup or any file), [`preflight`]
//! (the cheap checks at every open) and [`recovery`] (what to offer when a
//! database cannot be opened).

use super::files::sidecar;
use super::rotate::list;
use super::{BackupInfo, BackupSet, Verification};
use crate::error::{Error, ErrorInfo, Result};
use crate::store::latest_schema_version;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use std::io::Read;
use std::path::Path;

/// Check a backup (or any database file) without changing it: the header,
/// the size, `PRAGMA integrity_check`, and a Partnerdesk schema this build
/// can open.
pub fn verify(path: &Path) -> Result<Verification> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(format!("reading {shown}"), e))?;
    if !meta.is_file() {
        return Err(Error::validation("file", format!("{shown} is not a file")));
    }
    let mut v = Verification {
        path: shown.clone(),
        ok: false,
        problems: Vec::new(),
        schema_version: None,
        size: meta.len(),
    };
    if let Err(e) = check_file_shape(path) {
        v.problems.push(reason_of(&e));
        return Ok(v);
    }
    let conn =
        match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .and_then(|c| crate::store::cipher::key_connection(&c, path).map(|_| c))
        {
            Ok(c) => c,
            Err(e) => {
                v.problems.push(format!("cannot be opened: {e}"));
                return Ok(v);
            }
        };
    match integrity_problems(&conn) {
        Ok(p) => v.problems.extend(p),
        Err(e) => {
            v.problems.push(format!("integrity check failed: {}", reason_of(&e)));
            return Ok(v);
        }
    }
    match schema_version(&conn) {
        Ok(Some(found)) => {
            v.schema_version = Some(found);
            let known = latest_schema_version();
            if found > known {
                v.problems.push(format!(
                    "written by a newer Partnerdesk (schema version {found}, this version knows up to {known})"
                ));
            }
        }
        Ok(None) => v.problems.push("not a Partnerdesk database (no schema history)".into()),
        Err(e) => v.problems.push(format!("the schema cannot be read: {}", reason_of(&e))),
    }
    v.ok = v.problems.is_empty();
    Ok(v)
}

/// What a front end shows when the database cannot be opened: the problem,
/// and the newest good backup to restore when restoring is the way out.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Recovery {
    pub database: String,
    pub error: ErrorInfo,
    pub backup_dir: String,
    /// The file is damaged or not a Partnerdesk database: a backup is the way
    /// out (not so for a newer schema or a read-only file).
    pub restorable: bool,
    pub newest_good: Option<BackupInfo>,
}

/// [`Recovery`] for `db_path`, which failed to open with `error`. Reads the
/// backups folder only; nothing is written.
pub fn recovery(db_path: &Path, error: ErrorInfo) -> Recovery {
    let set = BackupSet::of(db_path);
    // A file that looks encrypted may be damaged just as well: a backup is a way out.
    let restorable = error.kind == "corrupt" || error.kind == "locked";
    let newest_good = if restorable {
        newest_good(&set).ok().flatten()
    } else {
        None
    };
    Recovery {
        database: db_path.display().to_string(),
        error,
        backup_dir: set.dir().display().to_string(),
        restorable,
        newest_good,
    }
}

/// The newest backup of the set that verifies, if any.
pub fn newest_good(set: &BackupSet) -> Result<Option<BackupInfo>> {
    for b in list(set)? {
        if verify(Path::new(&b.path))?.ok {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

/// The cheap checks run at every open of an existing database, before
/// anything may write to it: a damaged, truncated, foreign, newer or
/// read-only file is refused and left byte for byte as it was.
pub fn preflight(path: &Path) -> Result<()> {
    let shown = path.display().to_string();
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("opening {shown}"), e))?
        .len();
    if len == 0 {
        return Ok(());
    }
    check_file_shape(path)?;
    if recovering(path) {
        // A hot journal or a WAL with frames: the main file alone is not the
        // database. The store's own connection recovers it (rolls back or
        // replays) and checks the schema then.
        return Ok(());
    }
    // `immutable=1`: a pure read of the main file that takes no lock and
    // creates no -wal or -shm file next to it.
    let conn = Connection::open_with_flags(
        immutable_uri(path),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )
    .and_then(|c| crate::store::cipher::key_connection(&c, path).map(|_| c))
    .map_err(|e| corrupt_or_storage(&shown, e))?;
    let found = schema_version(&conn).map_err(|e| match e {
        Error::Storage(s) => corrupt_or_storage(&shown, s),
        other => other,
    })?;
    drop(conn);
    let known = latest_schema_version();
    match found {
        None => {
            return Err(Error::Corrupt {
                path: shown,
                reason: "the file holds tables but no Partnerdesk schema history: it is not a Partnerdesk database"
                    .into(),
            })
        }
        Some(found) if found > known => {
            return Err(Error::NewerSchema {
                path: shown,
                found,
                known,
            })
        }
        Some(_) => {}
    }
    if let Err(e) = std::fs::OpenOptions::new().write(true).open(path) {
        let read_only = e.kind() == std::io::ErrorKind::PermissionDenied
            || matches!(e.raw_os_error(), Some(1) | Some(13) | Some(30));
        if read_only {
            return Err(Error::io(
                format!("opening {shown}"),
                std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "the database file is read-only ({e}); Partnerdesk needs to write to it. Nothing was changed: \
                         make the file writable, or copy it to a writable folder"
                    ),
                ),
            ));
        }
        return Err(Error::io(format!("opening {shown}"), e));
    }
    Ok(())
}

/// The header and size checks shared by [`verify`] and [`preflight`].
pub(super) fn check_file_shape(path: &Path) -> Result<()> {
    let shown = path.display().to_string();
    let corrupt = |reason: String| Error::Corrupt {
        path: shown.clone(),
        reason,
    };
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(format!("opening {shown}"), e))?;
    let len = f
        .metadata()
        .map_err(|e| Error::io(format!("reading {shown}"), e))?
        .len();
    let mut head = [0u8; 100];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(Error::io(format!("reading {shown}"), e)),
        }
    }
    if n >= 16 && &head[..16] != b"SQLite format 3\0" && crate::store::cipher::is_unlocked(path) {
        // Encrypted with a key of this process: the header is encrypted too.
        return Ok(());
    }
    if n < 16 || &head[..16] != b"SQLite format 3\0" {
        if crate::store::cipher::could_be_encrypted(path) {
            return Err(crate::store::cipher::locked_error(path));
        }
        return Err(corrupt("the file does not start with the SQLite header".into()));
    }
    if n < 100 {
        return Err(corrupt(format!("the file is only {len} bytes long: it was cut short")));
    }
    let page_size = match u16::from_be_bytes([head[16], head[17]]) {
        1 => 65_536u64,
        s if s >= 512 && s.is_power_of_two() => s as u64,
        s => return Err(corrupt(format!("the header gives an impossible page size ({s})"))),
    };
    let pages = u32::from_be_bytes([head[28], head[29], head[30], head[31]]) as u64;
    let size_valid = head[92..96] == head[24..28];
    if size_valid && !recovering(path) && pages > 0 && len < pages * page_size {
        return Err(corrupt(format!(
            "the file is {len} bytes long but its header says {} bytes: it was cut short",
            pages * page_size
        )));
    }
    Ok(())
}

/// A crash left a hot rollback journal or WAL frames next to the file.
pub(super) fn recovering(path: &Path) -> bool {
    let len = |s: &str| std::fs::metadata(sidecar(path, s)).map(|m| m.len()).unwrap_or(0);
    len("-wal") > 32 || len("-journal") > 0
}

pub(super) fn integrity_problems(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check(20)")?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(if rows.len() == 1 && rows[0] == "ok" {
        Vec::new()
    } else {
        rows
    })
}

/// The highest applied migration, or `None` for a file without Partnerdesk's
/// schema history (an empty database answers `Some(0)`).
pub(super) fn schema_version(conn: &Connection) -> Result<Option<i64>> {
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| {
        r.get(0)
    })?;
    let has: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')",
        [],
        |r| r.get(0),
    )?;
    if !has {
        return Ok(if tables == 0 { Some(0) } else { None });
    }
    Ok(Some(conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )?))
}

pub(super) fn corrupt_or_storage(shown: &str, e: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => Error::Corrupt {
            path: shown.to_owned(),
            reason: e.to_string(),
        },
        _ => Error::Storage(e),
    }
}

pub(super) fn reason_of(e: &Error) -> String {
    match e {
        Error::Corrupt { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// `file:PATH?immutable=1`, the path percent-encoded.
pub(super) fn immutable_uri(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for b in abs.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}
