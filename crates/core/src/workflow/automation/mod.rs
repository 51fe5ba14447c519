//! Workflow automation and partner communications: e-mail templates and
//! the events that queue them (`templates`, `events`), the outbox's states
//! (`outbox`: sending itself is `crate::mail`'s), tasks (`tasks`) and the
//! timed rules `run-due` fires (`timed`). Everything here writes through
//! [`write`](mod@write).

pub mod events;
pub mod outbox;
pub mod tasks;
pub mod templates;
pub mod timed;
pub mod write;

use crate::error::{Error, Result};
use crate::model::text_enum;
use crate::store::{repo, Conn, Tx};
use serde::{Deserialize, Serialize};

/// Today (UTC) of a transaction, YYYY-MM-DD.
pub fn today<'a>(tx: &'a Tx) -> &'a str {
    tx.now_text().get(..10).unwrap_or_default()
}

text_enum!(
    /// How the SMTP connection is protected.
    SmtpSecurity, "smtp.security" {
        Starttls => "starttls",
        Tls => "tls",
        None => "none",
    }
);

/// The mail settings (`smtp.*`, `webhook.url`). The SMTP password is never
/// here: it lives in the OS keyring or a private file (`crate::mail::secret`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MailSettings {
    pub host: Option<String>,
    /// None: the port of the security (587 STARTTLS, 465 TLS, 25 none).
    pub port: Option<u16>,
    pub security: SmtpSecurity,
    pub user: Option<String>,
    /// The sender, `Name <address>` or an address.
    pub from: Option<String>,
    /// A Slack or Discord incoming webhook that gets a line per event.
    pub webhook_url: Option<String>,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            host: None,
            port: None,
            security: SmtpSecurity::Starttls,
            user: None,
            from: None,
            webhook_url: None,
        }
    }
}

/// The setting keys of the mail settings.
pub const MAIL_KEYS: &[&str] = &[
    "smtp.host",
    "smtp.port",
    "smtp.security",
    "smtp.user",
    "smtp.from",
    "webhook.url",
];

/// Whether `host` is a loopback address (where plain SMTP is allowed).
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl MailSettings {
    pub fn load(conn: &Conn) -> Result<MailSettings> {
        let raw = repo::settings::all(conn)?;
        let get = |k: &str| raw.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Ok(MailSettings {
            host: get("smtp.host"),
            port: get("smtp.port").and_then(|p| p.parse().ok()),
            security: get("smtp.security")
                .and_then(|s| SmtpSecurity::parse(&s).ok())
                .unwrap_or(SmtpSecurity::Starttls),
            user: get("smtp.user"),
            from: get("smtp.from"),
            webhook_url: get("webhook.url"),
        })
    }

    /// The port in use.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        })
    }

    /// The domain of Message-IDs: the sender's, else `partnerdesk.invalid`.
    pub fn message_id_domain(&self) -> String {
        self.from
            .as_deref()
            .and_then(|f| f.trim().trim_end_matches('>').rsplit_once('@'))
            .map(|(_, d)| d.trim().to_ascii_lowercase())
            .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
            .unwrap_or_else(|| "partnerdesk.invalid".into())
    }

    /// Apply `key` = `value` (checked; empty clears a key); returns the
    /// stored text.
    pub fn apply(&mut self, key: &str, value: &str) -> Result<String> {
        let v = value.trim();
        let opt = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        match key {
            "smtp.host" => {
                if v.chars().any(|c| c.is_whitespace() || c == '/' || c == ':') && !v.starts_with('[') {
                    return Err(Error::validation(key, format!("{v:?} is not a host name or address")));
                }
                self.host = opt(v);
            }
            "smtp.port" => {
                self.port = if v.is_empty() {
                    None
                } else {
                    Some(v.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                        Error::validation(key, format!("must be a port number from 1 to 65535 (got {v:?})"))
                    })?)
                };
            }
            "smtp.security" => self.security = SmtpSecurity::parse(if v.is_empty() { "starttls" } else { v })?,
            "smtp.user" => self.user = opt(v),
            "smtp.from" => {
                if !v.is_empty() {
                    v.parse::<lettre::message::Mailbox>().map_err(|e| {
                        Error::validation(
                            key,
                            format!("{v:?} is not a sender like \"Agency <partners@agency.example>\" ({e})"),
                        )
                    })?;
                }
                self.from = opt(v);
            }
            "webhook.url" => {
                if !(v.is_empty() || v.starts_with("https://") || v.starts_with("http://")) {
                    return Err(Error::validation(
                        key,
                        "must be the https:// address of a Slack or Discord incoming webhook",
                    ));
                }
                self.webhook_url = opt(v);
            }
            _ => return Err(Error::validation("key", format!("unknown setting {key:?}"))),
        }
        if self.security == SmtpSecurity::None {
            if let Some(h) = self.host.as_deref().filter(|h| !is_loopback(h)) {
                return Err(Error::validation(
                    key,
                    format!("smtp.security none (no encryption) is only for a server on this computer (localhost, 127.0.0.1, ::1), not {h}: use starttls or tls"),
                ));
            }
        }
        Ok(if key == "smtp.security" {
            self.security.to_string()
        } else {
            v.to_owned()
        })
    }

    /// (key, value, meaning) of each mail setting, for `settings get`.
    pub fn entries(&self) -> Vec<(String, String, String)> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            (
                "smtp.host".into(),
                o(&self.host),
                "the SMTP server that sends the outbox".into(),
            ),
            (
                "smtp.port".into(),
                self.port.map(|p| p.to_string()).unwrap_or_default(),
                "its port (empty: 587 for starttls, 465 for tls)".into(),
            ),
            (
                "smtp.security".into(),
                self.security.to_string(),
                "starttls, tls, or none (only for a server on this computer)".into(),
            ),
            (
                "smtp.user".into(),
                o(&self.user),
                "the SMTP user (the password: partnerdesk smtp-password)".into(),
            ),
            (
                "smtp.from".into(),
                o(&self.from),
                "the sender of the e-mails, Name <address>".into(),
            ),
            (
                "webhook.url".into(),
                o(&self.webhook_url),
                "a Slack or Discord incoming webhook told of each event (empty: none)".into(),
            ),
        ]
    }
}
