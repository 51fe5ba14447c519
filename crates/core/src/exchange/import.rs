//! Import of applications, partners and leads from CSV (RFC 4180) or JSON.
//!
//! - Headers equal to the column names need no mapping; `mapping` renames
//!   source columns (`"Client" -> "client_name"`), and an empty target
//!   ignores a column. Columns of the table that an import does not set
//!   (`id`, `status` of a lead, `created_at`, ...) are ignored and listed in
//!   the report, so a Partnerdesk export imports as it is. Any other column is
//!   an error of the header.
//! - Every row goes through the same checks as a hand entry
//!   ([`crate::workflow::validate`], [`crate::money::parse_amount`] for
//!   amounts written as decimals, the enum parsers); every bad row is
//!   reported with its line and reason, and the import is all or nothing:
//!   one transaction, rolled back when any row is bad (or on a dry run).
//! - Applications go through [`crate::workflow::applications::add`] itself.
//!   Partners are created active/bronze unless the file says otherwise, with a
//!   unique e-mail. Leads follow [`crate::workflow::leads::add`]: the partner
//!   (given by id or e-mail) must be active, and a likely duplicate (same
//!   client e-mail, else same business name, in the database or earlier in
//!   the file) is flagged in `possible_duplicate_of`.
//! - Audit: one `create` row per record, as a hand entry writes, plus one
//!   `database/import` row summarising the import. A large lead import
//!   (a file of [`BULK_MIN_BYTES`] or more) writes the summary only, with the
//!   first and last id of its leads, which are consecutive: like the demo, it
//!   is one user action, and a per-lead audit row would double what it
//!   writes. The sync change feed carries the leads in that range.
//! - Large lead imports write through a rollback journal with a large page
//!   cache; when the file is also large against the table, the secondary
//!   indexes are dropped and built once at the end, like the demo generator.
//!   The roll-ups get the new leads per partner at the end. The result is the
//!   same rows as a hand entry of each.
//! - Rows are read and their fields checked on a second thread, while this
//!   one looks up partners and duplicates and writes.

use crate::demo::Progress;
use crate::error::{Error, Result};
use crate::model::{
    text_enum, Entity, ExperienceLevel, Lead, LeadId, LeadStatus, NewApplication, Partner, PartnerId, PartnerStatus,
    Tier,
};
use crate::money::parse_amount;
use crate::store::{repo, Store, Tx};
use crate::workflow::{applications, validate};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

text_enum!(
    /// The tables an import fills.
    ImportTable, "table" {
        Applications => "applications",
        Partners => "partners",
        Leads => "leads",
    }
);

text_enum!(
    /// The file formats an import reads.
    ImportFormat, "format" {
        Csv => "csv",
        Json => "json",
    }
);

impl ImportFormat {
    /// The format a file name says (`.csv`, `.json`).
    pub fn from_path(path: &Path) -> Result<ImportFormat> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "csv" => Ok(ImportFormat::Csv),
            "json" => Ok(ImportFormat::Json),
            _ => Err(Error::validation(
                "file",
                format!("{} is neither a .csv nor a .json file", path.display()),
            )),
        }
    }
}

/// What to import and how.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImportOptions {
    pub table: ImportTable,
    pub format: ImportFormat,
    /// Source column -> field of the table; an empty field ignores the column.
    #[serde(default)]
    pub mapping: BTreeMap<String, String>,
    /// Check everything and report, but keep nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// One row that cannot be imported.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BadRow {
    /// The line of the file where the row starts (1 = the CSV header).
    pub line: u64,
    /// The column of the file, when the fault is in one.
    pub column: Option<String>,
    /// The field of the table, when the fault is in one.
    pub field: Option<String>,
    pub reason: String,
}

/// What an import did (or, on a dry run or with bad rows, would have done).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReport {
    pub table: ImportTable,
    pub dry_run: bool,
    /// Data rows read.
    pub rows: u64,
    /// Rows written: 0 on a dry run and when any row is bad.
    pub imported: u64,
    /// Rows that would be written (all of them when there is no bad row).
    pub valid: u64,
    /// Leads flagged as a likely duplicate.
    pub duplicates: u64,
    /// Columns of the file that were ignored (table columns an import does not set, or mapped to nothing).
    pub ignored_columns: Vec<String>,
    pub bad_rows: Vec<BadRow>,
}

/// Parse `col=field,col2=field2` (a `--map` argument). `col=` ignores a column.
pub fn parse_mapping(text: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (col, field) = part
            .split_once('=')
            .ok_or_else(|| Error::validation("map", format!("{part:?} is not COLUMN=FIELD")))?;
        let col = col.trim();
        if col.is_empty() {
            return Err(Error::validation("map", format!("{part:?} names no column")));
        }
        if out.insert(col.to_owned(), field.trim().to_owned()).is_some() {
            return Err(Error::validation("map", format!("the column {col:?} is mapped twice")));
        }
    }
    Ok(out)
}

/// The fields an import of `table` sets, in order.
pub fn fields(table: ImportTable) -> &'static [&'static str] {
    match table {
        ImportTable::Applications => &[
            "name",
            "email",
            "phone",
            "company",
            "network_description",
            "expected_referrals",
            "experience_level",
        ],
        ImportTable::Partners => &["name", "email", "phone", "company", "status", "tier"],
        ImportTable::Leads => &[
            "partner_id",
            "partner_email",
            "client_name",
            "client_email",
            "client_phone",
            "business_name",
            "project_description",
            "estimated_value",
        ],
    }
}

/// What an import wizard needs to build a mapping: the columns of the file,
/// the fields of the table, and where each column goes without a mapping.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportPreview {
    pub table: ImportTable,
    pub format: ImportFormat,
    /// The columns of the file (CSV: the header, in order; JSON: the keys of
    /// the first objects).
    pub columns: Vec<String>,
    /// The fields of the table ([`fields`]).
    pub fields: Vec<String>,
    /// Column -> field it fills with no mapping; "" when the import ignores
    /// it (a table column an import does not set); absent when unknown (it
    /// must be mapped or ignored).
    pub suggested: BTreeMap<String, String>,
}

/// Read the columns of `path` (the header only, for CSV) for an import of `table`.
pub fn preview(table: ImportTable, path: &Path) -> Result<ImportPreview> {
    let shown = path.display().to_string();
    let format = ImportFormat::from_path(path)?;
    let columns: Vec<String> = match format {
        ImportFormat::Csv => {
            let file = std::fs::File::open(path).map_err(|e| Error::io(format!("reading {shown}"), e))?;
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
            let head = reader
                .headers()
                .map_err(|e| Error::validation("file", format!("the header of {shown} cannot be read: {e}")))?;
            head.iter()
                .map(|c| c.trim_start_matches('\u{feff}').trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect()
        }
        ImportFormat::Json => {
            let meta = std::fs::metadata(path).map_err(|e| Error::io(format!("reading {shown}"), e))?;
            if meta.len() > MAX_FILE_BYTES {
                return Err(Error::validation("file", format!("{shown} is larger than 4 GiB")));
            }
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(format!("reading {shown}"), e))?;
            let items: Vec<serde_json::Map<String, serde_json::Value>> =
                serde_json::from_str(text.trim_start_matches('\u{feff}'))
                    .map_err(|e| Error::validation("file", format!("{shown} is not a JSON array of objects: {e}")))?;
            let mut cols: Vec<String> = Vec::new();
            for item in items.iter().take(1000) {
                for k in item.keys() {
                    if !cols.contains(k) {
                        cols.push(k.clone());
                    }
                }
            }
            cols
        }
    };
    if columns.is_empty() {
        return Err(Error::validation("file", format!("{shown} has no columns")));
    }
    let plan = ColumnPlan::new(table, &BTreeMap::new())?;
    let fs = fields(table);
    let mut suggested = BTreeMap::new();
    for c in &columns {
        match plan.target(c) {
            Ok(Some(i)) => {
                suggested.insert(c.clone(), fs[i].to_owned());
            }
            Ok(None) => {
                suggested.insert(c.clone(), String::new());
            }
            Err(_) => {}
        }
    }
    Ok(ImportPreview {
        table,
        format,
        columns,
        fields: fs.iter().map(|f| (*f).to_owned()).collect(),
        suggested,
    })
}

/// Columns of the table that an import accepts in a file but does not set.
fn ignorable(table: ImportTable) -> &'static [&'static str] {
    match table {
        ImportTable::Applications => &["id", "status", "created_at", "updated_at"],
        ImportTable::Partners => &[
            "id",
            "application_id",
            "total_deals",
            "total_earnings",
            "created_at",
            "updated_at",
        ],
        ImportTable::Leads => &[
            "id",
            "status",
            "possible_duplicate_of",
            "closed_at",
            "created_at",
            "updated_at",
        ],
    }
}

/// A lead file at least this large (bytes) is a large import: one audit row
/// for all its leads, a rollback journal and a large cache; when it is also
/// larger than the table (at about 80 bytes a row), the secondary indexes
/// are dropped and built again at the end.
pub const BULK_MIN_BYTES: usize = 4 << 20;

/// Largest file accepted (bytes).
pub const MAX_FILE_BYTES: u64 = 4 << 30;

/// Read `path` and import it; the format comes from `opts`.
pub fn import_file(
    store: &Store,
    opts: &ImportOptions,
    path: &Path,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<ImportReport> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(format!("reading {shown}"), e))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::validation("file", format!("{shown} is larger than 4 GiB")));
    }
    let data = std::fs::read(path).map_err(|e| Error::io(format!("reading {shown}"), e))?;
    import_bytes(store, opts, &data, progress)
}

/// Import the content of a file. `progress` gets the bytes read of the total;
/// returning false cancels ([`Error::Cancelled`]) and nothing is kept.
pub fn import_bytes(
    store: &Store,
    opts: &ImportOptions,
    data: &[u8],
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<ImportReport> {
    let plan = ColumnPlan::new(opts.table, &opts.mapping)?;
    let now = store.now();
    let large = opts.table == ImportTable::Leads && !opts.dry_run && data.len() >= BULK_MIN_BYTES;
    // Dropping and building the indexes again pays off when the file is large
    // against the table (1M leads into an empty table: 11-17 s rebuilt, 20 s
    // kept; into the 2M of the reference set: 26 s kept, 43 s rebuilt).
    let rebuild = large && {
        let existing: i64 =
            store.read(|c| Ok(c.query_row("SELECT COALESCE(MAX(rowid), 0) FROM client_leads", [], |r| r.get(0))?))?;
        data.len() as i64 / 80 >= existing
    };
    let mode = LoadMode { large, rebuild };
    if large {
        store.release_readers();
    }
    store.with_writer(|conn| {
        // A rollback journal keeps only the pages the import changes (new
        // pages at the end of the file are not journaled); WAL would write
        // every page twice.
        let switched = large
            && conn
                .query_row("PRAGMA journal_mode = TRUNCATE", [], |r| r.get::<_, String>(0))
                .map(|m| m.eq_ignore_ascii_case("truncate"))
                .unwrap_or(false);
        if large {
            // References are checked by the import itself (partner look-ups,
            // duplicates among rows already written).
            conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA cache_size = -1000000;")?;
        }
        let result = (|| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let tx = Tx::wrap(tx, now);
            let report = run(&tx, opts, &plan, data, mode, progress)?;
            if report.bad_rows.is_empty() && !opts.dry_run {
                tx.commit()?;
            }
            // Dropping `tx` otherwise rolls everything back.
            Ok(report)
        })();
        if large {
            conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;")?;
        }
        if switched {
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
        }
        result
    })
}

/// How the columns of the file map to the fields of the table.
struct ColumnPlan {
    table: ImportTable,
    mapping: BTreeMap<String, String>,
}

/// The outcome of reading a header: field index per source column (None = ignored).
struct Header {
    slots: Vec<Option<usize>>,
    names: Vec<String>,
    ignored: Vec<String>,
}

impl ColumnPlan {
    fn new(table: ImportTable, mapping: &BTreeMap<String, String>) -> Result<ColumnPlan> {
        let fs = fields(table);
        for (col, field) in mapping {
            if !field.is_empty() && !fs.contains(&field.as_str()) {
                return Err(Error::validation(
                    "map",
                    format!(
                        "{col}={field}: {field:?} is not a field of {table}; the fields are: {}",
                        fs.join(", ")
                    ),
                ));
            }
        }
        Ok(ColumnPlan {
            table,
            mapping: mapping.clone(),
        })
    }

    /// Where one source column goes: Ok(Some(field)), Ok(None) ignored, Err unknown.
    fn target(&self, col: &str) -> std::result::Result<Option<usize>, String> {
        let col_t = col.trim();
        let fs = fields(self.table);
        let name = match self.mapping.get(col_t) {
            Some(f) if f.is_empty() => return Ok(None),
            Some(f) => f.as_str(),
            None => col_t,
        };
        if let Some(i) = fs.iter().position(|f| *f == name) {
            return Ok(Some(i));
        }
        let lower = name.to_ascii_lowercase();
        if let Some(i) = fs.iter().position(|f| *f == lower) {
            return Ok(Some(i));
        }
        if ignorable(self.table).contains(&lower.as_str()) {
            return Ok(None);
        }
        Err(format!(
            "unknown column {col_t:?}: the fields of {} are {}; map it with --map \"{col_t}=FIELD\" or ignore it with --map \"{col_t}=\"",
            self.table,
            fs.join(", ")
        ))
    }

    fn header<'a>(&self, cols: impl Iterator<Item = &'a str>) -> std::result::Result<Header, Vec<BadRow>> {
        let mut h = Header {
            slots: Vec::new(),
            names: Vec::new(),
            ignored: Vec::new(),
        };
        let mut bad = Vec::new();
        let mut seen: Vec<Option<String>> = vec![None; fields(self.table).len()];
        for col in cols {
            match self.target(col) {
                Ok(Some(i)) => {
                    if let Some(prev) = &seen[i] {
                        bad.push(BadRow {
                            line: 1,
                            column: Some(col.to_owned()),
                            field: Some(fields(self.table)[i].to_owned()),
                            reason: format!("the columns {prev:?} and {col:?} both fill this field"),
                        });
                    }
                    seen[i] = Some(col.to_owned());
                    h.slots.push(Some(i));
                }
                Ok(None) => {
                    h.ignored.push(col.to_owned());
                    h.slots.push(None);
                }
                Err(reason) => {
                    bad.push(BadRow {
                        line: 1,
                        column: Some(col.to_owned()),
                        field: None,
                        reason,
                    });
                    h.slots.push(None);
                }
            }
            h.names.push(col.to_owned());
        }
        if bad.is_empty() {
            Ok(h)
        } else {
            Err(bad)
        }
    }
}

/// One data row: the text of each field (None = absent or blank).
struct Row<'s> {
    line: u64,
    values: Vec<Option<Cow<'s, str>>>,
}

impl Row<'_> {
    fn get(&self, i: usize) -> Option<&str> {
        self.values[i].as_deref()
    }
}

/// A fault of one row, with the file's column that holds the field.
fn bad_row(line: u64, table: ImportTable, columns: &[Option<String>], e: &Error) -> BadRow {
    let field = e.field().map(str::to_owned);
    let column = field
        .as_deref()
        .and_then(|f| fields(table).iter().position(|x| *x == f))
        .and_then(|i| columns[i].clone());
    let reason = match e {
        Error::Validation { reason, .. } => reason.clone(),
        other => other.to_string(),
    };
    BadRow {
        line,
        column,
        field,
        reason,
    }
}

/// A source of rows: CSV records or JSON objects.
enum Source<'a> {
    Csv {
        reader: csv::Reader<&'a [u8]>,
        header: Header,
        record: csv::ByteRecord,
    },
    Json {
        text: &'a str,
        items: std::vec::IntoIter<&'a serde_json::value::RawValue>,
        plan: &'a ColumnPlan,
        line: u64,
        scanned: usize,
    },
}

/// What reading one row gave.
enum Next<'s> {
    Row(Row<'s>),
    Bad(BadRow),
    End,
}

fn whole_file(line: u64, reason: String) -> Vec<BadRow> {
    vec![BadRow {
        line,
        column: None,
        field: None,
        reason,
    }]
}

impl<'a> Source<'a> {
    fn open(plan: &'a ColumnPlan, format: ImportFormat, data: &'a [u8]) -> std::result::Result<Self, Vec<BadRow>> {
        match format {
            ImportFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(data);
                let head = reader
                    .byte_headers()
                    .map_err(|e| whole_file(1, format!("the header cannot be read: {e}")))?
                    .clone();
                if head.is_empty() || (head.len() == 1 && head[0].is_empty()) {
                    return Err(whole_file(
                        1,
                        "the file is empty: a CSV import needs a header line".into(),
                    ));
                }
                let mut names = Vec::with_capacity(head.len());
                for (i, f) in head.iter().enumerate() {
                    let s = std::str::from_utf8(f)
                        .map_err(|_| whole_file(1, format!("column {} of the header is not UTF-8 text", i + 1)))?;
                    names.push(s.trim_start_matches('\u{feff}'));
                }
                let header = plan.header(names.into_iter())?;
                Ok(Source::Csv {
                    reader,
                    header,
                    record: csv::ByteRecord::new(),
                })
            }
            ImportFormat::Json => {
                let text = std::str::from_utf8(data).map_err(|e| {
                    let upto = &data[..e.valid_up_to()];
                    whole_file(
                        1 + upto.iter().filter(|b| **b == b'\n').count() as u64,
                        "the file is not UTF-8 text".into(),
                    )
                })?;
                let items: Vec<&serde_json::value::RawValue> =
                    serde_json::from_str(text.trim_start_matches('\u{feff}'))
                        .map_err(|e| whole_file(e.line() as u64, format!("not a JSON array of objects: {e}")))?;
                Ok(Source::Json {
                    text,
                    items: items.into_iter(),
                    plan,
                    line: 1,
                    scanned: 0,
                })
            }
        }
    }

    fn ignored(&self) -> Vec<String> {
        match self {
            Source::Csv { header, .. } => header.ignored.clone(),
            Source::Json { .. } => Vec::new(),
        }
    }

    /// The column of the file that fills each field, for messages.
    fn columns(&self, table: ImportTable) -> Vec<Option<String>> {
        let fs = fields(table);
        match self {
            Source::Csv { header, .. } => {
                let mut out = vec![None; fs.len()];
                for (i, slot) in header.slots.iter().enumerate() {
                    if let Some(f) = slot {
                        out[*f] = Some(header.names[i].clone());
                    }
                }
                out
            }
            Source::Json { plan, .. } => fs
                .iter()
                .map(|f| {
                    plan.mapping
                        .iter()
                        .find(|(_, to)| to == f)
                        .map(|(from, _)| from.clone())
                        .or_else(|| Some((*f).to_owned()))
                })
                .collect(),
        }
    }

    /// Bytes consumed so far.
    fn position(&self) -> u64 {
        match self {
            Source::Csv { reader, .. } => reader.position().byte(),
            Source::Json { scanned, .. } => *scanned as u64,
        }
    }

    fn next(&mut self, nfields: usize) -> Next<'_> {
        match self {
            Source::Csv { reader, header, record } => {
                let line = loop {
                    match reader.read_byte_record(record) {
                        Ok(false) => return Next::End,
                        Err(e) => {
                            let line = e.position().map(|p| p.line()).unwrap_or(0);
                            return Next::Bad(BadRow {
                                line,
                                column: None,
                                field: None,
                                reason: format!("the row cannot be read: {e}"),
                            });
                        }
                        Ok(true) => {}
                    }
                    let line = record.position().map(|p| p.line()).unwrap_or(0);
                    if record.len() == header.slots.len() {
                        break line;
                    }
                    if record.len() == 1 && record[0].trim_ascii().is_empty() {
                        continue; // a blank line
                    }
                    return Next::Bad(BadRow {
                        line,
                        column: None,
                        field: None,
                        reason: format!(
                            "the row has {} values but the header has {} columns",
                            record.len(),
                            header.slots.len()
                        ),
                    });
                };
                let record: &csv::ByteRecord = record;
                let mut values = vec![None; nfields];
                for (i, raw) in record.iter().enumerate() {
                    let Some(slot) = header.slots[i] else { continue };
                    let Ok(s) = std::str::from_utf8(raw) else {
                        return Next::Bad(BadRow {
                            line,
                            column: Some(header.names[i].clone()),
                            field: None,
                            reason: "the value is not UTF-8 text".into(),
                        });
                    };
                    if !s.trim().is_empty() {
                        values[slot] = Some(Cow::Borrowed(s));
                    }
                }
                Next::Row(Row { line, values })
            }
            Source::Json {
                text,
                items,
                plan,
                line,
                scanned,
            } => {
                let Some(raw) = items.next() else {
                    *scanned = text.len();
                    return Next::End;
                };
                let body = raw.get();
                let offset = (body.as_ptr() as usize)
                    .saturating_sub(text.as_ptr() as usize)
                    .min(text.len());
                if offset > *scanned {
                    *line += text.as_bytes()[*scanned..offset]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count() as u64;
                    *scanned = offset;
                }
                let here = *line;
                let bad = |column: Option<String>, reason: String| {
                    Next::Bad(BadRow {
                        line: here,
                        column,
                        field: None,
                        reason,
                    })
                };
                let obj: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(body) {
                    Ok(o) => o,
                    Err(_) => return bad(None, "the record is not a JSON object".into()),
                };
                let mut values = vec![None; nfields];
                let mut seen = vec![false; nfields];
                for (key, value) in obj {
                    let slot = match plan.target(&key) {
                        Ok(Some(i)) => i,
                        Ok(None) => continue,
                        Err(reason) => return bad(Some(key), reason),
                    };
                    if std::mem::replace(&mut seen[slot], true) {
                        return bad(Some(key), "another key of this record fills the same field".into());
                    }
                    let money = fields(plan.table).get(slot).is_some_and(|f| MONEY_FIELDS.contains(f));
                    let text = match value {
                        serde_json::Value::Null => None,
                        serde_json::Value::String(s) => Some(s),
                        // JSON export writes amounts as integer cents; a
                        // number in a money field is read the same way.
                        serde_json::Value::Number(n) if money => match n.as_i64() {
                            Some(cents) => Some(crate::money::format_amount(cents)),
                            None => {
                                return bad(
                                    Some(key),
                                    "a number here is an amount in integer cents (as JSON export writes it); \
                                     write a decimal amount as text, e.g. \"1234.50\""
                                        .into(),
                                )
                            }
                        },
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        _ => return bad(Some(key), "must be text, a number or null".into()),
                    };
                    values[slot] = text.filter(|t| !t.trim().is_empty()).map(Cow::Owned);
                }
                Next::Row(Row { line: here, values })
            }
        }
    }
}

/// Fields holding money: decimals in CSV and JSON text, integer cents as JSON numbers.
const MONEY_FIELDS: &[&str] = &["estimated_value"];

/// How a lead import writes: a `large` one (a file of [`BULK_MIN_BYTES`] or
/// more) writes one audit row for the whole import instead of one per lead;
/// a `rebuild` one also drops the secondary indexes and builds them again at
/// the end (cheaper than keeping them row by row when the file is large
/// against the table).
#[derive(Debug, Clone, Copy, Default)]
struct LoadMode {
    large: bool,
    rebuild: bool,
}

/// Rows handed from the reading thread to the writing one.
const BATCH_ROWS: usize = 4096;

/// A batch of read and prepared rows, and the bytes of the file read so far.
struct Batch {
    items: Vec<Item>,
    position: u64,
}

/// One row of the file: its line and its prepared fields (or what is wrong with it).
enum Item {
    Row(u64, Result<Prepared>),
    Bad(BadRow),
}

/// Read the rows of `source` and check their fields (everything that needs no
/// database), in batches, until the end or until the receiver hangs up.
fn read_rows(mut source: Source<'_>, table: ImportTable, send: std::sync::mpsc::SyncSender<Batch>) {
    let nfields = fields(table).len();
    let mut items = Vec::with_capacity(BATCH_ROWS);
    loop {
        let item = match source.next(nfields) {
            Next::End => break,
            Next::Bad(b) => Item::Bad(b),
            Next::Row(r) => Item::Row(r.line, prepare(table, &r)),
        };
        items.push(item);
        if items.len() == BATCH_ROWS {
            let batch = Batch {
                items: std::mem::replace(&mut items, Vec::with_capacity(BATCH_ROWS)),
                position: source.position(),
            };
            if send.send(batch).is_err() {
                return;
            }
        }
    }
    let _ = send.send(Batch {
        items,
        position: source.position(),
    });
}

fn run(
    tx: &Tx,
    opts: &ImportOptions,
    plan: &ColumnPlan,
    data: &[u8],
    mode: LoadMode,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<ImportReport> {
    let mut report = ImportReport {
        table: opts.table,
        dry_run: opts.dry_run,
        rows: 0,
        imported: 0,
        valid: 0,
        duplicates: 0,
        ignored_columns: Vec::new(),
        bad_rows: Vec::new(),
    };
    let total = data.len() as u64;
    // `done` of `of` in `stage`: bytes of the file while reading, then steps.
    let mut tick = |done: u64, of: u64, stage: &str| -> Result<()> {
        if progress(&Progress {
            stage: stage.into(),
            done,
            total: of,
        }) {
            Ok(())
        } else {
            Err(Error::Cancelled)
        }
    };
    tick(0, total, "rows")?;
    let source = match Source::open(plan, opts.format, data) {
        Ok(s) => s,
        Err(bad) => {
            report.bad_rows = bad;
            return Ok(report);
        }
    };
    report.ignored_columns = source.ignored();
    let columns = source.columns(opts.table);
    let mut sink = Sink::new(tx, opts.table, mode, data.len())?;
    // Reading and field checks on one thread, look-ups and writes (the
    // connection) on this one: the two overlap on two cores.
    std::thread::scope(|scope| -> Result<()> {
        let (send, recv) = std::sync::mpsc::sync_channel::<Batch>(4);
        let table = opts.table;
        scope.spawn(move || read_rows(source, table, send));
        // Returning early drops `recv`, which stops the reader.
        for batch in recv {
            for item in batch.items {
                report.rows += 1;
                let (line, prepared) = match item {
                    Item::Bad(b) => {
                        report.bad_rows.push(b);
                        continue;
                    }
                    Item::Row(line, prepared) => (line, prepared),
                };
                // Leads need no writes to be checked (duplicates are tracked in
                // memory), so a dry run of leads writes nothing; applications and
                // partners are written and rolled back (later rows must see them).
                let write = report.bad_rows.is_empty() && !(opts.dry_run && opts.table == ImportTable::Leads);
                match prepared.and_then(|p| sink.take(p, write)) {
                    Ok(dup) => {
                        report.valid += 1;
                        report.duplicates += u64::from(dup);
                    }
                    Err(e) if is_row_fault(&e) => report.bad_rows.push(bad_row(line, opts.table, &columns, &e)),
                    Err(e) => return Err(e),
                }
            }
            tick(batch.position, total, "rows")?;
        }
        Ok(())
    })?;
    tick(total, total, "rows")?;
    if !report.bad_rows.is_empty() || opts.dry_run {
        return Ok(report);
    }
    let created = sink.finish(&mut tick)?;
    drop(sink);
    let mut summary = serde_json::json!({
        "table": opts.table,
        "format": opts.format,
        "rows": report.valid,
        "duplicates": report.duplicates,
        "ignored_columns": report.ignored_columns,
    });
    if let Some((first, last)) = created {
        // A large import's leads have no audit row each: this row names them
        // (their ids are consecutive, see IdSeq); the sync change feed reads it.
        summary[repo::audit::IMPORT_FIRST_ID] = first.to_string().into();
        summary[repo::audit::IMPORT_LAST_ID] = last.to_string().into();
    }
    repo::audit::record(tx, Entity::Database, "import", "import", None::<&()>, Some(&summary))?;
    report.imported = report.valid;
    Ok(report)
}

/// Faults of one row (reported and the import goes on checking) as opposed
/// to faults of the import (which stop it).
fn is_row_fault(e: &Error) -> bool {
    match e {
        Error::Validation { .. } | Error::Conflict(_) | Error::NotFound { .. } | Error::InvalidTransition { .. } => {
            true
        }
        Error::Storage(s) => s.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation),
        _ => false,
    }
}

/// Ascending UUID v7 ids for the records of one import, all at `now`:
/// a random start, then +1 each, so the primary-key b-tree grows at its end
/// and the leads of one import lie between its first and last id.
struct IdSeq {
    hi: u64,
    lo: u64,
}

impl IdSeq {
    fn new(now: DateTime<Utc>) -> IdSeq {
        let base = crate::model::uuid_v7_at(now).as_u128();
        IdSeq {
            hi: (base >> 64) as u64,
            // Room for 2^62 ids before the variant bits would be touched.
            lo: (base as u64) & 0xBFFF_FFFF_0000_0000,
        }
    }
    fn next(&mut self) -> uuid::Uuid {
        self.lo += 1;
        uuid::Uuid::from_u128((u128::from(self.hi) << 64) | u128::from(self.lo))
    }
}

/// The fields of a partner row, checked.
struct PartnerFields {
    name: String,
    email: String,
    phone: Option<String>,
    company: Option<String>,
    status: PartnerStatus,
    tier: Tier,
}

/// How a lead row names its partner: the field used, the text given and its
/// normal form (a lower-case e-mail or id).
struct PartnerKey {
    field: &'static str,
    given: String,
    norm: String,
}

/// The fields of a lead row, checked.
struct LeadFields {
    partner: PartnerKey,
    client_name: String,
    client_email: String,
    client_phone: Option<String>,
    business_name: Option<String>,
    description: Option<String>,
    estimated_value: i64,
}

/// A row whose fields passed every check that needs no database.
enum Prepared {
    Application(NewApplication),
    Partner(PartnerFields),
    Lead(LeadFields),
}

/// Check the fields of one row as a hand entry does (what needs no database).
fn prepare(table: ImportTable, row: &Row) -> Result<Prepared> {
    Ok(match table {
        ImportTable::Applications => {
            let expected_referrals =
                match row.get(5) {
                    None => None,
                    Some(t) => Some(t.trim().parse::<i64>().map_err(|_| {
                        Error::validation("expected_referrals", format!("{t:?} is not a whole number"))
                    })?),
                };
            let experience_level = row
                .get(6)
                .map(ExperienceLevel::parse)
                .transpose()
                .map_err(|e| match e {
                    Error::Validation { reason, .. } => Error::validation("experience_level", reason),
                    other => other,
                })?;
            Prepared::Application(NewApplication {
                name: row.get(0).unwrap_or_default().to_owned(),
                email: row.get(1).unwrap_or_default().to_owned(),
                phone: row.get(2).map(str::to_owned),
                company: row.get(3).map(str::to_owned),
                network_description: row.get(4).map(str::to_owned),
                expected_referrals,
                experience_level,
            })
        }
        ImportTable::Partners => Prepared::Partner(PartnerFields {
            name: validate::required("name", row.get(0).unwrap_or_default(), validate::MAX_NAME)?,
            email: validate::email("email", row.get(1).unwrap_or_default())?,
            phone: validate::phone("phone", row.get(2))?,
            company: validate::optional("company", row.get(3), validate::MAX_NAME)?,
            status: row
                .get(4)
                .map(PartnerStatus::parse)
                .transpose()?
                .unwrap_or(PartnerStatus::Active),
            tier: row.get(5).map(Tier::parse).transpose()?.unwrap_or(Tier::Bronze),
        }),
        ImportTable::Leads => {
            let client_name = validate::required("client_name", row.get(2).unwrap_or_default(), validate::MAX_NAME)?;
            let client_email = validate::email("client_email", row.get(3).unwrap_or_default())?;
            let client_phone = validate::phone("client_phone", row.get(4))?;
            let business_name = validate::optional("business_name", row.get(5), validate::MAX_NAME)?;
            let description = validate::optional("project_description", row.get(6), validate::MAX_TEXT)?;
            let estimated_value = match row.get(7) {
                None => 0,
                Some(t) => validate::amount("estimated_value", parse_amount("estimated_value", t, false)?, true)?,
            };
            let (field, given) = match (row.get(0), row.get(1)) {
                (Some(_), Some(_)) => {
                    return Err(Error::validation(
                        "partner_email",
                        "give the partner by partner_id or by partner_email, not both",
                    ))
                }
                (Some(k), None) => ("partner_id", k.trim()),
                (None, Some(k)) => ("partner_email", k.trim()),
                (None, None) => {
                    return Err(Error::validation(
                        "partner_id",
                        "must not be empty (give the partner's id or e-mail)",
                    ))
                }
            };
            let norm = if given.contains('@') {
                validate::email(field, given)?
            } else {
                given.to_ascii_lowercase()
            };
            Prepared::Lead(LeadFields {
                partner: PartnerKey {
                    field,
                    given: given.to_owned(),
                    norm,
                },
                client_name,
                client_email,
                client_phone,
                business_name,
                description,
                estimated_value,
            })
        }
    })
}

/// Where checked rows go.
enum Sink<'t, 'c> {
    Applications { tx: &'t Tx<'c> },
    Partners { tx: &'t Tx<'c>, ids: IdSeq },
    Leads(Box<LeadSink<'t, 'c>>),
}

impl<'t, 'c> Sink<'t, 'c> {
    fn new(tx: &'t Tx<'c>, table: ImportTable, mode: LoadMode, bytes: usize) -> Result<Self> {
        Ok(match table {
            ImportTable::Applications => Sink::Applications { tx },
            ImportTable::Partners => Sink::Partners {
                tx,
                ids: IdSeq::new(tx.now()),
            },
            ImportTable::Leads => Sink::Leads(Box::new(LeadSink::new(tx, mode, bytes)?)),
        })
    }

    /// Check one row against the database and, when `write`, write it.
    /// Ok(true) when it is a likely duplicate.
    fn take(&mut self, row: Prepared, write: bool) -> Result<bool> {
        match (self, row) {
            (Sink::Applications { tx }, Prepared::Application(input)) => {
                // The hand-entry rule itself; "network" is its name for the field.
                applications::add(tx, &input).map_err(|e| match e {
                    Error::Validation { field, reason } if field == "network" => {
                        Error::validation("network_description", reason)
                    }
                    other => other,
                })?;
                Ok(false)
            }
            (Sink::Partners { tx, ids }, Prepared::Partner(f)) => {
                if let Some(p) = repo::partners::find_by_email(tx, &f.email)? {
                    return Err(Error::validation(
                        "email",
                        format!("{} is already the e-mail of partner {} ({})", f.email, p.name, p.id),
                    ));
                }
                let now = tx.now_text().to_owned();
                let partner = Partner {
                    id: PartnerId(ids.next()),
                    application_id: None,
                    name: f.name,
                    email: f.email,
                    phone: f.phone,
                    company: f.company,
                    status: f.status,
                    tier: f.tier,
                    total_deals: 0,
                    total_earnings: 0,
                    created_at: now.clone(),
                    updated_at: now,
                };
                // Written even on a checking pass (`write` false): a later row
                // with the same e-mail must see it; all is rolled back then.
                repo::partners::insert(tx, &partner)?;
                crate::analytics::rollup::on_partner_created(tx, &partner)?;
                repo::audit::record(
                    tx,
                    Entity::Partner,
                    &partner.id.to_string(),
                    "create",
                    None::<&()>,
                    Some(&partner),
                )?;
                Ok(false)
            }
            (Sink::Leads(s), Prepared::Lead(f)) => s.take(f, write),
            _ => Err(Error::validation("table", "a row prepared for another table")),
        }
    }

    /// After the last row: the first and last id of a large import's leads.
    fn finish(&mut self, tick: &mut dyn FnMut(u64, u64, &str) -> Result<()>) -> Result<Option<(LeadId, LeadId)>> {
        match self {
            Sink::Leads(s) => s.finish(tick),
            _ => Ok(None),
        }
    }
}

/// A partner as a lead import sees it.
#[derive(Clone)]
struct PartnerRef {
    id: PartnerId,
    /// The id as stored (bound for every lead without a conversion).
    id_text: String,
    status: PartnerStatus,
    name: String,
}

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The lead import: partners and duplicate keys cached in memory, rows
/// written through prepared statements, roll-ups added per partner at the end.
struct LeadSink<'t, 'c> {
    tx: &'t Tx<'c>,
    ids: IdSeq,
    now: String,
    partners: FastMap<String, Option<PartnerRef>>,
    /// Client e-mail -> first lead with it (the database's first, else the file's).
    by_email: FastMap<String, LeadId>,
    /// Lower-cased (ASCII) business name -> first lead with it.
    by_business: FastMap<String, LeadId>,
    /// Whether the database's own leads are in the maps (else looked up per row).
    preloaded: bool,
    mode: LoadMode,
    rebuild: Vec<String>,
    insert_lead: rusqlite::Statement<'t>,
    insert_audit: rusqlite::Statement<'t>,
    /// The largest rowid of the leads before the import (its first history
    /// rows are written for the leads after it, in one statement).
    rowid_before: i64,
    /// Leads written and their value, per partner (for the roll-ups).
    added: FastMap<PartnerId, (i64, i64)>,
    first: Option<LeadId>,
    last: Option<LeadId>,
}

impl<'t, 'c> LeadSink<'t, 'c> {
    fn new(tx: &'t Tx<'c>, mode: LoadMode, bytes: usize) -> Result<Self> {
        let existing: i64 = tx.query_row("SELECT COALESCE(MAX(rowid), 0) FROM client_leads", [], |r| r.get(0))?;
        // Loading the database's keys costs a scan; per-row look-ups cost an
        // index probe each. Scan when the file is large against the table.
        let preloaded = mode.rebuild || (bytes as i64 / 80) >= existing / 4;
        // Sized for the file's rows (about 100 bytes each) and the table's.
        let expect = if preloaded {
            existing as usize + bytes / 100
        } else {
            bytes / 100
        };
        let mut by_email = FastMap::with_capacity_and_hasher(expect, Default::default());
        let mut by_business = FastMap::with_capacity_and_hasher(expect, Default::default());
        if preloaded && existing > 0 {
            let mut stmt = tx.prepare(
                "SELECT id, client_email, business_name FROM client_leads ORDER BY created_at DESC, rowid DESC",
            )?;
            let mut rows = stmt.query([])?;
            // Newest first, so the oldest ends up in the map (as find_duplicate's ORDER BY created_at).
            while let Some(r) = rows.next()? {
                let id: LeadId = r.get(0)?;
                let email: String = r.get(1)?;
                let business: Option<String> = r.get(2)?;
                by_email.insert(email, id);
                if let Some(b) = business
                    .map(|b| b.trim().to_ascii_lowercase())
                    .filter(|b| !b.is_empty())
                {
                    by_business.insert(b, id);
                }
            }
        }
        if mode.large {
            // A search-index trigger per row would cost more than building the
            // index again at the next search.
            crate::store::search::drop(tx)?;
        }
        let rebuild = if mode.rebuild {
            // All of them: keeping those whose keys grow with the import (created,
            // status + updated, history by lead) measured 1.5 s slower on 1M leads.
            crate::store::drop_secondary_indexes(tx, &["client_leads", "lead_status_history"], &[])?
        } else {
            Vec::new()
        };
        Ok(LeadSink {
            tx,
            ids: IdSeq::new(tx.now()),
            now: tx.now_text().to_owned(),
            partners: FastMap::default(),
            by_email,
            by_business,
            preloaded,
            mode,
            rebuild,
            insert_lead: tx.prepare(
                "INSERT INTO client_leads (id, partner_id, client_name, client_email, client_phone, business_name, project_description, estimated_value, status, possible_duplicate_of, closed_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'prospect', ?9, NULL, ?10, ?10)",
            )?,
            insert_audit: tx.prepare(
                "INSERT INTO audit_log (at, entity, entity_id, action, before, after) VALUES (?1, 'lead', ?2, 'create', NULL, ?3)",
            )?,
            rowid_before: existing,
            added: FastMap::default(),
            first: None,
            last: None,
        })
    }

    fn partner(&mut self, key: &PartnerKey) -> Result<PartnerRef> {
        if !self.partners.contains_key(&key.norm) {
            let found: Option<PartnerRef> = if key.norm.contains('@') {
                repo::partners::find_by_email(self.tx, &key.norm)?.map(|p| PartnerRef {
                    id: p.id,
                    id_text: p.id.to_string(),
                    status: p.status,
                    name: p.name,
                })
            } else {
                let id = uuid::Uuid::parse_str(&key.norm).map_err(|_| {
                    Error::validation(
                        key.field,
                        format!("{:?} is neither a partner id nor a partner e-mail", key.given),
                    )
                })?;
                self.tx
                    .prepare_cached("SELECT id, status, name FROM partners WHERE id = ?1")?
                    .query_row([id.hyphenated().to_string()], |r| {
                        Ok(PartnerRef {
                            id: r.get(0)?,
                            id_text: r.get(0)?,
                            status: r.get(1)?,
                            name: r.get(2)?,
                        })
                    })
                    .optional()?
            };
            self.partners.insert(key.norm.clone(), found);
        }
        match self.partners.get(&key.norm).cloned().flatten() {
            Some(p) => Ok(p),
            None => Err(Error::validation(key.field, format!("no partner {:?}", key.given))),
        }
    }

    fn take(&mut self, f: LeadFields, write: bool) -> Result<bool> {
        let partner = self.partner(&f.partner)?;
        if partner.status != PartnerStatus::Active {
            return Err(Error::Conflict(format!(
                "partner {} is {} and takes no new leads",
                partner.name, partner.status
            )));
        }
        let business_key = f.business_name.as_deref().map(|b| b.to_ascii_lowercase());
        let dup = self.find_duplicate(&f.client_email, f.business_name.as_deref(), business_key.as_deref())?;
        let id = LeadId(self.ids.next());
        if write {
            let mut buf = uuid::Uuid::encode_buffer();
            let id_text: &str = id.0.hyphenated().encode_lower(&mut buf);
            self.insert_lead.execute(params![
                id_text,
                partner.id_text,
                f.client_name,
                f.client_email,
                f.client_phone,
                f.business_name,
                f.description,
                f.estimated_value,
                dup,
                self.now,
            ])?;
            if !self.mode.large {
                let lead = Lead {
                    id,
                    partner_id: partner.id,
                    client_name: f.client_name,
                    client_email: f.client_email.clone(),
                    client_phone: f.client_phone,
                    business_name: f.business_name,
                    project_description: f.description,
                    estimated_value: f.estimated_value,
                    status: LeadStatus::Prospect,
                    possible_duplicate_of: dup,
                    closed_at: None,
                    created_at: self.now.clone(),
                    updated_at: self.now.clone(),
                };
                let after = serde_json::to_string(&lead).map_err(|e| Error::validation("audit", e.to_string()))?;
                self.insert_audit.execute(params![self.now, id_text, after])?;
            }
            let sum = self.added.entry(partner.id).or_insert((0, 0));
            sum.0 += 1;
            sum.1 += f.estimated_value;
            self.first.get_or_insert(id);
            self.last = Some(id);
        }
        // Later rows see this one (also on a checking pass).
        self.by_email.entry(f.client_email).or_insert(id);
        if let Some(b) = business_key {
            self.by_business.entry(b).or_insert(id);
        }
        Ok(dup.is_some())
    }

    /// As [`repo::leads::find_duplicate`] over the database and the rows
    /// before this one: the oldest lead with the same client e-mail, else
    /// the oldest with the same business name (ASCII case-insensitive).
    fn find_duplicate(
        &self,
        email: &str,
        business: Option<&str>,
        business_key: Option<&str>,
    ) -> Result<Option<LeadId>> {
        if !self.preloaded {
            if let Some(id) = repo::leads::find_duplicate(self.tx, email, None)? {
                return Ok(Some(id));
            }
        }
        if let Some(id) = self.by_email.get(email) {
            return Ok(Some(*id));
        }
        let (Some(business), Some(key)) = (business, business_key) else {
            return Ok(None);
        };
        if !self.preloaded {
            if let Some(id) = self
                .tx
                .prepare_cached(
                    "SELECT id FROM client_leads WHERE business_name IS NOT NULL AND business_name = ?1 COLLATE NOCASE ORDER BY created_at LIMIT 1",
                )?
                .query_row([business], |r| r.get(0))
                .optional()?
            {
                return Ok(Some(id));
            }
        }
        Ok(self.by_business.get(key).copied())
    }

    /// Write the leads' first history rows, build the dropped indexes again
    /// and add the new leads to the roll-ups; a large import's first and last lead id.
    fn finish(&mut self, tick: &mut dyn FnMut(u64, u64, &str) -> Result<()>) -> Result<Option<(LeadId, LeadId)>> {
        // As a hand entry writes it, for every lead of the import at once.
        tick(0, 1, "history")?;
        self.tx.execute(
            "INSERT INTO lead_status_history (lead_id, from_status, to_status, reopen, at)
             SELECT id, NULL, 'prospect', 0, created_at FROM client_leads WHERE rowid > ?1 ORDER BY rowid",
            [self.rowid_before],
        )?;
        let n = self.rebuild.len() as u64;
        for (i, sql) in std::mem::take(&mut self.rebuild).into_iter().enumerate() {
            tick(i as u64, n, "indexes")?;
            self.tx.execute_batch(&sql)?;
        }
        tick(n, n, "indexes")?;
        tick(0, 1, "analytics")?;
        let mut added: Vec<_> = self.added.drain().collect();
        added.sort_unstable_by_key(|(p, _)| p.0);
        for (partner, (leads, value)) in added {
            crate::analytics::rollup::on_leads_added(self.tx, partner, &self.now, leads, value)?;
        }
        Ok(match (self.mode.large, self.first, self.last) {
            (true, Some(first), Some(last)) => Some((first, last)),
            _ => None,
        })
    }
}
