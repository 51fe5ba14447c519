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
//!   status history and retainer of changed leads, all settings, partner
//!   groups and rule versions when one of them changed (they are audited as
//!   settings; so are the automation's rules and e-mail templates), the
//!   tasks, outbox messages and rule firings whose audit rows are new, the analytics
//!   snapshots, and the new audit-log rows themselves.
//!
//! Rows are never deleted in Partnerdesk, so a feed has upserts only. The
//! receiving database is a replica of the source: `sync apply` checks every
//! file (header, checksum, row count, continuity with what was applied
//! before) before applying anything, then applies all new files in one
//! transaction, in order; files applied before are skipped, so applying a
//! folder twice changes nothing.

mod apply;
mod changes;
mod write;

pub use apply::{apply, check_dir, feed_files, read_feed, CheckedFile};
pub use changes::{columns, content_digest, current_seq, needs_snapshot, visit_changes, RowVisitor, SqlValue};
pub use write::export;

use crate::error::{Error, Result};
use crate::store::Tx;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const FEED_FORMAT: &str = "partnerdesk-feed";
pub const FEED_VERSION: u32 = 1;
/// The header line's fixed width (bytes, without the newline).
const HEADER_WIDTH: usize = 1023;

/// The synced tables, in the order they are written and applied, with their key.
pub const TABLES: &[(&str, &str)] = &[
    ("settings", "key"),
    ("partner_groups", "id"),
    ("partner_applications", "id"),
    ("partners", "id"),
    ("rule_versions", "version"),
    ("client_leads", "id"),
    ("lead_conflicts", "lead_id"),
    ("retainers", "lead_id"),
    ("lead_status_history", "id"),
    ("payouts", "id"),
    ("commissions", "id"),
    ("payout_entries", "id"),
    ("app_plans_partnership", "id"),
    ("automation_rules", "name"),
    ("email_templates", "id"),
    ("automation_firings", "id"),
    ("tasks", "id"),
    ("outbox", "id"),
    ("analytics_snapshots", "day"),
    ("audit_log", "seq"),
];

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

pub(super) fn io_err(what: String) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::io(what, e)
}

pub(super) fn feed_name(file_seq: i64) -> String {
    format!("feed-{file_seq:06}.jsonl")
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
