//! Reading and checking feed files, and applying a folder of them ([`apply`]).

use super::{
    io_err, read_database_id, AppliedFile, ApplyReport, FeedHeader, FeedRow, FEED_FORMAT, FEED_VERSION, TABLES,
};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::{Store, Tx};
use rusqlite::params;
use sha2::{Digest, Sha256};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// A checked feed file.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    pub path: PathBuf,
    pub header: FeedHeader,
}

pub(super) fn bad_file(path: &Path, reason: impl std::fmt::Display) -> Error {
    Error::validation("feed", format!("{}: {reason}", path.display()))
}

/// Read and check a feed file from any reader: header, every row line, row
/// count and checksum. Returns the header. `on_row` sees each row.
pub fn read_feed(path: &Path, reader: impl Read, on_row: &mut dyn FnMut(FeedRow) -> Result<()>) -> Result<FeedHeader> {
    let mut reader = std::io::BufReader::with_capacity(1 << 20, reader);
    let mut head = Vec::new();
    reader
        .by_ref()
        .take(64 * 1024)
        .read_until(b'\n', &mut head)
        .map_err(|e| bad_file(path, format!("cannot be read: {e}")))?;
    if head.last() != Some(&b'\n') {
        return Err(bad_file(path, "has no header line: not a Partnerdesk feed file"));
    }
    let header: FeedHeader =
        serde_json::from_slice(&head).map_err(|e| bad_file(path, format!("the header is not a feed header: {e}")))?;
    if header.format != FEED_FORMAT {
        return Err(bad_file(
            path,
            format!("format {:?} is not {FEED_FORMAT}", header.format),
        ));
    }
    if header.version != FEED_VERSION {
        return Err(bad_file(
            path,
            format!(
                "feed version {} is not supported (this Partnerdesk reads version {FEED_VERSION})",
                header.version
            ),
        ));
    }
    if header.file_seq < 1 || header.from_seq < 0 || header.to_seq < header.from_seq {
        return Err(bad_file(path, "the header's sequence numbers are inconsistent"));
    }
    if header.schema_version > crate::store::latest_schema_version() {
        return Err(bad_file(
            path,
            format!(
                "was written by a newer Partnerdesk (schema {}); update Partnerdesk to apply it",
                header.schema_version
            ),
        ));
    }
    let mut hasher = Sha256::new();
    let mut rows = 0u64;
    let mut line = Vec::new();
    let mut line_no = 1u64;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| bad_file(path, format!("cannot be read: {e}")))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        hasher.update(&line);
        if line.last() != Some(&b'\n') {
            return Err(bad_file(
                path,
                format!("line {line_no} is cut short: the file is truncated"),
            ));
        }
        let row: FeedRow = serde_json::from_slice(&line)
            .map_err(|e| bad_file(path, format!("line {line_no} is not a feed row: {e}")))?;
        if !TABLES.iter().any(|(t, _)| *t == row.table) {
            return Err(bad_file(path, format!("line {line_no}: unknown table {:?}", row.table)));
        }
        rows += 1;
        on_row(row)?;
    }
    if rows != header.rows {
        return Err(bad_file(
            path,
            format!(
                "holds {rows} rows but its header says {}: the file is truncated or damaged",
                header.rows
            ),
        ));
    }
    let sum = format!("sha256:{:x}", hasher.finalize());
    if sum != header.checksum {
        return Err(bad_file(path, "its checksum does not match: the file is damaged"));
    }
    Ok(header)
}

/// The feed files of a folder, in order.
pub fn feed_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(io_err(format!("reading the folder {}", dir.display())))?;
    let mut files = Vec::new();
    for e in entries {
        let e = e.map_err(io_err(format!("reading the folder {}", dir.display())))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("feed-") && name.ends_with(".jsonl") {
            files.push(e.path());
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::validation(
            "dir",
            format!("{} holds no feed files (feed-NNNNNN.jsonl)", dir.display()),
        ));
    }
    Ok(files)
}

/// Check every file of `dir` (each file on its own and their continuity)
/// without applying anything.
pub fn check_dir(dir: &Path) -> Result<Vec<CheckedFile>> {
    let mut out: Vec<CheckedFile> = Vec::new();
    for path in feed_files(dir)? {
        let file = std::fs::File::open(&path).map_err(io_err(format!("opening {}", path.display())))?;
        let header = read_feed(&path, file, &mut |_| Ok(()))?;
        if let Some(prev) = out.last() {
            if header.source_id != prev.header.source_id {
                return Err(bad_file(&path, "comes from another database than the files before it"));
            }
            if header.file_seq != prev.header.file_seq + 1 || header.from_seq != prev.header.to_seq {
                return Err(bad_file(
                    &path,
                    format!(
                        "does not follow {} (file {} is missing or out of order)",
                        prev.path.display(),
                        prev.header.file_seq + 1
                    ),
                ));
            }
        }
        out.push(CheckedFile { path, header });
    }
    Ok(out)
}

/// Apply the feed files of `dir` to `store`: all checked first, then every
/// file not applied before, in order, in one transaction.
pub fn apply(store: &Store, dir: &Path, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<ApplyReport> {
    let files = check_dir(dir)?;
    let source_id = files[0].header.source_id.clone();
    store.write(|tx| {
        if read_database_id(tx)?.as_deref() == Some(source_id.as_str()) {
            return Err(Error::Conflict(
                "this feed was written by this very database; apply it to another one".into(),
            ));
        }
        let applied: Vec<(i64, String)> = {
            let mut stmt =
                tx.prepare("SELECT file_seq, checksum FROM sync_applied WHERE source_id = ?1 ORDER BY file_seq")?;
            let rows = stmt.query_map([&source_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let last_applied = applied.last().map(|a| a.0).unwrap_or(0);
        let mut report = ApplyReport {
            source_id: source_id.clone(),
            files: Vec::new(),
            rows: 0,
        };
        let mut todo = Vec::new();
        for f in &files {
            let h = &f.header;
            if h.file_seq <= last_applied {
                match applied.iter().find(|a| a.0 == h.file_seq) {
                    Some(a) if a.1 == h.checksum => {
                        report.files.push(AppliedFile {
                            file: f.path.clone(),
                            file_seq: h.file_seq,
                            rows: h.rows,
                            skipped: true,
                        });
                        continue;
                    }
                    _ => {
                        return Err(Error::Conflict(format!(
                            "{} differs from feed file {} applied here before",
                            f.path.display(),
                            h.file_seq
                        )))
                    }
                }
            }
            let expected = last_applied + 1 + todo.len() as i64;
            if h.file_seq != expected {
                return Err(Error::Conflict(format!(
                    "feed file {expected} of this source is missing (the folder starts at {} after {last_applied} applied here)",
                    h.file_seq
                )));
            }
            todo.push(f);
        }
        let total: u64 = todo.iter().map(|f| f.header.rows).sum();
        // Audit rows from before the hash chain arrive without hashes.
        let unchained = todo
            .iter()
            .any(|f| f.header.schema_version < crate::store::repo::audit_chain::CHAIN_SCHEMA);
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        let mut upserter = Upserter::new(tx)?;
        let mut done = 0u64;
        for f in todo {
            let file = std::fs::File::open(&f.path).map_err(io_err(format!("opening {}", f.path.display())))?;
            let header = read_feed(&f.path, file, &mut |row| {
                upserter.upsert(&f.path, row)?;
                done += 1;
                if done.is_multiple_of(8192)
                    && !progress(&Progress {
                        stage: "apply".into(),
                        done,
                        total,
                    })
                {
                    return Err(Error::Cancelled);
                }
                Ok(())
            })?;
            if header != f.header {
                return Err(bad_file(&f.path, "changed while it was being applied"));
            }
            tx.execute(
                "INSERT INTO sync_applied (source_id, file_seq, to_seq, checksum, row_count, applied_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![source_id, header.file_seq, header.to_seq, header.checksum, header.rows as i64, tx.now_text()],
            )?;
            report.files.push(AppliedFile {
                file: f.path.clone(),
                file_seq: header.file_seq,
                rows: header.rows,
                skipped: false,
            });
            report.rows += header.rows;
        }
        if unchained {
            crate::store::repo::audit_chain::link_missing(tx)?;
        }
        if report.rows > 0 {
            // The analytics roll-ups are derived data: rebuilt from the applied rows.
            crate::analytics::rollup::rebuild(tx)?;
        }
        report.files.sort_by_key(|f| f.file_seq);
        Ok(report)
    })
}

/// Upserts of row images, with the target's columns checked.
struct Upserter<'t, 'c> {
    tx: &'t Tx<'c>,
    columns: Vec<(String, Vec<String>)>,
}

impl<'t, 'c> Upserter<'t, 'c> {
    fn new(tx: &'t Tx<'c>) -> Result<Self> {
        let mut columns = Vec::new();
        for (t, _) in TABLES {
            columns.push(((*t).to_owned(), super::columns(tx, t)?));
        }
        Ok(Upserter { tx, columns })
    }

    fn upsert(&mut self, path: &Path, row: FeedRow) -> Result<()> {
        let (table, key) = TABLES
            .iter()
            .find(|(t, _)| *t == row.table)
            .ok_or_else(|| bad_file(path, format!("unknown table {:?}", row.table)))?;
        let known = &self
            .columns
            .iter()
            .find(|(t, _)| t == table)
            .ok_or_else(|| bad_file(path, format!("unknown table {table:?}")))?
            .1;
        if !row.row.contains_key(*key) {
            return Err(bad_file(path, format!("a row of {table} has no {key}")));
        }
        let mut cols = Vec::with_capacity(row.row.len());
        let mut vals: Vec<rusqlite::types::Value> = Vec::with_capacity(row.row.len());
        for (c, v) in row.row {
            if !known.contains(&c) {
                return Err(bad_file(path, format!("{table} has no column {c:?} here")));
            }
            vals.push(match v {
                serde_json::Value::Null => rusqlite::types::Value::Null,
                serde_json::Value::String(s) => rusqlite::types::Value::Text(s),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => rusqlite::types::Value::Integer(i),
                    None => rusqlite::types::Value::Real(n.as_f64().unwrap_or(0.0)),
                },
                serde_json::Value::Bool(b) => rusqlite::types::Value::Integer(i64::from(b)),
                _ => return Err(bad_file(path, format!("{table}.{c} holds a JSON array or object"))),
            });
            cols.push(c);
        }
        let list = cols.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
        let marks = (1..=cols.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        let sets = cols
            .iter()
            .filter(|c| c.as_str() != *key)
            .map(|c| format!("\"{c}\" = excluded.\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let conflict = if sets.is_empty() {
            "DO NOTHING".to_owned()
        } else {
            format!("DO UPDATE SET {sets}")
        };
        let sql = format!("INSERT INTO {table} ({list}) VALUES ({marks}) ON CONFLICT ({key}) {conflict}");
        self.tx
            .prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(vals.iter()))
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => {
                    bad_file(path, format!("a row of {table} breaks a rule of the schema: {e}"))
                }
                _ => Error::Storage(e),
            })?;
        Ok(())
    }
}
