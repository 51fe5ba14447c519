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
//! Backups are taken before every migration ([`before_migration`], called
//! by [`Store::open`](crate::store::Store::open)), at the first start of each
//! day ([`ensure_daily`]) and on demand ([`create`]). Rotation keeps, among
//! the daily backups, the newest of each of the last `backup.keep_daily`
//! days and of the last `backup.keep_weekly` ISO weeks that have one; the
//! newest [`MANUAL_KEEP`] manual backups, and the newest [`SAFETY_KEEP`]
//! safety copies of each kind (before a migration, before a restore).
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

mod check;
mod copy;
mod files;
mod restore;
mod rotate;

/// Rotation's numbers are settings, defined with the others.
pub use crate::workflow::settings::Retention;
pub use check::{newest_good, preflight, recovery, verify, Recovery};
pub use copy::{before_migration, create, ensure_daily};
pub use restore::{restore, restore_file};
use rotate::parse_name;
pub use rotate::{list, rotate};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
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

#[cfg(test)]
mod tests {
    use super::rotate::kept;
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
