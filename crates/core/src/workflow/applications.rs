//! Applications: pending -> under_review -> approved | rejected (pending may
//! also go straight to approved or rejected). Approval creates the partner in
//! the same transaction.

use super::{validate, write};
use crate::error::{Error, Result};
use crate::model::{
    opt_text, text, Application, ApplicationId, ApplicationStatus, Changes, FieldChange, NewApplication, Origin,
    Partner, PartnerId, PartnerStatus, Tier,
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

/// A hand entry: the application, and the acknowledgement to the applicant
/// (an import, `add_as`, sends none).
pub fn add(tx: &Tx, input: &NewApplication) -> Result<Application> {
    let app = add_as(tx, input, &Origin::default())?;
    super::automation::events::application_received(tx, &app)?;
    Ok(app)
}

/// [`add`] with the id and creation time of `origin` (an import of an export).
pub fn add_as(tx: &Tx, input: &NewApplication, origin: &Origin) -> Result<Application> {
    let (name, email, phone, company, network) = checked(input)?;
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
        id: origin.id.map_or_else(|| ApplicationId::new_at(tx.now()), ApplicationId),
        name,
        email,
        phone,
        company,
        network_description: network,
        expected_referrals: input.expected_referrals,
        experience_level: input.experience_level,
        status: ApplicationStatus::Pending,
        created_at: origin.created_at.clone().unwrap_or_else(|| now.clone()),
        updated_at: now,
    };
    write::application_created(tx, &app)?;
    Ok(app)
}

type Checked = (String, String, Option<String>, Option<String>, Option<String>);

/// The applicant's fields as a hand entry checks them.
fn checked(input: &NewApplication) -> Result<Checked> {
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
    Ok((name, email, phone, company, network))
}

/// Change the applicant's fields to those of `input` (status and dates
/// stay), checked as a hand entry; audited as `update`. Returns the
/// application and what changed (nothing written when nothing did).
pub fn edit(tx: &Tx, id: ApplicationId, input: &NewApplication) -> Result<(Application, Vec<FieldChange>)> {
    let before = repo::applications::get(tx, id)?;
    let (name, email, phone, company, network) = checked(input)?;
    let after = Application {
        name,
        email,
        phone,
        company,
        network_description: network,
        expected_referrals: input.expected_referrals,
        experience_level: input.experience_level,
        ..before.clone()
    };
    let mut c = Changes::default();
    c.note("name", &before.name, &after.name, text);
    c.note("email", &before.email, &after.email, text);
    c.note("phone", &before.phone, &after.phone, opt_text);
    c.note("company", &before.company, &after.company, opt_text);
    c.note(
        "network_description",
        &before.network_description,
        &after.network_description,
        opt_text,
    );
    c.note(
        "expected_referrals",
        &before.expected_referrals,
        &after.expected_referrals,
        |v| v.map(|n| n.to_string()),
    );
    c.note(
        "experience_level",
        &before.experience_level,
        &after.experience_level,
        |v| v.map(|l| l.to_string()),
    );
    if c.0.is_empty() {
        return Ok((before, c.0));
    }
    if after.email != before.email {
        if let Some(p) = repo::partners::find_by_email(tx, &after.email)? {
            return Err(Error::Conflict(format!(
                "{} is already the e-mail of partner {} ({})",
                after.email, p.name, p.id
            )));
        }
    }
    let after = write::application_changed(tx, &before, &after, "update")?;
    Ok((after, c.0))
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
    let action = match to {
        ApplicationStatus::UnderReview => "review",
        ApplicationStatus::Approved => "approve",
        ApplicationStatus::Rejected => "reject",
        ApplicationStatus::Pending => "reset",
    };
    let after = Application {
        status: to,
        ..before.clone()
    };
    let after = write::application_changed(tx, &before, &after, action)?;
    Ok((before, after))
}

pub fn review(tx: &Tx, id: ApplicationId) -> Result<Application> {
    Ok(transition(tx, id, ApplicationStatus::UnderReview)?.1)
}

pub fn reject(tx: &Tx, id: ApplicationId) -> Result<Application> {
    reject_because(tx, id, None)
}

/// Reject, with the reason the rejection e-mail gives (`{{reason}}`).
pub fn reject_because(tx: &Tx, id: ApplicationId, reason: Option<&str>) -> Result<Application> {
    let reason = validate::optional("reason", reason, validate::MAX_TEXT)?;
    let app = transition(tx, id, ApplicationStatus::Rejected)?.1;
    super::automation::events::application_rejected(tx, &app, reason.as_deref())?;
    Ok(app)
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
        group_id: crate::model::GroupId::STANDARD,
    };
    write::partner_created(tx, &partner)?;
    super::automation::events::application_approved(tx, &partner)?;
    Ok((app, partner))
}

pub fn get(conn: &Connection, id: ApplicationId) -> Result<Application> {
    repo::applications::get(conn, id)
}
