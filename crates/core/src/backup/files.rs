//! File helpers of backups and restores: temporary copies held by their
//! process, journals next to a file, syncing.

use crate::error::{Error, Result};
use crate::store::make_private_file;
use std::path::{Path, PathBuf};

pub(super) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub(super) fn sync_file(path: &Path) -> Result<()> {
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
pub(super) fn hold_temporary(path: &Path) -> Result<std::fs::File> {
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
pub(super) fn remove_abandoned(dir: &Path, start: &str) {
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
pub(super) fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}
