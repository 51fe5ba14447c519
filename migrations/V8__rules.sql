-- Partnerdesk schema, version 8: commission rules as partner programs run
-- them (crates/core/src/workflow/rules.rs): partner groups, dated rule
-- versions (tier tables and per-partner overrides, each with a scope),
-- the trace of the rule behind every commission, bonuses and adjustments
-- (commissions without a lead), milestone bonuses and retainer deals.
-- Migrating keeps every amount: every partner goes to the group "Standard",
-- the tier settings become rule version 1 (in force since always) and every
-- commission gets the trace "default tier", version 1, its partner's tier.

-- The groups. "Standard" has a fixed id, the same in every database.
CREATE TABLE partner_groups (
    id               TEXT PRIMARY KEY NOT NULL,
    name             TEXT NOT NULL CHECK (length(trim(name)) > 0),
    -- months a retainer deal accrues at most
    recurring_limit  INTEGER NOT NULL DEFAULT 12 CHECK (recurring_limit BETWEEN 1 AND 120),
    -- a flat bonus (cents) on the partner's Nth won deal
    milestone_deals  INTEGER CHECK (milestone_deals IS NULL OR milestone_deals > 0),
    milestone_amount INTEGER CHECK (milestone_amount IS NULL OR milestone_amount > 0),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK ((milestone_deals IS NULL) = (milestone_amount IS NULL))
);
CREATE UNIQUE INDEX partner_groups_name ON partner_groups (name COLLATE NOCASE);
INSERT INTO partner_groups (id, name, created_at, updated_at)
VALUES ('00000000-0000-7000-8000-000000000001', 'Standard',
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Every partner is in one group. (A column added with REFERENCES must
-- default to NULL; the invariants check the group exists.)
ALTER TABLE partners ADD COLUMN group_id TEXT NOT NULL DEFAULT '00000000-0000-7000-8000-000000000001';
CREATE INDEX partners_group_name ON partners (group_id, name COLLATE NOCASE);

-- Dated rule versions, numbered 1, 2, 3 ... across all subjects: the
-- default tier table, a group's own tier table (a group without one
-- inherits the default), or a partner's override (rate or flat amount per
-- won deal, optionally until a date; neither = the override cleared).
-- A version applies to deals won from `effective_from` (a date, UTC); scope
-- 'pending' also re-rated the pending commissions from that date when it
-- was made. `tiers` is the whole table as JSON:
-- [{"tier","rate_bp","min_deals","min_revenue"}] (basis points, cents).
CREATE TABLE rule_versions (
    version        INTEGER PRIMARY KEY CHECK (version > 0),
    subject        TEXT NOT NULL CHECK ((subject = 'default' OR subject = 'group' OR subject = 'override')),
    group_id       TEXT REFERENCES partner_groups (id),
    partner_id     TEXT REFERENCES partners (id),
    effective_from TEXT NOT NULL CHECK (effective_from GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    scope          TEXT NOT NULL DEFAULT 'new' CHECK ((scope = 'new' OR scope = 'pending')),
    tiers          TEXT CHECK (tiers IS NULL OR (json_valid(tiers) AND json_type(tiers) = 'array')),
    override_rate  INTEGER CHECK (override_rate IS NULL OR override_rate BETWEEN 0 AND 10000),
    override_flat  INTEGER CHECK (override_flat IS NULL OR override_flat >= 0),
    override_until TEXT CHECK (override_until IS NULL OR override_until GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    created_at     TEXT NOT NULL,
    CHECK ((subject = 'default' AND group_id IS NULL AND partner_id IS NULL AND tiers IS NOT NULL)
        OR (subject = 'group' AND group_id IS NOT NULL AND partner_id IS NULL AND tiers IS NOT NULL)
        OR (subject = 'override' AND group_id IS NULL AND partner_id IS NOT NULL AND tiers IS NULL)),
    CHECK (override_rate IS NULL OR override_flat IS NULL)
);
CREATE INDEX rule_versions_group ON rule_versions (group_id, effective_from) WHERE group_id IS NOT NULL;
CREATE INDEX rule_versions_partner ON rule_versions (partner_id, effective_from) WHERE partner_id IS NOT NULL;

-- Version 1: the tier settings as they are (each key, else its default).
INSERT INTO rule_versions (version, subject, effective_from, scope, tiers, created_at)
SELECT 1, 'default', '0001-01-01', 'new', json_array(
           json_object('tier', 'bronze', 'rate_bp', coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'tier.bronze.rate'), 1000), 'min_deals', 0, 'min_revenue', 0),
           json_object('tier', 'silver', 'rate_bp', coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'tier.silver.rate'), 1250),
                       'min_deals', coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'tier.silver.min_deals'), 3), 'min_revenue', coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'tier.silver.min_revenue'), 1000000)),
           json_object('tier', 'gold', 'rate_bp', coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'tier.gold.rate'), 1500),
                       'min_deals', coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'tier.gold.min_deals'), 10), 'min_revenue', coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'tier.gold.min_revenue'), 5000000)),
           json_object('tier', 'platinum', 'rate_bp', coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'tier.platinum.rate'), 2000),
                       'min_deals', coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'tier.platinum.min_deals'), 25), 'min_revenue', coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'tier.platinum.min_revenue'), 15000000))),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
-- The tier table lives in the rule versions from now on.
DELETE FROM settings WHERE key GLOB 'tier.*';

-- Commissions, rebuilt (SQLite cannot drop a NOT NULL): a bonus or an
-- adjustment has no lead. New kinds: 'bonus' (either sign, with a reason)
-- and 'accrual' (a retainer month). The trace: rule_kind, rule_version and
-- rule_tier (the partner's tier then). A retainer month is accrued once per
-- (lead, month) while it stands.
-- The migration runs with foreign keys on, so the copy is checked row by row;
-- nothing references commissions, so the old table drops cleanly.
CREATE TABLE commissions_v8 (
    id                TEXT PRIMARY KEY NOT NULL,
    partner_id        TEXT NOT NULL REFERENCES partners (id),
    client_lead_id    TEXT REFERENCES client_leads (id),
    kind              TEXT NOT NULL DEFAULT 'commission'
                      CHECK ((kind = 'commission' OR kind = 'clawback' OR kind = 'bonus' OR kind = 'accrual')),
    commission_amount INTEGER NOT NULL,
    commission_rate   INTEGER NOT NULL CHECK (commission_rate BETWEEN 0 AND 10000),
    project_value     INTEGER NOT NULL CHECK (project_value > 0 OR (kind = 'bonus' AND project_value = 0)),
    status            TEXT NOT NULL DEFAULT 'pending' CHECK ((status = 'pending' OR status = 'approved' OR status = 'paid' OR status = 'cancelled')),
    payout_id         TEXT REFERENCES payouts (id),
    paid_at           TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    rule_kind         TEXT NOT NULL DEFAULT 'default_tier'
                      CHECK ((rule_kind = 'override' OR rule_kind = 'group_tier' OR rule_kind = 'default_tier' OR rule_kind = 'bonus' OR rule_kind = 'milestone' OR rule_kind = 'retainer')),
    rule_version      INTEGER REFERENCES rule_versions (version),
    rule_tier         TEXT CHECK (rule_tier IS NULL OR (rule_tier = 'bronze' OR rule_tier = 'silver' OR rule_tier = 'gold' OR rule_tier = 'platinum')),
    reason            TEXT CHECK (reason IS NULL OR length(trim(reason)) > 0),
    accrual_month     TEXT CHECK (accrual_month IS NULL OR accrual_month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    CHECK ((kind = 'commission' AND commission_amount >= 0) OR (kind = 'clawback' AND commission_amount <= 0)
        OR kind = 'bonus' OR (kind = 'accrual' AND commission_amount >= 0)),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
    CHECK ((kind = 'bonus') = (client_lead_id IS NULL)),
    CHECK ((kind = 'bonus') = (reason IS NOT NULL)),
    CHECK ((kind = 'accrual') = (accrual_month IS NOT NULL))
);
-- The tier of a rate in version 1 (rates that only one tier has).
CREATE TEMP TABLE v8_rate_tier AS
SELECT json_extract(t.value, '$.rate_bp') AS rate_bp, min(json_extract(t.value, '$.tier')) AS tier
  FROM rule_versions v, json_each(v.tiers) t
 WHERE v.version = 1
 GROUP BY 1 HAVING count(*) = 1;
INSERT INTO commissions_v8 (id, partner_id, client_lead_id, kind, commission_amount, commission_rate, project_value,
                            status, payout_id, paid_at, created_at, updated_at, rule_kind, rule_version, rule_tier)
SELECT c.id, c.partner_id, c.client_lead_id, c.kind, c.commission_amount, c.commission_rate, c.project_value,
       c.status, c.payout_id, c.paid_at, c.created_at, c.updated_at, 'default_tier', 1,
       -- the tier whose rate the commission has (the partner's tier now when no one tier has it)
       coalesce(rt.tier, p.tier)
  FROM commissions c JOIN partners p ON p.id = c.partner_id
  LEFT JOIN temp.v8_rate_tier rt ON rt.rate_bp = c.commission_rate;
DROP TABLE temp.v8_rate_tier;
DROP TABLE commissions;
ALTER TABLE commissions_v8 RENAME TO commissions;
CREATE INDEX commissions_partner_status ON commissions (partner_id, status);
CREATE INDEX commissions_lead ON commissions (client_lead_id) WHERE client_lead_id IS NOT NULL;
CREATE INDEX commissions_status_created ON commissions (status, created_at);
CREATE INDEX commissions_payout ON commissions (payout_id) WHERE payout_id IS NOT NULL;
CREATE INDEX commissions_status_partner_amount ON commissions (status, partner_id, commission_amount);
-- (partner_id last: the simulator's replay of every won deal in order reads this index alone)
CREATE INDEX commissions_kind_created ON commissions (kind, created_at, status, project_value, partner_id);
CREATE INDEX commissions_rule_version ON commissions (rule_version) WHERE rule_version IS NOT NULL;
CREATE UNIQUE INDEX commissions_accrual_once ON commissions (client_lead_id, accrual_month)
    WHERE kind = 'accrual' AND status <> 'cancelled';
-- Nothing dangles (a foreign-key fault fails the migration, which rolls back).
CREATE TEMP TABLE v8_fk_check (faults INTEGER NOT NULL CHECK (faults = 0));
INSERT INTO temp.v8_fk_check SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE temp.v8_fk_check;

-- Retainer deals: a won deal's monthly value and term. A month accrues when
-- it has passed (run-due), up to the group's recurring limit; a reopen or an
-- end stops the months after `ended_at`.
CREATE TABLE retainers (
    lead_id       TEXT PRIMARY KEY NOT NULL REFERENCES client_leads (id),
    partner_id    TEXT NOT NULL REFERENCES partners (id),
    monthly_value INTEGER NOT NULL CHECK (monthly_value > 0),
    months        INTEGER NOT NULL CHECK (months BETWEEN 1 AND 120),
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX retainers_partner ON retainers (partner_id);
CREATE INDEX retainers_running ON retainers (started_at) WHERE ended_at IS NULL;
