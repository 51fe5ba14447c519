//! Commissions: pending -> approved -> paid (paid_at set), or pending |
//! approved -> cancelled. Payouts pay every approved commission of the chosen
//! partners in one batch.

use super::{settings, write};
use crate::error::{Error, Result};
use crate::model::{
    Commission, CommissionId, CommissionKind, CommissionStatus, PartnerId, Payout, PayoutId, PayoutLine,
};
use crate::money::format_amount;
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

/// Pay every approved commission of the given partners in one batch.
pub fn payout(tx: &Tx, partner_ids: &[PartnerId]) -> Result<Payout> {
    if partner_ids.is_empty() {
        return Err(Error::validation("partner", "choose at least one partner"));
    }
    let currency = settings::load(tx)?.currency;
    let id = PayoutId::new_at(tx.now());
    let mut lines = Vec::new();
    let mut paid = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for &pid in partner_ids {
        if !seen.insert(pid) {
            continue;
        }
        let partner = repo::partners::get(tx, pid)?;
        let approved = repo::commissions::approved_of_partner(tx, pid)?;
        if approved.is_empty() {
            continue;
        }
        let amount: i64 = approved.iter().map(|c| c.commission_amount).sum();
        if amount < 0 {
            return Err(Error::Conflict(format!(
                "partner {} owes {} in clawbacks: their approved commissions add up to less than zero",
                partner.name,
                format_amount(-amount)
            )));
        }
        lines.push(PayoutLine {
            partner_id: pid,
            partner_name: partner.name,
            partner_email: partner.email,
            amount,
            commission_count: approved.len() as i64,
        });
        paid.extend(approved);
    }
    if paid.is_empty() {
        return Err(Error::Conflict(
            "the chosen partners have no approved commissions to pay".into(),
        ));
    }
    let total: i64 = lines.iter().map(|l| l.amount).sum();
    let payout = Payout {
        id,
        total_amount: total,
        commission_count: paid.len() as i64,
        currency,
        created_at: tx.now_text().to_owned(),
        lines,
    };
    write::payout_made(tx, &payout, &paid)?;
    super::automation::events::payout_sent(tx, &payout)?;
    Ok(payout)
}
