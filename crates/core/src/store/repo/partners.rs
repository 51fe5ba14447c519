use crate::error::{Error, Result};
use crate::model::{Partner, PartnerFilter, PartnerId, PartnerSort, PartnerStatus, Tier};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLS: &str = "id, application_id, name, email, phone, company, status, tier, total_deals, total_earnings, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Partner> {
    Ok(Partner {
        id: r.get(0)?,
        application_id: r.get(1)?,
        name: r.get(2)?,
        email: r.get(3)?,
        phone: r.get(4)?,
        company: r.get(5)?,
        status: r.get(6)?,
        tier: r.get(7)?,
        total_deals: r.get(8)?,
        total_earnings: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

pub fn insert(conn: &Connection, p: &Partner) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO partners ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        p.id,
        p.application_id,
        p.name,
        p.email,
        p.phone,
        p.company,
        p.status,
        p.tier,
        p.total_deals,
        p.total_earnings,
        p.created_at,
        p.updated_at
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, id: PartnerId) -> Result<Partner> {
    conn.prepare_cached(&format!("SELECT {COLS} FROM partners WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("partner", id.to_string()))
}

pub fn find_by_email(conn: &Connection, email: &str) -> Result<Option<Partner>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLS} FROM partners WHERE email = ?1"))?
        .query_row([email], from_row)
        .optional()?)
}

pub fn set_status(conn: &Connection, id: PartnerId, status: PartnerStatus, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE partners SET status = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, status, now])?;
    Ok(())
}

pub fn set_tier(conn: &Connection, id: PartnerId, tier: Tier, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE partners SET tier = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, tier, now])?;
    Ok(())
}

/// What the commissions of a partner say: (deals, earnings in cents, won revenue in cents).
/// Deals and revenue count standing won deals (commissions minus clawbacks);
/// earnings are the sum of all commissions that are not cancelled.
pub fn totals_from_commissions(conn: &Connection, id: PartnerId) -> Result<(i64, i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(SUM(CASE kind WHEN 'clawback' THEN -1 ELSE 1 END), 0),
                    COALESCE(SUM(commission_amount), 0),
                    COALESCE(SUM(CASE kind WHEN 'clawback' THEN -project_value ELSE project_value END), 0)
             FROM commissions WHERE partner_id = ?1 AND status <> 'cancelled'",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
}

pub fn set_totals(conn: &Connection, id: PartnerId, deals: i64, earnings: i64, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE partners SET total_deals = ?2, total_earnings = ?3, updated_at = ?4 WHERE id = ?1")?
        .execute(params![id, deals, earnings, now])?;
    Ok(())
}

pub fn list(conn: &Connection, f: &PartnerFilter, limit: i64, offset: i64) -> Result<(Vec<Partner>, i64)> {
    let mut wh = vec!["1=1".to_owned()];
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some(t) = f.tier {
        wh.push("tier = ?".into());
        args.push(Box::new(t));
    }
    if let Some(s) = f.status {
        wh.push("status = ?".into());
        args.push(Box::new(s));
    }
    if let Some(q) = f.search.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        wh.push(
            "(name LIKE ?1q ESCAPE '\\' OR email LIKE ?1q ESCAPE '\\' OR company LIKE ?1q ESCAPE '\\')"
                .replace("?1q", "?"),
        );
        let p = super::like_pattern(q);
        args.push(Box::new(p.clone()));
        args.push(Box::new(p.clone()));
        args.push(Box::new(p));
    }
    let where_sql = wh.join(" AND ");
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM partners WHERE {where_sql}"),
        rusqlite::params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let col = match f.sort.unwrap_or(PartnerSort::Name) {
        PartnerSort::Name => "name COLLATE NOCASE",
        PartnerSort::Email => "email",
        PartnerSort::Company => "company COLLATE NOCASE",
        PartnerSort::Tier => "CASE tier WHEN 'bronze' THEN 0 WHEN 'silver' THEN 1 WHEN 'gold' THEN 2 ELSE 3 END",
        PartnerSort::Status => "status",
        PartnerSort::Deals => "total_deals",
        PartnerSort::Earnings => "total_earnings",
        PartnerSort::Created => "created_at",
    };
    let dir = if f.desc { "DESC" } else { "ASC" };
    args.push(Box::new(limit));
    args.push(Box::new(offset));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM partners WHERE {where_sql} ORDER BY {col} {dir}, id {dir} LIMIT ? OFFSET ?"
    ))?;
    let items = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok((items, total))
}
