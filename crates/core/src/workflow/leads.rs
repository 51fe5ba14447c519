//! The lead pipeline: prospect -> qualified -> proposal_sent -> negotiating ->
//! closed_won | closed_lost. Skipping forward is allowed; moving back is
//! only possible out of a closed state (a reopen, recorded as such).

use super::write::{self, TotalsDue};
use super::{rules, validate};
use crate::error::{Error, Result};
use crate::model::{
    opt_text, text, Changes, Commission, CommissionId, CommissionKind, CommissionStatus, FieldChange, Lead, LeadId,
    LeadStatus, NewLead, PartnerId, PartnerStatus, Retainer, RuleTrace, Tier,
};
use crate::money::format_amount;
use crate::store::{repo, Tx};
use serde::{Deserialize, Serialize};

/// What kind of move a status change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveKind {
    /// Further along the open stages.
    Advance,
    /// Into closed_won or closed_lost from an open stage.
    Close,
    /// Out of a closed state.
    Reopen,
}

/// The pipeline's rule, as a pure function.
pub fn check_move(from: LeadStatus, to: LeadStatus) -> Result<MoveKind> {
    let refuse = |why: &str| Error::InvalidTransition {
        entity: "lead",
        from: from.to_string(),
        to: to.to_string(),
        detail: Some(why.into()),
    };
    if from == to {
        return Err(refuse("the lead is already there"));
    }
    if from.is_closed() {
        return Ok(MoveKind::Reopen);
    }
    if to.is_closed() {
        return Ok(MoveKind::Close);
    }
    if to.stage() > from.stage() {
        return Ok(MoveKind::Advance);
    }
    Err(refuse("an open lead only moves forward; close it first to reopen"))
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LeadAdded {
    pub lead: Lead,
    /// A likely duplicate (same client e-mail or business name), as a warning.
    pub duplicate_of: Option<Lead>,
    /// The attribution conflict the lead is held in (another partner's lead
    /// has its client within the protection window).
    #[serde(default)]
    pub conflict: Option<crate::model::LeadConflict>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MoveOutcome {
    pub lead: Lead,
    pub reopened: bool,
    /// The commission created by a win.
    pub commission: Option<Commission>,
    /// An unpaid commission cancelled by a reopen.
    pub cancelled: Option<Commission>,
    /// The negative commission created when a paid deal is reopened.
    pub clawback: Option<Commission>,
    /// The partner's new tier when the win promoted them.
    pub promoted_to: Option<Tier>,
    /// The retainer a win started (a monthly value and a term).
    pub retainer: Option<Retainer>,
    /// The group's milestone bonus the win earned.
    pub milestone: Option<Commission>,
    /// Unpaid retainer accruals cancelled by a reopen.
    pub accruals_cancelled: Vec<Commission>,
}

pub fn add(tx: &Tx, input: &NewLead) -> Result<LeadAdded> {
    let client_name = validate::required("client_name", &input.client_name, validate::MAX_NAME)?;
    let client_email = validate::email("client_email", &input.client_email)?;
    let client_phone = validate::phone("client_phone", input.client_phone.as_deref())?;
    let business_name = validate::optional("business_name", input.business_name.as_deref(), validate::MAX_NAME)?;
    let description = validate::optional("description", input.project_description.as_deref(), validate::MAX_TEXT)?;
    let estimated_value = validate::amount("estimated_value", input.estimated_value, true)?;
    let partner = repo::partners::get(tx, input.partner_id)?;
    if partner.status != PartnerStatus::Active {
        return Err(Error::Conflict(format!(
            "partner {} is {} and takes no new leads",
            partner.name, partner.status
        )));
    }
    let dup = repo::leads::find_duplicate(tx, &client_email, business_name.as_deref())?;
    let now = tx.now_text().to_owned();
    let lead = Lead {
        id: LeadId::new_at(tx.now()),
        partner_id: partner.id,
        client_name,
        client_email,
        client_phone,
        business_name,
        project_description: description,
        estimated_value,
        status: LeadStatus::Prospect,
        possible_duplicate_of: dup,
        closed_at: None,
        created_at: now.clone(),
        updated_at: now,
    };
    write::lead_created(tx, &lead)?;
    let conflict = super::conflicts::check_new(tx, &lead)?;
    let duplicate_of = match dup {
        Some(d) => Some(repo::leads::get(tx, d)?),
        None => None,
    };
    Ok(LeadAdded {
        lead,
        duplicate_of,
        conflict,
    })
}

/// What an edit of a lead sets; `None` keeps a field as it is (`Some(None)`
/// empties an optional one). The partner, status and dates are not edited.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadEdit {
    pub client_name: Option<String>,
    pub client_email: Option<String>,
    pub client_phone: Option<Option<String>>,
    pub business_name: Option<Option<String>>,
    pub project_description: Option<Option<String>>,
    /// Cents.
    pub estimated_value: Option<i64>,
}

/// The lead as `e` would leave it, checked as a hand entry, and what changes.
/// Writes nothing (a dry run of an import lists these).
pub fn edited(before: &Lead, e: &LeadEdit) -> Result<(Lead, Vec<FieldChange>)> {
    let mut after = before.clone();
    if let Some(n) = &e.client_name {
        after.client_name = validate::required("client_name", n, validate::MAX_NAME)?;
    }
    if let Some(m) = &e.client_email {
        after.client_email = validate::email("client_email", m)?;
    }
    if let Some(p) = &e.client_phone {
        after.client_phone = validate::phone("client_phone", p.as_deref())?;
    }
    if let Some(b) = &e.business_name {
        after.business_name = validate::optional("business_name", b.as_deref(), validate::MAX_NAME)?;
    }
    if let Some(d) = &e.project_description {
        after.project_description = validate::optional("project_description", d.as_deref(), validate::MAX_TEXT)?;
    }
    if let Some(v) = e.estimated_value {
        after.estimated_value = validate::amount("estimated_value", v, true)?;
    }
    let mut c = Changes::default();
    c.note("client_name", &before.client_name, &after.client_name, text);
    c.note("client_email", &before.client_email, &after.client_email, text);
    c.note("client_phone", &before.client_phone, &after.client_phone, opt_text);
    c.note("business_name", &before.business_name, &after.business_name, opt_text);
    c.note(
        "project_description",
        &before.project_description,
        &after.project_description,
        opt_text,
    );
    c.note(
        "estimated_value",
        &before.estimated_value,
        &after.estimated_value,
        |v| Some(format_amount(*v)),
    );
    Ok((after, c.0))
}

/// Edit a lead's client fields and estimated value ([`edited`]), audited as
/// `update`, the pipeline's roll-ups following a new value. Returns the lead
/// and what changed (nothing written when nothing did).
pub fn edit(tx: &Tx, id: LeadId, e: &LeadEdit) -> Result<(Lead, Vec<FieldChange>)> {
    let before = repo::leads::get(tx, id)?;
    let (after, changes) = edited(&before, e)?;
    if changes.is_empty() {
        return Ok((before, changes));
    }
    let after = write::lead_edited(tx, &before, &after)?;
    Ok((after, changes))
}

/// Move a lead. `project_value` (cents) only goes with closed_won and
/// defaults to the estimated value.
pub fn move_to(tx: &Tx, id: LeadId, to: LeadStatus, project_value: Option<i64>) -> Result<MoveOutcome> {
    move_to_with(tx, id, to, project_value, None)
}

/// Move a lead; a win may also start a retainer (`retainer`: a monthly
/// value and a term), which accrues a commission per month that has passed
/// ([`rules::run_due`]). The win's commission comes from the rule in force
/// ([`rules::resolve`]) and stores its trace.
pub fn move_to_with(
    tx: &Tx,
    id: LeadId,
    to: LeadStatus,
    project_value: Option<i64>,
    retainer: Option<rules::RetainerTerms>,
) -> Result<MoveOutcome> {
    let before = repo::leads::get(tx, id)?;
    let kind = check_move(before.status, to)?;
    if to == LeadStatus::ClosedWon && super::conflicts::open_of(tx, id)?.is_some() {
        return Err(Error::InvalidTransition {
            entity: "lead",
            from: before.status.to_string(),
            to: to.to_string(),
            detail: Some(
                "the lead is in an attribution conflict and earns nothing until it is resolved (lead resolve)".into(),
            ),
        });
    }
    if project_value.is_some() && to != LeadStatus::ClosedWon {
        return Err(Error::validation(
            "value",
            "a project value is only given when closing as won",
        ));
    }
    if let Some(t) = &retainer {
        if to != LeadStatus::ClosedWon {
            return Err(Error::validation(
                "monthly",
                "a retainer is only given when closing as won",
            ));
        }
        rules::check_terms(t)?;
    }
    let value = if to == LeadStatus::ClosedWon {
        let v = project_value.unwrap_or(before.estimated_value);
        if v <= 0 {
            return Err(Error::validation(
                "value",
                "a won deal needs a project value greater than 0 (the lead has no estimated value)",
            ));
        }
        Some(validate::amount("value", v, false)?)
    } else {
        None
    };
    let mut outcome = MoveOutcome {
        lead: before.clone(),
        reopened: kind == MoveKind::Reopen,
        commission: None,
        cancelled: None,
        clawback: None,
        promoted_to: None,
        retainer: None,
        milestone: None,
        accruals_cancelled: Vec::new(),
    };
    // A move changes at most one commission: a reopen of a won deal undoes
    // the win, a move into closed_won makes one (never both: closed_won does
    // not move to itself). Its partner's totals are settled last.
    let mut due = None;
    if kind == MoveKind::Reopen && before.status == LeadStatus::ClosedWon {
        outcome.accruals_cancelled = rules::end_retainer_on_reopen(tx, before.id)?;
        due = undo_win(tx, &before, &mut outcome)?;
    }
    let lead = write::lead_moved(tx, &before, to, kind == MoveKind::Reopen)?;
    if let Some(value) = value {
        let partner = repo::partners::get(tx, lead.partner_id)?;
        let a = rules::resolve(
            tx,
            partner.id,
            partner.group_id,
            partner.tier,
            rules::day_of(tx.now_text()),
        )?;
        let c = new_commission(
            tx,
            CommissionKind::Commission,
            partner.id,
            id,
            value,
            a.rate_bp,
            a.amount(value),
            a.trace,
        );
        debug_assert!(due.is_none());
        due = Some(write::commission_created(tx, &c)?);
        outcome.commission = Some(c);
        if let Some(t) = &retainer {
            outcome.retainer = Some(rules::start_retainer(tx, id, partner.id, t)?);
        }
    }
    if let Some(due) = due {
        let (partner, promoted) = due.settle(tx)?;
        outcome.promoted_to = promoted;
        if outcome.commission.is_some() {
            outcome.milestone = rules::milestone_after_win(tx, &partner)?;
        }
    }
    outcome.lead = lead;
    Ok(outcome)
}

/// A new pending commission of a deal of `value` (cents) at `rate` (basis
/// points), created now: a win's ([`CommissionKind::Commission`]) or the
/// clawback of a paid one (`amount` negative), with the rule behind it.
#[allow(clippy::too_many_arguments)]
fn new_commission(
    tx: &Tx,
    kind: CommissionKind,
    partner_id: PartnerId,
    client_lead_id: LeadId,
    value: i64,
    rate: i64,
    amount: i64,
    rule: RuleTrace,
) -> Commission {
    let now = tx.now_text().to_owned();
    Commission {
        id: CommissionId::new_at(tx.now()),
        partner_id,
        client_lead_id: Some(client_lead_id),
        kind,
        commission_amount: amount,
        commission_rate: rate,
        project_value: value,
        status: CommissionStatus::Pending,
        payout_id: None,
        paid_at: None,
        created_at: now.clone(),
        updated_at: now,
        rule,
        reason: None,
        accrual_month: None,
    }
}

/// Reopening a won deal: cancel its unpaid commission, or claw back a paid
/// one. The partner's totals are then due.
fn undo_win(tx: &Tx, lead: &Lead, outcome: &mut MoveOutcome) -> Result<Option<TotalsDue>> {
    let all = repo::commissions::for_lead(tx, lead.id)?;
    let standing: i64 = all
        .iter()
        .filter(|c| c.status != CommissionStatus::Cancelled && c.is_deal())
        .map(|c| if c.kind == CommissionKind::Clawback { -1 } else { 1 })
        .sum();
    if standing <= 0 {
        return Ok(None);
    }
    let Some(c) = all
        .iter()
        .rev()
        .find(|c| c.kind == CommissionKind::Commission && c.status != CommissionStatus::Cancelled)
    else {
        return Ok(None);
    };
    if c.status == CommissionStatus::Paid {
        let claw = new_commission(
            tx,
            CommissionKind::Clawback,
            c.partner_id,
            lead.id,
            c.project_value,
            c.commission_rate,
            -c.commission_amount,
            c.rule,
        );
        let due = write::commission_created(tx, &claw)?;
        outcome.clawback = Some(claw);
        Ok(Some(due))
    } else {
        let (after, due) = write::commission_cancelled(tx, c)?;
        outcome.cancelled = Some(after);
        Ok(Some(due))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LeadStatus::*;

    #[test]
    fn pipeline_rule() {
        assert_eq!(check_move(Prospect, Qualified).unwrap(), MoveKind::Advance);
        assert_eq!(check_move(Prospect, Negotiating).unwrap(), MoveKind::Advance);
        assert_eq!(check_move(Qualified, ClosedWon).unwrap(), MoveKind::Close);
        assert_eq!(check_move(Negotiating, ClosedLost).unwrap(), MoveKind::Close);
        assert_eq!(check_move(ClosedWon, Negotiating).unwrap(), MoveKind::Reopen);
        assert_eq!(check_move(ClosedLost, ClosedWon).unwrap(), MoveKind::Reopen);
        assert!(check_move(Negotiating, Qualified).is_err());
        assert!(check_move(Prospect, Prospect).is_err());
        assert!(check_move(ClosedWon, ClosedWon).is_err());
    }
}
