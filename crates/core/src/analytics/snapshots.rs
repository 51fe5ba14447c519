//! Daily KPI snapshots: one row per UTC day in `analytics_snapshots`, taken
//! automatically at the first use of a day ([`ensure_today`]) and on demand
//! ([`take`], which replaces the day's row); trend charts read them.

use super::month::{index_at, text_of};
use crate::error::{Error, Result};
use crate::model::Entity;
use crate::store::{repo, Store, Tx};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// The KPI set of a day. Money in cents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Kpis {
    pub partners: i64,
    pub active_partners: i64,
    pub leads: i64,
    pub open_leads: i64,
    pub open_value: i64,
    /// Won project value to date (standing; clawbacks negative).
    pub won_value: i64,
    /// Won project value in the current month.
    pub won_value_month: i64,
    /// Wins minus clawbacks in the current month.
    pub deals_month: i64,
    /// Commissions created in the current month (net of clawbacks).
    pub commission_month: i64,
    /// Pending + approved commissions not yet paid.
    pub outstanding_liability: i64,
    /// Share of partners with a lead or a win in the current month.
    pub active_share_month: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Snapshot {
    /// The UTC day, YYYY-MM-DD.
    pub day: String,
    pub taken_at: String,
    pub kpis: Kpis,
}

/// The KPIs as of `now` (roll-ups plus two indexed counts).
pub fn kpis(conn: &Connection, now: DateTime<Utc>) -> Result<Kpis> {
    let month = text_of(index_at(now));
    let partners: i64 = conn.query_row("SELECT coalesce(sum(partners), 0) FROM analytics_cohorts", [], |r| {
        r.get(0)
    })?;
    let won_value: i64 = conn.query_row("SELECT coalesce(sum(won_value), 0) FROM analytics_tiers", [], |r| {
        r.get(0)
    })?;
    let leads: i64 = conn.query_row("SELECT coalesce(sum(leads), 0) FROM analytics_cohort_months", [], |r| {
        r.get(0)
    })?;
    let (open_leads, open_value): (i64, i64) = conn.query_row(
        "SELECT coalesce(sum(open_leads), 0), coalesce(sum(open_value), 0) FROM analytics_stages",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (active_month, won_month, deals_month, comm_month): (i64, i64, i64, i64) = conn.query_row(
        "SELECT coalesce(sum(active), 0), coalesce(sum(won_value), 0), coalesce(sum(deals), 0), coalesce(sum(commission), 0)
           FROM analytics_cohort_months WHERE month = ?1",
        [&month],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let active_partners: i64 = conn.query_row("SELECT count(*) FROM partners WHERE status = 'active'", [], |r| {
        r.get(0)
    })?;
    let outstanding: i64 = conn.query_row(
        "SELECT coalesce(sum(commission_amount), 0) FROM commissions WHERE status = 'pending' OR status = 'approved'",
        [],
        |r| r.get(0),
    )?;
    Ok(Kpis {
        partners,
        active_partners,
        leads,
        open_leads,
        open_value,
        won_value,
        won_value_month: won_month,
        deals_month,
        commission_month: comm_month,
        outstanding_liability: outstanding,
        active_share_month: if partners > 0 {
            active_month as f64 / partners as f64
        } else {
            0.0
        },
    })
}

fn day_of(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d").to_string()
}

/// Take today's snapshot now (replacing one taken earlier today), audited.
pub fn take(tx: &Tx) -> Result<Snapshot> {
    let snap = Snapshot {
        day: day_of(tx.now()),
        taken_at: tx.now_text().to_owned(),
        kpis: kpis(tx, tx.now())?,
    };
    let json = serde_json::to_string(&snap.kpis).map_err(|e| Error::validation("kpis", e.to_string()))?;
    tx.execute(
        "INSERT INTO analytics_snapshots (day, taken_at, kpis) VALUES (?1, ?2, ?3)
         ON CONFLICT (day) DO UPDATE SET taken_at = excluded.taken_at, kpis = excluded.kpis",
        params![snap.day, snap.taken_at, json],
    )?;
    repo::audit::record(tx, Entity::Database, "snapshot", "snapshot", None::<&()>, Some(&snap))?;
    Ok(snap)
}

/// Take today's snapshot unless one exists; Some(snapshot) when taken now.
pub fn ensure_today(store: &Store) -> Result<Option<Snapshot>> {
    let day = day_of(store.now());
    let exists = store.read(|c| {
        Ok(
            c.query_row("SELECT 1 FROM analytics_snapshots WHERE day = ?1", [&day], |_| Ok(()))
                .optional()?
                .is_some(),
        )
    })?;
    if exists {
        return Ok(None);
    }
    store.write(|tx| {
        let day = day_of(tx.now());
        let again = tx
            .query_row("SELECT 1 FROM analytics_snapshots WHERE day = ?1", [&day], |_| Ok(()))
            .optional()?;
        if again.is_some() {
            return Ok(None);
        }
        take(tx).map(Some)
    })
}

/// The snapshots of the last `days` days (today included), oldest first.
pub fn list(conn: &Connection, days: u32, now: DateTime<Utc>) -> Result<Vec<Snapshot>> {
    if days == 0 || days > 3_660 {
        return Err(Error::validation("days", "must be between 1 and 3660"));
    }
    let since = day_of(now - Duration::days(i64::from(days) - 1));
    let mut s = conn.prepare_cached(
        "SELECT day, taken_at, kpis FROM analytics_snapshots WHERE day >= ?1 AND day <= ?2 ORDER BY day",
    )?;
    let rows = s.query_map(params![since, day_of(now)], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (day, taken_at, kpis) = r?;
        let kpis = serde_json::from_str(&kpis)
            .map_err(|e| Error::validation("kpis", format!("the snapshot of {day} is unreadable: {e}")))?;
        out.push(Snapshot { day, taken_at, kpis });
    }
    Ok(out)
}
