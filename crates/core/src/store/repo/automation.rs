//! The automation's tables: tasks, the outbox, templates, timed rules and
//! their firings (`workflow::automation`).

use crate::error::{Error, Result};
use crate::model::{Entity, OutboxId, OutboxMessage, OutboxStatus, Task, TaskId};
use rusqlite::{params, Connection, OptionalExtension, Row};

// ---- Tasks ----

const TASK_COLS: &str =
    "id, title, entity, entity_id, rule, due_on, snoozed_until, status, done_at, created_at, updated_at";

fn task_from(r: &Row) -> rusqlite::Result<Task> {
    Ok(Task {
        id: r.get(0)?,
        title: r.get(1)?,
        entity: r.get(2)?,
        entity_id: r.get(3)?,
        rule: r.get(4)?,
        due_on: r.get(5)?,
        snoozed_until: r.get(6)?,
        status: r.get(7)?,
        done_at: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

pub fn insert_task(conn: &Connection, t: &Task) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO tasks ({TASK_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))?
    .execute(params![
        t.id,
        t.title,
        t.entity,
        t.entity_id,
        t.rule,
        t.due_on,
        t.snoozed_until,
        t.status,
        t.done_at,
        t.created_at,
        t.updated_at
    ])?;
    Ok(())
}

/// Write a task's state back (status, snooze, done time, updated).
pub fn update_task(conn: &Connection, t: &Task) -> Result<()> {
    conn.prepare_cached(
        "UPDATE tasks SET status = ?2, snoozed_until = ?3, done_at = ?4, due_on = ?5, updated_at = ?6 WHERE id = ?1",
    )?
    .execute(params![
        t.id,
        t.status,
        t.snoozed_until,
        t.done_at,
        t.due_on,
        t.updated_at
    ])?;
    Ok(())
}

pub fn task(conn: &Connection, id: TaskId) -> Result<Task> {
    conn.prepare_cached(&format!("SELECT {TASK_COLS} FROM tasks WHERE id = ?1"))?
        .query_row([id], task_from)
        .optional()?
        .ok_or_else(|| Error::not_found("task", id.to_string()))
}

/// Tasks, open ones first by due day (all when `all`, else the open ones),
/// optionally of one record.
pub fn tasks(conn: &Connection, all: bool, record: Option<&str>, limit: i64) -> Result<Vec<Task>> {
    let mut terms = Vec::new();
    if !all {
        terms.push("status = 'open'");
    }
    if record.is_some() {
        terms.push("entity_id = ?1");
    } else {
        terms.push("?1 IS NULL");
    }
    let sql = format!(
        "SELECT {TASK_COLS} FROM tasks {} ORDER BY status = 'done', coalesce(snoozed_until, due_on), created_at LIMIT {limit}",
        super::where_clause(&terms)
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([record], task_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The name shown for a task's record.
pub fn record_label(conn: &Connection, entity: Entity, id: &str) -> Result<Option<String>> {
    let sql = match entity {
        Entity::Partner => "SELECT name FROM partners WHERE id = ?1",
        Entity::Application => "SELECT name FROM partner_applications WHERE id = ?1",
        Entity::Lead => {
            "SELECT client_name || coalesce(' (' || business_name || ')', '') FROM client_leads WHERE id = ?1"
        }
        Entity::Payout => "SELECT 'payout ' || substr(id, 1, 8) FROM payouts WHERE id = ?1",
        _ => return Ok(None),
    };
    Ok(conn.query_row(sql, [id], |r| r.get(0)).optional()?)
}

// ---- Outbox ----

const MSG_COLS: &str = "id, channel, event, entity, entity_id, recipient, recipient_name, subject, body, attachment, message_id, status, attempts, next_attempt_at, claimed_at, last_error, sent_at, created_at, updated_at";

fn msg_from(r: &Row) -> rusqlite::Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.get(0)?,
        channel: r.get(1)?,
        event: r.get(2)?,
        entity: r.get(3)?,
        entity_id: r.get(4)?,
        recipient: r.get(5)?,
        recipient_name: r.get(6)?,
        subject: r.get(7)?,
        body: r.get(8)?,
        attachment: r.get(9)?,
        message_id: r.get(10)?,
        status: r.get(11)?,
        attempts: r.get(12)?,
        next_attempt_at: r.get(13)?,
        claimed_at: r.get(14)?,
        last_error: r.get(15)?,
        sent_at: r.get(16)?,
        created_at: r.get(17)?,
        updated_at: r.get(18)?,
    })
}

pub fn insert_message(conn: &Connection, m: &OutboxMessage) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO outbox ({MSG_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
    ))?
    .execute(params![
        m.id,
        m.channel,
        m.event,
        m.entity,
        m.entity_id,
        m.recipient,
        m.recipient_name,
        m.subject,
        m.body,
        m.attachment,
        m.message_id,
        m.status,
        m.attempts,
        m.next_attempt_at,
        m.claimed_at,
        m.last_error,
        m.sent_at,
        m.created_at,
        m.updated_at
    ])?;
    Ok(())
}

/// Write a message's sending state back.
pub fn update_message(conn: &Connection, m: &OutboxMessage) -> Result<()> {
    conn.prepare_cached(
        "UPDATE outbox SET status = ?2, attempts = ?3, next_attempt_at = ?4, claimed_at = ?5, last_error = ?6,
                sent_at = ?7, updated_at = ?8 WHERE id = ?1",
    )?
    .execute(params![
        m.id,
        m.status,
        m.attempts,
        m.next_attempt_at,
        m.claimed_at,
        m.last_error,
        m.sent_at,
        m.updated_at
    ])?;
    Ok(())
}

pub fn message(conn: &Connection, id: OutboxId) -> Result<OutboxMessage> {
    conn.prepare_cached(&format!("SELECT {MSG_COLS} FROM outbox WHERE id = ?1"))?
        .query_row([id], msg_from)
        .optional()?
        .ok_or_else(|| Error::not_found("message", id.to_string()))
}

/// Messages newest first, of one status or all, optionally of one record.
pub fn messages(
    conn: &Connection,
    status: Option<OutboxStatus>,
    record: Option<&str>,
    limit: i64,
) -> Result<Vec<OutboxMessage>> {
    let sql = format!(
        "SELECT {MSG_COLS} FROM outbox WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR entity_id = ?2)
         ORDER BY created_at DESC, rowid DESC LIMIT {limit}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![status, record], msg_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Queued messages whose next attempt is due by `now` (all queued when
/// `now` is None), oldest first.
pub fn due_messages(conn: &Connection, now: Option<&str>, limit: i64) -> Result<Vec<OutboxMessage>> {
    let sql = format!(
        "SELECT {MSG_COLS} FROM outbox WHERE status = 'queued' AND (?1 IS NULL OR next_attempt_at <= ?1)
         ORDER BY created_at, rowid LIMIT {limit}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([now], msg_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Messages marked `sending` before `before` (a sender that stopped mid-way).
pub fn stale_sending(conn: &Connection, before: &str) -> Result<Vec<OutboxMessage>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {MSG_COLS} FROM outbox WHERE status = 'sending' AND claimed_at < ?1 ORDER BY created_at"
    ))?;
    let rows = stmt.query_map([before], msg_from)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest attempt: when it ended, the message's status, its error.
pub type LastAttempt = (String, OutboxStatus, Option<String>);

/// (count of queued messages, the newest attempt).
pub fn outbox_status(conn: &Connection) -> Result<(i64, Option<LastAttempt>)> {
    let queued: i64 = conn.query_row(
        "SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')",
        [],
        |r| r.get(0),
    )?;
    let last = conn
        .query_row(
            "SELECT updated_at, status, last_error FROM outbox WHERE attempts > 0 ORDER BY updated_at DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok((queued, last))
}

// ---- Templates ----

/// A stored template row: (subject, body, enabled).
pub fn template(conn: &Connection, id: &str) -> Result<Option<(String, String, bool)>> {
    Ok(conn
        .prepare_cached("SELECT subject, body, enabled FROM email_templates WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

/// Every stored template row: (id, name, group id, subject, body, enabled).
pub type TemplateRow = (String, String, Option<String>, String, String, bool);

pub fn templates(conn: &Connection) -> Result<Vec<TemplateRow>> {
    let mut stmt =
        conn.prepare("SELECT id, name, group_id, subject, body, enabled FROM email_templates ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn put_template(conn: &Connection, row: &TemplateRow, now: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO email_templates (id, name, group_id, subject, body, enabled, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET subject = excluded.subject, body = excluded.body, enabled = excluded.enabled,
                                        updated_at = excluded.updated_at",
    )?
    .execute(params![row.0, row.1, row.2, row.3, row.4, row.5, now])?;
    Ok(())
}

// ---- Timed rules and firings ----

/// A stored rule row.
pub struct RuleRow {
    pub enabled: bool,
    pub days: Option<i64>,
    /// JSON array of text.
    pub items: Option<String>,
    pub enabled_at: Option<String>,
}

pub fn rule(conn: &Connection, name: &str) -> Result<Option<RuleRow>> {
    Ok(conn
        .prepare_cached("SELECT enabled, days, items, enabled_at FROM automation_rules WHERE name = ?1")?
        .query_row([name], |r| {
            Ok(RuleRow {
                enabled: r.get(0)?,
                days: r.get(1)?,
                items: r.get(2)?,
                enabled_at: r.get(3)?,
            })
        })
        .optional()?)
}

pub fn put_rule(conn: &Connection, name: &str, row: &RuleRow, now: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO automation_rules (name, enabled, days, items, enabled_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled, days = excluded.days, items = excluded.items,
                                          enabled_at = excluded.enabled_at, updated_at = excluded.updated_at",
    )?
    .execute(params![name, row.enabled, row.days, row.items, row.enabled_at, now])?;
    Ok(())
}

/// Whether `rule` fired for `subject`.
pub fn fired(conn: &Connection, rule: &str, subject: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM automation_firings WHERE id = ?1)")?
        .query_row([format!("{rule}:{subject}")], |r| r.get(0))?)
}

/// Record a firing; false (nothing written) when it fired before.
pub fn insert_firing(conn: &Connection, rule: &str, subject: &str, now: &str) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO automation_firings (id, rule, subject_id, fired_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![format!("{rule}:{subject}"), rule, subject, now])?;
    Ok(n == 1)
}

pub fn last_firing(conn: &Connection, rule: &str) -> Result<Option<String>> {
    Ok(conn.query_row(
        "SELECT MAX(fired_at) FROM automation_firings WHERE rule = ?1",
        [rule],
        |r| r.get(0),
    )?)
}
