//! Taking a backup: the verified copy ([`create`], [`ensure_daily`],
//! [`before_migration`]).

use super::check::integrity_problems;
use super::files::{hold_temporary, remove_abandoned, sidecar, sync_dir, sync_file};
use super::rotate::{list, prune_safety, rotate};
use super::{BackupInfo, BackupKind, BackupSet, PAGES_PER_STEP, STAMP};
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::{make_private_dir, Store};
use crate::workflow::settings;
use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::Connection;
use std::path::Path;

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

/// The copy: backup API into a temporary file, journal switched to DELETE so
/// the file stands alone, integrity check, sync, rename to the dated name.
pub(super) fn copy_verified(
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
            // A copy of an encrypted database is encrypted with its key and salt.
            crate::store::cipher::key_copy(&dst, Path::new(src_shown))?;
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
