use crate::error::{Error, Result};
use crate::model::{Lead, LeadFilter, LeadId, LeadMove, LeadStatus};
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

pub fn list(conn: &Connection, f: &LeadFilter, limit: i64, offset: i64) -> Result<(Vec<Lead>, i64)> {
    let mut wh = vec!["1=1".to_owned()];
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some(p) = f.partner_id {
        wh.push("partner_id = ?".into());
        args.push(Box::new(p));
    }
    if let Some(s) = f.status {
        wh.push("status = ?".into());
        args.push(Box::new(s));
    }
    if let Some(q) = f.search.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        wh.push(
            "(client_name LIKE ? ESCAPE '\\' OR client_email LIKE ? ESCAPE '\\' OR business_name LIKE ? ESCAPE '\\')"
                .into(),
        );
        let p = super::like_pattern(q);
        args.push(Box::new(p.clone()));
        args.push(Box::new(p.clone()));
        args.push(Box::new(p));
    }
    let where_sql = wh.join(" AND ");
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM client_leads WHERE {where_sql}"),
        rusqlite::params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    args.push(Box::new(limit));
    args.push(Box::new(offset));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM client_leads WHERE {where_sql} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
    ))?;
    let items = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok((items, total))
}
