//! `partnerdesk lead ...`

use super::{id, parse_opt, Ctx};
use crate::cli::{LeadAddArgs, LeadCmd, LeadListArgs};
use crate::output::{date, kv, money, opt, page, rate, section, time, Table};
use partnerdesk_core::model::{Commission, Lead, LeadFilter, LeadStatus, NewLead};
use partnerdesk_core::money::parse_amount;
use partnerdesk_core::queries::{self, LeadDetail};
use partnerdesk_core::workflow::leads::{self, MoveOutcome};
use partnerdesk_core::workflow::rules::RetainerTerms;

pub fn run(ctx: &Ctx, cmd: LeadCmd) -> anyhow::Result<u8> {
    match cmd {
        LeadCmd::Add(a) => add(ctx, a)?,
        LeadCmd::List(a) => list(ctx, a)?,
        LeadCmd::Show { id: text } => {
            let d = ctx.read("showing the lead", |c| queries::lead_detail(c, id(c, &text)?))?;
            ctx.out.emit(&d, || show(&d))?;
        }
        LeadCmd::Move {
            id: text,
            status,
            value,
            monthly,
            months,
        } => {
            let (from, o) = ctx.write("moving the lead", |tx| {
                let to = LeadStatus::parse(&status)?;
                let value = parse_opt(value.as_deref(), |v| parse_amount("value", v, false))?;
                let retainer = match (monthly.as_deref(), months.as_deref()) {
                    (Some(m), Some(k)) => Some(RetainerTerms {
                        monthly: parse_amount("monthly", m, false)?,
                        months: k.trim().parse::<i64>().map_err(|_| {
                            partnerdesk_core::Error::validation(
                                "months",
                                format!("must be a whole number of months (got {k:?})"),
                            )
                        })?,
                    }),
                    _ => None,
                };
                let lead = id(tx, &text)?;
                let from = queries::lead(tx, lead)?.status;
                Ok((from, leads::move_to_with(tx, lead, to, value, retainer)?))
            })?;
            ctx.out.emit(&o, || moved(from, &o))?;
        }
        LeadCmd::Conflicts { all, limit } => {
            super::payouts::conflicts(ctx, all, limit)?;
        }
        LeadCmd::Resolve { lead, keep, reason } => {
            super::payouts::resolve(ctx, &lead, keep.as_deref(), &reason)?;
        }
        LeadCmd::EndRetainer { id: text } => {
            let r = ctx.write("ending the retainer", |tx| {
                partnerdesk_core::workflow::rules::end_retainer(tx, id(tx, &text)?)
            })?;
            ctx.out.emit(&r, || {
                format!(
                    "Retainer of lead {} ended: {} a month, no month accrues after {}.\n",
                    r.lead_id,
                    money(r.monthly_value),
                    r.ended_at.as_deref().map(date).unwrap_or_default()
                )
            })?;
        }
    }
    Ok(0)
}

fn add(ctx: &Ctx, a: LeadAddArgs) -> anyhow::Result<()> {
    let added = ctx.write("adding the lead", |tx| {
        let input = NewLead {
            partner_id: id(tx, &a.partner)?,
            client_name: a.client_name,
            client_email: a.client_email,
            client_phone: a.phone,
            business_name: a.business,
            project_description: a.description,
            estimated_value: parse_opt(a.estimated_value.as_deref(), |v| {
                parse_amount("estimated_value", v, false)
            })?
            .unwrap_or(0),
        };
        leads::add(tx, &input)
    })?;
    if let Some(d) = &added.duplicate_of {
        eprintln!(
            "warning: this lead looks like a duplicate of lead {} ({} <{}>{}, {}, added {})",
            d.id,
            d.client_name,
            d.client_email,
            d.business_name.as_deref().map(|b| format!(", {b}")).unwrap_or_default(),
            d.status,
            date(&d.created_at)
        );
    }
    let l = &added.lead;
    ctx.out.emit(&added, || {
        format!(
            "Lead {} added: {} <{}>{}, estimated {}, {}.\n",
            l.id,
            l.client_name,
            l.client_email,
            l.business_name
                .as_deref()
                .map(|b| format!(" ({b})"))
                .unwrap_or_default(),
            money(l.estimated_value),
            l.status
        )
    })
}

fn list(ctx: &Ctx, a: LeadListArgs) -> anyhow::Result<()> {
    let search = a.search.clone();
    let (p, names) = ctx.read_searching("listing the leads", search.as_deref(), |c| {
        let f = LeadFilter {
            partner_id: parse_opt(a.partner.as_deref(), |t| id(c, t))?,
            status: parse_opt(a.status.as_deref(), LeadStatus::parse)?,
            search: a.search,
            limit: a.paging.limit,
            offset: a.paging.offset,
        };
        let p = queries::leads(c, &f)?;
        let names = queries::partner_name_map(c, p.items.iter().map(|l| l.partner_id))?;
        Ok((p, names))
    })?;
    ctx.out.emit(&p, || {
        let mut t = Table::new(&[
            "ID",
            "CLIENT",
            "EMAIL",
            "BUSINESS",
            ">ESTIMATED",
            "STATUS",
            "PARTNER",
            "CREATED",
        ]);
        for l in &p.items {
            t.row(vec![
                l.id.to_string(),
                l.client_name.clone(),
                l.client_email.clone(),
                opt(&l.business_name),
                money(l.estimated_value),
                l.status.to_string(),
                names.get(&l.partner_id).cloned().unwrap_or_default(),
                date(&l.created_at),
            ]);
        }
        page(&t, p.items.len(), p.total, p.offset, "No leads.")
    })
}

fn show(d: &LeadDetail) -> String {
    let l: &Lead = &d.lead;
    let mut s = kv(&[
        ("Lead", format!("{} <{}>", l.client_name, l.client_email)),
        ("ID", l.id.to_string()),
        ("Business", opt(&l.business_name)),
        ("Phone", opt(&l.client_phone)),
        ("Description", opt(&l.project_description)),
        ("Estimated value", money(l.estimated_value)),
        ("Status", l.status.to_string()),
        ("Partner", format!("{} ({})", d.partner_name, l.partner_id)),
        (
            "Possible duplicate of",
            l.possible_duplicate_of.map(|x| x.to_string()).unwrap_or_default(),
        ),
        ("Closed", l.closed_at.as_deref().map(time).unwrap_or_default()),
        ("Created", time(&l.created_at)),
    ]);
    if !d.history.is_empty() {
        let mut t = Table::new(&["AT", "FROM", "TO", "REOPEN"]);
        for m in &d.history {
            t.row(vec![
                time(&m.at),
                m.from_status.map(|f| f.to_string()).unwrap_or_default(),
                m.to_status.to_string(),
                if m.reopen { "yes".into() } else { String::new() },
            ]);
        }
        s.push_str(&section("Pipeline", &t.render()));
    }
    if !d.commissions.is_empty() {
        s.push_str(&section("Commissions", &commission_table(&d.commissions)));
    }
    s
}

fn commission_table(cs: &[Commission]) -> String {
    let mut t = Table::new(&["ID", "KIND", ">VALUE", ">RATE", ">AMOUNT", "STATUS", "CREATED"]);
    for c in cs {
        t.row(vec![
            c.id.to_string(),
            c.kind.to_string(),
            money(c.project_value),
            rate(c.commission_rate),
            money(c.commission_amount),
            c.status.to_string(),
            date(&c.created_at),
        ]);
    }
    t.render()
}

fn moved(from: LeadStatus, o: &MoveOutcome) -> String {
    let l = &o.lead;
    let mut s = if o.reopened {
        format!("Lead {} reopened: {} -> {}.\n", l.id, from, l.status)
    } else {
        format!("Lead {} moved: {} -> {}.\n", l.id, from, l.status)
    };
    if let Some(c) = &o.cancelled {
        s.push_str(&format!(
            "Commission {} of {} cancelled (it was not paid yet).\n",
            c.id,
            money(c.commission_amount)
        ));
    }
    if let Some(c) = &o.clawback {
        s.push_str(&format!(
            "Clawback {} created: {} ({}), to settle in the next payout (the commission was already paid).\n",
            c.id,
            money(c.commission_amount),
            c.status
        ));
    }
    if let Some(c) = &o.commission {
        s.push_str(&format!(
            "Commission {} created: {} ({} of {}), {}.\n",
            c.id,
            money(c.commission_amount),
            rate(c.commission_rate),
            money(c.project_value),
            c.status
        ));
        s.push_str(&format!("  rule: {}\n", super::rules::rule_text(&c.rule)));
    }
    for c in &o.accruals_cancelled {
        s.push_str(&format!(
            "Retainer accrual {} of {} cancelled (it was not paid yet).\n",
            c.id,
            money(c.commission_amount)
        ));
    }
    if let Some(r) = &o.retainer {
        s.push_str(&format!(
            "Retainer started: {} a month for {} months (a commission accrues as each month passes; `partnerdesk run-due`).\n",
            money(r.monthly_value),
            r.months
        ));
    }
    if let Some(c) = &o.milestone {
        s.push_str(&format!(
            "Milestone bonus {} created: {} ({}).\n",
            c.id,
            money(c.commission_amount),
            c.reason.as_deref().unwrap_or_default()
        ));
    }
    if let Some(t) = o.promoted_to {
        s.push_str(&format!("Partner {} promoted to {t}.\n", l.partner_id));
    }
    s
}
