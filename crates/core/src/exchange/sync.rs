//! Sync export: a change feed another Partnerdesk database applies.
//!
//! A feed is a folder of numbered files `feed-000001.jsonl`, ... Each file is
//! JSON lines: the first line is a [`FeedHeader`] (format, source database
//! id, file number, the range of audit-log sequence numbers it covers, row
//! count and the SHA-256 of everything after the header line), padded with
//! spaces to a fixed width; every further line is one [`FeedRow`]: a full
//! row image `{"table": .., "row": {column: value, ..}}`.
//!
//! What a file carries:
//! - the first export (and any export after bulk work that writes no per-row
//!   audit, such as `demo`) is a full snapshot of every synced table, so data
//!   made without per-row audit is included;
//! - later exports carry, for every record whose audit-log rows have a seq
//!   after the last export, its current row (upsert by key) (and the leads a
//!   large import created, which its one audit row names by id range), the
//!   status history of changed leads, all settings when one changed, the analytics
//!   snapshots, and the new audit-log rows themselves.
//!
//! Rows are never deleted in Partnerdesk, so a feed has upserts only. The
//! receiving database is a replica of the source: `sync apply` checks every
//! file (header, checksum, row count, continuity with what was applied
//! before) before applying anything, then applies all new files in one
//! transaction, in order; files applied before are skipped, so applying a
//! folder twice changes nothing.

use crate::demo::Progress;
use crate::error::{Error, Result};
use crate::store::{Store, Tx};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

pub const FEED_FORMAT: &str = "partnerdesk-feed";
pub const FEED_VERSION: u32 = 1;
/// The header line's fixed width (bytes, without the newline).
const HEADER_WIDTH: usize = 1023;

/// The synced tables, in the order they are written and applied, with their key.
pub const TABLES: &[(&str, &str)] = &[
    ("settings", "key"),
    ("partner_applications", "id"),
    ("partners", "id"),
    ("client_leads", "id"),
    ("lead_status_history", "id"),
    ("payouts", "id"),
    ("commissions", "id"),
    ("app_plans_partnership", "id"),
    ("analytics_snapshots", "day"),
    ("audit_log", "seq"),
];

/// Audit entity -> the table of its records.
const ENTITY_TABLES: &[(&str, &str)] = &[
    ("application", "partner_applications"),
    ("partner", "partners"),
    ("lead", "client_leads"),
    ("payout", "payouts"),
    ("commission", "commissions"),
    ("plan", "app_plans_partnership"),
];

/// `database` audit actions after which the next export is a full snapshot
/// (bulk work that writes no per-row audit).
const SNAPSHOT_ACTIONS: &str = "'demo', 'restore', 'bulk'";

/// The first line of a feed file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FeedHeader {
    pub format: String,
    pub version: u32,
    /// The database the feed comes from.
    pub source_id: String,
    /// 1, 2, 3 ... per source.
    pub file_seq: i64,
    /// The audit-log seq covered before this file (exclusive).
    pub from_seq: i64,
    /// The last audit-log seq this file covers (inclusive).
    pub to_seq: i64,
    pub snapshot: bool,
    pub schema_version: i64,
    pub rows: u64,
    /// `sha256:` and the hex digest of the bytes after the header line.
    pub checksum: String,
    pub created_at: String,
}

/// One line of a feed file after the header.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeedRow {
    pub table: String,
    pub row: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "SyncExportReport"))]
pub struct ExportReport {
    /// The file written; None when nothing changed since the last export.
    pub file: Option<PathBuf>,
    pub file_seq: i64,
    pub from_seq: i64,
    pub to_seq: i64,
    pub snapshot: bool,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppliedFile {
    pub file: PathBuf,
    pub file_seq: i64,
    pub rows: u64,
    /// Applied before: skipped.
    pub skipped: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApplyReport {
    pub source_id: String,
    pub files: Vec<AppliedFile>,
    /// Rows applied by this run.
    pub rows: u64,
}

/// This database's id (made on first use).
pub fn database_id(tx: &Tx) -> Result<String> {
    if let Some(id) = read_database_id(tx)? {
        return Ok(id);
    }
    let id = crate::model::uuid_v7_at(tx.now()).hyphenated().to_string();
    tx.execute(
        "INSERT INTO sync_identity (id, database_id, created_at) VALUES (1, ?1, ?2)",
        params![id, tx.now_text()],
    )?;
    Ok(id)
}

pub fn read_database_id(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT database_id FROM sync_identity WHERE id = 1", [], |r| r.get(0))
        .optional()?)
}

/// The last audit seq of the database.
pub fn current_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit_log", [], |r| r.get(0))?)
}

/// Whether the changes in (from, to] need a full snapshot.
pub fn needs_snapshot(conn: &Connection, from: i64, to: i64) -> Result<bool> {
    Ok(conn.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE seq > ?1 AND seq <= ?2 AND entity = 'database' AND action IN ({SNAPSHOT_ACTIONS}))"
        ),
        [from, to],
        |r| r.get(0),
    )?)
}

/// The column names of a table, in order.
pub fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info(\"{table}\")"))?;
    let cols = stmt.query_map([], |r| r.get::<_, String>(1))?;
    Ok(cols.collect::<rusqlite::Result<_>>()?)
}

/// One SQL value of a synced row (the columns hold text, integers or NULL).
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl SqlValue {
    fn from_ref(v: ValueRef) -> Result<SqlValue> {
        Ok(match v {
            ValueRef::Null => SqlValue::Null,
            ValueRef::Integer(i) => SqlValue::Int(i),
            ValueRef::Real(f) => SqlValue::Real(f),
            ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(_) => return Err(Error::validation("sync", "a synced column holds a blob")),
        })
    }
    /// As text (what a PostgreSQL parameter is sent as); None for NULL.
    pub fn as_text(&self) -> Option<String> {
        match self {
            SqlValue::Null => None,
            SqlValue::Int(i) => Some(i.to_string()),
            SqlValue::Real(f) => Some(f.to_string()),
            SqlValue::Text(s) => Some(s.clone()),
        }
    }
    fn to_json(&self) -> serde_json::Value {
        match self {
            SqlValue::Null => serde_json::Value::Null,
            SqlValue::Int(i) => (*i).into(),
            SqlValue::Real(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into),
            SqlValue::Text(s) => s.clone().into(),
        }
    }
}

/// What [`visit_changes`] calls for each row: `(table, columns, values)`.
pub type RowVisitor<'a> = dyn FnMut(&str, &[String], &[SqlValue]) -> Result<()> + 'a;

/// Visit the rows of the changes in (from, to] (or all rows when
/// `snapshot`), table by table in [`TABLES`] order: `visit(table, columns, row)`.
pub fn visit_changes(conn: &Connection, from: i64, to: i64, snapshot: bool, visit: &mut RowVisitor) -> Result<()> {
    // Leads of large imports have no audit row each: their import's row names their id range.
    let imported = if snapshot {
        Vec::new()
    } else {
        crate::store::repo::audit::imported_lead_ranges(conn, from, to)?
    };
    for (table, key) in TABLES {
        let ranges: &[(String, String)] = match *table {
            "client_leads" | "lead_status_history" => &imported,
            _ => &[],
        };
        let cols = columns(conn, table)?;
        let list = cols.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
        let changed = "SELECT entity_id FROM audit_log WHERE seq > ?1 AND seq <= ?2 AND entity = ?3";
        let (sql, entity): (String, Option<&str>) = if snapshot {
            (
                format!(
                    "SELECT {list} FROM {table} WHERE ?1 <= ?2 AND ?3 IS NULL AND {key} IS NOT NULL ORDER BY {key}"
                ),
                None,
            )
        } else {
            match *table {
                "settings" => (
                    format!("SELECT {list} FROM settings WHERE EXISTS (SELECT 1 FROM audit_log WHERE seq > ?1 AND seq <= ?2 AND entity = ?3) ORDER BY key"),
                    Some("setting"),
                ),
                "lead_status_history" => (
                    format!(
                        "SELECT {list} FROM lead_status_history WHERE lead_id IN ({changed}){} ORDER BY id",
                        or_between("lead_id", ranges.len())
                    ),
                    Some("lead"),
                ),
                "analytics_snapshots" => (
                    format!("SELECT {list} FROM analytics_snapshots WHERE ?1 <= ?2 AND ?3 IS NULL ORDER BY day"),
                    None,
                ),
                "audit_log" => (
                    format!("SELECT {list} FROM audit_log WHERE seq > ?1 AND seq <= ?2 AND ?3 IS NULL ORDER BY seq"),
                    None,
                ),
                _ => {
                    let entity = ENTITY_TABLES
                        .iter()
                        .find(|(_, t)| t == table)
                        .map(|(e, _)| *e)
                        .ok_or_else(|| Error::validation("sync", format!("no entity for {table}")))?;
                    (
                        format!(
                            "SELECT {list} FROM {table} WHERE ({key} IN ({changed}){}) ORDER BY {key}",
                            or_between(key, ranges.len())
                        ),
                        Some(entity),
                    )
                }
            }
        };
        let mut stmt = conn.prepare(&sql)?;
        let mut args: Vec<rusqlite::types::Value> = vec![from.into(), to.into(), entity.map(str::to_owned).into()];
        for (first, last) in ranges {
            args.push(first.clone().into());
            args.push(last.clone().into());
        }
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        let mut values = Vec::with_capacity(cols.len());
        while let Some(r) = rows.next()? {
            values.clear();
            for i in 0..cols.len() {
                values.push(SqlValue::from_ref(r.get_ref(i)?)?);
            }
            visit(table, &cols, &values)?;
        }
    }
    Ok(())
}

/// ` OR col BETWEEN ?4 AND ?5 OR ...` for `n` ranges bound after the first three parameters.
fn or_between(col: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!(" OR {col} BETWEEN ?{} AND ?{}", 4 + 2 * i, 5 + 2 * i))
        .collect()
}

fn io_err(what: String) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::io(what, e)
}

fn feed_name(file_seq: i64) -> String {
    format!("feed-{file_seq:06}.jsonl")
}

/// Write the changes since the last export into `dir` as the next feed file.
pub fn export(store: &Store, dir: &Path, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<ExportReport> {
    if !dir.is_dir() {
        std::fs::create_dir_all(dir).map_err(io_err(format!("creating the folder {}", dir.display())))?;
    }
    let source_id = store.write(database_id)?;
    let created_at = crate::clock::fmt_time(store.now());
    // Everything is read from one snapshot; only the bookkeeping is written after.
    let (report, checksum, last) = store.read(|conn| {
        let last: Option<(i64, i64)> = conn
            .query_row(
                "SELECT file_seq, to_seq FROM sync_exports ORDER BY file_seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (file_seq, from_seq) = match last {
            Some((f, t)) => (f + 1, t),
            None => (1, 0),
        };
        let to_seq = current_seq(conn)?;
        if last.is_some() && to_seq == from_seq {
            return Ok((
                ExportReport {
                    file: None,
                    file_seq: file_seq - 1,
                    from_seq,
                    to_seq,
                    snapshot: false,
                    rows: 0,
                },
                String::new(),
                last,
            ));
        }
        let snapshot = last.is_none() || needs_snapshot(conn, from_seq, to_seq)?;
        let total: i64 = if snapshot {
            TABLES
                .iter()
                .map(|(t, _)| conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get::<_, i64>(0)))
                .sum::<rusqlite::Result<i64>>()?
        } else {
            to_seq - from_seq
        };
        let name = feed_name(file_seq);
        let tmp = dir.join(format!(".{name}.tmp"));
        let shown = tmp.display().to_string();
        let file = std::fs::File::create(&tmp).map_err(io_err(format!("creating {shown}")))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(&[b' '; HEADER_WIDTH])
            .and_then(|_| out.write_all(b"\n"))
            .map_err(io_err(format!("writing {shown}")))?;
        let mut hasher = Sha256::new();
        let mut rows = 0u64;
        let mut line = Vec::with_capacity(1024);
        let result = visit_changes(conn, from_seq, to_seq, snapshot, &mut |table, cols, values| {
            let mut row = serde_json::Map::with_capacity(cols.len());
            for (c, v) in cols.iter().zip(values) {
                row.insert(c.clone(), v.to_json());
            }
            line.clear();
            serde_json::to_writer(
                &mut line,
                &FeedRow {
                    table: table.to_owned(),
                    row,
                },
            )
            .map_err(|e| Error::validation("sync", e.to_string()))?;
            line.push(b'\n');
            hasher.update(&line);
            out.write_all(&line).map_err(io_err(format!("writing {shown}")))?;
            rows += 1;
            if rows.is_multiple_of(8192)
                && !progress(&Progress {
                    stage: "export".into(),
                    done: rows,
                    total: total.max(rows as i64) as u64,
                })
            {
                return Err(Error::Cancelled);
            }
            Ok(())
        });
        let finish = || -> Result<String> {
            result?;
            let checksum = format!("sha256:{:x}", hasher.finalize());
            let header = FeedHeader {
                format: FEED_FORMAT.into(),
                version: FEED_VERSION,
                source_id: source_id.clone(),
                file_seq,
                from_seq,
                to_seq,
                snapshot,
                schema_version: crate::store::latest_schema_version(),
                rows,
                checksum: checksum.clone(),
                created_at: created_at.clone(),
            };
            let mut head = serde_json::to_vec(&header).map_err(|e| Error::validation("sync", e.to_string()))?;
            if head.len() > HEADER_WIDTH {
                return Err(Error::validation("sync", "the feed header is too long"));
            }
            head.resize(HEADER_WIDTH, b' ');
            let mut file = out
                .into_inner()
                .map_err(|e| Error::io(format!("writing {shown}"), e.into_error()))?;
            file.rewind()
                .and_then(|_| file.write_all(&head))
                .and_then(|_| file.sync_all())
                .map_err(io_err(format!("writing {shown}")))?;
            std::fs::rename(&tmp, dir.join(&name)).map_err(io_err(format!("renaming {shown}")))?;
            Ok(checksum)
        };
        match finish() {
            Ok(checksum) => Ok((
                ExportReport {
                    file: Some(dir.join(&name)),
                    file_seq,
                    from_seq,
                    to_seq,
                    snapshot,
                    rows,
                },
                checksum,
                last,
            )),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    })?;
    if report.file.is_none() {
        return Ok(report);
    }
    store.write(|tx| {
        let now_last: Option<i64> = tx
            .query_row("SELECT MAX(file_seq) FROM sync_exports", [], |r| r.get(0))
            .optional()?
            .flatten();
        if now_last != last.map(|l| l.0) {
            return Err(Error::Conflict("another sync export ran at the same time; run it again".into()));
        }
        tx.execute(
            "INSERT INTO sync_exports (file_seq, from_seq, to_seq, snapshot, row_count, file_name, checksum, exported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                report.file_seq,
                report.from_seq,
                report.to_seq,
                report.snapshot,
                report.rows as i64,
                feed_name(report.file_seq),
                checksum,
                tx.now_text()
            ],
        )?;
        Ok(())
    })?;
    progress(&Progress {
        stage: "export".into(),
        done: report.rows,
        total: report.rows,
    });
    Ok(report)
}

/// A checked feed file.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    pub path: PathBuf,
    pub header: FeedHeader,
}

fn bad_file(path: &Path, reason: impl std::fmt::Display) -> Error {
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
            columns.push(((*t).to_owned(), self::columns(tx, t)?));
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

/// The content of every synced table, as (table, rows, SHA-256 of the rows
/// in key order): two databases with equal digests hold the same data.
pub fn content_digest(conn: &Connection) -> Result<Vec<(String, u64, String)>> {
    let mut out = Vec::new();
    for (table, key) in TABLES {
        let cols = columns(conn, table)?;
        let list = cols.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
        let mut stmt = conn.prepare(&format!("SELECT {list} FROM {table} ORDER BY {key}"))?;
        let mut rows = stmt.query([])?;
        let mut hasher = Sha256::new();
        let mut n = 0u64;
        while let Some(r) = rows.next()? {
            n += 1;
            for i in 0..cols.len() {
                let v = SqlValue::from_ref(r.get_ref(i)?)?;
                hasher.update(format!("{v:?}\u{1f}").as_bytes());
            }
            hasher.update(b"\x1e");
        }
        out.push(((*table).to_owned(), n, format!("{:x}", hasher.finalize())));
    }
    Ok(out)
}

/// The last feed export, the last apply and the pushes of this database:
/// what the Data screen shows as "last sync".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    /// When the newest feed file was written (RFC 3339 UTC), and its name.
    pub last_export_at: Option<String>,
    pub last_export_file: Option<String>,
    /// When feed files were last applied here.
    pub last_apply_at: Option<String>,
    /// One entry per PostgreSQL target pushed to, newest first.
    pub pushes: Vec<PushState>,
}

/// The last push to one PostgreSQL target (named without its password).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PushState {
    pub target: String,
    pub pushed_at: String,
    /// Rows sent by that push.
    pub rows: u64,
}

/// Read the sync bookkeeping (nothing is written).
pub fn status(conn: &Connection) -> Result<SyncStatus> {
    let export: Option<(String, String)> = conn
        .query_row(
            "SELECT exported_at, file_name FROM sync_exports ORDER BY file_seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let last_apply_at: Option<String> = conn.query_row("SELECT MAX(applied_at) FROM sync_applied", [], |r| r.get(0))?;
    let mut stmt =
        conn.prepare("SELECT target, pushed_at, row_count FROM sync_pushes ORDER BY pushed_at DESC, target")?;
    let pushes = stmt
        .query_map([], |r| {
            Ok(PushState {
                target: r.get(0)?,
                pushed_at: r.get(1)?,
                rows: r.get::<_, i64>(2)?.max(0) as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let (last_export_at, last_export_file) = match export {
        Some((at, file)) => (Some(at), Some(file)),
        None => (None, None),
    };
    Ok(SyncStatus {
        last_export_at,
        last_export_file,
        last_apply_at,
        pushes,
    })
}
