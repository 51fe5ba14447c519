//! The dashboard: the KPI tiles and the "needs attention" lists of the
//! desktop app's first screen. Every query here is answered from an index, so
//! the screen stays fast on the reference data set (2M leads).

use crate::clock::fmt_time;
use crate::error::Result;
use crate::model::{ApplicationId, CommissionStatus, LeadId, LeadStatus, PartnerId, Tier};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

/// How long an open lead may go without a change before it needs attention.
pub const UNTOUCHED_DAYS: i64 = 14;
/// How many items each "needs attention" list shows (the counts are exact).
pub const LIST_LEN: i64 = 8;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TierCount {
    pub tier: Tier,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WaitingApplication {
    pub id: ApplicationId,
    pub name: String,
    pub company: Option<String>,
    pub status: crate::model::ApplicationStatus,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UntouchedLead {
    pub id: LeadId,
    pub client_name: String,
    pub partner_id: PartnerId,
    pub partner_name: String,
    pub status: LeadStatus,
    /// Cents.
    pub estimated_value: i64,
    pub updated_at: String,
}

/// A partner's approved commissions, waiting for a payout.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartnerToPay {
    pub partner_id: PartnerId,
    pub partner_name: String,
    /// Cents.
    pub amount: i64,
    pub commission_count: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dashboard {
    pub currency: String,
    /// The time the figures are for (the store's clock).
    pub as_of: String,
    /// Active partners per tier, bronze to platinum (every tier present).
    pub active_by_tier: Vec<TierCount>,
    pub active_partners: i64,
    /// Estimated value of the open leads, in cents.
    pub open_pipeline_value: i64,
    pub open_leads: i64,
    /// Project value of the deals won since the first of this month (UTC), in cents.
    pub won_this_month_value: i64,
    pub won_this_month_count: i64,
    /// Pending plus approved commissions, in cents.
    pub commissions_owed: i64,
    pub commissions_pending: i64,
    pub commissions_approved: i64,
    pub applications_waiting_count: i64,
    pub applications_waiting: Vec<WaitingApplication>,
    pub untouched_leads_count: i64,
    pub untouched_leads: Vec<UntouchedLead>,
    /// Partners with approved commissions.
    pub to_pay_count: i64,
    pub to_pay: Vec<PartnerToPay>,
    /// The payout run due by the groups' payout days, with its total.
    #[serde(default)]
    pub payout_due: Option<crate::workflow::payouts::DuePayout>,
    /// Leads held in an attribution conflict (the oldest first).
    #[serde(default)]
    pub conflicts_count: i64,
    #[serde(default)]
    pub conflicts: Vec<crate::model::ConflictView>,
}

/// The first instant of `now`'s month, UTC.
pub fn month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(now)
}

/// Everything the dashboard shows, as of `now`.
pub fn dashboard(conn: &Connection, now: DateTime<Utc>) -> Result<Dashboard> {
    let currency = crate::workflow::settings::load(conn)?.currency;

    let mut active_by_tier: Vec<TierCount> = Tier::ALL.iter().map(|&tier| TierCount { tier, count: 0 }).collect();
    {
        let mut st =
            conn.prepare_cached("SELECT tier, count(*) FROM partners WHERE status = 'active' GROUP BY tier")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, Tier>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (tier, count) = row?;
            if let Some(t) = active_by_tier.iter_mut().find(|t| t.tier == tier) {
                t.count = count;
            }
        }
    }
    let active_partners = active_by_tier.iter().map(|t| t.count).sum();

    // The open leads per stage are kept in the analytics roll-up, in the same
    // transaction as every change: no scan of the leads.
    let (open_leads, open_pipeline_value): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(open_leads), 0), COALESCE(SUM(open_value), 0) FROM analytics_stages",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;

    let since = fmt_time(month_start(now));
    let (won_this_month_count, won_this_month_value): (i64, i64) = conn.query_row(
        "SELECT count(*), COALESCE(SUM(project_value), 0) FROM commissions
         WHERE status IN ('pending', 'approved', 'paid') AND created_at >= ?1 AND kind = 'commission'",
        [&since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;

    let owed = |status: CommissionStatus| -> Result<i64> {
        Ok(conn.query_row(
            "SELECT COALESCE(SUM(commission_amount), 0) FROM commissions WHERE status = ?1",
            [status],
            |r| r.get(0),
        )?)
    };
    let commissions_pending = owed(CommissionStatus::Pending)?;
    let commissions_approved = owed(CommissionStatus::Approved)?;

    let applications_waiting_count: i64 = conn.query_row(
        "SELECT count(*) FROM partner_applications WHERE status IN ('pending', 'under_review')",
        [],
        |r| r.get(0),
    )?;
    let applications_waiting = conn
        .prepare_cached(
            "SELECT id, name, company, status, created_at FROM partner_applications
             WHERE status IN ('pending', 'under_review') ORDER BY created_at LIMIT ?1",
        )?
        .query_map([LIST_LEN], |r| {
            Ok(WaitingApplication {
                id: r.get(0)?,
                name: r.get(1)?,
                company: r.get(2)?,
                status: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    let cutoff = fmt_time(now - chrono::Duration::days(UNTOUCHED_DAYS));
    let open_list = LeadStatus::OPEN
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let untouched_leads_count: i64 = conn.query_row(
        &format!("SELECT count(*) FROM client_leads WHERE status IN ({open_list}) AND updated_at < ?1"),
        [&cutoff],
        |r| r.get(0),
    )?;
    // Oldest first: the oldest few of each open status (one ordered index
    // range each), merged; never a sort of every untouched lead.
    let per_status = LeadStatus::OPEN
        .iter()
        .map(|s| {
            format!(
                "SELECT * FROM (SELECT id FROM client_leads WHERE status = '{}' AND updated_at < ?1 ORDER BY updated_at LIMIT ?2)",
                s.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let untouched_leads = conn
        .prepare_cached(&format!(
            "SELECT l.id, l.client_name, l.partner_id, p.name, l.status, l.estimated_value, l.updated_at
             FROM ({per_status}) o JOIN client_leads l ON l.id = o.id JOIN partners p ON p.id = l.partner_id
             ORDER BY l.updated_at, l.id LIMIT ?2"
        ))?
        .query_map(params![cutoff, LIST_LEN], |r| {
            Ok(UntouchedLead {
                id: r.get(0)?,
                client_name: r.get(1)?,
                partner_id: r.get(2)?,
                partner_name: r.get(3)?,
                status: r.get(4)?,
                estimated_value: r.get(5)?,
                updated_at: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    let to_pay_count: i64 = conn.query_row(
        "SELECT count(DISTINCT partner_id) FROM commissions WHERE status = 'approved'",
        [],
        |r| r.get(0),
    )?;
    let to_pay = conn
        .prepare_cached(
            "SELECT t.partner_id, p.name, t.amount, t.n FROM (
                 SELECT partner_id, SUM(commission_amount) AS amount, count(*) AS n FROM commissions
                 WHERE status = 'approved' GROUP BY partner_id ORDER BY amount DESC, partner_id LIMIT ?1
             ) t JOIN partners p ON p.id = t.partner_id ORDER BY t.amount DESC, t.partner_id",
        )?
        .query_map([LIST_LEN], |r| {
            Ok(PartnerToPay {
                partner_id: r.get(0)?,
                partner_name: r.get(1)?,
                amount: r.get(2)?,
                commission_count: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    Ok(Dashboard {
        currency,
        as_of: fmt_time(now),
        active_by_tier,
        active_partners,
        open_pipeline_value,
        open_leads,
        won_this_month_value,
        won_this_month_count,
        commissions_owed: commissions_pending + commissions_approved,
        commissions_pending,
        commissions_approved,
        applications_waiting_count,
        applications_waiting,
        untouched_leads_count,
        untouched_leads,
        to_pay_count,
        to_pay,
        payout_due: crate::workflow::payouts::due(conn, now)?,
        conflicts_count: crate::store::repo::payouts::open_conflict_count(conn)?,
        conflicts: crate::workflow::conflicts::list(conn, false, LIST_LEN)?,
    })
}

/// The partners with approved commissions, biggest amount first (the
/// payout screen's list), or just the ones in `only` (its confirmation).
pub fn partners_to_pay(
    conn: &Connection,
    only: Option<&[PartnerId]>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<crate::model::Page<PartnerToPay>> {
    let (limit, offset) = crate::store::repo::paging(limit, offset)?;
    let filter = match only {
        Some([]) => " AND 0".to_owned(),
        Some(ids) => format!(
            " AND c.partner_id IN ({})",
            ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(", ")
        ),
        None => String::new(),
    };
    let total: i64 = conn.query_row(
        &format!("SELECT count(DISTINCT c.partner_id) FROM commissions c WHERE c.status = 'approved'{filter}"),
        [],
        |r| r.get(0),
    )?;
    let items = conn
        .prepare(&format!(
            "SELECT t.partner_id, p.name, t.amount, t.n FROM (
                 SELECT c.partner_id, SUM(c.commission_amount) AS amount, count(*) AS n FROM commissions c
                 WHERE c.status = 'approved'{filter}
                 GROUP BY c.partner_id ORDER BY amount DESC, c.partner_id LIMIT ?1 OFFSET ?2
             ) t JOIN partners p ON p.id = t.partner_id ORDER BY t.amount DESC, t.partner_id"
        ))?
        .query_map([limit, offset], |r| {
            Ok(PartnerToPay {
                partner_id: r.get(0)?,
                partner_name: r.get(1)?,
                amount: r.get(2)?,
                commission_count: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(crate::model::Page {
        items,
        total,
        limit,
        offset,
    })
}

/// A partner's id and name, for showing names next to ids in lists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartnerName {
    pub id: PartnerId,
    pub name: String,
}

/// The names of the given partners (unknown ids are left out).
pub fn partner_names(conn: &Connection, ids: &[PartnerId]) -> Result<Vec<PartnerName>> {
    let mut st = conn.prepare_cached("SELECT id, name FROM partners WHERE id = ?1")?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let mut rows = st.query_map([id], |r| {
            Ok(PartnerName {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?;
        if let Some(row) = rows.next() {
            out.push(row?);
        }
    }
    Ok(out)
}

/// What the Data screen shows about the open database.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DataInfo {
    pub path: String,
    pub schema_version: i64,
    pub currency: String,
    pub counts: crate::queries::Counts,
}

pub fn data_info(conn: &Connection, path: String) -> Result<DataInfo> {
    let schema_version: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )?;
    Ok(DataInfo {
        path,
        schema_version,
        currency: crate::workflow::settings::load(conn)?.currency,
        counts: crate::queries::counts(conn)?,
    })
}
