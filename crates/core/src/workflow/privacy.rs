//! Privacy: erasing a person on request, exporting what is held about them,
//! and erasing rejected applicants after a retention period.
//!
//! An erasure replaces a person's name and e-mail with a pseudonym and clears
//! their phone, company and free text, everywhere they are stored: the record,
//! the related records that copy them (a partner's application and the other
//! way round; the generated text of the plans that name them; a client's plans'
//! business name), the before/after images of the audit log rows of all those
//! records, and the search indexes (dropped; the next search builds them from
//! the rows). Ids, amounts, dates and statuses stay, so every total, roll-up and
//! invariant is unchanged. The erasure is audited (`erase`) with its reason and
//! the records it touched, never the erased values.
//!
//! The audit chain: rewriting old images breaks their hashes, so an erasure
//! first verifies the whole chain (refusing when it is already broken: an
//! erasure must not hide a tampering), then links it again from the first
//! rewritten row, and records the head it replaced (seq and hash) in its own
//! row. See ARCHITECTURE.md, "Privacy".
//!
//! What remains elsewhere: backups taken before the erasure (they rotate out),
//! feed files and exports already written, and old copies of pages inside the
//! database file until a `VACUUM` ([`purge_file`], which `partnerdesk erase`
//! runs).

use super::settings;
use crate::error::{Error, Result};
use crate::model::{text_enum, AuditEntry, Entity};
use crate::store::{repo, Store, Tx};
use chrono::{DateTime, Months, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

text_enum!(
    /// Whose data: the kinds of record that hold a person.
    SubjectKind, "kind" {
        Partner => "partner",
        Application => "application",
        Lead => "lead",
    }
);

impl SubjectKind {
    pub fn entity(self) -> Entity {
        match self {
            SubjectKind::Partner => Entity::Partner,
            SubjectKind::Application => Entity::Application,
            SubjectKind::Lead => Entity::Lead,
        }
    }
}

/// One record an erasure writes, and what it writes there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touch {
    Partner {
        id: String,
        name: String,
        email: String,
    },
    Application {
        id: String,
        name: String,
        email: String,
    },
    Lead {
        id: String,
        name: String,
        email: String,
    },
    /// Generated text cleared; the business name replaced when given.
    Plan {
        id: String,
        business_name: Option<String>,
    },
    /// A payout batch that paid the partner: its row holds no name, its audit
    /// images do (one line per partner; only the partner's line changes).
    Payout {
        id: String,
        partner_id: String,
        name: String,
        email: String,
    },
    /// An outbox message to or about the person: its subject and body
    /// replaced, its recipient too when it was theirs (`recipient`: the
    /// pseudonym's name and e-mail); a queued one is cancelled.
    Message {
        id: String,
        recipient: Option<(String, String)>,
    },
    /// A task about the person's record: its title replaced.
    Task {
        id: String,
        title: String,
    },
}

/// The subject and body an erased outbox message keeps.
pub const ERASED_TEXT: &str = "(erased on request)";

impl Touch {
    pub fn entity(&self) -> Entity {
        match self {
            Touch::Partner { .. } => Entity::Partner,
            Touch::Application { .. } => Entity::Application,
            Touch::Lead { .. } => Entity::Lead,
            Touch::Plan { .. } => Entity::Plan,
            Touch::Payout { .. } => Entity::Payout,
            Touch::Message { .. } => Entity::Outbox,
            Touch::Task { .. } => Entity::Task,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Touch::Partner { id, .. }
            | Touch::Application { id, .. }
            | Touch::Lead { id, .. }
            | Touch::Plan { id, .. }
            | Touch::Payout { id, .. }
            | Touch::Message { id, .. }
            | Touch::Task { id, .. } => id,
        }
    }

    /// The personal fields of this record's images, and what each becomes.
    pub fn replacements(&self) -> Vec<(&'static str, serde_json::Value)> {
        use serde_json::Value::Null;
        match self {
            Touch::Partner { name, email, .. } | Touch::Application { name, email, .. } => vec![
                ("name", name.clone().into()),
                ("email", email.clone().into()),
                ("phone", Null),
                ("company", Null),
                ("network_description", Null),
                ("tax_id", Null),
            ],
            Touch::Lead { name, email, .. } => vec![
                ("client_name", name.clone().into()),
                ("client_email", email.clone().into()),
                ("client_phone", Null),
                ("business_name", Null),
                ("project_description", Null),
            ],
            Touch::Plan { business_name, .. } => {
                let mut v = vec![("generated_content", Null)];
                if let Some(b) = business_name {
                    v.push(("business_name", b.clone().into()));
                }
                v
            }
            Touch::Payout { name, email, .. } => vec![
                ("partner_name", name.clone().into()),
                ("partner_email", email.clone().into()),
            ],
            // A message's audit images hold its recipient, never its text.
            Touch::Message { recipient, .. } => match recipient {
                Some((_, email)) => vec![("recipient", email.clone().into())],
                None => Vec::new(),
            },
            Touch::Task { title, .. } => vec![("title", title.clone().into())],
        }
    }

    /// Rewrite the personal fields of one of this record's audit images.
    /// Returns whether anything changed.
    pub fn scrub(&self, image: &mut serde_json::Value) -> bool {
        let only = match self {
            Touch::Payout { partner_id, .. } => Some(("partner_id", partner_id.as_str())),
            _ => None,
        };
        scrub(image, &self.replacements(), only)
    }
}

/// One erasure to write: the subject, the records it touches, the reason.
#[derive(Debug, Clone)]
pub struct ErasurePlan {
    pub kind: SubjectKind,
    pub id: String,
    pub reason: String,
    pub touches: Vec<Touch>,
}

/// What an erasure did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Erasure {
    pub kind: SubjectKind,
    pub id: String,
    /// The name the person's records carry now.
    pub pseudonym: String,
    /// Every record written, as `entity:id`.
    pub records: Vec<String>,
    /// Audit rows whose images were rewritten.
    pub audit_rows_rewritten: i64,
    /// The audit chain was linked again from this row (none when no old row changed).
    pub rechained_from: Option<i64>,
}

/// The short form of an id in a pseudonym (its first 8 characters).
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// The pseudonymous e-mail of a record (unique: it holds the whole id).
fn pseudo_email(id: &str) -> String {
    format!("erased-{id}@erased.invalid")
}

/// The records an erasure of `kind` `id` touches.
fn plan(conn: &Connection, kind: SubjectKind, id: &str, reason: &str) -> Result<ErasurePlan> {
    let mut touches = Vec::new();
    let person = |id: &str, what: &str| (format!("Erased {what} {}", short(id)), pseudo_email(id));
    // The outbox messages to `email` (or about `record`), and the tasks of `record`.
    let automation =
        |touches: &mut Vec<Touch>, record: &str, email: Option<&str>, who: (String, String)| -> Result<()> {
            for (id, to_them) in repo::erase::messages_of(conn, record, email)? {
                touches.push(Touch::Message {
                    id,
                    recipient: to_them.then(|| who.clone()),
                });
            }
            for id in repo::erase::ids_where(conn, "tasks", "entity_id", record)? {
                touches.push(Touch::Task {
                    id,
                    title: format!("Task about {}", who.0),
                });
            }
            Ok(())
        };
    let partner_side = |touches: &mut Vec<Touch>, partner: &str| -> Result<()> {
        let (name, email) = person(partner, "partner");
        let current: Option<String> =
            conn.query_row("SELECT email FROM partners WHERE id = ?1", [partner], |r| r.get(0))?;
        automation(touches, partner, current.as_deref(), (name.clone(), email.clone()))?;
        touches.push(Touch::Partner {
            id: partner.to_owned(),
            name,
            email,
        });
        for plan in repo::erase::ids_where(conn, "app_plans_partnership", "partner_id", partner)? {
            touches.push(Touch::Plan {
                id: plan,
                business_name: None,
            });
        }
        for payout in repo::erase::payouts_of(conn, partner)? {
            let (name, email) = person(partner, "partner");
            touches.push(Touch::Payout {
                id: payout,
                partner_id: partner.to_owned(),
                name,
                email,
            });
        }
        Ok(())
    };
    match kind {
        SubjectKind::Partner => {
            partner_side(&mut touches, id)?;
            let app: Option<String> =
                conn.query_row("SELECT application_id FROM partners WHERE id = ?1", [id], |r| r.get(0))?;
            if let Some(app) = app {
                let (name, email) = person(&app, "applicant");
                let current: Option<String> =
                    conn.query_row("SELECT email FROM partner_applications WHERE id = ?1", [&app], |r| {
                        r.get(0)
                    })?;
                automation(&mut touches, &app, current.as_deref(), (name.clone(), email.clone()))?;
                touches.push(Touch::Application { id: app, name, email });
            }
        }
        SubjectKind::Application => {
            let (name, email) = person(id, "applicant");
            let current: Option<String> =
                conn.query_row("SELECT email FROM partner_applications WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
            automation(&mut touches, id, current.as_deref(), (name.clone(), email.clone()))?;
            touches.push(Touch::Application {
                id: id.to_owned(),
                name,
                email,
            });
            for partner in repo::erase::ids_where(conn, "partners", "application_id", id)? {
                partner_side(&mut touches, &partner)?;
            }
        }
        SubjectKind::Lead => {
            let (name, email) = person(id, "client");
            // E-mails about the client's deals (a commission names the client) and tasks of the lead.
            automation(&mut touches, id, None, (name.clone(), email.clone()))?;
            touches.push(Touch::Lead {
                id: id.to_owned(),
                name: name.clone(),
                email,
            });
            for plan in repo::erase::ids_where(conn, "app_plans_partnership", "client_lead_id", id)? {
                touches.push(Touch::Plan {
                    id: plan,
                    business_name: Some(name.clone()),
                });
            }
        }
    }
    Ok(ErasurePlan {
        kind,
        id: id.to_owned(),
        reason: reason.to_owned(),
        touches,
    })
}

fn check_reason(reason: &str) -> Result<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(Error::validation(
            "reason",
            "say why the data is erased (a request, a rule)",
        ));
    }
    if r.chars().count() > 500 {
        return Err(Error::validation("reason", "at most 500 characters"));
    }
    Ok(r.to_owned())
}

/// Erase the person of record `kind` `id` (a full id or a unique prefix),
/// for `reason`. One transaction; refused when the record was erased before
/// or the audit chain does not verify.
pub fn erase(tx: &Tx, kind: SubjectKind, id: &str, reason: &str) -> Result<Erasure> {
    let reason = check_reason(reason)?;
    let id = repo::resolve_id(tx, kind.entity(), id)?;
    if repo::erase::was_erased(tx, kind.entity().as_str(), &id)? {
        return Err(Error::Conflict(format!("{kind} {id} was erased before")));
    }
    let p = plan(tx, kind, &id, &reason)?;
    Ok(erase_all(tx, &[p])?.remove(0))
}

/// Write the erasures `plans` (their records, images, the chain, the audit rows).
fn erase_all(tx: &Tx, plans: &[ErasurePlan]) -> Result<Vec<Erasure>> {
    // Refuse to link again over a break: it would hide it.
    let head = repo::audit_chain::require_intact(tx)?;
    super::write::subjects_erased(tx, plans, head.head_seq, head.head_hash.as_deref())
}

/// The setting that turns retention on: erase rejected applications this
/// many months after their rejection (0: off, the default).
pub const RETENTION_KEY: &str = "privacy.erase_rejected_after_months";

/// Erase the rejected applications whose rejection is older than the
/// retention setting (nothing when it is 0). For `run-due` and the app's
/// start; one transaction (the caller's). Returns the erasures.
pub fn apply_retention(tx: &Tx, now: DateTime<Utc>) -> Result<Vec<Erasure>> {
    let months = settings::load(tx)?.privacy.erase_rejected_after_months;
    if months <= 0 {
        return Ok(Vec::new());
    }
    let cutoff = now
        .checked_sub_months(Months::new(months as u32))
        .ok_or_else(|| Error::validation(RETENTION_KEY, "too many months"))?;
    let ids = repo::erase::rejected_before(tx, &crate::clock::fmt_time(cutoff))?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let reason = format!("retention: rejected more than {months} months ago");
    let plans = ids
        .iter()
        .map(|id| plan(tx, SubjectKind::Application, id, &reason))
        .collect::<Result<Vec<_>>>()?;
    erase_all(tx, &plans)
}

/// Rewrite the personal fields of a JSON image (anywhere in it) as `with`
/// says; with `only` = (key, value), only in the objects where key = value.
/// Returns whether anything changed.
fn scrub(v: &mut serde_json::Value, with: &[(&str, serde_json::Value)], only: Option<(&str, &str)>) -> bool {
    let mut changed = false;
    match v {
        serde_json::Value::Object(map) => {
            let here = only.is_none_or(|(k, want)| map.get(k).and_then(|x| x.as_str()) == Some(want));
            for (k, val) in map.iter_mut() {
                match with.iter().find(|(key, _)| key == k) {
                    Some((_, new)) if here => {
                        if val != new {
                            *val = new.clone();
                            changed = true;
                        }
                    }
                    _ => changed |= scrub(val, with, only),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                changed |= scrub(item, with, only);
            }
        }
        _ => {}
    }
    changed
}

/// Drop the old copies of erased data from the file: the search indexes
/// (VACUUM may renumber the rows they point at; the next search builds them
/// again), the write-ahead log, and the free space (`VACUUM`). Takes about
/// as long as copying the file.
pub fn purge_file(store: &Store) -> Result<()> {
    store.release_readers();
    store.write(|tx| crate::store::search::drop(tx))?;
    store.with_writer(|c| {
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")?;
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    })
}

/// Everything held about one person: their records, the records tied to
/// them, and the audit log of all of those.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubjectExport {
    pub kind: SubjectKind,
    pub id: String,
    pub exported_at: String,
    /// Records by table: the rows as stored (a partner's leads without their
    /// clients' fields: those are other people's data).
    pub records: serde_json::Map<String, serde_json::Value>,
    /// The audit rows of every record above, oldest first.
    pub audit: Vec<AuditEntry>,
}

/// [`SubjectExport`] of record `kind` `id` (a full id or a unique prefix).
pub fn subject_export(conn: &Connection, kind: SubjectKind, id: &str, now: DateTime<Utc>) -> Result<SubjectExport> {
    let id = repo::resolve_id(conn, kind.entity(), id)?;
    let mut records = serde_json::Map::new();
    let mut audited: Vec<(Entity, String)> = Vec::new();
    fn put(records: &mut serde_json::Map<String, serde_json::Value>, table: &str, rows: Vec<serde_json::Value>) {
        if rows.is_empty() {
            return;
        }
        if let serde_json::Value::Array(list) = records
            .entry(table.to_owned())
            .or_insert_with(|| serde_json::Value::Array(Vec::new()))
        {
            list.extend(rows);
        }
    }
    let (partners, applications, leads): (Vec<String>, Vec<String>, Vec<String>) = match kind {
        SubjectKind::Partner => {
            let app: Option<String> =
                conn.query_row("SELECT application_id FROM partners WHERE id = ?1", [&id], |r| r.get(0))?;
            (vec![id.clone()], app.into_iter().collect(), Vec::new())
        }
        SubjectKind::Application => (
            repo::erase::ids_where(conn, "partners", "application_id", &id)?,
            vec![id.clone()],
            Vec::new(),
        ),
        SubjectKind::Lead => (Vec::new(), Vec::new(), vec![id.clone()]),
    };
    for a in &applications {
        put(
            &mut records,
            "partner_applications",
            rows(conn, "partner_applications", "id", a, "*")?,
        );
        audited.push((Entity::Application, a.clone()));
    }
    for p in &partners {
        put(&mut records, "partners", rows(conn, "partners", "id", p, "*")?);
        audited.push((Entity::Partner, p.clone()));
        // The deals they brought: amounts and statuses, not the clients.
        put(
            &mut records,
            "client_leads",
            rows(
                conn,
                "client_leads",
                "partner_id",
                p,
                "id, partner_id, estimated_value, status, closed_at, created_at, updated_at",
            )?,
        );
        let commissions = rows(conn, "commissions", "partner_id", p, "*")?;
        for c in &commissions {
            if let Some(cid) = c.get("id").and_then(|v| v.as_str()) {
                audited.push((Entity::Commission, cid.to_owned()));
            }
        }
        put(&mut records, "commissions", commissions);
        let payouts: Vec<serde_json::Value> = {
            let mut stmt = conn.prepare(
                "SELECT DISTINCT y.id, y.total_amount, y.commission_count, y.currency, y.created_at FROM payouts y
                   JOIN commissions c ON c.payout_id = y.id WHERE c.partner_id = ?1 ORDER BY y.id",
            )?;
            let r = stmt.query_map([p], |r| {
                Ok(serde_json::json!({
                    "id": r.get::<_, String>(0)?, "total_amount": r.get::<_, i64>(1)?,
                    "commission_count": r.get::<_, i64>(2)?, "currency": r.get::<_, String>(3)?,
                    "created_at": r.get::<_, String>(4)?,
                }))
            })?;
            r.collect::<rusqlite::Result<_>>()?
        };
        put(&mut records, "payouts", payouts);
        // Their payout runs: paid (with the self-billing number) or skipped, and why.
        put(
            &mut records,
            "payout_entries",
            rows(conn, "payout_entries", "partner_id", p, "*")?,
        );
        // Their plans, without the client's business and the proposal text.
        let plans = rows(
            conn,
            "app_plans_partnership",
            "partner_id",
            p,
            "id, partner_id, client_lead_id, industry, features, timeline_estimate, investment_range, status, created_at, updated_at",
        )?;
        put(&mut records, "app_plans_partnership", plans);
    }
    for l in &leads {
        put(&mut records, "client_leads", rows(conn, "client_leads", "id", l, "*")?);
        audited.push((Entity::Lead, l.clone()));
        put(
            &mut records,
            "lead_status_history",
            rows(conn, "lead_status_history", "lead_id", l, "*")?,
        );
        let plans = rows(conn, "app_plans_partnership", "client_lead_id", l, "*")?;
        for pl in &plans {
            if let Some(pid) = pl.get("id").and_then(|v| v.as_str()) {
                audited.push((Entity::Plan, pid.to_owned()));
            }
        }
        put(&mut records, "app_plans_partnership", plans);
    }
    // The e-mails sent (or to send) to them, and the tasks about their records.
    let mut emails: Vec<String> = Vec::new();
    for r in applications.iter().chain(&partners).chain(&leads) {
        let email: Option<String> = conn
            .query_row(
                "SELECT email FROM partners WHERE id = ?1 UNION ALL SELECT email FROM partner_applications WHERE id = ?1",
                [r],
                |x| x.get(0),
            )
            .ok();
        if let Some(e) = email.filter(|e| !emails.contains(e)) {
            emails.push(e.clone());
            let msgs = rows(conn, "outbox", "recipient", &e, "*")?;
            for m in &msgs {
                if let Some(mid) = m.get("id").and_then(|v| v.as_str()) {
                    audited.push((Entity::Outbox, mid.to_owned()));
                }
            }
            put(&mut records, "outbox", msgs);
        }
        let tasks = rows(conn, "tasks", "entity_id", r, "*")?;
        for t in &tasks {
            if let Some(tid) = t.get("id").and_then(|v| v.as_str()) {
                audited.push((Entity::Task, tid.to_owned()));
            }
        }
        put(&mut records, "tasks", tasks);
    }
    let mut audit = Vec::new();
    for (entity, rid) in &audited {
        audit.extend(
            repo::audit::list(conn, Some(*entity), Some(rid), i64::MAX, 0)?
                .into_iter()
                .filter(|e| {
                    // `list` takes a prefix and, for a lead, the import rows naming it: keep this record's own rows.
                    e.entity == entity.as_str() && e.entity_id == *rid
                }),
        );
    }
    audit.sort_by_key(|e| e.seq);
    Ok(SubjectExport {
        kind,
        id,
        exported_at: crate::clock::fmt_time(now),
        records,
        audit,
    })
}

/// The rows of `table` where `column` = `value`, as JSON objects of `cols`.
fn rows(conn: &Connection, table: &str, column: &str, value: &str, cols: &str) -> Result<Vec<serde_json::Value>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {cols} FROM {table} WHERE {column} = ?1 ORDER BY rowid"
    ))?;
    let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let mut out = Vec::new();
    let mut q = stmt.query([value])?;
    while let Some(r) = q.next()? {
        let mut obj = serde_json::Map::new();
        for (i, n) in names.iter().enumerate() {
            let v = match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => serde_json::Value::Null,
                rusqlite::types::ValueRef::Integer(x) => x.into(),
                rusqlite::types::ValueRef::Real(x) => {
                    serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into)
                }
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
                rusqlite::types::ValueRef::Blob(_) => serde_json::Value::Null,
            };
            obj.insert(n.clone(), v);
        }
        out.push(serde_json::Value::Object(obj));
    }
    Ok(out)
}
