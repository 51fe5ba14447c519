//! The records, their enums and id newtypes.

mod application;
mod automation;
mod commission;
mod lead;
mod partner;
mod payout;
mod plan;
mod rules;

pub use application::*;
pub use automation::*;
pub use commission::*;
pub use lead::*;
pub use partner::*;
pub use payout::*;
pub use plan::*;
pub use rules::*;

use serde::{Deserialize, Serialize};

/// Declares a string-backed enum stored in a CHECK-constrained TEXT column.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $field:literal { $($var:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }
            /// Parse the stored/typed name; the error names the field and lists the choices.
            pub fn parse(text: &str) -> $crate::error::Result<Self> {
                let t = text.trim().to_ascii_lowercase().replace('-', "_");
                match t.as_str() {
                    $($s => Ok($name::$var),)+
                    _ => Err($crate::error::Error::validation(
                        $field,
                        format!("unknown value {:?}; expected one of: {}", text, [$($s),+].join(", ")),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Self::parse(s) }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(self.as_str().as_bytes())))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                $name::parse(s).map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    };
}
pub(crate) use text_enum;

/// Declares a UUID-v7 id newtype, stored as TEXT.
macro_rules! id_type {
    ($(#[$m:meta])* $name:ident, $entity:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A new time-ordered id for a record created at `at`.
            pub fn new_at(at: chrono::DateTime<chrono::Utc>) -> Self {
                $name($crate::model::uuid_v7_at(at))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl $crate::model::IdType for $name {
            const ENTITY: $crate::model::Entity = $entity;
            fn from_uuid(u: uuid::Uuid) -> Self {
                $name(u)
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.0.hyphenated().to_string()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                uuid::Uuid::parse_str(s)
                    .map($name)
                    .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    };
}
pub(crate) use id_type;

/// An id newtype of one kind of record.
pub trait IdType: Copy {
    const ENTITY: Entity;
    fn from_uuid(u: uuid::Uuid) -> Self;
}

/// A UUID v7 whose timestamp is `at` (random bits from the OS).
pub fn uuid_v7_at(at: chrono::DateTime<chrono::Utc>) -> uuid::Uuid {
    let ms = at.timestamp_millis().max(0) as u64;
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, ms / 1000, ((ms % 1000) * 1_000_000) as u32);
    uuid::Uuid::new_v7(ts)
}

/// A page of a list, with the total number of matching rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// One row of the audit log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

text_enum!(
    /// Kinds of record, as named in the audit log and in id look-ups.
    Entity, "entity" {
        Application => "application",
        Partner => "partner",
        Lead => "lead",
        Commission => "commission",
        Payout => "payout",
        Plan => "plan",
        Setting => "setting",
        Database => "database",
        Task => "task",
        Outbox => "outbox",
        Automation => "automation",
    }
);

impl Entity {
    /// The table holding this kind of record, for those with one.
    pub fn table(self) -> Option<&'static str> {
        Some(match self {
            Entity::Application => "partner_applications",
            Entity::Partner => "partners",
            Entity::Lead => "client_leads",
            Entity::Commission => "commissions",
            Entity::Payout => "payouts",
            Entity::Plan => "app_plans_partnership",
            Entity::Task => "tasks",
            Entity::Outbox => "outbox",
            Entity::Setting | Entity::Database | Entity::Automation => return None,
        })
    }
}

/// One field an edit (or an import with `--update`) changes: its old and new
/// value as text (amounts as decimals, "1234.50"; None when empty).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The changes between `old` and `new` values of fields, in the order given.
#[derive(Default)]
pub(crate) struct Changes(pub Vec<FieldChange>);

impl Changes {
    /// Note `field` when its value differs.
    pub fn note<T: PartialEq + ?Sized>(&mut self, field: &str, old: &T, new: &T, text: impl Fn(&T) -> Option<String>) {
        if old != new {
            self.0.push(FieldChange {
                field: field.to_owned(),
                old: text(old),
                new: text(new),
            });
        }
    }
}

/// Text of an optional text value, for [`Changes::note`].
pub(crate) fn opt_text(v: &Option<String>) -> Option<String> {
    v.clone()
}

/// Text of a text value, for [`Changes::note`].
pub(crate) fn text<T: ToString + ?Sized>(v: &T) -> Option<String> {
    Some(v.to_string())
}

/// The identity of a new record: by default a fresh id at the clock's time;
/// an import of an export keeps the id and creation time the record had.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub id: Option<uuid::Uuid>,
    /// RFC 3339, as the database writes times.
    pub created_at: Option<String>,
}
