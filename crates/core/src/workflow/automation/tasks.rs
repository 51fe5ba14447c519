//! Tasks: made by the timed rules (or by hand), each linked to its record;
//! done and snoozed by the manager.

use super::{today, write};
use crate::error::{Error, Result};
use crate::model::{Entity, Task, TaskId, TaskItem, TaskStatus};
use crate::store::{repo, Conn, Tx};

/// A new open task due on `due_on`.
pub fn add(tx: &Tx, title: &str, record: Option<(Entity, String)>, rule: Option<&str>, due_on: &str) -> Result<Task> {
    let title = crate::workflow::validate::required("title", title, crate::workflow::validate::MAX_NAME)?;
    let now = tx.now_text().to_owned();
    let (entity, entity_id) = match record {
        Some((e, id)) => (Some(e), Some(id)),
        None => (None, None),
    };
    let t = Task {
        id: TaskId::new_at(tx.now()),
        title,
        entity,
        entity_id,
        rule: rule.map(str::to_owned),
        due_on: due_on.to_owned(),
        snoozed_until: None,
        status: TaskStatus::Open,
        done_at: None,
        created_at: now.clone(),
        updated_at: now,
    };
    write::task_created(tx, &t)?;
    Ok(t)
}

fn item(conn: &Conn, t: Task, today: &str) -> Result<TaskItem> {
    let label = match (t.entity, t.entity_id.as_deref()) {
        (Some(e), Some(id)) => repo::automation::record_label(conn, e, id)?,
        _ => None,
    };
    Ok(TaskItem {
        state: t.state(today),
        task: t,
        label,
    })
}

/// The tasks as of `today` (YYYY-MM-DD): open ones (also snoozed), or all
/// with done ones when `all`; of one record when `record` is given.
pub fn list(conn: &Conn, today: &str, all: bool, record: Option<&str>) -> Result<Vec<TaskItem>> {
    repo::automation::tasks(conn, all, record, 1000)?
        .into_iter()
        .map(|t| item(conn, t, today))
        .collect()
}

/// What "Today" shows: open tasks due by today (snoozed ones from their day).
pub fn today_list(conn: &Conn, today: &str) -> Result<Vec<TaskItem>> {
    Ok(list(conn, today, false, None)?
        .into_iter()
        .filter(|t| t.state == crate::model::TaskState::Due)
        .collect())
}

/// Mark a task done.
pub fn done(tx: &Tx, id: TaskId) -> Result<TaskItem> {
    let before = repo::automation::task(tx, id)?;
    if before.status == TaskStatus::Done {
        return Err(Error::InvalidTransition {
            entity: "task",
            from: "done".into(),
            to: "done".into(),
            detail: Some("the task is done already".into()),
        });
    }
    let after = Task {
        status: TaskStatus::Done,
        done_at: Some(tx.now_text().to_owned()),
        updated_at: tx.now_text().to_owned(),
        ..before.clone()
    };
    write::task_changed(tx, &before, &after, "done")?;
    item(tx, after, today(tx))
}

/// Hide an open task until `until` (YYYY-MM-DD, after today).
pub fn snooze(tx: &Tx, id: TaskId, until: &str) -> Result<TaskItem> {
    let day = crate::workflow::rules::parse_day("until", until)?;
    if day.as_str() <= today(tx) {
        return Err(Error::validation(
            "until",
            format!("must be a day after today ({})", today(tx)),
        ));
    }
    let before = repo::automation::task(tx, id)?;
    if before.status == TaskStatus::Done {
        return Err(Error::InvalidTransition {
            entity: "task",
            from: "done".into(),
            to: "snoozed".into(),
            detail: Some("a done task cannot be snoozed".into()),
        });
    }
    let after = Task {
        snoozed_until: Some(day),
        updated_at: tx.now_text().to_owned(),
        ..before.clone()
    };
    write::task_changed(tx, &before, &after, "snooze")?;
    item(tx, after, today(tx))
}
