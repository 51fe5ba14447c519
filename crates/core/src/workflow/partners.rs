//! Partners: status and tier by hand; totals always recomputed from the
//! commissions; automatic promotion when a deal closes (never demotion).

use super::settings::Settings;
use super::{validate, write};
use crate::error::{Error, Result};
use crate::model::{opt_text, text, Changes, FieldChange, Partner, PartnerId, PartnerStatus, Tier};
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
    let after = Partner {
        status,
        ..before.clone()
    };
    write::partner_changed(tx, &before, &after, "status")
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
    let after = Partner { tier, ..before.clone() };
    write::partner_changed(tx, &before, &after, "tier")
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
        write::partner_changed(tx, &before, &after, "update")?;
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

/// The tier a partner is promoted to after a win, from their standing
/// deals and won revenue: the tier the thresholds give when it is above
/// `current` (a win never demotes). The totals themselves follow every
/// commission write ([`write::TotalsDue`]).
pub fn promotion(s: &Settings, current: Tier, deals: i64, revenue: i64) -> Option<Tier> {
    let target = s.tier_for(deals, revenue);
    (target > current).then_some(target)
}
