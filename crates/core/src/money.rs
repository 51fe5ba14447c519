//! Money is integer minor units (cents); rates are integer basis points.
//! Text in and out is a plain decimal in the database currency ("1234.50").

use crate::error::{Error, Result};

/// The largest amount accepted anywhere: 1,000,000,000.00 (one billion).
pub const MAX_AMOUNT_CENTS: i64 = 100_000_000_000;

/// Parse a decimal amount ("1234.5", "1,234.50", "1234") into cents.
/// Refuses more than two decimals, signs unless `allow_negative`, and
/// amounts above [`MAX_AMOUNT_CENTS`].
pub fn parse_amount(field: &str, text: &str, allow_negative: bool) -> Result<i64> {
    let bad = |why: &str| Error::validation(field, format!("{why} (got {text:?})"));
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if neg && !allow_negative {
        return Err(bad("must not be negative"));
    }
    let body: String = body.chars().filter(|c| *c != ',' && *c != '_').collect();
    if body.is_empty() {
        return Err(bad("must be an amount like 1234.50"));
    }
    let (whole, frac) = match body.split_once('.') {
        Some((w, f)) => (w, f),
        None => (body.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(bad("must be an amount like 1234.50"));
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("must be an amount like 1234.50"));
    }
    if frac.len() > 2 {
        return Err(bad("has more than two decimals"));
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 12 {
        return Err(bad("is too large (at most 1000000000.00)"));
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad("is not a number"))?
    };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().unwrap_or(0) * 10,
        _ => frac.parse().unwrap_or(0),
    };
    let cents = w
        .checked_mul(100)
        .and_then(|c| c.checked_add(f))
        .ok_or_else(|| bad("is too large (at most 1000000000.00)"))?;
    if cents > MAX_AMOUNT_CENTS {
        return Err(bad("is too large (at most 1000000000.00)"));
    }
    Ok(if neg { -cents } else { cents })
}

/// Format cents as a plain decimal: 123450 -> "1234.50", -5 -> "-0.05".
pub fn format_amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Format with thousands separators and the currency code: "USD 1,234.50".
pub fn format_money(cents: i64, currency: &str) -> String {
    let plain = format_amount(cents);
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", plain.as_str()),
    };
    let (whole, frac) = rest.split_once('.').unwrap_or((rest, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{currency} {sign}{grouped}.{frac}")
}

/// `amount x rate_bp / 10000`, rounded half away from zero, in exact integer
/// arithmetic.
pub fn apply_rate(amount_cents: i64, rate_bp: i64) -> i64 {
    let p = amount_cents as i128 * rate_bp as i128;
    let q = if p >= 0 {
        (p + 5_000) / 10_000
    } else {
        (p - 5_000) / 10_000
    };
    q as i64
}

/// Parse a rate given as a percentage ("12.5", "12.5%") into basis points.
pub fn parse_rate_percent(field: &str, text: &str) -> Result<i64> {
    let t = text.trim().trim_end_matches('%');
    let bp = parse_amount(field, t, false)
        .map_err(|_| Error::validation(field, format!("must be a percentage like 12.5 (got {text:?})")))?;
    if bp > 10_000 {
        return Err(Error::validation(field, "must be at most 100%"));
    }
    Ok(bp)
}

pub fn format_rate(bp: i64) -> String {
    let s = format_amount(bp);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_amount("v", "1234.5", false).unwrap(), 123_450);
        assert_eq!(parse_amount("v", "1,234.50", false).unwrap(), 123_450);
        assert_eq!(parse_amount("v", "0.05", false).unwrap(), 5);
        assert_eq!(parse_amount("v", ".5", false).unwrap(), 50);
        assert_eq!(parse_amount("v", "7", false).unwrap(), 700);
        assert_eq!(parse_amount("v", "-7.01", true).unwrap(), -701);
        assert_eq!(format_amount(123_450), "1234.50");
        assert_eq!(format_amount(-5), "-0.05");
        assert_eq!(format_money(123_456_789, "USD"), "USD 1,234,567.89");
        assert_eq!(format_money(-100, "EUR"), "EUR -1.00");
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in [
            "",
            "abc",
            "-1",
            "1.234",
            "1e5",
            "12.3.4",
            ".",
            "1000000000.01",
            "99999999999999999999",
        ] {
            let e = parse_amount("value", bad, false).unwrap_err();
            assert_eq!(e.field(), Some("value"), "{bad}");
        }
        assert_eq!(parse_amount("v", "1000000000", false).unwrap(), MAX_AMOUNT_CENTS);
    }

    #[test]
    fn rates() {
        assert_eq!(apply_rate(10_000, 1250), 1250);
        assert_eq!(apply_rate(1, 5000), 1); // 0.5 cent rounds up
        assert_eq!(apply_rate(-1, 5000), -1);
        assert_eq!(apply_rate(MAX_AMOUNT_CENTS, 10_000), MAX_AMOUNT_CENTS);
        assert_eq!(parse_rate_percent("r", "12.5%").unwrap(), 1250);
        assert!(parse_rate_percent("r", "101").is_err());
        assert_eq!(format_rate(1250), "12.5%");
        assert_eq!(format_rate(1000), "10%");
    }
}
