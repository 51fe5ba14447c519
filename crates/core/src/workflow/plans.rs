//! App plans (proposals): a draft from business, industry, features, timeline
//! and investment range; `generate` writes a Markdown proposal from a
//! template, offline. Status: draft -> sent -> accepted | declined (a sent
//! plan may go back to draft).

use super::{validate, write};
use crate::error::{Error, Result};
use crate::model::{AppPlan, NewPlan, PlanId, PlanStatus};
use crate::store::{repo, Tx};
use serde::{Deserialize, Serialize};

pub const MAX_FEATURES: usize = 50;

pub fn can_move(from: PlanStatus, to: PlanStatus) -> bool {
    use PlanStatus::*;
    matches!(
        (from, to),
        (Draft, Sent) | (Sent, Accepted) | (Sent, Declined) | (Sent, Draft)
    )
}

fn features(list: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for f in list {
        let f = f.trim();
        if f.is_empty() {
            continue;
        }
        if f.chars().count() > 100 {
            return Err(Error::validation(
                "features",
                format!("{f:?} is longer than 100 characters"),
            ));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(f)) {
            out.push(f.to_owned());
        }
    }
    if out.is_empty() {
        return Err(Error::validation("features", "name at least one feature"));
    }
    if out.len() > MAX_FEATURES {
        return Err(Error::validation(
            "features",
            format!("at most {MAX_FEATURES} features"),
        ));
    }
    Ok(out)
}

pub fn add(tx: &Tx, input: &NewPlan) -> Result<AppPlan> {
    let lead = repo::leads::get(tx, input.client_lead_id)?;
    let business = match input.business_name.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => b.to_owned(),
        None => lead.business_name.clone().unwrap_or_else(|| lead.client_name.clone()),
    };
    let now = tx.now_text().to_owned();
    let plan = AppPlan {
        id: PlanId::new_at(tx.now()),
        partner_id: lead.partner_id,
        client_lead_id: lead.id,
        business_name: validate::required("business_name", &business, validate::MAX_NAME)?,
        industry: validate::required("industry", &input.industry, validate::MAX_NAME)?,
        features: features(&input.features)?,
        generated_content: None,
        timeline_estimate: validate::required("timeline", &input.timeline_estimate, validate::MAX_NAME)?,
        investment_range: validate::required("investment", &input.investment_range, validate::MAX_NAME)?,
        status: PlanStatus::Draft,
        created_at: now.clone(),
        updated_at: now,
    };
    write::plan_created(tx, &plan)?;
    Ok(plan)
}

/// The editable fields of a plan; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanPatch {
    pub business_name: Option<String>,
    pub industry: Option<String>,
    pub features: Option<Vec<String>>,
    pub timeline_estimate: Option<String>,
    pub investment_range: Option<String>,
}

pub fn update(tx: &Tx, id: PlanId, patch: &PlanPatch) -> Result<AppPlan> {
    let before = repo::plans::get(tx, id)?;
    if before.status != PlanStatus::Draft {
        return Err(Error::Conflict(format!(
            "only a draft can be edited; this plan is {}",
            before.status
        )));
    }
    let mut p = before.clone();
    if let Some(b) = &patch.business_name {
        p.business_name = validate::required("business_name", b, validate::MAX_NAME)?;
    }
    if let Some(i) = &patch.industry {
        p.industry = validate::required("industry", i, validate::MAX_NAME)?;
    }
    if let Some(f) = &patch.features {
        p.features = features(f)?;
    }
    if let Some(t) = &patch.timeline_estimate {
        p.timeline_estimate = validate::required("timeline", t, validate::MAX_NAME)?;
    }
    if let Some(i) = &patch.investment_range {
        p.investment_range = validate::required("investment", i, validate::MAX_NAME)?;
    }
    write::plan_changed(tx, &before, p, "update")
}

pub fn set_status(tx: &Tx, id: PlanId, to: PlanStatus) -> Result<AppPlan> {
    let before = repo::plans::get(tx, id)?;
    if !can_move(before.status, to) {
        return Err(Error::InvalidTransition {
            entity: "app plan",
            from: before.status.to_string(),
            to: to.to_string(),
            detail: None,
        });
    }
    if to == PlanStatus::Sent && before.generated_content.is_none() {
        return Err(Error::Conflict("generate the proposal before sending the plan".into()));
    }
    let mut p = before.clone();
    p.status = to;
    write::plan_changed(tx, &before, p, "status")
}

/// Fill `generated_content` with the Markdown proposal.
pub fn generate(tx: &Tx, id: PlanId) -> Result<AppPlan> {
    let before = repo::plans::get(tx, id)?;
    // A sent, accepted or declined proposal is what the client saw: keep it.
    if before.status != PlanStatus::Draft {
        return Err(Error::Conflict(format!(
            "only a draft's proposal can be generated; this plan is {} (move it back to draft first)",
            before.status
        )));
    }
    let lead = repo::leads::get(tx, before.client_lead_id)?;
    let partner = repo::partners::get(tx, before.partner_id)?;
    let mut p = before.clone();
    p.generated_content = Some(render_proposal(
        &p,
        &lead.client_name,
        &partner.name,
        &tx.now().format("%B %-d, %Y").to_string(),
    ));
    write::plan_changed(tx, &before, p, "generate")
}

/// The proposal template. Pure: the same plan gives the same text.
pub fn render_proposal(p: &AppPlan, client: &str, partner: &str, date: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!("# App plan for {}\n\n", md(&p.business_name)));
    s.push_str(&format!(
        "*Prepared for {} on {}, introduced by {}.*\n\n",
        md(client),
        md(date),
        md(partner)
    ));
    s.push_str("## Summary\n\n");
    s.push_str(&format!(
        "{} works in **{}**. This plan proposes an application built around {} core feature{}, \
         delivered in about **{}** for an investment of **{}**.\n\n",
        md(&p.business_name),
        md(&p.industry),
        p.features.len(),
        if p.features.len() == 1 { "" } else { "s" },
        md(&p.timeline_estimate),
        md(&p.investment_range)
    ));
    s.push_str("## Features\n\n");
    for (i, f) in p.features.iter().enumerate() {
        s.push_str(&format!(
            "{}. **{}**: {}\n",
            i + 1,
            md(f),
            feature_blurb(f, &p.industry)
        ));
    }
    s.push_str("\n## Delivery\n\n");
    s.push_str("| Phase | What happens |\n|---|---|\n");
    s.push_str("| Discovery | Workshops with your team; the feature list above becomes user stories and screens. |\n");
    s.push_str("| Design | Clickable prototype, reviewed with you before any code is written. |\n");
    s.push_str(&format!(
        "| Build | The {} features, shipped to a test group every two weeks. |\n",
        p.features.len()
    ));
    s.push_str("| Launch | Store listings, analytics, hand-over and training. |\n\n");
    s.push_str(&format!(
        "**Timeline:** {}  \n**Investment:** {}\n\n",
        md(&p.timeline_estimate),
        md(&p.investment_range)
    ));
    s.push_str("## Next steps\n\n1. Review this plan and mark what matters most.\n2. A 45-minute call to settle scope.\n3. A fixed quote and a start date.\n");
    s
}

fn feature_blurb(feature: &str, industry: &str) -> String {
    let f = feature.to_lowercase();
    let pick = [
        ("login", "secure sign-in with e-mail, passkeys or single sign-on"),
        ("auth", "secure sign-in with e-mail, passkeys or single sign-on"),
        ("payment", "card and wallet payments with receipts and refunds"),
        ("booking", "real-time availability, reminders and rescheduling"),
        ("chat", "in-app messaging with notifications"),
        ("notification", "push and e-mail notifications the user controls"),
        ("map", "maps, directions and location search"),
        ("analytics", "dashboards that show what users do and what it earns"),
        ("catalog", "a searchable catalog with filters and favourites"),
        ("admin", "an admin console for your staff"),
        ("offline", "works without a connection and syncs when back online"),
    ];
    pick.iter()
        .find(|(k, _)| f.contains(k))
        .map(|(_, v)| (*v).to_owned())
        .unwrap_or_else(|| format!("built for how {} businesses work", industry.to_lowercase()))
}

/// Escape the characters that would change Markdown structure in user text.
fn md(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '`' | '#' | '[' | ']' | '|' | '<' | '>') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}
