//! `partnerdesk application ...`

use super::{id, parse_opt, Ctx};
use crate::cli::{ApplicationAddArgs, ApplicationCmd};
use crate::output::{kv, opt, page, time, Table};
use partnerdesk_core::model::{Application, ApplicationStatus, ExperienceLevel, NewApplication, Partner};
use partnerdesk_core::workflow::applications;
use partnerdesk_core::{queries, Error};
use serde::Serialize;

pub fn run(ctx: &Ctx, cmd: ApplicationCmd) -> anyhow::Result<u8> {
    match cmd {
        ApplicationCmd::Add(a) => add(ctx, a)?,
        ApplicationCmd::List { status, paging } => {
            let p = ctx.read("listing the applications", |c| {
                let status = parse_opt(status.as_deref(), ApplicationStatus::parse)?;
                queries::applications(c, status, paging.limit, paging.offset)
            })?;
            ctx.out.emit(&p, || {
                let mut t = Table::new(&["ID", "NAME", "EMAIL", "COMPANY", "STATUS", "CREATED"]);
                for a in &p.items {
                    t.row(vec![
                        a.id.to_string(),
                        a.name.clone(),
                        a.email.clone(),
                        opt(&a.company),
                        a.status.to_string(),
                        time(&a.created_at),
                    ]);
                }
                page(&t, p.items.len(), p.total, p.offset, "No applications.")
            })?;
        }
        ApplicationCmd::Show { id: text } => {
            let a = ctx.read("showing the application", |c| applications::get(c, id(c, &text)?))?;
            ctx.out.emit(&a, || show(&a))?;
        }
        ApplicationCmd::Review { id: text } => {
            let a = ctx.write("reviewing the application", |tx| {
                applications::review(tx, id(tx, &text)?)
            })?;
            ctx.out.emit(&a, || {
                format!("Application {} ({}) is now under review.\n", a.id, a.name)
            })?;
        }
        ApplicationCmd::Reject { id: text, reason } => {
            let a = ctx.write("rejecting the application", |tx| {
                applications::reject_because(tx, id(tx, &text)?, reason.as_deref())
            })?;
            ctx.out
                .emit(&a, || format!("Application {} ({}) rejected.\n", a.id, a.name))?;
        }
        ApplicationCmd::Approve { id: text } => {
            let (application, partner) = ctx.write("approving the application", |tx| {
                applications::approve(tx, id(tx, &text)?)
            })?;
            #[derive(Serialize)]
            struct Approved<'a> {
                application: &'a Application,
                partner: &'a Partner,
            }
            let answer = Approved {
                application: &application,
                partner: &partner,
            };
            ctx.out.emit(&answer, || {
                format!(
                    "Application {} approved.\nPartner {} created: {} <{}>, tier {}, {}.\n",
                    application.id, partner.id, partner.name, partner.email, partner.tier, partner.status
                )
            })?;
        }
    }
    Ok(0)
}

fn add(ctx: &Ctx, a: ApplicationAddArgs) -> anyhow::Result<()> {
    let app = ctx.write("adding the application", |tx| {
        let input = NewApplication {
            name: a.name,
            email: a.email,
            phone: a.phone,
            company: a.company,
            network_description: a.network,
            expected_referrals: parse_opt(a.expected_referrals.as_deref(), |t| {
                t.trim()
                    .parse::<i64>()
                    .map_err(|_| Error::validation("expected_referrals", format!("must be a whole number (got {t:?})")))
            })?,
            experience_level: parse_opt(a.experience.as_deref(), ExperienceLevel::parse)?,
        };
        applications::add(tx, &input)
    })?;
    ctx.out.emit(&app, || {
        format!(
            "Application {} added: {} <{}> ({}).\n",
            app.id, app.name, app.email, app.status
        )
    })
}

fn show(a: &Application) -> String {
    kv(&[
        ("ID", a.id.to_string()),
        ("Name", a.name.clone()),
        ("E-mail", a.email.clone()),
        ("Phone", opt(&a.phone)),
        ("Company", opt(&a.company)),
        ("Network", opt(&a.network_description)),
        (
            "Expected referrals",
            a.expected_referrals.map(|n| n.to_string()).unwrap_or_default(),
        ),
        (
            "Experience",
            a.experience_level.map(|e| e.to_string()).unwrap_or_default(),
        ),
        ("Status", a.status.to_string()),
        ("Created", time(&a.created_at)),
        ("Updated", time(&a.updated_at)),
    ])
}
