//! Monitoring: the local logs of the app and the command line, and the
//! diagnostics (`partnerdesk doctor --bundle`, Settings → Diagnostics).
//!
//! Logs are JSON lines written by `tracing` to a file per day in the OS log
//! folder ([`log_dir`]; `cli.YYYY-MM-DD.log`, `app.YYYY-MM-DD.log`, the last
//! [`KEEP_LOG_FILES`] of each kept). What is logged: every failed command or
//! app call (its name or code location, the error's kind and field, its
//! duration) and every operation slower than [`SLOW_MS`] (every store
//! transaction is timed, `Store::read`/`write`/`with_writer`). What is never
//! logged: messages, arguments or rows, since those carry names and e-mails.
//!
//! The diagnostics hold versions, settings (there are no secrets among them),
//! database statistics, the integrity, rule and audit checks and the names of
//! the recent log files; the bundle is a zip of that report and of those log
//! files. Neither holds personal data: records appear as counts, problems
//! name record ids only.

use crate::backup;
use crate::error::{Error, Result};
use crate::queries::{self, AuditVerification, Counts};
use crate::store::{self, Store};
use crate::workflow::{invariants, settings};
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub use crate::store::SLOW_MS;
/// The environment variable that overrides the log folder.
pub const LOG_DIR_ENV: &str = "PARTNERDESK_LOG_DIR";
/// Daily log files kept per program (older ones are deleted as new ones start).
pub const KEEP_LOG_FILES: usize = 14;
/// At most this much of each log file goes into a bundle (its end).
const BUNDLE_LOG_BYTES: u64 = 1 << 20;
/// Log files in a bundle: the newest.
const BUNDLE_LOG_FILES: usize = 6;

/// The log folder: `PARTNERDESK_LOG_DIR`, else the OS's (on Linux
/// `~/.local/state/partnerdesk/logs`; elsewhere `logs` in the local data folder).
pub fn log_dir() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(LOG_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let dirs = directories::ProjectDirs::from("app", "Partnerdesk", "Partnerdesk").ok_or_else(|| {
        Error::io(
            "finding the log folder",
            std::io::Error::new(std::io::ErrorKind::NotFound, "no home folder for this user"),
        )
    })?;
    Ok(dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).join("logs"))
}

/// Keeps the log writer running: hold it until the program ends (dropping it
/// flushes what is buffered).
pub struct LogGuard {
    _guard: tracing_appender::non_blocking::WorkerGuard,
}

/// Start logging to the daily file `<program>.YYYY-MM-DD.log` in [`log_dir`].
/// Best effort: None when the folder cannot be made or a logger is already
/// set (the program runs on without logs).
pub fn init_logs(program: &str) -> Option<LogGuard> {
    let dir = log_dir().ok()?;
    if !dir.exists() {
        store::make_private_dir(&dir).ok()?;
    }
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(program)
        .filename_suffix("log")
        .max_log_files(KEEP_LOG_FILES)
        .build(&dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(writer)
        .with_max_level(tracing::Level::INFO)
        .with_current_span(false)
        .with_span_list(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).ok()?;
    tracing::info!(program, version = env!("CARGO_PKG_VERSION"), "started");
    Some(LogGuard { _guard: guard })
}

/// Log the end of operation `op` (a command's name or a code location):
/// a failure always (its kind and field, never its message), success when
/// slower than [`SLOW_MS`].
pub fn log_outcome(op: &str, elapsed: std::time::Duration, error: Option<&Error>) {
    let ms = elapsed.as_millis() as u64;
    match error {
        Some(e) => tracing::error!(op, kind = e.kind(), field = e.field(), ms, "failed"),
        None if elapsed.as_millis() > SLOW_MS => tracing::warn!(op, ms, "slow"),
        None => {}
    }
}

/// Log a failure that is not a core error (a shell's own, such as a file it
/// could not write): its kind only.
pub fn log_other_failure(op: &str, elapsed: std::time::Duration) {
    tracing::error!(op, kind = "error", ms = elapsed.as_millis() as u64, "failed");
}

/// What Settings → Diagnostics shows and `doctor --bundle` saves.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Diagnostics {
    pub taken_at: String,
    pub versions: Versions,
    pub database: DatabaseStats,
    /// Every setting (key, value, meaning); none is a secret.
    pub settings: Vec<settings::SettingEntry>,
    /// "ok", or what `PRAGMA quick_check` found.
    pub integrity: String,
    /// Broken rules (record ids only), empty when all hold.
    pub problems: Vec<String>,
    pub audit: AuditVerification,
    /// Backups next to the database, and the newest one's name.
    pub backups: i64,
    pub newest_backup: Option<String>,
    pub log_dir: String,
    /// The log files, newest first.
    pub logs: Vec<LogFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Versions {
    pub partnerdesk: String,
    pub schema: i64,
    pub sqlite: String,
    pub os: String,
    pub arch: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DatabaseStats {
    /// The file's name (the folder is left out: it may hold the user's name).
    pub file_name: String,
    pub file_bytes: u64,
    pub wal_bytes: u64,
    pub page_size: i64,
    pub page_count: i64,
    pub freelist_pages: i64,
    pub journal_mode: String,
    pub search_index: bool,
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LogFile {
    pub name: String,
    pub bytes: u64,
}

/// What `doctor --bundle` wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BundleReport {
    pub path: String,
    /// The entries of the zip.
    pub files: Vec<String>,
    pub bytes: u64,
}

/// Gather the diagnostics of `store` (the logs of [`log_dir`]).
pub fn diagnostics(store: &Store) -> Result<Diagnostics> {
    let path = store.path();
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let integrity = match store.quick_check() {
        Ok(()) => "ok".to_owned(),
        Err(Error::Corrupt { reason, .. }) => reason,
        Err(e) => return Err(e),
    };
    let (problems, audit, counts, entries, stats, search) = store.read(|c| {
        let (problems, audit) = invariants::check_with_audit(c)?;
        let pragma = |p: &str| -> Result<i64> { Ok(c.query_row(&format!("PRAGMA {p}"), [], |r| r.get(0))?) };
        let journal: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        Ok((
            problems,
            audit,
            queries::counts(c)?,
            settings::load(c)?.entries(),
            (
                pragma("page_size")?,
                pragma("page_count")?,
                pragma("freelist_count")?,
                journal,
            ),
            store::search::ready(c)?,
        ))
    })?;
    let backups = backup::list(&backup::BackupSet::of(path)).unwrap_or_default();
    let dir = log_dir()?;
    Ok(Diagnostics {
        taken_at: crate::clock::fmt_time(store.now()),
        versions: Versions {
            partnerdesk: env!("CARGO_PKG_VERSION").to_owned(),
            schema: store.read(|c| {
                Ok(c.query_row(
                    "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
                    [],
                    |r| r.get(0),
                )?)
            })?,
            sqlite: rusqlite::version().to_owned(),
            os: std::env::consts::OS.to_owned(),
            arch: std::env::consts::ARCH.to_owned(),
        },
        database: DatabaseStats {
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            file_bytes: size(path),
            wal_bytes: size(&path.with_extension(wal_ext(path))),
            page_size: stats.0,
            page_count: stats.1,
            freelist_pages: stats.2,
            journal_mode: stats.3,
            search_index: search,
            counts,
        },
        settings: entries,
        integrity,
        problems,
        audit,
        backups: backups.len() as i64,
        newest_backup: backups.iter().map(|b| b.file_name.clone()).max(),
        log_dir: shown_dir(&dir),
        logs: log_files(&dir),
    })
}

/// The `-wal` file's extension for a database file (`x.db` -> `db-wal`).
fn wal_ext(path: &Path) -> String {
    match path.extension() {
        Some(e) => format!("{}-wal", e.to_string_lossy()),
        None => "wal".into(),
    }
}

/// A folder as shown: the home folder as `~` (its name may be the user's).
fn shown_dir(dir: &Path) -> String {
    if let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()) {
        if let Ok(rest) = dir.strip_prefix(&home) {
            return format!("~/{}", rest.display());
        }
    }
    dir.display().to_string()
}

/// The `*.log` files of `dir`, newest first.
fn log_files(dir: &Path) -> Vec<LogFile> {
    let mut out: Vec<(std::time::SystemTime, LogFile)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let meta = e.metadata().ok()?;
            (meta.is_file() && name.ends_with(".log")).then(|| {
                (
                    meta.modified().unwrap_or(std::time::UNIX_EPOCH),
                    LogFile {
                        name,
                        bytes: meta.len(),
                    },
                )
            })
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.name.cmp(&a.1.name)));
    out.into_iter().map(|(_, f)| f).collect()
}

/// Write the diagnostics bundle to `out` (a zip: `diagnostics.json` and the
/// newest log files under `logs/`, each at most its last megabyte), through
/// a temporary name; private to the user.
pub fn bundle(store: &Store, out: &Path) -> Result<BundleReport> {
    let d = diagnostics(store)?;
    let dir = log_dir()?;
    let io = |e: std::io::Error| Error::io(format!("writing {}", out.display()), e);
    let zerr = |e: zip::result::ZipError| Error::io(format!("writing {}", out.display()), std::io::Error::other(e));
    let tmp = crate::exchange::export::tmp_path(out);
    let result = (|| -> Result<Vec<String>> {
        let file = std::fs::File::create(&tmp).map_err(io)?;
        store::make_private_file(&tmp)?;
        let mut zip = zip::ZipWriter::new(file);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let mut names = Vec::new();
        let json = serde_json::to_vec_pretty(&d).map_err(|e| Error::validation("bundle", e.to_string()))?;
        zip.start_file("diagnostics.json", opts).map_err(zerr)?;
        zip.write_all(&json).map_err(io)?;
        names.push("diagnostics.json".to_owned());
        for f in d.logs.iter().take(BUNDLE_LOG_FILES) {
            let mut src = match std::fs::File::open(dir.join(&f.name)) {
                Ok(s) => s,
                Err(_) => continue,
            };
            let len = src.metadata().map(|m| m.len()).unwrap_or(0);
            if len > BUNDLE_LOG_BYTES {
                src.seek(SeekFrom::Start(len - BUNDLE_LOG_BYTES)).map_err(io)?;
            }
            let mut text = Vec::new();
            src.take(BUNDLE_LOG_BYTES).read_to_end(&mut text).map_err(io)?;
            let name = format!("logs/{}", f.name);
            zip.start_file(name.as_str(), opts).map_err(zerr)?;
            zip.write_all(&text).map_err(io)?;
            names.push(name);
        }
        let mut file = zip.finish().map_err(zerr)?;
        file.flush().map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, out).map_err(io)?;
        Ok(names)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    let files = result?;
    Ok(BundleReport {
        path: out.display().to_string(),
        files,
        bytes: std::fs::metadata(out).map(|m| m.len()).unwrap_or(0),
    })
}
