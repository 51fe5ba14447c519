//! E-mail templates: the built-in texts, the manager's changes (per group
//! for the welcome sequence), merge fields (`{{name}}`) checked when a
//! template is saved, and rendering (also as a preview with a real record).

use super::write;
use crate::error::{Error, Result};
use crate::model::{Entity, GroupId, Template};
use crate::store::{repo, Tx};
use rusqlite::Connection;
use std::collections::BTreeMap;

/// A built-in template.
pub struct Builtin {
    pub name: &'static str,
    pub description: &'static str,
    /// The record a preview (and the event) takes.
    pub record: Entity,
    /// Merge fields beyond the partner's or applicant's own.
    pub extra: &'static [&'static str],
    pub subject: &'static str,
    pub body: &'static str,
}

/// The fields every template has: the person's.
pub const PERSON_FIELDS: &[&str] = &["name", "email", "company"];
/// The fields of a partner beyond the person's.
pub const PARTNER_FIELDS: &[&str] = &["tier", "group"];

pub const APPLICATION_RECEIVED: &str = "application_received";
pub const APPLICATION_APPROVED: &str = "application_approved";
pub const APPLICATION_REJECTED: &str = "application_rejected";
pub const TIER_PROMOTION: &str = "tier_promotion";
pub const RATE_CHANGE: &str = "rate_change";
pub const COMMISSION_EARNED: &str = "commission_earned";
pub const PAYOUT_SENT: &str = "payout_sent";
pub const WELCOME: [&str; 3] = ["welcome_day0", "welcome_day7", "welcome_day30"];
/// Days after approval of each welcome e-mail.
pub const WELCOME_DAYS: [i64; 3] = [0, 7, 30];

pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: APPLICATION_RECEIVED,
        description: "to an applicant when their application is added",
        record: Entity::Application,
        extra: &[],
        subject: "We received your application",
        body: "Hello {{name}},\n\nthank you for applying to our partner program. We will review your application and write to you soon.\n",
    },
    Builtin {
        name: APPLICATION_APPROVED,
        description: "to a new partner when their application is approved",
        record: Entity::Partner,
        extra: PARTNER_FIELDS,
        subject: "Welcome aboard, {{name}}: your application is approved",
        body: "Hello {{name}},\n\nyour application is approved: you are now a {{tier}} partner in the {{group}} group.\n",
    },
    Builtin {
        name: APPLICATION_REJECTED,
        description: "to an applicant when their application is rejected (with the reason given)",
        record: Entity::Application,
        extra: &["reason"],
        subject: "About your partner application",
        body: "Hello {{name}},\n\nthank you for your interest. We cannot accept your application at this time.\n\n{{reason}}\n",
    },
    Builtin {
        name: TIER_PROMOTION,
        description: "to a partner promoted to a higher tier",
        record: Entity::Partner,
        extra: &["tier", "group", "old_tier", "rate"],
        subject: "You are now a {{tier}} partner",
        body: "Hello {{name}},\n\ncongratulations: you moved from {{old_tier}} to {{tier}}. Your commission rate is now {{rate}}.\n",
    },
    Builtin {
        name: RATE_CHANGE,
        description: "to each partner whose rate a new rule version changes",
        record: Entity::Partner,
        extra: &["tier", "group", "old_rate", "rate", "effective_from"],
        subject: "Your commission rate changes on {{effective_from}}",
        body: "Hello {{name}},\n\nfrom {{effective_from}} your commission rate as a {{tier}} partner is {{rate}} (it was {{old_rate}}).\n",
    },
    Builtin {
        name: COMMISSION_EARNED,
        description: "to a partner when a commission is created for them",
        record: Entity::Commission,
        extra: &["tier", "group", "amount", "client", "total_earnings"],
        subject: "You earned {{amount}}",
        body: "Hello {{name}},\n\na commission of {{amount}} was recorded for you ({{client}}). Your earnings so far: {{total_earnings}}.\n",
    },
    Builtin {
        name: PAYOUT_SENT,
        description: "to each partner of a payout (one e-mail per partner per payout, the statement attached)",
        record: Entity::Payout,
        extra: &["tier", "group", "amount", "commission_count", "payout_id", "statement"],
        subject: "Your payout of {{amount}} is on its way",
        body: "Hello {{name}},\n\nwe have paid you {{amount}} for {{commission_count}} commission(s) (payout {{payout_id}}). Your statement is attached ({{statement}}).\n",
    },
    Builtin {
        name: "welcome_day0",
        description: "welcome sequence: on the day of approval",
        record: Entity::Partner,
        extra: PARTNER_FIELDS,
        subject: "Getting started as a partner",
        body: "Hello {{name}},\n\nhere is how to refer your first client: send us their name and e-mail and we take it from there.\n",
    },
    Builtin {
        name: "welcome_day7",
        description: "welcome sequence: 7 days after approval",
        record: Entity::Partner,
        extra: PARTNER_FIELDS,
        subject: "Your first week as a partner",
        body: "Hello {{name}},\n\na week in: tell us if you need material to present our work to your clients.\n",
    },
    Builtin {
        name: "welcome_day30",
        description: "welcome sequence: 30 days after approval",
        record: Entity::Partner,
        extra: PARTNER_FIELDS,
        subject: "A month as a partner",
        body: "Hello {{name}},\n\nit has been a month. As a {{tier}} partner, each won deal brings you your tier's rate; the more you refer, the higher it gets.\n",
    },
];

pub fn builtin(name: &str) -> Result<&'static Builtin> {
    let n = name.trim();
    BUILTINS.iter().find(|b| b.name == n).ok_or_else(|| {
        Error::validation(
            "template",
            format!(
                "unknown template {n:?}; known: {}",
                BUILTINS.iter().map(|b| b.name).collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

impl Builtin {
    pub fn fields(&self) -> Vec<String> {
        let mut v: Vec<String> = PERSON_FIELDS.iter().map(|s| (*s).to_owned()).collect();
        for f in self.extra {
            if !v.iter().any(|x| x == f) {
                v.push((*f).to_owned());
            }
        }
        v
    }
}

/// The merge fields a text uses, in order; an unclosed `{{` is an error
/// naming `field`.
pub fn merge_fields(field: &str, text: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let j = after
            .find("}}")
            .ok_or_else(|| Error::validation(field, "a merge field opened with {{ is not closed with }}"))?;
        out.push(after[..j].trim().to_owned());
        rest = &after[j + 2..];
    }
    Ok(out)
}

/// Check that `text` uses only the merge fields of `b`.
pub fn check(b: &Builtin, field: &str, text: &str) -> Result<()> {
    let known = b.fields();
    for f in merge_fields(field, text)? {
        if !known.contains(&f) {
            return Err(Error::validation(
                field,
                format!(
                    "unknown merge field {{{{{f}}}}} in template {}; it may use: {}",
                    b.name,
                    known
                        .iter()
                        .map(|k| format!("{{{{{k}}}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// `text` with every merge field replaced by its value in `ctx` (a field
/// without a value is left empty).
pub fn render(text: &str, ctx: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find("}}") {
            Some(j) => {
                out.push_str(ctx.get(after[..j].trim()).map(String::as_str).unwrap_or(""));
                rest = &after[j + 2..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn row_id(name: &str, group: Option<GroupId>) -> String {
    match group {
        Some(g) => format!("{name}@{g}"),
        None => name.to_owned(),
    }
}

/// The template in force for `name` (and a partner's `group`: its own
/// text when it has one).
pub fn effective(conn: &Connection, name: &str, group: Option<GroupId>) -> Result<Template> {
    let b = builtin(name)?;
    if let Some(g) = group {
        if let Some(t) = stored(conn, b, Some(g))? {
            return Ok(t);
        }
    }
    Ok(stored(conn, b, None)?.unwrap_or_else(|| of_builtin(b, None)))
}

fn of_builtin(b: &Builtin, group: Option<GroupId>) -> Template {
    Template {
        name: b.name.into(),
        group_id: group,
        subject: b.subject.into(),
        body: b.body.into(),
        enabled: true,
        custom: false,
        description: b.description.into(),
        fields: b.fields(),
        record: b.record.as_str().into(),
    }
}

fn stored(conn: &Connection, b: &Builtin, group: Option<GroupId>) -> Result<Option<Template>> {
    Ok(
        repo::automation::template(conn, &row_id(b.name, group))?.map(|(subject, body, enabled)| Template {
            subject,
            body,
            enabled,
            custom: true,
            ..of_builtin(b, group)
        }),
    )
}

/// Every template (the built-in ones as in force, then groups' own texts).
pub fn list(conn: &Connection) -> Result<Vec<Template>> {
    let mut out = Vec::new();
    for b in BUILTINS {
        out.push(effective(conn, b.name, None)?);
    }
    for (_, name, group, ..) in repo::automation::templates(conn)? {
        if let Some(g) = group.as_deref().and_then(|g| uuid::Uuid::parse_str(g).ok()) {
            out.push(effective(conn, &name, Some(GroupId(g)))?);
        }
    }
    Ok(out)
}

/// One template (a group's own text when `group` is given and it has one).
pub fn show(conn: &Connection, name: &str, group: Option<GroupId>) -> Result<Template> {
    effective(conn, name, group)
}

/// Change a template's text (checked: only its merge fields, both parts
/// non-empty). A group's own text is for the welcome sequence only.
pub fn set(tx: &Tx, name: &str, subject: &str, body: &str, group: Option<GroupId>) -> Result<Template> {
    let b = builtin(name)?;
    if group.is_some() && !WELCOME.contains(&b.name) {
        return Err(Error::validation(
            "group",
            "only the welcome sequence (welcome_day0, welcome_day7, welcome_day30) has texts per group",
        ));
    }
    if let Some(g) = group {
        repo::rules::group(tx, g)?;
    }
    let subject = subject.trim();
    if subject.is_empty() {
        return Err(Error::validation("subject", "must not be empty"));
    }
    if subject.contains('\n') || subject.contains('\r') {
        return Err(Error::validation("subject", "must be one line"));
    }
    if body.trim().is_empty() {
        return Err(Error::validation("body", "must not be empty"));
    }
    check(b, "subject", subject)?;
    check(b, "body", body)?;
    let before = stored(tx, b, group)?;
    let enabled = before.as_ref().is_none_or(|t| t.enabled);
    let row = (
        row_id(b.name, group),
        b.name.to_owned(),
        group.map(|g| g.to_string()),
        subject.to_owned(),
        body.to_owned(),
        enabled,
    );
    let after = Template {
        subject: subject.to_owned(),
        body: body.to_owned(),
        enabled,
        custom: true,
        ..of_builtin(b, group)
    };
    write::template_set(tx, &row, before.as_ref(), &after)?;
    Ok(after)
}

/// Switch a template on or off (a group's own text, when given).
pub fn set_enabled(tx: &Tx, name: &str, enabled: bool, group: Option<GroupId>) -> Result<Template> {
    let b = builtin(name)?;
    let before = stored(tx, b, group)?;
    let base = match &before {
        Some(t) => t.clone(),
        None if group.is_some() => {
            return Err(Error::validation(
                "group",
                "this group has no text of its own for this template",
            ))
        }
        None => of_builtin(b, None),
    };
    let after = Template {
        enabled,
        custom: true,
        ..base
    };
    let row = (
        row_id(b.name, group),
        b.name.to_owned(),
        group.map(|g| g.to_string()),
        after.subject.clone(),
        after.body.clone(),
        enabled,
    );
    write::template_set(tx, &row, before.as_ref(), &after)?;
    Ok(after)
}

/// A template rendered with a real record.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Preview {
    pub template: String,
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    /// The file attached (a payout's statement).
    pub attachment: Option<String>,
    /// False when the template is off (nothing would be sent).
    pub enabled: bool,
}

/// Render template `name` with the record `record` (an id or prefix of the
/// kind the template takes: an application, a partner, a commission or a payout).
/// Rates are those in force on `today` (YYYY-MM-DD).
pub fn preview(conn: &Connection, name: &str, record: &str, today: &str) -> Result<Preview> {
    use super::events::{self, Ctx};
    let b = builtin(name)?;
    let rid = repo::resolve_id(conn, b.record, record)?;
    let uuid = uuid::Uuid::parse_str(&rid).map_err(|e| Error::validation("record", e.to_string()))?;
    let partner_extras = |conn: &Connection, p: &crate::model::Partner| -> Result<Ctx> {
        let mut c = events::partner_ctx(conn, p)?;
        let day = today.to_owned();
        let a = crate::workflow::rules::resolve(conn, p.id, p.group_id, p.tier, &day)?;
        let rate = match a.flat {
            Some(f) => format!("{} per won deal", events::money(conn, f)?),
            None => crate::money::format_rate(a.rate_bp),
        };
        c.insert("old_tier".into(), p.tier.to_string());
        c.insert("rate".into(), rate.clone());
        c.insert("old_rate".into(), rate);
        c.insert("effective_from".into(), day);
        Ok(c)
    };
    let (ctx, to, to_name, group, attachment) = match b.record {
        Entity::Application => {
            let a = repo::applications::get(conn, crate::model::ApplicationId(uuid))?;
            let mut c = events::application_ctx(&a);
            c.insert("reason".into(), "(the reason you give when you reject it)".into());
            (c, a.email, a.name, None, None)
        }
        Entity::Partner => {
            let p = repo::partners::get(conn, crate::model::PartnerId(uuid))?;
            (
                partner_extras(conn, &p)?,
                p.email.clone(),
                p.name.clone(),
                Some(p.group_id),
                None,
            )
        }
        Entity::Commission => {
            let c = repo::commissions::get(conn, crate::model::CommissionId(uuid))?;
            let p = repo::partners::get(conn, c.partner_id)?;
            let mut x = partner_extras(conn, &p)?;
            x.extend(events::commission_ctx(conn, &c, &p)?);
            (x, p.email.clone(), p.name.clone(), Some(p.group_id), None)
        }
        _ => {
            let (pid, amount, count): (crate::model::PartnerId, i64, i64) = conn.query_row(
                "SELECT partner_id, sum(commission_amount), count(*) FROM commissions WHERE payout_id = ?1
                 GROUP BY partner_id ORDER BY partner_id LIMIT 1",
                [&rid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let p = repo::partners::get(conn, pid)?;
            let mut x = partner_extras(conn, &p)?;
            x.insert("amount".into(), events::money(conn, amount)?);
            x.insert("commission_count".into(), count.to_string());
            x.insert("payout_id".into(), rid.clone());
            let file = events::statement_name(&pid.to_string());
            x.insert("statement".into(), file.clone());
            (x, p.email.clone(), p.name.clone(), Some(p.group_id), Some(file))
        }
    };
    let tpl = effective(conn, b.name, group)?;
    Ok(Preview {
        template: b.name.into(),
        to,
        to_name,
        subject: render(&tpl.subject, &ctx),
        body: render(&tpl.body, &ctx),
        attachment,
        enabled: tpl.enabled,
    })
}
