//! SQL lives here: one module per table, plain functions over a connection.

pub mod applications;
pub mod audit;
pub mod audit_chain;
pub mod automation;
pub mod commissions;
pub mod erase;
pub mod leads;
pub mod partners;
pub mod payouts;
pub mod plans;
pub mod rules;
pub mod settings;

use crate::error::{Error, Result};
use crate::model::{Entity, IdType};
use rusqlite::{Connection, OptionalExtension};

/// The shortest id prefix accepted.
pub const MIN_PREFIX: usize = 8;

/// Resolve an id typed by a user (a full UUID or a unique prefix of at least
/// 8 characters) to the full id of a row of `entity`.
pub fn resolve_id(conn: &Connection, entity: Entity, text: &str) -> Result<String> {
    let table = entity
        .table()
        .ok_or_else(|| Error::validation("entity", format!("{entity} has no ids")))?;
    let t = text.trim().to_ascii_lowercase();
    if let Ok(u) = uuid::Uuid::parse_str(&t) {
        let id = u.hyphenated().to_string();
        let found: Option<String> = conn
            .query_row(&format!("SELECT id FROM {table} WHERE id = ?1"), [&id], |r| r.get(0))
            .optional()?;
        return found.ok_or_else(|| Error::not_found(entity_label(entity), id));
    }
    if t.len() < MIN_PREFIX || t.len() >= 36 || !t.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(Error::validation(
            "id",
            format!("{text:?} is not a valid id: give the full id or at least its first {MIN_PREFIX} characters"),
        ));
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id FROM {table} WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT 2"
    ))?;
    let hits: Vec<String> = stmt.query_map([&t], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    match hits.len() {
        0 => Err(Error::not_found(entity_label(entity), text.trim())),
        1 => Ok(hits.into_iter().next().unwrap_or_default()),
        _ => Err(Error::validation(
            "id",
            format!(
                "the prefix {text:?} matches more than one {}; give more characters",
                entity_label(entity)
            ),
        )),
    }
}

/// [`resolve_id`] typed: the id newtype of the record the text names.
pub fn resolve<I: IdType>(conn: &Connection, text: &str) -> Result<I> {
    let full = resolve_id(conn, I::ENTITY, text)?;
    let u = uuid::Uuid::parse_str(&full).map_err(|e| Error::validation("id", e.to_string()))?;
    Ok(I::from_uuid(u))
}

pub fn entity_label(e: Entity) -> &'static str {
    match e {
        Entity::Application => "application",
        Entity::Partner => "partner",
        Entity::Lead => "lead",
        Entity::Commission => "commission",
        Entity::Payout => "payout",
        Entity::Plan => "app plan",
        Entity::Setting => "setting",
        Entity::Database => "database",
        Entity::Task => "task",
        Entity::Outbox => "message",
        Entity::Automation => "rule firing",
    }
}

/// One page of an ordered list of `total` rows. `fetch(reversed, limit,
/// offset)` reads rows in the list's order, or in the reverse order when
/// `reversed`. A page in the far half is read from the other end (an index is
/// walked up to the page either way, so the Last page costs what the First
/// does) and turned back.
pub fn page<T>(
    total: i64,
    limit: i64,
    offset: i64,
    fetch: impl FnOnce(bool, i64, i64) -> Result<Vec<T>>,
) -> Result<Vec<T>> {
    if offset >= total || total - offset >= offset + limit {
        return fetch(false, limit, offset);
    }
    let end = (offset + limit).min(total);
    let mut rows = fetch(true, end - offset, total - end)?;
    rows.reverse();
    Ok(rows)
}

/// `WHERE a AND b ...` of `terms`; nothing when there are none.
pub fn where_clause(terms: &[&str]) -> String {
    if terms.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", terms.join(" AND "))
    }
}

/// A column list (`"id, name"`) with every column qualified by `alias`.
pub fn qualified(cols: &str, alias: &str) -> String {
    cols.split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Clamp list paging to sane values.
pub fn paging(limit: Option<i64>, offset: Option<i64>) -> Result<(i64, i64)> {
    let limit = limit.unwrap_or(100);
    let offset = offset.unwrap_or(0);
    if !(1..=10_000).contains(&limit) {
        return Err(Error::validation("limit", "must be between 1 and 10000"));
    }
    if offset < 0 {
        return Err(Error::validation("offset", "must not be negative"));
    }
    Ok((limit, offset))
}
