//! The monthly roll-ups (tables of migrations V2 and V6): kept up to
//! date by the `on_*` hooks, which the write path of each record
//! ([`crate::workflow::write`]) calls in the same transaction as each
//! change, and rebuilt from the raw tables by
//! [`rebuild`] after bulk work (demo data, imports). Both must give the same
//! rows; `tests/it/analytics_rollup.rs` checks it after random operation sequences.
//!
//! Every hook costs a few indexed look-ups: the analytics read the roll-ups
//! only, so a request costs months x cohorts, not rows.

use super::month::{index_of, month_of, text_of};
use crate::error::Result;
use crate::model::{Commission, CommissionKind, Lead, LeadStatus, Partner, PartnerId, Tier};
use rusqlite::{params, Connection, OptionalExtension};

mod builder;

pub use builder::Builder;

/// The statements that recompute every roll-up table from the raw rows, run
/// by [`rebuild`] on emptied tables. The one definition of the fill in core:
/// migrations V2 and V6 ran the same statements once when they made the
/// tables (migrations are never edited; core does not read SQL out of them).
/// The `on_*` hooks and [`Builder`] keep to the same definitions, and the
/// tests check that they agree with it.
pub const FILL: &str = r#"INSERT INTO analytics_tiers (tier) VALUES ('bronze'), ('silver'), ('gold'), ('platinum');
INSERT INTO analytics_stages (stage) VALUES ('prospect'), ('qualified'), ('proposal_sent'), ('negotiating');

INSERT INTO analytics_cohorts (cohort, partners)
SELECT substr(created_at, 1, 7), count(*) FROM partners GROUP BY 1;

INSERT INTO analytics_partner_months (partner_id, month, leads, wins)
SELECT partner_id, month, sum(leads), sum(wins) FROM (
    SELECT partner_id, substr(created_at, 1, 7) AS month, count(*) AS leads, 0 AS wins
      FROM client_leads GROUP BY 1, 2
    UNION ALL
    SELECT partner_id, substr(created_at, 1, 7), 0, count(*)
      FROM commissions WHERE kind = 'commission' AND status <> 'cancelled' GROUP BY 1, 2
) GROUP BY 1, 2;

INSERT INTO analytics_cohort_months (cohort, month, active, leads, deals, won_value, commission)
SELECT cohort, month, sum(active), sum(leads), sum(deals), sum(won_value), sum(commission) FROM (
    SELECT substr(p.created_at, 1, 7) AS cohort, pm.month AS month, count(*) AS active, sum(pm.leads) AS leads,
           0 AS deals, 0 AS won_value, 0 AS commission
      FROM analytics_partner_months pm JOIN partners p ON p.id = pm.partner_id
     GROUP BY 1, 2
    UNION ALL
    SELECT substr(p.created_at, 1, 7), substr(c.created_at, 1, 7), 0, 0,
           sum(CASE c.kind WHEN 'clawback' THEN -1 WHEN 'commission' THEN 1 ELSE 0 END),
           sum(CASE c.kind WHEN 'clawback' THEN -c.project_value WHEN 'commission' THEN c.project_value ELSE 0 END),
           sum(c.commission_amount)
      FROM commissions c JOIN partners p ON p.id = c.partner_id
     WHERE c.status <> 'cancelled'
     GROUP BY 1, 2
) GROUP BY 1, 2;

CREATE TEMP TABLE analytics_fill_gaps AS
WITH points AS (
    SELECT p.id AS pid, substr(p.created_at, 1, 7) AS cohort,
           CAST(substr(p.created_at, 1, 4) AS INTEGER) * 12 + CAST(substr(p.created_at, 6, 2) AS INTEGER) - 1 AS m
      FROM partners p
    UNION
    SELECT pm.partner_id, substr(p.created_at, 1, 7),
           CAST(substr(pm.month, 1, 4) AS INTEGER) * 12 + CAST(substr(pm.month, 6, 2) AS INTEGER) - 1
      FROM analytics_partner_months pm JOIN partners p ON p.id = pm.partner_id
     WHERE pm.leads > 0
)
SELECT cohort, m, lead(m) OVER (PARTITION BY pid ORDER BY m) AS nxt FROM points;

UPDATE analytics_cohorts SET churn_events = g.events, dead_months = g.dead
  FROM (SELECT cohort, sum(nxt - m >= 4) AS events, sum(max(nxt - m - 3, 0)) AS dead
          FROM temp.analytics_fill_gaps WHERE nxt IS NOT NULL GROUP BY cohort) AS g
 WHERE g.cohort = analytics_cohorts.cohort;

INSERT INTO analytics_last_lead (cohort, month, partners)
SELECT cohort, printf('%04d-%02d', m / 12, m % 12 + 1), count(*)
  FROM temp.analytics_fill_gaps WHERE nxt IS NULL GROUP BY cohort, m;

DROP TABLE temp.analytics_fill_gaps;

UPDATE analytics_tiers SET partners = t.partners, cohort_index_sum = t.idx, deals = t.deals,
       won_value = t.won_value, commission = t.commission
  FROM (SELECT p.tier AS tier, count(*) AS partners,
               sum(CAST(substr(p.created_at, 1, 4) AS INTEGER) * 12 + CAST(substr(p.created_at, 6, 2) AS INTEGER) - 1) AS idx,
               coalesce(sum(c.deals), 0) AS deals, coalesce(sum(c.won_value), 0) AS won_value,
               coalesce(sum(c.commission), 0) AS commission
          FROM partners p
          LEFT JOIN (SELECT partner_id, sum(CASE kind WHEN 'clawback' THEN -1 WHEN 'commission' THEN 1 ELSE 0 END) AS deals,
                            sum(CASE kind WHEN 'clawback' THEN -project_value WHEN 'commission' THEN project_value ELSE 0 END) AS won_value,
                            sum(commission_amount) AS commission
                       FROM commissions WHERE status <> 'cancelled' GROUP BY partner_id) c ON c.partner_id = p.id
         GROUP BY p.tier) AS t
 WHERE t.tier = analytics_tiers.tier;

UPDATE analytics_stages SET open_leads = s.n, open_value = s.v
  FROM (SELECT status, count(*) AS n, sum(estimated_value) AS v FROM client_leads
         WHERE status = 'prospect' OR status = 'qualified' OR status = 'proposal_sent' OR status = 'negotiating'
         GROUP BY status) AS s
 WHERE s.status = analytics_stages.stage;

UPDATE analytics_stages SET won = s.won, lost = s.lost
  FROM (SELECT h.stage AS stage, sum(l.status = 'closed_won') AS won, sum(l.status = 'closed_lost') AS lost
          FROM (SELECT DISTINCT lead_id, to_status AS stage FROM lead_status_history
                 WHERE to_status = 'prospect' OR to_status = 'qualified' OR to_status = 'proposal_sent' OR to_status = 'negotiating') h
          JOIN client_leads l ON l.id = h.lead_id
         WHERE l.status = 'closed_won' OR l.status = 'closed_lost'
         GROUP BY h.stage) AS s
 WHERE s.stage = analytics_stages.stage;

INSERT INTO lead_status_counts (status) VALUES
    ('prospect'), ('qualified'), ('proposal_sent'), ('negotiating'), ('closed_won'), ('closed_lost');
UPDATE lead_status_counts SET leads = (SELECT count(*) FROM client_leads l WHERE l.status = lead_status_counts.status);
"#;

/// The roll-up tables, in a fixed order (for comparisons).
pub const TABLES: &[&str] = &[
    "analytics_cohorts",
    "analytics_cohort_months",
    "analytics_partner_months",
    "analytics_last_lead",
    "analytics_tiers",
    "analytics_stages",
    "lead_status_counts",
];

/// Recompute every roll-up from the raw tables with set-based SQL ([`FILL`],
/// the statements the migrations ran). For bulk paths; run inside their transaction.
pub fn rebuild(conn: &Connection) -> Result<()> {
    for t in TABLES {
        conn.execute_batch(&format!("DELETE FROM {t}"))?;
    }
    conn.execute_batch(FILL)?;
    Ok(())
}

/// Every roll-up row as text, table by table in key order (tests compare it).
pub fn dump(conn: &Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for t in TABLES {
        let mut s = conn.prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2"))?;
        let n = s.column_count();
        let rows = s.query_map([], |r| {
            let mut line = format!("{t}:");
            for i in 0..n {
                let v: rusqlite::types::Value = r.get(i)?;
                line.push_str(&format!(" {v:?}"));
            }
            Ok(line)
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

fn partner_cohort_tier(conn: &Connection, id: PartnerId) -> Result<(String, Tier)> {
    let (created, tier): (String, Tier) =
        conn.query_row("SELECT created_at, tier FROM partners WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok((month_of(&created).to_owned(), tier))
}

#[allow(clippy::too_many_arguments)]
fn add_cohort_month(
    conn: &Connection,
    cohort: &str,
    month: &str,
    active: i64,
    leads: i64,
    deals: i64,
    won_value: i64,
    commission: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO analytics_cohort_months (cohort, month, active, leads, deals, won_value, commission)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (cohort, month) DO UPDATE SET active = active + excluded.active, leads = leads + excluded.leads,
             deals = deals + excluded.deals, won_value = won_value + excluded.won_value,
             commission = commission + excluded.commission",
        params![cohort, month, active, leads, deals, won_value, commission],
    )?;
    conn.execute(
        "DELETE FROM analytics_cohort_months WHERE cohort = ?1 AND month = ?2
           AND active = 0 AND leads = 0 AND deals = 0 AND won_value = 0 AND commission = 0",
        params![cohort, month],
    )?;
    Ok(())
}

fn add_last_lead(conn: &Connection, cohort: &str, month: &str, n: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO analytics_last_lead (cohort, month, partners) VALUES (?1, ?2, ?3)
         ON CONFLICT (cohort, month) DO UPDATE SET partners = partners + excluded.partners",
        params![cohort, month, n],
    )?;
    conn.execute(
        "DELETE FROM analytics_last_lead WHERE cohort = ?1 AND month = ?2 AND partners = 0",
        params![cohort, month],
    )?;
    Ok(())
}

fn add_tier(conn: &Connection, tier: Tier, partners: i64, idx: i64, deals: i64, won: i64, comm: i64) -> Result<()> {
    conn.execute(
        "UPDATE analytics_tiers SET partners = partners + ?2, cohort_index_sum = cohort_index_sum + ?3,
             deals = deals + ?4, won_value = won_value + ?5, commission = commission + ?6
         WHERE tier = ?1",
        params![tier, partners, idx, deals, won, comm],
    )?;
    Ok(())
}

/// Change a partner-month's counts; returns (before, after) of leads + wins.
fn add_partner_month(conn: &Connection, partner: PartnerId, month: &str, leads: i64, wins: i64) -> Result<(i64, i64)> {
    let before: Option<(i64, i64)> = conn
        .query_row(
            "SELECT leads, wins FROM analytics_partner_months WHERE partner_id = ?1 AND month = ?2",
            params![partner, month],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (l0, w0) = before.unwrap_or((0, 0));
    let (l1, w1) = (l0 + leads, w0 + wins);
    if l1 == 0 && w1 == 0 {
        conn.execute(
            "DELETE FROM analytics_partner_months WHERE partner_id = ?1 AND month = ?2",
            params![partner, month],
        )?;
    } else {
        conn.execute(
            "INSERT INTO analytics_partner_months (partner_id, month, leads, wins) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (partner_id, month) DO UPDATE SET leads = excluded.leads, wins = excluded.wins",
            params![partner, month, l1, w1],
        )?;
    }
    Ok((l0 + w0, l1 + w1))
}

/// The churn shape of one partner: closed gaps (events, dead months) and the
/// month of the last lead, from the approval month and the lead months.
/// A gap from activity month `p` to the next `q` with `q - p >= 4` is one
/// churn event (at `p + 3`) and `q - p - 3` churned months.
pub fn churn_shape(approval: i64, lead_months: &[i64]) -> (i64, i64, i64) {
    let mut points: Vec<i64> = lead_months.iter().copied().chain(std::iter::once(approval)).collect();
    points.sort_unstable();
    points.dedup();
    let (mut events, mut dead) = (0, 0);
    for w in points.windows(2) {
        let gap = w[1] - w[0];
        if gap >= 4 {
            events += 1;
            dead += gap - 3;
        }
    }
    (events, dead, points.last().copied().unwrap_or(approval))
}

/// A partner was approved (created).
pub fn on_partner_created(conn: &Connection, p: &Partner) -> Result<()> {
    let cohort = month_of(&p.created_at);
    conn.execute(
        "INSERT INTO analytics_cohorts (cohort, partners) VALUES (?1, 1)
         ON CONFLICT (cohort) DO UPDATE SET partners = partners + 1",
        [cohort],
    )?;
    add_last_lead(conn, cohort, cohort, 1)?;
    add_tier(conn, p.tier, 1, index_of(cohort)?, 0, 0, 0)
}

/// A lead was created.
pub fn on_lead_added(conn: &Connection, lead: &Lead) -> Result<()> {
    on_leads_added(conn, lead.partner_id, &lead.created_at, 1, lead.estimated_value)
}

/// `leads` new prospects of one partner, all created at `created_at`, worth
/// `value` (cents) together: what `leads` calls of [`on_lead_added`] do, in
/// one call (bulk imports gather their rows per partner).
pub fn on_leads_added(conn: &Connection, partner: PartnerId, created_at: &str, leads: i64, value: i64) -> Result<()> {
    if leads == 0 {
        return Ok(());
    }
    let (cohort, _) = partner_cohort_tier(conn, partner)?;
    let month = month_of(created_at);
    let old_months: Vec<i64> = {
        let mut s =
            conn.prepare_cached("SELECT month FROM analytics_partner_months WHERE partner_id = ?1 AND leads > 0")?;
        let rows = s.query_map([partner], |r| r.get::<_, String>(0))?;
        let mut v = Vec::new();
        for m in rows {
            v.push(index_of(&m?)?);
        }
        v
    };
    let (before, _) = add_partner_month(conn, partner, month, leads, 0)?;
    add_cohort_month(conn, &cohort, month, i64::from(before == 0), leads, 0, 0, 0)?;
    let m = index_of(month)?;
    if !old_months.contains(&m) {
        let a = index_of(&cohort)?;
        let (e0, d0, last0) = churn_shape(a, &old_months);
        let mut new_months = old_months;
        new_months.push(m);
        let (e1, d1, last1) = churn_shape(a, &new_months);
        if (e0, d0) != (e1, d1) {
            conn.execute(
                "UPDATE analytics_cohorts SET churn_events = churn_events + ?2, dead_months = dead_months + ?3 WHERE cohort = ?1",
                params![cohort, e1 - e0, d1 - d0],
            )?;
        }
        if last0 != last1 {
            add_last_lead(conn, &cohort, &text_of(last0), -1)?;
            add_last_lead(conn, &cohort, &text_of(last1), 1)?;
        }
    }
    add_stage(conn, LeadStatus::Prospect, leads, value)?;
    add_status_count(conn, LeadStatus::Prospect, leads)?;
    Ok(())
}

fn add_status_count(conn: &Connection, status: LeadStatus, n: i64) -> Result<()> {
    conn.prepare_cached("UPDATE lead_status_counts SET leads = leads + ?2 WHERE status = ?1")?
        .execute(params![status, n])?;
    Ok(())
}

/// `n` leads worth `value` (their sum, signed like `n`) enter (or leave) a stage.
fn add_stage(conn: &Connection, stage: LeadStatus, n: i64, value: i64) -> Result<()> {
    conn.execute(
        "UPDATE analytics_stages SET open_leads = open_leads + ?2, open_value = open_value + ?3 WHERE stage = ?1",
        params![stage, n, value],
    )?;
    Ok(())
}

fn add_outcome(conn: &Connection, lead: &Lead, outcome: LeadStatus, n: i64) -> Result<()> {
    let col = if outcome == LeadStatus::ClosedWon {
        "won"
    } else {
        "lost"
    };
    conn.execute(
        &format!(
            "UPDATE analytics_stages SET {col} = {col} + ?2
              WHERE stage IN (SELECT DISTINCT to_status FROM lead_status_history WHERE lead_id = ?1)"
        ),
        params![lead.id, n],
    )?;
    Ok(())
}

/// A lead's estimated value changes to `value`: an open lead's stage carries it.
pub fn on_lead_value(conn: &Connection, before: &Lead, value: i64) -> Result<()> {
    if before.status.is_closed() {
        return Ok(());
    }
    add_stage(conn, before.status, 0, value - before.estimated_value)
}

/// A lead is about to move from `before.status` to `to`. Call it before the
/// move's history row is written (the stages it visited are read from there).
pub fn on_lead_move(conn: &Connection, before: &Lead, to: LeadStatus) -> Result<()> {
    let from = before.status;
    if from.is_closed() {
        add_outcome(conn, before, from, -1)?;
    } else {
        add_stage(conn, from, -1, -before.estimated_value)?;
    }
    if to.is_closed() {
        add_outcome(conn, before, to, 1)?;
    } else {
        add_stage(conn, to, 1, before.estimated_value)?;
    }
    add_status_count(conn, from, -1)?;
    add_status_count(conn, to, 1)?;
    Ok(())
}

/// A commission starts standing (`sign` = 1: a win or a clawback was
/// created) or stops (`sign` = -1: it was cancelled).
pub fn on_commission(conn: &Connection, c: &Commission, sign: i64) -> Result<()> {
    let (cohort, tier) = partner_cohort_tier(conn, c.partner_id)?;
    let month = month_of(&c.created_at);
    // Bonuses and retainer accruals count money, not deals.
    let k = match c.kind {
        CommissionKind::Commission => 1,
        CommissionKind::Clawback => -1,
        CommissionKind::Bonus | CommissionKind::Accrual => 0,
    };
    let (deals, won, comm) = (sign * k, sign * k * c.project_value, sign * c.commission_amount);
    let mut active = 0;
    if c.kind == CommissionKind::Commission {
        let (before, after) = add_partner_month(conn, c.partner_id, month, 0, sign)?;
        active = i64::from(after > 0) - i64::from(before > 0);
    }
    add_cohort_month(conn, &cohort, month, active, 0, deals, won, comm)?;
    add_tier(conn, tier, 0, 0, deals, won, comm)
}

/// A partner's tier changed (promotion or by hand): move them and their
/// standing commissions to the new tier's row.
pub fn on_tier_change(conn: &Connection, partner: PartnerId, from: Tier, to: Tier) -> Result<()> {
    if from == to {
        return Ok(());
    }
    let (cohort, _) = partner_cohort_tier(conn, partner)?;
    let idx = index_of(&cohort)?;
    let (deals, won, comm): (i64, i64, i64) = conn.query_row(
        "SELECT coalesce(sum(CASE kind WHEN 'clawback' THEN -1 WHEN 'commission' THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE kind WHEN 'clawback' THEN -project_value WHEN 'commission' THEN project_value ELSE 0 END), 0),
                coalesce(sum(commission_amount), 0)
           FROM commissions WHERE partner_id = ?1 AND status <> 'cancelled'",
        [partner],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    add_tier(conn, from, -1, -idx, -deals, -won, -comm)?;
    add_tier(conn, to, 1, idx, deals, won, comm)
}

#[cfg(test)]
mod tests {
    use super::churn_shape;

    #[test]
    fn churn_shape_counts_gaps_of_four_months_or_more() {
        // approved in month 0, leads in 1, 5 (gap 4: one event, 1 dead month), 7
        assert_eq!(churn_shape(0, &[1, 5, 7]), (1, 1, 7));
        // gap of exactly 3 months is not churn (no lead in 2 whole months only)
        assert_eq!(churn_shape(0, &[3]), (0, 0, 3));
        // no leads: the approval month is the last activity
        assert_eq!(churn_shape(10, &[]), (0, 0, 10));
        // two long gaps
        assert_eq!(churn_shape(0, &[0, 10, 20]), (2, 14, 20));
    }
}
