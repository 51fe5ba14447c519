//! Field checks shared by every action. Each error names the field.

use crate::error::{Error, Result};

pub const MAX_NAME: usize = 200;
pub const MAX_TEXT: usize = 5_000;

/// A required short text: trimmed, not empty, not too long.
pub fn required(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(Error::validation(field, format!("must be at most {max} characters")));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::validation(field, "must not contain control characters"));
    }
    Ok(v.to_owned())
}

/// An optional text: blank becomes `None`.
pub fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => required(field, v, max).map(Some),
    }
}

/// An e-mail address, normalised to lower case.
pub fn email(field: &str, value: &str) -> Result<String> {
    let v = value.trim().to_lowercase();
    let bad = || {
        Error::validation(
            field,
            format!("{:?} is not an e-mail address like name@example.com", value.trim()),
        )
    };
    if v.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    if v.len() > 254
        || v.chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>' | '"' | '(' | ')'))
    {
        return Err(bad());
    }
    let (local, domain) = v.split_once('@').ok_or_else(bad)?;
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return Err(bad());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
    {
        return Err(bad());
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(bad());
    }
    Ok(v)
}

/// An optional phone number: digits with the usual separators.
pub fn phone(field: &str, value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => {
            let digits = v.chars().filter(char::is_ascii_digit).count();
            let ok_chars = v.chars().all(|c| c.is_ascii_digit() || " +-().x/".contains(c));
            if !ok_chars || !(4..=20).contains(&digits) || v.len() > 40 {
                return Err(Error::validation(field, format!("{v:?} is not a phone number")));
            }
            Ok(Some(v.to_owned()))
        }
    }
}

/// An amount of money in cents within the accepted range.
pub fn amount(field: &str, cents: i64, allow_zero: bool) -> Result<i64> {
    if cents < 0 {
        return Err(Error::validation(field, "must not be negative"));
    }
    if cents == 0 && !allow_zero {
        return Err(Error::validation(field, "must be greater than 0"));
    }
    if cents > crate::money::MAX_AMOUNT_CENTS {
        return Err(Error::validation(field, "is too large (at most 1000000000.00)"));
    }
    Ok(cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(email("email", " Ann@Example.COM ").unwrap(), "ann@example.com");
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.com",
            "ann@x",
            "a b@x.com",
            "ann@@x.com",
            "ann@x..com",
            ".a@x.com",
            "ann@-x.com",
        ] {
            assert_eq!(email("email", bad).unwrap_err().field(), Some("email"), "{bad}");
        }
    }

    #[test]
    fn texts_and_phones() {
        assert!(required("name", "   ", 10).is_err());
        assert!(required("name", "abcdefghijk", 10).is_err());
        assert_eq!(optional("c", Some("  "), 10).unwrap(), None);
        assert_eq!(
            phone("phone", Some("+1 (555) 010-2030")).unwrap().as_deref(),
            Some("+1 (555) 010-2030")
        );
        assert!(phone("phone", Some("call me")).is_err());
        assert!(amount("v", -1, true).is_err());
        assert!(amount("v", 0, false).is_err());
    }
}
