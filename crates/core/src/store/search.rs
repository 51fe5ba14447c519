//! Text search over partners and leads: SQLite FTS5 indexes of words.
//!
//! A search text is split into words (letters and digits); a row matches when
//! every word of the search is the start of a word of its name, the part of
//! its e-mail before the `@`, or its company / business name ("oli smi" finds
//! "Olivia Smith" and "olivia.smith@example.com"), case-insensitively. An
//! e-mail domain matches as a whole: "harbor.com", "@harbor.com" or a full
//! address find `someone@harbor.com`; "harbor" alone finds it only through
//! the name or business. Searched lists come newest first by insertion (the
//! index's own order).
//!
//! Why it is built this way (two million leads, a page under 10 ms):
//! - Each row is indexed as one document of words, contentless: besides the
//!   text it holds marker words for the domain (`_dom` + the domain without
//!   dots), and for leads the status (`_st...`) and the partner (`_pa` + the
//!   id's hex), so a search combined with those filters is one FTS query
//!   (no row look-ups to count the matches). `_` is a word character of the
//!   index and never one of a searched word (the text's own `_` become
//!   spaces), so no search word is the start of a marker.
//! - FTS5 answers a prefix query (`"oli"*`) by merging every matching
//!   document list in memory first (tens of ms for 100,000 rows), while a
//!   query of whole terms streams, newest first, and stops at the page. So a
//!   word is looked up in the index's vocabulary first: when at most
//!   [`MAX_TERMS`] terms start with it, it becomes an OR of those terms.
//!   Domains are marker words for this reason too: on a demo set every lead
//!   has its own domain, which would make "harbor" the start of 48,000
//!   terms.
//!
//! The indexes are derived data, like the roll-ups: [`ensure`] builds them
//! when missing, in one transaction, and triggers keep them current with
//! every insert, update and delete from then on. Bulk loaders (the demo
//! generator, large imports) call [`drop`] first instead of paying a trigger
//! per row; the next search (or the app's start) builds them again.
//! Partnerdesk never renumbers rows (no VACUUM), so the FTS rowids stay the
//! tables' rowids.

use crate::error::{Error, Result};
use crate::model::{LeadStatus, PartnerId};
use rusqlite::Connection;

/// The most terms a searched word may expand to before the query falls back
/// to FTS5's own prefix search.
pub const MAX_TERMS: usize = 64;

/// The document of a lead row (`a` is `new`, `old` or a table alias).
fn lead_doc(a: &str) -> String {
    format!(
        "replace({a}.client_name || ' ' || coalesce({a}.business_name, '') || ' ' || {local}, '_', ' ')
         || ' _dom' || {domain} || ' _st' || replace({a}.status, '_', '') || ' _pa' || replace({a}.partner_id, '-', '')",
        local = local_part(&format!("{a}.client_email")),
        domain = domain_word(&format!("{a}.client_email")),
    )
}

/// The document of a partner row.
fn partner_doc(a: &str) -> String {
    format!(
        "replace({a}.name || ' ' || coalesce({a}.company, '') || ' ' || {local}, '_', ' ') || ' _dom' || {domain}",
        local = local_part(&format!("{a}.email")),
        domain = domain_word(&format!("{a}.email")),
    )
}

fn local_part(col: &str) -> String {
    format!("substr({col}, 1, instr({col}, '@') - 1)")
}

fn domain_word(col: &str) -> String {
    format!("replace(replace(lower(substr({col}, instr({col}, '@') + 1)), '.', ''), '-', '')")
}

fn create_sql() -> String {
    let mut sql = String::new();
    for (index, table, doc, watched) in [
        (
            "partner_search",
            "partners",
            partner_doc as fn(&str) -> String,
            "name, email, company",
        ),
        (
            "lead_search",
            "client_leads",
            lead_doc as fn(&str) -> String,
            "client_name, client_email, business_name, status, partner_id",
        ),
    ] {
        let (new, old, row) = (doc("new"), doc("old"), doc("t"));
        sql.push_str(&format!(
            "CREATE VIRTUAL TABLE {index} USING fts5(doc, content='', detail='none', columnsize=0,
                 tokenize = \"unicode61 tokenchars '_'\");
             CREATE VIRTUAL TABLE {index}_terms USING fts5vocab({index}, 'row');
             CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN
                 INSERT INTO {index} (rowid, doc) VALUES (new.rowid, {new});
             END;
             CREATE TRIGGER {index}_update AFTER UPDATE OF {watched} ON {table} BEGIN
                 INSERT INTO {index} ({index}, rowid, doc) VALUES ('delete', old.rowid, {old});
                 INSERT INTO {index} (rowid, doc) VALUES (new.rowid, {new});
             END;
             CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN
                 INSERT INTO {index} ({index}, rowid, doc) VALUES ('delete', old.rowid, {old});
             END;
             INSERT INTO {index} (rowid, doc) SELECT t.rowid, {row} FROM {table} t;
             INSERT INTO {index} ({index}) VALUES ('optimize');
"
        ));
    }
    sql
}

/// Everything [`create_sql`] makes, in the order [`drop`] removes it.
const NAMES: [(&str, &str); 10] = [
    ("TRIGGER", "partner_search_insert"),
    ("TRIGGER", "partner_search_update"),
    ("TRIGGER", "partner_search_delete"),
    ("TABLE", "partner_search_terms"),
    ("TABLE", "partner_search"),
    ("TRIGGER", "lead_search_insert"),
    ("TRIGGER", "lead_search_update"),
    ("TRIGGER", "lead_search_delete"),
    ("TABLE", "lead_search_terms"),
    ("TABLE", "lead_search"),
];

/// Whether `table` belongs to the search indexes (theirs and FTS5's shadow
/// tables): derived data that exports and copies leave out.
pub fn is_index_table(table: &str) -> bool {
    table.starts_with("lead_search") || table.starts_with("partner_search")
}

/// Whether the search indexes exist (and so are current): they are made
/// and dropped together, all or none.
pub fn ready(conn: &Connection) -> Result<bool> {
    Ok(present(conn)? == NAMES.len() as i64)
}

fn present(conn: &Connection) -> Result<i64> {
    let list = NAMES
        .iter()
        .map(|(_, n)| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(conn.query_row(
        &format!("SELECT count(*) FROM main.sqlite_master WHERE name IN ({list})"),
        [],
        |r| r.get(0),
    )?)
}

/// Build the indexes when they are missing; run inside a write transaction.
/// Returns whether it built them (about fifteen seconds on two million leads).
pub fn ensure(conn: &Connection) -> Result<bool> {
    if ready(conn)? {
        return Ok(false);
    }
    drop(conn)?;
    conn.execute_batch(&create_sql())?;
    Ok(true)
}

/// Remove the indexes and their triggers (bulk loaders; the next [`ensure`]
/// rebuilds them from the rows).
pub fn drop(conn: &Connection) -> Result<()> {
    if present(conn)? == 0 {
        return Ok(());
    }
    for (kind, name) in NAMES {
        conn.execute_batch(&format!("DROP {kind} IF EXISTS main.{name}"))?;
    }
    Ok(())
}

/// Which index a query is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Partners,
    Leads,
}

impl Index {
    fn terms(self) -> &'static str {
        match self {
            Index::Partners => "partner_search_terms",
            Index::Leads => "lead_search_terms",
        }
    }
}

/// The FTS5 query of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// The text has no word: no text filter.
    Any,
    /// A word starts no term of the index: nothing can match.
    Nothing,
    /// The MATCH expression.
    Match(String),
}

/// Whether `text` has a word to search for.
pub fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// The FTS5 query for the search `text` over `index` (see the module text).
pub fn query(conn: &Connection, index: Index, text: &str) -> Result<Query> {
    let mut parts = Vec::new();
    for chunk in text.split_whitespace() {
        let part = if let Some((local, domain)) = chunk.split_once('@') {
            let mut all = words(local)
                .map(|w| word(conn, index, &w))
                .collect::<Result<Vec<_>>>()?;
            let d = squash(domain);
            if !d.is_empty() {
                all.push(word(conn, index, &format!("_dom{d}"))?);
            }
            and(all)
        } else {
            let text_part = and(words(chunk)
                .map(|w| word(conn, index, &w))
                .collect::<Result<Vec<_>>>()?);
            // "harbor.com" may be a domain: the whole chunk as one.
            if chunk.contains('.') && words(chunk).count() > 1 {
                let domain = word(conn, index, &format!("_dom{}", squash(chunk)))?;
                or(text_part, domain)
            } else {
                text_part
            }
        };
        match part {
            Query::Any => {}
            Query::Nothing => return Ok(Query::Nothing),
            Query::Match(m) => parts.push(m),
        }
    }
    Ok(if parts.is_empty() {
        Query::Any
    } else {
        Query::Match(parts.join(" AND "))
    })
}

/// A lead search's MATCH expression `m` restricted to a status and/or a
/// partner (their marker words).
pub fn with_lead_filters(m: &str, status: Option<LeadStatus>, partner: Option<PartnerId>) -> String {
    let mut all = vec![format!("({m})")];
    if let Some(s) = status {
        all.push(format!("\"_st{}\"", s.as_str().replace('_', "")));
    }
    if let Some(p) = partner {
        all.push(format!("\"_pa{}\"", p.to_string().replace('-', "")));
    }
    all.join(" AND ")
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// A domain as its marker word has it: lower case, letters and digits only.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One word: the OR of the terms it starts, or FTS5's prefix query when it
/// starts many (or is not plain ASCII, whose folding FTS5 does itself).
fn word(conn: &Connection, index: Index, w: &str) -> Result<Query> {
    if w.is_ascii() {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT term FROM {} WHERE term >= ?1 AND term < ?2 LIMIT ?3",
            index.terms()
        ))?;
        let upper = format!("{w}\u{10FFFF}");
        let terms: Vec<String> = stmt
            .query_map(rusqlite::params![w, upper, MAX_TERMS as i64 + 1], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if terms.is_empty() {
            return Ok(Query::Nothing);
        }
        if terms.len() <= MAX_TERMS {
            let list = terms.iter().map(|t| quote(t)).collect::<Vec<_>>().join(" OR ");
            return Ok(Query::Match(if terms.len() == 1 { list } else { format!("({list})") }));
        }
    }
    Ok(Query::Match(format!("{}*", quote(w))))
}

fn quote(t: &str) -> String {
    format!("\"{}\"", t.replace('"', "\"\""))
}

fn and(parts: Vec<Query>) -> Query {
    let mut out = Vec::new();
    for p in parts {
        match p {
            Query::Any => {}
            Query::Nothing => return Query::Nothing,
            Query::Match(m) => out.push(m),
        }
    }
    match out.len() {
        0 => Query::Any,
        1 => Query::Match(out.remove(0)),
        _ => Query::Match(out.join(" AND ")),
    }
}

fn or(a: Query, b: Query) -> Query {
    match (a, b) {
        (Query::Any, _) | (_, Query::Any) => Query::Any,
        (Query::Nothing, x) | (x, Query::Nothing) => x,
        (Query::Match(x), Query::Match(y)) => Query::Match(format!("(({x}) OR {y})")),
    }
}

/// Map the error of a query whose search text FTS5 could not take to a
/// validation error on the search field.
pub fn explain(e: Error) -> Error {
    match &e {
        Error::Storage(rusqlite::Error::SqliteFailure(_, Some(msg))) if msg.starts_with("fts5:") => {
            Error::validation("search", "use letters and digits only")
        }
        _ => e,
    }
}

/// Differences between the indexes and the rows (tests and checks): the
/// documents per (partner, status) of the lead index against the rows, and
/// the partner index's count. Empty when they agree or are not built.
pub fn verify(conn: &Connection) -> Result<Vec<String>> {
    if !ready(conn)? {
        return Ok(Vec::new());
    }
    // Every document has a domain marker: `"_dom"*` matches them all.
    let documents = |index: &str, query: &str| -> Result<i64> {
        Ok(conn.query_row(
            &format!("SELECT count(*) FROM {index} WHERE {index} MATCH ?1"),
            [query],
            |r| r.get(0),
        )?)
    };
    let mut problems = Vec::new();
    let groups: Vec<(PartnerId, LeadStatus, i64)> = {
        let mut s = conn.prepare("SELECT partner_id, status, count(*) FROM client_leads GROUP BY 1, 2")?;
        let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (partner, status, n) in groups {
        let found = documents(
            "lead_search",
            &with_lead_filters("\"_dom\"*", Some(status), Some(partner)),
        )?;
        if found != n {
            problems.push(format!(
                "lead search index: {found} documents for {n} leads of {partner} in {status:?}"
            ));
        }
    }
    for (index, table) in [("lead_search", "client_leads"), ("partner_search", "partners")] {
        let rows: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        let found = documents(index, "\"_dom\"*")?;
        if found != rows {
            problems.push(format!("{index}: {found} documents for {rows} rows of {table}"));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::{has_words, squash};

    #[test]
    fn words_and_domains() {
        assert!(has_words(" Olivia "));
        assert!(!has_words(" @@ - "));
        assert_eq!(squash("Harbor-Dental.co.UK"), "harbordentalcouk");
    }
}
