//! `partnerdesk plan ...`

use super::{id, parse_opt, Ctx};
use crate::cli::PlanCmd;
use crate::output::{kv, page, time, Table};
use partnerdesk_core::model::{AppPlan, NewPlan, PlanStatus};
use partnerdesk_core::queries;
use partnerdesk_core::workflow::plans;

pub fn run(ctx: &Ctx, cmd: PlanCmd) -> anyhow::Result<u8> {
    match cmd {
        PlanCmd::Add(a) => {
            let p = ctx.write("adding the app plan", |tx| {
                let input = NewPlan {
                    client_lead_id: id(tx, &a.lead)?,
                    business_name: a.business,
                    industry: a.industry,
                    features: a.features.split(',').map(str::to_owned).collect(),
                    timeline_estimate: a.timeline,
                    investment_range: a.investment,
                };
                plans::add(tx, &input)
            })?;
            ctx.out.emit(&p, || {
                format!(
                    "App plan {} drafted for {} ({} feature(s)); `partnerdesk plan generate {}` writes the proposal.\n",
                    p.id,
                    p.business_name,
                    p.features.len(),
                    p.id
                )
            })?;
        }
        PlanCmd::List { status, paging } => {
            let p = ctx.read("listing the app plans", |c| {
                let status = parse_opt(status.as_deref(), PlanStatus::parse)?;
                queries::plans(c, status, paging.limit, paging.offset)
            })?;
            ctx.out.emit(&p, || {
                let mut t = Table::new(&[
                    "ID",
                    "BUSINESS",
                    "INDUSTRY",
                    ">FEATURES",
                    "TIMELINE",
                    "INVESTMENT",
                    "STATUS",
                    "PROPOSAL",
                    "UPDATED",
                ]);
                for x in &p.items {
                    t.row(vec![
                        x.id.to_string(),
                        x.business_name.clone(),
                        x.industry.clone(),
                        x.features.len().to_string(),
                        x.timeline_estimate.clone(),
                        x.investment_range.clone(),
                        x.status.to_string(),
                        if x.generated_content.is_some() { "yes" } else { "no" }.into(),
                        time(&x.updated_at),
                    ]);
                }
                page(&t, p.items.len(), p.total, p.offset, "No app plans.")
            })?;
        }
        PlanCmd::Show { id: text } => {
            let p = ctx.read("showing the app plan", |c| queries::plan(c, id(c, &text)?))?;
            ctx.out.emit(&p, || show(&p))?;
        }
        PlanCmd::Generate { id: text } => {
            let p = ctx.write("generating the proposal", |tx| plans::generate(tx, id(tx, &text)?))?;
            ctx.out.emit(&p, || {
                format!(
                    "Proposal written for app plan {} ({} characters); `partnerdesk plan show {}` prints it.\n",
                    p.id,
                    p.generated_content.as_deref().map(str::len).unwrap_or(0),
                    p.id
                )
            })?;
        }
        PlanCmd::SetStatus { id: text, status } => {
            let p = ctx.write("setting the app plan's status", |tx| {
                let status = PlanStatus::parse(&status)?;
                plans::set_status(tx, id(tx, &text)?, status)
            })?;
            ctx.out
                .emit(&p, || format!("App plan {} is now {}.\n", p.id, p.status))?;
        }
    }
    Ok(0)
}

fn show(p: &AppPlan) -> String {
    let mut s = kv(&[
        ("App plan", p.business_name.clone()),
        ("ID", p.id.to_string()),
        ("Lead", p.client_lead_id.to_string()),
        ("Partner", p.partner_id.to_string()),
        ("Industry", p.industry.clone()),
        ("Features", p.features.join(", ")),
        ("Timeline", p.timeline_estimate.clone()),
        ("Investment", p.investment_range.clone()),
        ("Status", p.status.to_string()),
        ("Updated", time(&p.updated_at)),
    ]);
    s.push('\n');
    match &p.generated_content {
        Some(md) => {
            s.push_str(md);
            if !md.ends_with('\n') {
                s.push('\n');
            }
        }
        None => s.push_str(&format!(
            "No proposal yet: `partnerdesk plan generate {}` writes it.\n",
            p.id
        )),
    }
    s
}
