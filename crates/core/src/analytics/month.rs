//! Calendar months as 'YYYY-MM' text and as an index (year * 12 + month - 1),
//! so that "months since approval" is a subtraction.

use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Utc};

/// The month of a stored time ("2026-03-01T12:00:00.000Z" -> "2026-03").
pub fn month_of(time: &str) -> &str {
    time.get(..7).unwrap_or(time)
}

/// The index of a 'YYYY-MM' month; a validation error names the field `month`.
pub fn index_of(month: &str) -> Result<i64> {
    parse(month).ok_or_else(|| Error::validation("month", format!("{month:?} is not a month (YYYY-MM)")))
}

fn parse(month: &str) -> Option<i64> {
    let b = month.as_bytes();
    if b.len() != 7 || b[4] != b'-' || !b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
        return None;
    }
    let y: i64 = month[..4].parse().ok()?;
    let m: i64 = month[5..].parse().ok()?;
    (1..=12).contains(&m).then_some(y * 12 + m - 1)
}

/// Parse a month typed by a user (for `--from`/`--to`), naming the field.
pub fn parse_month(field: &str, text: &str) -> Result<String> {
    let t = text.trim();
    parse(t)
        .map(text_of)
        .ok_or_else(|| Error::validation(field, format!("{text:?} is not a month; write YYYY-MM, e.g. 2026-03")))
}

/// The 'YYYY-MM' text of a month index.
pub fn text_of(index: i64) -> String {
    format!("{:04}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1)
}

/// The month index of a time.
pub fn index_at(t: DateTime<Utc>) -> i64 {
    i64::from(t.year()) * 12 + i64::from(t.month0())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(index_of("2026-03").unwrap(), 2026 * 12 + 2);
        assert_eq!(text_of(2026 * 12 + 2), "2026-03");
        assert_eq!(text_of(2025 * 12 + 11), "2025-12");
        assert!(index_of("2026-13").is_err());
        assert!(index_of("26-03").is_err());
        assert_eq!(parse_month("from", " 2024-01 ").unwrap(), "2024-01");
        assert!(parse_month("from", "2024/01").is_err());
    }
}
