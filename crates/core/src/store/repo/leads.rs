use crate::error::{Error, Result};
use crate::model::{Lead, LeadFilter, LeadId, LeadMove, LeadStatus};
use crate::store::search::{self, Index, Query};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLS: &str = "id, partner_id, client_name, client_email, client_phone, business_name, project_description, estimated_value, status, possible_duplicate_of, closed_at, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Lead> {
    Ok(Lead {
        id: r.get(0)?,
        partner_id: r.get(1)?,
        client_name: r.get(2)?,
        client_email: r.get(3)?,
        client_phone: r.get(4)?,
        business_name: r.get(5)?,
        project_description: r.get(6)?,
        estimated_value: r.get(7)?,
        status: r.get(8)?,
        possible_duplicate_of: r.get(9)?,
        closed_at: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

pub fn insert(conn: &Connection, l: &Lead) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO client_leads ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))?
    .execute(params![
        l.id,
        l.partner_id,
        l.client_name,
        l.client_email,
        l.client_phone,
        l.business_name,
        l.project_description,
        l.estimated_value,
        l.status,
        l.possible_duplicate_of,
        l.closed_at,
        l.created_at,
        l.updated_at
    ])?;
    Ok(())
}

/// Write the client fields and the estimated value of `l`.
pub fn update_details(conn: &Connection, l: &Lead, now: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE client_leads SET client_name = ?2, client_email = ?3, client_phone = ?4, business_name = ?5,
                project_description = ?6, estimated_value = ?7, updated_at = ?8 WHERE id = ?1",
    )?
    .execute(params![
        l.id,
        l.client_name,
        l.client_email,
        l.client_phone,
        l.business_name,
        l.project_description,
        l.estimated_value,
        now
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, id: LeadId) -> Result<Lead> {
    conn.prepare_cached(&format!("SELECT {COLS} FROM client_leads WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("lead", id.to_string()))
}

pub fn set_status(conn: &Connection, id: LeadId, status: LeadStatus, closed_at: Option<&str>, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE client_leads SET status = ?2, closed_at = ?3, updated_at = ?4 WHERE id = ?1")?
        .execute(params![id, status, closed_at, now])?;
    Ok(())
}

/// The oldest other lead with the same client e-mail or business name.
pub fn find_duplicate(conn: &Connection, client_email: &str, business_name: Option<&str>) -> Result<Option<LeadId>> {
    let by_email: Option<LeadId> = conn
        .prepare_cached("SELECT id FROM client_leads WHERE client_email = ?1 ORDER BY created_at LIMIT 1")?
        .query_row([client_email], |r| r.get(0))
        .optional()?;
    if by_email.is_some() {
        return Ok(by_email);
    }
    match business_name.map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => Ok(conn
            .prepare_cached(
                "SELECT id FROM client_leads WHERE business_name IS NOT NULL AND business_name = ?1 COLLATE NOCASE ORDER BY created_at LIMIT 1",
            )?
            .query_row([b], |r| r.get(0))
            .optional()?),
        None => Ok(None),
    }
}

pub fn insert_move(conn: &Connection, m: &LeadMove) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO lead_status_history (lead_id, from_status, to_status, reopen, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![m.lead_id, m.from_status, m.to_status, m.reopen, m.at])?;
    Ok(())
}

pub fn history(conn: &Connection, id: LeadId) -> Result<Vec<LeadMove>> {
    let mut stmt = conn.prepare_cached(
        "SELECT lead_id, from_status, to_status, at, reopen FROM lead_status_history WHERE lead_id = ?1 ORDER BY at, id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(LeadMove {
            lead_id: r.get(0)?,
            from_status: r.get(1)?,
            to_status: r.get(2)?,
            at: r.get(3)?,
            reopen: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One page of leads and the total. The order follows the filter, each
/// served by an index so that a page costs its rows, not the table:
/// - a search text: newest first by insertion (the search index's order);
/// - a status: most recently updated first (what moved there last);
/// - otherwise: newest first by creation.
///
/// Totals come from `lead_status_counts` (all leads, or one status), from
/// the partner index, or from the search index.
pub fn list(conn: &Connection, f: &LeadFilter, limit: i64, offset: i64) -> Result<(Vec<Lead>, i64)> {
    let query = match f.search.as_deref().filter(|t| search::has_words(t)) {
        Some(text) => search::query(conn, Index::Leads, text).map_err(search::explain)?,
        None => Query::Any,
    };
    let cols = super::qualified(COLS, "l");
    match query {
        Query::Nothing => Ok((Vec::new(), 0)),
        Query::Match(m) => {
            // Status and partner are words of the index: one FTS query.
            let m = search::with_lead_filters(&m, f.status, f.partner_id);
            let total: i64 = conn
                .query_row(
                    "SELECT count(*) FROM lead_search WHERE lead_search MATCH ?1",
                    [&m],
                    |r| r.get(0),
                )
                .map_err(|e| search::explain(e.into()))?;
            let items = super::page(total, limit, offset, |reversed, limit, offset| {
                let order = if reversed { "ASC" } else { "DESC" };
                conn.prepare_cached(&format!(
                    "SELECT {cols} FROM lead_search s JOIN client_leads l ON l.rowid = s.rowid
                      WHERE s.lead_search MATCH ?1 ORDER BY s.rowid {order} LIMIT ?2 OFFSET ?3"
                ))?
                .query_map(params![m, limit, offset], from_row)
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| search::explain(e.into()))
            })?;
            Ok((items, total))
        }
        Query::Any => {
            let mut wh: Vec<&str> = Vec::new();
            let mut args: Vec<&dyn rusqlite::ToSql> = Vec::new();
            if let Some(p) = &f.partner_id {
                wh.push("l.partner_id = ?");
                args.push(p);
            }
            if let Some(st) = &f.status {
                wh.push("l.status = ?");
                args.push(st);
            }
            let where_sql = super::where_clause(&wh);
            let total: i64 = match (f.partner_id, f.status) {
                (None, None) => conn.query_row("SELECT coalesce(sum(leads), 0) FROM lead_status_counts", [], |r| {
                    r.get(0)
                })?,
                (None, Some(st)) => conn
                    .query_row("SELECT leads FROM lead_status_counts WHERE status = ?1", [st], |r| {
                        r.get(0)
                    })
                    .optional()?
                    .unwrap_or(0),
                _ => conn.query_row(
                    &format!("SELECT count(*) FROM client_leads l {where_sql}"),
                    args.as_slice(),
                    |r| r.get(0),
                )?,
            };
            let key = if f.status.is_some() {
                "l.updated_at"
            } else {
                "l.created_at"
            };
            let items = super::page(total, limit, offset, |reversed, limit, offset| {
                let dir = if reversed { "ASC" } else { "DESC" };
                let args: Vec<&dyn rusqlite::ToSql> = args.iter().copied().chain([&limit as _, &offset as _]).collect();
                Ok(conn
                    .prepare_cached(&format!(
                        "SELECT {cols} FROM client_leads l {where_sql} ORDER BY {key} {dir}, l.rowid {dir} LIMIT ? OFFSET ?"
                    ))?
                    .query_map(args.as_slice(), from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?)
            })?;
            Ok((items, total))
        }
    }
}
