//! `sync push`: send the changes since the last push, into whatever shape the
//! target has (see module `target`).
//!
//! One PostgreSQL transaction holds everything a push does there: the
//! columns it adds, the tables and indexes it creates, the rows and the
//! watermark. A value the target cannot hold stops the push with the table,
//! column and value named, and the transaction is rolled back, so nothing is
//! written; a dry run reads the same and writes nothing at all.
//!
//! Applications, partners and leads are also pulled (module `pull`): for
//! each of their rows sent, the push keeps the `updated_at` of both sides
//! ([`super::pull`]'s base), and it refuses to overwrite a record changed
//! on the server since the last sync: that is for a pull to settle.

use super::target::{self, Plan, Slot};
use super::{connect, pg_err, redact, sync, SqlValue, SCHEMA};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::Store;
use postgres::types::ToSql;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What a push is asked to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushOptions {
    /// Read both sides, check every value, report; write nothing.
    pub dry_run: bool,
}

/// Rows of one table sent (or, on a dry run, to be sent).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TableRows {
    pub table: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PushReport {
    /// The target, without its password.
    pub target: String,
    pub dry_run: bool,
    /// Whether every row was sent (first push, or after bulk work).
    pub full: bool,
    pub from_seq: i64,
    pub to_seq: i64,
    /// Rows sent (upserted) by this push.
    pub rows: u64,
    /// Per table, in the order sent.
    pub tables: Vec<TableRows>,
    /// Tables created there (Partnerdesk's own, missing there).
    pub created_tables: Vec<String>,
    /// Columns added to tables that exist there: `table.column type`.
    pub added_columns: Vec<String>,
    /// Indexes created there.
    pub created_indexes: Vec<String>,
}

/// The tables a pull reads, whose rows sent are remembered per record.
pub(super) const PULLED: &[&str] = &["partner_applications", "partners", "client_leads"];

/// `updated_at` of both sides of one record right after it was sent.
pub(super) struct Base {
    pub(super) table: &'static str,
    /// Kept as 16 bytes: a first push of a large database remembers millions.
    pub(super) id: uuid::Uuid,
    pub(super) local_us: i64,
    pub(super) remote_us: i64,
}

/// Microseconds since 1970 of an RFC 3339 time.
pub(super) fn micros(text: &str) -> Option<i64> {
    crate::clock::parse_time(text).map(|t| t.timestamp_micros())
}

/// Push the changes since the last push to `url` ([`push_with`] default options).
pub fn push(store: &Store, url: &str, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<PushReport> {
    push_with(store, url, PushOptions::default(), progress)
}

/// Push the changes since the last push to `url`, or with
/// [`PushOptions::dry_run`] only say what that would do.
pub fn push_with(
    store: &Store,
    url: &str,
    opts: PushOptions,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<PushReport> {
    let target = redact(url);
    let mut client = connect(url)?;
    let own = target::own_shape(&mut client).map_err(pg_err(&target, "reading Partnerdesk's schema"))?;
    let schema: String = client
        .query_one("SELECT current_schema()::text", &[])
        .map_err(pg_err(&target, "reading the schema"))?
        .get(0);
    let there = target::read_shape(&mut client, &schema).map_err(pg_err(&target, "reading the schema"))?;
    let plan = target::plan(&own, &there);
    if let Some((table, column)) = plan.unfillable.first() {
        return Err(Error::validation(
            "postgres",
            format!(
                "{table}.{column} at {target} must be filled (NOT NULL without a default) and Partnerdesk has no such field; give it a default or make it nullable there; nothing was written"
            ),
        ));
    }
    let source_id = if opts.dry_run {
        store.read(sync::read_database_id)?.unwrap_or_default()
    } else {
        store.write(sync::database_id)?
    };
    let remote: Option<i64> = if there.tables.contains_key("partnerdesk_sync_state") {
        client
            .query_opt(
                "SELECT watermark FROM partnerdesk_sync_state WHERE source_id = $1",
                &[&source_id],
            )
            .map_err(pg_err(&target, "reading the sync state"))?
            .map(|r| r.get(0))
    } else {
        None
    };
    let mut tx = client
        .transaction()
        .map_err(pg_err(&target, "starting a transaction"))?;
    if !opts.dry_run {
        change_schema(&mut tx, &plan, &target)?;
    }
    let mut bases: Vec<Base> = Vec::new();
    let mut report = store.read(|conn| {
        let local: Option<i64> = conn
            .query_row("SELECT watermark FROM sync_pushes WHERE target = ?1", [&target], |r| {
                r.get(0)
            })
            .optional()?;
        let from = match (local, remote) {
            (Some(l), Some(r)) => l.min(r),
            _ => 0,
        };
        let to = sync::current_seq(conn)?;
        let full = from == 0 || sync::needs_snapshot(conn, from, to)?;
        let has_bases: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sync_pg_base WHERE target = ?1)",
            [&target],
            |r| r.get(0),
        )?;
        let mut sender = Sender {
            tx: &mut tx,
            plan: &plan,
            target: &target,
            dry_run: opts.dry_run,
            batch: Batch::default(),
            tables: Vec::new(),
            bases: &mut bases,
            base_of: if has_bases {
                Some(Box::new(|table: &str, id: &str| {
                    Ok(conn
                        .query_row(
                            "SELECT remote_updated_us FROM sync_pg_base WHERE target = ?1 AND table_name = ?2 AND record_id = ?3",
                            params![target, table, id],
                            |r| r.get(0),
                        )
                        .optional()?)
                }))
            } else {
                None
            },
        };
        let mut rows = 0u64;
        let mut cancelled = false;
        sync::visit_changes(conn, from, to, full, &mut |table, cols, values| {
            sender.take(table, cols, values)?;
            rows += 1;
            if rows.is_multiple_of(1000)
                && !progress(&Progress {
                    stage: if opts.dry_run { "check" } else { "push" }.into(),
                    done: rows,
                    total: rows,
                })
            {
                cancelled = true;
                return Err(Error::Cancelled);
            }
            Ok(())
        })?;
        if cancelled {
            return Err(Error::Cancelled);
        }
        sender.flush()?;
        Ok(PushReport {
            target: target.clone(),
            dry_run: opts.dry_run,
            full,
            from_seq: if full { 0 } else { from },
            to_seq: to,
            rows,
            tables: std::mem::take(&mut sender.tables),
            created_tables: plan.create_tables.clone(),
            added_columns: plan
                .add_columns
                .iter()
                .map(|(t, c, ty)| format!("{t}.{c} {ty}"))
                .collect(),
            created_indexes: plan.create_indexes.clone(),
        })
    })?;
    if opts.dry_run {
        tx.rollback().map_err(pg_err(&target, "ending the dry run"))?;
        return Ok(report);
    }
    tx.execute(
        "INSERT INTO partnerdesk_sync_state (source_id, watermark, pushed_at) VALUES ($1, $2, now())
         ON CONFLICT (source_id) DO UPDATE SET watermark = EXCLUDED.watermark, pushed_at = EXCLUDED.pushed_at",
        &[&source_id, &report.to_seq],
    )
    .map_err(pg_err(&target, "writing the sync state"))?;
    tx.commit().map_err(pg_err(&target, "committing"))?;
    report.dry_run = false;
    store.write(|tx| {
        tx.execute(
            "INSERT INTO sync_pushes (target, watermark, row_count, pushed_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (target) DO UPDATE SET watermark = excluded.watermark, row_count = excluded.row_count, pushed_at = excluded.pushed_at",
            params![report.target, report.to_seq, report.rows as i64, tx.now_text()],
        )?;
        let mut put = tx.prepare_cached(
            "INSERT INTO sync_pg_base (target, table_name, record_id, local_updated_us, remote_updated_us) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (target, table_name, record_id) DO UPDATE SET local_updated_us = excluded.local_updated_us, remote_updated_us = excluded.remote_updated_us",
        )?;
        for b in &bases {
            let id = b.id.hyphenated().to_string();
            put.execute(params![report.target, b.table, id, b.local_us, b.remote_us])?;
        }
        Ok(())
    })?;
    Ok(report)
}

/// Add the missing columns, then create what is missing of the schema
/// (tables, indexes: `IF NOT EXISTS` throughout).
fn change_schema(tx: &mut postgres::Transaction, plan: &Plan, target: &str) -> Result<()> {
    for (table, column, ty) in &plan.add_columns {
        tx.batch_execute(&format!(
            "ALTER TABLE \"{table}\" ADD COLUMN IF NOT EXISTS \"{column}\" {ty}"
        ))
        .map_err(pg_err(target, &format!("adding the column {table}.{column}")))?;
    }
    tx.batch_execute(SCHEMA)
        .map_err(pg_err(target, "creating Partnerdesk's tables"))
}

/// The rows on their way: one multi-row upsert per batch of a table.
struct Sender<'a, 't, 'c> {
    tx: &'a mut postgres::Transaction<'t>,
    plan: &'a Plan,
    target: &'a str,
    dry_run: bool,
    batch: Batch,
    tables: Vec<TableRows>,
    bases: &'a mut Vec<Base>,
    /// The remote `updated_at` of a record at its last sync, when any record was synced.
    #[allow(clippy::type_complexity)]
    base_of: Option<Box<dyn Fn(&str, &str) -> Result<Option<i64>> + 'c>>,
}

/// Rows of one table, encoded for the target.
#[derive(Default)]
struct Batch {
    table: String,
    slots: Vec<Slot>,
    key: usize,
    /// The index of `updated_at` among the columns, for the tables pulled.
    updated_at: Option<usize>,
    texts: Vec<Option<String>>,
    /// Per row: id and local `updated_at` (tables pulled).
    ids: Vec<(String, i64)>,
    rows: usize,
}

impl Sender<'_, '_, '_> {
    fn take(&mut self, table: &str, cols: &[String], values: &[SqlValue]) -> Result<()> {
        if self.batch.table != table {
            self.flush()?;
            self.start(table, cols)?;
        }
        for (slot, v) in self.batch.slots.iter().zip(values) {
            self.batch.texts.push(slot.encode(v)?);
        }
        if let Some(u) = self.batch.updated_at {
            let id = values[self.batch.key].as_text().unwrap_or_default();
            let local = values[u].as_text().as_deref().and_then(micros).unwrap_or(0);
            self.batch.ids.push((id, local));
        }
        self.batch.rows += 1;
        if let Some(t) = self.tables.last_mut() {
            t.rows += 1;
        }
        if self.batch.rows >= (60_000 / self.batch.slots.len().max(1)).min(1_000) {
            self.flush()?;
        }
        Ok(())
    }

    fn start(&mut self, table: &str, cols: &[String]) -> Result<()> {
        let slots_there = self
            .plan
            .slots
            .get(table)
            .ok_or_else(|| Error::validation("sync", format!("unknown table {table}")))?;
        let mut slots = Vec::with_capacity(cols.len());
        for c in cols {
            let slot = slots_there.iter().find(|s| &s.column == c).ok_or_else(|| {
                Error::Conflict(format!(
                    "the PostgreSQL schema of Partnerdesk has no column {table}.{c}; this build's schema and its database disagree"
                ))
            })?;
            slots.push(slot.clone());
        }
        let key_name = sync::TABLES
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, k)| *k)
            .ok_or_else(|| Error::validation("sync", format!("unknown table {table}")))?;
        let key = cols.iter().position(|c| c == key_name).unwrap_or(0);
        let updated_at = if PULLED.contains(&table) {
            cols.iter().position(|c| c == "updated_at")
        } else {
            None
        };
        self.batch = Batch {
            table: table.to_owned(),
            slots,
            key,
            updated_at,
            ..Batch::default()
        };
        self.tables.push(TableRows {
            table: table.to_owned(),
            rows: 0,
        });
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let b = &mut self.batch;
        if b.rows == 0 {
            return Ok(());
        }
        let pulled = PULLED.iter().copied().find(|t| *t == b.table);
        if let (Some(table), Some(base_of)) = (pulled, &self.base_of) {
            // Records changed there since their last sync are not overwritten.
            let ids: Vec<String> = b.ids.iter().map(|(id, _)| id.clone()).collect();
            let there = self
                .tx
                .query(
                    &format!(
                        "SELECT id::text, (extract(epoch FROM updated_at) * 1000000)::bigint FROM \"{table}\" WHERE id::text = ANY ($1)"
                    ),
                    &[&ids],
                )
                .map_err(pg_err(self.target, &format!("reading {table}")))?;
            for r in there {
                let id: String = r.get(0);
                let remote: Option<i64> = r.get(1);
                if let Some(base) = base_of(table, &id)? {
                    if remote != Some(base) {
                        return Err(Error::Conflict(format!(
                            "{table} {id} was changed at {} since the last sync; run `partnerdesk sync pull` first (it settles such records), then push; nothing was written",
                            self.target
                        )));
                    }
                }
            }
        }
        if !self.dry_run {
            let sql = upsert_sql(b);
            let params: Vec<&(dyn ToSql + Sync)> = b.texts.iter().map(|t| t as &(dyn ToSql + Sync)).collect();
            let what = format!("writing {}", b.table);
            if let Some(table) = pulled.filter(|_| b.updated_at.is_some()) {
                let back = self
                    .tx
                    .query(sql.as_str(), &params)
                    .map_err(pg_err(self.target, &what))?;
                let local: HashMap<&str, i64> = b.ids.iter().map(|(id, us)| (id.as_str(), *us)).collect();
                for r in back {
                    let id: String = r.get(0);
                    let remote: Option<i64> = r.get(1);
                    if let (Some(&local_us), Some(remote_us), Ok(id)) =
                        (local.get(id.as_str()), remote, uuid::Uuid::parse_str(&id))
                    {
                        self.bases.push(Base {
                            table,
                            id,
                            local_us,
                            remote_us,
                        });
                    }
                }
            } else {
                self.tx
                    .execute(sql.as_str(), &params)
                    .map_err(pg_err(self.target, &what))?;
            }
        }
        b.texts.clear();
        b.ids.clear();
        b.rows = 0;
        Ok(())
    }
}

/// `INSERT .. VALUES (CAST($1 AS type), ..), .. ON CONFLICT (key) DO UPDATE ..`,
/// with `RETURNING` the id and `updated_at` for the tables pulled.
fn upsert_sql(b: &Batch) -> String {
    let ncols = b.slots.len();
    let key = &b.slots[b.key].column;
    let names = b
        .slots
        .iter()
        .map(|s| format!("\"{}\"", s.column))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!("INSERT INTO \"{}\" ({names}) VALUES ", b.table);
    for ri in 0..b.rows {
        if ri > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for (ci, s) in b.slots.iter().enumerate() {
            if ci > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("CAST(${}::text AS {})", ri * ncols + ci + 1, s.sql_type));
        }
        sql.push(')');
    }
    let sets: Vec<String> = b
        .slots
        .iter()
        .filter(|s| &s.column != key)
        .map(|s| format!("\"{0}\" = EXCLUDED.\"{0}\"", s.column))
        .collect();
    sql.push_str(&format!(" ON CONFLICT (\"{key}\") DO UPDATE SET {}", sets.join(", ")));
    if b.updated_at.is_some() {
        sql.push_str(&format!(
            " RETURNING \"{key}\"::text, (extract(epoch FROM updated_at) * 1000000)::bigint"
        ));
    }
    sql
}
