//! The outbox's states: queued -> sending -> sent | queued again (a
//! temporary failure, retried with backoff) | failed (the server refused
//! it); queued or failed -> cancelled; failed or cancelled -> queued (retry).
//! Sending itself (SMTP, webhook, .eml) is `crate::mail`'s.
//!
//! Never twice: a sender marks a message `sending` (and commits) before it
//! talks to the server, and records the result after. A message found still
//! `sending` after [`SENDING_LEASE_MINUTES`] belonged to a sender that
//! stopped in between (a crash, a kill): whether the server took it is
//! unknown, so it is not sent again by itself. It becomes `failed` with a
//! note saying so; the manager checks and may retry it, which sends it with
//! the same Message-ID (mail systems that see it twice keep one).

use super::write;
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::model::{OutboxId, OutboxMessage, OutboxStatus};
use crate::store::{repo, Conn, Tx};
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// How long a sender may hold a message in `sending`.
pub const SENDING_LEASE_MINUTES: i64 = 10;
/// Minutes before attempt n+1 after n temporary failures.
const BACKOFF_MINUTES: &[i64] = &[1, 5, 15, 60, 240, 720];
/// The note of a message whose sender stopped while sending it.
pub const INTERRUPTED: &str = "interrupted while sending (the program stopped): it may or may not have been delivered; check with the recipient before retrying (a retry sends the same Message-ID)";

pub fn list(conn: &Conn, status: Option<OutboxStatus>, record: Option<&str>) -> Result<Vec<OutboxMessage>> {
    repo::automation::messages(conn, status, record, 1000)
}

pub fn get(conn: &Conn, id: OutboxId) -> Result<OutboxMessage> {
    repo::automation::message(conn, id)
}

fn refuse(m: &OutboxMessage, to: &str, why: &str) -> Error {
    Error::InvalidTransition {
        entity: "message",
        from: m.status.to_string(),
        to: to.into(),
        detail: Some(why.into()),
    }
}

fn changed(tx: &Tx, before: &OutboxMessage, after: OutboxMessage, action: &str) -> Result<OutboxMessage> {
    let after = OutboxMessage {
        updated_at: tx.now_text().to_owned(),
        ..after
    };
    write::message_changed(tx, before, &after, action)?;
    Ok(after)
}

/// Queue a failed or cancelled message again, to go out at the next send.
pub fn retry(tx: &Tx, id: OutboxId) -> Result<OutboxMessage> {
    let m = get(tx, id)?;
    if !matches!(m.status, OutboxStatus::Failed | OutboxStatus::Cancelled) {
        return Err(refuse(
            &m,
            "queued",
            "only a failed or cancelled message can be retried",
        ));
    }
    let after = OutboxMessage {
        status: OutboxStatus::Queued,
        next_attempt_at: tx.now_text().to_owned(),
        ..m.clone()
    };
    changed(tx, &m, after, "retry")
}

/// Cancel a queued or failed message (it is kept, and never sent).
pub fn cancel(tx: &Tx, id: OutboxId) -> Result<OutboxMessage> {
    let m = get(tx, id)?;
    if !matches!(m.status, OutboxStatus::Queued | OutboxStatus::Failed) {
        return Err(refuse(
            &m,
            "cancelled",
            "only a queued or failed message can be cancelled",
        ));
    }
    let after = OutboxMessage {
        status: OutboxStatus::Cancelled,
        ..m.clone()
    };
    changed(tx, &m, after, "cancel")
}

/// Mark a queued message `sending` (one more attempt); the caller commits
/// before it talks to the server.
pub fn claim(tx: &Tx, id: OutboxId) -> Result<OutboxMessage> {
    let m = get(tx, id)?;
    if m.status != OutboxStatus::Queued {
        return Err(refuse(
            &m,
            "sending",
            "another sender has it, or it is no longer queued",
        ));
    }
    let after = OutboxMessage {
        status: OutboxStatus::Sending,
        attempts: m.attempts + 1,
        claimed_at: Some(tx.now_text().to_owned()),
        ..m.clone()
    };
    changed(tx, &m, after, "send")
}

fn of_sending(tx: &Tx, id: OutboxId) -> Result<OutboxMessage> {
    let m = get(tx, id)?;
    if m.status != OutboxStatus::Sending {
        return Err(refuse(&m, "sent", "it is not being sent"));
    }
    Ok(m)
}

/// The server took it.
pub fn sent(tx: &Tx, id: OutboxId) -> Result<OutboxMessage> {
    let m = of_sending(tx, id)?;
    let after = OutboxMessage {
        status: OutboxStatus::Sent,
        sent_at: Some(tx.now_text().to_owned()),
        claimed_at: None,
        last_error: None,
        ..m.clone()
    };
    changed(tx, &m, after, "sent")
}

/// A temporary failure (server down, busy, 4xx): queued again, with the
/// error, for an attempt after a backoff.
pub fn deferred(tx: &Tx, id: OutboxId, error: &str) -> Result<OutboxMessage> {
    let m = of_sending(tx, id)?;
    let wait = BACKOFF_MINUTES[(m.attempts.max(1) as usize - 1).min(BACKOFF_MINUTES.len() - 1)];
    let after = OutboxMessage {
        status: OutboxStatus::Queued,
        claimed_at: None,
        last_error: Some(error.to_owned()),
        next_attempt_at: fmt_time(tx.now() + Duration::minutes(wait)),
        ..m.clone()
    };
    changed(tx, &m, after, "defer")
}

/// The server refused it for good (a rejected recipient, 5xx): failed, with its answer.
pub fn failed(tx: &Tx, id: OutboxId, error: &str) -> Result<OutboxMessage> {
    let m = of_sending(tx, id)?;
    let after = OutboxMessage {
        status: OutboxStatus::Failed,
        claimed_at: None,
        last_error: Some(error.to_owned()),
        ..m.clone()
    };
    changed(tx, &m, after, "fail")
}

/// Nothing could be tried (no connection, login refused): the message
/// stays queued with the error, and no attempt is counted.
pub fn not_tried(tx: &Tx, id: OutboxId, error: &str) -> Result<OutboxMessage> {
    let m = get(tx, id)?;
    if m.status != OutboxStatus::Queued || m.last_error.as_deref() == Some(error) {
        return Ok(m);
    }
    let after = OutboxMessage {
        last_error: Some(error.to_owned()),
        ..m.clone()
    };
    changed(tx, &m, after, "defer")
}

/// Messages left `sending` by a sender that stopped: failed, with the note
/// [`INTERRUPTED`] (see the module's comment).
pub fn recover_interrupted(tx: &Tx) -> Result<Vec<OutboxMessage>> {
    let before = fmt_time(tx.now() - Duration::minutes(SENDING_LEASE_MINUTES));
    let mut out = Vec::new();
    for m in repo::automation::stale_sending(tx, &before)? {
        let after = OutboxMessage {
            status: OutboxStatus::Failed,
            claimed_at: None,
            last_error: Some(INTERRUPTED.to_owned()),
            ..m.clone()
        };
        out.push(changed(tx, &m, after, "interrupted")?);
    }
    Ok(out)
}

/// What the status line shows.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxSummary {
    /// Messages queued or being sent.
    pub queued: i64,
    /// When the last attempt ended, whether it worked, and its error.
    pub last_attempt_at: Option<String>,
    pub last_ok: Option<bool>,
    pub last_error: Option<String>,
}

pub fn summary(conn: &Conn) -> Result<OutboxSummary> {
    let (queued, last) = repo::automation::outbox_status(conn)?;
    Ok(match last {
        Some((at, status, error)) => OutboxSummary {
            queued,
            last_attempt_at: Some(at),
            last_ok: Some(status == OutboxStatus::Sent),
            last_error: if status == OutboxStatus::Sent { None } else { error },
        },
        None => OutboxSummary {
            queued,
            ..Default::default()
        },
    })
}
