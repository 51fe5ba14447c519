//! Applications: pending -> under_review -> approved | rejected (pending may
//! also go straight to approved or rejected). Approval creates the partner in
//! the same transaction.

use super::validate;
use crate::error::{Error, Result};
use crate::model::{
    Application, ApplicationId, ApplicationStatus, Entity, NewApplication, Partner, PartnerId, PartnerStatus, Tier,
};
use crate::store::{repo, Tx};
use rusqlite::Connection;

/// Whether an application may move from `from` to `to`.
pub fn can_move(from: ApplicationStatus, to: ApplicationStatus) -> bool {
    use ApplicationStatus::*;
    matches!(
        (from, to),
        (Pending, UnderReview)
            | (Pending, Approved)
            | (Pending, Rejected)
            | (UnderReview, Approved)
            | (UnderReview, Rejected)
    )
}

pub fn add(tx: &Tx, input: &NewApplication) -> Result<Application> {
    let name = validate::required("name", &input.name, validate::MAX_NAME)?;
    let email = validate::email("email", &input.email)?;
    let phone = validate::phone("phone", input.phone.as_deref())?;
    let company = validate::optional("company", input.company.as_deref(), validate::MAX_NAME)?;
    let network = validate::optional("network", input.network_description.as_deref(), validate::MAX_TEXT)?;
    if let Some(n) = input.expected_referrals {
        if !(0..=100_000).contains(&n) {
            return Err(Error::validation("expected_referrals", "must be between 0 and 100000"));
        }
    }
    if let Some(p) = repo::partners::find_by_email(tx, &email)? {
        return Err(Error::Conflict(format!(
            "{email} is already the e-mail of partner {} ({})",
            p.name, p.id
        )));
    }
    let open: i64 = tx.query_row(
        "SELECT count(*) FROM partner_applications WHERE email = ?1 AND status IN ('pending', 'under_review')",
        [&email],
        |r| r.get(0),
    )?;
    if open > 0 {
        return Err(Error::Conflict(format!(
            "{email} already has an application waiting for a decision"
        )));
    }
    let now = tx.now_text().to_owned();
    let app = Application {
        id: ApplicationId::new_at(tx.now()),
        name,
        email,
        phone,
        company,
        network_description: network,
        expected_referrals: input.expected_referrals,
        experience_level: input.experience_level,
        status: ApplicationStatus::Pending,
        created_at: now.clone(),
        updated_at: now,
    };
    repo::applications::insert(tx, &app)?;
    repo::audit::record(
        tx,
        Entity::Application,
        &app.id.to_string(),
        "create",
        None::<&()>,
        Some(&app),
    )?;
    Ok(app)
}

fn transition(tx: &Tx, id: ApplicationId, to: ApplicationStatus) -> Result<(Application, Application)> {
    let before = repo::applications::get(tx, id)?;
    if !can_move(before.status, to) {
        return Err(Error::InvalidTransition {
            entity: "application",
            from: before.status.to_string(),
            to: to.to_string(),
            detail: None,
        });
    }
    repo::applications::set_status(tx, id, to, tx.now_text())?;
    let after = repo::applications::get(tx, id)?;
    let action = match to {
        ApplicationStatus::UnderReview => "review",
        ApplicationStatus::Approved => "approve",
        ApplicationStatus::Rejected => "reject",
        ApplicationStatus::Pending => "reset",
    };
    repo::audit::record(
        tx,
        Entity::Application,
        &id.to_string(),
        action,
        Some(&before),
        Some(&after),
    )?;
    Ok((before, after))
}

pub fn review(tx: &Tx, id: ApplicationId) -> Result<Application> {
    Ok(transition(tx, id, ApplicationStatus::UnderReview)?.1)
}

pub fn reject(tx: &Tx, id: ApplicationId) -> Result<Application> {
    Ok(transition(tx, id, ApplicationStatus::Rejected)?.1)
}

/// Approve and create the partner (bronze, active) in the same transaction.
/// An e-mail that already belongs to a partner is a conflict.
pub fn approve(tx: &Tx, id: ApplicationId) -> Result<(Application, Partner)> {
    let current = repo::applications::get(tx, id)?;
    // An application that cannot be approved says so first (an approved one
    // has its partner already; the e-mail check below would name it).
    if !can_move(current.status, ApplicationStatus::Approved) {
        return Err(Error::InvalidTransition {
            entity: "application",
            from: current.status.to_string(),
            to: ApplicationStatus::Approved.to_string(),
            detail: None,
        });
    }
    if let Some(p) = repo::partners::find_by_email(tx, &current.email)? {
        return Err(Error::Conflict(format!(
            "{} is already the e-mail of partner {} ({}); reject this application instead",
            current.email, p.name, p.id
        )));
    }
    let (_, app) = transition(tx, id, ApplicationStatus::Approved)?;
    let now = tx.now_text().to_owned();
    let partner = Partner {
        id: PartnerId::new_at(tx.now()),
        application_id: Some(app.id),
        name: app.name.clone(),
        email: app.email.clone(),
        phone: app.phone.clone(),
        company: app.company.clone(),
        status: PartnerStatus::Active,
        tier: Tier::Bronze,
        total_deals: 0,
        total_earnings: 0,
        created_at: now.clone(),
        updated_at: now,
    };
    repo::partners::insert(tx, &partner)?;
    crate::analytics::rollup::on_partner_created(tx, &partner)?;
    repo::audit::record(
        tx,
        Entity::Partner,
        &partner.id.to_string(),
        "create",
        None::<&()>,
        Some(&partner),
    )?;
    Ok((app, partner))
}

pub fn get(conn: &Connection, id: ApplicationId) -> Result<Application> {
    repo::applications::get(conn, id)
}
