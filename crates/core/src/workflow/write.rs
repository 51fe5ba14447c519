//! The one write path of each record: every change the rules decide goes
//! through a function here, which writes the row and its side effects in
//! the caller's transaction, in this order: the row (and a lead's status
//! history), the analytics roll-ups ([`crate::analytics::rollup`]), and the
//! audit row. A commission write also changes its partner's totals: it
//! returns a [`TotalsDue`] that the caller settles once the rest of its
//! operation is written (it cannot be dropped unnoticed).
//!
//! The rules (validation, state machines, amounts) stay in the other
//! `workflow` modules, which call these and write nothing themselves. The
//! bulk paths (demo data, the lead import) keep their own set-based writes
//! and settle the roll-ups and audit in bulk; their single records come
//! through here too.

use super::{privacy, settings};
use crate::error::Result;
use crate::model::{
    AppPlan, Application, Commission, CommissionKind, CommissionStatus, Entity, Group, GroupPayout, Keep, Lead,
    LeadConflict, LeadMove, LeadStatus, Partner, PartnerId, PartnerTax, Payout, PayoutPlan, Retainer, RuleVersion,
    Tier,
};
use crate::store::{repo, Tx};

/// The `create` audit row of a new record.
fn audit_created<T: serde::Serialize>(tx: &Tx, entity: Entity, id: impl std::fmt::Display, record: &T) -> Result<()> {
    repo::audit::record(tx, entity, &id.to_string(), "create", None::<&()>, Some(record))
}

/// The audit row of a change: the record `before` and as stored `after`.
fn audit_changed<T: serde::Serialize>(
    tx: &Tx,
    entity: Entity,
    id: impl std::fmt::Display,
    action: &str,
    before: &T,
    after: &T,
) -> Result<()> {
    repo::audit::record(tx, entity, &id.to_string(), action, Some(before), Some(after))
}

// ---- Applications ----

/// A new application: the row and its `create` audit row.
pub fn application_created(tx: &Tx, app: &Application) -> Result<()> {
    repo::applications::insert(tx, app)?;
    audit_created(tx, Entity::Application, app.id, app)
}

/// An application changed from `before` to `after` (the applicant's
/// fields, the status, or both), audited as `action`. Returns the row as
/// stored.
pub fn application_changed(tx: &Tx, before: &Application, after: &Application, action: &str) -> Result<Application> {
    debug_assert_eq!(before.id, after.id);
    let now = tx.now_text();
    if details(before) != details(after) {
        repo::applications::update_details(tx, after, now)?;
    }
    if before.status != after.status {
        repo::applications::set_status(tx, after.id, after.status, now)?;
    }
    let stored = repo::applications::get(tx, after.id)?;
    audit_changed(tx, Entity::Application, after.id, action, before, &stored)?;
    Ok(stored)
}

/// The applicant's fields of an application (all but its id, status and dates).
fn details(a: &Application) -> impl PartialEq + '_ {
    let Application {
        id: _,
        status: _,
        created_at: _,
        updated_at: _,
        name,
        email,
        phone,
        company,
        network_description,
        expected_referrals,
        experience_level,
    } = a;
    (
        name,
        email,
        phone,
        company,
        network_description,
        expected_referrals,
        experience_level,
    )
}

// ---- Partners ----

/// A new partner (an approval, or a row of an import): the row, the
/// cohort and tier roll-ups, and the `create` audit row.
pub fn partner_created(tx: &Tx, partner: &Partner) -> Result<()> {
    repo::partners::insert(tx, partner)?;
    crate::analytics::rollup::on_partner_created(tx, partner)?;
    audit_created(tx, Entity::Partner, partner.id, partner)
}

/// A partner changed from `before` to `after`: whichever of the contact
/// fields, status, tier and totals differ are written (a new tier moves the
/// partner in the tier roll-up), audited as `action`. Returns the row as
/// stored.
pub fn partner_changed(tx: &Tx, before: &Partner, after: &Partner, action: &str) -> Result<Partner> {
    debug_assert_eq!(before.id, after.id);
    let id = after.id;
    let now = tx.now_text();
    if (&before.name, &before.email, &before.phone, &before.company)
        != (&after.name, &after.email, &after.phone, &after.company)
    {
        repo::partners::update_contact(tx, after, now)?;
    }
    if before.status != after.status {
        repo::partners::set_status(tx, id, after.status, now)?;
    }
    if before.tier != after.tier {
        repo::partners::set_tier(tx, id, after.tier, now)?;
        crate::analytics::rollup::on_tier_change(tx, id, before.tier, after.tier)?;
    }
    if before.group_id != after.group_id {
        repo::rules::set_partner_group(tx, id, after.group_id, now)?;
    }
    if (before.total_deals, before.total_earnings) != (after.total_deals, after.total_earnings) {
        repo::partners::set_totals(tx, id, after.total_deals, after.total_earnings, now)?;
    }
    let stored = repo::partners::get(tx, id)?;
    audit_changed(tx, Entity::Partner, id, action, before, &stored)?;
    Ok(stored)
}

/// A partner whose totals a commission write changed. Settle it with
/// [`TotalsDue::settle`] once the operation's other rows are written.
#[derive(Debug)]
#[must_use = "a commission write changes its partner's totals: settle them"]
pub struct TotalsDue {
    partner: PartnerId,
    /// A win: the partner may be promoted.
    promote: bool,
}

impl TotalsDue {
    /// The partner whose totals are due.
    pub fn partner(&self) -> PartnerId {
        self.partner
    }

    /// Recompute the partner's totals from the commissions and, after a win,
    /// promote them to the tier the thresholds give ([`partners::promotion`]);
    /// audited as `totals` or `promote` when anything changed. Returns the
    /// partner and the new tier when it was promoted.
    pub fn settle(self, tx: &Tx) -> Result<(Partner, Option<Tier>)> {
        let before = repo::partners::get(tx, self.partner)?;
        let (deals, earnings, revenue) = repo::partners::totals_from_commissions(tx, self.partner)?;
        let promoted = if self.promote {
            super::rules::promotion(tx, &before, deals, revenue)?
        } else {
            None
        };
        if deals == before.total_deals && earnings == before.total_earnings && promoted.is_none() {
            return Ok((before, None));
        }
        let after = Partner {
            total_deals: deals,
            total_earnings: earnings,
            tier: promoted.unwrap_or(before.tier),
            ..before.clone()
        };
        let action = if promoted.is_some() { "promote" } else { "totals" };
        let stored = partner_changed(tx, &before, &after, action)?;
        if promoted.is_some() {
            super::automation::events::promoted(tx, &stored, before.tier)?;
        }
        Ok((stored, promoted))
    }
}

// ---- Leads ----

/// A new lead (a prospect): the row, its first status-history row, the
/// pipeline and cohort roll-ups, and the `create` audit row.
pub fn lead_created(tx: &Tx, lead: &Lead) -> Result<()> {
    debug_assert_eq!(lead.status, LeadStatus::Prospect);
    repo::leads::insert(tx, lead)?;
    crate::analytics::rollup::on_lead_added(tx, lead)?;
    repo::leads::insert_move(
        tx,
        &LeadMove {
            lead_id: lead.id,
            from_status: None,
            to_status: LeadStatus::Prospect,
            at: lead.created_at.clone(),
            reopen: false,
        },
    )?;
    audit_created(tx, Entity::Lead, lead.id, lead)
}

/// A lead's client fields or estimated value changed from `before` to
/// `after` (the stage roll-up follows a new value), audited as `update`.
/// Returns the row as stored.
pub fn lead_edited(tx: &Tx, before: &Lead, after: &Lead) -> Result<Lead> {
    debug_assert_eq!(before.id, after.id);
    repo::leads::update_details(tx, after, tx.now_text())?;
    if after.estimated_value != before.estimated_value {
        crate::analytics::rollup::on_lead_value(tx, before, after.estimated_value)?;
    }
    let stored = repo::leads::get(tx, after.id)?;
    audit_changed(tx, Entity::Lead, after.id, "update", before, &stored)?;
    Ok(stored)
}

/// A lead moved from `before.status` to `to` (`reopen`: out of a closed
/// state): the pipeline roll-ups, the status (closed_at set when `to` is
/// closed), the history row, and the audit row (`move` or `reopen`).
/// Returns the row as stored.
pub fn lead_moved(tx: &Tx, before: &Lead, to: LeadStatus, reopen: bool) -> Result<Lead> {
    let now = tx.now_text();
    // Before the history row: the roll-up reads the stages visited from there.
    crate::analytics::rollup::on_lead_move(tx, before, to)?;
    repo::leads::set_status(tx, before.id, to, to.is_closed().then_some(now), now)?;
    repo::leads::insert_move(
        tx,
        &LeadMove {
            lead_id: before.id,
            from_status: Some(before.status),
            to_status: to,
            at: now.to_owned(),
            reopen,
        },
    )?;
    let stored = repo::leads::get(tx, before.id)?;
    let action = if reopen { "reopen" } else { "move" };
    audit_changed(tx, Entity::Lead, before.id, action, before, &stored)?;
    Ok(stored)
}

// ---- Commissions and payouts ----

/// A new standing commission (a win's, audited as `create`) or clawback
/// (audited as `clawback`): the row, the cohort, partner-month and tier
/// roll-ups, and the audit row. The partner's totals are due.
pub fn commission_created(tx: &Tx, c: &Commission) -> Result<TotalsDue> {
    repo::commissions::insert(tx, c)?;
    crate::analytics::rollup::on_commission(tx, c, 1)?;
    let action = match c.kind {
        CommissionKind::Commission | CommissionKind::Accrual => "create",
        CommissionKind::Clawback => "clawback",
        CommissionKind::Bonus => "bonus",
    };
    repo::audit::record(tx, Entity::Commission, &c.id.to_string(), action, None::<&()>, Some(c))?;
    super::automation::events::commission_earned(tx, c)?;
    Ok(TotalsDue {
        partner: c.partner_id,
        promote: c.kind == CommissionKind::Commission,
    })
}

/// A pending commission re-rated by a rule version of scope `pending`: its
/// amount, rate and rule, the roll-ups following the new amount, audited as
/// `rerate`. Returns the row as stored; the partner's totals are due.
pub fn commission_rerated(tx: &Tx, before: &Commission, after: &Commission) -> Result<(Commission, TotalsDue)> {
    debug_assert_eq!(before.status, CommissionStatus::Pending);
    crate::analytics::rollup::on_commission(tx, before, -1)?;
    repo::commissions::rerate(tx, after, tx.now_text())?;
    let stored = repo::commissions::get(tx, after.id)?;
    crate::analytics::rollup::on_commission(tx, &stored, 1)?;
    audit_changed(tx, Entity::Commission, after.id, "rerate", before, &stored)?;
    let due = TotalsDue {
        partner: stored.partner_id,
        promote: false,
    };
    Ok((stored, due))
}

/// A pending commission approved, audited as `approve`. Returns the row as
/// stored (approval changes no totals or roll-ups).
pub fn commission_approved(tx: &Tx, before: &Commission) -> Result<Commission> {
    repo::commissions::set_status(tx, before.id, CommissionStatus::Approved, tx.now_text())?;
    let after = repo::commissions::get(tx, before.id)?;
    audit_changed(tx, Entity::Commission, before.id, "approve", before, &after)?;
    Ok(after)
}

/// A standing commission cancelled: the status, the roll-ups it leaves, and
/// the `cancel` audit row. Returns the row as stored; the partner's totals
/// are due.
pub fn commission_cancelled(tx: &Tx, before: &Commission) -> Result<(Commission, TotalsDue)> {
    repo::commissions::set_status(tx, before.id, CommissionStatus::Cancelled, tx.now_text())?;
    let after = repo::commissions::get(tx, before.id)?;
    crate::analytics::rollup::on_commission(tx, &after, -1)?;
    audit_changed(tx, Entity::Commission, before.id, "cancel", before, &after)?;
    let due = TotalsDue {
        partner: after.partner_id,
        promote: false,
    };
    Ok((after, due))
}

/// A payout batch: its row, every commission of `paid` marked paid by it
/// (each audited as `pay`), and the payout's `create` audit row (the payout,
/// and its run's entries under `run` when given). Paying changes no totals
/// or roll-ups.
pub fn payout_made(tx: &Tx, payout: &Payout, paid: &[Commission], run: Option<&serde_json::Value>) -> Result<()> {
    repo::commissions::insert_payout(
        tx,
        payout.id,
        payout.total_amount,
        payout.commission_count,
        &payout.currency,
        &payout.created_at,
    )?;
    for c in paid {
        repo::commissions::mark_paid(tx, c.id, payout.id, tx.now_text())?;
        let after = repo::commissions::get(tx, c.id)?;
        audit_changed(tx, Entity::Commission, c.id, "pay", c, &after)?;
    }
    let mut image =
        serde_json::to_value(payout).map_err(|e| crate::error::Error::validation("payout", e.to_string()))?;
    if let (Some(run), Some(map)) = (run, image.as_object_mut()) {
        map.insert("run".into(), run.clone());
    }
    audit_created(tx, Entity::Payout, payout.id, &image)
}

// ---- App plans ----

/// A new plan: the row and its `create` audit row.
pub fn plan_created(tx: &Tx, plan: &AppPlan) -> Result<()> {
    repo::plans::insert(tx, plan)?;
    audit_created(tx, Entity::Plan, plan.id, plan)
}

/// A plan changed from `before` to `after` (updated now), audited as
/// `action`. Returns the plan as written.
pub fn plan_changed(tx: &Tx, before: &AppPlan, after: AppPlan, action: &str) -> Result<AppPlan> {
    debug_assert_eq!(before.id, after.id);
    let after = AppPlan {
        updated_at: tx.now_text().to_owned(),
        ..after
    };
    repo::plans::update(tx, &after)?;
    audit_changed(tx, Entity::Plan, after.id, action, before, &after)?;
    Ok(after)
}

// ---- Settings ----

/// One setting stored as `stored` (its stored form), the settings going
/// from `before` to `after`, audited as `set`.
pub fn setting_set(
    tx: &Tx,
    key: &str,
    stored: &str,
    before: &settings::Settings,
    after: &settings::Settings,
) -> Result<()> {
    repo::settings::put(tx, key, stored, tx.now_text())?;
    repo::audit::record(tx, Entity::Setting, key, "set", Some(before), Some(after))
}

// ---- Erasures ----

/// Erasures (`privacy`): for each, every record it touches written with the
/// pseudonym, the personal fields of those records' audit images rewritten;
/// then the audit chain linked again from the first rewritten row, the
/// search indexes dropped (they hold the old words; the next search builds
/// them), and one `erase` audit row per erasure naming the reason, the
/// records and the head the chain had (`head_seq`, `head_hash`), without the
/// erased values. Freed space is zeroed while this runs (`secure_delete`).
pub fn subjects_erased(
    tx: &Tx,
    plans: &[privacy::ErasurePlan],
    head_seq: Option<i64>,
    head_hash: Option<&str>,
) -> Result<Vec<privacy::Erasure>> {
    tx.execute_batch("PRAGMA secure_delete = ON")?;
    let result = (|| {
        let mut first_rewritten: Option<i64> = None;
        let mut counts = Vec::with_capacity(plans.len());
        for p in plans {
            let mut rewritten = 0i64;
            for t in &p.touches {
                match t {
                    privacy::Touch::Partner { id, name, email } => repo::erase::partner(tx, id, name, email)?,
                    privacy::Touch::Application { id, name, email } => repo::erase::application(tx, id, name, email)?,
                    privacy::Touch::Lead { id, name, email } => repo::erase::lead(tx, id, name, email)?,
                    privacy::Touch::Plan { id, business_name } => repo::erase::plan(tx, id, business_name.as_deref())?,
                    // The payout's row holds no name; its audit images do.
                    privacy::Touch::Payout { .. } => {}
                    privacy::Touch::Message { id, recipient } => repo::erase::message(
                        tx,
                        id,
                        privacy::ERASED_TEXT,
                        recipient.as_ref().map(|(n, e)| (n.as_str(), e.as_str())),
                    )?,
                    privacy::Touch::Task { id, title } => repo::erase::task(tx, id, title)?,
                }
                for (seq, before, after) in repo::erase::audit_images(tx, t.entity().as_str(), t.id())? {
                    let scrubbed = |img: &Option<String>| -> (Option<String>, bool) {
                        match img.as_deref().map(serde_json::from_str::<serde_json::Value>) {
                            Some(Ok(mut v)) => {
                                let changed = t.scrub(&mut v);
                                (Some(v.to_string()), changed)
                            }
                            _ => (img.clone(), false),
                        }
                    };
                    let ((b, cb), (a, ca)) = (scrubbed(&before), scrubbed(&after));
                    if cb || ca {
                        repo::erase::set_audit_images(tx, seq, b.as_deref(), a.as_deref())?;
                        rewritten += 1;
                        first_rewritten = Some(first_rewritten.map_or(seq, |f| f.min(seq)));
                    }
                }
            }
            counts.push(rewritten);
        }
        if let Some(from) = first_rewritten {
            repo::audit_chain::rechain_from(tx, from)?;
        }
        crate::store::search::drop(tx)?;
        let mut out = Vec::with_capacity(plans.len());
        for (p, rewritten) in plans.iter().zip(counts) {
            let records: Vec<String> = p.touches.iter().map(|t| format!("{}:{}", t.entity(), t.id())).collect();
            let pseudonym = p
                .touches
                .iter()
                .find_map(|t| match t {
                    privacy::Touch::Partner { id, name, .. }
                    | privacy::Touch::Application { id, name, .. }
                    | privacy::Touch::Lead { id, name, .. }
                        if *id == p.id =>
                    {
                        Some(name.clone())
                    }
                    _ => None,
                })
                .unwrap_or_default();
            let done = privacy::Erasure {
                kind: p.kind,
                id: p.id.clone(),
                pseudonym,
                records,
                audit_rows_rewritten: rewritten,
                rechained_from: first_rewritten,
            };
            let row = serde_json::json!({
                "reason": p.reason,
                "records": done.records,
                "audit_rows_rewritten": rewritten,
                "rechained_from": first_rewritten,
                "previous_head": {"seq": head_seq, "hash": head_hash},
            });
            repo::audit::record(tx, p.kind.entity(), &p.id, "erase", None::<&()>, Some(&row))?;
            out.push(done);
        }
        Ok(out)
    })();
    tx.execute_batch("PRAGMA secure_delete = OFF")?;
    result
}

// ---- Rules (groups, rule versions, retainers) ----
// Groups and rule versions are audited as settings (entity `setting`, id
// the group's id or `rule.v<N>`); a retainer as its lead.

/// A new group: the row and its `group_create` audit row.
pub fn group_created(tx: &Tx, g: &Group) -> Result<()> {
    repo::rules::insert_group(tx, g)?;
    repo::audit::record(
        tx,
        Entity::Setting,
        &g.id.to_string(),
        "group_create",
        None::<&()>,
        Some(g),
    )
}

/// A group's settings changed, audited as `group_update`.
pub fn group_changed(tx: &Tx, before: &Group, after: &Group) -> Result<()> {
    repo::rules::update_group(tx, after)?;
    audit_changed(tx, Entity::Setting, after.id, "group_update", before, after)
}

/// A new rule version: the row and its `rule_version` audit row.
pub fn rule_version_added(tx: &Tx, v: &RuleVersion) -> Result<()> {
    repo::rules::insert_version(tx, v)?;
    repo::audit::record(
        tx,
        Entity::Setting,
        &format!("rule.v{}", v.version),
        "rule_version",
        None::<&()>,
        Some(v),
    )?;
    super::automation::events::rate_changed(tx, v)
}

/// A tier key of the settings set: the new version of the default table
/// when it changed (`v`), and the `set` audit row of the key (the settings
/// before and after).
pub fn setting_tiers_set(
    tx: &Tx,
    key: &str,
    v: Option<&RuleVersion>,
    before: &settings::Settings,
    after: &settings::Settings,
) -> Result<()> {
    if let Some(v) = v {
        repo::rules::insert_version(tx, v)?;
    }
    repo::audit::record(tx, Entity::Setting, key, "set", Some(before), Some(after))?;
    match v {
        Some(v) => super::automation::events::rate_changed(tx, v),
        None => Ok(()),
    }
}

/// A won deal's retainer started, audited on its lead as `retainer_start`.
pub fn retainer_started(tx: &Tx, r: &Retainer) -> Result<()> {
    repo::rules::upsert_retainer(tx, r)?;
    repo::audit::record(
        tx,
        Entity::Lead,
        &r.lead_id.to_string(),
        "retainer_start",
        None::<&()>,
        Some(r),
    )
}

/// A retainer ended at `at`, audited on its lead as `action`
/// (`retainer_end` by hand, now; `retainer_void` by a reopen, at its start).
pub fn retainer_ended(tx: &Tx, r: &Retainer, at: &str, action: &str) -> Result<()> {
    repo::rules::end_retainer(tx, r.lead_id, at, tx.now_text())?;
    let after = repo::rules::retainer(tx, r.lead_id)?;
    audit_changed(tx, Entity::Lead, r.lead_id, action, &Some(r), &after.as_ref())
}

// ---- Payouts (holds, runs, tax data, attribution conflicts) ----

/// A pending commission whose hold has passed, approved by `run-due`,
/// audited as `release`. Returns the row as stored.
pub fn commission_released(tx: &Tx, before: &Commission) -> Result<Commission> {
    repo::commissions::set_status(tx, before.id, CommissionStatus::Approved, tx.now_text())?;
    let after = repo::commissions::get(tx, before.id)?;
    audit_changed(tx, Entity::Commission, before.id, "release", before, &after)?;
    Ok(after)
}

/// A group's payout settings changed, audited (entity `setting`, the group's
/// id) as `group_payout`.
pub fn group_payout_changed(tx: &Tx, before: &GroupPayout, after: &GroupPayout) -> Result<()> {
    repo::payouts::set_group_payout(tx, after, tx.now_text())?;
    audit_changed(tx, Entity::Setting, after.group_id, "group_payout", before, after)
}

/// A partner's tax data changed, audited on the partner as `tax`.
pub fn partner_tax_set(tx: &Tx, before: &PartnerTax, after: &PartnerTax) -> Result<()> {
    repo::payouts::set_tax(tx, after, tx.now_text())?;
    audit_changed(tx, Entity::Partner, after.partner_id, "tax", before, after)
}

/// A payout run: its entries (paid partners with their self-billing
/// numbers, skipped ones with the reason), and the payout when it paid
/// anyone ([`payout_made`], whose `create` audit row holds the run under
/// `run`); when it paid nobody, a `run` audit row (entity `payout`, the
/// run's id). The run is recorded by partner id, without names (an erasure
/// need not find it).
pub fn payout_run_made(
    tx: &Tx,
    paid: Option<(&Payout, &[Commission])>,
    entries: &[repo::payouts::Entry],
    run_id: &str,
    plan: &PayoutPlan,
) -> Result<()> {
    let who = |c: &crate::model::PayoutCandidate| {
        serde_json::json!({
            "partner_id": c.partner_id,
            "balance": c.balance,
            "commission_count": c.commission_count,
            "minimum": c.minimum,
            "brought_forward": c.brought_forward,
            "reason": c.reason,
            "document_number": c.document_number,
        })
    };
    let image = serde_json::json!({
        "run_id": run_id,
        "total": plan.total,
        "currency": plan.currency,
        "paid": plan.paid.iter().map(who).collect::<Vec<_>>(),
        "skipped": plan.skipped.iter().map(who).collect::<Vec<_>>(),
    });
    if let Some((payout, commissions)) = paid {
        payout_made(tx, payout, commissions, Some(&image))?;
    }
    for e in entries {
        repo::payouts::insert_entry(tx, e)?;
    }
    if paid.is_none() {
        repo::audit::record(tx, Entity::Payout, run_id, "run", None::<&()>, Some(&image))?;
    }
    Ok(())
}

/// A new lead held as an attribution conflict, audited on the lead as `conflict`.
pub fn conflict_opened(tx: &Tx, c: &LeadConflict) -> Result<()> {
    repo::payouts::insert_conflict(tx, c)?;
    repo::audit::record(
        tx,
        Entity::Lead,
        &c.lead_id.to_string(),
        "conflict",
        None::<&()>,
        Some(c),
    )
}

/// A conflict decided (which lead keeps the client, and why), audited on the
/// lead as `resolve`. Returns the conflict as stored.
pub fn conflict_resolved(tx: &Tx, before: &LeadConflict, kept: Keep, reason: &str) -> Result<LeadConflict> {
    repo::payouts::resolve_conflict(tx, before.lead_id, kept, reason, tx.now_text())?;
    let after = repo::payouts::conflict(tx, before.lead_id)?
        .ok_or_else(|| crate::error::Error::not_found("conflict", before.lead_id.to_string()))?;
    audit_changed(tx, Entity::Lead, before.lead_id, "resolve", before, &after)?;
    Ok(after)
}
