//! Commissions that come from the rules rather than from one won deal's
//! rate: one-off bonuses and adjustments, milestone bonuses on a partner's
//! Nth won deal, and retainer deals, whose months accrue when they come due
//! (`run-due`: at start, every minute in the app, `partnerdesk run-due`),
//! each month once. Which rule pays (and its trace) is module `rules`'s.

use super::rules::resolve_month;
use super::write;
use crate::error::{Error, Result};
use crate::model::{
    Commission, CommissionId, CommissionKind, CommissionStatus, LeadId, Partner, PartnerId, Retainer, RuleKind,
    RuleTrace,
};
use crate::store::{repo, Tx};
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

// ---- Bonuses, milestones, retainers ----

/// A one-off commission of a partner without a lead: a bonus (positive) or
/// a correction (negative), with its reason.
pub fn bonus(tx: &Tx, partner: PartnerId, amount: i64, reason: &str) -> Result<Commission> {
    let reason = super::validate::required("reason", reason, super::validate::MAX_NAME)?;
    if amount == 0 {
        return Err(Error::validation("amount", "must not be 0"));
    }
    let p = repo::partners::get(tx, partner)?;
    let c = one_off(tx, &p, amount, reason, RuleKind::Bonus, None);
    let due = write::commission_created(tx, &c)?;
    due.settle(tx)?;
    Ok(c)
}

fn one_off(tx: &Tx, p: &Partner, amount: i64, reason: String, kind: RuleKind, version: Option<i64>) -> Commission {
    let now = tx.now_text().to_owned();
    Commission {
        id: CommissionId::new_at(tx.now()),
        partner_id: p.id,
        client_lead_id: None,
        kind: CommissionKind::Bonus,
        commission_amount: amount,
        commission_rate: 0,
        project_value: 0,
        status: CommissionStatus::Pending,
        payout_id: None,
        paid_at: None,
        created_at: now.clone(),
        updated_at: now,
        rule: RuleTrace {
            kind,
            version,
            tier: Some(p.tier),
        },
        reason: Some(reason),
        accrual_month: None,
    }
}

/// After a win: the group's milestone bonus when this was the partner's Nth
/// standing deal (once per partner and N).
pub fn milestone_after_win(tx: &Tx, p: &Partner) -> Result<Option<Commission>> {
    let g = repo::rules::group(tx, p.group_id)?;
    let s = super::groups::group_settings_in_force(tx, p.group_id, super::rules::day_of(tx.now_text()))?;
    let (Some(n), Some(amount)) = (s.milestone_deals, s.milestone_amount) else {
        return Ok(None);
    };
    if p.total_deals != n {
        return Ok(None);
    }
    let reason = format!("milestone: won deal {n} ({})", g.name);
    if repo::rules::has_milestone(tx, p.id, &reason)? {
        return Ok(None);
    }
    let c = one_off(tx, p, amount, reason, RuleKind::Milestone, s.version);
    let due = write::commission_created(tx, &c)?;
    due.settle(tx)?;
    Ok(Some(c))
}

/// A retainer's terms given when a deal is won: a monthly value and a term.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RetainerTerms {
    /// Cents per month.
    pub monthly: i64,
    pub months: i64,
}

pub fn check_terms(t: &RetainerTerms) -> Result<()> {
    if t.monthly <= 0 {
        return Err(Error::validation("monthly", "must be more than 0"));
    }
    if !(1..=120).contains(&t.months) {
        return Err(Error::validation("months", "must be from 1 to 120"));
    }
    Ok(())
}

/// Start a won deal's retainer (the first month falls due a month after the win).
pub fn start_retainer(tx: &Tx, lead: LeadId, partner: PartnerId, t: &RetainerTerms) -> Result<Retainer> {
    check_terms(t)?;
    let now = tx.now_text().to_owned();
    let r = Retainer {
        lead_id: lead,
        partner_id: partner,
        monthly_value: t.monthly,
        months: t.months,
        started_at: now.clone(),
        ended_at: None,
        created_at: now.clone(),
        updated_at: now,
    };
    write::retainer_started(tx, &r)?;
    Ok(r)
}

/// The due date of month `k` (1-based) of a retainer started at `start`.
fn month_due(start: DateTime<Utc>, k: u32) -> Option<DateTime<Utc>> {
    start.checked_add_months(Months::new(k))
}

/// What `run-due` created.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DueRun {
    pub accruals: Vec<Commission>,
    /// Rejected applications erased by the retention setting
    /// (`privacy.erase_rejected_after_months`; none when it is 0).
    pub erasures: Vec<super::privacy::Erasure>,
    /// Why retention did not run, when it could not (the accruals are made all the same).
    pub retention_error: Option<String>,
    /// What the timed rules of the automation did (tasks, the welcome sequence).
    #[serde(default)]
    pub automation: super::automation::timed::TimedRun,
    /// Pending commissions approved because their hold passed (`workflow::payouts::release_due`).
    #[serde(default)]
    pub released: super::payouts::Released,
}

/// Create what has come due by now: the retention erasures of rejected
/// applications (when the setting is on), and every retainer month that has passed
/// (before the retainer's end, when it was ended by hand) and is not accrued
/// yet, up to the term and the group's limit, for deals that stand won. Each month
/// once: this runs in one transaction, and a unique index on (lead, month)
/// refuses a second standing accrual.
pub fn run_due(tx: &Tx) -> Result<DueRun> {
    let now = tx.now();
    let mut out = DueRun::default();
    for r in repo::rules::won_retainers(tx)? {
        let Some(start) = crate::clock::parse_time(&r.started_at) else {
            continue;
        };
        // An ended retainer still accrues the months that fell due before its end.
        let end = match r.ended_at.as_deref() {
            Some(e) => match crate::clock::parse_time(e) {
                Some(t) => t.min(now),
                None => continue,
            },
            None => now,
        };
        let p = repo::partners::get(tx, r.partner_id)?;
        // The limit of the group's rules on the day the deal was won.
        let limit = super::groups::group_settings_in_force(tx, p.group_id, super::rules::day_of(&r.started_at))?
            .recurring_limit;
        let n = r.months.min(limit);
        let done = repo::rules::accrued_months(tx, r.lead_id)?;
        let mut dues = Vec::new();
        for k in 1..=n {
            let Some(due) = month_due(start, k as u32) else { break };
            if due > end {
                break;
            }
            let month = due.format("%Y-%m").to_string();
            if done.contains(&month) {
                continue;
            }
            let day = due.format("%Y-%m-%d").to_string();
            let a = resolve_month(tx, p.id, p.group_id, p.tier, &day)?;
            let stamp = tx.now_text().to_owned();
            let c = Commission {
                id: CommissionId::new_at(now),
                partner_id: p.id,
                client_lead_id: Some(r.lead_id),
                kind: CommissionKind::Accrual,
                commission_amount: a.amount(r.monthly_value),
                commission_rate: a.rate_bp,
                project_value: r.monthly_value,
                status: CommissionStatus::Pending,
                payout_id: None,
                paid_at: None,
                created_at: stamp.clone(),
                updated_at: stamp,
                rule: a.trace,
                reason: None,
                accrual_month: Some(month),
            };
            dues.push(write::commission_created(tx, &c)?);
            out.accruals.push(c);
        }
        for d in dues {
            d.settle(tx)?;
        }
    }
    out.automation = super::automation::timed::run(tx)?;
    out.released = super::payouts::release_due(tx)?;
    // Retention erases in its own savepoint: a refusal (a broken audit
    // chain, say) is reported and leaves the accruals standing.
    tx.execute_batch("SAVEPOINT retention")?;
    match super::privacy::apply_retention(tx, now) {
        Ok(erased) => {
            tx.execute_batch("RELEASE retention")?;
            out.erasures = erased;
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO retention; RELEASE retention")?;
            out.retention_error = Some(e.to_string());
        }
    }
    Ok(out)
}

/// A reopened deal's retainer is void (ended at its start: no month accrues,
/// even if the deal is won again without new terms), and its unpaid accruals
/// are cancelled; paid months stay paid.
pub fn end_retainer_on_reopen(tx: &Tx, lead: LeadId) -> Result<Vec<Commission>> {
    let Some(r) = repo::rules::retainer(tx, lead)? else {
        return Ok(Vec::new());
    };
    if r.ended_at.as_deref() != Some(r.started_at.as_str()) {
        write::retainer_ended(tx, &r, &r.started_at, "retainer_void")?;
    }
    let mut out = Vec::new();
    let mut dues = Vec::new();
    for c in repo::commissions::for_lead(tx, lead)? {
        if c.kind == CommissionKind::Accrual
            && matches!(c.status, CommissionStatus::Pending | CommissionStatus::Approved)
        {
            let (after, due) = write::commission_cancelled(tx, &c)?;
            dues.push(due);
            out.push(after);
        }
    }
    for d in dues {
        d.settle(tx)?;
    }
    Ok(out)
}

/// End a retainer by hand: no month accrues after now.
pub fn end_retainer(tx: &Tx, lead: LeadId) -> Result<Retainer> {
    let r = repo::rules::retainer(tx, lead)?.ok_or_else(|| Error::not_found("retainer", lead.to_string()))?;
    if r.ended_at.is_some() {
        return Err(Error::InvalidTransition {
            entity: "retainer",
            from: "ended".into(),
            to: "ended".into(),
            detail: Some("the retainer has ended already".into()),
        });
    }
    write::retainer_ended(tx, &r, tx.now_text(), "retainer_end")?;
    repo::rules::retainer(tx, lead)?.ok_or_else(|| Error::not_found("retainer", lead.to_string()))
}
