//! `partnerdesk partner ...`

use super::{id, parse_opt, Ctx};
use crate::cli::{PartnerCmd, PartnerListArgs};
use crate::output::{date, diff_summary, kv, money, opt, page, rate, section, time, Table};
use partnerdesk_core::model::{PartnerFilter, PartnerSort, PartnerStatus, Tier};
use partnerdesk_core::money::{parse_amount, parse_rate_percent};
use partnerdesk_core::queries::{self, PartnerDetail};
use partnerdesk_core::workflow::partners;
use partnerdesk_core::workflow::rules::{self, OverrideInput};

pub fn run(ctx: &Ctx, cmd: PartnerCmd) -> anyhow::Result<u8> {
    match cmd {
        PartnerCmd::List(a) => list(ctx, a)?,
        PartnerCmd::Show { id: text } => {
            let d = ctx.read("showing the partner", |c| queries::partner_detail(c, id(c, &text)?))?;
            ctx.out.emit(&d, || show(&d))?;
        }
        PartnerCmd::SetStatus { id: text, status } => {
            let p = ctx.write("setting the partner's status", |tx| {
                let status = PartnerStatus::parse(&status)?;
                partners::set_status(tx, id(tx, &text)?, status)
            })?;
            ctx.out
                .emit(&p, || format!("Partner {} ({}) is now {}.\n", p.id, p.name, p.status))?;
        }
        PartnerCmd::SetTier { id: text, tier } => {
            let p = ctx.write("setting the partner's tier", |tx| {
                let tier = Tier::parse(&tier)?;
                partners::set_tier(tx, id(tx, &text)?, tier)
            })?;
            ctx.out
                .emit(&p, || format!("Partner {} ({}) is now {}.\n", p.id, p.name, p.tier))?;
        }
        PartnerCmd::SetGroup { id: text, group } => {
            let (p, g) = ctx.write("moving the partner to the group", |tx| {
                let g = rules::group_named(tx, &group)?;
                Ok((rules::set_partner_group(tx, id(tx, &text)?, g.id)?, g))
            })?;
            ctx.out.emit(&p, || {
                format!("Partner {} ({}) is now in group {}.\n", p.id, p.name, g.name)
            })?;
        }
        PartnerCmd::SetOverride {
            id: text,
            rate: pct,
            flat,
            until,
            from,
            scope,
        } => {
            let done = ctx.write("setting the partner's override", |tx| {
                let input = OverrideInput {
                    rate_bp: parse_opt(pct.as_deref(), |t| parse_rate_percent("rate", t))?,
                    flat: parse_opt(flat.as_deref(), |t| parse_amount("flat", t, true))?,
                    until,
                    from,
                    scope: parse_opt(scope.as_deref(), partnerdesk_core::model::RuleScope::parse)?,
                };
                rules::set_override(tx, id(tx, &text)?, &input)
            })?;
            ctx.out.emit(&done.version, || {
                let v = &done.version;
                let what = match (v.override_rate, v.override_flat) {
                    (Some(r), _) => rate(r),
                    (_, Some(f)) => format!("{} per won deal", money(f)),
                    _ => String::new(),
                };
                let until = v
                    .override_until
                    .as_deref()
                    .map(|u| format!(" until {u}"))
                    .unwrap_or_default();
                format!(
                    "Override set (rule version {}): {what} from {}{until}.\n",
                    v.version, v.effective_from
                )
            })?;
        }
        PartnerCmd::Balance { id: text } => {
            super::payouts::balance(ctx, &text)?;
        }
        PartnerCmd::SetTax {
            id: text,
            form,
            received,
            tax_id,
        } => {
            super::payouts::set_tax(ctx, &text, &form, received.as_deref(), tax_id.as_deref())?;
        }
        PartnerCmd::ClearOverride { id: text } => {
            let done = ctx.write("clearing the partner's override", |tx| {
                rules::clear_override(tx, id(tx, &text)?)
            })?;
            ctx.out.emit(&done.version, || {
                format!(
                    "Override cleared from {} (rule version {}).\n",
                    done.version.effective_from, done.version.version
                )
            })?;
        }
    }
    Ok(0)
}

fn list(ctx: &Ctx, a: PartnerListArgs) -> anyhow::Result<()> {
    let search = a.search.clone();
    let p = ctx.read_searching("listing the partners", search.as_deref(), |c| {
        let f = PartnerFilter {
            tier: parse_opt(a.tier.as_deref(), Tier::parse)?,
            status: parse_opt(a.status.as_deref(), PartnerStatus::parse)?,
            search: a.search,
            group_id: parse_opt(a.group.as_deref(), |n| rules::group_named(c, n))?.map(|g| g.id),
            sort: parse_opt(a.sort.as_deref(), PartnerSort::parse)?,
            desc: a.desc,
            limit: a.paging.limit,
            offset: a.paging.offset,
        };
        queries::partners(c, &f)
    })?;
    ctx.out.emit(&p, || {
        let mut t = Table::new(&[
            "ID",
            "NAME",
            "EMAIL",
            "COMPANY",
            "TIER",
            "STATUS",
            ">DEALS",
            ">EARNINGS",
        ]);
        for p in &p.items {
            t.row(vec![
                p.id.to_string(),
                p.name.clone(),
                p.email.clone(),
                opt(&p.company),
                p.tier.to_string(),
                p.status.to_string(),
                p.total_deals.to_string(),
                money(p.total_earnings),
            ]);
        }
        page(&t, p.items.len(), p.total, p.offset, "No partners.")
    })
}

fn show(d: &PartnerDetail) -> String {
    let p = &d.partner;
    let mut s = kv(&[
        ("Partner", format!("{} <{}>", p.name, p.email)),
        ("ID", p.id.to_string()),
        ("Company", opt(&p.company)),
        ("Phone", opt(&p.phone)),
        ("Status", p.status.to_string()),
        ("Tier", p.tier.to_string()),
        ("Deals", p.total_deals.to_string()),
        ("Earnings", money(p.total_earnings)),
        ("Won revenue", money(d.won_revenue)),
        (
            "Commissions",
            format!(
                "pending {}, approved {}, paid {}",
                money(d.pending),
                money(d.approved),
                money(d.paid)
            ),
        ),
        ("Open leads", d.open_leads.to_string()),
        (
            "Application",
            p.application_id.map(|a| a.to_string()).unwrap_or_default(),
        ),
        ("Since", time(&p.created_at)),
    ]);
    if !d.recent_leads.is_empty() {
        let mut t = Table::new(&["ID", "CLIENT", "BUSINESS", ">ESTIMATED", "STATUS", "CREATED"]);
        for l in &d.recent_leads {
            t.row(vec![
                l.id.to_string(),
                l.client_name.clone(),
                opt(&l.business_name),
                money(l.estimated_value),
                l.status.to_string(),
                date(&l.created_at),
            ]);
        }
        s.push_str(&section("Recent leads", &t.render()));
    }
    if !d.recent_commissions.is_empty() {
        let mut t = Table::new(&["ID", "KIND", ">VALUE", ">RATE", ">AMOUNT", "STATUS", "CREATED", "RULE"]);
        for c in &d.recent_commissions {
            t.row(vec![
                c.id.to_string(),
                c.kind.to_string(),
                money(c.project_value),
                rate(c.commission_rate),
                money(c.commission_amount),
                c.status.to_string(),
                date(&c.created_at),
                super::rules::rule_text(&c.rule),
            ]);
        }
        s.push_str(&section("Recent commissions", &t.render()));
    }
    if !d.history.is_empty() {
        let mut t = Table::new(&["AT", "ACTION", "CHANGES"]);
        for e in &d.history {
            t.row(vec![
                time(&e.at),
                e.action.clone(),
                diff_summary(e.before.as_ref(), e.after.as_ref(), 4),
            ]);
        }
        s.push_str(&section("History", &t.render()));
    }
    s
}
