use crate::error::{Error, Result};
use crate::model::{Partner, PartnerFilter, PartnerId, PartnerSort, PartnerStatus, Tier};
use crate::store::search::{self, Index, Query};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLS: &str = "id, application_id, name, email, phone, company, status, tier, total_deals, total_earnings, created_at, updated_at, group_id";

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
        group_id: r.get(12)?,
    })
}

pub fn insert(conn: &Connection, p: &Partner) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO partners ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
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
        p.updated_at,
        p.group_id
    ])?;
    Ok(())
}

/// Write the contact fields of `p` (name, e-mail, phone, company).
pub fn update_contact(conn: &Connection, p: &Partner, now: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE partners SET name = ?2, email = ?3, phone = ?4, company = ?5, updated_at = ?6 WHERE id = ?1",
    )?
    .execute(params![p.id, p.name, p.email, p.phone, p.company, now])?;
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
            "SELECT COALESCE(SUM(CASE kind WHEN 'clawback' THEN -1 WHEN 'commission' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(commission_amount), 0),
                    COALESCE(SUM(CASE kind WHEN 'clawback' THEN -project_value WHEN 'commission' THEN project_value ELSE 0 END), 0)
             FROM commissions WHERE partner_id = ?1 AND status <> 'cancelled'",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
}

pub fn set_totals(conn: &Connection, id: PartnerId, deals: i64, earnings: i64, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE partners SET total_deals = ?2, total_earnings = ?3, updated_at = ?4 WHERE id = ?1")?
        .execute(params![id, deals, earnings, now])?;
    Ok(())
}

/// One page of partners in the chosen order and the total; a search text
/// goes through the search index ([`search`]), the other filters and every
/// sort order through the partner indexes.
pub fn list(conn: &Connection, f: &PartnerFilter, limit: i64, offset: i64) -> Result<(Vec<Partner>, i64)> {
    let search = match f.search.as_deref().filter(|t| search::has_words(t)) {
        Some(text) => match search::query(conn, Index::Partners, text).map_err(search::explain)? {
            Query::Nothing => return Ok((Vec::new(), 0)),
            Query::Any => None,
            Query::Match(m) => Some(m),
        },
        None => None,
    };
    let mut wh: Vec<&str> = Vec::new();
    let mut args: Vec<&dyn rusqlite::ToSql> = Vec::new();
    if let Some(m) = &search {
        wh.push("s.partner_search MATCH ?");
        args.push(m);
    }
    if let Some(t) = &f.tier {
        wh.push("p.tier = ?");
        args.push(t);
    }
    if let Some(st) = &f.status {
        wh.push("p.status = ?");
        args.push(st);
    }
    if let Some(g) = &f.group_id {
        wh.push("p.group_id = ?");
        args.push(g);
    }
    let where_sql = super::where_clause(&wh);
    let from = if search.is_some() {
        "partner_search s JOIN partners p ON p.rowid = s.rowid"
    } else {
        "partners p"
    };
    let total: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM {from} {where_sql}"),
            args.as_slice(),
            |r| r.get(0),
        )
        .map_err(|e| search::explain(e.into()))?;
    let col = match f.sort.unwrap_or(PartnerSort::Name) {
        PartnerSort::Name => "p.name COLLATE NOCASE",
        PartnerSort::Email => "p.email",
        PartnerSort::Company => "p.company COLLATE NOCASE",
        PartnerSort::Tier => "CASE p.tier WHEN 'bronze' THEN 0 WHEN 'silver' THEN 1 WHEN 'gold' THEN 2 ELSE 3 END",
        PartnerSort::Status => "p.status",
        PartnerSort::Deals => "p.total_deals",
        PartnerSort::Earnings => "p.total_earnings",
        PartnerSort::Created => "p.created_at",
        PartnerSort::Group => "(SELECT g.name FROM partner_groups g WHERE g.id = p.group_id) COLLATE NOCASE",
    };
    let cols = super::qualified(COLS, "p");
    let items = super::page(total, limit, offset, |reversed, limit, offset| {
        let dir = if f.desc != reversed { "DESC" } else { "ASC" };
        let args: Vec<&dyn rusqlite::ToSql> = args.iter().copied().chain([&limit as _, &offset as _]).collect();
        conn.prepare_cached(&format!(
            "SELECT {cols} FROM {from} {where_sql} ORDER BY {col} {dir}, p.id {dir} LIMIT ? OFFSET ?"
        ))?
        .query_map(args.as_slice(), from_row)
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| search::explain(e.into()))
    })?;
    Ok((items, total))
}
