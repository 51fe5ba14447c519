//! Commissions: pending -> approved -> paid (paid_at set), or pending |
//! approved -> cancelled. Payouts pay every approved commission of the chosen
//! partners in one batch.

use super::write;
use crate::error::{Error, Result};
use crate::model::{Commission, CommissionId, CommissionKind, CommissionStatus, PartnerId, Payout};
use crate::store::{repo, Tx};

pub fn can_move(from: CommissionStatus, to: CommissionStatus) -> bool {
    use CommissionStatus::*;
    matches!(
        (from, to),
        (Pending, Approved) | (Pending, Cancelled) | (Approved, Cancelled) | (Approved, Paid)
    )
}

fn refuse(c: &Commission, to: CommissionStatus, detail: Option<&str>) -> Error {
    Error::InvalidTransition {
        entity: "commission",
        from: c.status.to_string(),
        to: to.to_string(),
        detail: detail.map(str::to_owned),
    }
}

/// Approve pending commissions, all or none.
pub fn approve(tx: &Tx, ids: &[CommissionId]) -> Result<Vec<Commission>> {
    if ids.is_empty() {
        return Err(Error::validation("id", "name at least one commission"));
    }
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let before = repo::commissions::get(tx, id)?;
        if !can_move(before.status, CommissionStatus::Approved) {
            return Err(refuse(&before, CommissionStatus::Approved, None));
        }
        out.push(write::commission_approved(tx, &before)?);
    }
    Ok(out)
}

/// Cancel a pending or approved commission; the partner's totals follow.
pub fn cancel(tx: &Tx, id: CommissionId) -> Result<Commission> {
    let before = repo::commissions::get(tx, id)?;
    if before.kind == CommissionKind::Clawback {
        // Waiving a clawback would leave a reopened deal counted as won.
        return Err(refuse(
            &before,
            CommissionStatus::Cancelled,
            Some("a clawback is not cancelled; it is settled against the partner's next payout"),
        ));
    }
    if !can_move(before.status, CommissionStatus::Cancelled) {
        let why = (before.status == CommissionStatus::Paid)
            .then_some("a paid commission stays paid; reopen the deal to claw it back");
        return Err(refuse(&before, CommissionStatus::Cancelled, why));
    }
    let (after, due) = write::commission_cancelled(tx, &before)?;
    due.settle(tx)?;
    Ok(after)
}

/// Pay every approved commission of the given partners in one batch: a
/// payout run over them ([`super::payouts::run`]: the partners below their
/// minimum or with a negative balance are skipped); a conflict when nobody
/// is paid.
pub fn payout(tx: &Tx, partner_ids: &[PartnerId]) -> Result<Payout> {
    if partner_ids.is_empty() {
        return Err(Error::validation("partner", "choose at least one partner"));
    }
    let (plan, payout) = super::payouts::run_with_payout(tx, partner_ids)?;
    super::payouts::payout_of_run(&plan, payout)
}
