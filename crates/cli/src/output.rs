//! Printing: aligned plain tables and key/value blocks for people, JSON for
//! programs. Nothing here knows a business rule.

use partnerdesk_core::money::{format_amount, format_rate};
use serde::Serialize;
use serde_json::Value;
use std::io::Write;

/// Where a command's answer goes: plain text or JSON on stdout.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub json: bool,
}

impl Out {
    /// Print `value` as JSON when `--json`, else the plain text `plain` builds.
    pub fn emit<T: Serialize + ?Sized>(&self, value: &T, plain: impl FnOnce() -> String) -> anyhow::Result<()> {
        if self.json {
            print_json(value)
        } else {
            print_text(&plain());
            Ok(())
        }
    }
}

pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    print_text(&text);
    Ok(())
}

/// Write to stdout; a closed pipe (`partnerdesk ... | head`) is not an error.
pub fn print_text(text: &str) {
    let mut out = std::io::stdout().lock();
    let r = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    if let Err(e) = r {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: writing the output: {e}");
            std::process::exit(1);
        }
    }
}

/// Ensure a text block ends with one newline.
fn line_end(mut s: String) -> String {
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// An aligned plain table. Numeric columns are right-aligned.
pub struct Table {
    headers: Vec<&'static str>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Headers; a header starting with '>' is a right-aligned column.
    pub fn new(headers: &[&'static str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.trim_start_matches('>')).collect(),
            right: headers.iter().map(|h| h.starts_with('>')).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells.into_iter().map(|c| one_line(&c)).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        let mut s = String::new();
        let mut line = |cells: &[String]| {
            let mut l = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i > 0 {
                    l.push_str("  ");
                }
                let pad = widths[i].saturating_sub(c.chars().count());
                if self.right[i] {
                    l.push_str(&" ".repeat(pad));
                    l.push_str(c);
                } else {
                    l.push_str(c);
                    l.push_str(&" ".repeat(pad));
                }
            }
            s.push_str(l.trim_end());
            s.push('\n');
        };
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        line(&headers);
        for r in &self.rows {
            line(r);
        }
        s
    }
}

/// A list page: the table, or `empty` when there are no rows, and a footer
/// telling which rows of how many are shown.
pub fn page(table: &Table, shown: usize, total: i64, offset: i64, empty: &str) -> String {
    if table.is_empty() {
        return line_end(if total > 0 {
            format!("No rows at offset {offset} (there are {total}).")
        } else {
            empty.to_owned()
        });
    }
    let mut s = table.render();
    if shown as i64 != total {
        s.push_str(&format!(
            "({}-{} of {total}; use --limit and --offset to see more)\n",
            offset + 1,
            offset + shown as i64
        ));
    } else {
        s.push_str(&format!("({total} in all)\n"));
    }
    s
}

/// Aligned "label  value" lines.
pub fn kv(pairs: &[(&str, String)]) -> String {
    let w = pairs.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    let mut s = String::new();
    for (k, v) in pairs {
        let pad = w - k.chars().count();
        s.push_str(format!("{k}{}  {}", " ".repeat(pad), one_line(v)).trim_end());
        s.push('\n');
    }
    s
}

/// A heading followed by a block.
pub fn section(title: &str, body: &str) -> String {
    format!("\n{title}\n{}", line_end(body.to_owned()))
}

/// Cents as a decimal: "1234.50".
pub fn money(cents: i64) -> String {
    format_amount(cents)
}

/// Basis points as a percentage: "12.5%".
pub fn rate(bp: i64) -> String {
    format_rate(bp)
}

pub fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// The date part of a stored time ("2026-11-02T10:00:00.000Z" -> "2026-11-02").
pub fn date(t: &str) -> String {
    t.get(..10).unwrap_or(t).to_owned()
}

/// A stored time without milliseconds, for people ("2026-11-02 10:00:00").
pub fn time(t: &str) -> String {
    match t.get(..19) {
        Some(s) => s.replace('T', " "),
        None => t.to_owned(),
    }
}

/// Table cells stay on one line.
fn one_line(s: &str) -> String {
    if s.contains(['\n', '\r', '\t']) {
        s.replace(['\n', '\r', '\t'], " ")
    } else {
        s.to_owned()
    }
}

/// What changed between two JSON snapshots of a record, for the audit list:
/// "status: pending -> approved; tier: bronze -> silver".
pub fn diff_summary(before: Option<&Value>, after: Option<&Value>, max: usize) -> String {
    match (before, after) {
        (None, Some(_)) => "created".into(),
        (Some(_), None) => "deleted".into(),
        (None, None) => String::new(),
        (Some(b), Some(a)) => {
            let mut changes = Vec::new();
            diff_into("", b, a, &mut changes);
            changes.retain(|c| !c.starts_with("updated_at:"));
            let more = changes.len().saturating_sub(max);
            changes.truncate(max);
            let mut s = changes.join("; ");
            if more > 0 {
                s.push_str(&format!("; +{more} more"));
            }
            s
        }
    }
}

fn diff_into(path: &str, b: &Value, a: &Value, out: &mut Vec<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match (b, a) {
        (Value::Object(bo), Value::Object(ao)) => {
            for (k, av) in ao {
                let bv = bo.get(k).unwrap_or(&Value::Null);
                diff_into(&join(k), bv, av, out);
            }
            for (k, bv) in bo {
                if !ao.contains_key(k) {
                    diff_into(&join(k), bv, &Value::Null, out);
                }
            }
        }
        (Value::Array(ba), Value::Array(aa)) if ba.len() == aa.len() => {
            for (i, (bv, av)) in ba.iter().zip(aa).enumerate() {
                diff_into(&join(&i.to_string()), bv, av, out);
            }
        }
        _ if b != a => {
            let field = path.rsplit('.').next().unwrap_or(path);
            out.push(format!("{path}: {} -> {}", leaf(field, b), leaf(field, a)))
        }
        _ => {}
    }
}

/// Fields of core's records that hold cents or basis points.
const MONEY_FIELDS: &[&str] = &[
    "total_earnings",
    "estimated_value",
    "commission_amount",
    "project_value",
    "total_amount",
    "amount",
    "min_revenue",
];
const RATE_FIELDS: &[&str] = &["commission_rate", "rate_bp"];

fn leaf(field: &str, v: &Value) -> String {
    match v.as_i64() {
        Some(n) if MONEY_FIELDS.contains(&field) => money(n),
        Some(n) if RATE_FIELDS.contains(&field) => rate(n),
        _ => scalar(v),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        Value::String(s) => {
            let s = one_line(s);
            if s.chars().count() > 40 {
                format!("{}...", s.chars().take(37).collect::<String>())
            } else {
                s
            }
        }
        Value::Array(a) => format!("[{} items]", a.len()),
        Value::Object(_) => "{...}".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_align() {
        let mut t = Table::new(&["NAME", ">AMOUNT"]);
        t.row(vec!["Ann".into(), "5.00".into()]);
        t.row(vec!["Bartholomew".into(), "1000.00".into()]);
        assert_eq!(
            t.render(),
            "NAME          AMOUNT\nAnn             5.00\nBartholomew  1000.00\n"
        );
    }

    #[test]
    fn diffs() {
        let b = json!({"status": "pending", "tier": "bronze", "updated_at": "x", "n": {"a": 1}});
        let a = json!({"status": "approved", "tier": "bronze", "updated_at": "y", "n": {"a": 2}});
        assert_eq!(
            diff_summary(Some(&b), Some(&a), 5),
            "n.a: 1 -> 2; status: pending -> approved"
        );
        assert_eq!(diff_summary(None, Some(&a), 5), "created");
        assert_eq!(diff_summary(Some(&b), Some(&a), 1), "n.a: 1 -> 2; +1 more");
        let b = json!({"total_earnings": 0, "tiers": [{"rate_bp": 1250}]});
        let a = json!({"total_earnings": 100000, "tiers": [{"rate_bp": 1300}]});
        assert_eq!(
            diff_summary(Some(&b), Some(&a), 5),
            "tiers.0.rate_bp: 12.5% -> 13%; total_earnings: 0.00 -> 1000.00"
        );
    }

    #[test]
    fn kv_aligns() {
        assert_eq!(kv(&[("a", "1".into()), ("long", "2".into())]), "a     1\nlong  2\n");
    }
}
