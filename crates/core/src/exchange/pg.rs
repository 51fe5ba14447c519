//! Push to PostgreSQL (or Supabase): `partnerdesk sync push --postgres URL`.
//!
//! - The schema is created there when missing ([`SCHEMA`]): the same table
//!   and column names as the SQLite file; ids are `uuid`, times
//!   `timestamptz`, money `numeric(14,2)` in the database currency (the
//!   SQLite cents divided by 100), rates `bigint` basis points, JSON columns
//!   `jsonb`; foreign keys as in SQLite (deferred to the end of the push).
//! - Rows are upserted by key (`INSERT .. ON CONFLICT (key) DO UPDATE`), so
//!   a push can be repeated. The rows sent are those of [`super::sync`]'s
//!   change feed: everything on the first push (or after bulk work), then only
//!   the records changed since the last push to that target.
//! - The watermark (last audit-log seq pushed) is kept per target both here
//!   (`sync_pushes`, keyed by the URL without its password) and there
//!   (`partnerdesk_sync_state`, keyed by this database's id); the lower of
//!   the two is used, so a target that was emptied gets everything again.
//! - The connection: TLS, `sslmode`, `sslrootcert` and the targets refused
//!   are read by [`settings`] (module `url`), the certificate checks are
//!   module `tls`'s. The password is used to connect and nowhere else: every
//!   URL kept or shown (the watermark's key, reports, errors) is [`redact`]ed.

use super::sync::{self, SqlValue};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::Store;
use postgres::types::ToSql;
use postgres::Client;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod conn;
mod tls;
mod url;
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
    after     jsonb
);
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
"#;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PushReport {
    /// The target, without its password.
    pub target: String,
    /// Whether every row was sent (first push, or after bulk work).
    pub full: bool,
    pub from_seq: i64,
    pub to_seq: i64,
    /// Rows sent (upserted) by this push.
    pub rows: u64,
}

fn pg_err<'a>(target: &'a str, what: &str) -> impl Fn(postgres::Error) -> Error + 'a {
    let what = what.to_owned();
    move |e| {
        let detail = match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
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

/// Push the changes since the last push to `url`.
pub fn push(store: &Store, url: &str, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<PushReport> {
    let target = redact(url);
    let mut client = connect(url)?;
    ensure_schema(&mut client, &target)?;
    let source_id = store.write(sync::database_id)?;
    let remote: Option<i64> = client
        .query_opt(
            "SELECT watermark FROM partnerdesk_sync_state WHERE source_id = $1",
            &[&source_id],
        )
        .map_err(pg_err(&target, "reading the sync state"))?
        .map(|r| r.get(0));
    // Column types there, for the casts.
    let mut types: HashMap<(String, String), String> = HashMap::new();
    for r in client
        .query(
            "SELECT table_name::text, column_name::text, udt_name::text FROM information_schema.columns WHERE table_schema = current_schema()",
            &[],
        )
        .map_err(pg_err(&target, "reading the schema"))?
    {
        types.insert((r.get(0), r.get(1)), r.get(2));
    }
    let report = store.read(|conn| {
        let local: Option<i64> = conn
            .query_row("SELECT watermark FROM sync_pushes WHERE target = ?1", [&target], |r| {
                r.get(0)
            })
            .optional()?;
        let from = match (local, remote) {
            (Some(l), Some(r)) => l.min(r),
            _ => 0,
        };
        let to = sync::current_seq(conn)?;
        let full = from == 0 || sync::needs_snapshot(conn, from, to)?;
        let mut tx = client
            .transaction()
            .map_err(pg_err(&target, "starting a transaction"))?;
        let mut batch = Batch::default();
        let mut rows = 0u64;
        let mut failed: Option<Error> = None;
        sync::visit_changes(conn, from, to, full, &mut |table, cols, values| {
            if batch.table != table {
                batch.flush(&mut tx, &types, &target)?;
                batch = Batch {
                    table: table.to_owned(),
                    columns: cols.to_vec(),
                    rows: Vec::new(),
                };
            }
            batch.rows.push(values.to_vec());
            rows += 1;
            if batch.rows.len() >= batch.capacity() {
                batch.flush(&mut tx, &types, &target)?;
                if !progress(&Progress {
                    stage: "push".into(),
                    done: rows,
                    total: rows,
                }) {
                    failed = Some(Error::Cancelled);
                    return Err(Error::Cancelled);
                }
            }
            Ok(())
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        batch.flush(&mut tx, &types, &target)?;
        tx.execute(
            "INSERT INTO partnerdesk_sync_state (source_id, watermark, pushed_at) VALUES ($1, $2, now())
             ON CONFLICT (source_id) DO UPDATE SET watermark = EXCLUDED.watermark, pushed_at = EXCLUDED.pushed_at",
            &[&source_id, &to],
        )
        .map_err(pg_err(&target, "writing the sync state"))?;
        tx.commit().map_err(pg_err(&target, "committing"))?;
        Ok(PushReport {
            target: target.clone(),
            full,
            from_seq: if full { 0 } else { from },
            to_seq: to,
            rows,
        })
    })?;
    store.write(|tx| {
        tx.execute(
            "INSERT INTO sync_pushes (target, watermark, row_count, pushed_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (target) DO UPDATE SET watermark = excluded.watermark, row_count = excluded.row_count, pushed_at = excluded.pushed_at",
            params![report.target, report.to_seq, report.rows as i64, tx.now_text()],
        )?;
        Ok(())
    })?;
    Ok(report)
}

/// Rows of one table waiting to be sent as one multi-row upsert.
#[derive(Default)]
struct Batch {
    table: String,
    columns: Vec<String>,
    rows: Vec<Vec<SqlValue>>,
}

impl Batch {
    fn capacity(&self) -> usize {
        (60_000 / self.columns.len().max(1)).min(1_000)
    }

    fn flush(
        &mut self,
        tx: &mut postgres::Transaction,
        types: &HashMap<(String, String), String>,
        target: &str,
    ) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let key = sync::TABLES
            .iter()
            .find(|(t, _)| *t == self.table)
            .map(|(_, k)| *k)
            .ok_or_else(|| Error::validation("sync", format!("unknown table {}", self.table)))?;
        let mut casts = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            let udt = types.get(&(self.table.clone(), c.clone())).ok_or_else(|| {
                Error::Conflict(format!(
                    "the PostgreSQL table {} at {target} has no column {c}; it was made by another version of Partnerdesk",
                    self.table
                ))
            })?;
            // Every value is sent as text and cast there; money goes from cents to a decimal.
            casts.push(match udt.as_str() {
                "numeric" => "(CAST({} AS text)::numeric / 100)".to_owned(),
                other => format!("CAST({{}} AS text)::{other}"),
            });
        }
        let ncols = self.columns.len();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.table,
            self.columns
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for (ri, _) in self.rows.iter().enumerate() {
            if ri > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (ci, cast) in casts.iter().enumerate() {
                if ci > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&cast.replace("{}", &format!("${}", ri * ncols + ci + 1)));
            }
            sql.push(')');
        }
        let sets: Vec<String> = self
            .columns
            .iter()
            .filter(|c| c.as_str() != key)
            .map(|c| format!("\"{c}\" = EXCLUDED.\"{c}\""))
            .collect();
        sql.push_str(&format!(" ON CONFLICT ({key}) DO UPDATE SET {}", sets.join(", ")));
        let texts: Vec<Option<String>> = self.rows.iter().flatten().map(SqlValue::as_text).collect();
        let params: Vec<&(dyn ToSql + Sync)> = texts.iter().map(|t| t as &(dyn ToSql + Sync)).collect();
        tx.execute(sql.as_str(), &params)
            .map_err(pg_err(target, &format!("writing {}", self.table)))?;
        self.rows.clear();
        Ok(())
    }
}
