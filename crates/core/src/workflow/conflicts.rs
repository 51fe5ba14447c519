//! Attribution conflicts. A new lead whose client (the e-mail, or the
//! business name compared with Unicode case folding: "CAFÉ" is "café")
//! already belongs to another partner's open or won lead made within the
//! protection window (`attribution.window_days`, 90 by default) is held as a
//! conflict: it cannot be won (so it earns nothing) until the manager keeps
//! the client with the first partner (the new lead is closed as lost) or
//! gives it to the new one (the lead goes on as any other). The suggestion
//! is the setting `attribution.default`: first touch, or last touch.

use super::{leads, settings, write};
use crate::error::{Error, Result};
use crate::model::{ConflictView, Keep, Lead, LeadConflict, LeadId, LeadStatus};
use crate::store::{repo, Conn, Tx};
use chrono::Duration;

/// A name as compared for attribution: trimmed, inner spaces collapsed, and
/// case-folded (Unicode lower case, with the full folding's ß → ss and final
/// σ), so "CAFÉ  Straße" and "café strasse" are the same client.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            match c {
                'ß' | 'ẞ' => out.push_str("ss"),
                'ς' => out.push('σ'),
                _ => out.extend(c.to_lowercase()),
            }
        }
    }
    out
}

/// After a new lead is written: hold it as a conflict when another
/// partner's lead within the window has its client, audited.
pub fn check_new(tx: &Tx, lead: &Lead) -> Result<Option<LeadConflict>> {
    let window = settings::load(tx)?.payouts.attribution_window_days;
    if window <= 0 {
        return Ok(None);
    }
    let since = crate::clock::fmt_time(tx.now() - Duration::days(window));
    let mut found =
        repo::payouts::claim_by_email(tx, &lead.client_email, lead.partner_id, &since)?.map(|id| (id, "email"));
    if found.is_none() {
        if let Some(name) = lead.business_name.as_deref().map(fold).filter(|n| !n.is_empty()) {
            found = repo::payouts::business_names_since(tx, lead.partner_id, &since)?
                .into_iter()
                .find(|(_, b)| fold(b) == name)
                .map(|(id, _)| (id, "business_name"));
        }
    }
    let Some((first, matched_on)) = found else {
        return Ok(None);
    };
    let now = tx.now_text().to_owned();
    let c = LeadConflict {
        lead_id: lead.id,
        first_lead_id: first,
        matched_on: matched_on.into(),
        created_at: now.clone(),
        resolved_at: None,
        kept: None,
        reason: None,
        updated_at: now,
    };
    write::conflict_opened(tx, &c)?;
    Ok(Some(c))
}

/// The open conflict of a lead, if any.
pub fn open_of(conn: &Conn, lead: LeadId) -> Result<Option<LeadConflict>> {
    Ok(repo::payouts::conflict(conn, lead)?.filter(|c| c.resolved_at.is_none()))
}

/// The conflicts queue (open ones; every one when `all`), oldest first.
pub fn list(conn: &Conn, all: bool, limit: i64) -> Result<Vec<ConflictView>> {
    let suggested = settings::load(conn)?.payouts.attribution_default;
    repo::payouts::conflicts(conn, all, limit.clamp(1, 10_000))?
        .into_iter()
        .map(|c| view(conn, c, suggested))
        .collect()
}

fn view(conn: &Conn, c: LeadConflict, suggested: Keep) -> Result<ConflictView> {
    let new = repo::leads::get(conn, c.lead_id)?;
    let first = repo::leads::get(conn, c.first_lead_id)?;
    let np = repo::partners::get(conn, new.partner_id)?;
    let fp = repo::partners::get(conn, first.partner_id)?;
    Ok(ConflictView {
        client_name: new.client_name,
        business_name: new.business_name,
        new_partner_id: np.id,
        new_partner_name: np.name,
        first_partner_id: fp.id,
        first_partner_name: fp.name,
        first_status: first.status,
        suggested,
        conflict: c,
    })
}

/// Decide a conflict: keep the client with the first partner (the new lead
/// is closed as lost) or give it to the new one; `keep` None takes the
/// setting's default. The decision and its reason are audited.
pub fn resolve(tx: &Tx, lead: LeadId, keep: Option<Keep>, reason: &str) -> Result<ConflictView> {
    let reason = super::validate::required("reason", reason, super::validate::MAX_TEXT)?;
    let before = repo::payouts::conflict(tx, lead)?.ok_or_else(|| Error::not_found("conflict", lead.to_string()))?;
    if before.resolved_at.is_some() {
        return Err(Error::InvalidTransition {
            entity: "conflict",
            from: "resolved".into(),
            to: "resolved".into(),
            detail: Some("the conflict was decided already".into()),
        });
    }
    let suggested = settings::load(tx)?.payouts.attribution_default;
    let keep = keep.unwrap_or(suggested);
    if keep == Keep::First {
        let l = repo::leads::get(tx, lead)?;
        if !l.status.is_closed() {
            leads::move_to(tx, lead, LeadStatus::ClosedLost, None)?;
        }
    }
    let after = write::conflict_resolved(tx, &before, keep, &reason)?;
    view(tx, after, suggested)
}
