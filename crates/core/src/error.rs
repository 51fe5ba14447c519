//! The one error type of core. Each variant is a kind of failure the user
//! (or the UI) must be able to tell apart; `kind()` gives the stable name the
//! shell and the CLI switch on, never the message.

use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule about a single field.
    #[error("{field}: {reason}")]
    Validation { field: String, reason: String },

    /// The record (or id prefix) does not exist.
    #[error("{entity} not found: {id}")]
    NotFound { entity: &'static str, id: String },

    /// A state machine refuses the move.
    #[error("{entity} cannot move from {from} to {to}{}", detail_suffix(.detail))]
    InvalidTransition {
        entity: &'static str,
        from: String,
        to: String,
        detail: Option<String>,
    },

    /// The change clashes with data already there (a duplicate e-mail, a
    /// partner that does not take leads, ...).
    #[error("{0}")]
    Conflict(String),

    /// The database file was written by a newer Partnerdesk.
    #[error("the database {path} was written by a newer version of Partnerdesk (schema version {found}, this version knows up to {known}); update Partnerdesk to open it")]
    NewerSchema { path: String, found: i64, known: i64 },

    /// The file is not a Partnerdesk database, or it fails its integrity check.
    #[error(
        "the database {path} is damaged or not a Partnerdesk database ({reason}); it was not changed. Restore a backup"
    )]
    Corrupt { path: String, reason: String },

    /// The work was cancelled by the user.
    #[error("cancelled")]
    Cancelled,

    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),

    #[error("migration failed: {0}")]
    Migration(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn detail_suffix(d: &Option<String>) -> String {
    match d {
        Some(d) => format!(" ({d})"),
        None => String::new(),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The serializable shape every front end receives: `{kind, field, message}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorInfo {
    pub kind: &'static str,
    pub field: Option<String>,
    pub message: String,
}

impl Error {
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn not_found(entity: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound { entity, id: id.into() }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Stable machine-readable name of the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Validation { .. } => "validation",
            Error::NotFound { .. } => "not_found",
            Error::InvalidTransition { .. } => "invalid_transition",
            Error::Conflict(_) => "conflict",
            Error::NewerSchema { .. } => "newer_schema",
            Error::Corrupt { .. } => "corrupt",
            Error::Cancelled => "cancelled",
            Error::Storage(_) => "storage",
            Error::Migration(_) => "migration",
            Error::Io { .. } => "io",
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Validation { field, .. } => Some(field),
            _ => None,
        }
    }

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo {
            kind: self.kind(),
            field: self.field().map(str::to_owned),
            message: self.to_string(),
        }
    }
}
