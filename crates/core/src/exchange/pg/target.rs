//! What a target database holds, and how Partnerdesk's rows fit into it.
//!
//! A target is either empty (Partnerdesk creates its [`super::SCHEMA`]) or
//! already holds tables of the same names, such as the original system's five
//! Supabase tables: money as `numeric(10,2)` in currency units, the rate as
//! `numeric(5,2)` in percent, tiers and statuses in whatever case their CHECK
//! constraints (or enum types) allow, and columns Partnerdesk does not know.
//!
//! - Partnerdesk's own shape is read from its schema itself: the schema is
//!   created in the session's temporary schema inside a transaction that is
//!   rolled back ([`own_shape`]), so the types added to an existing table are
//!   exactly the types a new table would get, with nothing to keep in step.
//! - [`plan`] compares the two: tables to create, columns to add (nullable,
//!   `ADD COLUMN IF NOT EXISTS`, no constraint), and per column how a value
//!   is written ([`Slot`]).
//! - [`Slot::encode`] converts a local value to the text the target column
//!   takes and refuses, naming table, column and value, what the column
//!   cannot hold: cents and basis points become `numeric` currency units and
//!   percent (divided by 100, exactly, or refused when the scale is too
//!   small), numbers are checked against the precision and integer ranges,
//!   text against `varchar(n)`, and an enum value is written in the spelling
//!   the target's CHECK or enum type accepts (`bronze` -> `Bronze`).

use super::sync::SqlValue;
use crate::error::{Error, Result};
use postgres::GenericClient;
use std::collections::{BTreeMap, HashMap};

/// One column of a table there.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Column {
    pub(super) name: String,
    /// The type as PostgreSQL writes it (`numeric(10,2)`, `text`, `partner_tier`).
    pub(super) sql_type: String,
    /// The base type's name (`numeric`, `int4`, `varchar`, `partner_tier`).
    pub(super) udt: String,
    pub(super) not_null: bool,
    pub(super) has_default: bool,
    /// The values its single-column CHECK (`col IN (...)`) or enum type allows.
    pub(super) allowed: Option<Vec<String>>,
}

/// The tables of one schema, by name, with their columns in order.
#[derive(Debug, Clone, Default)]
pub(super) struct Shape {
    pub(super) tables: BTreeMap<String, Vec<Column>>,
    pub(super) indexes: Vec<String>,
}

const COLUMNS_SQL: &str = "
SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), t.typname::text,
       a.attnotnull, (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''),
       CASE WHEN t.typtype = 'e'
            THEN (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
       END
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum";

const CHECKS_SQL: &str = "
SELECT c.relname::text, pg_get_constraintdef(k.oid),
       (SELECT array_agg(a.attname::text) FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey))
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND k.contype = 'c'";

const INDEXES_SQL: &str = "SELECT indexname::text FROM pg_indexes WHERE schemaname = $1";

/// Read the tables of schema `schema` there.
pub(super) fn read_shape(client: &mut impl GenericClient, schema: &str) -> std::result::Result<Shape, postgres::Error> {
    let mut shape = Shape::default();
    for r in client.query(COLUMNS_SQL, &[&schema])? {
        let enum_labels: Option<Vec<String>> = r.get(6);
        shape.tables.entry(r.get(0)).or_default().push(Column {
            name: r.get(1),
            sql_type: r.get(2),
            udt: r.get(3),
            not_null: r.get(4),
            has_default: r.get(5),
            allowed: enum_labels,
        });
    }
    for r in client.query(CHECKS_SQL, &[&schema])? {
        let table: String = r.get(0);
        let def: String = r.get(1);
        let cols: Option<Vec<String>> = r.get(2);
        let Some([col]) = cols.as_deref() else { continue };
        let Some(values) = allowed_values(&def) else { continue };
        if let Some(c) = shape
            .tables
            .get_mut(&table)
            .and_then(|cs| cs.iter_mut().find(|c| &c.name == col))
        {
            // Two CHECKs on one column: a value must pass both.
            c.allowed = Some(match c.allowed.take() {
                Some(prev) => prev.into_iter().filter(|v| values.contains(v)).collect(),
                None => values,
            });
        }
    }
    shape.indexes = client
        .query(INDEXES_SQL, &[&schema])?
        .iter()
        .map(|r| r.get(0))
        .collect();
    Ok(shape)
}

/// The literals of a CHECK that only lists the values of one column
/// (`CHECK ((tier = ANY (ARRAY['Bronze'::text, ...])))`, or `IN (...)` as
/// written); None for any other CHECK (its refusals come from the server).
pub(super) fn allowed_values(def: &str) -> Option<Vec<String>> {
    let upper = def.to_ascii_uppercase();
    if !(upper.contains("= ANY") || upper.contains(" IN (")) || upper.contains(" AND ") || upper.contains(" OR ") {
        return None;
    }
    let mut out = Vec::new();
    let mut chars = def.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '\'' {
            continue;
        }
        let mut lit = String::new();
        loop {
            match chars.next() {
                Some('\'') if chars.peek() == Some(&'\'') => {
                    chars.next();
                    lit.push('\'');
                }
                Some('\'') | None => break,
                Some(c) => lit.push(c),
            }
        }
        out.push(lit);
    }
    (!out.is_empty()).then_some(out)
}

/// Partnerdesk's own shape: [`super::SCHEMA`] made in the session's
/// temporary schema and read back, in a transaction rolled back.
pub(super) fn own_shape(client: &mut postgres::Client) -> std::result::Result<Shape, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.batch_execute("SET LOCAL search_path = pg_temp")?;
    tx.batch_execute(super::SCHEMA)?;
    let temp: String = tx
        .query_one(
            "SELECT nspname::text FROM pg_namespace WHERE oid = pg_my_temp_schema()",
            &[],
        )?
        .get(0);
    let shape = read_shape(&mut tx, &temp)?;
    tx.rollback()?;
    Ok(shape)
}

/// How a local column's values are written to the target column.
#[derive(Debug, Clone)]
pub(super) struct Slot {
    pub(super) table: String,
    pub(super) column: String,
    /// The target column's type, for the cast of the text sent.
    pub(super) sql_type: String,
    pub(super) kind: SlotKind,
    pub(super) not_null: bool,
    /// The spelling there of each value the target accepts, by lowercase value.
    pub(super) allowed: Option<HashMap<String, String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SlotKind {
    /// Cents or basis points into a `numeric` of `scale` decimals (None: any)
    /// and `digits` digits in all: sent divided by 100.
    Hundredths { digits: Option<u32>, scale: Option<u32> },
    /// A plain number into a `numeric`.
    Decimal { digits: Option<u32>, scale: Option<u32> },
    /// An integer column of this many bits.
    Int(u32),
    /// `varchar(n)` / `char(n)`.
    Text(Option<usize>),
    /// Anything else (uuid, timestamptz, jsonb, boolean, text): cast there.
    Cast,
}

/// Whether a local column holds hundredths: money in cents, or a rate in
/// basis points. Partnerdesk's own schema says which: money is its
/// `numeric` columns; rates are its `bigint` columns named `..._rate`.
pub(super) fn is_hundredths(own: &Column) -> bool {
    own.udt == "numeric" || (own.udt == "int8" && own.name.ends_with("_rate"))
}

/// `numeric(10,2)` -> (Some(10), Some(2)); `numeric` -> (None, None).
fn numeric_typmod(sql_type: &str) -> (Option<u32>, Option<u32>) {
    let Some(inner) = sql_type.split_once('(').and_then(|(_, r)| r.strip_suffix(')')) else {
        return (None, None);
    };
    let mut it = inner.split(',').map(|p| p.trim().parse::<u32>().ok());
    let p = it.next().flatten();
    let s = it.next().flatten().or(p.map(|_| 0));
    (p, s)
}

impl Slot {
    pub(super) fn new(table: &str, own: &Column, there: &Column) -> Slot {
        let kind = match there.udt.as_str() {
            "numeric" => {
                let (digits, scale) = numeric_typmod(&there.sql_type);
                if is_hundredths(own) {
                    SlotKind::Hundredths { digits, scale }
                } else {
                    SlotKind::Decimal { digits, scale }
                }
            }
            "int2" => SlotKind::Int(16),
            "int4" => SlotKind::Int(32),
            "int8" => SlotKind::Int(64),
            "varchar" | "bpchar" => SlotKind::Text(
                there
                    .sql_type
                    .split_once('(')
                    .and_then(|(_, r)| r.trim_end_matches(')').parse().ok()),
            ),
            _ => SlotKind::Cast,
        };
        Slot {
            table: table.to_owned(),
            column: there.name.clone(),
            sql_type: there.sql_type.clone(),
            kind,
            not_null: there.not_null,
            allowed: there
                .allowed
                .as_ref()
                .map(|vs| vs.iter().map(|v| (v.to_lowercase(), v.clone())).collect()),
        }
    }

    fn refuse(&self, value: &str, why: &str) -> Error {
        Error::validation(
            "postgres",
            format!(
                "{}.{} ({}) cannot hold {value:?}: {why}; nothing was written",
                self.table, self.column, self.sql_type
            ),
        )
    }

    /// The text sent for `v` (None for NULL), or why the column cannot hold it.
    pub(super) fn encode(&self, v: &SqlValue) -> Result<Option<String>> {
        let text = match v {
            SqlValue::Null => {
                if self.not_null {
                    return Err(self.refuse("NULL", "the column is NOT NULL there"));
                }
                return Ok(None);
            }
            SqlValue::Int(i) => match self.kind {
                SlotKind::Hundredths { digits, scale } => {
                    let scale_ok = match scale {
                        None | Some(2..) => true,
                        Some(s) => i % 10_i64.pow(2 - s) == 0,
                    };
                    if !scale_ok {
                        return Err(self.refuse(
                            &crate::money::format_amount(*i),
                            "the column keeps fewer decimals and a cent would be lost",
                        ));
                    }
                    if let (Some(p), Some(s)) = (digits, scale) {
                        let int_digits = p.saturating_sub(s);
                        if i.unsigned_abs() / 100 >= 10_u64.saturating_pow(int_digits) {
                            return Err(self.refuse(&crate::money::format_amount(*i), "the number is too large for it"));
                        }
                    }
                    crate::money::format_amount(*i)
                }
                SlotKind::Decimal { digits, scale } => {
                    if let (Some(p), Some(s)) = (digits, scale) {
                        if i.unsigned_abs() >= 10_u64.saturating_pow(p.saturating_sub(s)) {
                            return Err(self.refuse(&i.to_string(), "the number is too large for it"));
                        }
                    }
                    i.to_string()
                }
                SlotKind::Int(bits) => {
                    let max = if bits >= 64 {
                        i64::MAX
                    } else {
                        (1_i64 << (bits - 1)) - 1
                    };
                    if *i > max || *i < -max - 1 {
                        return Err(self.refuse(&i.to_string(), "the number is too large for it"));
                    }
                    i.to_string()
                }
                _ => i.to_string(),
            },
            SqlValue::Real(f) => f.to_string(),
            SqlValue::Text(s) => {
                if let SlotKind::Text(Some(n)) = self.kind {
                    if s.chars().count() > n {
                        return Err(self.refuse(s, &format!("it holds at most {n} characters")));
                    }
                }
                s.clone()
            }
        };
        match &self.allowed {
            None => Ok(Some(text)),
            Some(map) => match map.get(&text.to_lowercase()) {
                Some(spelled) => Ok(Some(spelled.clone())),
                None => {
                    let mut accepted: Vec<&String> = map.values().collect();
                    accepted.sort();
                    let list = accepted.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ");
                    Err(self.refuse(&text, &format!("its CHECK accepts only {list}")))
                }
            },
        }
    }
}

/// What a push does to the target's schema, and how it writes each table.
#[derive(Debug, Clone, Default)]
pub(super) struct Plan {
    /// Tables Partnerdesk creates there.
    pub(super) create_tables: Vec<String>,
    /// `(table, column, type)` added to tables that exist.
    pub(super) add_columns: Vec<(String, String, String)>,
    /// Indexes of Partnerdesk's schema missing there.
    pub(super) create_indexes: Vec<String>,
    /// Columns there that a row must fill (NOT NULL, no default) and that
    /// Partnerdesk does not have: `(table, column)`.
    pub(super) unfillable: Vec<(String, String)>,
    /// Per table, per local column, how values are written.
    pub(super) slots: HashMap<String, Vec<Slot>>,
}

/// Compare Partnerdesk's shape `own` with the target's `there`.
pub(super) fn plan(own: &Shape, there: &Shape) -> Plan {
    let mut p = Plan::default();
    for (table, own_cols) in &own.tables {
        let slots = match there.tables.get(table) {
            None => {
                p.create_tables.push(table.clone());
                own_cols.iter().map(|c| Slot::new(table, c, c)).collect()
            }
            Some(cols) => {
                for c in cols {
                    if c.not_null && !c.has_default && !own_cols.iter().any(|o| o.name == c.name) {
                        p.unfillable.push((table.clone(), c.name.clone()));
                    }
                }
                own_cols
                    .iter()
                    .map(|o| match cols.iter().find(|c| c.name == o.name) {
                        Some(t) => Slot::new(table, o, t),
                        None => {
                            p.add_columns.push((table.clone(), o.name.clone(), o.sql_type.clone()));
                            // Added as a nullable column without its CHECK.
                            let added = Column {
                                not_null: false,
                                allowed: None,
                                ..o.clone()
                            };
                            Slot::new(table, o, &added)
                        }
                    })
                    .collect()
            }
        };
        p.slots.insert(table.clone(), slots);
    }
    p.create_indexes = own
        .indexes
        .iter()
        .filter(|i| !i.ends_with("_pkey") && !i.ends_with("_key") && !there.indexes.contains(i))
        .cloned()
        .collect();
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, sql_type: &str, udt: &str) -> Column {
        Column {
            name: name.into(),
            sql_type: sql_type.into(),
            udt: udt.into(),
            not_null: false,
            has_default: false,
            allowed: None,
        }
    }

    #[test]
    fn check_literals_are_read_from_the_servers_text() {
        assert_eq!(
            allowed_values("CHECK ((tier = ANY (ARRAY['Bronze'::text, 'Silver'::text, 'it''s'::text])))"),
            Some(vec!["Bronze".into(), "Silver".into(), "it's".into()])
        );
        assert_eq!(
            allowed_values(
                "CHECK (((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])))"
            ),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(allowed_values("CHECK ((estimated_value >= (0)::numeric))"), None);
        assert_eq!(allowed_values("CHECK (((a = 'x'::text) OR (b = 'y'::text)))"), None);
    }

    #[test]
    fn money_and_rates_become_units_and_percent_without_losing_a_cent() {
        let money = col("estimated_value", "numeric(14,2)", "numeric");
        let rate = col("commission_rate", "bigint", "int8");
        let count = col("total_deals", "bigint", "int8");
        let s = Slot::new(
            "client_leads",
            &money,
            &col("estimated_value", "numeric(10,2)", "numeric"),
        );
        assert_eq!(s.encode(&SqlValue::Int(123_456)).unwrap().as_deref(), Some("1234.56"));
        assert_eq!(s.encode(&SqlValue::Int(-5)).unwrap().as_deref(), Some("-0.05"));
        assert_eq!(
            s.encode(&SqlValue::Int(9_999_999_999)).unwrap().as_deref(),
            Some("99999999.99")
        );
        let e = s.encode(&SqlValue::Int(10_000_000_000)).unwrap_err().to_string();
        assert!(
            e.contains("client_leads.estimated_value") && e.contains("100000000.00"),
            "{e}"
        );
        let r = Slot::new("commissions", &rate, &col("commission_rate", "numeric(5,2)", "numeric"));
        assert_eq!(r.encode(&SqlValue::Int(1250)).unwrap().as_deref(), Some("12.50"));
        let whole = Slot::new("commissions", &rate, &col("commission_rate", "numeric(5,0)", "numeric"));
        assert!(whole.encode(&SqlValue::Int(1250)).is_err());
        assert_eq!(whole.encode(&SqlValue::Int(1200)).unwrap().as_deref(), Some("12.00"));
        // Counts are not scaled; integer columns are range-checked.
        let c = Slot::new("partners", &count, &col("total_deals", "smallint", "int2"));
        assert_eq!(c.encode(&SqlValue::Int(7)).unwrap().as_deref(), Some("7"));
        assert!(c.encode(&SqlValue::Int(40_000)).is_err());
        let d = Slot::new("partners", &count, &col("total_deals", "numeric(3,0)", "numeric"));
        assert_eq!(d.encode(&SqlValue::Int(7)).unwrap().as_deref(), Some("7"));
        assert!(d.encode(&SqlValue::Int(1000)).is_err());
    }

    #[test]
    fn enum_values_take_the_targets_spelling_or_are_refused() {
        let own = col("tier", "text", "text");
        let mut there = col("tier", "text", "text");
        there.allowed = Some(vec!["Bronze".into(), "Silver".into(), "Gold".into()]);
        there.not_null = true;
        let s = Slot::new("partners", &own, &there);
        assert_eq!(
            s.encode(&SqlValue::Text("silver".into())).unwrap().as_deref(),
            Some("Silver")
        );
        let e = s.encode(&SqlValue::Text("platinum".into())).unwrap_err().to_string();
        assert!(
            e.contains("partners.tier") && e.contains("platinum") && e.contains("Bronze, Gold, Silver"),
            "{e}"
        );
        assert!(s.encode(&SqlValue::Null).unwrap_err().to_string().contains("NOT NULL"));
        let v = Slot::new("partners", &own, &col("tier", "character varying(4)", "varchar"));
        assert!(v.encode(&SqlValue::Text("bronze".into())).is_err());
        assert!(v.encode(&SqlValue::Text("gold".into())).is_ok());
    }

    #[test]
    fn the_plan_adds_missing_columns_and_names_what_it_cannot_fill() {
        let mut own = Shape::default();
        own.tables.insert(
            "client_leads".into(),
            vec![col("id", "uuid", "uuid"), col("possible_duplicate_of", "uuid", "uuid")],
        );
        own.tables.insert("payouts".into(), vec![col("id", "uuid", "uuid")]);
        let mut there = Shape::default();
        let mut owner = col("owner_id", "uuid", "uuid");
        owner.not_null = true;
        there.tables.insert(
            "client_leads".into(),
            vec![col("id", "uuid", "uuid"), col("notes", "text", "text"), owner],
        );
        let p = plan(&own, &there);
        assert_eq!(p.create_tables, vec!["payouts".to_owned()]);
        assert_eq!(
            p.add_columns,
            vec![("client_leads".into(), "possible_duplicate_of".into(), "uuid".into())]
        );
        assert_eq!(p.unfillable, vec![("client_leads".into(), "owner_id".into())]);
        assert_eq!(p.slots["client_leads"].len(), 2);
    }
}
