//! The store: one SQLite file with the house pragmas; its schema is the
//! migrations (refinery) this build embeds. All access goes through
//! [`Store::read`] (a consistent snapshot) and [`Store::write`] (one
//! IMMEDIATE transaction per user action, committed only when the closure
//! returns `Ok`).
//!
//! Opening a file ([`Store::open`]: the checks, the backup before a
//! migration, migrating) is one layer up, in the `open` module, so that the
//! store depends on nothing above it.

pub mod cipher;
pub mod repo;
pub mod search;

use crate::clock::{fmt_time, Clock};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod embedded {
    refinery::embed_migrations!("../../migrations");
}

/// The environment variable that overrides the default database file.
pub const DB_ENV: &str = "PARTNERDESK_DB";
/// The database file name inside the data folder.
pub const DB_FILE_NAME: &str = "partnerdesk.db";

/// The default data folder of this user (e.g. `~/.local/share/partnerdesk`).
pub fn default_data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("app", "Partnerdesk", "Partnerdesk")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            Error::io(
                "finding the data folder",
                std::io::Error::new(std::io::ErrorKind::NotFound, "no home folder for this user"),
            )
        })
}

/// The database path: an explicit one, else `PARTNERDESK_DB`, else the
/// default file in the data folder.
pub fn resolve_db_path(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(DB_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    Ok(default_data_dir()?.join(DB_FILE_NAME))
}

/// The connection a [`Store::read`] closure receives (and a [`Tx`] derefs
/// to). The shells name this alias, never the SQLite crate.
pub type Conn = Connection;

/// Drop the secondary indexes of `tables` but those named in `keep`, and
/// return the SQL that makes them again: for bulk loads, where building an
/// index once over all rows beats keeping it row by row. Indexes whose keys
/// grow with the rows a load writes are cheaper to keep (they grow at their
/// right edge).
pub(crate) fn drop_secondary_indexes(conn: &Connection, tables: &[&str], keep: &[&str]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for t in tables {
        let rows: Vec<(String, String)> = {
            let mut stmt = conn.prepare(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL",
            )?;
            let rows = stmt.query_map([t], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (name, sql) in rows.into_iter().filter(|(name, _)| !keep.contains(&name.as_str())) {
            conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
            out.push(sql);
        }
    }
    Ok(out)
}

/// The newest schema version this build knows.
pub fn latest_schema_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| m.version() as i64)
        .max()
        .unwrap_or(0)
}

pub struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    clock: Arc<dyn Clock>,
}

/// A write transaction: the connection plus the time of this action.
pub struct Tx<'c> {
    tx: Transaction<'c>,
    now: DateTime<Utc>,
    now_text: String,
}

impl Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.tx
    }
}

impl Tx<'_> {
    /// The time of this action (one per transaction).
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }
    pub fn now_text(&self) -> &str {
        &self.now_text
    }
}

impl Store {
    /// A store on `conn`, an open connection to `path` whose schema is
    /// current (opening a file, with its checks, backup and migration, is
    /// [`Store::open`]).
    pub(crate) fn from_connection(path: PathBuf, conn: Connection, clock: Arc<dyn Clock>) -> Store {
        Store {
            path,
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            clock,
        }
    }

    /// The schema version a database file has, without changing it.
    pub fn schema_version_of(path: &Path) -> Result<i64> {
        check_header(path)?;
        let conn = open_conn(path, true)?;
        applied_version(&conn)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Run `f` on a consistent read snapshot (a reader connection, never the writer).
    #[track_caller]
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let timer = Timer::start("read");
        let conn = {
            let mut pool = self.readers.lock().unwrap_or_else(|e| e.into_inner());
            pool.pop()
        };
        let conn = match conn {
            Some(c) => c,
            None => open_conn(&self.path, true)?,
        };
        let result = (|| {
            conn.execute_batch("BEGIN DEFERRED")?;
            let r = f(&conn);
            conn.execute_batch("COMMIT")?;
            r
        })();
        if conn.is_autocommit() {
            let mut pool = self.readers.lock().unwrap_or_else(|e| e.into_inner());
            if pool.len() < 8 {
                pool.push(conn);
            }
        }
        timer.done();
        result
    }

    /// Run `f` in one write transaction; commit on `Ok`, roll back on `Err`.
    #[track_caller]
    pub fn write<T>(&self, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        let timer = Timer::start("write");
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut now = self.clock.now();
        if self.clock.scripted() {
            // Commands of one script run at the same set time in turn: never
            // before the last write, a millisecond after it at least.
            let last: Option<String> = tx.query_row("SELECT max(at) FROM audit_log", [], |r| r.get(0))?;
            if let Some(last) = last.as_deref().and_then(crate::clock::parse_time) {
                now = now.max(last + chrono::Duration::milliseconds(1));
            }
        }
        let tx = Tx {
            tx,
            now,
            now_text: fmt_time(now),
        };
        let value = f(&tx)?;
        tx.tx.commit()?;
        timer.done();
        Ok(value)
    }

    /// Direct access to the writer connection, for bulk work (demo, import,
    /// backup) that manages its own transactions.
    #[track_caller]
    pub fn with_writer<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let timer = Timer::start("bulk");
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let r = f(&mut conn);
        timer.done();
        r
    }

    /// Close the pooled reader connections (they reopen on demand). Bulk work
    /// calls this so that it may change the journal mode.
    pub fn release_readers(&self) {
        self.readers.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// [`Store::read`] for a list that may search: when `search` has a word,
    /// the text-search indexes are built first if they are missing ([`search`]).
    pub fn read_searching<T>(&self, search: Option<&str>, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if search.is_some_and(search::has_words) {
            self.ensure_search_index()?;
        }
        self.read(f)
    }

    /// Build the text-search indexes when they are missing ([`search`]).
    /// Returns whether it built them.
    pub fn ensure_search_index(&self) -> Result<bool> {
        if self.read(search::ready)? {
            return Ok(false);
        }
        self.write(|tx| search::ensure(tx))
    }

    /// `PRAGMA quick_check`: Ok when the file is consistent.
    #[track_caller]
    pub fn quick_check(&self) -> Result<()> {
        self.read(|c| {
            let r: String = c.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if r == "ok" {
                Ok(())
            } else {
                Err(Error::Corrupt {
                    path: self.path.display().to_string(),
                    reason: r,
                })
            }
        })
    }
}

/// Operations slower than this (milliseconds) are logged with their timing
/// (`crate::monitor`).
pub const SLOW_MS: u128 = 200;

/// Times a store call; one slower than [`SLOW_MS`] is logged with
/// the code location that made it (never its data).
struct Timer {
    what: &'static str,
    at: &'static std::panic::Location<'static>,
    started: std::time::Instant,
}

impl Timer {
    #[track_caller]
    fn start(what: &'static str) -> Timer {
        Timer {
            what,
            at: std::panic::Location::caller(),
            started: std::time::Instant::now(),
        }
    }

    fn done(self) {
        let elapsed = self.started.elapsed();
        if elapsed.as_millis() > SLOW_MS {
            tracing::warn!(
                op = self.what,
                at = %format_args!("{}:{}", self.at.file(), self.at.line()),
                ms = elapsed.as_millis() as u64,
                "slow"
            );
        }
    }
}

impl Tx<'_> {
    /// Wrap an already-open transaction (bulk work) so that rule functions can run in it.
    pub fn wrap(tx: Transaction<'_>, now: DateTime<Utc>) -> Tx<'_> {
        Tx {
            tx,
            now,
            now_text: fmt_time(now),
        }
    }

    /// Set the time of the following changes (bulk work replaying history).
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.now = now;
        self.now_text = fmt_time(now);
    }

    pub fn commit(self) -> Result<()> {
        Ok(self.tx.commit()?)
    }
}

pub(crate) fn open_conn(path: &Path, reader: bool) -> Result<Connection> {
    let shown = path.display().to_string();
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| storage_open_error(&shown, e))?;
    cipher::key_connection(&conn, path).map_err(|e| storage_open_error(&shown, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let set = || -> rusqlite::Result<()> {
        if cipher::is_plain(path) {
            // An encrypted file keeps SQLCipher's page size (its header is
            // encrypted: setting another one before the first read breaks it).
            conn.execute_batch("PRAGMA page_size = 16384;")?;
        }
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             PRAGMA synchronous = NORMAL;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -65536;
             PRAGMA mmap_size = 268435456;",
        )?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // A read-only file cannot switch journal modes; writes will fail clearly later.
        }
        if reader {
            conn.execute_batch("PRAGMA query_only = ON;")?;
        }
        Ok(())
    };
    set().map_err(|e| storage_open_error(&shown, e))?;
    Ok(conn)
}

fn storage_open_error(path: &str, e: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => Error::Corrupt {
            path: path.to_owned(),
            reason: e.to_string(),
        },
        Some(ErrorCode::CannotOpen) | Some(ErrorCode::PermissionDenied) | Some(ErrorCode::ReadOnly) => Error::io(
            format!("opening {path}"),
            std::io::Error::new(std::io::ErrorKind::PermissionDenied, e.to_string()),
        ),
        _ => Error::Storage(e),
    }
}

/// Apply the migrations this build knows that `conn` lacks.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    embedded::migrations::runner()
        .set_grouped(true)
        .run(conn)
        .map_err(|e| Error::Migration(e.to_string()))?;
    Ok(())
}

/// The highest migration applied to this database (0 when none).
pub(crate) fn applied_version(conn: &Connection) -> Result<i64> {
    let has: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')",
        [],
        |r| r.get(0),
    )?;
    if !has {
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| {
            r.get(0)
        })?;
        if tables > 0 {
            return Err(Error::Migration(
                "the file holds tables but no Partnerdesk schema history: it is not a Partnerdesk database".into(),
            ));
        }
        return Ok(0);
    }
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )?)
}

/// A file that exists must start with the SQLite header (an empty file is a new database).
pub(crate) fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let shown = path.display().to_string();
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(format!("opening {shown}"), e))?;
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(Error::io(format!("reading {shown}"), e)),
        }
    }
    if n == 0 {
        return Ok(());
    }
    if n == 16 && &head != b"SQLite format 3\0" && cipher::is_unlocked(path) {
        return Ok(());
    }
    if n < 16 || &head != b"SQLite format 3\0" {
        if cipher::could_be_encrypted(path) {
            return Err(cipher::locked_error(path));
        }
        return Err(Error::Corrupt {
            path: shown,
            reason: "the file does not start with the SQLite header".into(),
        });
    }
    Ok(())
}

#[cfg(unix)]
pub(crate) fn make_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(format!("creating the folder {}", dir.display()), e))
}

#[cfg(not(unix))]
pub(crate) fn make_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating the folder {}", dir.display()), e))
}

#[cfg(unix)]
pub(crate) fn make_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(format!("setting permissions on {}", path.display()), e))
}

#[cfg(not(unix))]
pub(crate) fn make_private_file(_path: &Path) -> Result<()> {
    Ok(())
}
