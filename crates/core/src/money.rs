//! Money is integer minor units (cents); rates are integer basis points.
//! Text in and out is a plain decimal in the database currency ("1234.50").

use crate::error::{Error, Result};

/// The largest amount accepted anywhere: 1,000,000,000.00 (one billion).
pub const MAX_AMOUNT_CENTS: i64 = 100_000_000_000;

/// How a text writes its decimals. Everything a user types, and every file
/// by default, uses [`DecimalMark::Dot`]; an import that says its amounts come
/// from a spreadsheet writing decimal commas uses [`DecimalMark::Comma`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DecimalMark {
    /// `1,234.50`: a dot for decimals; `,`, `_` or a space only between
    /// groups of three digits.
    #[default]
    Dot,
    /// `1.234,50`: a comma for decimals; `.`, `_` or a space only between
    /// groups of three digits.
    Comma,
}

impl DecimalMark {
    fn decimal(self) -> char {
        match self {
            DecimalMark::Dot => '.',
            DecimalMark::Comma => ',',
        }
    }

    /// The characters that may stand between groups of three digits.
    fn is_group_separator(self, c: char) -> bool {
        match self {
            DecimalMark::Dot => matches!(c, ',' | '_' | ' ' | '\u{a0}' | '\u{202f}'),
            DecimalMark::Comma => matches!(c, '.' | '_' | ' ' | '\u{a0}' | '\u{202f}'),
        }
    }
}

/// Parse a decimal amount ("1234.5", "1,234.50", "1234") into cents.
/// Refuses more than two decimals, signs unless `allow_negative`, and
/// amounts above [`MAX_AMOUNT_CENTS`]. A comma, `_` or space is taken only as
/// a thousands separator between well-formed groups of three digits; any
/// other use (`1,5`, `1,234,5`, `,5`, `1.234,50`) is refused as ambiguous,
/// never read as another number.
pub fn parse_amount(field: &str, text: &str, allow_negative: bool) -> Result<i64> {
    parse_amount_with(field, text, allow_negative, DecimalMark::Dot)
}

/// [`parse_amount`] for a text that writes its decimals with `mark`:
/// with [`DecimalMark::Comma`], `1.234,50` is 1234.50 and `1,5` is 1.50.
pub fn parse_amount_with(field: &str, text: &str, allow_negative: bool, mark: DecimalMark) -> Result<i64> {
    cents(text, allow_negative, mark).map_err(|f| match f {
        Fault::Ambiguous(why) | Fault::Other(why) => Error::validation(field, why),
    })
}

/// Why a text is not an amount: a separator that may have been meant as a
/// decimal mark (the reason says how to write it), or any other fault.
enum Fault {
    Ambiguous(String),
    Other(String),
}

/// The cents of `text`, or why not ([`parse_amount_with`] without a field).
fn cents(text: &str, allow_negative: bool, mark: DecimalMark) -> std::result::Result<i64, Fault> {
    let bad = Fault::Other;
    let like = match mark {
        DecimalMark::Dot => "1234.50",
        DecimalMark::Comma => "1234,50",
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(bad(format!("must be an amount like {like} (got an empty text)")));
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if body.starts_with(['-', '+']) {
        return Err(bad(format!(
            "must be an amount like {like} with at most one sign (got {text:?})"
        )));
    }
    if neg && !allow_negative {
        return Err(bad(format!("must not be negative (got {text:?})")));
    }
    if let Some(c) = body
        .chars()
        .find(|c| !c.is_ascii_digit() && *c != mark.decimal() && !mark.is_group_separator(*c))
    {
        let radix_prefix = ["0x", "0X", "0b", "0B", "0o", "0O"].iter().any(|p| body.starts_with(p));
        let why = if c.is_numeric() {
            "write it with the digits 0-9".to_string()
        } else if matches!(c, 'e' | 'E') && body.starts_with(|d: char| d.is_ascii_digit()) {
            "write the amount in full, without an exponent".to_string()
        } else if !radix_prefix
            && body.chars().any(|d| d.is_ascii_digit())
            && (c.is_alphabetic() || !c.is_ascii() || c == '$')
        {
            format!("write the number alone, like {like}, without a currency sign or code")
        } else {
            format!("must be an amount like {like}")
        };
        return Err(bad(format!("{why} (got {text:?})")));
    }
    let (whole, frac) = match body.split_once(mark.decimal()) {
        Some((w, f)) => (w, f),
        None => (body, ""),
    };
    if frac.contains(mark.decimal()) || frac.chars().any(|c| mark.is_group_separator(c)) {
        return Err(ambiguous(text, body, mark));
    }
    let whole = ungroup(whole, mark).ok_or_else(|| ambiguous(text, body, mark))?;
    if whole.is_empty() && frac.is_empty() {
        return Err(bad(format!("must be an amount like {like} (got {text:?})")));
    }
    if frac.len() > 2 {
        return Err(bad(format!("has more than two decimals (got {text:?})")));
    }
    let whole = whole.trim_start_matches('0');
    let too_large = || bad(format!("is too large (at most 1000000000.00) (got {text:?})"));
    if whole.len() > 12 {
        return Err(too_large());
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().unwrap_or(0) * 10,
        _ => frac.parse().unwrap_or(0),
    };
    let cents = w
        .checked_mul(100)
        .and_then(|c| c.checked_add(f))
        .ok_or_else(too_large)?;
    if cents > MAX_AMOUNT_CENTS {
        return Err(too_large());
    }
    Ok(if neg { -cents } else { cents })
}

/// The digits of a whole part, when its separators (all the same one) stand
/// only between groups of three digits after a first group of one to three.
fn ungroup(whole: &str, mark: DecimalMark) -> Option<String> {
    let Some(sep) = whole.chars().find(|c| mark.is_group_separator(*c)) else {
        return Some(whole.to_string());
    };
    let groups: Vec<&str> = whole.split(sep).collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..]
        .iter()
        .all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()));
    (first_ok && groups[0].chars().all(|c| c.is_ascii_digit()) && rest_ok).then(|| groups.concat())
}

/// The fault of a separator that could mean a decimal mark: it says how to
/// write the amount, reading the last comma or dot as the decimals the user
/// most likely meant.
fn ambiguous(text: &str, body: &str, mark: DecimalMark) -> Fault {
    let (meant, how) = match mark {
        DecimalMark::Dot => (
            '.',
            "a dot for decimals; a comma only between groups of three digits, as in 1,234.50",
        ),
        DecimalMark::Comma => (
            ',',
            "a comma for decimals; a dot only between groups of three digits, as in 1.234,50",
        ),
    };
    let last = body.rfind([',', '.']);
    let mut suggestion = String::new();
    for (i, c) in body.char_indices() {
        if c.is_ascii_digit() {
            suggestion.push(c);
        } else if Some(i) == last {
            suggestion.push(meant);
        }
    }
    let suggestion = suggestion.trim_end_matches(meant);
    let suggestion = if suggestion.starts_with(meant) {
        format!("0{suggestion}")
    } else {
        suggestion.to_string()
    };
    let sign = if text.trim().starts_with('-') { "-" } else { "" };
    if suggestion.chars().any(|c| c.is_ascii_digit()) {
        Fault::Ambiguous(format!("{text:?} is ambiguous: write {sign}{suggestion} ({how})"))
    } else {
        Fault::Other(format!("{text:?} is not an amount ({how})"))
    }
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
/// The same rule as [`parse_amount`]: "1,5" is refused as ambiguous, never
/// read as 15 %.
pub fn parse_rate_percent(field: &str, text: &str) -> Result<i64> {
    let t = text.trim().trim_end_matches('%');
    let bp = cents(t, false, DecimalMark::Dot).map_err(|f| match f {
        Fault::Ambiguous(why) => Error::validation(field, why),
        Fault::Other(_) => Error::validation(field, format!("must be a percentage like 12.5 (got {text:?})")),
    })?;
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

    /// What users type, and what each spelling must give: cents, or an
    /// error whose message contains the text given (naming the field).
    #[test]
    fn spellings_users_type() {
        let ok: &[(&str, i64)] = &[
            ("1,234.50", 123_450),
            ("12,345", 1_234_500),
            ("1,234,567.8", 123_456_780),
            ("1_234.50", 123_450),
            ("1 234.50", 123_450),
            ("1\u{a0}234", 123_400),
            ("  7 ", 700),
            ("+5", 500),
            ("5.", 500),
            (".5", 50),
            ("0.05", 5),
            ("999", 99_900),
            ("1,000,000,000", MAX_AMOUNT_CENTS),
        ];
        for (text, cents) in ok {
            assert_eq!(parse_amount("estimated_value", text, false).unwrap(), *cents, "{text}");
        }
        let refused: &[(&str, &str)] = &[
            ("1,5", "\"1,5\" is ambiguous: write 1.5 (a dot for decimals"),
            ("12,5", "write 12.5"),
            ("1,234,5", "write 1234.5"),
            (",5", "write 0.5"),
            ("5,", "write 5 "),
            ("1.234,50", "write 1234.50"),
            ("1,23,456", "ambiguous"),
            ("1234,567", "ambiguous"),
            ("1,234_567", "ambiguous"),
            ("1_5", "ambiguous"),
            ("1 5", "ambiguous"),
            ("12 34", "ambiguous"),
            ("1.5,5", "ambiguous"),
            ("1.234.5", "ambiguous"),
            ("$5", "without a currency sign or code"),
            ("5 USD", "without a currency sign or code"),
            ("€5", "without a currency sign or code"),
            ("1e3", "without an exponent"),
            ("0x10", "must be an amount like 1234.50"),
            ("\u{661}\u{662}", "digits 0-9"),
            ("--5", "at most one sign"),
            ("+-5", "at most one sign"),
            ("-5", "must not be negative"),
            ("", "empty"),
            ("   ", "empty"),
            (".", "must be an amount"),
            (",", "is not an amount"),
            ("1.234", "more than two decimals"),
            ("1000000000.01", "too large"),
        ];
        for (text, want) in refused {
            let e = parse_amount("estimated_value", text, false).unwrap_err();
            assert_eq!(e.field(), Some("estimated_value"), "{text}");
            let msg = e.to_string();
            assert!(msg.starts_with("estimated_value: "), "{text}: {msg}");
            assert!(msg.contains(want), "{text:?}: {msg:?} lacks {want:?}");
        }
    }

    #[test]
    fn decimal_commas_when_the_text_says_so() {
        let c = DecimalMark::Comma;
        for (text, cents) in [
            ("1.234,50", 123_450),
            ("1,5", 150),
            ("12,5", 1250),
            ("1 234,5", 123_450),
            ("1.234.567", 123_456_700),
            ("0,05", 5),
            (",5", 50),
            ("7", 700),
        ] {
            assert_eq!(parse_amount_with("v", text, false, c).unwrap(), cents, "{text}");
        }
        assert_eq!(parse_amount_with("v", "-1.234,50", true, c).unwrap(), -123_450);
        for (text, want) in [
            ("1.5", "write 1,5 (a comma for decimals"),
            ("1,234.50", "write 1234,50"),
            ("1,2,3", "ambiguous"),
            ("1,234", "more than two decimals"),
        ] {
            let msg = parse_amount_with("v", text, false, c).unwrap_err().to_string();
            assert!(msg.contains(want), "{text:?}: {msg:?} lacks {want:?}");
        }
    }

    #[test]
    fn rates_follow_the_same_rule() {
        assert_eq!(parse_rate_percent("tier.gold.rate", "1.5").unwrap(), 150);
        assert_eq!(parse_rate_percent("tier.gold.rate", "15%").unwrap(), 1500);
        let msg = parse_rate_percent("tier.gold.rate", "1,5").unwrap_err().to_string();
        assert_eq!(msg, "tier.gold.rate: \"1,5\" is ambiguous: write 1.5 (a dot for decimals; a comma only between groups of three digits, as in 1,234.50)");
    }
}
