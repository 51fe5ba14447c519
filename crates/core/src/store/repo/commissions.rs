use crate::error::{Error, Result};
use crate::model::{
    Commission, CommissionFilter, CommissionId, CommissionStatus, LeadId, PartnerId, PayoutId, RuleTrace,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLS: &str = "id, partner_id, client_lead_id, kind, commission_amount, commission_rate, project_value, status, payout_id, paid_at, created_at, updated_at, rule_kind, rule_version, rule_tier, reason, accrual_month";

fn from_row(r: &Row) -> rusqlite::Result<Commission> {
    Ok(Commission {
        id: r.get(0)?,
        partner_id: r.get(1)?,
        client_lead_id: r.get(2)?,
        kind: r.get(3)?,
        commission_amount: r.get(4)?,
        commission_rate: r.get(5)?,
        project_value: r.get(6)?,
        status: r.get(7)?,
        payout_id: r.get(8)?,
        paid_at: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        rule: RuleTrace {
            kind: r.get(12)?,
            version: r.get(13)?,
            tier: r.get(14)?,
        },
        reason: r.get(15)?,
        accrual_month: r.get(16)?,
    })
}

pub fn insert(conn: &Connection, c: &Commission) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO commissions ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
    ))?
    .execute(params![
        c.id,
        c.partner_id,
        c.client_lead_id,
        c.kind,
        c.commission_amount,
        c.commission_rate,
        c.project_value,
        c.status,
        c.payout_id,
        c.paid_at,
        c.created_at,
        c.updated_at,
        c.rule.kind,
        c.rule.version,
        c.rule.tier,
        c.reason,
        c.accrual_month
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, id: CommissionId) -> Result<Commission> {
    conn.prepare_cached(&format!("SELECT {COLS} FROM commissions WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("commission", id.to_string()))
}

/// All commissions of a lead, oldest first.
pub fn for_lead(conn: &Connection, lead: LeadId) -> Result<Vec<Commission>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM commissions WHERE client_lead_id = ?1 ORDER BY created_at, id"
    ))?;
    let rows = stmt.query_map([lead], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn approved_of_partner(conn: &Connection, partner: PartnerId) -> Result<Vec<Commission>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM commissions WHERE partner_id = ?1 AND status = 'approved' ORDER BY created_at, id"
    ))?;
    let rows = stmt.query_map([partner], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_status(conn: &Connection, id: CommissionId, status: CommissionStatus, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE commissions SET status = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, status, now])?;
    Ok(())
}

pub fn mark_paid(conn: &Connection, id: CommissionId, payout: PayoutId, now: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE commissions SET status = 'paid', payout_id = ?2, paid_at = ?3, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, payout, now])?;
    Ok(())
}

pub fn insert_payout(conn: &Connection, id: PayoutId, total: i64, count: i64, currency: &str, now: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO payouts (id, total_amount, commission_count, currency, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, total, count, currency, now])?;
    Ok(())
}

pub fn list(conn: &Connection, f: &CommissionFilter, limit: i64, offset: i64) -> Result<(Vec<Commission>, i64)> {
    let mut wh = vec!["1=1"];
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some(s) = f.status {
        wh.push("status = ?");
        args.push(Box::new(s));
    }
    if let Some(p) = f.partner_id {
        wh.push("partner_id = ?");
        args.push(Box::new(p));
    }
    let where_sql = wh.join(" AND ");
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM commissions WHERE {where_sql}"),
        rusqlite::params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    args.push(Box::new(limit));
    args.push(Box::new(offset));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM commissions WHERE {where_sql} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
    ))?;
    let items = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok((items, total))
}

/// A pending commission's new amount, rate and rule (a re-rate).
pub fn rerate(conn: &Connection, c: &Commission, now: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE commissions SET commission_amount = ?2, commission_rate = ?3, rule_kind = ?4, rule_version = ?5,
                rule_tier = ?6, updated_at = ?7 WHERE id = ?1 AND status = 'pending'",
    )?
    .execute(params![
        c.id,
        c.commission_amount,
        c.commission_rate,
        c.rule.kind,
        c.rule.version,
        c.rule.tier,
        now
    ])?;
    Ok(())
}

/// Pending won-deal commissions and retainer accruals made on or after
/// `day`, of the partners of `group` or of `partner` (all when both are None), oldest first.
pub fn pending_from(
    conn: &Connection,
    day: &str,
    group: Option<crate::model::GroupId>,
    partner: Option<PartnerId>,
) -> Result<Vec<Commission>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM commissions c JOIN partners p ON p.id = c.partner_id
          WHERE c.status = 'pending' AND (c.kind = 'commission' OR c.kind = 'accrual') AND c.created_at >= ?1
            AND (?2 IS NULL OR p.group_id = ?2) AND (?3 IS NULL OR c.partner_id = ?3)
          ORDER BY c.created_at, c.id",
        super::qualified(COLS, "c")
    ))?;
    let rows = stmt.query_map(params![day, group, partner], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
