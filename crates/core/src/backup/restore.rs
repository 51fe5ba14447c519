//! Restoring a backup over a database file, the current file set aside first.

use super::check::{check_file_shape, verify};
use super::copy::copy_verified;
use super::files::{hold_temporary, remove_abandoned, sidecar, sync_dir};
use super::rotate::prune_safety;
use super::{BackupInfo, BackupKind, BackupSet, RestoreReport, COPY_CHUNK};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::{latest_schema_version, make_private_dir, make_private_file, Store};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

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

/// Copy the current database into the backups folder before it is replaced.
/// A healthy file is copied with the backup API (its WAL included); one that
/// cannot be read is copied byte for byte with its journal files.
pub(super) fn set_aside_current(
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
        crate::store::cipher::key_connection(&src, db_path)?;
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
pub(super) fn copy_with_progress(
    from: &Path,
    to: &Path,
    stage: &str,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<()> {
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
