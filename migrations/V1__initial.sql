-- Partnerdesk schema, version 1.
-- Conventions: ids are UUID v7 TEXT; money is INTEGER cents; rates INTEGER
-- basis points; times are fixed-width UTC RFC 3339 TEXT (text order = time
-- order); every enum column has a CHECK; every foreign key is indexed.
-- Enum CHECKs are written as `col = 'a' OR col = 'b' ...` rather than
-- `col IN ('a', 'b', ...)`: SQLite evaluates a constant IN list of three or
-- more items by building a temporary b-tree on every row written, which made
-- bulk inserts several times slower.

CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE partner_applications (
    id                  TEXT PRIMARY KEY NOT NULL,
    name                TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email               TEXT NOT NULL CHECK (email LIKE '%_@_%'),
    phone               TEXT,
    company             TEXT,
    network_description TEXT,
    expected_referrals  INTEGER CHECK (expected_referrals IS NULL OR expected_referrals >= 0),
    experience_level    TEXT CHECK (experience_level IS NULL OR (experience_level = 'beginner' OR experience_level = 'intermediate' OR experience_level = 'expert')),
    status              TEXT NOT NULL DEFAULT 'pending'
                        CHECK ((status = 'pending' OR status = 'under_review' OR status = 'approved' OR status = 'rejected')),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX partner_applications_status_created ON partner_applications (status, created_at);
CREATE INDEX partner_applications_email ON partner_applications (email);

CREATE TABLE partners (
    id             TEXT PRIMARY KEY NOT NULL,
    application_id TEXT REFERENCES partner_applications (id),
    name           TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email          TEXT NOT NULL UNIQUE CHECK (email LIKE '%_@_%'),
    phone          TEXT,
    company        TEXT,
    status         TEXT NOT NULL DEFAULT 'active' CHECK ((status = 'active' OR status = 'paused' OR status = 'terminated')),
    tier           TEXT NOT NULL DEFAULT 'bronze' CHECK ((tier = 'bronze' OR tier = 'silver' OR tier = 'gold' OR tier = 'platinum')),
    total_deals    INTEGER NOT NULL DEFAULT 0,
    total_earnings INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX partners_application ON partners (application_id);
CREATE INDEX partners_name ON partners (name COLLATE NOCASE);
CREATE INDEX partners_tier_name ON partners (tier, name COLLATE NOCASE);
CREATE INDEX partners_status_name ON partners (status, name COLLATE NOCASE);
CREATE INDEX partners_created ON partners (created_at);
CREATE INDEX partners_earnings ON partners (total_earnings);
CREATE INDEX partners_deals ON partners (total_deals);

CREATE TABLE client_leads (
    id                    TEXT PRIMARY KEY NOT NULL,
    partner_id            TEXT NOT NULL REFERENCES partners (id),
    client_name           TEXT NOT NULL CHECK (length(trim(client_name)) > 0),
    client_email          TEXT NOT NULL CHECK (client_email LIKE '%_@_%'),
    client_phone          TEXT,
    business_name         TEXT,
    project_description   TEXT,
    estimated_value       INTEGER NOT NULL DEFAULT 0 CHECK (estimated_value >= 0),
    status                TEXT NOT NULL DEFAULT 'prospect'
                          CHECK ((status = 'prospect' OR status = 'qualified' OR status = 'proposal_sent' OR status = 'negotiating' OR status = 'closed_won' OR status = 'closed_lost')),
    possible_duplicate_of TEXT REFERENCES client_leads (id),
    closed_at             TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX client_leads_partner_created ON client_leads (partner_id, created_at);
CREATE INDEX client_leads_status_updated ON client_leads (status, updated_at);
CREATE INDEX client_leads_created ON client_leads (created_at);
CREATE INDEX client_leads_client_email ON client_leads (client_email);
CREATE INDEX client_leads_business ON client_leads (business_name COLLATE NOCASE) WHERE business_name IS NOT NULL;
CREATE INDEX client_leads_duplicate ON client_leads (possible_duplicate_of) WHERE possible_duplicate_of IS NOT NULL;

CREATE TABLE lead_status_history (
    id          INTEGER PRIMARY KEY,
    lead_id     TEXT NOT NULL REFERENCES client_leads (id),
    from_status TEXT CHECK (from_status IS NULL OR (from_status = 'prospect' OR from_status = 'qualified' OR from_status = 'proposal_sent' OR from_status = 'negotiating' OR from_status = 'closed_won' OR from_status = 'closed_lost')),
    to_status   TEXT NOT NULL CHECK ((to_status = 'prospect' OR to_status = 'qualified' OR to_status = 'proposal_sent' OR to_status = 'negotiating' OR to_status = 'closed_won' OR to_status = 'closed_lost')),
    reopen      INTEGER NOT NULL DEFAULT 0 CHECK (reopen IN (0, 1)),
    at          TEXT NOT NULL
);
CREATE INDEX lead_status_history_lead ON lead_status_history (lead_id, at);

CREATE TABLE payouts (
    id               TEXT PRIMARY KEY NOT NULL,
    total_amount     INTEGER NOT NULL,
    commission_count INTEGER NOT NULL CHECK (commission_count > 0),
    currency         TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX payouts_created ON payouts (created_at);

CREATE TABLE commissions (
    id                TEXT PRIMARY KEY NOT NULL,
    partner_id        TEXT NOT NULL REFERENCES partners (id),
    client_lead_id    TEXT NOT NULL REFERENCES client_leads (id),
    kind              TEXT NOT NULL DEFAULT 'commission' CHECK ((kind = 'commission' OR kind = 'clawback')),
    commission_amount INTEGER NOT NULL,
    commission_rate   INTEGER NOT NULL CHECK (commission_rate BETWEEN 0 AND 10000),
    project_value     INTEGER NOT NULL CHECK (project_value > 0),
    status            TEXT NOT NULL DEFAULT 'pending' CHECK ((status = 'pending' OR status = 'approved' OR status = 'paid' OR status = 'cancelled')),
    payout_id         TEXT REFERENCES payouts (id),
    paid_at           TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK ((kind = 'commission' AND commission_amount >= 0) OR (kind = 'clawback' AND commission_amount <= 0)),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);
CREATE INDEX commissions_partner_status ON commissions (partner_id, status);
CREATE INDEX commissions_lead ON commissions (client_lead_id);
CREATE INDEX commissions_status_created ON commissions (status, created_at);
CREATE INDEX commissions_payout ON commissions (payout_id) WHERE payout_id IS NOT NULL;

CREATE TABLE app_plans_partnership (
    id                TEXT PRIMARY KEY NOT NULL,
    partner_id        TEXT NOT NULL REFERENCES partners (id),
    client_lead_id    TEXT NOT NULL REFERENCES client_leads (id),
    business_name     TEXT NOT NULL CHECK (length(trim(business_name)) > 0),
    industry          TEXT NOT NULL,
    features          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(features) AND json_type(features) = 'array'),
    generated_content TEXT,
    timeline_estimate TEXT NOT NULL,
    investment_range  TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'draft' CHECK ((status = 'draft' OR status = 'sent' OR status = 'accepted' OR status = 'declined')),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX app_plans_partner ON app_plans_partnership (partner_id);
CREATE INDEX app_plans_lead ON app_plans_partnership (client_lead_id);
CREATE INDEX app_plans_status_updated ON app_plans_partnership (status, updated_at);

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    entity    TEXT NOT NULL CHECK ((entity = 'application' OR entity = 'partner' OR entity = 'lead' OR entity = 'commission' OR entity = 'payout' OR entity = 'plan' OR entity = 'setting' OR entity = 'database')),
    entity_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    before    TEXT CHECK (before IS NULL OR json_valid(before)),
    after     TEXT CHECK (after IS NULL OR json_valid(after))
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE analytics_snapshots (
    day        TEXT PRIMARY KEY NOT NULL,
    taken_at   TEXT NOT NULL,
    kpis       TEXT NOT NULL CHECK (json_valid(kpis))
) WITHOUT ROWID;
