//! `sync status --postgres URL`: whether both sides hold the same five tables.
//!
//! Per table: the row counts, the sum of its money column in cents, and a
//! checksum of the rows' content (the original system's columns both sides
//! have, `updated_at` left out as each side keeps its own). A row's text is
//! the same on both sides whatever the column types: amounts and rates in
//! hundredths (cents, basis points), times in UTC to the millisecond, enum
//! values in lower case, JSON re-serialised, NULL and empty text alike. The
//! checksum is the sum, modulo 2^128, of each row's SHA-256 (its first 16
//! bytes): the order rows are read in does not matter.

use super::target::read_shape;
use super::{connect, pg_err, redact};
use crate::error::Result;
use crate::store::Store;
use postgres::fallible_iterator::FallibleIterator;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The five tables compared, with the columns compared.
const TABLES: &[(&str, &[&str])] = &[
    (
        "partner_applications",
        &[
            "id",
            "name",
            "email",
            "phone",
            "company",
            "network_description",
            "expected_referrals",
            "experience_level",
            "status",
            "created_at",
        ],
    ),
    (
        "partners",
        &[
            "id",
            "application_id",
            "name",
            "email",
            "phone",
            "company",
            "status",
            "tier",
            "total_deals",
            "total_earnings",
            "created_at",
        ],
    ),
    (
        "client_leads",
        &[
            "id",
            "partner_id",
            "client_name",
            "client_email",
            "client_phone",
            "business_name",
            "project_description",
            "estimated_value",
            "status",
            "created_at",
        ],
    ),
    (
        "commissions",
        &[
            "id",
            "partner_id",
            "client_lead_id",
            "commission_amount",
            "commission_rate",
            "project_value",
            "status",
            "paid_at",
            "created_at",
        ],
    ),
    (
        "app_plans_partnership",
        &[
            "id",
            "partner_id",
            "client_lead_id",
            "business_name",
            "industry",
            "features",
            "generated_content",
            "timeline_estimate",
            "investment_range",
            "status",
            "created_at",
        ],
    ),
];

/// Columns in hundredths here (cents, basis points).
const HUNDREDTHS: &[&str] = &[
    "estimated_value",
    "total_earnings",
    "commission_amount",
    "commission_rate",
    "project_value",
];

/// The money column summed per table.
fn money_column(table: &str) -> Option<&'static str> {
    match table {
        "partners" => Some("total_earnings"),
        "client_leads" => Some("estimated_value"),
        "commissions" => Some("commission_amount"),
        _ => None,
    }
}

/// One table on both sides.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TableComparison {
    pub table: String,
    pub local_rows: u64,
    /// None when the table is not there.
    pub remote_rows: Option<u64>,
    /// The sum of the table's money column, in cents (None for a table without one).
    pub local_cents: Option<i64>,
    pub remote_cents: Option<i64>,
    pub local_checksum: String,
    pub remote_checksum: Option<String>,
    /// Counts, sums and checksums agree.
    pub equal: bool,
    /// The columns compared (those both sides have).
    pub columns: Vec<String>,
}

/// Adds rows to a checksum, a count and a sum.
#[derive(Default)]
struct Tally {
    rows: u64,
    cents: i64,
    sum: u128,
}

impl Tally {
    fn add(&mut self, values: &[Option<String>], money: Option<usize>) {
        let mut h = Sha256::new();
        for v in values {
            match v {
                Some(s) => {
                    h.update(b"s");
                    h.update((s.len() as u64).to_le_bytes());
                    h.update(s.as_bytes());
                }
                None => h.update(b"n"),
            }
        }
        let d = h.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&d[..16]);
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
        self.rows += 1;
        if let Some(Some(c)) = money.map(|i| values[i].as_deref().and_then(|t| t.parse::<i64>().ok())) {
            self.cents += c;
        }
    }
    fn checksum(&self) -> String {
        format!("{:032x}", self.sum)
    }
}

/// A value as both sides write it.
fn canon(column: &str, text: Option<String>) -> Option<String> {
    let t = text?;
    let t = t.trim();
    if t.is_empty() {
        return None;
    }
    Some(match column {
        "status" | "tier" | "experience_level" | "id" | "partner_id" | "client_lead_id" | "application_id" => {
            t.to_lowercase()
        }
        "features" => serde_json::from_str::<serde_json::Value>(t)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| t.to_owned()),
        _ => t.to_owned(),
    })
}

/// Both sides' five tables, and whether they all agree.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Comparison {
    /// The server, without its password.
    pub target: String,
    /// Every table agrees (counts, money sums, checksums).
    pub equal: bool,
    pub tables: Vec<TableComparison>,
}

/// Compare this database with the one at `url` (nothing is written on either side).
pub fn compare(store: &Store, url: &str) -> Result<Comparison> {
    let target = redact(url);
    let mut client = connect(url)?;
    let schema: String = client
        .query_one("SELECT current_schema()::text", &[])
        .map_err(pg_err(&target, "reading the schema"))?
        .get(0);
    let there = read_shape(&mut client, &schema).map_err(pg_err(&target, "reading the schema"))?;
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(pg_err(&target, "starting a transaction"))?;
    let mut out = Vec::new();
    for (table, wanted) in TABLES {
        let local_cols = store.read(|c| super::sync::columns(c, table))?;
        let remote_cols = there.tables.get(*table);
        let columns: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|c| local_cols.iter().any(|l| l == c))
            .filter(|c| remote_cols.is_none_or(|rc| rc.iter().any(|r| r.name == *c)))
            .collect();
        let money = money_column(table).and_then(|m| columns.iter().position(|c| *c == m));
        // Here.
        let mut here = Tally::default();
        store.read(|c| {
            let list = columns
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let mut stmt = c.prepare(&format!("SELECT {list} FROM {table}"))?;
            let mut rows = stmt.query([])?;
            let mut values = Vec::with_capacity(columns.len());
            while let Some(r) = rows.next()? {
                values.clear();
                for (i, col) in columns.iter().enumerate() {
                    let v = match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => None,
                        rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                        rusqlite::types::ValueRef::Real(f) => Some(f.to_string()),
                        rusqlite::types::ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                        rusqlite::types::ValueRef::Blob(_) => None,
                    };
                    values.push(canon(col, v));
                }
                here.add(&values, money);
            }
            Ok(())
        })?;
        // There.
        let (remote_rows, remote_cents, remote_checksum) = match remote_cols {
            None => (None, None, None),
            Some(rc) => {
                let exprs: Vec<String> = columns
                    .iter()
                    .map(|c| {
                        let col = rc.iter().find(|r| r.name == *c);
                        let udt = col.map(|r| r.udt.as_str()).unwrap_or("text");
                        match udt {
                            "numeric" if HUNDREDTHS.contains(c) => format!("round(\"{c}\" * 100)::bigint::text"),
                            "numeric" => format!("round(\"{c}\")::bigint::text"),
                            "timestamptz" | "timestamp" => format!(
                                "to_char(\"{c}\"::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                            ),
                            "bool" => format!("(\"{c}\")::int::text"),
                            _ => format!("\"{c}\"::text"),
                        }
                    })
                    .collect();
                let sql = format!("SELECT {} FROM \"{table}\"", exprs.join(", "));
                let mut there = Tally::default();
                let mut values = Vec::with_capacity(columns.len());
                let stmt = tx.prepare(&sql).map_err(pg_err(&target, &format!("reading {table}")))?;
                let params: [&(dyn postgres::types::ToSql + Sync); 0] = [];
                let mut rows = tx
                    .query_raw(&stmt, params)
                    .map_err(pg_err(&target, &format!("reading {table}")))?;
                while let Some(r) = rows.next().map_err(pg_err(&target, &format!("reading {table}")))? {
                    values.clear();
                    for (i, col) in columns.iter().enumerate() {
                        values.push(canon(col, r.get::<_, Option<String>>(i)));
                    }
                    there.add(&values, money);
                }
                (Some(there.rows), money.map(|_| there.cents), Some(there.checksum()))
            }
        };
        let local_cents = money.map(|_| here.cents);
        let local_checksum = here.checksum();
        out.push(TableComparison {
            table: (*table).to_owned(),
            local_rows: here.rows,
            equal: remote_rows == Some(here.rows)
                && remote_cents == local_cents
                && remote_checksum.as_deref() == Some(local_checksum.as_str()),
            remote_rows,
            local_cents,
            remote_cents,
            local_checksum,
            remote_checksum,
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        });
    }
    tx.commit().map_err(pg_err(&target, "ending the read"))?;
    Ok(Comparison {
        equal: out.iter().all(|t| t.equal),
        target,
        tables: out,
    })
}
