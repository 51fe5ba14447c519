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
    tx.prepare_cached(
        "INSERT INTO audit_log (at, entity, entity_id, action, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![tx.now_text(), entity, entity_id, action, before, after])?;
    Ok(())
}

fn json_err(e: serde_json::Error) -> crate::error::Error {
    crate::error::Error::validation("audit", e.to_string())
}

/// Newest first. `entity_id` may be a prefix. The leads of a large import
/// have no audit row each: asked for a lead, the list also holds the
/// `database/import` rows whose id range (`first_id` ..= `last_id`) holds it.
pub fn list(
    conn: &Connection,
    entity: Option<Entity>,
    entity_id: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditEntry>> {
    let mut sql = String::from("SELECT seq, at, entity, entity_id, action, before, after FROM audit_log WHERE (1=1");
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some(e) = entity {
        sql.push_str(" AND entity = ?");
        args.push(Box::new(e));
    }
    if let Some(id) = entity_id.map(str::trim).filter(|s| !s.is_empty()) {
        let id = id.to_ascii_lowercase();
        sql.push_str(" AND entity_id >= ? AND entity_id < ? || 'g')");
        args.push(Box::new(id.clone()));
        args.push(Box::new(id.clone()));
        if entity.is_none() || entity == Some(Entity::Lead) {
            sql.push_str(
                " OR (entity = 'database' AND entity_id = 'import'
                      AND json_extract(after, '$.first_id') < ? || 'g' AND json_extract(after, '$.last_id') >= ?)",
            );
            args.push(Box::new(id.clone()));
            args.push(Box::new(id));
        }
    } else {
        sql.push(')');
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

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?)
}
