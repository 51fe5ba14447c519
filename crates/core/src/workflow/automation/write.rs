//! The one write path of the automation's records, as `workflow::write` is
//! for the others: each function writes the row and its audit row in the
//! caller's transaction. Tasks are audited as `task`, messages as `outbox`,
//! rule firings as `automation`; templates and rule settings as `setting`
//! (ids `template.<id>`, `automation.<rule>`).

use crate::error::Result;
use crate::model::{Entity, OutboxMessage, Task};
use crate::store::{repo, Tx};

/// A new task, audited as `create`.
pub fn task_created(tx: &Tx, t: &Task) -> Result<()> {
    repo::automation::insert_task(tx, t)?;
    repo::audit::record(tx, Entity::Task, &t.id.to_string(), "create", None::<&()>, Some(t))
}

/// A task changed (done, snoozed), audited as `action`.
pub fn task_changed(tx: &Tx, before: &Task, after: &Task, action: &str) -> Result<()> {
    repo::automation::update_task(tx, after)?;
    repo::audit::record(
        tx,
        Entity::Task,
        &after.id.to_string(),
        action,
        Some(before),
        Some(after),
    )
}

/// A message queued, audited as `queue`.
pub fn message_queued(tx: &Tx, m: &OutboxMessage) -> Result<()> {
    repo::automation::insert_message(tx, m)?;
    repo::audit::record(
        tx,
        Entity::Outbox,
        &m.id.to_string(),
        "queue",
        None::<&()>,
        Some(&Brief(m)),
    )
}

/// A message's sending state changed, audited as `action` (`send`, `sent`,
/// `defer`, `fail`, `retry`, `cancel`, `interrupted`).
pub fn message_changed(tx: &Tx, before: &OutboxMessage, after: &OutboxMessage, action: &str) -> Result<()> {
    repo::automation::update_message(tx, after)?;
    repo::audit::record(
        tx,
        Entity::Outbox,
        &after.id.to_string(),
        action,
        Some(&Brief(before)),
        Some(&Brief(after)),
    )
}

/// A template set (text or on/off), audited as a setting.
pub fn template_set<T: serde::Serialize>(
    tx: &Tx,
    row: &repo::automation::TemplateRow,
    before: Option<&T>,
    after: &T,
) -> Result<()> {
    repo::automation::put_template(tx, row, tx.now_text())?;
    repo::audit::record(
        tx,
        Entity::Setting,
        &format!("template.{}", row.0),
        "template",
        before,
        Some(after),
    )
}

/// A timed rule's settings, audited as a setting.
pub fn rule_set<B: serde::Serialize, A: serde::Serialize>(
    tx: &Tx,
    name: &str,
    row: &repo::automation::RuleRow,
    before: &B,
    after: &A,
) -> Result<()> {
    repo::automation::put_rule(tx, name, row, tx.now_text())?;
    repo::audit::record(
        tx,
        Entity::Setting,
        &format!("automation.{name}"),
        "automation",
        Some(before),
        Some(after),
    )
}

/// A rule fired for `subject`, audited as `fire`; false (nothing written)
/// when it had fired for it before.
pub fn fired(tx: &Tx, rule: &str, subject: &str) -> Result<bool> {
    if !repo::automation::insert_firing(tx, rule, subject, tx.now_text())? {
        return Ok(false);
    }
    let id = format!("{rule}:{subject}");
    repo::audit::record(
        tx,
        Entity::Automation,
        &id,
        "fire",
        None::<&()>,
        Some(&serde_json::json!({"rule": rule, "subject_id": subject})),
    )?;
    Ok(true)
}

/// The audit image of a message: everything but its text (the body and
/// subject stay in the outbox row; the audit log keeps who, what and when).
struct Brief<'a>(&'a OutboxMessage);

impl serde::Serialize for Brief<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let m = self.0;
        serde_json::json!({
            "id": m.id,
            "channel": m.channel,
            "event": m.event,
            "entity": m.entity,
            "entity_id": m.entity_id,
            "recipient": m.recipient,
            "message_id": m.message_id,
            "status": m.status,
            "attempts": m.attempts,
            "next_attempt_at": m.next_attempt_at,
            "last_error": m.last_error,
            "sent_at": m.sent_at,
        })
        .serialize(s)
    }
}
