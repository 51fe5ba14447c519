//! `partnerdesk backup create | list | verify FILE | restore FILE`, the daily
//! backup at the first start of a day, and the restore hint shown when the
//! database cannot be opened.
//!
//! `list`, `verify` and `restore` never open the database through the store,
//! so they work when it is damaged.

use super::open;
use crate::output::{kv, Out, Table};
use anyhow::Context as _;
use clap::Subcommand;
use partnerdesk_core::backup::{self, BackupInfo, BackupKind, BackupSet};
use partnerdesk_core::progress::Progress;
use partnerdesk_core::store::{resolve_db_path, Store};
use partnerdesk_core::Error;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// Take a verified backup now (into `backups/` next to the database)
    Create,
    /// List the backups, newest first
    List {
        /// Also run the integrity check of each backup
        #[arg(long)]
        verify: bool,
    },
    /// Check a backup file (or any database file) without changing it; exit 1 when it is bad
    Verify { file: PathBuf },
    /// Replace the database with a backup; the current file is first kept as a
    /// `pre-restore` backup, so a restore can be undone
    Restore { file: PathBuf },
}

pub fn run(db: Option<&Path>, out: Out, cmd: BackupCmd) -> anyhow::Result<u8> {
    let path = resolve_db_path(db).context("finding the database")?;
    let set = BackupSet::of(&path);
    match cmd {
        BackupCmd::Create => {
            let store = super::open_existing_only(&path)?;
            let info = with_progress(|p| backup::create(&store, BackupKind::Manual, p)).context("taking the backup")?;
            out.emit(&info, || {
                format!("Backup taken and verified: {} ({})\n", info.path, size(info.size))
            })?;
            Ok(0)
        }
        BackupCmd::List { verify } => {
            #[derive(Serialize)]
            struct Row {
                #[serde(flatten)]
                info: BackupInfo,
                #[serde(skip_serializing_if = "Option::is_none")]
                ok: Option<bool>,
                #[serde(skip_serializing_if = "Vec::is_empty")]
                problems: Vec<String>,
            }
            let mut rows = Vec::new();
            for info in backup::list(&set).context("listing the backups")? {
                let (ok, problems) = if verify {
                    let v = backup::verify(Path::new(&info.path))?;
                    (Some(v.ok), v.problems)
                } else {
                    (None, Vec::new())
                };
                rows.push(Row { info, ok, problems });
            }
            out.emit(&rows, || {
                if rows.is_empty() {
                    return format!("No backups of this database in {}.\n", set.dir().display());
                }
                let mut t = if verify {
                    Table::new(&["FILE", "KIND", "TAKEN", ">SIZE", "CHECK"])
                } else {
                    Table::new(&["FILE", "KIND", "TAKEN", ">SIZE"])
                };
                for r in &rows {
                    let mut cells = vec![
                        r.info.file_name.clone(),
                        r.info.kind.as_str().to_owned(),
                        r.info.taken_at.replace('T', " ").replace('Z', ""),
                        size(r.info.size),
                    ];
                    if let Some(ok) = r.ok {
                        cells.push(if ok {
                            "ok".into()
                        } else {
                            format!("BAD: {}", r.problems.join("; "))
                        });
                    }
                    t.row(cells);
                }
                format!("Backups of this database in {}:\n{}", set.dir().display(), t.render())
            })?;
            Ok(0)
        }
        BackupCmd::Verify { file } => {
            unlock(&file)?;
            let v = backup::verify(&file).context("verifying the backup")?;
            out.emit(&v, || {
                let mut s = kv(&[
                    ("File", v.path.clone()),
                    ("Size", size(v.size)),
                    (
                        "Schema version",
                        v.schema_version.map(|x| x.to_string()).unwrap_or_else(|| "-".into()),
                    ),
                    ("Check", if v.ok { "ok".into() } else { "FAILED".into() }),
                ]);
                for p in &v.problems {
                    s.push_str(&format!("problem: {p}\n"));
                }
                s
            })?;
            if v.ok {
                Ok(0)
            } else {
                eprintln!("error: {} is not a good backup: {}", v.path, v.problems.join("; "));
                Ok(1)
            }
        }
        BackupCmd::Restore { file } => {
            unlock(&file)?;
            if path.exists() {
                unlock(&path)?;
            }
            let now = super::clock()?.now();
            let report =
                with_progress(|p| backup::restore_file(&path, &file, now, p)).context("restoring the backup")?;
            // Prove the restored file opens (and migrate it if it is older).
            let store = open(&path)?;
            store.quick_check().context("checking the restored database")?;
            drop(store);
            out.emit(&report, || {
                let mut s = format!("Restored {} from {}.\n", report.database, report.restored_from);
                if let Some(a) = &report.set_aside {
                    s.push_str(&format!(
                        "The previous database was kept as {a}; to undo: partnerdesk --db {} backup restore {a}\n",
                        report.database
                    ));
                }
                s
            })?;
            Ok(0)
        }
    }
}

/// The automatic backup at the first start of a day. A damaged database
/// stops the command; any other failure (a full disk, a read-only folder) is
/// a warning, so the manager can still work.
pub fn daily(store: &Store) -> anyhow::Result<()> {
    match with_progress(|p| backup::ensure_daily(store, p)) {
        Ok(_) => Ok(()),
        Err(e @ Error::Corrupt { .. }) => Err(with_restore_hint(e, store.path())),
        Err(e) => {
            eprintln!("warning: the daily backup was not taken: {e}");
            Ok(())
        }
    }
}

/// A database that cannot be used: name the newest good backup and the
/// command that restores it.
pub fn with_restore_hint(e: Error, db: &Path) -> anyhow::Error {
    if !matches!(e, Error::Corrupt { .. }) {
        return anyhow::Error::new(e).context("opening the database");
    }
    let set = BackupSet::of(db);
    let hint = match backup::newest_good(&set) {
        Ok(Some(b)) => format!(
            "the newest good backup is {} (taken {}); restore it with: partnerdesk --db {} backup restore {}",
            b.path,
            b.taken_at,
            db.display(),
            b.path
        ),
        _ => format!("there is no good backup of it in {}", set.dir().display()),
    };
    anyhow::Error::new(e).context(format!("the database cannot be used; {hint}"))
}

/// Run long work with a progress line on stderr when it is a terminal.
fn with_progress<T>(
    f: impl FnOnce(&mut dyn FnMut(&Progress) -> bool) -> partnerdesk_core::Result<T>,
) -> partnerdesk_core::Result<T> {
    let show = std::io::stderr().is_terminal();
    let mut shown = false;
    let mut progress = |p: &Progress| -> bool {
        if show {
            shown = true;
            let pct = (p.done * 100).checked_div(p.total).unwrap_or(100);
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}: {pct}%   ", p.stage);
            let _ = err.flush();
        }
        true
    };
    let r = f(&mut progress);
    if shown {
        eprintln!();
    }
    r
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// Unlock an encrypted backup or database with its passphrase (typed or
/// `$PARTNERDESK_PASSPHRASE`); a plain file needs none.
fn unlock(file: &Path) -> anyhow::Result<()> {
    if let Some(pass) = super::cipher::passphrase_for(file)? {
        partnerdesk_core::store::cipher::unlock(file, &pass)?;
    }
    Ok(())
}
