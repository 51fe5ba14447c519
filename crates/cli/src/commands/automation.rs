//! `partnerdesk task ...`, `automation ...`, `template ...`, `outbox ...`
//! and `smtp-password`.

use super::{id, Ctx};
use crate::output::{kv, Table};
use clap::Subcommand;
use partnerdesk_core::clock::fmt_time;
use partnerdesk_core::mail::{self, secret};
use partnerdesk_core::model::{GroupId, OutboxId, OutboxMessage, OutboxStatus, TaskId, TaskItem, Template};
use partnerdesk_core::workflow::automation::{outbox, tasks, templates, timed, MailSettings};
use partnerdesk_core::workflow::rules;
use partnerdesk_core::Error;
use std::io::Read;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum TaskCmd {
    /// The open tasks (due ones first); --all adds the done ones
    List {
        #[arg(long)]
        all: bool,
    },
    /// Mark a task done
    Done { id: String },
    /// Hide a task until a day
    Snooze {
        id: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AutomationCmd {
    /// The timed rules: on or off, their days, last and next firing
    List,
    /// Switch a rule on or off and set its days (and the checklist's items)
    Set {
        name: String,
        #[arg(long, conflicts_with = "off")]
        on: bool,
        #[arg(long)]
        off: bool,
        #[arg(long, value_name = "N")]
        days: Option<String>,
        /// The onboarding checklist's items, comma-separated
        #[arg(long, value_name = "A,B,C")]
        items: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplateCmd {
    /// Every e-mail template: on or off, built in or changed
    List,
    /// One template's subject, body and merge fields
    Show {
        name: String,
        /// A group's own text (the welcome sequence)
        #[arg(long, value_name = "G")]
        group: Option<String>,
    },
    /// Change a template's subject and body (merge fields are checked), or switch it on or off
    Set {
        name: String,
        #[arg(long, value_name = "S", requires = "body_file")]
        subject: Option<String>,
        #[arg(long, value_name = "F", requires = "subject")]
        body_file: Option<PathBuf>,
        #[arg(long, conflicts_with = "off")]
        on: bool,
        #[arg(long)]
        off: bool,
        /// A group's own text (the welcome sequence only)
        #[arg(long, value_name = "G")]
        group: Option<String>,
    },
    /// Render a template with a real record (its id or prefix)
    Preview {
        name: String,
        #[arg(long, value_name = "ID")]
        record: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCmd {
    /// The messages, newest first
    List {
        /// queued, sending, sent, failed or cancelled
        #[arg(long, value_name = "S")]
        status: Option<String>,
    },
    /// Send every queued message now (through SMTP, and the webhook)
    Send,
    /// Queue a failed or cancelled message again
    Retry { id: String },
    /// Cancel a queued or failed message
    Cancel { id: String },
    /// Save an e-mail as an .eml file for any mail client
    Save {
        id: String,
        #[arg(long, value_name = "FILE.eml")]
        out: PathBuf,
    },
}

fn group_id(conn: &partnerdesk_core::store::Conn, g: Option<&str>) -> partnerdesk_core::Result<Option<GroupId>> {
    g.map(|g| rules::group_named(conn, g).map(|g| g.id)).transpose()
}

fn task_table(items: &[TaskItem]) -> String {
    if items.is_empty() {
        return "No tasks.\n".into();
    }
    let mut t = Table::new(&["ID", "STATE", "DUE", "TASK", "RECORD"]);
    for i in items {
        t.row(vec![
            i.task.id.to_string(),
            i.state.to_string(),
            i.task.snoozed_until.clone().unwrap_or_else(|| i.task.due_on.clone()),
            i.task.title.clone(),
            i.label.clone().unwrap_or_default(),
        ]);
    }
    t.render()
}

pub fn task(ctx: &Ctx, cmd: TaskCmd) -> anyhow::Result<u8> {
    let today = fmt_time(ctx.store.now())[..10].to_owned();
    match cmd {
        TaskCmd::List { all } => {
            let items = ctx.read("listing the tasks", |c| tasks::list(c, &today, all, None))?;
            ctx.out.emit(&items, || task_table(&items))?;
        }
        TaskCmd::Done { id: text } => {
            let t = ctx.write("completing the task", |tx| tasks::done(tx, id::<TaskId>(tx, &text)?))?;
            ctx.out
                .emit(&t, || format!("Task {} done: {}\n", t.task.id, t.task.title))?;
        }
        TaskCmd::Snooze { id: text, until } => {
            let t = ctx.write("snoozing the task", |tx| {
                tasks::snooze(tx, id::<TaskId>(tx, &text)?, &until)
            })?;
            ctx.out.emit(&t, || {
                format!(
                    "Task {} snoozed until {}: {}\n",
                    t.task.id,
                    t.task.snoozed_until.clone().unwrap_or_default(),
                    t.task.title
                )
            })?;
        }
    }
    Ok(0)
}

pub fn automation(ctx: &Ctx, cmd: AutomationCmd) -> anyhow::Result<u8> {
    let now = ctx.store.now();
    let list = match cmd {
        AutomationCmd::List => ctx.read("listing the rules", |c| timed::list(c, now))?,
        AutomationCmd::Set {
            name,
            on,
            off,
            days,
            items,
        } => {
            let days = days
                .map(|d| {
                    d.trim()
                        .parse::<i64>()
                        .map_err(|_| Error::validation("days", format!("must be a whole number (got {d:?})")))
                })
                .transpose()?;
            let items = items.map(|i| i.split(',').map(|s| s.trim().to_owned()).collect());
            let enabled = (on || off).then_some(on);
            vec![ctx.write("changing the rule", |tx| timed::set(tx, &name, enabled, days, items))?]
        }
    };
    ctx.out.emit(&list, || {
        let mut t = Table::new(&["RULE", "ON", ">DAYS", "LAST FIRED", "NEXT", "WHAT"]);
        for r in &list {
            t.row(vec![
                r.name.clone(),
                if r.enabled { "on" } else { "off" }.into(),
                r.days.map(|d| d.to_string()).unwrap_or_default(),
                r.last_fired_at.clone().unwrap_or_else(|| "never".into()),
                r.next_firing_at.clone().unwrap_or_else(|| "-".into()),
                r.description.clone(),
            ]);
            if let Some(items) = &r.items {
                t.row(vec![
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    format!("items: {}", items.join(", ")),
                ]);
            }
        }
        t.render()
    })?;
    Ok(0)
}

fn show_template(t: &Template) -> String {
    let mut s = kv(&[
        ("Template", t.name.clone()),
        ("On", if t.enabled { "yes" } else { "no" }.into()),
        ("Text", if t.custom { "changed" } else { "built in" }.into()),
        ("Sent", t.description.clone()),
        (
            "Fields",
            t.fields
                .iter()
                .map(|f| format!("{{{{{f}}}}}"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ("Subject", t.subject.clone()),
    ]);
    s.push('\n');
    s.push_str(&t.body);
    if !t.body.ends_with('\n') {
        s.push('\n');
    }
    s
}

pub fn template(ctx: &Ctx, cmd: TemplateCmd) -> anyhow::Result<u8> {
    match cmd {
        TemplateCmd::List => {
            let list = ctx.read("listing the templates", templates::list)?;
            ctx.out.emit(&list, || {
                let mut t = Table::new(&["TEMPLATE", "ON", "TEXT", "SUBJECT"]);
                for x in &list {
                    let name = match x.group_id {
                        Some(g) => format!("{} (group {})", x.name, &g.to_string()[..8]),
                        None => x.name.clone(),
                    };
                    t.row(vec![
                        name,
                        if x.enabled { "on" } else { "off" }.into(),
                        if x.custom { "changed" } else { "built in" }.into(),
                        x.subject.clone(),
                    ]);
                }
                t.render()
            })?;
        }
        TemplateCmd::Show { name, group } => {
            let t = ctx.read("showing the template", |c| {
                templates::show(c, &name, group_id(c, group.as_deref())?)
            })?;
            ctx.out.emit(&t, || show_template(&t))?;
        }
        TemplateCmd::Set {
            name,
            subject,
            body_file,
            on,
            off,
            group,
        } => {
            let body = body_file
                .map(|f| std::fs::read_to_string(&f).map_err(|e| Error::io(format!("reading {}", f.display()), e)))
                .transpose()?;
            if subject.is_none() && !on && !off {
                return Err(Error::validation("template", "give --subject and --body-file, or --on or --off").into());
            }
            let t = ctx.write("changing the template", |tx| {
                let g = group_id(tx, group.as_deref())?;
                let mut t = None;
                if let (Some(s), Some(b)) = (&subject, &body) {
                    t = Some(templates::set(tx, &name, s, b, g)?);
                }
                if on || off {
                    t = Some(templates::set_enabled(tx, &name, on, g)?);
                }
                t.ok_or_else(|| Error::validation("template", "nothing to change"))
            })?;
            ctx.out.emit(&t, || show_template(&t))?;
        }
        TemplateCmd::Preview { name, record } => {
            let today = fmt_time(ctx.store.now())[..10].to_owned();
            let p = ctx.read("previewing the template", |c| {
                templates::preview(c, &name, &record, &today)
            })?;
            ctx.out.emit(&p, || {
                let mut s = kv(&[
                    ("To", format!("{} <{}>", p.to_name, p.to)),
                    ("Subject", p.subject.clone()),
                ]);
                if let Some(a) = &p.attachment {
                    s.push_str(&format!("Attached  {a}\n"));
                }
                if !p.enabled {
                    s.push_str("(this template is off: nothing is sent)\n");
                }
                s.push('\n');
                s.push_str(&p.body);
                s
            })?;
        }
    }
    Ok(0)
}

fn message_table(list: &[OutboxMessage]) -> String {
    if list.is_empty() {
        return "The outbox is empty.\n".into();
    }
    let mut t = Table::new(&["ID", "STATUS", ">TRIES", "TO", "EVENT", "SUBJECT", "LAST ERROR"]);
    for m in list {
        t.row(vec![
            m.id.to_string(),
            m.status.to_string(),
            m.attempts.to_string(),
            m.recipient.clone(),
            m.event.clone(),
            m.subject.clone(),
            m.last_error.clone().unwrap_or_default(),
        ]);
    }
    t.render()
}

pub fn outbox(ctx: &Ctx, cmd: OutboxCmd) -> anyhow::Result<u8> {
    match cmd {
        OutboxCmd::List { status } => {
            let status = status.as_deref().map(OutboxStatus::parse).transpose()?;
            let list = ctx.read("listing the outbox", |c| outbox::list(c, status, None))?;
            ctx.out.emit(&list, || message_table(&list))?;
        }
        OutboxCmd::Send => {
            let r = mail::send_due(&ctx.store, true)?;
            ctx.out.emit(&r, || {
                let mut s = format!(
                    "{} sent, {} failed, {} to try again later; {} still queued.\n",
                    r.sent.len(),
                    r.failed.len(),
                    r.deferred.len(),
                    r.queued
                );
                for p in r.failed.iter().chain(&r.deferred) {
                    s.push_str(&format!("{} to {}: {}\n", p.id, p.recipient, p.error));
                }
                if !r.interrupted.is_empty() {
                    s.push_str(&format!(
                        "{} message(s) were being sent when a program stopped: marked failed ({}).\n",
                        r.interrupted.len(),
                        outbox::INTERRUPTED
                    ));
                }
                if let Some(e) = &r.error {
                    s.push_str(&format!("error: {e}\n"));
                }
                s
            })?;
            if let Some(e) = &r.error {
                if ctx.out.json {
                    eprintln!("error: {e}");
                }
                return Ok(1);
            }
        }
        OutboxCmd::Retry { id: text } => {
            let m = ctx.write("retrying the message", |tx| {
                outbox::retry(tx, id::<OutboxId>(tx, &text)?)
            })?;
            ctx.out.emit(&m, || format!("Message {} queued again.\n", m.id))?;
        }
        OutboxCmd::Cancel { id: text } => {
            let m = ctx.write("cancelling the message", |tx| {
                outbox::cancel(tx, id::<OutboxId>(tx, &text)?)
            })?;
            ctx.out.emit(&m, || format!("Message {} cancelled.\n", m.id))?;
        }
        OutboxCmd::Save { id: text, out } => {
            let mid = ctx.read("finding the message", |c| id::<OutboxId>(c, &text))?;
            let m = mail::save_eml(&ctx.store, mid, &out)?;
            ctx.out.emit(
                &serde_json::json!({"id": m.id, "path": out.display().to_string(), "message_id": m.message_id}),
                || format!("Message {} saved to {}.\n", m.id, out.display()),
            )?;
        }
    }
    Ok(0)
}

/// `smtp-password`: the password from standard input (one line), kept in
/// the OS keyring or the private file, never in the database.
pub fn smtp_password(ctx: &Ctx) -> anyhow::Result<u8> {
    let s = ctx.read("reading the mail settings", MailSettings::load)?;
    let (Some(user), Some(host)) = (s.user.as_deref(), s.host.as_deref()) else {
        return Err(Error::validation(
            "smtp.user",
            "set smtp.host and smtp.user first (partnerdesk settings set smtp.user NAME)",
        )
        .into());
    };
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::io("reading the password from standard input", e))?;
    let password = text.trim_end_matches(['\n', '\r']);
    let place = secret::set(user, host, password)?;
    ctx.out.emit(
        &serde_json::json!({"user": user, "host": host, "stored_in": place}),
        || match place {
            secret::SecretPlace::Keyring => format!("The password of {user} at {host} is kept in the OS keyring.\n"),
            secret::SecretPlace::File => format!(
                "No keyring answered: the password of {user} at {host} is kept in {} (readable by you only).\n",
                secret::config_dir()
                    .map(|d| d.join("smtp-passwords.json").display().to_string())
                    .unwrap_or_default()
            ),
        },
    )?;
    Ok(0)
}
