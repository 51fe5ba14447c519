//! Reading an import file: how its columns map to the table's fields, and
//! its rows (CSV records or JSON objects) as text, read and checked on a
//! thread of their own.

use super::prepare::{prepare, Prepared};
use super::{fields, ignorable, BadRow, DecimalMark, ImportFormat, ImportTable};
use crate::error::{Error, Result};
use crate::exchange::csv_out::unguard_text;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How the columns of the file map to the fields of the table.
pub(super) struct ColumnPlan {
    table: ImportTable,
    mapping: BTreeMap<String, String>,
}

/// The outcome of reading a header: field index per source column (None = ignored).
pub(super) struct Header {
    slots: Vec<Option<usize>>,
    names: Vec<String>,
    ignored: Vec<String>,
}

impl ColumnPlan {
    pub(super) fn new(table: ImportTable, mapping: &BTreeMap<String, String>) -> Result<ColumnPlan> {
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
    pub(super) fn target(&self, col: &str) -> std::result::Result<Option<usize>, String> {
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

    pub(super) fn header<'a>(&self, cols: impl Iterator<Item = &'a str>) -> std::result::Result<Header, Vec<BadRow>> {
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
pub(super) struct Row<'s> {
    line: u64,
    values: Vec<Option<Cow<'s, str>>>,
    /// Bit `i` set when the file has field `i` for this row (a column of a
    /// CSV, a key of a JSON object), blank or not: an update changes only
    /// the fields a file has.
    present: u64,
}

impl Row<'_> {
    pub(super) fn get(&self, i: usize) -> Option<&str> {
        self.values[i].as_deref()
    }

    /// The fields the file has for this row, bit `i` for field `i`.
    pub(super) fn present(&self) -> u64 {
        self.present
    }
}

/// A fault of one row, with the file's column that holds the field.
pub(super) fn bad_row(line: u64, table: ImportTable, columns: &[Option<String>], e: &Error) -> BadRow {
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
pub(super) enum Source<'a> {
    Csv {
        reader: csv::Reader<&'a [u8]>,
        header: Header,
        record: csv::ByteRecord,
        lines: LineCounter<'a>,
    },
    Json {
        text: &'a str,
        items: std::vec::IntoIter<&'a serde_json::value::RawValue>,
        plan: &'a ColumnPlan,
        mark: DecimalMark,
        line: u64,
        scanned: usize,
    },
}

/// The line of a byte of a CSV file, counted from its newlines. (The csv
/// reader's own line numbers are one short in a file with CRLF line ends,
/// which every spreadsheet and Partnerdesk's own export write.)
pub(super) struct LineCounter<'a> {
    data: &'a [u8],
    scanned: usize,
    line: u64,
}

impl LineCounter<'_> {
    /// The line where the record at byte `at` starts (positions only grow).
    fn at(&mut self, at: u64) -> u64 {
        let mut at = (at as usize).min(self.data.len());
        // A record's position may stand on the line end before it.
        while at < self.data.len() && matches!(self.data[at], b'\r' | b'\n') {
            at += 1;
        }
        if at > self.scanned {
            self.line += self.data[self.scanned..at].iter().filter(|b| **b == b'\n').count() as u64;
            self.scanned = at;
        }
        self.line
    }
}

/// What reading one row gave.
pub(super) enum Next<'s> {
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
    pub(super) fn open(
        plan: &'a ColumnPlan,
        format: ImportFormat,
        mark: DecimalMark,
        data: &'a [u8],
    ) -> std::result::Result<Self, Vec<BadRow>> {
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
                    lines: LineCounter {
                        data,
                        scanned: 0,
                        line: 1,
                    },
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
                    mark,
                    line: 1,
                    scanned: 0,
                })
            }
        }
    }

    pub(super) fn ignored(&self) -> Vec<String> {
        match self {
            Source::Csv { header, .. } => header.ignored.clone(),
            Source::Json { .. } => Vec::new(),
        }
    }

    /// The column of the file that fills each field, for messages.
    pub(super) fn columns(&self, table: ImportTable) -> Vec<Option<String>> {
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
    pub(super) fn position(&self) -> u64 {
        match self {
            Source::Csv { reader, .. } => reader.position().byte(),
            Source::Json { scanned, .. } => *scanned as u64,
        }
    }

    pub(super) fn next(&mut self, nfields: usize) -> Next<'_> {
        match self {
            Source::Csv {
                reader,
                header,
                record,
                lines,
            } => {
                let line = loop {
                    match reader.read_byte_record(record) {
                        Ok(false) => return Next::End,
                        Err(e) => {
                            let line = e.position().map(|p| lines.at(p.byte())).unwrap_or(0);
                            return Next::Bad(BadRow {
                                line,
                                column: None,
                                field: None,
                                reason: format!("the row cannot be read: {e}"),
                            });
                        }
                        Ok(true) => {}
                    }
                    let line = record.position().map(|p| lines.at(p.byte())).unwrap_or(0);
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
                let mut present = 0;
                for (i, raw) in record.iter().enumerate() {
                    let Some(slot) = header.slots[i] else { continue };
                    present |= 1 << slot;
                    let Ok(s) = std::str::from_utf8(raw) else {
                        return Next::Bad(BadRow {
                            line,
                            column: Some(header.names[i].clone()),
                            field: None,
                            reason: "the value is not UTF-8 text".into(),
                        });
                    };
                    if !s.trim().is_empty() {
                        values[slot] = Some(Cow::Borrowed(unguard_text(s)));
                    }
                }
                Next::Row(Row { line, values, present })
            }
            Source::Json {
                text,
                items,
                plan,
                mark,
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
                let mut present = 0;
                for (key, value) in obj {
                    let slot = match plan.target(&key) {
                        Ok(Some(i)) => i,
                        Ok(None) => continue,
                        Err(reason) => return bad(Some(key), reason),
                    };
                    if std::mem::replace(&mut seen[slot], true) {
                        return bad(Some(key), "another key of this record fills the same field".into());
                    }
                    present |= 1 << slot;
                    let money = fields(plan.table).get(slot).is_some_and(|f| MONEY_FIELDS.contains(f));
                    let text = match value {
                        serde_json::Value::Null => None,
                        serde_json::Value::String(s) => Some(match unguard_text(&s) {
                            t if t.len() == s.len() => s,
                            t => t.to_owned(),
                        }),
                        // JSON export writes amounts as integer cents; a
                        // number in a money field is read the same way.
                        serde_json::Value::Number(n) if money => match n.as_i64() {
                            Some(cents) => Some(match mark {
                                DecimalMark::Dot => crate::money::format_amount(cents),
                                DecimalMark::Comma => crate::money::format_amount(cents).replace('.', ","),
                            }),
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
                Next::Row(Row {
                    line: here,
                    values,
                    present,
                })
            }
        }
    }
}

/// Fields holding money: decimals in CSV and JSON text, integer cents as JSON numbers.
const MONEY_FIELDS: &[&str] = &["estimated_value"];

/// Rows handed from the reading thread to the writing one.
pub(super) const BATCH_ROWS: usize = 4096;

/// A batch of read and prepared rows, and the bytes of the file read so far.
pub(super) struct Batch {
    pub(super) items: Vec<Item>,
    pub(super) position: u64,
}

/// One row of the file: its line and its prepared fields (or what is wrong with it).
pub(super) enum Item {
    Row(u64, Result<Prepared>),
    Bad(BadRow),
}

/// Read the rows of `source` and check their fields (everything that needs no
/// database), in batches, until the end or until the receiver hangs up.
pub(super) fn read_rows(
    mut source: Source<'_>,
    table: ImportTable,
    mark: DecimalMark,
    send: std::sync::mpsc::SyncSender<Batch>,
) {
    let nfields = fields(table).len();
    let mut items = Vec::with_capacity(BATCH_ROWS);
    loop {
        let item = match source.next(nfields) {
            Next::End => break,
            Next::Bad(b) => Item::Bad(b),
            Next::Row(r) => Item::Row(r.line, prepare(table, &r, mark)),
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
