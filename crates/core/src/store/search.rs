//! Text search over partners and leads: SQLite FTS5 indexes of words.
//!
//! A search text is split into words (letters and digits); a row matches when
//! every word of the search is the start of a word of its name, e-mail or
//! company / business name ("oli smi" finds "Olivia Smith" and
//! "olivia.smith@example.com"), case- and accent-insensitively. Lists that are
//! searched are ordered newest first by insertion (the index's own order).
//!
//! The indexes are derived data, like the roll-ups: [`ensure`] builds them
//! when missing, in one transaction, and triggers keep them current with
//! every insert and update from then on. Bulk loaders (the demo generator,
//! large imports) call [`drop`] first instead of paying a trigger per row;
//! the next search (or the app's start) builds them again. Rows are never
//! deleted or renumbered by Partnerdesk (no VACUUM), so the FTS rowids stay
//! the tables' rowids.

use crate::error::{Error, Result};
use rusqlite::Connection;

/// The FTS tables and their triggers; `content=` makes them index the rows
/// in place (no second copy of the text).
const CREATE: &str = "
CREATE VIRTUAL TABLE partner_search USING fts5(
    name, email, company, content='partners', detail='none', columnsize=0);
CREATE TRIGGER partner_search_insert AFTER INSERT ON partners BEGIN
    INSERT INTO partner_search (rowid, name, email, company) VALUES (new.rowid, new.name, new.email, new.company);
END;
CREATE TRIGGER partner_search_update AFTER UPDATE OF name, email, company ON partners BEGIN
    INSERT INTO partner_search (partner_search, rowid, name, email, company)
        VALUES ('delete', old.rowid, old.name, old.email, old.company);
    INSERT INTO partner_search (rowid, name, email, company) VALUES (new.rowid, new.name, new.email, new.company);
END;
CREATE TRIGGER partner_search_delete AFTER DELETE ON partners BEGIN
    INSERT INTO partner_search (partner_search, rowid, name, email, company)
        VALUES ('delete', old.rowid, old.name, old.email, old.company);
END;

CREATE VIRTUAL TABLE lead_search USING fts5(
    client_name, client_email, business_name, content='client_leads', detail='none', columnsize=0);
CREATE TRIGGER lead_search_insert AFTER INSERT ON client_leads BEGIN
    INSERT INTO lead_search (rowid, client_name, client_email, business_name)
        VALUES (new.rowid, new.client_name, new.client_email, new.business_name);
END;
CREATE TRIGGER lead_search_update AFTER UPDATE OF client_name, client_email, business_name ON client_leads BEGIN
    INSERT INTO lead_search (lead_search, rowid, client_name, client_email, business_name)
        VALUES ('delete', old.rowid, old.client_name, old.client_email, old.business_name);
    INSERT INTO lead_search (rowid, client_name, client_email, business_name)
        VALUES (new.rowid, new.client_name, new.client_email, new.business_name);
END;
CREATE TRIGGER lead_search_delete AFTER DELETE ON client_leads BEGIN
    INSERT INTO lead_search (lead_search, rowid, client_name, client_email, business_name)
        VALUES ('delete', old.rowid, old.client_name, old.client_email, old.business_name);
END;

INSERT INTO partner_search (partner_search) VALUES ('rebuild');
INSERT INTO partner_search (partner_search) VALUES ('optimize');
INSERT INTO lead_search (lead_search) VALUES ('rebuild');
INSERT INTO lead_search (lead_search) VALUES ('optimize');
";

const DROP: &str = "
DROP TRIGGER IF EXISTS main.partner_search_insert;
DROP TRIGGER IF EXISTS main.partner_search_update;
DROP TRIGGER IF EXISTS main.partner_search_delete;
DROP TABLE IF EXISTS main.partner_search;
DROP TRIGGER IF EXISTS main.lead_search_insert;
DROP TRIGGER IF EXISTS main.lead_search_update;
DROP TRIGGER IF EXISTS main.lead_search_delete;
DROP TABLE IF EXISTS main.lead_search;
";

/// Whether the search indexes exist (and so are current): both tables and
/// their insert triggers (all are made and dropped together).
pub fn ready(conn: &Connection) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM main.sqlite_master
          WHERE name IN ('lead_search', 'partner_search', 'lead_search_insert', 'partner_search_insert')",
        [],
        |r| r.get(0),
    )?;
    Ok(n == 4)
}

/// Build the indexes when they are missing; run inside a write transaction.
/// Returns whether it built them (a few seconds on two million leads).
pub fn ensure(conn: &Connection) -> Result<bool> {
    if ready(conn)? {
        return Ok(false);
    }
    drop(conn)?;
    conn.execute_batch(CREATE)?;
    Ok(true)
}

/// Remove the indexes and their triggers (bulk loaders; the next [`ensure`]
/// rebuilds them from the rows).
pub fn drop(conn: &Connection) -> Result<()> {
    let any: i64 = conn.query_row(
        "SELECT count(*) FROM main.sqlite_master WHERE name LIKE 'lead\\_search%' ESCAPE '\\' OR name LIKE 'partner\\_search%' ESCAPE '\\'",
        [],
        |r| r.get(0),
    )?;
    if any > 0 {
        conn.execute_batch(DROP)?;
    }
    Ok(())
}

/// The FTS5 query for a search text: every word as a quoted prefix, all
/// required. `None` when the text has no word (no filter).
pub fn match_expr(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

/// Map the error of a query whose search text FTS5 could not take (a word
/// that its tokenizer splits further, such as one holding a combining mark)
/// to a validation error on the search field.
pub fn explain(e: Error) -> Error {
    match &e {
        Error::Storage(rusqlite::Error::SqliteFailure(_, Some(msg))) if msg.starts_with("fts5:") => {
            Error::validation("search", "use letters and digits only")
        }
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::match_expr;

    #[test]
    fn words_become_required_prefixes() {
        assert_eq!(match_expr("  Olivia smi "), Some("\"olivia\"* AND \"smi\"*".into()));
        assert_eq!(
            match_expr("bob@example.com"),
            Some("\"bob\"* AND \"example\"* AND \"com\"*".into())
        );
        assert_eq!(match_expr("\"quoted\" -x"), Some("\"quoted\"* AND \"x\"*".into()));
        assert_eq!(match_expr("Zoë"), Some("\"zoë\"*".into()));
        assert_eq!(match_expr(" @@ - "), None);
        assert_eq!(match_expr(""), None);
    }
}
