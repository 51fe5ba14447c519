//! The rule tables: partner_groups, rule_versions, retainers (and the
//! partner's group column).

use crate::error::{Error, Result};
use crate::model::{Group, GroupId, LeadId, PartnerId, Retainer, RuleSubject, RuleVersion, TierRule};
use rusqlite::{params, Connection, OptionalExtension, Row};

const GROUP_COLS: &str = "id, name, recurring_limit, milestone_deals, milestone_amount, created_at, updated_at";

fn group_row(r: &Row) -> rusqlite::Result<Group> {
    Ok(Group {
        id: r.get(0)?,
        name: r.get(1)?,
        recurring_limit: r.get(2)?,
        milestone_deals: r.get(3)?,
        milestone_amount: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

pub fn insert_group(conn: &Connection, g: &Group) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO partner_groups ({GROUP_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))?
    .execute(params![
        g.id,
        g.name,
        g.recurring_limit,
        g.milestone_deals,
        g.milestone_amount,
        g.created_at,
        g.updated_at
    ])?;
    Ok(())
}

pub fn update_group(conn: &Connection, g: &Group) -> Result<()> {
    conn.prepare_cached(
        "UPDATE partner_groups SET name = ?2, recurring_limit = ?3, milestone_deals = ?4, milestone_amount = ?5,
                updated_at = ?6 WHERE id = ?1",
    )?
    .execute(params![
        g.id,
        g.name,
        g.recurring_limit,
        g.milestone_deals,
        g.milestone_amount,
        g.updated_at
    ])?;
    Ok(())
}

pub fn group(conn: &Connection, id: GroupId) -> Result<Group> {
    conn.prepare_cached(&format!("SELECT {GROUP_COLS} FROM partner_groups WHERE id = ?1"))?
        .query_row([id], group_row)
        .optional()?
        .ok_or_else(|| Error::not_found("group", id.to_string()))
}

/// A group by its name (case-insensitive).
pub fn group_by_name(conn: &Connection, name: &str) -> Result<Option<Group>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {GROUP_COLS} FROM partner_groups WHERE name = ?1 COLLATE NOCASE"
        ))?
        .query_row([name.trim()], group_row)
        .optional()?)
}

/// Every group, by name.
pub fn groups(conn: &Connection) -> Result<Vec<Group>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {GROUP_COLS} FROM partner_groups ORDER BY name COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map([], group_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Partners in each group: (group id, count).
pub fn group_sizes(conn: &Connection) -> Result<Vec<(GroupId, i64)>> {
    let mut stmt = conn.prepare_cached("SELECT group_id, count(*) FROM partners GROUP BY group_id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_partner_group(conn: &Connection, partner: PartnerId, group: GroupId, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE partners SET group_id = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![partner, group, now])?;
    Ok(())
}

const VERSION_COLS: &str = "version, subject, group_id, partner_id, effective_from, scope, tiers, override_rate, override_flat, override_until, created_at, recurring_limit, milestone_deals, milestone_amount";

fn version_row(r: &Row) -> rusqlite::Result<RuleVersion> {
    let tiers: Option<String> = r.get(6)?;
    let tiers = tiers
        .map(|t| serde_json::from_str::<Vec<TierRule>>(&t))
        .transpose()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(RuleVersion {
        version: r.get(0)?,
        subject: r.get(1)?,
        group_id: r.get(2)?,
        partner_id: r.get(3)?,
        effective_from: r.get(4)?,
        scope: r.get(5)?,
        tiers,
        override_rate: r.get(7)?,
        override_flat: r.get(8)?,
        override_until: r.get(9)?,
        created_at: r.get(10)?,
        recurring_limit: r.get(11)?,
        milestone_deals: r.get(12)?,
        milestone_amount: r.get(13)?,
    })
}

/// The next version number.
pub fn next_version(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM rule_versions", [], |r| {
            r.get(0)
        })?,
    )
}

pub fn insert_version(conn: &Connection, v: &RuleVersion) -> Result<()> {
    let tiers = v
        .tiers
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| Error::validation("tiers", e.to_string()))?;
    conn.prepare_cached(&format!(
        "INSERT INTO rule_versions ({VERSION_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    ))?
    .execute(params![
        v.version,
        v.subject,
        v.group_id,
        v.partner_id,
        v.effective_from,
        v.scope,
        tiers,
        v.override_rate,
        v.override_flat,
        v.override_until,
        v.created_at,
        v.recurring_limit,
        v.milestone_deals,
        v.milestone_amount
    ])?;
    Ok(())
}

pub fn version(conn: &Connection, version: i64) -> Result<RuleVersion> {
    conn.prepare_cached(&format!("SELECT {VERSION_COLS} FROM rule_versions WHERE version = ?1"))?
        .query_row([version], version_row)
        .optional()?
        .ok_or_else(|| Error::not_found("rule version", version.to_string()))
}

/// The version of a rule in force on `day` (YYYY-MM-DD): the one with the
/// latest date on or before it (the later-made of one date).
pub fn in_force(
    conn: &Connection,
    subject: RuleSubject,
    group: Option<GroupId>,
    partner: Option<PartnerId>,
    day: &str,
) -> Result<Option<RuleVersion>> {
    let sql = match subject {
        RuleSubject::Default => "subject = 'default'",
        RuleSubject::Group => "subject = 'group' AND group_id = ?2",
        RuleSubject::Override => "subject = 'override' AND partner_id = ?3",
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {VERSION_COLS} FROM rule_versions WHERE {sql} AND effective_from <= ?1 AND ?2 IS ?2 AND ?3 IS ?3
              ORDER BY effective_from DESC, version DESC LIMIT 1"
        ))?
        .query_row(params![day, group, partner], version_row)
        .optional()?)
}

/// The versions of a subject (all subjects when `subject` is None), newest first.
pub fn versions(conn: &Connection, group: Option<GroupId>, partner: Option<PartnerId>) -> Result<Vec<RuleVersion>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VERSION_COLS} FROM rule_versions
          WHERE (?1 IS NULL OR group_id = ?1 OR subject = 'default') AND (?2 IS NULL OR partner_id = ?2)
          ORDER BY version DESC"
    ))?;
    let rows = stmt.query_map(params![group, partner], version_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every version, oldest first.
pub fn all_versions(conn: &Connection) -> Result<Vec<RuleVersion>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {VERSION_COLS} FROM rule_versions ORDER BY version"))?;
    let rows = stmt.query_map([], version_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A group's version with the latest date (the later-made of one date): the
/// settings its `partner_groups` row shows.
pub fn latest_group_version(conn: &Connection, group: GroupId) -> Result<Option<RuleVersion>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {VERSION_COLS} FROM rule_versions WHERE subject = 'group' AND group_id = ?1
              ORDER BY effective_from DESC, version DESC LIMIT 1"
        ))?
        .query_row([group], version_row)
        .optional()?)
}

/// The newest default version (the default table as last set).
pub fn latest_default(conn: &Connection) -> Result<Option<RuleVersion>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {VERSION_COLS} FROM rule_versions WHERE subject = 'default' ORDER BY version DESC LIMIT 1"
        ))?
        .query_row([], version_row)
        .optional()?)
}

const RETAINER_COLS: &str = "lead_id, partner_id, monthly_value, months, started_at, ended_at, created_at, updated_at";

fn retainer_row(r: &Row) -> rusqlite::Result<Retainer> {
    Ok(Retainer {
        lead_id: r.get(0)?,
        partner_id: r.get(1)?,
        monthly_value: r.get(2)?,
        months: r.get(3)?,
        started_at: r.get(4)?,
        ended_at: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

/// Start (or restart, after a reopen and a new win) a lead's retainer.
pub fn upsert_retainer(conn: &Connection, r: &Retainer) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO retainers ({RETAINER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (lead_id) DO UPDATE SET partner_id = excluded.partner_id, monthly_value = excluded.monthly_value,
             months = excluded.months, started_at = excluded.started_at, ended_at = excluded.ended_at,
             updated_at = excluded.updated_at"
    ))?
    .execute(params![
        r.lead_id,
        r.partner_id,
        r.monthly_value,
        r.months,
        r.started_at,
        r.ended_at,
        r.created_at,
        r.updated_at
    ])?;
    Ok(())
}

/// End a retainer at `at` (its months due after `at` do not accrue).
pub fn end_retainer(conn: &Connection, lead: LeadId, at: &str, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE retainers SET ended_at = ?2, updated_at = ?3 WHERE lead_id = ?1")?
        .execute(params![lead, at, now])?;
    Ok(())
}

pub fn retainer(conn: &Connection, lead: LeadId) -> Result<Option<Retainer>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {RETAINER_COLS} FROM retainers WHERE lead_id = ?1"))?
        .query_row([lead], retainer_row)
        .optional()?)
}

/// The retainers of deals that stand won (running, or ended by hand: the
/// months that fell due before the end still accrue).
pub fn won_retainers(conn: &Connection) -> Result<Vec<Retainer>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM retainers r JOIN client_leads l ON l.id = r.lead_id
          WHERE l.status = 'closed_won' ORDER BY r.started_at, r.lead_id",
        super::qualified(RETAINER_COLS, "r")
    ))?;
    let rows = stmt.query_map([], retainer_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The months (YYYY-MM) a lead has standing accruals for.
pub fn accrued_months(conn: &Connection, lead: LeadId) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT accrual_month FROM commissions WHERE client_lead_id = ?1 AND kind = 'accrual' AND status <> 'cancelled'
          ORDER BY accrual_month",
    )?;
    let rows = stmt.query_map([lead], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether a partner already has a milestone bonus for their Nth deal.
pub fn has_milestone(conn: &Connection, partner: PartnerId, reason: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM commissions WHERE partner_id = ?1 AND kind = 'bonus'
                AND rule_kind = 'milestone' AND reason = ?2 AND status <> 'cancelled')",
        )?
        .query_row(params![partner, reason], |r| r.get(0))?)
}
