//! Partners: status and tier by hand; totals always recomputed from the
//! commissions; automatic promotion when a deal closes (never demotion).

use super::{settings, validate};
use crate::error::{Error, Result};
use crate::model::{opt_text, text, Changes, Entity, FieldChange, Partner, PartnerId, PartnerStatus, Tier};
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

/// What an edit of a partner sets; `None` keeps a field as it is (`Some(None)`
/// empties an optional one).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartnerEdit {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<Option<String>>,
    pub company: Option<Option<String>>,
    pub status: Option<PartnerStatus>,
    pub tier: Option<Tier>,
}

/// Edit a partner: the contact fields checked as a hand entry (an e-mail of
/// another partner is a conflict), audited as `update`; a new status or tier
/// through [`set_status`] and [`set_tier`], with their rules and audit rows.
/// Returns the partner and what changed (nothing written when nothing did).
pub fn edit(tx: &Tx, id: PartnerId, e: &PartnerEdit) -> Result<(Partner, Vec<FieldChange>)> {
    let before = repo::partners::get(tx, id)?;
    let mut after = before.clone();
    if let Some(n) = &e.name {
        after.name = validate::required("name", n, validate::MAX_NAME)?;
    }
    if let Some(m) = &e.email {
        after.email = validate::email("email", m)?;
    }
    if let Some(p) = &e.phone {
        after.phone = validate::phone("phone", p.as_deref())?;
    }
    if let Some(c) = &e.company {
        after.company = validate::optional("company", c.as_deref(), validate::MAX_NAME)?;
    }
    let mut c = Changes::default();
    c.note("name", &before.name, &after.name, text);
    c.note("email", &before.email, &after.email, text);
    c.note("phone", &before.phone, &after.phone, opt_text);
    c.note("company", &before.company, &after.company, opt_text);
    if after.email != before.email {
        if let Some(other) = repo::partners::find_by_email(tx, &after.email)? {
            return Err(Error::validation(
                "email",
                format!(
                    "{} is already the e-mail of partner {} ({})",
                    after.email, other.name, other.id
                ),
            ));
        }
    }
    if !c.0.is_empty() {
        repo::partners::update_contact(tx, &after, tx.now_text())?;
        let now = repo::partners::get(tx, id)?;
        repo::audit::record(
            tx,
            Entity::Partner,
            &id.to_string(),
            "update",
            Some(&before),
            Some(&now),
        )?;
    }
    if let Some(status) = e.status.filter(|s| *s != before.status) {
        c.note("status", &before.status, &status, |s| Some(s.to_string()));
        set_status(tx, id, status)?;
    }
    if let Some(tier) = e.tier.filter(|t| *t != before.tier) {
        c.note("tier", &before.tier, &tier, |t| Some(t.to_string()));
        set_tier(tx, id, tier)?;
    }
    Ok((repo::partners::get(tx, id)?, c.0))
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
