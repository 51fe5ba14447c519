//! The rows a feed carries: the changes of a range of the audit log (or
//! everything, for a snapshot), read table by table; and the content digest
//! two databases compare.

use super::TABLES;
use crate::error::{Error, Result};
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

/// Audit entity -> the table of its records.
const ENTITY_TABLES: &[(&str, &str)] = &[
    ("application", "partner_applications"),
    ("partner", "partners"),
    ("lead", "client_leads"),
    ("payout", "payouts"),
    ("commission", "commissions"),
    ("plan", "app_plans_partnership"),
    ("task", "tasks"),
    ("outbox", "outbox"),
    ("automation", "automation_firings"),
];

/// `database` audit actions after which the next export is a full snapshot
/// (bulk work that writes no per-row audit).
const SNAPSHOT_ACTIONS: &str = "'demo', 'restore', 'bulk'";
/// An erasure (of any record) rewrites old rows and audit images and links
/// the audit chain again: the next export is a full snapshot too, so that
/// replicas lose the erased data and keep a chain that verifies.
const ERASE_ACTION: &str = "'erase'";

/// The last audit seq of the database.
pub fn current_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit_log", [], |r| r.get(0))?)
}

/// Whether the changes in (from, to] need a full snapshot.
pub fn needs_snapshot(conn: &Connection, from: i64, to: i64) -> Result<bool> {
    Ok(conn.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE seq > ?1 AND seq <= ?2 AND ((entity = 'database' AND action IN ({SNAPSHOT_ACTIONS})) OR action = {ERASE_ACTION}))"
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
    pub(super) fn from_ref(v: ValueRef) -> Result<SqlValue> {
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
    pub(super) fn to_json(&self) -> serde_json::Value {
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
                // Groups and rule versions are audited as settings; all are few rows.
                "settings" | "partner_groups" | "rule_versions" | "automation_rules" | "email_templates" => (
                    format!("SELECT {list} FROM {table} WHERE EXISTS (SELECT 1 FROM audit_log WHERE seq > ?1 AND seq <= ?2 AND entity = ?3) ORDER BY {key}"),
                    Some("setting"),
                ),
                "retainers" => (
                    format!("SELECT {list} FROM retainers WHERE lead_id IN ({changed}) ORDER BY lead_id"),
                    Some("lead"),
                ),
                // Conflicts are audited on their lead, payout entries on their run.
                "lead_conflicts" => (
                    format!("SELECT {list} FROM lead_conflicts WHERE lead_id IN ({changed}) ORDER BY lead_id"),
                    Some("lead"),
                ),
                "payout_entries" => (
                    format!("SELECT {list} FROM payout_entries WHERE run_id IN ({changed}) ORDER BY id"),
                    Some("payout"),
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
