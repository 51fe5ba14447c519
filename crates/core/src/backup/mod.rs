//! Backups: verified online copies of the database, rotation, verify and
//! restore.
//!
//! A backup is taken with SQLite's online backup API from one read snapshot
//! into a temporary file in the backups folder (`backups/` next to the
//! database, 0700), switched to a self-contained rollback-journal file,
//! checked with `PRAGMA integrity_check`, synced, and only then renamed to its
//! dated name `NAME-YYYY-MM-DD_HHMMSS-KIND.db`, NAME being the database's file
//! name without `.db` (`partnerdesk-…` for the default `partnerdesk.db`).
//! Databases that share a folder share `backups/` but never see, rotate or
//! restore each other's backups (a [`BackupSet`] is one database's). A copy that fails its
//! check is deleted and the failure is reported as the *live* database being
//! damaged (the copy is page for page the same).
//!
//! Backups are taken before every migration ([`before_migration`], called by
//! [`Store::open`]), at the first start of each day ([`ensure_daily`]) and on
//! demand ([`create`]). Rotation keeps, among the daily backups, the newest
//! of each of the last `backup.keep_daily` days and of the last
//! `backup.keep_weekly` ISO weeks that have one; the newest [`MANUAL_KEEP`]
//! manual backups, and the newest [`SAFETY_KEEP`] safety copies of each kind
//! (before a migration, before a restore).
//!
//! At every open, [`preflight`] runs the cheap checks before anything can be
//! written: the SQLite header, the file size against the page count the header
//! records (a truncated file), the schema readable and not newer than this
//! build, and the file writable. The full integrity check runs on every backup
//! (so at the first start of each day, before the day's first write) and in
//! `doctor`.
//!
//! A copy in progress is locked by its process (`hold_temporary`); one left
//! unlocked by a killed process is deleted by the next backup or restore.
//!
//! Times in names come from the store's clock, so tests decide them.

use crate::clock::fmt_time;
use crate::demo::Progress;
use crate::error::{Error, Result};
use crate::store::{latest_schema_version, Store};
use crate::workflow::settings;
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The backups folder's name, next to the database file.
pub const BACKUP_DIR_NAME: &str = "backups";
/// Safety copies (before a migration, before a restore) kept per kind.
pub const SAFETY_KEEP: usize = 4;
/// Manual backups kept (the newest ones).
pub const MANUAL_KEEP: usize = 10;
const SUFFIX: &str = ".db";
const STAMP: &str = "%Y-%m-%d_%H%M%S";
const STAMP_LEN: usize = 17;
const PAGES_PER_STEP: i32 = 2048;
const COPY_CHUNK: usize = 4 << 20;

/// Why a backup was taken.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum BackupKind {
    /// Asked for by the user.
    Manual,
    /// The automatic backup at the first start of a day.
    Daily,
    /// Taken automatically before the schema is migrated.
    PreMigration,
    /// The database as it was just before a restore replaced it.
    PreRestore,
}

impl BackupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupKind::Manual => "manual",
            BackupKind::Daily => "daily",
            BackupKind::PreMigration => "pre-migration",
            BackupKind::PreRestore => "pre-restore",
        }
    }

    /// Daily backups rotate by days and weeks; the other kinds are kept
    /// by count.
    fn rotates(self) -> bool {
        self == BackupKind::Daily
    }

    /// How many of this kind are kept (daily ones: by [`Retention`]).
    fn keep_count(self) -> usize {
        match self {
            BackupKind::Manual => MANUAL_KEEP,
            _ => SAFETY_KEEP,
        }
    }

    /// Within one second: a pre-migration copy is taken at open, the daily
    /// one at start, a manual one later, a pre-restore copy last.
    fn rank(self) -> u8 {
        match self {
            BackupKind::PreMigration => 0,
            BackupKind::Daily => 1,
            BackupKind::Manual => 2,
            BackupKind::PreRestore => 3,
        }
    }

    const ALL: [BackupKind; 4] = [
        BackupKind::PreMigration,
        BackupKind::PreRestore,
        BackupKind::Manual,
        BackupKind::Daily,
    ];
}

/// One backup file in the backups folder.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupInfo {
    pub path: String,
    pub file_name: String,
    pub kind: BackupKind,
    /// When it was taken (store time, to the second), RFC 3339 UTC.
    pub taken_at: String,
    /// Bytes.
    pub size: u64,
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    /// Newest last: the time, then (same second) the kind's usual order of
    /// creation, then the name's number.
    order: (NaiveDateTime, u8, u32),
}

/// The answer of [`verify`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verification {
    pub path: String,
    pub ok: bool,
    /// What is wrong (empty when ok).
    pub problems: Vec<String>,
    /// The schema version the file holds, when it could be read.
    pub schema_version: Option<i64>,
    pub size: u64,
}

/// The answer of [`restore`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RestoreReport {
    /// The database file that was replaced.
    pub database: String,
    /// The backup it now holds.
    pub restored_from: String,
    /// Where the previous database was copied first (restore it to undo);
    /// none when there was no previous file.
    pub set_aside: Option<String>,
    pub schema_version: i64,
}

/// Rotation: how many days and weeks of daily/manual backups to keep.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Retention {
    pub keep_daily: i64,
    pub keep_weekly: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            keep_daily: 7,
            keep_weekly: 4,
        }
    }
}

/// The backups folder of a database file.
pub fn backup_dir(db_path: &Path) -> PathBuf {
    match db_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.join(BACKUP_DIR_NAME),
        None => PathBuf::from(BACKUP_DIR_NAME),
    }
}

/// The backups of one database file: its backups folder, and the start of
/// their names, which is the database's file name without `.db` and a dash
/// (`partnerdesk.db` → `partnerdesk-2026-03-01_120000-daily.db`). Another
/// database in the same folder has other names, so listing, the daily
/// backup, rotation and "restore the newest good backup" only ever see this
/// database's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSet {
    dir: PathBuf,
    prefix: String,
}

impl BackupSet {
    pub fn of(db_path: &Path) -> BackupSet {
        let file = db_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = file.strip_suffix(SUFFIX).filter(|n| !n.is_empty()).unwrap_or(&file);
        BackupSet {
            dir: backup_dir(db_path),
            prefix: format!("{name}-"),
        }
    }

    /// The folder the backups are in (shared with other databases of the
    /// database's folder).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// When, of which kind and which of that second a name of this set
    /// records; `None` for any other file (another database's backups too).
    fn parse(&self, name: &str) -> Option<(NaiveDateTime, BackupKind, u32)> {
        parse_name(name.strip_prefix(&self.prefix)?)
    }

    /// The dated name not taken yet: `NAME-STAMP-KIND.db`, then `-2`, `-3`...
    fn free_name(&self, now: DateTime<Utc>, kind: BackupKind) -> (PathBuf, String, u32) {
        let base = format!("{}{}-{}", self.prefix, now.format(STAMP), kind.as_str());
        let mut n = 1u32;
        loop {
            let name = if n == 1 {
                format!("{base}{SUFFIX}")
            } else {
                format!("{base}-{n}{SUFFIX}")
            };
            let p = self.dir.join(&name);
            if !p.exists() {
                return (p, name, n);
            }
            n += 1;
        }
    }
}

/// Back up the store now (a consistent snapshot, taken while the app keeps
/// working), verify the copy, then rotate. `progress` may cancel.
pub fn create(store: &Store, kind: BackupKind, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<BackupInfo> {
    let set = BackupSet::of(store.path());
    let now = store.now();
    let shown = store.path().display().to_string();
    let (info, retention) = store.read(|conn| {
        // Start the read transaction now: the whole copy is this snapshot.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
        let retention = settings::load(conn)?.backup;
        let info = copy_verified(conn, &shown, &set, now, kind, progress)?;
        Ok((info, retention))
    })?;
    rotate(&set, retention)?;
    Ok(info)
}

/// The automatic backup of the first start of a day: taken when no daily
/// backup is dated today (store time). `None` when one already was.
pub fn ensure_daily(store: &Store, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<Option<BackupInfo>> {
    let today = store.now().date_naive();
    let have = list(&BackupSet::of(store.path()))?
        .iter()
        .any(|b| b.kind.rotates() && b.order.0.date() == today);
    if have {
        return Ok(None);
    }
    create(store, BackupKind::Daily, progress).map(Some)
}

/// Called by [`Store::open`] before it migrates a database from an older
/// schema: a verified copy of the file as it was. Any failure stops the
/// migration.
pub fn before_migration(conn: &Connection, db_path: &Path, now: DateTime<Utc>) -> Result<BackupInfo> {
    let set = BackupSet::of(db_path);
    let info = copy_verified(
        conn,
        &db_path.display().to_string(),
        &set,
        now,
        BackupKind::PreMigration,
        &mut |_| true,
    )?;
    prune_safety(&set)?;
    Ok(info)
}

/// Every backup of the set, newest first (an absent folder has none).
pub fn list(set: &BackupSet) -> Result<Vec<BackupInfo>> {
    let dir = set.dir();
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("reading the backups folder {}", dir.display()), e)),
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(format!("reading the backups folder {}", dir.display()), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((at, kind, n)) = set.parse(&name) else {
            continue;
        };
        let meta = match entry.metadata() {
            Ok(m) if m.is_file() => m,
            _ => continue,
        };
        out.push(BackupInfo {
            path: entry.path().display().to_string(),
            file_name: name,
            kind,
            taken_at: fmt_time(at.and_utc()).replace(".000Z", "Z"),
            size: meta.len(),
            order: (at, kind.rank(), n),
        });
    }
    out.sort_by_key(|b| std::cmp::Reverse(b.order));
    Ok(out)
}

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
        match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX) {
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
    pub error: crate::ErrorInfo,
    pub backup_dir: String,
    /// The file is damaged or not a Partnerdesk database: a backup is the way
    /// out (not so for a newer schema or a read-only file).
    pub restorable: bool,
    pub newest_good: Option<BackupInfo>,
}

/// [`Recovery`] for `db_path`, which failed to open with `error`. Reads the
/// backups folder only; nothing is written.
pub fn recovery(db_path: &Path, error: crate::ErrorInfo) -> Recovery {
    let set = BackupSet::of(db_path);
    let restorable = error.kind == "corrupt";
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

/// Restore a backup into the store's file. The store is closed first; the
/// caller opens a new one afterwards.
pub fn restore(store: Store, backup: &Path, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<RestoreReport> {
    let now = store.now();
    let db = store.path().to_path_buf();
    drop(store);
    restore_file(&db, backup, now, progress)
}

/// Restore `backup` into `db_path` (which may be damaged or missing; no
/// store may be open on it). The backup is verified first; the current file
/// is copied aside into the backups folder (a `pre-restore` backup, so the
/// restore can be undone); the backup is copied next to the database under a
/// temporary name, synced, and renamed over it. Cancelling keeps nothing.
pub fn restore_file(
    db_path: &Path,
    backup: &Path,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<RestoreReport> {
    let shown_backup = backup.display().to_string();
    let v = verify(backup)?;
    let version = v.schema_version.unwrap_or(0);
    if version > latest_schema_version() {
        return Err(Error::NewerSchema {
            path: shown_backup,
            found: version,
            known: latest_schema_version(),
        });
    }
    if !v.ok {
        return Err(Error::Corrupt {
            path: shown_backup,
            reason: v.problems.join("; "),
        });
    }
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(db_path), std::fs::canonicalize(backup)) {
        if a == b {
            return Err(Error::validation(
                "file",
                "this is the database itself, not a backup of it",
            ));
        }
    }
    let db_dir = match db_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    if !db_dir.is_dir() {
        return Err(Error::io(
            format!("restoring into {}", db_path.display()),
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("the folder {} does not exist", db_dir.display()),
            ),
        ));
    }
    let set = BackupSet::of(db_path);
    let has_current = std::fs::metadata(db_path).map(|m| m.len() > 0).unwrap_or(false);
    let mut aside: Vec<PathBuf> = Vec::new();
    let temp_start = format!(
        ".{}.restore-",
        db_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    remove_abandoned(&db_dir, &temp_start);
    let tmp = db_dir.join(format!("{temp_start}{}.tmp", std::process::id()));
    let result = (|| -> Result<Option<String>> {
        let _held = hold_temporary(&tmp)?;
        let set_aside = if has_current {
            let (main, extra) = set_aside_current(db_path, &set, now, progress)?;
            aside.push(main.clone());
            aside.extend(extra);
            Some(main.display().to_string())
        } else {
            None
        };
        copy_with_progress(backup, &tmp, "restoring", progress)?;
        make_private_file(&tmp)?;
        if !progress(&Progress {
            stage: "restoring".into(),
            done: v.size,
            total: v.size,
        }) {
            return Err(Error::Cancelled);
        }
        // The old file's journal or WAL must not be applied to the new file.
        for side in ["-wal", "-shm", "-journal"] {
            let p = sidecar(db_path, side);
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(format!("removing {}", p.display()), e)),
            }
        }
        std::fs::rename(&tmp, db_path)
            .map_err(|e| Error::io(format!("replacing {} with the backup", db_path.display()), e))?;
        sync_dir(&db_dir);
        Ok(set_aside)
    })();
    match result {
        Ok(set_aside) => {
            prune_safety(&set)?;
            Ok(RestoreReport {
                database: db_path.display().to_string(),
                restored_from: shown_backup,
                set_aside,
                schema_version: version,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            for p in &aside {
                let _ = std::fs::remove_file(p);
            }
            Err(e)
        }
    }
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

// ---------------------------------------------------------------------------

/// The copy: backup API into a temporary file, journal switched to DELETE so
/// the file stands alone, integrity check, sync, rename to the dated name.
fn copy_verified(
    src: &Connection,
    src_shown: &str,
    set: &BackupSet,
    now: DateTime<Utc>,
    kind: BackupKind,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<BackupInfo> {
    let dir = set.dir();
    make_private_dir(dir)?;
    let temp_start = format!(".{}", set.prefix);
    remove_abandoned(dir, &temp_start);
    let tmp = dir.join(format!(
        "{temp_start}{}-{}-{}.tmp",
        now.format(STAMP),
        kind.as_str(),
        std::process::id()
    ));
    let result = (|| -> Result<BackupInfo> {
        let _held = hold_temporary(&tmp)?;
        {
            let mut dst = Connection::open(&tmp).map_err(Error::Storage)?;
            {
                let b = Backup::new(src, &mut dst)?;
                let mut waits = 0u32;
                loop {
                    let step = b.step(PAGES_PER_STEP)?;
                    let p = b.progress();
                    let total = p.pagecount.max(0) as u64;
                    let done = total.saturating_sub(p.remaining.max(0) as u64);
                    if !progress(&Progress {
                        stage: "backing up".into(),
                        done,
                        total,
                    }) {
                        return Err(Error::Cancelled);
                    }
                    match step {
                        StepResult::Done => break,
                        StepResult::More => waits = 0,
                        _ => {
                            waits += 1;
                            if waits > 2_000 {
                                return Err(Error::Conflict(
                                    "the database stayed locked by another program; the backup was not taken".into(),
                                ));
                            }
                            std::thread::sleep(std::time::Duration::from_millis(5));
                        }
                    }
                }
            }
            dst.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get::<_, String>(0))?;
            if !progress(&Progress {
                stage: "checking the copy".into(),
                done: 0,
                total: 1,
            }) {
                return Err(Error::Cancelled);
            }
            let problems = integrity_problems(&dst)?;
            if !problems.is_empty() {
                return Err(Error::Corrupt {
                    path: src_shown.to_owned(),
                    reason: format!("its integrity check failed: {}", problems.join("; ")),
                });
            }
        }
        sync_file(&tmp)?;
        let (path, name, n) = set.free_name(now, kind);
        // Last chance to cancel: after the rename the backup exists.
        if !progress(&Progress {
            stage: "checking the copy".into(),
            done: 1,
            total: 1,
        }) {
            return Err(Error::Cancelled);
        }
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(format!("naming the backup {}", path.display()), e))?;
        sync_dir(dir);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let at = now.naive_utc().with_nanosecond_zero();
        Ok(BackupInfo {
            path: path.display().to_string(),
            file_name: name,
            kind,
            taken_at: fmt_time(at.and_utc()).replace(".000Z", "Z"),
            size,
            order: (at, kind.rank(), n),
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(sidecar(&tmp, "-journal"));
    }
    result
}

trait ZeroNanos {
    fn with_nanosecond_zero(self) -> Self;
}

impl ZeroNanos for NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

/// `STAMP-KIND.db` or `STAMP-KIND-N.db` (N ≥ 2): the part of a backup's name
/// after its set's prefix.
fn parse_name(name: &str) -> Option<(NaiveDateTime, BackupKind, u32)> {
    let body = name.strip_suffix(SUFFIX)?;
    if body.len() < STAMP_LEN + 2 || !body.is_char_boundary(STAMP_LEN) {
        return None;
    }
    let (stamp, rest) = body.split_at(STAMP_LEN);
    let at = NaiveDateTime::parse_from_str(stamp, STAMP).ok()?;
    let rest = rest.strip_prefix('-')?;
    for kind in BackupKind::ALL {
        if let Some(tail) = rest.strip_prefix(kind.as_str()) {
            if tail.is_empty() {
                return Some((at, kind, 1));
            }
            if let Some(n) = tail.strip_prefix('-').and_then(|t| t.parse::<u32>().ok()) {
                if n >= 2 {
                    return Some((at, kind, n));
                }
            }
        }
    }
    None
}

/// Delete the backups rotation does not keep (see the module's notes).
pub fn rotate(set: &BackupSet, retention: Retention) -> Result<Vec<BackupInfo>> {
    let all = list(set)?;
    let keep = kept(&all, retention);
    let mut removed = Vec::new();
    for b in all {
        if !keep.contains(&b.file_name) {
            std::fs::remove_file(&b.path).map_err(|e| Error::io(format!("removing the old backup {}", b.path), e))?;
            removed.push(b);
        }
    }
    Ok(removed)
}

fn prune_safety(set: &BackupSet) -> Result<()> {
    // Only safety copies go here; daily and manual backups are left alone.
    let all = list(set)?;
    let keep = kept(
        &all,
        Retention {
            keep_daily: i64::MAX,
            keep_weekly: 0,
        },
    );
    for b in all {
        let safety = matches!(b.kind, BackupKind::PreMigration | BackupKind::PreRestore);
        if !keep.contains(&b.file_name) && safety {
            std::fs::remove_file(&b.path).map_err(|e| Error::io(format!("removing the old backup {}", b.path), e))?;
        }
    }
    Ok(())
}

/// The names kept by rotation. `all` is newest first.
fn kept(all: &[BackupInfo], r: Retention) -> HashSet<String> {
    let mut keep = HashSet::new();
    let mut days = HashSet::new();
    let mut weeks = HashSet::new();
    let mut safety: std::collections::HashMap<BackupKind, usize> = Default::default();
    for b in all {
        if !b.kind.rotates() {
            let n = safety.entry(b.kind).or_default();
            *n += 1;
            if *n <= b.kind.keep_count() {
                keep.insert(b.file_name.clone());
            }
            continue;
        }
        let day = b.order.0.date();
        if (days.len() as i64) < r.keep_daily && days.insert(day) {
            keep.insert(b.file_name.clone());
        }
        let w = day.iso_week();
        let week = (w.year(), w.week());
        if (weeks.len() as i64) < r.keep_weekly && weeks.insert(week) {
            keep.insert(b.file_name.clone());
        }
    }
    keep
}

/// Copy the current database into the backups folder before it is replaced.
/// A healthy file is copied with the backup API (its WAL included); one that
/// cannot be read is copied byte for byte with its journal files.
fn set_aside_current(
    db_path: &Path,
    set: &BackupSet,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<(PathBuf, Vec<PathBuf>)> {
    make_private_dir(set.dir())?;
    let shown = db_path.display().to_string();
    let consistent = (|| -> Result<BackupInfo> {
        check_file_shape(db_path)?;
        let src = Connection::open_with_flags(
            db_path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        src.execute_batch("BEGIN")?;
        src.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
        let mut set_aside_progress = |p: &Progress| {
            progress(&Progress {
                stage: "setting the current file aside".into(),
                done: p.done,
                total: p.total,
            })
        };
        copy_verified(&src, &shown, set, now, BackupKind::PreRestore, &mut set_aside_progress)
    })();
    match consistent {
        Ok(info) => Ok((PathBuf::from(info.path), Vec::new())),
        Err(Error::Cancelled) => Err(Error::Cancelled),
        Err(_) => {
            // Damaged: keep its bytes exactly, journal files too.
            let (main, _, _) = set.free_name(now, BackupKind::PreRestore);
            let mut extra = Vec::new();
            let r = (|| -> Result<()> {
                copy_with_progress(db_path, &main, "setting the current file aside", progress)?;
                for side in ["-wal", "-journal"] {
                    let from = sidecar(db_path, side);
                    if from.exists() {
                        let to = sidecar(&main, side);
                        extra.push(to.clone());
                        copy_with_progress(&from, &to, "setting the current file aside", progress)?;
                    }
                }
                Ok(())
            })();
            if let Err(e) = r {
                let _ = std::fs::remove_file(&main);
                for p in &extra {
                    let _ = std::fs::remove_file(p);
                }
                return Err(e);
            }
            Ok((main, extra))
        }
    }
}

/// Copy a file in chunks with progress (cancel removes the partial copy),
/// then sync it.
fn copy_with_progress(from: &Path, to: &Path, stage: &str, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<()> {
    let r = (|| -> Result<()> {
        let mut src = std::fs::File::open(from).map_err(|e| Error::io(format!("reading {}", from.display()), e))?;
        let total = src.metadata().map(|m| m.len()).unwrap_or(0);
        let mut dst = std::fs::File::create(to).map_err(|e| Error::io(format!("writing {}", to.display()), e))?;
        make_private_file(to)?;
        let mut buf = vec![0u8; COPY_CHUNK];
        let mut done = 0u64;
        loop {
            if !progress(&Progress {
                stage: stage.into(),
                done,
                total,
            }) {
                return Err(Error::Cancelled);
            }
            let n = src
                .read(&mut buf)
                .map_err(|e| Error::io(format!("reading {}", from.display()), e))?;
            if n == 0 {
                break;
            }
            dst.write_all(&buf[..n])
                .map_err(|e| Error::io(format!("writing {}", to.display()), e))?;
            done += n as u64;
        }
        dst.sync_all()
            .map_err(|e| Error::io(format!("syncing {}", to.display()), e))?;
        Ok(())
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(to);
    }
    r
}

/// The header and size checks shared by [`verify`] and [`preflight`].
fn check_file_shape(path: &Path) -> Result<()> {
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
    if n < 16 || &head[..16] != b"SQLite format 3\0" {
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
fn recovering(path: &Path) -> bool {
    let len = |s: &str| std::fs::metadata(sidecar(path, s)).map(|m| m.len()).unwrap_or(0);
    len("-wal") > 32 || len("-journal") > 0
}

fn integrity_problems(conn: &Connection) -> Result<Vec<String>> {
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
fn schema_version(conn: &Connection) -> Result<Option<i64>> {
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

fn corrupt_or_storage(shown: &str, e: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => Error::Corrupt {
            path: shown.to_owned(),
            reason: e.to_string(),
        },
        _ => Error::Storage(e),
    }
}

fn reason_of(e: &Error) -> String {
    match e {
        Error::Corrupt { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// `file:PATH?immutable=1`, the path percent-encoded.
fn immutable_uri(path: &Path) -> String {
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

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(format!("syncing {}", path.display()), e))
}

/// Create the temporary file `path` (empty, private) and lock it for as
/// long as the returned handle lives: the copy written there (by SQLite or by
/// a plain copy, through handles of their own) is known to be in progress.
/// The lock goes with the process, so a copy whose process was killed (the
/// app closed during its daily backup, say) is left unlocked, and
/// [`remove_abandoned`] deletes it at the next backup or restore.
fn hold_temporary(path: &Path) -> Result<std::fs::File> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(path)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    make_private_file(path)?;
    // Where the file system has no locks the copy still works; a copy left
    // there by a killed process is then removed by nobody but the user.
    let _ = f.try_lock();
    Ok(f)
}

/// Delete the temporary files in `dir` whose names start with `start` that
/// no process holds (see [`hold_temporary`]), and their journals.
fn remove_abandoned(dir: &Path, start: &str) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in rd.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(start) {
            continue;
        }
        let path = entry.path();
        if let Some(base) = name.strip_suffix("-journal") {
            // A journal whose copy is gone.
            if base.ends_with(".tmp") && !dir.join(base).exists() {
                let _ = std::fs::remove_file(&path);
            }
            continue;
        }
        if !name.ends_with(".tmp") {
            continue;
        }
        let Ok(f) = std::fs::File::open(&path) else {
            continue;
        };
        if f.try_lock().is_ok() {
            let _ = std::fs::remove_file(sidecar(&path, "-journal"));
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Make a rename durable (best effort: not every platform syncs folders).
fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

use crate::store::{make_private_dir, make_private_file};

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The set of `partnerdesk.db` in `dir`.
    fn default_set(dir: &Path) -> BackupSet {
        BackupSet::of(&dir.join("partnerdesk.db"))
    }

    fn info(name: &str) -> BackupInfo {
        let (at, kind, n) = default_set(Path::new(".")).parse(name).unwrap();
        BackupInfo {
            path: name.into(),
            file_name: name.into(),
            kind,
            taken_at: String::new(),
            size: 0,
            order: (at, kind.rank(), n),
        }
    }

    #[test]
    fn names_round_trip() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 34, 56).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let set = default_set(dir.path());
        let (_, name, n) = set.free_name(now, BackupKind::PreMigration);
        assert_eq!(name, "partnerdesk-2026-03-01_123456-pre-migration.db");
        assert_eq!(n, 1);
        let (at, kind, n) = set.parse(&name).unwrap();
        assert_eq!((at, kind, n), (now.naive_utc(), BackupKind::PreMigration, 1));
        assert_eq!(
            set.parse("partnerdesk-2026-03-01_123456-manual-3.db").map(|x| x.2),
            Some(3)
        );
        for bad in [
            "partnerdesk.db",
            "partnerdesk-2026-03-01_123456-weekly.db",
            "partnerdesk-2026-13-01_123456-manual.db",
            "partnerdesk-2026-03-01_123456-manual-1.db",
            ".partnerdesk-2026-03-01_123456-manual-1.tmp",
        ] {
            assert!(set.parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn each_database_names_and_reads_only_its_own_backups() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 34, 56).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let agency = BackupSet::of(&dir.path().join("agency.db"));
        let east = BackupSet::of(&dir.path().join("agency-east.db"));
        let sqlite = BackupSet::of(&dir.path().join("agency.sqlite"));
        let default = default_set(dir.path());
        assert_eq!(agency.dir(), default.dir());
        let names: Vec<String> = [&agency, &east, &sqlite, &default]
            .iter()
            .map(|s| s.free_name(now, BackupKind::Daily).1)
            .collect();
        assert_eq!(
            names,
            [
                "agency-2026-03-01_123456-daily.db",
                "agency-east-2026-03-01_123456-daily.db",
                "agency.sqlite-2026-03-01_123456-daily.db",
                "partnerdesk-2026-03-01_123456-daily.db",
            ]
        );
        for (i, set) in [&agency, &east, &sqlite, &default].iter().enumerate() {
            for (j, name) in names.iter().enumerate() {
                assert_eq!(set.parse(name).is_some(), i == j, "{set:?} reading {name}");
            }
        }
    }

    #[test]
    fn rotation_keeps_the_newest_per_day_and_per_week() {
        // 40 days of one daily backup each (plus a second manual one on the
        // newest day), newest first.
        let start = Utc.with_ymd_and_hms(2026, 3, 31, 8, 0, 0).unwrap();
        let mut all = vec![info("partnerdesk-2026-03-31_170000-manual.db")];
        for d in 0..40 {
            let t = start - chrono::Duration::days(d);
            all.push(info(&format!("partnerdesk-{}-daily.db", t.format(STAMP))));
        }
        all.push(info("partnerdesk-2026-01-01_000000-pre-migration.db"));
        all.sort_by_key(|b| std::cmp::Reverse(b.order));
        let keep = kept(&all, Retention::default());
        let mut names: Vec<&String> = keep.iter().collect();
        names.sort();
        // The manual backup (kept by count), 7 days of dailies, then the
        // newest daily of each of the 4 ISO weeks (30 Mar is a Monday: the
        // weeks of 30 Mar, 23 Mar, 16 Mar and 9 Mar).
        let expected = [
            "partnerdesk-2026-01-01_000000-pre-migration.db",
            "partnerdesk-2026-03-15_080000-daily.db",
            "partnerdesk-2026-03-22_080000-daily.db",
            "partnerdesk-2026-03-25_080000-daily.db",
            "partnerdesk-2026-03-26_080000-daily.db",
            "partnerdesk-2026-03-27_080000-daily.db",
            "partnerdesk-2026-03-28_080000-daily.db",
            "partnerdesk-2026-03-29_080000-daily.db",
            "partnerdesk-2026-03-30_080000-daily.db",
            "partnerdesk-2026-03-31_080000-daily.db",
            "partnerdesk-2026-03-31_170000-manual.db",
        ];
        assert_eq!(names, expected);
    }
}
