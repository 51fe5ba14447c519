-- Partnerdesk schema, version 2: the monthly roll-ups of the analytics.
-- Definitions: docs/analytics.md. Each table is kept up to date in the same
-- transaction as every change (crates/core/src/analytics/rollup.rs hooks in
-- the workflow functions); bulk paths rebuild them with the statements after
-- the `@fill` marker below, which this migration also runs once so that an
-- existing database starts with correct roll-ups. Months are 'YYYY-MM' text
-- (UTC); a partner's cohort is the month of its approval (partners.created_at).

-- One row per cohort: its size and its closed churn gaps.
CREATE TABLE analytics_cohorts (
    cohort       TEXT PRIMARY KEY NOT NULL,
    partners     INTEGER NOT NULL DEFAULT 0,
    -- gaps of 3+ whole months without a lead that a later lead closed
    churn_events INTEGER NOT NULL DEFAULT 0,
    -- months spent churned inside those closed gaps
    dead_months  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- One row per (cohort, calendar month) with any activity.
CREATE TABLE analytics_cohort_months (
    cohort     TEXT NOT NULL,
    month      TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 0, -- partners with a lead or a standing win this month
    leads      INTEGER NOT NULL DEFAULT 0, -- leads created
    deals      INTEGER NOT NULL DEFAULT 0, -- standing commissions: +1 win, -1 clawback
    won_value  INTEGER NOT NULL DEFAULT 0, -- cents: project value of those (clawbacks negative)
    commission INTEGER NOT NULL DEFAULT 0, -- cents: their commission amounts
    PRIMARY KEY (cohort, month)
) WITHOUT ROWID;

-- One row per (partner, month) with a lead or a standing win: the basis of
-- the distinct `active` count and of the churn gaps.
CREATE TABLE analytics_partner_months (
    partner_id TEXT NOT NULL,
    month      TEXT NOT NULL,
    leads      INTEGER NOT NULL DEFAULT 0,
    wins       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (partner_id, month)
) WITHOUT ROWID;

-- Partners by cohort and the month of their last lead (the approval month
-- when they have none): the open churn gaps are read from it at query time.
CREATE TABLE analytics_last_lead (
    cohort   TEXT NOT NULL,
    month    TEXT NOT NULL,
    partners INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort, month)
) WITHOUT ROWID;

-- One row per tier (all four always present): partners currently in it and
-- their standing commissions.
CREATE TABLE analytics_tiers (
    tier             TEXT PRIMARY KEY NOT NULL CHECK ((tier = 'bronze' OR tier = 'silver' OR tier = 'gold' OR tier = 'platinum')),
    partners         INTEGER NOT NULL DEFAULT 0,
    cohort_index_sum INTEGER NOT NULL DEFAULT 0, -- sum of year*12+month-1 of their cohorts
    deals            INTEGER NOT NULL DEFAULT 0,
    won_value        INTEGER NOT NULL DEFAULT 0,
    commission       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- One row per open stage (all four always present): the open leads there
-- and, over the closed leads that ever were there, how they ended.
CREATE TABLE analytics_stages (
    stage      TEXT PRIMARY KEY NOT NULL CHECK ((stage = 'prospect' OR stage = 'qualified' OR stage = 'proposal_sent' OR stage = 'negotiating')),
    open_leads INTEGER NOT NULL DEFAULT 0,
    open_value INTEGER NOT NULL DEFAULT 0,
    won        INTEGER NOT NULL DEFAULT 0,
    lost       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- @fill (crates/core/src/analytics/rollup.rs runs everything below after emptying the tables)

INSERT INTO analytics_tiers (tier) VALUES ('bronze'), ('silver'), ('gold'), ('platinum');
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
           sum(CASE c.kind WHEN 'clawback' THEN -1 ELSE 1 END),
           sum(CASE c.kind WHEN 'clawback' THEN -c.project_value ELSE c.project_value END),
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
          LEFT JOIN (SELECT partner_id, sum(CASE kind WHEN 'clawback' THEN -1 ELSE 1 END) AS deals,
                            sum(CASE kind WHEN 'clawback' THEN -project_value ELSE project_value END) AS won_value,
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
