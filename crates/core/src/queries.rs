//! Read-side operations: lists with paging and the detail views.

use crate::error::Result;
use crate::model::*;
use crate::store::repo::{self, paging};
use crate::workflow::settings::{self, Settings};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub fn applications(
    conn: &Connection,
    status: Option<ApplicationStatus>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<Page<Application>> {
    let (limit, offset) = paging(limit, offset)?;
    let (items, total) = repo::applications::list(conn, status, limit, offset)?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

pub fn partners(conn: &Connection, f: &PartnerFilter) -> Result<Page<Partner>> {
    let (limit, offset) = paging(f.limit, f.offset)?;
    let (items, total) = repo::partners::list(conn, f, limit, offset)?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

pub fn leads(conn: &Connection, f: &LeadFilter) -> Result<Page<Lead>> {
    let (limit, offset) = paging(f.limit, f.offset)?;
    let (items, total) = repo::leads::list(conn, f, limit, offset)?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

pub fn commissions(conn: &Connection, f: &CommissionFilter) -> Result<Page<Commission>> {
    let (limit, offset) = paging(f.limit, f.offset)?;
    let (items, total) = repo::commissions::list(conn, f, limit, offset)?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

pub fn plans(
    conn: &Connection,
    status: Option<PlanStatus>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<Page<AppPlan>> {
    let (limit, offset) = paging(limit, offset)?;
    let (items, total) = repo::plans::list(conn, status, limit, offset)?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

pub fn audit(
    conn: &Connection,
    entity: Option<Entity>,
    entity_id: Option<&str>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<Vec<AuditEntry>> {
    let (limit, offset) = paging(limit, offset)?;
    repo::audit::list(conn, entity, entity_id, limit, offset)
}

pub use crate::store::repo::audit_chain::{AuditBreak, AuditBreakKind, AuditVerification};

/// Walk the audit log's hash chain and name the first row changed, deleted
/// or inserted outside Partnerdesk (`partnerdesk audit verify`, the Audit
/// screen; `doctor` through [`crate::workflow::invariants::check`]).
pub fn audit_verify(conn: &Connection) -> Result<AuditVerification> {
    repo::audit_chain::verify(conn)
}

/// The settings, with the default tier table in force on `today` (YYYY-MM-DD).
pub fn settings(conn: &Connection, today: &str) -> Result<Settings> {
    settings::load_on(conn, today)
}

/// A partner with what the partner page shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartnerDetail {
    pub partner: Partner,
    /// Won project value that still stands, in cents.
    pub won_revenue: i64,
    /// Commissions by status, in cents.
    pub pending: i64,
    pub approved: i64,
    pub paid: i64,
    pub open_leads: i64,
    pub recent_leads: Vec<Lead>,
    pub recent_commissions: Vec<Commission>,
    /// Tier and status changes, newest first.
    pub history: Vec<AuditEntry>,
}

pub fn partner_detail(conn: &Connection, id: PartnerId) -> Result<PartnerDetail> {
    let partner = repo::partners::get(conn, id)?;
    let (_, _, won_revenue) = repo::partners::totals_from_commissions(conn, id)?;
    let sum = |status: &str| -> Result<i64> {
        Ok(conn.query_row(
            "SELECT COALESCE(SUM(commission_amount), 0) FROM commissions WHERE partner_id = ?1 AND status = ?2",
            rusqlite::params![id, status],
            |r| r.get(0),
        )?)
    };
    let open_leads: i64 = conn.query_row(
        "SELECT count(*) FROM client_leads WHERE partner_id = ?1 AND status NOT IN ('closed_won', 'closed_lost')",
        [id],
        |r| r.get(0),
    )?;
    let lf = LeadFilter {
        partner_id: Some(id),
        limit: Some(20),
        ..Default::default()
    };
    let cf = CommissionFilter {
        partner_id: Some(id),
        limit: Some(20),
        ..Default::default()
    };
    let history = repo::audit::list(conn, Some(Entity::Partner), Some(&id.to_string()), 200, 0)?
        .into_iter()
        .filter(|e| matches!(e.action.as_str(), "create" | "status" | "tier" | "promote"))
        .collect();
    Ok(PartnerDetail {
        won_revenue,
        pending: sum("pending")?,
        approved: sum("approved")?,
        paid: sum("paid")?,
        open_leads,
        recent_leads: repo::leads::list(conn, &lf, 20, 0)?.0,
        recent_commissions: repo::commissions::list(conn, &cf, 20, 0)?.0,
        history,
        partner,
    })
}

/// A lead with its pipeline history and commissions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LeadDetail {
    pub lead: Lead,
    pub partner_name: String,
    pub history: Vec<LeadMove>,
    pub commissions: Vec<Commission>,
}

pub fn lead_detail(conn: &Connection, id: LeadId) -> Result<LeadDetail> {
    let lead = repo::leads::get(conn, id)?;
    let partner = repo::partners::get(conn, lead.partner_id)?;
    Ok(LeadDetail {
        history: repo::leads::history(conn, id)?,
        commissions: repo::commissions::for_lead(conn, id)?,
        partner_name: partner.name,
        lead,
    })
}

/// Row counts of the main tables.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Counts {
    pub applications: i64,
    pub partners: i64,
    pub leads: i64,
    pub commissions: i64,
    pub payouts: i64,
    pub plans: i64,
    pub history: i64,
    pub audit: i64,
}

pub fn counts(conn: &Connection) -> Result<Counts> {
    let c = |t: &str| -> Result<i64> { Ok(conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?) };
    Ok(Counts {
        applications: c("partner_applications")?,
        partners: c("partners")?,
        leads: c("client_leads")?,
        commissions: c("commissions")?,
        payouts: c("payouts")?,
        plans: c("app_plans_partnership")?,
        history: c("lead_status_history")?,
        audit: c("audit_log")?,
    })
}

/// The record an id typed by the user names (the full id or a unique prefix).
pub fn resolve<I: IdType>(conn: &Connection, text: &str) -> Result<I> {
    repo::resolve::<I>(conn, text)
}

/// One lead as stored.
pub fn lead(conn: &Connection, id: LeadId) -> Result<Lead> {
    repo::leads::get(conn, id)
}

/// One app plan as stored.
pub fn plan(conn: &Connection, id: PlanId) -> Result<AppPlan> {
    repo::plans::get(conn, id)
}

/// The names of the given partners (each once), for display; a missing
/// partner is not found.
pub fn partner_name_map(conn: &Connection, ids: impl Iterator<Item = PartnerId>) -> Result<HashMap<PartnerId, String>> {
    let mut names = HashMap::new();
    for pid in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(pid) {
            e.insert(repo::partners::get(conn, pid)?.name);
        }
    }
    Ok(names)
}
