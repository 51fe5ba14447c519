//! Export every table (or one) to CSV or JSON files in a folder, from one
//! read snapshot, so the files agree with each other.
//!
//! CSV (see [`super::csv_out`]): a header row of the column names, amounts
//! as decimals in the database currency (`1234.50`), rates as percentages
//! (`12.50` = 12.5%), times as stored (RFC 3339 UTC), empty for NULL, text
//! guarded against formula injection. JSON: an array of objects per table
//! with the stored values: amounts in integer cents, rates in basis points,
//! JSON columns (features, audit before/after, KPIs) as JSON.
//!
//! Files are written under temporary names and renamed when every table is
//! done; cancelling or failing leaves none of them.

use super::csv_out;
use crate::error::{Error, Result};
use crate::money::format_amount;
use crate::progress::Progress;
use crate::store::Store;
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn parse(text: &str) -> Result<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(Error::validation(
                "format",
                format!("must be csv or json (got {text:?})"),
            )),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportedFile {
    pub table: String,
    pub path: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportReport {
    pub dir: String,
    pub format: Format,
    pub files: Vec<ExportedFile>,
}

/// Columns holding money in cents (written as decimals in CSV).
const MONEY: &[&str] = &[
    "estimated_value",
    "total_earnings",
    "commission_amount",
    "project_value",
    "total_amount",
    "won_value",
    "open_value",
    "monthly_value",
    "milestone_amount",
    "override_flat",
    "payout_minimum",
    "balance",
    "brought_forward",
    "carried_forward",
];
/// Money columns whose name is only money in the analytics roll-ups.
const ANALYTICS_MONEY: &[&str] = &["commission"];
/// Columns holding rates in basis points (written as percentages in CSV).
const RATES: &[&str] = &["commission_rate", "rate_bp", "override_rate"];
/// Columns holding JSON text (embedded as JSON in a JSON export).
const JSON_COLS: &[&str] = &["features", "before", "after", "kpis", "tiers", "items"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum ColKind {
    Money,
    Rate,
    Json,
    Plain,
}

fn col_kind(table: &str, col: &str) -> ColKind {
    if MONEY.contains(&col) || (table.starts_with("analytics_") && ANALYTICS_MONEY.contains(&col)) {
        ColKind::Money
    } else if RATES.contains(&col) {
        ColKind::Rate
    } else if JSON_COLS.contains(&col) {
        ColKind::Json
    } else {
        ColKind::Plain
    }
}

/// The tables an export covers: every table of the schema but SQLite's own,
/// the migration history and the text-search indexes (derived, rebuilt from
/// the rows), by name.
pub fn tables(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
           AND name <> 'refinery_schema_history' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let names: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
    Ok(names
        .into_iter()
        .filter(|n| !crate::store::search::is_index_table(n))
        .collect())
}

/// Export into `dir` (created 0700 when missing): every table, or only
/// `table`. One file per table, `<table>.csv` or `<table>.json`.
pub fn export(
    store: &Store,
    dir: &Path,
    format: Format,
    table: Option<&str>,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<ExportReport> {
    store.read(|conn| export_conn(conn, dir, format, table, progress))
}

/// [`export`] on an open read snapshot.
pub fn export_conn(
    conn: &Connection,
    dir: &Path,
    format: Format,
    table: Option<&str>,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<ExportReport> {
    let all = tables(conn)?;
    let chosen: Vec<String> = match table.map(str::trim) {
        None => all,
        Some(t) => {
            if !all.iter().any(|x| x == t) {
                return Err(Error::validation(
                    "table",
                    format!("unknown table {t:?}; tables: {}", all.join(", ")),
                ));
            }
            vec![t.to_owned()]
        }
    };
    make_dir(dir)?;
    let mut counts = Vec::with_capacity(chosen.len());
    for t in &chosen {
        counts.push(conn.query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get::<_, i64>(0))? as u64);
    }
    let total: u64 = counts.iter().sum();
    let mut done = 0u64;
    let mut tmps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut files = Vec::new();
    let result = (|| -> Result<()> {
        if !progress(&Progress {
            stage: "exporting".into(),
            done,
            total,
        }) {
            return Err(Error::Cancelled);
        }
        for t in &chosen {
            let name = format!("{t}.{}", format.extension());
            let final_path = dir.join(&name);
            let tmp = dir.join(format!(".{name}.tmp"));
            tmps.push((tmp.clone(), final_path.clone()));
            let file = std::fs::File::create(&tmp).map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
            make_private_file(&tmp)?;
            let mut w = BufWriter::with_capacity(1 << 20, file);
            let rows = write_table(conn, t, format, &mut w, &mut |n| {
                progress(&Progress {
                    stage: "exporting".into(),
                    done: done + n,
                    total,
                })
            })?;
            done += rows;
            let file = w
                .into_inner()
                .map_err(|e| Error::io(format!("writing {}", tmp.display()), e.into_error()))?;
            file.sync_all()
                .map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
            files.push(ExportedFile {
                table: t.clone(),
                path: final_path.display().to_string(),
                rows,
            });
        }
        if !progress(&Progress {
            stage: "exporting".into(),
            done,
            total,
        }) {
            return Err(Error::Cancelled);
        }
        for (tmp, fin) in &tmps {
            std::fs::rename(tmp, fin).map_err(|e| Error::io(format!("writing {}", fin.display()), e))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &tmps {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    Ok(ExportReport {
        dir: dir.display().to_string(),
        format,
        files,
    })
}

/// Write one table; `tick(rows_done)` every few thousand rows may cancel.
fn write_table(
    conn: &Connection,
    table: &str,
    format: Format,
    w: &mut dyn Write,
    tick: &mut dyn FnMut(u64) -> bool,
) -> Result<u64> {
    let io = |e: std::io::Error| Error::io(format!("writing the export of {table}"), e);
    let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1"))?;
    let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let kinds: Vec<ColKind> = names.iter().map(|c| col_kind(table, c)).collect();
    let mut rows = stmt.query([])?;
    let mut n = 0u64;
    match format {
        Format::Csv => {
            w.write_all(csv_out::BOM.as_bytes()).map_err(io)?;
            csv_out::write_record(w, &names).map_err(io)?;
        }
        Format::Json => w.write_all(b"[").map_err(io)?,
    }
    let mut cells: Vec<String> = Vec::with_capacity(names.len());
    while let Some(row) = rows.next()? {
        match format {
            Format::Csv => {
                cells.clear();
                for (i, kind) in kinds.iter().enumerate() {
                    cells.push(csv_cell(row.get_ref(i)?, *kind));
                }
                csv_out::write_record(w, &cells).map_err(io)?;
            }
            Format::Json => {
                let mut obj = serde_json::Map::with_capacity(names.len());
                for (i, (name, kind)) in names.iter().zip(&kinds).enumerate() {
                    obj.insert(name.clone(), json_cell(row.get_ref(i)?, *kind));
                }
                w.write_all(if n == 0 { b"\n" } else { b",\n" }).map_err(io)?;
                serde_json::to_writer(&mut *w, &obj).map_err(|e| io(e.into()))?;
            }
        }
        n += 1;
        if n.is_multiple_of(8192) && !tick(n) {
            return Err(Error::Cancelled);
        }
    }
    if format == Format::Json {
        w.write_all(if n == 0 { b"]\n" } else { b"\n]\n" }).map_err(io)?;
    }
    Ok(n)
}

fn csv_cell(v: ValueRef<'_>, kind: ColKind) -> String {
    match (v, kind) {
        (ValueRef::Null, _) => String::new(),
        (ValueRef::Integer(i), ColKind::Money | ColKind::Rate) => format_amount(i),
        (ValueRef::Integer(i), _) => i.to_string(),
        (ValueRef::Real(f), _) => f.to_string(),
        (ValueRef::Text(t), _) => csv_out::guard_text(&String::from_utf8_lossy(t)).into_owned(),
        (ValueRef::Blob(b), _) => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

fn json_cell(v: ValueRef<'_>, kind: ColKind) -> serde_json::Value {
    use serde_json::Value;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            if kind == ColKind::Json {
                if let Ok(v) = serde_json::from_str::<Value>(&s) {
                    return v;
                }
            }
            Value::String(s.into_owned())
        }
        ValueRef::Blob(b) => Value::String(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}

#[cfg(unix)]
pub(crate) fn make_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(format!("creating the folder {}", dir.display()), e))
}

#[cfg(not(unix))]
pub(crate) fn make_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating the folder {}", dir.display()), e))
}

#[cfg(unix)]
pub(crate) fn make_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(format!("setting permissions on {}", path.display()), e))
}

#[cfg(not(unix))]
pub(crate) fn make_private_file(_path: &Path) -> Result<()> {
    Ok(())
}

/// Write `contents` to `path` through a temporary file in the same folder
/// and a rename, so a reader never sees half a file.
pub fn write_file_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let tmp = tmp_path(path);
    let r = (|| -> Result<()> {
        let mut f = std::fs::File::create(&tmp).map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        make_private_file(&tmp)?;
        f.write_all(contents)
            .and_then(|_| f.sync_all())
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(format!("writing {}", path.display()), e))
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

/// The temporary name [`write_file_atomically`] uses for `path`.
pub fn tmp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// What `subject-export` wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SubjectFile {
    pub path: String,
    pub kind: crate::workflow::privacy::SubjectKind,
    pub id: String,
    /// Rows per table in the file.
    pub records: std::collections::BTreeMap<String, u64>,
    pub audit_rows: u64,
}

/// Write everything held about one person ([`crate::workflow::privacy::subject_export`])
/// to `path` as pretty JSON (private to the user: it is personal data).
pub fn subject_export(
    conn: &rusqlite::Connection,
    kind: crate::workflow::privacy::SubjectKind,
    id: &str,
    path: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SubjectFile> {
    let x = crate::workflow::privacy::subject_export(conn, kind, id, now)?;
    let text = serde_json::to_string_pretty(&x).map_err(|e| Error::validation("out", e.to_string()))?;
    write_file_atomically(path, text.as_bytes())?;
    Ok(SubjectFile {
        path: path.display().to_string(),
        kind,
        id: x.id.clone(),
        records: x
            .records
            .iter()
            .map(|(t, v)| (t.clone(), v.as_array().map_or(0, |a| a.len() as u64)))
            .collect(),
        audit_rows: x.audit.len() as u64,
    })
}
