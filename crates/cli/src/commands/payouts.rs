//! `partnerdesk payout preview|run`, `partner balance|set-tax`, `tax-report`,
//! `lead conflicts|resolve`, the payout flags of `group set` and the
//! self-billing statement (`statement PARTNER --payout P`).

use super::{id, parse_opt, Ctx};
use crate::output::{date, kv, money, Table};
use clap::Args;
use partnerdesk_core::exchange::{payout_file::PayoutFormat, self_billing, tax_report};
use partnerdesk_core::model::{
    ConflictView, Group, GroupId, GroupPayout, GroupPayoutEdit, Keep, LeadId, PartnerId, PayoutId, PayoutPlan, TaxForm,
};
use partnerdesk_core::money::parse_amount;
use partnerdesk_core::store::Tx;
use partnerdesk_core::workflow::{conflicts, payouts};
use partnerdesk_core::Error;
use serde::Serialize;
use std::path::Path;

/// The payout flags of `group set`.
#[derive(Debug, Args, Default)]
pub struct GroupPayoutArgs {
    /// Days a pending commission is held before run-due approves it (0: approval by hand; default 30)
    #[arg(long, value_name = "N")]
    pub hold_days: Option<String>,
    /// A partner is paid only from this balance on (default 50.00)
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub payout_minimum: Option<String>,
    /// The day of the month a payout run is due (1-28), or `none`
    #[arg(long, value_name = "D")]
    pub payout_day: Option<String>,
}

fn whole(field: &str, text: &str) -> partnerdesk_core::Result<i64> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| Error::validation(field, format!("must be a whole number (got {text:?})")))
}

/// Apply the payout flags of `group set` (nothing when none is given).
pub fn apply_group_payout(tx: &Tx, group: GroupId, a: &GroupPayoutArgs) -> partnerdesk_core::Result<GroupPayout> {
    let e = GroupPayoutEdit {
        hold_days: parse_opt(a.hold_days.as_deref(), |t| whole("hold_days", t))?,
        payout_minimum: parse_opt(a.payout_minimum.as_deref(), |t| {
            parse_amount("payout_minimum", t, false)
        })?,
        payout_day: match a.payout_day.as_deref().map(str::trim) {
            Some(t) if !t.eq_ignore_ascii_case("none") => Some(whole("payout_day", t)?),
            _ => None,
        },
        no_payout_day: a
            .payout_day
            .as_deref()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("none")),
    };
    payouts::set_group(tx, group, &e)
}

/// A group and its payout settings (`group set`'s answer).
#[derive(Debug, Serialize)]
pub struct GroupWithPayout {
    #[serde(flatten)]
    pub group: Group,
    pub payout: GroupPayout,
}

/// `group show`'s answer: the rules view and the group's payout settings.
#[derive(Debug, Serialize)]
pub struct RulesWithPayout {
    #[serde(flatten)]
    pub view: partnerdesk_core::workflow::rules::RulesView,
    pub payout: GroupPayout,
}

pub fn group_payout_settings(g: &GroupPayout) -> String {
    kv(&[
        (
            "Hold",
            if g.hold_days == 0 {
                "none: approval by hand".to_owned()
            } else {
                format!("{} days", g.hold_days)
            },
        ),
        ("Payout minimum", money(g.payout_minimum)),
        (
            "Payout day",
            g.payout_day
                .map_or("none".to_owned(), |d| format!("day {d} of the month")),
        ),
    ])
}

fn partners(tx: &partnerdesk_core::store::Conn, texts: &[String]) -> partnerdesk_core::Result<Vec<PartnerId>> {
    texts.iter().map(|t| id(tx, t)).collect()
}

fn plan_text(p: &PayoutPlan, ran: bool) -> String {
    let mut s = String::new();
    if p.paid.is_empty() {
        s.push_str(if ran {
            "Nobody was paid.\n"
        } else {
            "Nobody would be paid.\n"
        });
    } else {
        let mut t = Table::new(&["PARTNER", "NAME", ">COMMISSIONS", ">BROUGHT FWD", ">AMOUNT", "DOCUMENT"]);
        for c in &p.paid {
            t.row(vec![
                c.partner_id.to_string(),
                c.partner_name.clone(),
                c.commission_count.to_string(),
                money(c.brought_forward),
                money(c.balance),
                c.document_number.clone().unwrap_or_default(),
            ]);
        }
        s.push_str(&format!(
            "{} partner(s) {}, {} {} in all{}:\n{}",
            p.paid.len(),
            if ran { "paid" } else { "would be paid" },
            p.currency,
            money(p.total),
            p.payout_id.map(|id| format!(" (payout {id})")).unwrap_or_default(),
            t.render()
        ));
    }
    if !p.skipped.is_empty() {
        let mut t = Table::new(&["PARTNER", "NAME", ">BALANCE", "REASON"]);
        for c in &p.skipped {
            t.row(vec![
                c.partner_id.to_string(),
                c.partner_name.clone(),
                money(c.balance),
                payouts::describe(c),
            ]);
        }
        s.push_str(&format!("{} partner(s) skipped:\n{}", p.skipped.len(), t.render()));
    }
    s
}

fn format_of(text: Option<&str>) -> partnerdesk_core::Result<PayoutFormat> {
    text.map_or(Ok(PayoutFormat::Paypal), PayoutFormat::parse)
}

/// `payout preview`.
pub fn preview(ctx: &Ctx, texts: &[String]) -> anyhow::Result<u8> {
    let p = ctx.read("previewing the payout run", |c| {
        payouts::preview(c, &partners(c, texts)?)
    })?;
    ctx.out.emit(&p, || plan_text(&p, false))?;
    Ok(0)
}

/// `payout run`.
pub fn run(ctx: &Ctx, texts: &[String], out: Option<&Path>, format: Option<&str>) -> anyhow::Result<u8> {
    let format = format_of(format)?;
    let (p, payout) = super::export::run_with_file(ctx, texts, out, format, false)?;
    ctx.out.emit(&p, || {
        let file = match (out, &payout) {
            (Some(o), Some(_)) => format!("Payout file written to {}.\n", o.display()),
            (Some(_), None) => "No payout file: nobody was paid.\n".to_owned(),
            _ => String::new(),
        };
        format!("{}{file}", plan_text(&p, true))
    })?;
    Ok(0)
}

pub fn parse_format(text: Option<&str>) -> anyhow::Result<PayoutFormat> {
    Ok(format_of(text)?)
}

/// `statement PARTNER --payout P --out FILE`.
pub fn self_billing(ctx: &Ctx, partner: &str, payout: &str, out: &Path) -> anyhow::Result<u8> {
    let f = ctx.read("making the self-billing statement", |c| {
        let pid: PartnerId = id(c, partner)?;
        let po: PayoutId = id(c, payout)?;
        self_billing::write(c, po, pid, out)
    })?;
    ctx.out.emit(&f, || {
        format!(
            "Self-billing statement {} written to {}: brought forward {}, paid {}, carried forward {}.\n",
            f.number,
            f.path,
            money(f.brought_forward),
            money(f.paid),
            money(f.carried_forward)
        )
    })?;
    Ok(0)
}

/// `partner balance`.
pub fn balance(ctx: &Ctx, text: &str) -> anyhow::Result<u8> {
    let b = ctx.read("showing the balance", |c| payouts::balance(c, id(c, text)?))?;
    ctx.out.emit(&b, || {
        kv(&[
            ("Partner", b.partner_id.to_string()),
            (
                "Balance",
                format!("{} ({} approved)", money(b.balance), b.approved_count),
            ),
            ("Payout minimum", money(b.minimum)),
            (
                "Pending",
                format!(
                    "{} ({} in their hold of {} days)",
                    money(b.pending),
                    b.pending_count,
                    b.hold_days
                ),
            ),
            ("Paid", money(b.paid)),
            (
                "Carried forward",
                format!(
                    "{}{}",
                    money(b.carried_forward),
                    b.last_run_at
                        .as_deref()
                        .map(|d| format!(" (run of {})", date(d)))
                        .unwrap_or_default()
                ),
            ),
            (
                "Tax form",
                format!(
                    "{}{}",
                    b.tax.tax_form,
                    b.tax
                        .tax_form_received
                        .as_deref()
                        .map(|d| format!(", received {d}"))
                        .unwrap_or_default()
                ),
            ),
            ("Tax id", b.tax.tax_id.clone().unwrap_or_default()),
        ])
    })?;
    Ok(0)
}

/// `partner set-tax`.
pub fn set_tax(ctx: &Ctx, text: &str, form: &str, received: Option<&str>, tax_id: Option<&str>) -> anyhow::Result<u8> {
    let t = ctx.write("setting the tax data", |tx| {
        let form = TaxForm::parse(form)?;
        payouts::set_tax(tx, id(tx, text)?, form, received, tax_id)
    })?;
    ctx.out.emit(&t, || {
        format!(
            "Partner {}: tax form {}{}{}.\n",
            t.partner_id,
            t.tax_form,
            t.tax_form_received
                .as_deref()
                .map(|d| format!(", received {d}"))
                .unwrap_or_default(),
            t.tax_id.as_deref().map(|d| format!(", tax id {d}")).unwrap_or_default()
        )
    })?;
    Ok(0)
}

/// `tax-report --year Y --out FILE.csv`.
pub fn tax_report(ctx: &Ctx, year: &str, out: &Path) -> anyhow::Result<u8> {
    let year: i32 = year
        .trim()
        .parse()
        .map_err(|_| Error::validation("year", format!("must be a year like 2026 (got {year:?})")))?;
    let r = ctx.read("writing the tax report", |c| tax_report::write(c, year, out))?;
    ctx.out.emit(&r, || {
        format!(
            "Tax report {} written to {}: {} partner(s) paid at least {}; {} without a tax form.\n",
            r.year,
            out.display(),
            r.rows.len(),
            money(r.threshold),
            r.missing_forms
        )
    })?;
    Ok(0)
}

fn conflict_table(list: &[ConflictView]) -> String {
    if list.is_empty() {
        return "No attribution conflicts.\n".into();
    }
    let mut t = Table::new(&[
        "LEAD",
        "CLIENT",
        "NEW PARTNER",
        "FIRST PARTNER",
        "MATCHED",
        "SINCE",
        "DECISION",
    ]);
    for v in list {
        t.row(vec![
            v.conflict.lead_id.to_string(),
            match &v.business_name {
                Some(b) => format!("{} ({b})", v.client_name),
                None => v.client_name.clone(),
            },
            v.new_partner_name.clone(),
            v.first_partner_name.clone(),
            v.conflict.matched_on.clone(),
            date(&v.conflict.created_at),
            match v.conflict.kept {
                Some(k) => format!("kept {k}"),
                None => format!("open (suggested: {})", v.suggested),
            },
        ]);
    }
    t.render()
}

/// `lead conflicts`.
pub fn conflicts(ctx: &Ctx, all: bool, limit: i64) -> anyhow::Result<u8> {
    let list = ctx.read("listing the conflicts", |c| conflicts::list(c, all, limit))?;
    ctx.out.emit(&list, || conflict_table(&list))?;
    Ok(0)
}

/// `lead resolve`.
pub fn resolve(ctx: &Ctx, lead: &str, keep: Option<&str>, reason: &str) -> anyhow::Result<u8> {
    let v = ctx.write("resolving the conflict", |tx| {
        let keep = parse_opt(keep, Keep::parse)?;
        let l: LeadId = id(tx, lead)?;
        conflicts::resolve(tx, l, keep, reason)
    })?;
    ctx.out.emit(&v, || {
        let who = match v.conflict.kept {
            Some(Keep::First) => format!("kept with {} (the new lead is closed as lost)", v.first_partner_name),
            _ => format!("given to {}", v.new_partner_name),
        };
        format!(
            "Conflict of lead {} resolved: the client is {who}.\n",
            v.conflict.lead_id
        )
    })?;
    Ok(0)
}
