//! Money: amounts in cents formatted and parsed back in every accepted
//! spelling (grouped, decimal comma), amounts above the maximum refused, and
//! a rate in basis points applied with rounding half away from zero.

use partnerdesk_core::money::*;
use proptest::prelude::*;

/// `amount x rate / 10000` rounded half away from zero, from the exact
/// quotient and remainder (no shortcut shared with the code under test).
fn exact(amount: i64, rate: i64) -> i64 {
    let n = amount as i128 * rate as i128;
    let (q, r) = (n / 10_000, n % 10_000); // truncates toward zero
    let away = if 2 * r.abs() >= 10_000 { n.signum() } else { 0 };
    (q + away) as i64
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn format_then_parse_is_the_identity(x in 0..=MAX_AMOUNT_CENTS) {
        let text = format_amount(x);
        prop_assert_eq!(parse_amount("v", &text, false).unwrap(), x, "{}", text);
        prop_assert_eq!(parse_amount("v", &text, true).unwrap(), x);
        prop_assert_eq!(parse_amount("v", &format!("-{text}"), true).unwrap(), -x);
        // With thousands separators, as format_money writes them.
        let grouped = format_money(x, "USD");
        let grouped = grouped.trim_start_matches("USD ");
        prop_assert_eq!(parse_amount("v", grouped, false).unwrap(), x, "{}", grouped);
    }

    #[test]
    fn apply_rate_matches_exact_rounding(
        amount in -MAX_AMOUNT_CENTS..=MAX_AMOUNT_CENTS,
        rate in 0i64..=10_000,
    ) {
        prop_assert_eq!(apply_rate(amount, rate), exact(amount, rate));
    }

    #[test]
    fn apply_rate_on_small_amounts_matches_exact_rounding(amount in -2_000i64..=2_000, rate in 0i64..=10_000) {
        prop_assert_eq!(apply_rate(amount, rate), exact(amount, rate));
        // Symmetric: a clawback is the exact negative of the commission.
        prop_assert_eq!(apply_rate(-amount, rate), -apply_rate(amount, rate));
    }

    /// Any text the parser accepts keeps its digits in their places:
    /// the whole digits (leading zeros aside) and the decimals (padded to
    /// two) are those of the amount formatted again.
    #[test]
    fn accepted_text_keeps_every_digit_in_its_place(text in "[-+]?[0-9]{0,4}([,_ .][0-9]{0,4}){0,3}") {
        if let Ok(c) = parse_amount("v", &text, true) {
            let body = text.trim().trim_start_matches(['-', '+']);
            let (w, f) = body.split_once('.').unwrap_or((body, ""));
            let whole: String = w.chars().filter(char::is_ascii_digit).collect();
            let formatted = format_amount(c.abs());
            let (fw, ff) = formatted.split_once('.').unwrap();
            prop_assert_eq!(whole.trim_start_matches('0'), fw.trim_start_matches('0'), "{}", text);
            prop_assert_eq!(format!("{f:0<2}"), ff, "{}", text);
            prop_assert_eq!(c < 0, text.trim().starts_with('-') && c != 0);
        }
    }

    /// Thousands separators between groups of three, any of them, and
    /// decimal commas when the text says so, give the amount back.
    #[test]
    fn grouped_and_decimal_comma_spellings_parse_back(x in 0..=MAX_AMOUNT_CENTS, sep in prop::sample::select(vec![',', '_', ' '])) {
        let plain = format_amount(x);
        let (w, f) = plain.split_once('.').unwrap();
        let mut grouped = String::new();
        for (i, c) in w.chars().enumerate() {
            if i > 0 && (w.len() - i) % 3 == 0 {
                grouped.push(sep);
            }
            grouped.push(c);
        }
        prop_assert_eq!(parse_amount("v", &format!("{grouped}.{f}"), false).unwrap(), x);
        // 1.234.567,89 (or 1 234 567,89, 1_234_567,89)
        let european = format!("{},{f}", grouped.replace(',', "."));
        prop_assert_eq!(parse_amount_with("v", &european, false, DecimalMark::Comma).unwrap(), x, "{}", european);
    }

    /// A comma before one or two digits at the end is a decimal comma:
    /// refused as ambiguous, never read as a number ten or a hundred
    /// times larger.
    #[test]
    fn a_decimal_comma_is_refused_not_shifted(whole in "[0-9]{1,7}", frac in "[0-9]{1,2}") {
        let text = format!("{whole},{frac}");
        let e = parse_amount("estimated_value", &text, false).unwrap_err();
        prop_assert!(e.to_string().contains("is ambiguous: write"), "{}", e);
        prop_assert!(parse_rate_percent("rate", &text).is_err());
        let comma = parse_amount_with("v", &text, false, DecimalMark::Comma);
        if whole.len() <= 12 {
            let frac2 = format!("{frac:0<2}");
            prop_assert_eq!(comma.unwrap(), whole.parse::<i64>().unwrap() * 100 + frac2.parse::<i64>().unwrap());
        }
    }

    #[test]
    fn amounts_above_the_maximum_are_refused(x in (MAX_AMOUNT_CENTS + 1)..=(MAX_AMOUNT_CENTS * 100)) {
        let err = parse_amount("value", &format_amount(x), false).unwrap_err();
        prop_assert_eq!(err.field(), Some("value"));
    }
}

#[test]
fn exact_reference_is_right_on_the_half_cents() {
    assert_eq!(exact(5, 1000), 1);
    assert_eq!(exact(-5, 1000), -1);
    assert_eq!(exact(4, 1250), 1);
    assert_eq!(exact(11, 1250), 1);
    assert_eq!(exact(25, 1000), 3);
    assert_eq!(exact(1, 4999), 0);
}
