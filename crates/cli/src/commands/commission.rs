//! `partnerdesk commission ...` and `partnerdesk payout ...`

use super::{id, parse_opt, Ctx};
use crate::cli::{CommissionCmd, PayoutCmd};
use crate::output::{date, money, page, rate, Table};
use partnerdesk_core::model::{CommissionFilter, CommissionId, CommissionStatus, PartnerId};
use partnerdesk_core::queries;
use partnerdesk_core::workflow::commissions;

pub fn run(ctx: &Ctx, cmd: CommissionCmd) -> anyhow::Result<u8> {
    match cmd {
        CommissionCmd::List {
            status,
            partner,
            paging,
        } => {
            let (p, names) = ctx.read("listing the commissions", |c| {
                let f = CommissionFilter {
                    status: parse_opt(status.as_deref(), CommissionStatus::parse)?,
                    partner_id: parse_opt(partner.as_deref(), |t| id(c, t))?,
                    limit: paging.limit,
                    offset: paging.offset,
                };
                let p = queries::commissions(c, &f)?;
                let names = queries::partner_name_map(c, p.items.iter().map(|x| x.partner_id))?;
                Ok((p, names))
            })?;
            ctx.out.emit(&p, || {
                let mut t = Table::new(&[
                    "ID", "PARTNER", "KIND", ">VALUE", ">RATE", ">AMOUNT", "STATUS", "CREATED", "PAID",
                ]);
                for c in &p.items {
                    t.row(vec![
                        c.id.to_string(),
                        names.get(&c.partner_id).cloned().unwrap_or_default(),
                        c.kind.to_string(),
                        money(c.project_value),
                        rate(c.commission_rate),
                        money(c.commission_amount),
                        c.status.to_string(),
                        date(&c.created_at),
                        c.paid_at.as_deref().map(date).unwrap_or_default(),
                    ]);
                }
                page(&t, p.items.len(), p.total, p.offset, "No commissions.")
            })?;
        }
        CommissionCmd::Bonus {
            partner,
            amount,
            reason,
        } => {
            let c = ctx.write("adding the bonus", |tx| {
                let amount = partnerdesk_core::money::parse_amount("amount", &amount, true)?;
                partnerdesk_core::workflow::rules::bonus(tx, id(tx, &partner)?, amount, &reason)
            })?;
            ctx.out.emit(&c, || {
                let what = if c.commission_amount < 0 { "Adjustment" } else { "Bonus" };
                format!(
                    "{what} {} of {} for partner {} ({}), {}.\n",
                    c.id,
                    money(c.commission_amount),
                    c.partner_id,
                    c.reason.as_deref().unwrap_or_default(),
                    c.status
                )
            })?;
        }
        CommissionCmd::Approve { ids } => {
            let done = ctx.write("approving the commissions", |tx| {
                let ids = ids
                    .iter()
                    .map(|t| id(tx, t))
                    .collect::<partnerdesk_core::Result<Vec<CommissionId>>>()?;
                commissions::approve(tx, &ids)
            })?;
            ctx.out.emit(&done, || {
                let mut s = String::new();
                for c in &done {
                    s.push_str(&format!(
                        "Commission {} approved: {}.\n",
                        c.id,
                        money(c.commission_amount)
                    ));
                }
                s
            })?;
        }
        CommissionCmd::Cancel { id: text } => {
            let c = ctx.write("cancelling the commission", |tx| {
                commissions::cancel(tx, id(tx, &text)?)
            })?;
            ctx.out.emit(&c, || {
                format!("Commission {} of {} cancelled.\n", c.id, money(c.commission_amount))
            })?;
        }
    }
    Ok(0)
}

pub fn payout(ctx: &Ctx, cmd: PayoutCmd) -> anyhow::Result<u8> {
    match cmd {
        PayoutCmd::File { id, out, format } => {
            let format = super::payouts::parse_format(format.as_deref())?;
            return super::export::payout_file(ctx, &id, &out, format);
        }
        PayoutCmd::Preview { partners } => return super::payouts::preview(ctx, &partners),
        PayoutCmd::Run { partners, out, format } => {
            return super::payouts::run(ctx, &partners, out.as_deref(), format.as_deref())
        }
        PayoutCmd::Create {
            partners,
            out: Some(out),
            format,
        } => {
            let format = super::payouts::parse_format(format.as_deref())?;
            let p = super::export::payout_with_file(ctx, &partners, &out, format)?;
            ctx.out.emit(&p, || {
                format!(
                    "Payout {}: {} commission(s) paid, {} {} in all; payout file written to {}.\n",
                    p.id,
                    p.commission_count,
                    p.currency,
                    money(p.total_amount),
                    out.display()
                )
            })?;
        }
        PayoutCmd::Create {
            partners, out: None, ..
        } => {
            let p = ctx.write("creating the payout", |tx| {
                let ids = partners
                    .iter()
                    .map(|t| id(tx, t))
                    .collect::<partnerdesk_core::Result<Vec<PartnerId>>>()?;
                commissions::payout(tx, &ids)
            })?;
            ctx.out.emit(&p, || {
                let mut t = Table::new(&["PARTNER", "NAME", "EMAIL", ">COMMISSIONS", ">AMOUNT"]);
                for l in &p.lines {
                    t.row(vec![
                        l.partner_id.to_string(),
                        l.partner_name.clone(),
                        l.partner_email.clone(),
                        l.commission_count.to_string(),
                        money(l.amount),
                    ]);
                }
                format!(
                    "Payout {}: {} commission(s) paid, {} {} in all.\n{}",
                    p.id,
                    p.commission_count,
                    p.currency,
                    money(p.total_amount),
                    t.render()
                )
            })?;
        }
    }
    Ok(0)
}
