//! Records of the automation: tasks, the outbox, templates and timed rules.

use super::{id_type, text_enum, Entity};
use serde::{Deserialize, Serialize};

id_type!(TaskId, super::Entity::Task);
id_type!(OutboxId, super::Entity::Outbox);

text_enum!(TaskStatus, "status" {
    Open => "open",
    Done => "done",
});

text_enum!(
    /// How a task stands today: open (due later), due (today or overdue),
    /// snoozed (hidden until its day), done.
    TaskState, "state" {
        Open => "open",
        Due => "due",
        Snoozed => "snoozed",
        Done => "done",
    }
);

/// A task for the manager, linked to its record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Task {
    pub id: TaskId,
    pub title: String,
    /// The record it is about (application, partner, lead or payout).
    pub entity: Option<Entity>,
    pub entity_id: Option<String>,
    /// The rule that made it (None: made by hand).
    pub rule: Option<String>,
    /// YYYY-MM-DD.
    pub due_on: String,
    pub snoozed_until: Option<String>,
    pub status: TaskStatus,
    pub done_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Task {
    /// How the task stands on `today` (YYYY-MM-DD).
    pub fn state(&self, today: &str) -> TaskState {
        if self.status == TaskStatus::Done {
            TaskState::Done
        } else if self.snoozed_until.as_deref().is_some_and(|s| s > today) {
            TaskState::Snoozed
        } else if self.due_on.as_str() <= today || self.snoozed_until.is_some() {
            TaskState::Due
        } else {
            TaskState::Open
        }
    }
}

/// A task as the lists show it: its state today and its record's name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaskItem {
    #[serde(flatten)]
    pub task: Task,
    pub state: TaskState,
    /// The record's name (a partner's or applicant's name, a lead's client).
    pub label: Option<String>,
}

text_enum!(OutboxStatus, "status" {
    Queued => "queued",
    Sending => "sending",
    Sent => "sent",
    Failed => "failed",
    Cancelled => "cancelled",
});

text_enum!(Channel, "channel" {
    Email => "email",
    Webhook => "webhook",
});

/// One message of the outbox: an e-mail to a partner or applicant, or a
/// notification to the webhook.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxMessage {
    pub id: OutboxId,
    pub channel: Channel,
    /// The template (event) it was made from.
    pub event: String,
    pub entity: Option<Entity>,
    pub entity_id: Option<String>,
    /// The e-mail address (or `webhook`).
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub subject: String,
    pub body: String,
    /// What is attached when it is sent: `statement:<partner id>` (the
    /// partner's statement as HTML), or None.
    pub attachment: Option<String>,
    /// The Message-ID header, fixed when queued (`<id@domain>`).
    pub message_id: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub claimed_at: Option<String>,
    /// The server's answer (or why it could not be reached) of the last attempt.
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// An e-mail template (built in, or as the manager changed it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Template {
    pub name: String,
    /// A group's own text (the welcome sequence); None: every group.
    pub group_id: Option<super::GroupId>,
    pub subject: String,
    pub body: String,
    pub enabled: bool,
    /// Changed by the manager (false: the built-in text).
    pub custom: bool,
    /// What sends it, in words.
    pub description: String,
    /// The merge fields it may use (`{{name}}`).
    pub fields: Vec<String>,
    /// Which record a preview takes (`application`, `partner`, `payout`, `commission`).
    pub record: String,
}

/// A built-in timed rule as set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AutomationRule {
    pub name: String,
    pub description: String,
    pub enabled: bool,
    /// Its number of days (None: a rule without one).
    pub days: Option<i64>,
    /// The onboarding checklist's items (None for the other rules).
    pub items: Option<Vec<String>>,
    /// When it last fired (RFC 3339), if ever.
    pub last_fired_at: Option<String>,
    /// When it fires next as the data stand now, when something is waiting.
    pub next_firing_at: Option<String>,
}
