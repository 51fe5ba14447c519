//! Partners: status and tier by hand; totals always recomputed from the
//! commissions; automatic promotion when a deal closes (never demotion).

use super::settings;
use crate::error::{Error, Result};
use crate::model::{Entity, Partner, PartnerId, PartnerStatus, Tier};
use crate::store::{repo, Tx};

pub fn set_status(tx: &Tx, id: PartnerId, status: PartnerStatus) -> Result<Partner> {
    let before = repo::partners::get(tx, id)?;
    if before.status == status {
        return Err(Error::InvalidTransition {
            entity: "partner",
            from: before.status.to_string(),
            to: status.to_string(),
            detail: Some("the partner already has this status".into()),
        });
    }
    repo::partners::set_status(tx, id, status, tx.now_text())?;
    let after = repo::partners::get(tx, id)?;
    repo::audit::record(
        tx,
        Entity::Partner,
        &id.to_string(),
        "status",
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Set the tier by hand (the only way to demote).
pub fn set_tier(tx: &Tx, id: PartnerId, tier: Tier) -> Result<Partner> {
    let before = repo::partners::get(tx, id)?;
    if before.tier == tier {
        return Err(Error::InvalidTransition {
            entity: "partner",
            from: before.tier.to_string(),
            to: tier.to_string(),
            detail: Some("the partner is already in this tier".into()),
        });
    }
    repo::partners::set_tier(tx, id, tier, tx.now_text())?;
    crate::analytics::rollup::on_tier_change(tx, id, before.tier, tier)?;
    let after = repo::partners::get(tx, id)?;
    repo::audit::record(
        tx,
        Entity::Partner,
        &id.to_string(),
        "tier",
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Recompute the partner's totals from the commissions and, when `promote`,
/// raise the tier to what the thresholds give. Audits any change. Returns
/// the partner and the new tier when it was promoted.
pub fn refresh_totals(tx: &Tx, id: PartnerId, promote: bool) -> Result<(Partner, Option<Tier>)> {
    let before = repo::partners::get(tx, id)?;
    let (deals, earnings, revenue) = repo::partners::totals_from_commissions(tx, id)?;
    let mut promoted = None;
    if promote {
        let s = settings::load(tx)?;
        let target = s.tier_for(deals, revenue);
        if target > before.tier {
            repo::partners::set_tier(tx, id, target, tx.now_text())?;
            crate::analytics::rollup::on_tier_change(tx, id, before.tier, target)?;
            promoted = Some(target);
        }
    }
    if deals == before.total_deals && earnings == before.total_earnings && promoted.is_none() {
        return Ok((before, None));
    }
    repo::partners::set_totals(tx, id, deals, earnings, tx.now_text())?;
    let after = repo::partners::get(tx, id)?;
    let action = if promoted.is_some() { "promote" } else { "totals" };
    repo::audit::record(
        tx,
        Entity::Partner,
        &id.to_string(),
        action,
        Some(&before),
        Some(&after),
    )?;
    Ok((after, promoted))
}
