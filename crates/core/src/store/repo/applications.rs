use crate::error::{Error, Result};
use crate::model::{Application, ApplicationId, ApplicationStatus};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLS: &str = "id, name, email, phone, company, network_description, expected_referrals, experience_level, status, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Application> {
    Ok(Application {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        phone: r.get(3)?,
        company: r.get(4)?,
        network_description: r.get(5)?,
        expected_referrals: r.get(6)?,
        experience_level: r.get(7)?,
        status: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

pub fn insert(conn: &Connection, a: &Application) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO partner_applications ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))?
    .execute(params![
        a.id,
        a.name,
        a.email,
        a.phone,
        a.company,
        a.network_description,
        a.expected_referrals,
        a.experience_level,
        a.status,
        a.created_at,
        a.updated_at
    ])?;
    Ok(())
}

/// Write the applicant's fields of `a` (all but status and dates).
pub fn update_details(conn: &Connection, a: &Application, now: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE partner_applications SET name = ?2, email = ?3, phone = ?4, company = ?5, network_description = ?6,
                expected_referrals = ?7, experience_level = ?8, updated_at = ?9 WHERE id = ?1",
    )?
    .execute(params![
        a.id,
        a.name,
        a.email,
        a.phone,
        a.company,
        a.network_description,
        a.expected_referrals,
        a.experience_level,
        now
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, id: ApplicationId) -> Result<Application> {
    conn.prepare_cached(&format!("SELECT {COLS} FROM partner_applications WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("application", id.to_string()))
}

pub fn set_status(conn: &Connection, id: ApplicationId, status: ApplicationStatus, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE partner_applications SET status = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, status, now])?;
    Ok(())
}

pub fn list(
    conn: &Connection,
    status: Option<ApplicationStatus>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Application>, i64)> {
    let (filter, arg) = match status {
        Some(s) => ("WHERE status = ?1", Some(s)),
        None => ("WHERE ?1 IS NULL", None),
    };
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM partner_applications {filter}"),
        params![arg],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM partner_applications {filter} ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let items = stmt
        .query_map(params![arg, limit, offset], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok((items, total))
}

pub fn count_by_status(conn: &Connection, status: ApplicationStatus) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM partner_applications WHERE status = ?1",
        [status],
        |r| r.get(0),
    )?)
}
