//! Import of applications, partners and leads from CSV (RFC 4180) or JSON.
//!
//! - Headers equal to the column names need no mapping; `mapping` renames
//!   source columns (`"Client" -> "client_name"`), and an empty target
//!   ignores a column. Columns of the table that an import does not set
//!   (`status` of a lead, `updated_at`, totals, ...) are ignored and listed in
//!   the report, so a Partnerdesk export imports as it is. Any other column is
//!   an error of the header.
//! - What an export wrote comes back exactly: a text cell the export guarded
//!   against formulas (`'+1 555`) is read without its quote
//!   ([`crate::exchange::csv_out::unguard_text`]); a row's `id`, when it is
//!   not in the database yet, and its `created_at` are kept, so partners,
//!   then their leads (and applications, which partners name by
//!   `application_id`), move from one database to another with their links.
//!   A row whose `id` is in the database is an error, or with
//!   [`ImportOptions::update`] an edit of that record through the rules of a
//!   hand edit ([`crate::workflow::partners::edit`] and its kin), each
//!   changed field listed in the report (a dry run included).
//! - Amounts follow [`crate::money::parse_amount_with`] and the file's
//!   [`DecimalMark`]: `1,5` is a bad row unless the import says that the
//!   file writes decimal commas.
//! - Every row goes through the same checks as a hand entry
//!   ([`crate::workflow::validate`], [`crate::money::parse_amount`] for
//!   amounts written as decimals, the enum parsers); every bad row is
//!   reported with its line and reason, and the import is all or nothing:
//!   one transaction, rolled back when any row is bad (or on a dry run).
//! - Applications go through [`crate::workflow::applications::add_as`] itself.
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

mod leads;
mod prepare;
mod sink;
mod source;

use crate::error::{Error, Result};
use crate::model::{text_enum, Entity, FieldChange};
pub use crate::money::DecimalMark;
use crate::progress::Progress;
use crate::store::{repo, Store, Tx};
use serde::{Deserialize, Serialize};
use sink::{Sink, Taken};
use source::{bad_row, read_rows, Batch, ColumnPlan, Item, Source};
use std::collections::BTreeMap;
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
    /// A row whose `id` is already in the database updates that record
    /// (through the rules of a hand edit); without it such a row is an error.
    #[serde(default)]
    pub update: bool,
    /// How the file writes decimals: a spreadsheet of most of Europe writes
    /// `1.234,50` ([`DecimalMark::Comma`]). Amounts that do not fit the mark
    /// are bad rows, never read shifted.
    #[serde(default)]
    pub decimal_mark: DecimalMark,
}

impl ImportOptions {
    /// A plain import of `table` from `format`: no mapping, no dry run, no
    /// updates, decimal dots.
    pub fn new(table: ImportTable, format: ImportFormat) -> ImportOptions {
        ImportOptions {
            table,
            format,
            mapping: BTreeMap::new(),
            dry_run: false,
            update: false,
            decimal_mark: DecimalMark::Dot,
        }
    }
}

/// A row that updates a record already in the database (with
/// [`ImportOptions::update`]): the fields it changes, old and new.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RowUpdate {
    pub line: u64,
    pub id: String,
    pub changes: Vec<FieldChange>,
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
    /// Valid rows that update a record already in the database (counted in
    /// `valid`; written, and counted in `imported`, like the new ones).
    pub updated: u64,
    /// Each updating row with the fields it changes (rows that change
    /// nothing are counted in `updated` but not listed).
    pub updates: Vec<RowUpdate>,
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
            "id",
            "created_at",
            "status",
        ],
        ImportTable::Partners => &[
            "name",
            "email",
            "phone",
            "company",
            "status",
            "tier",
            "id",
            "created_at",
            "application_id",
            "group_id",
            "tax_form",
            "tax_form_received",
            "tax_id",
        ],
        ImportTable::Leads => &[
            "partner_id",
            "partner_email",
            "client_name",
            "client_email",
            "client_phone",
            "business_name",
            "project_description",
            "estimated_value",
            "id",
            "created_at",
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
pub(super) fn ignorable(table: ImportTable) -> &'static [&'static str] {
    match table {
        ImportTable::Applications => &["updated_at"],
        ImportTable::Partners => &[
            "total_deals",
            "total_earnings",
            "updated_at",
            "tax_form",
            "tax_form_received",
            "tax_id",
        ],
        ImportTable::Leads => &["status", "possible_duplicate_of", "closed_at", "updated_at"],
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
            let report = run(&tx, opts, &plan, data, mode, "import", progress)?;
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

/// How a lead import writes: a `large` one (a file of [`BULK_MIN_BYTES`] or
/// more) writes one audit row for the whole import instead of one per lead;
/// a `rebuild` one also drops the secondary indexes and builds them again at
/// the end (cheaper than keeping them row by row when the file is large
/// against the table).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct LoadMode {
    pub(super) large: bool,
    pub(super) rebuild: bool,
}

fn run(
    tx: &Tx,
    opts: &ImportOptions,
    plan: &ColumnPlan,
    data: &[u8],
    mode: LoadMode,
    action: &str,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<ImportReport> {
    let mut report = ImportReport {
        table: opts.table,
        dry_run: opts.dry_run,
        rows: 0,
        imported: 0,
        valid: 0,
        duplicates: 0,
        updated: 0,
        updates: Vec::new(),
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
    let source = match Source::open(plan, opts.format, opts.decimal_mark, data) {
        Ok(s) => s,
        Err(bad) => {
            report.bad_rows = bad;
            return Ok(report);
        }
    };
    report.ignored_columns = source.ignored();
    let columns = source.columns(opts.table);
    let mut sink = Sink::new(tx, opts.table, mode, opts.update, data.len())?;
    // Reading and field checks on one thread, look-ups and writes (the
    // connection) on this one: the two overlap on two cores.
    std::thread::scope(|scope| -> Result<()> {
        let (send, recv) = std::sync::mpsc::sync_channel::<Batch>(4);
        let (table, mark) = (opts.table, opts.decimal_mark);
        scope.spawn(move || read_rows(source, table, mark, send));
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
                    Ok(Taken::New { duplicate }) => {
                        report.valid += 1;
                        report.duplicates += u64::from(duplicate);
                    }
                    Ok(Taken::Updated { id, changes }) => {
                        report.valid += 1;
                        report.updated += 1;
                        if !changes.is_empty() {
                            report.updates.push(RowUpdate { line, id, changes });
                        }
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
        "updated": report.updated,
        "ignored_columns": report.ignored_columns,
    });
    if let Some((first, last)) = created {
        // A large import's leads have no audit row each: this row names them
        // (their ids are consecutive, see IdSeq); the sync change feed reads it.
        summary[repo::audit::IMPORT_FIRST_ID] = first.to_string().into();
        summary[repo::audit::IMPORT_LAST_ID] = last.to_string().into();
    }
    repo::audit::record(tx, Entity::Database, action, action, None::<&()>, Some(&summary))?;
    report.imported = report.valid;
    Ok(report)
}

/// What [`import_records`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) created: u64,
    pub(crate) updated: u64,
}

/// Import `records` (field -> text or null, as a JSON import reads them;
/// updates allowed) inside the caller's transaction, keeping the good ones:
/// returns what was written and each refused record by its index, with the
/// reason. The import runs on a savepoint; while any record is bad it is
/// rolled back and run again without the bad ones (a record may be bad only
/// because an earlier one was). The summary audit row is `database/action`.
pub(crate) fn import_records(
    tx: &Tx,
    table: ImportTable,
    records: &[serde_json::Map<String, serde_json::Value>],
    action: &str,
) -> Result<(Written, Vec<(usize, BadRow)>)> {
    let mut opts = ImportOptions::new(table, ImportFormat::Json);
    opts.update = true;
    let plan = ColumnPlan::new(table, &opts.mapping)?;
    let mut left: Vec<usize> = (0..records.len()).collect();
    let mut refused: Vec<(usize, BadRow)> = Vec::new();
    while !left.is_empty() {
        // One record a line, from line 2: a bad row's line names its record.
        let mut data = b"[\n".to_vec();
        for (n, i) in left.iter().enumerate() {
            if n > 0 {
                data.extend_from_slice(b",\n");
            }
            serde_json::to_writer(&mut data, &records[*i]).map_err(|e| Error::validation("sync", e.to_string()))?;
        }
        data.extend_from_slice(b"\n]");
        tx.execute_batch("SAVEPOINT import_records")?;
        let report = run(tx, &opts, &plan, &data, LoadMode::default(), action, &mut |_| true);
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                tx.execute_batch("ROLLBACK TO import_records; RELEASE import_records")?;
                return Err(e);
            }
        };
        if report.bad_rows.is_empty() {
            tx.execute_batch("RELEASE import_records")?;
            let updated = report.updated;
            return Ok((
                Written {
                    created: report.imported - updated,
                    updated,
                },
                refused,
            ));
        }
        tx.execute_batch("ROLLBACK TO import_records; RELEASE import_records")?;
        let mut bad_at = std::collections::BTreeSet::new();
        for b in report.bad_rows {
            let n = (b.line as usize).checked_sub(2).filter(|n| *n < left.len());
            match n {
                Some(n) if bad_at.insert(n) => refused.push((left[n], b)),
                Some(_) => {}
                None => {
                    return Err(Error::validation(
                        "sync",
                        format!("a record the import cannot place: {}", b.reason),
                    ))
                }
            }
        }
        left = left
            .into_iter()
            .enumerate()
            .filter(|(n, _)| !bad_at.contains(n))
            .map(|(_, i)| i)
            .collect();
    }
    refused.sort_by_key(|(i, _)| *i);
    Ok((Written::default(), refused))
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
