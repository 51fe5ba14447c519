//! `partnerdesk import --table T FILE [--map col=field,..] [--dry-run] [--update] [--decimal-comma]`.

use super::Ctx;
use crate::output::{kv, Table};
use anyhow::Context as _;
use clap::Args;
use partnerdesk_core::exchange::import::{self, parse_mapping, DecimalMark, ImportFormat, ImportOptions, ImportTable};
use partnerdesk_core::progress::Progress;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Exit code when the file has bad rows (as for invalid input).
const EXIT_BAD_ROWS: u8 = 3;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// applications, partners or leads
    #[arg(long, value_name = "T")]
    pub table: String,
    /// The file: FILE.csv (RFC 4180, with a header line) or FILE.json (an array of objects)
    pub file: PathBuf,
    /// Rename source columns: "Client=client_name,Mail=client_email"; "Notes=" ignores a column
    #[arg(long, value_name = "COL=FIELD,...")]
    pub map: Option<String>,
    /// Check every row and report, but import nothing
    #[arg(long)]
    pub dry_run: bool,
    /// A row whose id is already in the database updates that record (each changed field is listed)
    #[arg(long)]
    pub update: bool,
    /// The file writes decimals with a comma (1.234,50), as spreadsheets of most of Europe export
    #[arg(long)]
    pub decimal_comma: bool,
}

pub fn run(ctx: &Ctx, a: ImportArgs) -> anyhow::Result<u8> {
    let opts = ImportOptions {
        table: ImportTable::parse(&a.table)?,
        format: ImportFormat::from_path(&a.file)?,
        mapping: a.map.as_deref().map(parse_mapping).transpose()?.unwrap_or_default(),
        dry_run: a.dry_run,
        update: a.update,
        decimal_mark: if a.decimal_comma {
            DecimalMark::Comma
        } else {
            DecimalMark::Dot
        },
    };
    let show = std::io::stderr().is_terminal();
    let mut progress = |p: &Progress| -> bool {
        if show {
            let pct = (p.done * 100).checked_div(p.total).unwrap_or(100);
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}: {pct}%   ", p.stage);
            let _ = err.flush();
        }
        true
    };
    let report = import::import_file(&ctx.store, &opts, &a.file, &mut progress)
        .with_context(|| format!("importing {}", a.file.display()));
    if show {
        eprintln!();
    }
    let report = report?;
    ctx.out.emit(&report, || {
        let outcome = if !report.bad_rows.is_empty() {
            format!("nothing imported: {} bad rows", report.bad_rows.len())
        } else if report.dry_run {
            format!("dry run: all {} rows are valid; nothing imported", report.valid)
        } else {
            format!("imported {} {}", report.imported, report.table)
        };
        let mut s = kv(&[
            ("Table", report.table.to_string()),
            ("Rows read", report.rows.to_string()),
            ("Valid rows", report.valid.to_string()),
            ("Likely duplicates", report.duplicates.to_string()),
            ("Updates", report.updated.to_string()),
            ("Ignored columns", report.ignored_columns.join(", ")),
            ("Outcome", outcome),
        ]);
        if !report.updates.is_empty() {
            let mut t = Table::new(&[">Line", "Id", "Field", "Old", "New"]);
            for u in &report.updates {
                for c in &u.changes {
                    t.row(vec![
                        u.line.to_string(),
                        u.id.clone(),
                        c.field.clone(),
                        c.old.clone().unwrap_or_default(),
                        c.new.clone().unwrap_or_default(),
                    ]);
                }
            }
            s.push('\n');
            s.push_str(&t.render());
        }
        if !report.bad_rows.is_empty() {
            let mut t = Table::new(&[">Line", "Column", "Field", "Reason"]);
            for b in &report.bad_rows {
                t.row(vec![
                    b.line.to_string(),
                    b.column.clone().unwrap_or_default(),
                    b.field.clone().unwrap_or_default(),
                    b.reason.clone(),
                ]);
            }
            s.push('\n');
            s.push_str(&t.render());
        }
        s
    })?;
    if report.bad_rows.is_empty() {
        Ok(0)
    } else {
        eprintln!(
            "error: {} bad rows in {}; nothing was imported",
            report.bad_rows.len(),
            a.file.display()
        );
        Ok(EXIT_BAD_ROWS)
    }
}
