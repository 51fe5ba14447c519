//! Sending the outbox: e-mails through the manager's SMTP server (lettre,
//! TLS by rustls with ring), notifications to a Slack or Discord webhook,
//! and any e-mail saved as an `.eml` file for a mail client. The states and
//! the never-twice rule are `workflow::automation::outbox`'s: each message
//! is marked `sending` in its own committed transaction before the server
//! is asked, and its result recorded after.

pub mod secret;
mod webhook;

pub use secret::SecretPlace;

use crate::error::{Error, Result};
use crate::model::{Channel, OutboxId, OutboxMessage};
use crate::store::{repo, Store};
use crate::workflow::automation::events::statement_name;
use crate::workflow::automation::{outbox, MailSettings, SmtpSecurity};
use lettre::message::{header::ContentType, Attachment, Mailbox, Message, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{SmtpTransport, Transport};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Why no e-mail is sent before a sender is set.
const NO_SENDER: &str = "no sender is set (settings set smtp.from \"Name <address>\"); the e-mails stay queued, and each can be saved as an .eml file (outbox save)";
/// The sender of an `.eml` saved before `smtp.from` is set.
pub const UNSET_SENDER: &str = "Partnerdesk <sender-not-set@partnerdesk.invalid>";

/// How long the SMTP server or the webhook may take to answer.
const TIMEOUT: Duration = Duration::from_secs(20);
/// Messages one send run takes at most.
const BATCH: i64 = 200;

/// One message that did not go out, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SendProblem {
    pub id: OutboxId,
    pub recipient: String,
    pub error: String,
}

/// What one send run did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SendReport {
    pub sent: Vec<OutboxId>,
    /// Refused by the server for good (now `failed`).
    pub failed: Vec<SendProblem>,
    /// A temporary failure: queued again for a later attempt.
    pub deferred: Vec<SendProblem>,
    /// Left `sending` by a sender that stopped: now `failed` (see `outbox`).
    pub interrupted: Vec<OutboxId>,
    /// Why nothing could be sent (no SMTP settings, the server does not
    /// answer, the login is refused): the messages stay queued with it.
    pub error: Option<String>,
    /// Messages still queued after the run.
    pub queued: i64,
}

/// Send the queued messages whose attempt is due (all queued ones when
/// `force`: "send now").
pub fn send_due(store: &Store, force: bool) -> Result<SendReport> {
    let replica: bool =
        store.read(|c| Ok(c.query_row("SELECT EXISTS (SELECT 1 FROM sync_applied)", [], |r| r.get(0))?))?;
    if replica {
        return Err(Error::Conflict(
            "this database is a replica (sync apply): its e-mails are sent by the database it copies".into(),
        ));
    }
    let mut report = SendReport {
        interrupted: store
            .write(outbox::recover_interrupted)?
            .into_iter()
            .map(|m| m.id)
            .collect(),
        ..Default::default()
    };
    let now = crate::clock::fmt_time(store.now());
    let (settings, due) = store.read(|c| {
        Ok((
            MailSettings::load(c)?,
            repo::automation::due_messages(c, (!force).then_some(now.as_str()), BATCH)?,
        ))
    })?;
    let (emails, hooks): (Vec<_>, Vec<_>) = due.into_iter().partition(|m| m.channel == Channel::Email);
    if !emails.is_empty() {
        let transport = match settings.from {
            None => Err(NO_SENDER.to_owned()),
            Some(_) => smtp_transport(&settings),
        };
        match transport {
            Ok(transport) => send_emails(store, &settings, &transport, emails, &mut report)?,
            Err(e) => not_tried(store, &emails, &e, &mut report)?,
        }
    }
    if !hooks.is_empty() {
        match settings.webhook_url.as_deref() {
            Some(url) => {
                for m in hooks {
                    let claimed = match store.write(|tx| outbox::claim(tx, m.id)) {
                        Ok(c) => c,
                        // Another sender took it in the meantime.
                        Err(Error::InvalidTransition { .. }) => continue,
                        Err(e) => return Err(e),
                    };
                    let payload = serde_json::json!({"text": claimed.body, "content": claimed.body}).to_string();
                    match webhook::post(url, &payload, TIMEOUT) {
                        Ok(()) => {
                            store.write(|tx| outbox::sent(tx, m.id))?;
                            report.sent.push(m.id);
                        }
                        Err(webhook::HookError::Refused(e)) => {
                            store.write(|tx| outbox::failed(tx, m.id, &e))?;
                            report.failed.push(problem(&m, e));
                        }
                        Err(webhook::HookError::Unreachable(e)) => {
                            store.write(|tx| outbox::deferred(tx, m.id, &e))?;
                            report.deferred.push(problem(&m, e));
                        }
                    }
                }
            }
            None => not_tried(
                store,
                &hooks,
                "no webhook is set (settings set webhook.url URL)",
                &mut report,
            )?,
        }
    }
    report.queued = store.read(|c| Ok(repo::automation::outbox_status(c)?.0))?;
    Ok(report)
}

fn problem(m: &OutboxMessage, error: String) -> SendProblem {
    SendProblem {
        id: m.id,
        recipient: m.recipient.clone(),
        error,
    }
}

fn not_tried(store: &Store, msgs: &[OutboxMessage], error: &str, report: &mut SendReport) -> Result<()> {
    store.write(|tx| {
        for m in msgs {
            outbox::not_tried(tx, m.id, error)?;
        }
        Ok(())
    })?;
    report.error = Some(error.to_owned());
    Ok(())
}

/// The SMTP transport of the settings, its connection and login checked.
fn smtp_transport(s: &MailSettings) -> std::result::Result<SmtpTransport, String> {
    let host = s
        .host
        .as_deref()
        .ok_or("SMTP is not set up (settings set smtp.host HOST); the e-mails stay queued, and each can be saved as an .eml file (outbox save)")?;
    let builder = match s.security {
        SmtpSecurity::Starttls => SmtpTransport::starttls_relay(host).map_err(|e| describe(host, &e))?,
        SmtpSecurity::Tls => SmtpTransport::relay(host).map_err(|e| describe(host, &e))?,
        SmtpSecurity::None => {
            if !crate::workflow::automation::is_loopback(host) {
                return Err(format!(
                    "smtp.security none is only allowed for a server on this computer, not {host}"
                ));
            }
            SmtpTransport::builder_dangerous(host)
        }
    };
    let mut builder = builder.port(s.port_or_default()).timeout(Some(TIMEOUT));
    if let Some(user) = s.user.as_deref() {
        let password = secret::get(user, host)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no SMTP password is kept for {user} at {host}: give it with `partnerdesk smtp-password` (or in Settings)"))?;
        builder = builder.credentials(Credentials::new(user.to_owned(), password));
    }
    let transport = builder.build();
    match transport.test_connection() {
        Ok(true) => Ok(transport),
        Ok(false) => Err(format!("the SMTP server {host} did not answer")),
        Err(e) => Err(describe(host, &e)),
    }
}

/// An SMTP error in words, with the server's answer when there is one.
fn describe(host: &str, e: &lettre::transport::smtp::Error) -> String {
    let detail = std::error::Error::source(e)
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    if e.is_permanent() && e.status().is_some_and(|c| c.to_string().starts_with("535")) {
        format!("the SMTP server {host} refused the login (wrong user or password): {e}{detail}")
    } else if e.is_permanent() || e.is_transient() {
        format!("the SMTP server {host} answered: {e}{detail}")
    } else if e.is_timeout() {
        format!("the SMTP server {host} did not answer in time{detail}")
    } else {
        format!("cannot reach the SMTP server {host}: {e}{detail}")
    }
}

fn send_emails(
    store: &Store,
    s: &MailSettings,
    transport: &SmtpTransport,
    msgs: Vec<OutboxMessage>,
    report: &mut SendReport,
) -> Result<()> {
    let host = s.host.clone().unwrap_or_default();
    let mut rest = msgs.into_iter();
    for m in rest.by_ref() {
        let claimed = match store.write(|tx| outbox::claim(tx, m.id)) {
            Ok(c) => c,
            // Another sender took it in the meantime.
            Err(Error::InvalidTransition { .. }) => continue,
            Err(e) => return Err(e),
        };
        let email = match build(store, s, &claimed) {
            Ok(e) => e,
            Err(e) => {
                let text = e.to_string();
                store.write(|tx| outbox::failed(tx, m.id, &text))?;
                report.failed.push(problem(&m, text));
                continue;
            }
        };
        match transport.send(&email) {
            Ok(_) => {
                store.write(|tx| outbox::sent(tx, m.id))?;
                report.sent.push(m.id);
            }
            Err(e) if e.is_permanent() => {
                let text = describe(&host, &e);
                store.write(|tx| outbox::failed(tx, m.id, &text))?;
                report.failed.push(problem(&m, text));
            }
            Err(e) => {
                let text = describe(&host, &e);
                store.write(|tx| outbox::deferred(tx, m.id, &text))?;
                report.deferred.push(problem(&m, text.clone()));
                // The server went away: the others wait for the next run.
                report.error = Some(text);
                break;
            }
        }
    }
    Ok(())
}

/// The e-mail of a message, as sent and as saved: its Message-ID, sender,
/// recipient, text and the statement it attaches.
pub fn build(store: &Store, s: &MailSettings, m: &OutboxMessage) -> Result<Message> {
    if m.channel != Channel::Email {
        return Err(Error::validation("message", "a webhook notification is not an e-mail"));
    }
    // Sending needs a sender (`send_due` checks it first); a message saved
    // before one is set names this placeholder, for the mail client to replace.
    let from = s.from.as_deref().unwrap_or(UNSET_SENDER);
    let from: Mailbox = from
        .parse()
        .map_err(|e| Error::validation("smtp.from", format!("{from:?} is not a sender address ({e})")))?;
    let address = m.recipient.parse().map_err(|e| {
        Error::validation(
            "recipient",
            format!("{:?} is not an e-mail address the server can take ({e})", m.recipient),
        )
    })?;
    let builder = Message::builder()
        .from(from)
        .to(Mailbox::new(m.recipient_name.clone(), address))
        .subject(m.subject.clone())
        .message_id(Some(m.message_id.clone()))
        .user_agent("Partnerdesk".into());
    let text = SinglePart::plain(m.body.clone());
    let built = match m.attachment.as_deref().and_then(|a| a.strip_prefix("statement:")) {
        Some(partner) => {
            let id = uuid::Uuid::parse_str(partner)
                .map(crate::model::PartnerId)
                .map_err(|e| Error::validation("attachment", e.to_string()))?;
            let stamp = crate::clock::fmt_time(store.now());
            let html = store.read(|c| {
                let st = crate::exchange::statement::statement(c, id, &stamp)?;
                Ok(crate::exchange::statement::render_html(&st))
            })?;
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(text)
                    .singlepart(Attachment::new(statement_name(partner)).body(html, ContentType::TEXT_HTML)),
            )
        }
        None => builder.singlepart(text),
    };
    built.map_err(|e| Error::validation("message", format!("the e-mail cannot be built: {e}")))
}

/// Save a message as an `.eml` file (RFC 5322, what mail clients open).
pub fn save_eml(store: &Store, id: OutboxId, path: &std::path::Path) -> Result<OutboxMessage> {
    if path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
        != Some("eml")
    {
        return Err(Error::validation("out", "the file name must end in .eml"));
    }
    let (settings, m) = store.read(|c| Ok((MailSettings::load(c)?, outbox::get(c, id)?)))?;
    let email = build(store, &settings, &m)?;
    crate::exchange::export::write_file_atomically(path, &email.formatted())?;
    Ok(m)
}
