//! `partnerdesk export`, `partnerdesk statement`, and the payout file of
//! `partnerdesk payout create --out` / `partnerdesk payout file`.

use super::{id, Ctx};
use crate::output::{money, Table};
use anyhow::Context as _;
use clap::Args;
use partnerdesk_core::clock::fmt_time;
use partnerdesk_core::exchange::export::{self, tmp_path, Format};
use partnerdesk_core::exchange::{payout_file, statement};
use partnerdesk_core::model::{PartnerId, Payout, PayoutId, PayoutPlan};
use partnerdesk_core::progress::Progress;
use partnerdesk_core::workflow::payouts;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// csv (RFC 4180, amounts as decimals, opens in a spreadsheet) or json (amounts in cents)
    #[arg(long, value_name = "FORMAT")]
    pub format: String,
    /// The folder to write into (created when missing); one file per table
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Only this table (default: every table)
    #[arg(long, value_name = "T")]
    pub table: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatementArgs {
    /// The partner (id or unique prefix)
    pub partner: String,
    /// The file to write: FILE.csv or FILE.html
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The self-billing statement of this payout instead (its number, the balance brought
    /// forward, the commissions with their rule, the balance carried forward)
    #[arg(long, value_name = "PAYOUT")]
    pub payout: Option<String>,
}

pub fn export(ctx: &Ctx, a: ExportArgs) -> anyhow::Result<u8> {
    let format = Format::parse(&a.format)?;
    let report = export::export(&ctx.store, &a.out, format, a.table.as_deref(), &mut |_: &Progress| true)
        .context("exporting")?;
    ctx.out.emit(&report, || {
        let mut t = Table::new(&["TABLE", ">ROWS", "FILE"]);
        for f in &report.files {
            t.row(vec![f.table.clone(), f.rows.to_string(), f.path.clone()]);
        }
        format!("Exported {} table(s):\n{}", report.files.len(), t.render())
    })?;
    Ok(0)
}

pub fn statement(ctx: &Ctx, a: StatementArgs) -> anyhow::Result<u8> {
    statement::StatementFormat::from_path(&a.out)?;
    if let Some(payout) = &a.payout {
        return super::payouts::self_billing(ctx, &a.partner, payout, &a.out);
    }
    let now = fmt_time(ctx.store.now());
    let s = ctx.read("making the statement", |c| {
        let pid: PartnerId = id(c, &a.partner)?;
        statement::write(c, pid, &a.out, &now)
    })?;
    #[derive(Serialize)]
    struct Answer<'a> {
        path: String,
        partner_id: String,
        leads: u64,
        commissions: u64,
        payouts: u64,
        earned: i64,
        paid: i64,
        outstanding: i64,
        currency: &'a str,
    }
    let answer = Answer {
        path: s.path.clone(),
        partner_id: s.partner_id.to_string(),
        leads: s.leads,
        commissions: s.commissions,
        payouts: s.payouts,
        earned: s.earned,
        paid: s.paid,
        outstanding: s.outstanding,
        currency: &s.currency,
    };
    ctx.out.emit(&answer, || {
        format!(
            "Statement of {} written to {}: {} lead(s), {} commission(s), {} payout(s); earned {}, paid {}, outstanding {}.\n",
            s.partner_name,
            answer.path,
            answer.leads,
            answer.commissions,
            answer.payouts,
            money(s.earned),
            money(s.paid),
            money(s.outstanding)
        )
    })?;
    Ok(0)
}

/// Create the payout batch and its file as one action: the file is written
/// under a temporary name inside the transaction (a failure to write it rolls
/// the payout back) and renamed once the payout is committed.
pub fn payout_with_file(
    ctx: &Ctx,
    partners: &[String],
    out: &Path,
    format: payout_file::PayoutFormat,
) -> anyhow::Result<Payout> {
    let (_, p) = run_with_file(ctx, partners, Some(out), format, true)?;
    p.ok_or_else(|| anyhow::anyhow!("nobody was paid"))
}

/// A payout run over `partners` (all eligible when empty) and, when `out` is
/// given and someone is paid, its file, as one action: the file is written
/// under a temporary name inside the transaction (a failure to write it rolls
/// the run back) and renamed once the run is committed. `strict`: nobody
/// paid is an error (`payout create`).
pub fn run_with_file(
    ctx: &Ctx,
    partners: &[String],
    out: Option<&Path>,
    format: payout_file::PayoutFormat,
    strict: bool,
) -> anyhow::Result<(PayoutPlan, Option<Payout>)> {
    if let Some(out) = out {
        payout_file::check_path(out)?;
    }
    let tmp = out.map(tmp_path);
    let r = ctx.write("running the payout", |tx| {
        let ids = partners
            .iter()
            .map(|t| id(tx, t))
            .collect::<partnerdesk_core::Result<Vec<PartnerId>>>()?;
        let (plan, p) = payouts::run_with_payout(tx, &ids)?;
        let p = if strict {
            Some(payouts::payout_of_run(&plan, p)?)
        } else {
            p
        };
        if let (Some(p), Some(tmp), Some(out)) = (&p, &tmp, out) {
            std::fs::write(tmp, payout_file::render_as(tx, p, format)?)
                .map_err(|e| partnerdesk_core::Error::io(format!("writing {}", out.display()), e))?;
        }
        Ok((plan, p))
    });
    match r {
        Ok((plan, None)) => Ok((plan, None)),
        Ok((plan, Some(p))) => {
            let (Some(tmp), Some(out)) = (&tmp, out) else {
                return Ok((plan, Some(p)));
            };
            std::fs::rename(tmp, out).with_context(|| {
                format!(
                    "the payout {} is recorded, but its file could not be put at {}; write it again with `partnerdesk payout file {} --out FILE`",
                    p.id,
                    out.display(),
                    p.id
                )
            })?;
            Ok((plan, Some(p)))
        }
        Err(e) => {
            if let Some(tmp) = &tmp {
                let _ = std::fs::remove_file(tmp);
            }
            Err(e)
        }
    }
}

/// `partnerdesk payout file ID --out FILE.csv`: the file of an earlier batch.
pub fn payout_file(ctx: &Ctx, payout: &str, out: &Path, format: payout_file::PayoutFormat) -> anyhow::Result<u8> {
    payout_file::check_path(out)?;
    let p = ctx.read("writing the payout file", |c| {
        let pid: PayoutId = id(c, payout)?;
        payout_file::write_as(c, pid, out, format)
    })?;
    ctx.out.emit(&p, || {
        format!(
            "Payout file of {} written to {}: {} line(s), {} {} in all.\n",
            p.id,
            out.display(),
            p.lines.iter().filter(|l| l.amount > 0).count(),
            p.currency,
            money(p.total_amount)
        )
    })?;
    Ok(0)
}
