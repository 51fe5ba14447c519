//! The built-in timed rules, fired by `run-due` (at start, every minute in
//! the app, `partnerdesk run-due`): a reminder task for a lead untouched for
//! N days and for an application waiting more than N days, the onboarding
//! checklist when a partner is approved, a task when a payout run is due
//! (a group's payout day), and days 7 and 30 of the welcome sequence. Each
//! firing is a row of `automation_firings` (key: rule and subject) written in
//! the transaction of what it does, so a rule fires once per subject, and
//! never twice after a crash.
//!
//! The rules are off until the manager switches them on, and a rule counts
//! only what comes due after it was switched on: a database with thousands
//! of quiet leads does not get a task for each of them at once.

use super::templates as t;
use super::{events, tasks, today, write};
use crate::clock::{fmt_time, parse_time};
use crate::error::{Error, Result};
use crate::model::{AutomationRule, Entity, Partner, Task};
use crate::store::{repo, Conn, Tx};
use chrono::Duration;
use serde::{Deserialize, Serialize};

pub const LEAD_UNTOUCHED: &str = "lead_untouched";
pub const ONBOARDING: &str = "onboarding_checklist";
pub const APPLICATIONS_WAITING: &str = "applications_waiting";
pub const PAYOUT_DUE: &str = "payout_due";

/// (name, description, default days, default items).
const RULES: &[(&str, &str, i64)] = &[
    (
        LEAD_UNTOUCHED,
        "a task to follow up a lead nobody touched for N days",
        14,
    ),
    (
        ONBOARDING,
        "an onboarding checklist (one task per item, due N days after approval) when a partner is approved",
        7,
    ),
    (
        APPLICATIONS_WAITING,
        "a task for an application waiting for a decision more than N days",
        3,
    ),
    (
        PAYOUT_DUE,
        "a task on a group's payout day, when a payout run is due (to be done within N days)",
        3,
    ),
];

const DEFAULT_ITEMS: &[&str] = &["Welcome sent", "Agreement signed", "Tax form received"];
const OPEN_LEADS: &[&str] = &["prospect", "qualified", "proposal_sent", "negotiating"];

/// What the timed rules did in one `run-due`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimedRun {
    /// Tasks the rules created.
    pub tasks: Vec<Task>,
    /// Welcome e-mails (days 7 and 30) due and queued (or skipped, their template off).
    pub welcome: i64,
}

fn spec(name: &str) -> Result<(&'static str, &'static str, i64)> {
    RULES.iter().copied().find(|r| r.0 == name.trim()).ok_or_else(|| {
        Error::validation(
            "rule",
            format!(
                "unknown rule {name:?}; known: {}",
                RULES.iter().map(|r| r.0).collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

/// A rule as set: (enabled, days, items).
fn settings(conn: &Conn, name: &str) -> Result<(bool, i64, Vec<String>)> {
    let (_, _, days) = spec(name)?;
    let items = || DEFAULT_ITEMS.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    Ok(match repo::automation::rule(conn, name)? {
        Some(r) => (
            r.enabled,
            r.days.unwrap_or(days),
            r.items
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_else(items),
        ),
        // Off until the manager switches a rule on.
        None => (false, days, items()),
    })
}

/// When a rule was switched on (it counts what comes due from then on).
fn enabled_at(conn: &Conn, name: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(repo::automation::rule(conn, name)?
        .and_then(|r| r.enabled_at)
        .as_deref()
        .and_then(parse_time))
}

fn shown(conn: &Conn, name: &str, now: chrono::DateTime<chrono::Utc>) -> Result<AutomationRule> {
    let (_, description, _) = spec(name)?;
    let (enabled, days, items) = settings(conn, name)?;
    Ok(AutomationRule {
        name: name.to_owned(),
        description: description.to_owned(),
        enabled,
        days: Some(days),
        items: (name == ONBOARDING).then_some(items),
        last_fired_at: repo::automation::last_firing(conn, name)?,
        next_firing_at: if enabled {
            next_firing(conn, name, days, now)?
        } else {
            None
        },
    })
}

/// Every timed rule, with its last firing and the next one the data give.
pub fn list(conn: &Conn, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<AutomationRule>> {
    RULES.iter().map(|r| shown(conn, r.0, now)).collect()
}

/// Switch a rule on or off, set its days and (the checklist) its items.
pub fn set(
    tx: &Tx,
    name: &str,
    enabled: Option<bool>,
    days: Option<i64>,
    items: Option<Vec<String>>,
) -> Result<AutomationRule> {
    let (name, _, _) = spec(name)?;
    let before = shown(tx, name, tx.now())?;
    let (on, d, it) = settings(tx, name)?;
    let days = days.unwrap_or(d);
    if !(1..=3650).contains(&days) {
        return Err(Error::validation(
            "days",
            "must be a whole number of days from 1 to 3650",
        ));
    }
    let items = match items {
        Some(list) => {
            if name != ONBOARDING {
                return Err(Error::validation("items", "only the onboarding checklist has items"));
            }
            let list: Vec<String> = list
                .iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            if list.is_empty() || list.len() > 20 {
                return Err(Error::validation("items", "give from 1 to 20 items"));
            }
            list
        }
        None => it,
    };
    let items = (name == ONBOARDING).then(|| serde_json::to_string(&items).unwrap_or_default());
    let enabled = enabled.unwrap_or(on);
    let since = match (on, enabled) {
        (false, true) => Some(tx.now_text().to_owned()),
        (_, true) => repo::automation::rule(tx, name)?.and_then(|r| r.enabled_at),
        _ => None,
    };
    let row = repo::automation::RuleRow {
        enabled,
        days: Some(days),
        items,
        enabled_at: since,
    };
    let after = serde_json::json!({
        "name": name, "enabled": enabled, "days": days, "items": row.items, "enabled_at": row.enabled_at
    });
    write::rule_set(tx, name, &row, &before, &after)?;
    shown(tx, name, tx.now())
}

/// A partner approved: the onboarding checklist (once per partner).
pub fn on_approval(tx: &Tx, p: &Partner) -> Result<()> {
    let (enabled, days, items) = settings(tx, ONBOARDING)?;
    if !enabled || !write::fired(tx, ONBOARDING, &p.id.to_string())? {
        return Ok(());
    }
    let due = (tx.now() + Duration::days(days)).format("%Y-%m-%d").to_string();
    for item in items {
        tasks::add(
            tx,
            &format!("Onboarding: {item}"),
            Some((Entity::Partner, p.id.to_string())),
            Some(ONBOARDING),
            &due,
        )?;
    }
    Ok(())
}

/// Fire what has come due by now.
pub fn run(tx: &Tx) -> Result<TimedRun> {
    let mut out = TimedRun::default();
    let now = tx.now();
    let day = today(tx).to_owned();
    // Leads nobody touched for N days (once per quiet spell: the subject is the lead and its last change).
    let (on, days, _) = settings(tx, LEAD_UNTOUCHED)?;
    if on {
        let start = enabled_at(tx, LEAD_UNTOUCHED)?.unwrap_or(now);
        let (from, to) = (
            fmt_time(start - Duration::days(days)),
            fmt_time(now - Duration::days(days)),
        );
        for status in OPEN_LEADS {
            let quiet: Vec<(String, String, String)> = {
                let mut s = tx.prepare_cached(
                    "SELECT id, updated_at, client_name FROM client_leads WHERE status = ?1 AND updated_at > ?2 AND updated_at <= ?3",
                )?;
                let r = s.query_map(rusqlite::params![status, from, to], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
                r.collect::<rusqlite::Result<_>>()?
            };
            for (id, at, client) in quiet {
                if write::fired(tx, LEAD_UNTOUCHED, &format!("{id}@{at}"))? {
                    out.tasks.push(tasks::add(
                        tx,
                        &format!("Follow up {client}: untouched for {days} days"),
                        Some((Entity::Lead, id)),
                        Some(LEAD_UNTOUCHED),
                        &day,
                    )?);
                }
            }
        }
    }
    // Applications waiting for a decision more than N days.
    let (on, days, _) = settings(tx, APPLICATIONS_WAITING)?;
    if on {
        let start = enabled_at(tx, APPLICATIONS_WAITING)?.unwrap_or(now);
        let (from, to) = (
            fmt_time(start - Duration::days(days)),
            fmt_time(now - Duration::days(days)),
        );
        let waiting: Vec<(String, String)> = {
            let mut s = tx.prepare_cached(
                "SELECT id, name FROM partner_applications WHERE status IN ('pending', 'under_review') AND created_at > ?1 AND created_at <= ?2",
            )?;
            let r = s.query_map([&from, &to], |r| Ok((r.get(0)?, r.get(1)?)))?;
            r.collect::<rusqlite::Result<_>>()?
        };
        for (id, name) in waiting {
            if write::fired(tx, APPLICATIONS_WAITING, &id)? {
                out.tasks.push(tasks::add(
                    tx,
                    &format!("Decide on the application of {name}: waiting more than {days} days"),
                    Some((Entity::Application, id)),
                    Some(APPLICATIONS_WAITING),
                    &day,
                )?);
            }
        }
    }
    // A payout run due (a group's payout day has come, someone to pay):
    // once per payout day, from the day the rule was switched on.
    let (on, days, _) = settings(tx, PAYOUT_DUE)?;
    if on {
        let since = enabled_at(tx, PAYOUT_DUE)?
            .unwrap_or(now)
            .format("%Y-%m-%d")
            .to_string();
        if let Some(d) = crate::workflow::payouts::due(tx, now)? {
            if d.due_on >= since && write::fired(tx, PAYOUT_DUE, &d.due_on)? {
                let by = chrono::NaiveDate::parse_from_str(&d.due_on, "%Y-%m-%d")
                    .map(|t| (t + Duration::days(days - 1)).format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|_| day.clone());
                out.tasks.push(tasks::add(
                    tx,
                    &format!(
                        "Make the payout run of {}: {} partner(s), {}",
                        d.due_on,
                        d.partners,
                        events::money(tx, d.total)?
                    ),
                    None,
                    Some(PAYOUT_DUE),
                    &by,
                )?);
            }
        }
    }
    // The welcome sequence: days 7 and 30 after the day-0 e-mail.
    for (i, rule) in t::WELCOME.iter().enumerate().skip(1) {
        let by = fmt_time(now - Duration::days(t::WELCOME_DAYS[i]));
        let due: Vec<crate::model::PartnerId> = {
            let mut s = tx.prepare_cached(
                "SELECT f.subject_id FROM automation_firings f WHERE f.rule = ?1 AND f.fired_at <= ?2
                   AND NOT EXISTS (SELECT 1 FROM automation_firings g WHERE g.id = ?3 || ':' || f.subject_id)",
            )?;
            let r = s.query_map(rusqlite::params![t::WELCOME[0], by, rule], |r| r.get(0))?;
            r.collect::<rusqlite::Result<_>>()?
        };
        for pid in due {
            if write::fired(tx, rule, &pid.to_string())? {
                let p = repo::partners::get(tx, pid)?;
                if p.status == crate::model::PartnerStatus::Active {
                    events::welcome(tx, rule, &p)?;
                }
                out.welcome += 1;
            }
        }
    }
    Ok(out)
}

/// When a rule fires next as the data stand (None: nothing waiting).
fn next_firing(conn: &Conn, name: &str, days: i64, now: chrono::DateTime<chrono::Utc>) -> Result<Option<String>> {
    let start = enabled_at(conn, name)?.unwrap_or(now);
    let from = fmt_time(start - Duration::days(days));
    let first: Option<String> = match name {
        LEAD_UNTOUCHED => conn.query_row(
            "SELECT min(updated_at) FROM client_leads l WHERE status IN ('prospect', 'qualified', 'proposal_sent', 'negotiating')
               AND updated_at > ?1 AND NOT EXISTS (SELECT 1 FROM automation_firings f WHERE f.id = 'lead_untouched:' || l.id || '@' || l.updated_at)",
            [&from],
            |r| r.get(0),
        )?,
        APPLICATIONS_WAITING => conn.query_row(
            "SELECT min(created_at) FROM partner_applications a WHERE status IN ('pending', 'under_review')
               AND created_at > ?1 AND NOT EXISTS (SELECT 1 FROM automation_firings f WHERE f.id = 'applications_waiting:' || a.id)",
            [&from],
            |r| r.get(0),
        )?,
        PAYOUT_DUE => return next_payout_day(conn, now),
        _ => None,
    };
    Ok(first
        .as_deref()
        .and_then(parse_time)
        .map(|t| fmt_time((t + Duration::days(days)).max(now))))
}

/// The next payout day of any group from today on (its run may pay nobody).
fn next_payout_day(conn: &Conn, now: chrono::DateTime<chrono::Utc>) -> Result<Option<String>> {
    use chrono::Datelike;
    let today = now.date_naive();
    let next_month = today
        .with_day(1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)));
    let mut best: Option<chrono::NaiveDate> = None;
    for g in repo::payouts::group_payouts(conn)? {
        let Some(day) = g.payout_day else { continue };
        let this = today.with_day(day as u32).filter(|d| *d >= today);
        let next = this.or_else(|| next_month.and_then(|m| m.with_day(day as u32)));
        if let Some(d) = next {
            best = Some(best.map_or(d, |b| b.min(d)));
        }
    }
    Ok(best.map(|d| format!("{}T00:00:00.000Z", d.format("%Y-%m-%d"))))
}
