//! Lifetime value: realised value per partner to date and a predicted LTV
//! from the average monthly value and the expected lifetime that the
//! observed monthly churn of the cohorts gives (no lead for 90 days, counted
//! as three whole calendar months without a lead, = churned).

use super::div_round;
use super::month::{index_at, index_of, text_of};
use crate::error::Result;
use crate::model::Tier;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::model::text_enum!(
    /// How LTV groups partners.
    LtvBy, "by" {
        Tier => "tier",
        Cohort => "cohort",
    }
);

pub const FORMULA: &str = "realised value = won project value - commissions (standing ones); \
monthly value = realised value / partner-months since approval; \
churn rate h = churn events / alive partner-months (churned = 3 whole months without a lead); \
expected lifetime = 1 / h months; predicted LTV per partner = monthly value x expected lifetime";

/// The observed churn that sets the expected lifetime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Churn {
    /// Churn events observed (a partner's third whole month without a lead).
    pub events: i64,
    /// Partner-months in which partners were alive (not churned).
    pub alive_months: i64,
    /// events / alive_months; None without exposure.
    pub monthly_rate: Option<f64>,
    /// 1 / monthly_rate; None when no churn was observed.
    pub expected_lifetime_months: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LtvGroup {
    /// The tier name or the cohort month.
    pub group: String,
    pub partners: i64,
    /// Wins minus clawbacks (standing).
    pub deals: i64,
    /// Won project value, cents.
    pub won_value: i64,
    /// Commissions on it, cents.
    pub commission: i64,
    /// won_value - commission, cents.
    pub realised_value: i64,
    /// realised_value / partners, cents.
    pub realised_per_partner: i64,
    /// Sum over the partners of the months since approval, the current one included.
    pub partner_months: i64,
    /// realised_value / partner_months, cents per partner-month.
    pub monthly_value: f64,
    /// The group's own churn (cohorts only).
    pub churn: Option<Churn>,
    /// monthly_value x expected lifetime (of all cohorts), cents; None when no churn was observed.
    pub predicted_ltv: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LtvReport {
    pub by: LtvBy,
    /// The current month, YYYY-MM.
    pub as_of: String,
    /// Pooled over all cohorts: sets the expected lifetime of every group.
    pub churn: Churn,
    pub groups: Vec<LtvGroup>,
    pub formula: String,
}

impl Churn {
    fn new(events: i64, alive_months: i64) -> Churn {
        let monthly_rate = (alive_months > 0).then(|| events as f64 / alive_months as f64);
        Churn {
            events,
            alive_months,
            monthly_rate,
            expected_lifetime_months: monthly_rate.filter(|&h| h > 0.0).map(|h| 1.0 / h),
        }
    }
}

struct CohortFacts {
    size: i64,
    events: i64,
    dead: i64,
    deals: i64,
    won: i64,
    commission: i64,
}

/// Per cohort: size, churn (closed gaps + the open ones as of `current`) and
/// standing commissions.
fn cohort_facts(conn: &Connection, current: i64) -> Result<BTreeMap<String, CohortFacts>> {
    let mut out = BTreeMap::new();
    let mut s = conn.prepare_cached("SELECT cohort, partners, churn_events, dead_months FROM analytics_cohorts")?;
    for r in s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))? {
        let (c, size, events, dead) = r?;
        out.insert(
            c,
            CohortFacts {
                size,
                events,
                dead,
                deals: 0,
                won: 0,
                commission: 0,
            },
        );
    }
    let mut s = conn.prepare_cached("SELECT cohort, month, partners FROM analytics_last_lead")?;
    for r in s.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
    })? {
        let (c, m, n) = r?;
        let gap = current - index_of(&m)?;
        if gap >= 3 {
            if let Some(f) = out.get_mut(&c) {
                f.events += n;
                f.dead += n * (gap - 2);
            }
        }
    }
    let mut s = conn.prepare_cached(
        "SELECT cohort, sum(deals), sum(won_value), sum(commission) FROM analytics_cohort_months GROUP BY cohort",
    )?;
    for r in s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))? {
        let (c, deals, won, commission) = r?;
        if let Some(f) = out.get_mut(&c) {
            f.deals = deals;
            f.won = won;
            f.commission = commission;
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn group(
    name: String,
    partners: i64,
    partner_months: i64,
    deals: i64,
    won: i64,
    commission: i64,
    lifetime: Option<f64>,
    churn: Option<Churn>,
) -> LtvGroup {
    let realised = won - commission;
    let monthly_value = if partner_months > 0 {
        realised as f64 / partner_months as f64
    } else {
        0.0
    };
    LtvGroup {
        group: name,
        partners,
        deals,
        won_value: won,
        commission,
        realised_value: realised,
        realised_per_partner: div_round(realised, partners),
        partner_months,
        monthly_value,
        churn,
        predicted_ltv: lifetime.map(|l| (monthly_value * l).round() as i64),
    }
}

/// LTV by tier or by cohort as of `now`.
pub fn ltv(conn: &Connection, by: LtvBy, now: DateTime<Utc>) -> Result<LtvReport> {
    let current = index_at(now);
    let facts = cohort_facts(conn, current)?;
    let mut events = 0;
    let mut alive = 0;
    let mut per_cohort = Vec::new();
    for (c, f) in &facts {
        let age = (current - index_of(c)? + 1).max(0);
        let cohort_alive = (f.size * age - f.dead).max(0);
        events += f.events;
        alive += cohort_alive;
        per_cohort.push((c.clone(), age, Churn::new(f.events, cohort_alive)));
    }
    let churn = Churn::new(events, alive);
    let lifetime = churn.expected_lifetime_months;
    let groups = match by {
        LtvBy::Cohort => per_cohort
            .into_iter()
            .map(|(c, age, ch)| {
                let f = &facts[&c];
                group(
                    c,
                    f.size,
                    f.size * age,
                    f.deals,
                    f.won,
                    f.commission,
                    lifetime,
                    Some(ch),
                )
            })
            .collect(),
        LtvBy::Tier => {
            let mut rows: BTreeMap<Tier, (i64, i64, i64, i64, i64)> = BTreeMap::new();
            let mut s = conn.prepare_cached(
                "SELECT tier, partners, cohort_index_sum, deals, won_value, commission FROM analytics_tiers",
            )?;
            for r in s.query_map([], |r| {
                Ok((
                    r.get::<_, Tier>(0)?,
                    (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
                ))
            })? {
                let (t, v) = r?;
                rows.insert(t, v);
            }
            Tier::ALL
                .iter()
                .map(|t| {
                    let (n, idx, deals, won, comm) = rows.get(t).copied().unwrap_or_default();
                    let months = (n * (current + 1) - idx).max(0);
                    group(t.to_string(), n, months, deals, won, comm, lifetime, None)
                })
                .collect()
        }
    };
    Ok(LtvReport {
        by,
        as_of: text_of(current),
        churn,
        groups,
        formula: FORMULA.into(),
    })
}
