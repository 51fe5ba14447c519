//! The backups of a set: listing them, and rotation (see the module's notes).

use super::{BackupInfo, BackupKind, BackupSet, Retention, STAMP, STAMP_LEN, SUFFIX};
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use chrono::{Datelike, NaiveDateTime};
use std::collections::HashSet;

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

/// `STAMP-KIND.db` or `STAMP-KIND-N.db` (N ≥ 2): the part of a backup's name
/// after its set's prefix.
pub(super) fn parse_name(name: &str) -> Option<(NaiveDateTime, BackupKind, u32)> {
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

pub(super) fn prune_safety(set: &BackupSet) -> Result<()> {
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
pub(super) fn kept(all: &[BackupInfo], r: Retention) -> HashSet<String> {
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
