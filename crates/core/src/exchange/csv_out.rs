//! Writing CSV the way spreadsheets read it: RFC 4180 (comma separated,
//! CRLF line ends, a field quoted when it holds a comma, a quote, CR or LF,
//! quotes doubled inside), UTF-8 with a byte-order mark so that Excel takes it
//! as UTF-8.
//!
//! Formula injection: a text cell starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return would be run as a formula by a spreadsheet; such text is
//! written with a leading single quote (OWASP's advice). Numbers are written
//! as they are (a negative amount stays `-12.50`).

use std::io::Write;

/// The UTF-8 byte-order mark written at the start of a spreadsheet CSV.
pub const BOM: &str = "\u{feff}";

/// Quote `field` when RFC 4180 needs it.
pub fn quote(field: &str) -> std::borrow::Cow<'_, str> {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\"")).into()
    } else {
        field.into()
    }
}

/// The first characters that make a spreadsheet run a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether [`guard_text`] puts a quote before `text`: it starts a formula,
/// or it is itself quotes before one (so that [`unguard_text`] gives back
/// exactly what was guarded, a text that really begins with `'+` included).
fn needs_guard(text: &str) -> bool {
    text.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// Text a user typed, made safe for a spreadsheet cell.
pub fn guard_text(text: &str) -> std::borrow::Cow<'_, str> {
    if needs_guard(text) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// What [`guard_text`] was given: an import reads an exported cell back
/// (`'+1 555` is the phone `+1 555`). Any other text is left as it is.
pub fn unguard_text(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => text,
    }
}

/// One record: fields quoted as needed, joined by commas, ended by CRLF.
pub fn write_record<W: Write + ?Sized, S: AsRef<str>>(w: &mut W, fields: &[S]) -> std::io::Result<()> {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(quote(f.as_ref()).as_bytes())?;
    }
    w.write_all(b"\r\n")
}

/// The same record as a string.
pub fn record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut v = Vec::new();
    write_record(&mut v, fields).expect("writing to memory");
    String::from_utf8(v).expect("UTF-8 in, UTF-8 out")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(record(&["a", "b c", "1234.50"]), "a,b c,1234.50\r\n");
        assert_eq!(
            record(&["a,b", "say \"hi\"", "two\nlines", "cr\r"]),
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\"\r\n"
        );
        assert_eq!(record(&["", ""]), ",\r\n");
    }

    #[test]
    fn guards_formulas_in_text() {
        for (t, want) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+1 555", "'+1 555"),
            ("-2", "'-2"),
            ("@cmd", "'@cmd"),
            ("\tx", "'\tx"),
            ("plain", "plain"),
            ("a=b", "a=b"),
        ] {
            assert_eq!(guard_text(t), want);
            assert_eq!(unguard_text(want), t);
        }
        // A text that itself begins with a quote before a formula character
        // gets a second quote, so that it comes back as it was.
        assert_eq!(guard_text("'+1"), "''+1");
        assert_eq!(unguard_text("''+1"), "'+1");
        assert_eq!(unguard_text("'quoted'"), "'quoted'");
        assert_eq!(unguard_text("'"), "'");
    }

    proptest::proptest! {
        #[test]
        fn unguard_gives_back_what_was_guarded(t in "['=+@ a-z\t-]{0,6}") {
            let guarded = guard_text(&t);
            proptest::prop_assert_eq!(unguard_text(&guarded), t.as_str());
        }
    }
}
