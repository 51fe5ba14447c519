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

    /// The database is encrypted and no passphrase given opens it.
    #[error("the passphrase is missing or wrong: {reason}")]
    Locked { reason: String },

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

/// Declares [`ErrorKind`]: each kind with its stable name.
macro_rules! error_kinds {
    ($($(#[$m:meta])* $var:ident => $s:literal),+ $(,)?) => {
        /// The kinds of failure, by the stable name the shell, the CLI and the
        /// UI switch on (the UI gets them as a TypeScript union).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorKind { $($(#[$m])* $var),+ }

        impl ErrorKind {
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$var),+];
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorKind::$var => $s),+ }
            }
        }
    };
}

error_kinds! {
    Validation => "validation",
    NotFound => "not_found",
    InvalidTransition => "invalid_transition",
    Conflict => "conflict",
    NewerSchema => "newer_schema",
    Corrupt => "corrupt",
    Locked => "locked",
    Cancelled => "cancelled",
    Storage => "storage",
    Migration => "migration",
    Io => "io",
}

/// The serializable shape every front end receives: `{kind, field, message}`.
/// `kind` is an [`ErrorKind`] name (the CLI's JSON adds its own `usage` and
/// `error`, which never reach the UI).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorInfo {
    #[cfg_attr(feature = "ts", ts(as = "ErrorKind"))]
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
        self.error_kind().as_str()
    }

    pub fn error_kind(&self) -> ErrorKind {
        match self {
            Error::Validation { .. } => ErrorKind::Validation,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::InvalidTransition { .. } => ErrorKind::InvalidTransition,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::NewerSchema { .. } => ErrorKind::NewerSchema,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::Locked { .. } => ErrorKind::Locked,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::Storage(_) => ErrorKind::Storage,
            Error::Migration(_) => ErrorKind::Migration,
            Error::Io { .. } => ErrorKind::Io,
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

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    #[test]
    fn each_kind_is_sent_by_its_stable_name() {
        for k in ErrorKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
