use crate::error::Result;
use crate::model::{AuditEntry, Entity};
use crate::store::Tx;
use rusqlite::{params, Connection};
use serde::Serialize;

/// Write one audit row in the caller's transaction.
pub fn record<B: Serialize, A: Serialize>(
    tx: &Tx,
    entity: Entity,
    entity_id: &str,
    action: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    let before = before.map(serde_json::to_string).transpose().map_err(json_err)?;
    let after = after.map(serde_json::to_string).transpose().map_err(json_err)?;
    let (seq, hash) = super::audit_chain::Chain::head(tx)?.link(
        tx.now_text(),
        entity.as_str(),
        entity_id,
        action,
        before.as_deref(),
        after.as_deref(),
    );
    tx.prepare_cached(INSERT)?.execute(params![
        seq,
        tx.now_text(),
        entity,
        entity_id,
        action,
        before,
        after,
        hash
    ])?;
    Ok(())
}

/// The insert of one audit row, its `seq` and `hash` from an
/// [`audit_chain::Chain`](super::audit_chain::Chain) (the bulk writers use it too).
pub const INSERT: &str =
    "INSERT INTO audit_log (seq, at, entity, entity_id, action, before, after, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

fn json_err(e: serde_json::Error) -> crate::error::Error {
    crate::error::Error::validation("audit", e.to_string())
}

/// The leads of a large import have no audit row each: the import's
/// `database/import` row names their ids, `after.first_id` ..= `after.last_id`
/// (consecutive; the lead import, `exchange::import`, writes it).
pub const IMPORT_FIRST_ID: &str = "first_id";
pub const IMPORT_LAST_ID: &str = "last_id";

/// Newest first. `entity_id` may be a prefix. Asked for a lead, the list also
/// holds the import rows whose id range holds it.
pub fn list(
    conn: &Connection,
    entity: Option<Entity>,
    entity_id: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditEntry>> {
    let mut own: Vec<&str> = vec!["1=1"];
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some(e) = entity {
        own.push("entity = ?");
        args.push(Box::new(e));
    }
    let id = entity_id
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase);
    if let Some(id) = &id {
        own.push("entity_id >= ? AND entity_id < ? || 'g'");
        args.push(Box::new(id.clone()));
        args.push(Box::new(id.clone()));
    }
    let mut sql = format!(
        "SELECT seq, at, entity, entity_id, action, before, after FROM audit_log WHERE ({})",
        own.join(" AND ")
    );
    if let (Some(id), None | Some(Entity::Lead)) = (id, entity) {
        sql.push_str(&format!(
            " OR (entity = 'database' AND entity_id = 'import'
                  AND json_extract(after, '$.{IMPORT_FIRST_ID}') < ? || 'g' AND json_extract(after, '$.{IMPORT_LAST_ID}') >= ?)"
        ));
        args.push(Box::new(id.clone()));
        args.push(Box::new(id));
    }
    sql.push_str(" ORDER BY seq DESC LIMIT ? OFFSET ?");
    args.push(Box::new(limit));
    args.push(Box::new(offset));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
        let before: Option<String> = r.get(5)?;
        let after: Option<String> = r.get(6)?;
        Ok(AuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            entity: r.get(2)?,
            entity_id: r.get(3)?,
            action: r.get(4)?,
            before: before.and_then(|s| serde_json::from_str(&s).ok()),
            after: after.and_then(|s| serde_json::from_str(&s).ok()),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The id ranges (first, last) of the leads that large imports created in the
/// audit span (from, to] of sequence numbers (the sync change feed sends them).
pub fn imported_lead_ranges(conn: &Connection, from: i64, to: i64) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT json_extract(after, '$.{IMPORT_FIRST_ID}') AS first_id, json_extract(after, '$.{IMPORT_LAST_ID}') AS last_id
           FROM audit_log
          WHERE seq > ?1 AND seq <= ?2 AND entity = 'database' AND action = 'import'
            AND first_id IS NOT NULL AND last_id IS NOT NULL
          ORDER BY seq"
    ))?;
    let rows = stmt.query_map([from, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?)
}
