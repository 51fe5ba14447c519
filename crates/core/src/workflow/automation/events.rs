//! The e-mails (and webhook notifications) the changes cause, queued in the
//! outbox in the transaction of the change: each event renders its template
//! (when it is on) with the record's merge fields. Called by the rules
//! (`applications`, `commissions`, `write`), never by the shells.
//!
//! An e-mail is queued whether or not SMTP is set up (without it, the
//! outbox keeps it until it is, and it can be saved as an `.eml` file); a
//! template switched off queues nothing. Nothing goes to a webhook before
//! one is set (`webhook.url`).

use super::templates::{self as t, Builtin};
use super::{write, MailSettings};
use crate::error::Result;
use crate::model::{
    Application, Channel, Commission, CommissionKind, Entity, GroupId, OutboxId, OutboxMessage, OutboxStatus, Partner,
    PartnerStatus, Payout, RuleSubject, RuleVersion, Tier,
};
use crate::money::{format_amount, format_rate};
use crate::store::{repo, Conn, Tx};
use std::collections::BTreeMap;

pub type Ctx = BTreeMap<String, String>;

/// The merge fields of an applicant.
pub fn application_ctx(a: &Application) -> Ctx {
    let mut c = Ctx::new();
    c.insert("name".into(), a.name.clone());
    c.insert("email".into(), a.email.clone());
    c.insert("company".into(), a.company.clone().unwrap_or_default());
    c
}

/// The merge fields of a partner (with their group's name and the currency).
pub fn partner_ctx(conn: &Conn, p: &Partner) -> Result<Ctx> {
    let mut c = Ctx::new();
    c.insert("name".into(), p.name.clone());
    c.insert("email".into(), p.email.clone());
    c.insert("company".into(), p.company.clone().unwrap_or_default());
    c.insert("tier".into(), p.tier.to_string());
    c.insert("group".into(), repo::rules::group(conn, p.group_id)?.name);
    Ok(c)
}

/// An amount in the database currency, as the e-mails write it: `1234.50 USD`.
pub fn money(conn: &Conn, cents: i64) -> Result<String> {
    Ok(format!(
        "{} {}",
        format_amount(cents),
        crate::workflow::settings::load(conn)?.currency
    ))
}

/// What an event sends: the template, its fields, to whom, about what.
pub struct Outgoing<'a> {
    pub template: &'a str,
    pub group: Option<GroupId>,
    pub ctx: Ctx,
    pub to: String,
    pub to_name: String,
    pub entity: Entity,
    pub entity_id: String,
    pub attachment: Option<String>,
}

/// The subject and body of `o` as its template in force renders them; None
/// when the template is off.
pub fn rendered(conn: &Conn, o: &Outgoing) -> Result<Option<(String, String)>> {
    let tpl = t::effective(conn, o.template, o.group)?;
    if !tpl.enabled {
        return Ok(None);
    }
    Ok(Some((t::render(&tpl.subject, &o.ctx), t::render(&tpl.body, &o.ctx))))
}

/// Queue the e-mail of `o` (when its template is on) and its webhook
/// notification (when a webhook is set).
pub fn queue(tx: &Tx, o: Outgoing) -> Result<Option<OutboxMessage>> {
    let settings = MailSettings::load(tx)?;
    let email = match rendered(tx, &o)? {
        Some((subject, body)) => {
            let m = message(tx, &settings, Channel::Email, &o, subject, body);
            write::message_queued(tx, &m)?;
            Some(m)
        }
        None => None,
    };
    if settings.webhook_url.is_some() {
        let b = t::builtin(o.template)?;
        let text = format!("{}: {} <{}>", describe(b), o.to_name, o.to);
        let m = message(tx, &settings, Channel::Webhook, &o, text.clone(), text);
        write::message_queued(tx, &m)?;
    }
    Ok(email)
}

fn describe(b: &Builtin) -> String {
    let d = b.name.replace('_', " ");
    let mut c = d.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn message(tx: &Tx, s: &MailSettings, channel: Channel, o: &Outgoing, subject: String, body: String) -> OutboxMessage {
    let id = OutboxId::new_at(tx.now());
    let now = tx.now_text().to_owned();
    let (recipient, name, attachment) = match channel {
        Channel::Email => (o.to.clone(), Some(o.to_name.clone()), o.attachment.clone()),
        Channel::Webhook => ("webhook".to_owned(), None, None),
    };
    OutboxMessage {
        id,
        channel,
        event: o.template.to_owned(),
        entity: Some(o.entity),
        entity_id: Some(o.entity_id.clone()),
        recipient,
        recipient_name: name,
        subject,
        body,
        attachment,
        message_id: format!("<{id}@{}>", s.message_id_domain()),
        status: OutboxStatus::Queued,
        attempts: 0,
        next_attempt_at: now.clone(),
        claimed_at: None,
        last_error: None,
        sent_at: None,
        created_at: now.clone(),
        updated_at: now,
    }
}

// ---- The events ----

/// An application added by hand: the acknowledgement to the applicant.
pub fn application_received(tx: &Tx, a: &Application) -> Result<()> {
    queue(
        tx,
        Outgoing {
            template: t::APPLICATION_RECEIVED,
            group: None,
            ctx: application_ctx(a),
            to: a.email.clone(),
            to_name: a.name.clone(),
            entity: Entity::Application,
            entity_id: a.id.to_string(),
            attachment: None,
        },
    )?;
    Ok(())
}

/// An application rejected, with the manager's reason.
pub fn application_rejected(tx: &Tx, a: &Application, reason: Option<&str>) -> Result<()> {
    let mut ctx = application_ctx(a);
    ctx.insert("reason".into(), reason.unwrap_or_default().trim().to_owned());
    queue(
        tx,
        Outgoing {
            template: t::APPLICATION_REJECTED,
            group: None,
            ctx,
            to: a.email.clone(),
            to_name: a.name.clone(),
            entity: Entity::Application,
            entity_id: a.id.to_string(),
            attachment: None,
        },
    )?;
    Ok(())
}

fn to_partner<'a>(conn: &Conn, template: &'a str, p: &Partner, extra: Ctx) -> Result<Outgoing<'a>> {
    let mut ctx = partner_ctx(conn, p)?;
    ctx.extend(extra);
    Ok(Outgoing {
        template,
        group: Some(p.group_id),
        ctx,
        to: p.email.clone(),
        to_name: p.name.clone(),
        entity: Entity::Partner,
        entity_id: p.id.to_string(),
        attachment: None,
    })
}

/// An application approved: the approval e-mail and the first of the
/// welcome sequence (its firing marks the partner as in the sequence; the
/// later ones come from `run-due`).
pub fn application_approved(tx: &Tx, p: &Partner) -> Result<()> {
    queue(tx, to_partner(tx, t::APPLICATION_APPROVED, p, Ctx::new())?)?;
    if write::fired(tx, t::WELCOME[0], &p.id.to_string())? {
        queue(tx, to_partner(tx, t::WELCOME[0], p, Ctx::new())?)?;
    }
    super::timed::on_approval(tx, p)
}

/// Day `n` of the welcome sequence (7 or 30), from `run-due`.
pub fn welcome(tx: &Tx, template: &str, p: &Partner) -> Result<()> {
    queue(tx, to_partner(tx, template, p, Ctx::new())?)?;
    Ok(())
}

/// A partner promoted from `old` to their tier now.
pub fn promoted(tx: &Tx, p: &Partner, old: Tier) -> Result<()> {
    let a = crate::workflow::rules::resolve(tx, p.id, p.group_id, p.tier, super::today(tx))?;
    let mut extra = Ctx::new();
    extra.insert("old_tier".into(), old.to_string());
    extra.insert("rate".into(), rate_text(tx, &a)?);
    queue(tx, to_partner(tx, t::TIER_PROMOTION, p, extra)?)?;
    Ok(())
}

fn rate_text(conn: &Conn, a: &crate::workflow::rules::Applied) -> Result<String> {
    Ok(match a.flat {
        Some(f) => format!("{} per won deal", money(conn, f)?),
        None => format_rate(a.rate_bp),
    })
}

/// A commission recorded for a partner (a win, a retainer month, a bonus;
/// not a clawback or a negative correction).
pub fn commission_earned(tx: &Tx, c: &Commission) -> Result<()> {
    if c.kind == CommissionKind::Clawback || c.commission_amount <= 0 {
        return Ok(());
    }
    let p = repo::partners::get(tx, c.partner_id)?;
    let mut o = to_partner(tx, t::COMMISSION_EARNED, &p, commission_ctx(tx, c, &p)?)?;
    o.entity = Entity::Commission;
    o.entity_id = c.id.to_string();
    queue(tx, o)?;
    Ok(())
}

/// The merge fields of a commission beyond its partner's.
pub fn commission_ctx(conn: &Conn, c: &Commission, p: &Partner) -> Result<Ctx> {
    let mut x = Ctx::new();
    x.insert("amount".into(), money(conn, c.commission_amount)?);
    // The totals settle after the commission is written: count it here.
    let earned: i64 = conn.query_row(
        "SELECT coalesce(sum(commission_amount), 0) FROM commissions WHERE partner_id = ?1 AND status <> 'cancelled'",
        [p.id],
        |r| r.get(0),
    )?;
    x.insert("total_earnings".into(), money(conn, earned)?);
    let client = match c.client_lead_id {
        Some(l) => {
            let lead = repo::leads::get(conn, l)?;
            lead.business_name.unwrap_or(lead.client_name)
        }
        None => c.reason.clone().unwrap_or_else(|| "bonus".into()),
    };
    x.insert("client".into(), client);
    Ok(x)
}

/// A payout made: one e-mail per partner of the batch, their statement attached.
pub fn payout_sent(tx: &Tx, payout: &Payout) -> Result<()> {
    for line in &payout.lines {
        let p = repo::partners::get(tx, line.partner_id)?;
        let mut o = to_partner(tx, t::PAYOUT_SENT, &p, payout_ctx(tx, payout, line)?)?;
        o.entity = Entity::Payout;
        o.entity_id = payout.id.to_string();
        o.attachment = Some(format!("statement:{}", p.id));
        queue(tx, o)?;
    }
    Ok(())
}

pub fn payout_ctx(conn: &Conn, payout: &Payout, line: &crate::model::PayoutLine) -> Result<Ctx> {
    let mut x = Ctx::new();
    x.insert("amount".into(), money(conn, line.amount)?);
    x.insert("commission_count".into(), line.commission_count.to_string());
    x.insert("payout_id".into(), payout.id.to_string());
    x.insert("statement".into(), statement_name(&line.partner_id.to_string()));
    Ok(x)
}

/// The file name of a partner's statement attached to an e-mail.
pub fn statement_name(partner: &str) -> String {
    format!("statement-{}.html", partner.get(..8).unwrap_or(partner))
}

/// A new rule version: each active partner whose rate it changes (from
/// its first day) gets the rate-change e-mail. Partners with an override
/// are not changed by a tier table.
pub fn rate_changed(tx: &Tx, v: &RuleVersion) -> Result<()> {
    let settings = MailSettings::load(tx)?;
    if !t::effective(tx, t::RATE_CHANGE, None)?.enabled && settings.webhook_url.is_none() {
        return Ok(());
    }
    let day = v.effective_from.as_str();
    let Some(before) = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.pred_opt())
        .map(|d| d.format("%Y-%m-%d").to_string())
    else {
        return Ok(());
    };
    use crate::workflow::rules;
    let mut partners: Vec<Partner> = Vec::new();
    match v.subject {
        RuleSubject::Override => {
            if let Some(p) = v.partner_id {
                partners.push(repo::partners::get(tx, p)?);
            }
        }
        RuleSubject::Group | RuleSubject::Default => {
            let groups: Vec<GroupId> = match (v.subject, v.group_id) {
                (RuleSubject::Group, Some(g)) => vec![g],
                _ => {
                    let mut out = Vec::new();
                    for g in repo::rules::groups(tx)? {
                        if rules::table_in_force(tx, g.id, day)?.kind == crate::model::RuleKind::DefaultTier {
                            out.push(g.id);
                        }
                    }
                    out
                }
            };
            for g in groups {
                let old = rules::table_in_force(tx, g, &before)?.table()?;
                let new = rules::table_in_force(tx, g, day)?.table()?;
                for (i, tier) in Tier::ALL.iter().enumerate() {
                    if old[i].rate_bp == new[i].rate_bp {
                        continue;
                    }
                    let mut stmt = tx.prepare(
                        "SELECT id FROM partners WHERE group_id = ?1 AND tier = ?2 AND status = 'active' ORDER BY id",
                    )?;
                    let ids: Vec<crate::model::PartnerId> = stmt
                        .query_map(rusqlite::params![g, tier], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    for id in ids {
                        if rules::override_in_force(tx, id, day)?.is_none() {
                            partners.push(repo::partners::get(tx, id)?);
                        }
                    }
                }
            }
        }
    }
    for p in partners {
        if p.status != PartnerStatus::Active {
            continue;
        }
        let old = rules::resolve(tx, p.id, p.group_id, p.tier, &before)?;
        let new = rules::resolve(tx, p.id, p.group_id, p.tier, day)?;
        if (old.rate_bp, old.flat) == (new.rate_bp, new.flat) {
            continue;
        }
        let mut extra = Ctx::new();
        extra.insert("old_rate".into(), rate_text(tx, &old)?);
        extra.insert("rate".into(), rate_text(tx, &new)?);
        extra.insert("effective_from".into(), day.to_owned());
        queue(tx, to_partner(tx, t::RATE_CHANGE, &p, extra)?)?;
    }
    Ok(())
}
