//! Two-way sync with PostgreSQL (or Supabase): `partnerdesk sync push |
//! pull | status --postgres URL`.
//!
//! - [`SCHEMA`] is Partnerdesk's own shape there: the same table and column
//!   names as the SQLite file; ids `uuid`, times `timestamptz`, money
//!   `numeric(14,2)` in the database currency (SQLite cents / 100), rates
//!   `bigint` basis points, JSON `jsonb`; foreign keys deferred to commit.
//!   A server that already has tables of those names (the original system's
//!   Supabase) keeps its shape: module `target` compares the two and says
//!   what to add and how each value is written there.
//! - `push`: the rows of [`super::sync`]'s change feed (everything on the
//!   first push or after bulk work, then the records changed since the last
//!   push to that target), upserted by key in one transaction there. The
//!   watermark (last audit-log seq pushed) is kept per target both here
//!   (`sync_pushes`, keyed by the URL without its password) and there
//!   (`partnerdesk_sync_state`, keyed by this database's id); the lower of
//!   the two is used, so a target that was emptied gets everything again.
//! - `pull`: applications, partners and leads changed there, through the
//!   import's rules, conflicts logged (`sync_conflicts`).
//! - `compare`: counts, money sums and checksums of the five tables.
//! - The connection: TLS, `sslmode`, `sslrootcert` and the targets refused
//!   are read by [`settings`] (module `url`), the certificate checks are
//!   module `tls`'s. The password is used to connect and nowhere else: every
//!   URL kept or shown (the watermark's key, reports, errors) is [`redact`]ed.

use super::sync::{self, SqlValue};
use crate::error::{Error, Result};
use postgres::Client;

mod compare;
mod conn;
mod pull;
mod push;
mod target;
mod tls;
mod url;
pub use compare::{compare, Comparison, TableComparison};
pub use pull::{conflicts, pull, Conflict, PullBadRow, PullReport};
pub use push::{push, push_with, PushOptions, PushReport, TableRows};
pub use url::{redact, settings, RootCerts, Settings, SslMode};

/// The PostgreSQL schema (idempotent).
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS partner_applications (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL,
    email               text NOT NULL,
    phone               text,
    company             text,
    network_description text,
    expected_referrals  bigint,
    experience_level    text CHECK (experience_level IN ('beginner', 'intermediate', 'expert')),
    status              text NOT NULL CHECK (status IN ('pending', 'under_review', 'approved', 'rejected')),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS partners (
    id             uuid PRIMARY KEY,
    application_id uuid REFERENCES partner_applications (id) DEFERRABLE INITIALLY DEFERRED,
    name           text NOT NULL,
    email          text NOT NULL,
    phone          text,
    company        text,
    status         text NOT NULL CHECK (status IN ('active', 'paused', 'terminated')),
    tier           text NOT NULL CHECK (tier IN ('bronze', 'silver', 'gold', 'platinum')),
    total_deals    bigint NOT NULL,
    total_earnings numeric(14,2) NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT partners_email_key UNIQUE (email) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX IF NOT EXISTS partners_application ON partners (application_id);
CREATE TABLE IF NOT EXISTS client_leads (
    id                    uuid PRIMARY KEY,
    partner_id            uuid NOT NULL REFERENCES partners (id) DEFERRABLE INITIALLY DEFERRED,
    client_name           text NOT NULL,
    client_email          text NOT NULL,
    client_phone          text,
    business_name         text,
    project_description   text,
    estimated_value       numeric(14,2) NOT NULL,
    status                text NOT NULL CHECK (status IN ('prospect', 'qualified', 'proposal_sent', 'negotiating', 'closed_won', 'closed_lost')),
    possible_duplicate_of uuid REFERENCES client_leads (id) DEFERRABLE INITIALLY DEFERRED,
    closed_at             timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS client_leads_partner ON client_leads (partner_id, created_at);
CREATE INDEX IF NOT EXISTS client_leads_duplicate ON client_leads (possible_duplicate_of);
CREATE TABLE IF NOT EXISTS lead_status_history (
    id          bigint PRIMARY KEY,
    lead_id     uuid NOT NULL REFERENCES client_leads (id) DEFERRABLE INITIALLY DEFERRED,
    from_status text,
    to_status   text NOT NULL,
    reopen      boolean NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS lead_status_history_lead ON lead_status_history (lead_id, at);
CREATE TABLE IF NOT EXISTS payouts (
    id               uuid PRIMARY KEY,
    total_amount     numeric(14,2) NOT NULL,
    commission_count bigint NOT NULL,
    currency         text NOT NULL,
    created_at       timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS commissions (
    id                uuid PRIMARY KEY,
    partner_id        uuid NOT NULL REFERENCES partners (id) DEFERRABLE INITIALLY DEFERRED,
    client_lead_id    uuid NOT NULL REFERENCES client_leads (id) DEFERRABLE INITIALLY DEFERRED,
    kind              text NOT NULL CHECK (kind IN ('commission', 'clawback')),
    commission_amount numeric(14,2) NOT NULL,
    commission_rate   bigint NOT NULL,
    project_value     numeric(14,2) NOT NULL,
    status            text NOT NULL CHECK (status IN ('pending', 'approved', 'paid', 'cancelled')),
    payout_id         uuid REFERENCES payouts (id) DEFERRABLE INITIALLY DEFERRED,
    paid_at           timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS commissions_partner ON commissions (partner_id);
CREATE INDEX IF NOT EXISTS commissions_lead ON commissions (client_lead_id);
CREATE INDEX IF NOT EXISTS commissions_payout ON commissions (payout_id);
CREATE TABLE IF NOT EXISTS app_plans_partnership (
    id                uuid PRIMARY KEY,
    partner_id        uuid NOT NULL REFERENCES partners (id) DEFERRABLE INITIALLY DEFERRED,
    client_lead_id    uuid NOT NULL REFERENCES client_leads (id) DEFERRABLE INITIALLY DEFERRED,
    business_name     text NOT NULL,
    industry          text NOT NULL,
    features          jsonb NOT NULL,
    generated_content text,
    timeline_estimate text NOT NULL,
    investment_range  text NOT NULL,
    status            text NOT NULL CHECK (status IN ('draft', 'sent', 'accepted', 'declined')),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS app_plans_partner ON app_plans_partnership (partner_id);
CREATE INDEX IF NOT EXISTS app_plans_lead ON app_plans_partnership (client_lead_id);
CREATE TABLE IF NOT EXISTS analytics_snapshots (
    day      date PRIMARY KEY,
    taken_at timestamptz NOT NULL,
    kpis     jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    seq       bigint PRIMARY KEY,
    at        timestamptz NOT NULL,
    entity    text NOT NULL,
    entity_id text NOT NULL,
    action    text NOT NULL,
    before    jsonb,
    after     jsonb,
    hash      text
);
-- Targets made before the audit chain (the hash of each row, as in SQLite).
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS hash text;
CREATE INDEX IF NOT EXISTS audit_log_entity ON audit_log (entity, entity_id, seq);
CREATE TABLE IF NOT EXISTS partnerdesk_sync_state (
    source_id text PRIMARY KEY,
    watermark bigint NOT NULL,
    pushed_at timestamptz NOT NULL
);
-- Commission rules (schema version 8): groups, rule versions, retainers, and
-- the new columns of partners and commissions (a bonus has no lead).
CREATE TABLE IF NOT EXISTS partner_groups (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    recurring_limit  bigint NOT NULL,
    milestone_deals  bigint,
    milestone_amount numeric(14,2),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
ALTER TABLE partners ADD COLUMN IF NOT EXISTS group_id uuid REFERENCES partner_groups (id) DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE IF NOT EXISTS rule_versions (
    version        bigint PRIMARY KEY,
    subject        text NOT NULL CHECK (subject IN ('default', 'group', 'override')),
    group_id       uuid REFERENCES partner_groups (id) DEFERRABLE INITIALLY DEFERRED,
    partner_id     uuid REFERENCES partners (id) DEFERRABLE INITIALLY DEFERRED,
    effective_from date NOT NULL,
    scope          text NOT NULL CHECK (scope IN ('new', 'pending')),
    tiers          jsonb,
    override_rate  bigint,
    override_flat  numeric(14,2),
    override_until date,
    created_at     timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS retainers (
    lead_id       uuid PRIMARY KEY REFERENCES client_leads (id) DEFERRABLE INITIALLY DEFERRED,
    partner_id    uuid NOT NULL REFERENCES partners (id) DEFERRABLE INITIALLY DEFERRED,
    monthly_value numeric(14,2) NOT NULL,
    months        bigint NOT NULL,
    started_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
ALTER TABLE commissions ALTER COLUMN client_lead_id DROP NOT NULL;
ALTER TABLE commissions DROP CONSTRAINT IF EXISTS commissions_kind_check;
ALTER TABLE commissions ADD CONSTRAINT commissions_kind_check CHECK (kind IN ('commission', 'clawback', 'bonus', 'accrual'));
ALTER TABLE commissions ADD COLUMN IF NOT EXISTS rule_kind text;
ALTER TABLE commissions ADD COLUMN IF NOT EXISTS rule_version bigint REFERENCES rule_versions (version) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE commissions ADD COLUMN IF NOT EXISTS rule_tier text;
ALTER TABLE commissions ADD COLUMN IF NOT EXISTS reason text;
ALTER TABLE commissions ADD COLUMN IF NOT EXISTS accrual_month text;
-- Schema version 10: a group version carries the group's settings.
ALTER TABLE rule_versions ADD COLUMN IF NOT EXISTS recurring_limit bigint;
ALTER TABLE rule_versions ADD COLUMN IF NOT EXISTS milestone_deals bigint;
ALTER TABLE rule_versions ADD COLUMN IF NOT EXISTS milestone_amount numeric(14,2);
-- Automation (schema version 12): timed rules, their firings, tasks, e-mail
-- templates and the outbox (never the SMTP password: it is not in the database).
CREATE TABLE IF NOT EXISTS automation_rules (
    name       text PRIMARY KEY,
    enabled    boolean NOT NULL,
    days       bigint,
    items      jsonb,
    enabled_at timestamptz,
    updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS automation_firings (
    id         text PRIMARY KEY,
    rule       text NOT NULL,
    subject_id text NOT NULL,
    fired_at   timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    id            uuid PRIMARY KEY,
    title         text NOT NULL,
    entity        text,
    entity_id     text,
    rule          text,
    due_on        date NOT NULL,
    snoozed_until date,
    status        text NOT NULL,
    done_at       timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS email_templates (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    group_id   uuid REFERENCES partner_groups (id) DEFERRABLE INITIALLY DEFERRED,
    subject    text NOT NULL,
    body       text NOT NULL,
    enabled    boolean NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id              uuid PRIMARY KEY,
    channel         text NOT NULL,
    event           text NOT NULL,
    entity          text,
    entity_id       text,
    recipient       text NOT NULL,
    recipient_name  text,
    subject         text NOT NULL,
    body            text NOT NULL,
    attachment      text,
    message_id      text NOT NULL,
    status          text NOT NULL,
    attempts        bigint NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    claimed_at      timestamptz,
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
-- Payouts (schema version 11): groups' hold and payout settings, partners'
-- tax data, payout runs' entries (self-billing documents), attribution conflicts.
ALTER TABLE partner_groups ADD COLUMN IF NOT EXISTS hold_days bigint;
ALTER TABLE partner_groups ADD COLUMN IF NOT EXISTS payout_minimum numeric(14,2);
ALTER TABLE partner_groups ADD COLUMN IF NOT EXISTS payout_day bigint;
ALTER TABLE partners ADD COLUMN IF NOT EXISTS tax_form text;
ALTER TABLE partners ADD COLUMN IF NOT EXISTS tax_form_received date;
ALTER TABLE partners ADD COLUMN IF NOT EXISTS tax_id text;
CREATE TABLE IF NOT EXISTS payout_entries (
    id              uuid PRIMARY KEY,
    run_id          uuid NOT NULL,
    payout_id       uuid REFERENCES payouts (id) DEFERRABLE INITIALLY DEFERRED,
    partner_id      uuid NOT NULL REFERENCES partners (id) DEFERRABLE INITIALLY DEFERRED,
    outcome         text NOT NULL CHECK (outcome IN ('paid', 'skipped')),
    reason          text CHECK (reason IN ('below_minimum', 'negative_balance')),
    balance         numeric(14,2) NOT NULL,
    brought_forward numeric(14,2) NOT NULL,
    carried_forward numeric(14,2) NOT NULL,
    document_seq    bigint UNIQUE,
    document_number text UNIQUE,
    created_at      timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS payout_entries_partner ON payout_entries (partner_id);
CREATE TABLE IF NOT EXISTS lead_conflicts (
    lead_id       uuid PRIMARY KEY REFERENCES client_leads (id) DEFERRABLE INITIALLY DEFERRED,
    first_lead_id uuid NOT NULL REFERENCES client_leads (id) DEFERRABLE INITIALLY DEFERRED,
    matched_on    text NOT NULL CHECK (matched_on IN ('email', 'business_name')),
    created_at    timestamptz NOT NULL,
    resolved_at   timestamptz,
    kept          text CHECK (kept IN ('first', 'new')),
    reason        text,
    updated_at    timestamptz NOT NULL
);
"#;

pub(crate) fn pg_err<'a>(target: &'a str, what: &str) -> impl Fn(postgres::Error) -> Error + 'a {
    let what = what.to_owned();
    move |e| {
        let detail = match e.as_db_error() {
            Some(db) => {
                let mut d = format!("{}: {}", db.code().code(), db.message());
                if let Some(more) = db.detail() {
                    d.push_str(" (");
                    d.push_str(more);
                    d.push(')');
                }
                d
            }
            None => conn::describe_error(&e),
        };
        Error::io(
            format!("{what} on PostgreSQL at {target}"),
            std::io::Error::other(detail),
        )
    }
}

/// Connect to `url`, with TLS as its `sslmode` and the rules of [`settings`] say.
pub fn connect(url: &str) -> Result<Client> {
    conn::connect(&settings(url)?)
}

/// Create the schema there when missing.
pub fn ensure_schema(client: &mut Client, target: &str) -> Result<()> {
    client
        .batch_execute(SCHEMA)
        .map_err(pg_err(target, "creating the schema"))
}
