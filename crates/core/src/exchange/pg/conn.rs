//! The connection to PostgreSQL: the URL's TLS settings, the certificate
//! checks, and the targets refused before any connection.
//!
//! - `sslmode` as libpq reads it: `disable`, `prefer` (the default: TLS when
//!   the server offers it, no certificate check), `require` (TLS, no
//!   certificate check), `verify-ca` (the certificate chain is checked, not
//!   the host name), `verify-full` (chain and host name). As in libpq,
//!   `require` with an `sslrootcert` file checks the chain (`verify-ca`).
//! - A host that is not a loopback address (or `localhost`, or a Unix
//!   socket) gets `require` at least: `disable` and `prefer` are raised, so
//!   no password goes in clear to another computer.
//! - Root certificates: `sslrootcert=FILE` (PEM, for a private CA such as
//!   Supabase's), else Mozilla's roots shipped in the `webpki-roots` crate;
//!   `sslrootcert=system` names those explicitly and, as in libpq, means
//!   `verify-full`.
//! - rustls with `ring` as its one crypto provider, given to every
//!   configuration explicitly (no process-wide default is used or set).
//! - Supabase's transaction pooler (`*.pooler.supabase.com:6543`) is
//!   refused: it does not support the prepared statements the push uses.

use super::tls::tls_connector;
use super::url::{Settings, SslMode};
use crate::error::{Error, Result};
use std::sync::{Arc, Mutex};

/// Connect with `settings`.
pub fn connect(s: &Settings) -> Result<postgres::Client> {
    let failure = Arc::new(Mutex::new(None));
    let tls = tls_connector(s, failure.clone())?;
    s.config.connect(tls).map_err(|e| {
        let cert_failure = failure.lock().ok().and_then(|mut f| f.take());
        connect_error(s, e, cert_failure)
    })
}

/// The error with its causes ("error connecting to server" alone says little).
pub(super) fn describe_error(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// The error of a failed connection, in words that say what to do.
fn connect_error(s: &Settings, e: postgres::Error, cert_failure: Option<String>) -> Error {
    let at = s.where_();
    if let Some(why) = cert_failure {
        return Error::validation("postgres", format!("TLS to {at} refused: {why}"));
    }
    if let Some(db) = e.as_db_error() {
        let m = db.message();
        if db.code().code() == "28000"
            && (m.contains("no encryption") || m.contains("SSL off"))
            && s.ssl_mode <= SslMode::Prefer
        {
            return Error::validation(
                "postgres",
                format!(
                    "the server at {at} requires TLS: use sslmode=require or stricter (sslmode={} was used)",
                    s.ssl_mode
                ),
            );
        }
    }
    let text = describe_error(&e);
    if s.ssl_mode >= SslMode::Require && text.contains("server does not support TLS") {
        let why = if s.requested.is_some_and(|r| r >= SslMode::Require) {
            format!("sslmode={} was asked for", s.ssl_mode)
        } else {
            "TLS is compulsory for a host that is not this computer".to_owned()
        };
        return Error::validation(
            "postgres",
            format!("the server at {at} does not offer TLS, and {why}: turn TLS on in the server"),
        );
    }
    let detail = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => text,
    };
    Error::io(
        format!("connecting on PostgreSQL at {}", s.shown),
        std::io::Error::other(detail),
    )
}
