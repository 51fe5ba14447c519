//! `partnerdesk erase KIND ID --reason TEXT` and `partnerdesk subject-export KIND ID --out FILE.json`

use super::Ctx;
use crate::output::kv;
use anyhow::Context as _;
use clap::Args;
use partnerdesk_core::exchange::export;
use partnerdesk_core::workflow::privacy::{self, SubjectKind};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct EraseArgs {
    /// partner, application or lead
    pub kind: String,
    /// The record (id or unique prefix)
    pub id: String,
    /// Why (a request, a rule); kept in the audit log
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Leave the file as it is afterwards (by default it is compacted with
    /// VACUUM, so that no old copy of the erased data stays in it)
    #[arg(long)]
    pub no_vacuum: bool,
}

#[derive(Debug, Args)]
pub struct SubjectExportArgs {
    /// partner, application or lead
    pub kind: String,
    /// The record (id or unique prefix)
    pub id: String,
    /// The file to write: FILE.json
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn erase(ctx: &Ctx, a: EraseArgs) -> anyhow::Result<u8> {
    let kind = SubjectKind::parse(&a.kind)?;
    let done = ctx.write("erasing the personal data", |tx| {
        privacy::erase(tx, kind, &a.id, &a.reason)
    })?;
    if !a.no_vacuum {
        privacy::purge_file(&ctx.store).context("compacting the database file")?;
    }
    ctx.out.emit(&done, || {
        let mut s = kv(&[
            ("Erased", format!("{} {}", done.kind, done.id)),
            ("Now named", done.pseudonym.clone()),
            ("Records", done.records.join(", ")),
            ("Audit rows rewritten", done.audit_rows_rewritten.to_string()),
        ]);
        s.push_str(
            "Amounts, dates and statuses are kept. Backups taken before now still hold the data until they rotate out.\n",
        );
        s
    })?;
    Ok(0)
}

pub fn subject_export(ctx: &Ctx, a: SubjectExportArgs) -> anyhow::Result<u8> {
    let kind = SubjectKind::parse(&a.kind)?;
    let now = ctx.store.now();
    let file = ctx.read("exporting the person's data", |c| {
        export::subject_export(c, kind, &a.id, &a.out, now)
    })?;
    ctx.out.emit(&file, || {
        let tables: Vec<String> = file.records.iter().map(|(t, n)| format!("{t} {n}")).collect();
        kv(&[
            ("Wrote", file.path.clone()),
            ("Person", format!("{} {}", file.kind, file.id)),
            ("Records", tables.join(", ")),
            ("Audit rows", file.audit_rows.to_string()),
        ])
    })?;
    Ok(0)
}
