//! `sync pull`: bring in the applications, partners and leads created or
//! changed on the server (its web side) since the last pull.
//!
//! - What is read: the rows of the three tables whose `updated_at` is at or
//!   after the server's clock at the last pull, less [`OVERLAP_SECONDS`]
//!   (a row committed late with an earlier time is read again; a row read
//!   twice changes nothing). The first pull reads every row. The three tables
//!   are read in one repeatable-read transaction there.
//! - Each record is compared with its base: the `updated_at` of both sides
//!   right after its last push or pull (`sync_pg_base`).
//!   - not here: a new record, created through the import's rules (the same
//!     checks as a hand entry; it keeps its id, creation time and, as history
//!     from another database, an application's decision);
//!   - changed there only: the server's fields are taken through the
//!     import's update rules (an edit as by hand, audited); the pipeline
//!     status of a lead, the decision on an application and a partner's
//!     status and tier stay the desktop's, and the next push writes them back;
//!   - changed here only: nothing (the next push sends it);
//!   - changed on both sides (or never synced and different): a conflict.
//!     The newer change (by `updated_at`) wins for the whole record; the
//!     other side's image goes to `sync_conflicts` and the audit log
//!     (`sync_conflict`). A server side that won is taken as above; a
//!     desktop side that won is sent by the next push.
//! - A record the rules refuse is listed with its reason and not taken; the
//!   others are (a record whose partner was refused is refused in turn).
//! - When the server's clock is ahead of this machine's, the pull's writes
//!   take the server's time (a record is never written before its creation).
//! - Everything a pull writes here is one transaction, the new base and the
//!   server's clock included: killed half-way, the database is as before.
//!   A dry run does all of it and rolls it back.

use super::push::{micros, PULLED};
use super::target::read_shape;
use super::{connect, pg_err, redact};
use crate::error::{Error, Result};
use crate::exchange::import::{self, ImportTable};
use crate::model::Entity;
use crate::progress::Progress;
use crate::store::{repo, Store, Tx};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How far before the last pull's clock a pull reads again.
pub const OVERLAP_SECONDS: i64 = 300;

/// A record the server has that the rules refuse.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PullBadRow {
    pub table: String,
    pub id: String,
    pub field: Option<String>,
    pub reason: String,
}

/// A record changed on both sides since the last sync.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conflict {
    pub id: String,
    /// The server, without its password.
    pub target: String,
    pub table: String,
    pub record_id: String,
    /// `local` or `remote`: whose change was kept.
    pub winner: String,
    /// The record on each side (JSON, in Partnerdesk's units).
    pub local_image: String,
    pub remote_image: String,
    pub local_updated_at: String,
    pub remote_updated_at: String,
    pub detected_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PullReport {
    pub target: String,
    pub dry_run: bool,
    /// Rows read from the server.
    pub read: u64,
    /// Records created here.
    pub created: u64,
    /// Records here updated with the server's changes.
    pub updated: u64,
    /// Rows equal on both sides, or changed here only.
    pub unchanged: u64,
    pub conflicts: Vec<Conflict>,
    pub bad_rows: Vec<PullBadRow>,
}

/// One table's part of a pull.
struct Table {
    name: &'static str,
    import: ImportTable,
    /// The import fields the server has, in order.
    fields: Vec<&'static str>,
    /// Fields the desktop decides: taken for a new record only.
    own: &'static [&'static str],
}

/// A row read there: its fields as the import reads them, its `updated_at`.
struct Remote {
    id: String,
    fields: Map<String, Value>,
    updated_us: i64,
    updated_text: String,
}

/// Which fields of `table` a pull reads, among the import's.
fn table(name: &'static str, there: &[super::target::Column]) -> Table {
    let import = match name {
        "partner_applications" => ImportTable::Applications,
        "partners" => ImportTable::Partners,
        _ => ImportTable::Leads,
    };
    let own: &'static [&'static str] = match import {
        ImportTable::Applications => &["status"],
        ImportTable::Partners => &["status", "tier"],
        ImportTable::Leads => &[],
    };
    let fields = import::fields(import)
        .iter()
        .copied()
        .filter(|f| *f != "partner_email" && there.iter().any(|c| c.name == *f))
        .collect();
    Table {
        name,
        import,
        fields,
        own,
    }
}

/// Fields holding money (read as currency units there, cents here).
const MONEY: &[&str] = &["estimated_value"];

/// Read what changed there since `mark_us` (None: everything).
fn read_remote(
    client: &mut postgres::Client,
    target: &str,
    tables: &[Table],
    mark_us: Option<i64>,
) -> Result<(i64, Vec<Vec<Remote>>)> {
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(pg_err(target, "starting a transaction"))?;
    let now_us: i64 = tx
        .query_one("SELECT (extract(epoch FROM now()) * 1000000)::bigint", &[])
        .map_err(pg_err(target, "reading the server's clock"))?
        .get(0);
    let since = mark_us.map(|m| m - OVERLAP_SECONDS * 1_000_000);
    let mut out = Vec::new();
    for t in tables {
        let exprs: Vec<String> = t
            .fields
            .iter()
            .map(|f| match *f {
                "created_at" => {
                    "to_char(created_at::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                        .to_owned()
                }
                f => format!("\"{f}\"::text"),
            })
            .collect();
        let sql = format!(
            "SELECT {}, (extract(epoch FROM updated_at) * 1000000)::bigint, \
             to_char(updated_at::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') \
             FROM \"{}\" WHERE $1::bigint IS NULL OR updated_at >= to_timestamp($1::bigint / 1000000.0) ORDER BY created_at, id",
            exprs.join(", "),
            t.name
        );
        let rows = tx
            .query(sql.as_str(), &[&since])
            .map_err(pg_err(target, &format!("reading {}", t.name)))?;
        let mut list = Vec::with_capacity(rows.len());
        for r in rows {
            let mut fields = Map::new();
            for (i, f) in t.fields.iter().enumerate() {
                let v: Option<String> = r.get(i);
                let v = v.map(|s| normalise(f, s));
                fields.insert((*f).to_owned(), v.map_or(Value::Null, Value::String));
            }
            let id = fields.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
            let n = t.fields.len();
            list.push(Remote {
                id,
                fields,
                updated_us: r.get::<_, Option<i64>>(n).unwrap_or(0),
                updated_text: r.get::<_, Option<String>>(n + 1).unwrap_or_default(),
            });
        }
        out.push(list);
    }
    tx.commit().map_err(pg_err(target, "ending the read"))?;
    Ok((now_us, out))
}

/// A value read there as the desktop writes it: enum values in lower case,
/// amounts with two decimals.
fn normalise(field: &str, text: String) -> String {
    match field {
        "status" | "tier" | "experience_level" => text.to_lowercase(),
        f if MONEY.contains(&f) => match crate::money::parse_amount(f, &text, false) {
            Ok(cents) => crate::money::format_amount(cents),
            Err(_) => text,
        },
        _ => text,
    }
}

/// The record here as the import's fields (the same forms as [`normalise`]),
/// with its `updated_at`; None when it is not here.
fn local(tx: &Tx, t: &Table, id: &str) -> Result<Option<(Map<String, Value>, String)>> {
    let cols: Vec<String> = t.fields.iter().map(|f| format!("\"{f}\"")).collect();
    let sql = format!("SELECT {}, updated_at FROM {} WHERE id = ?1", cols.join(", "), t.name);
    let mut stmt = tx.prepare_cached(&sql)?;
    Ok(stmt
        .query_row([id], |r| {
            let mut m = Map::new();
            for (i, f) in t.fields.iter().enumerate() {
                let v: rusqlite::types::Value = r.get(i)?;
                let v = match v {
                    rusqlite::types::Value::Null => Value::Null,
                    rusqlite::types::Value::Integer(n) if MONEY.contains(f) => {
                        Value::String(crate::money::format_amount(n))
                    }
                    rusqlite::types::Value::Integer(n) => Value::String(n.to_string()),
                    rusqlite::types::Value::Real(x) => Value::String(x.to_string()),
                    rusqlite::types::Value::Text(s) => Value::String(s),
                    rusqlite::types::Value::Blob(_) => Value::Null,
                };
                m.insert((*f).to_owned(), v);
            }
            Ok((m, r.get::<_, String>(t.fields.len())?))
        })
        .optional()?)
}

/// Whether the two images agree on every field but the times (an empty
/// text and NULL are the same).
fn same(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    let norm = |v: Option<&Value>| match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    };
    a.keys()
        .chain(b.keys())
        .filter(|k| *k != "created_at" && *k != "id")
        .all(|k| norm(a.get(k)) == norm(b.get(k)))
}

/// Pull the changes made there since the last pull from `url`.
pub fn pull(
    store: &Store,
    url: &str,
    dry_run: bool,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<PullReport> {
    let target = redact(url);
    let mut client = connect(url)?;
    let schema: String = client
        .query_one("SELECT current_schema()::text", &[])
        .map_err(pg_err(&target, "reading the schema"))?
        .get(0);
    let there = read_shape(&mut client, &schema).map_err(pg_err(&target, "reading the schema"))?;
    let mut tables = Vec::new();
    for name in PULLED {
        let Some(cols) = there.tables.get(*name) else {
            return Err(Error::validation(
                "postgres",
                format!(
                    "{target} has no table {name}: push first (it creates the tables), or check the URL's database"
                ),
            ));
        };
        if !cols.iter().any(|c| c.name == "updated_at") {
            return Err(Error::validation(
                "postgres",
                format!("{name} at {target} has no updated_at column: a pull reads the rows changed by it; push first (it adds the column)"),
            ));
        }
        tables.push(table(name, cols));
    }
    let mark: Option<i64> = store.read(|c| {
        Ok(c.query_row(
            "SELECT remote_mark_us FROM sync_pg_pulls WHERE target = ?1",
            [&target],
            |r| r.get(0),
        )
        .optional()?)
    })?;
    let (now_us, remote) = read_remote(&mut client, &target, &tables, mark)?;
    let read: u64 = remote.iter().map(|r| r.len() as u64).sum();
    if !progress(&Progress {
        stage: "pull".into(),
        done: read,
        total: read,
    }) {
        return Err(Error::Cancelled);
    }
    // A record made there carries the server's time: when the server's clock
    // is ahead of this machine's, the pull writes at the server's time, so
    // nothing here is written before its own creation.
    let server_now = chrono::DateTime::from_timestamp_micros(now_us).unwrap_or_default();
    let now = store.now().max(server_now);
    store.with_writer(|conn| {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let tx = Tx::wrap(tx, now);
        let mut report = PullReport {
            target: target.clone(),
            dry_run,
            read,
            created: 0,
            updated: 0,
            unchanged: 0,
            conflicts: Vec::new(),
            bad_rows: Vec::new(),
        };
        for (t, rows) in tables.iter().zip(&remote) {
            settle(&tx, &target, t, rows, &mut report)?;
        }
        tx.execute(
            "INSERT INTO sync_pg_pulls (target, remote_mark_us, row_count, pulled_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (target) DO UPDATE SET remote_mark_us = excluded.remote_mark_us, row_count = excluded.row_count, pulled_at = excluded.pulled_at",
            params![target, now_us, read as i64, tx.now_text()],
        )?;
        if !dry_run {
            tx.commit()?;
        }
        Ok(report)
    })
}

/// Compare the rows of one table with this database and take what the rules say.
fn settle(tx: &Tx, target: &str, t: &Table, rows: &[Remote], report: &mut PullReport) -> Result<()> {
    let entity = match t.import {
        ImportTable::Applications => Entity::Application,
        ImportTable::Partners => Entity::Partner,
        ImportTable::Leads => Entity::Lead,
    };
    // Records to take: (row, whether new), then the base of each row settled.
    let mut take: Vec<(&Remote, bool)> = Vec::new();
    let mut settled: Vec<(&Remote, Option<i64>)> = Vec::new();
    for r in rows {
        let base: Option<(i64, i64)> = tx
            .prepare_cached(
                "SELECT local_updated_us, remote_updated_us FROM sync_pg_base WHERE target = ?1 AND table_name = ?2 AND record_id = ?3",
            )?
            .query_row(params![target, t.name, r.id], |x| Ok((x.get(0)?, x.get(1)?)))
            .optional()?;
        let Some((here, local_text)) = local(tx, t, &r.id)? else {
            take.push((r, true));
            continue;
        };
        let local_us = micros(&local_text).unwrap_or(0);
        let (remote_changed, local_changed) = match base {
            Some((lb, rb)) => (r.updated_us != rb, local_us != lb),
            None => {
                let differ = !same(&here, &r.fields);
                (differ, differ)
            }
        };
        let differ = remote_changed && !same(&here, &r.fields);
        if !differ {
            report.unchanged += 1;
            let local_base = if local_changed {
                base.map(|b| b.0)
            } else {
                Some(local_us)
            };
            settled.push((r, local_base));
            continue;
        }
        if !local_changed {
            take.push((r, false));
            continue;
        }
        let remote_wins = r.updated_us > local_us;
        let conflict = Conflict {
            id: crate::model::uuid_v7_at(tx.now()).hyphenated().to_string(),
            target: target.to_owned(),
            table: t.name.to_owned(),
            record_id: r.id.clone(),
            winner: if remote_wins { "remote" } else { "local" }.to_owned(),
            local_image: Value::Object(here).to_string(),
            remote_image: Value::Object(r.fields.clone()).to_string(),
            local_updated_at: local_text,
            remote_updated_at: r.updated_text.clone(),
            detected_at: tx.now_text().to_owned(),
        };
        log_conflict(tx, entity, &conflict)?;
        report.conflicts.push(conflict);
        if remote_wins {
            take.push((r, false));
        } else {
            // Seen and outvoted: the next push writes the desktop's side over it.
            settled.push((r, base.map(|b| b.0)));
        }
    }
    let records: Vec<Map<String, Value>> = take
        .iter()
        .map(|(r, new)| {
            let mut m = r.fields.clone();
            if !new {
                for f in t.own {
                    m.remove(*f);
                }
            }
            m
        })
        .collect();
    let (taken, bad) = import::import_records(tx, t.import, &records, "pull")?;
    report.created += taken.created;
    report.updated += taken.updated;
    let mut refused = vec![false; take.len()];
    for (i, b) in bad {
        refused[i] = true;
        report.bad_rows.push(PullBadRow {
            table: t.name.to_owned(),
            id: take[i].0.id.clone(),
            field: b.field,
            reason: b.reason,
        });
    }
    for ((r, _), refused) in take.iter().zip(refused) {
        if !refused {
            // The record as written here now.
            let now_here = local(tx, t, &r.id)?.and_then(|(_, u)| micros(&u));
            settled.push((r, now_here));
        }
    }
    let mut put = tx.prepare_cached(
        "INSERT INTO sync_pg_base (target, table_name, record_id, local_updated_us, remote_updated_us) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (target, table_name, record_id) DO UPDATE SET local_updated_us = excluded.local_updated_us, remote_updated_us = excluded.remote_updated_us",
    )?;
    for (r, local_us) in settled {
        // Without a base here yet (a conflict the desktop won on a record
        // never synced), 0 marks the desktop's side as changed.
        put.execute(params![target, t.name, r.id, local_us.unwrap_or(0), r.updated_us])?;
    }
    Ok(())
}

/// Keep the outvoted side of a conflict: the conflict log and the audit log.
fn log_conflict(tx: &Tx, entity: Entity, c: &Conflict) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_conflicts (id, target, table_name, record_id, winner, local_image, remote_image, local_updated_at, remote_updated_at, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            c.id,
            c.target,
            c.table,
            c.record_id,
            c.winner,
            c.local_image,
            c.remote_image,
            c.local_updated_at,
            c.remote_updated_at,
            c.detected_at
        ],
    )?;
    let image = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
    repo::audit::record(
        tx,
        entity,
        &c.record_id,
        "sync_conflict",
        Some(
            &serde_json::json!({ "side": "local", "winner": c.winner, "target": c.target, "record": image(&c.local_image) }),
        ),
        Some(
            &serde_json::json!({ "side": "remote", "winner": c.winner, "target": c.target, "record": image(&c.remote_image) }),
        ),
    )
}

/// The conflict log, newest first.
pub fn conflicts(conn: &rusqlite::Connection, limit: u32) -> Result<Vec<Conflict>> {
    let mut stmt = conn.prepare(
        "SELECT id, target, table_name, record_id, winner, local_image, remote_image, local_updated_at, remote_updated_at, detected_at
         FROM sync_conflicts ORDER BY detected_at DESC, id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(Conflict {
            id: r.get(0)?,
            target: r.get(1)?,
            table: r.get(2)?,
            record_id: r.get(3)?,
            winner: r.get(4)?,
            local_image: r.get(5)?,
            remote_image: r.get(6)?,
            local_updated_at: r.get(7)?,
            remote_updated_at: r.get(8)?,
            detected_at: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
