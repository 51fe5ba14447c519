//! One or more tests per business rule, a module per subject: each checks
//! the data and the audit rows written by the same action (same transaction
//! time), and that refused actions write nothing at all. The helpers below
//! are shared by the modules (`use super::*`).

use crate::common;

use crate::common::Env;
use partnerdesk_core::model::*;
use partnerdesk_core::store::repo;
use partnerdesk_core::workflow;
use partnerdesk_core::Error;
use LeadStatus::*;

/// (entity, action) of each audit row, oldest first.
fn actions(rows: &[AuditEntry]) -> Vec<(&str, &str)> {
    rows.iter().map(|r| (r.entity.as_str(), r.action.as_str())).collect()
}

/// The audit rows since `mark` are exactly `expected`, all written at the
/// time of the action (one transaction, one time).
///
/// The e-mails a change queues and the automation's firings (entities
/// `outbox` and `automation`, the automation tests' subject) are left out.
fn audited(e: &Env, mark: i64, expected: &[(&str, &str)]) -> Vec<AuditEntry> {
    let rows: Vec<AuditEntry> = e
        .audit_since(mark)
        .into_iter()
        .filter(|r| r.entity != "outbox" && r.entity != "automation")
        .collect();
    assert_eq!(actions(&rows), expected, "{rows:#?}");
    let now = e.now_text();
    for r in &rows {
        assert_eq!(r.at, now, "audit row {} not written at the action's time", r.seq);
    }
    rows
}

fn after<T: serde::de::DeserializeOwned>(r: &AuditEntry) -> T {
    serde_json::from_value(r.after.clone().expect("an after image")).unwrap()
}

fn before<T: serde::de::DeserializeOwned>(r: &AuditEntry) -> T {
    serde_json::from_value(r.before.clone().expect("a before image")).unwrap()
}

fn new_app(name: &str, email: &str) -> NewApplication {
    NewApplication {
        name: name.into(),
        email: email.into(),
        ..Default::default()
    }
}

fn add_app(e: &Env, name: &str, email: &str) -> Application {
    e.tick();
    e.store
        .write(|tx| workflow::applications::add(tx, &new_app(name, email)))
        .unwrap()
}

fn kind<T: std::fmt::Debug>(r: partnerdesk_core::Result<T>) -> &'static str {
    r.expect_err("expected an error").kind()
}

fn no_problems(e: &Env) {
    assert_eq!(e.invariants(), Vec::<String>::new());
}

fn new_lead(partner: PartnerId, client: &str, email: &str, business: Option<&str>, value: i64) -> NewLead {
    NewLead {
        partner_id: partner,
        client_name: client.into(),
        client_email: email.into(),
        business_name: business.map(str::to_owned),
        estimated_value: value,
        ..Default::default()
    }
}

fn add_lead(e: &Env, l: &NewLead) -> partnerdesk_core::Result<workflow::leads::LeadAdded> {
    e.tick();
    e.store.write(|tx| workflow::leads::add(tx, l))
}

/// A partner already in `tier` (set by hand).
fn partner_in(e: &Env, name: &str, tier: Tier) -> Partner {
    let p = e.partner(name);
    if tier == Tier::Bronze {
        return p;
    }
    e.tick();
    e.store
        .write(|tx| workflow::partners::set_tier(tx, p.id, tier))
        .unwrap()
}

fn totals(e: &Env, p: PartnerId) -> (i64, i64) {
    let p = e.get_partner(p);
    (p.total_deals, p.total_earnings)
}

mod applications;
mod commissions;
mod group_versions;
mod leads;
mod money;
mod plans;
mod programs;
mod store;
mod tiers;
