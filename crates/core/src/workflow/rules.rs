//! Commission rules, written once here: which rule gives a commission its
//! amount, the groups, and dated rule versions with their scope (bonuses,
//! milestone bonuses and retainer accruals are module `accruals`, re-exported
//! here).
//!
//! Precedence on a won deal: the partner's override (a rate or a flat amount
//! per won deal, until its date) > the group's tier table (the group's own
//! latest version in force) > the default tier table. A version is in force
//! from its date (UTC day) on; the newest-dated one before the day applies.
//! Promotion reads the thresholds of the table in force for the partner's
//! group. Every commission stores the rule it came from ([`RuleTrace`]).

use super::write;
use crate::error::{Error, Result};
use crate::model::{
    Commission, CommissionKind, Group, GroupId, Partner, PartnerId, RuleKind, RuleScope, RuleSubject, RuleTrace,
    RuleVersion, Tier, TierRule,
};
use crate::money::apply_rate;
use crate::store::{repo, Tx};
use chrono::NaiveDate;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// A tier table: bronze, silver, gold, platinum, in that order.
pub type TierTable = [TierRule; 4];

pub(crate) fn tier_index(t: Tier) -> usize {
    match t {
        Tier::Bronze => 0,
        Tier::Silver => 1,
        Tier::Gold => 2,
        Tier::Platinum => 3,
    }
}

/// The highest tier whose deal or revenue threshold is met.
pub fn tier_for(table: &TierTable, deals: i64, revenue: i64) -> Tier {
    table[1..]
        .iter()
        .rev()
        .find(|r| deals >= r.min_deals || revenue >= r.min_revenue)
        .map(|r| r.tier)
        .unwrap_or(Tier::Bronze)
}

/// A version's tiers as a table (in tier order, whatever order they were stored in).
pub fn table_of(tiers: &[TierRule]) -> Result<TierTable> {
    let mut out = crate::workflow::settings::Settings::default().tiers;
    let mut seen = [false; 4];
    for t in tiers {
        out[tier_index(t.tier)] = *t;
        seen[tier_index(t.tier)] = true;
    }
    if seen.iter().any(|s| !s) {
        return Err(Error::validation("tiers", "a tier table names all four tiers"));
    }
    Ok(out)
}

/// Thresholds rise with the tier; rates within 0-100 %.
pub fn check_table(t: &TierTable) -> Result<()> {
    for r in t {
        if !(0..=10_000).contains(&r.rate_bp) {
            return Err(Error::validation("rate", format!("{}: must be from 0 to 100%", r.tier)));
        }
        if r.min_deals < 0 {
            return Err(Error::validation("deals", format!("{}: must not be negative", r.tier)));
        }
        if r.min_revenue < 0 {
            return Err(Error::validation(
                "revenue",
                format!("{}: must not be negative", r.tier),
            ));
        }
    }
    for w in t[1..].windows(2) {
        if w[1].min_deals < w[0].min_deals {
            return Err(Error::validation(
                "deals",
                format!(
                    "{} needs at least {}'s deals ({})",
                    w[1].tier, w[0].tier, w[0].min_deals
                ),
            ));
        }
        if w[1].min_revenue < w[0].min_revenue {
            return Err(Error::validation(
                "revenue",
                format!(
                    "{} needs at least {}'s revenue ({})",
                    w[1].tier,
                    w[0].tier,
                    crate::money::format_amount(w[0].min_revenue)
                ),
            ));
        }
    }
    Ok(())
}

/// The UTC day (YYYY-MM-DD) of an RFC 3339 time.
pub fn day_of(time: &str) -> &str {
    time.get(..10).unwrap_or(time)
}

/// A date a user typed, YYYY-MM-DD.
pub fn parse_day(field: &str, text: &str) -> Result<String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| Error::validation(field, format!("must be a date like 2026-04-01 (got {text:?})")))
}

/// The tier table in force for a group on `day`, and whose it is: the
/// group's own version, else the default's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TableInForce {
    /// `group_tier` or `default_tier`.
    pub kind: RuleKind,
    pub version: i64,
    pub effective_from: String,
    pub tiers: Vec<TierRule>,
}

impl TableInForce {
    pub fn table(&self) -> Result<TierTable> {
        table_of(&self.tiers)
    }
}

pub fn table_in_force(conn: &Connection, group: GroupId, day: &str) -> Result<TableInForce> {
    let own = repo::rules::in_force(conn, RuleSubject::Group, Some(group), None, day)?
        .filter(|v| v.tiers.as_ref().is_some_and(|t| !t.is_empty()));
    let (kind, v) = match own {
        Some(v) => (RuleKind::GroupTier, v),
        // No version of its own, or one that inherits (an empty table).
        None => (
            RuleKind::DefaultTier,
            repo::rules::in_force(conn, RuleSubject::Default, None, None, day)?
                .ok_or_else(|| Error::not_found("default tier table", day.to_owned()))?,
        ),
    };
    Ok(TableInForce {
        kind,
        version: v.version,
        effective_from: v.effective_from,
        tiers: v.tiers.unwrap_or_default(),
    })
}

/// The override of a partner in force on `day` (none when cleared or past its until-date).
pub fn override_in_force(conn: &Connection, partner: PartnerId, day: &str) -> Result<Option<RuleVersion>> {
    Ok(
        repo::rules::in_force(conn, RuleSubject::Override, None, Some(partner), day)?.filter(|v| {
            (v.override_rate.is_some() || v.override_flat.is_some())
                && v.override_until.as_deref().is_none_or(|u| day <= u)
        }),
    )
}

/// The rule that gives a deal its commission: the rate (0 for a flat
/// amount), the flat amount, and the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub rate_bp: i64,
    pub flat: Option<i64>,
    pub trace: RuleTrace,
}

impl Applied {
    /// The commission on a deal of `value` cents.
    pub fn amount(&self, value: i64) -> i64 {
        self.flat.unwrap_or_else(|| apply_rate(value, self.rate_bp))
    }
}

/// The rule of a deal won on `day` by a partner of `group` in `tier`
/// (precedence: override > group tier > default tier).
pub fn resolve(conn: &Connection, partner: PartnerId, group: GroupId, tier: Tier, day: &str) -> Result<Applied> {
    if let Some(o) = override_in_force(conn, partner, day)? {
        return Ok(Applied {
            rate_bp: o.override_rate.unwrap_or(0),
            flat: o.override_flat,
            trace: RuleTrace {
                kind: RuleKind::Override,
                version: Some(o.version),
                tier: Some(tier),
            },
        });
    }
    let t = table_in_force(conn, group, day)?;
    Ok(Applied {
        rate_bp: t.table()?[tier_index(tier)].rate_bp,
        flat: None,
        trace: RuleTrace {
            kind: t.kind,
            version: Some(t.version),
            tier: Some(tier),
        },
    })
}

/// The rule of a retainer month due on `day`: an override's rate, else the
/// tier rate (a flat override is per won deal, not per month); traced as `retainer`.
pub fn resolve_month(conn: &Connection, partner: PartnerId, group: GroupId, tier: Tier, day: &str) -> Result<Applied> {
    let a = resolve(conn, partner, group, tier, day)?;
    let a = if a.flat.is_some() {
        let t = table_in_force(conn, group, day)?;
        Applied {
            rate_bp: t.table()?[tier_index(tier)].rate_bp,
            flat: None,
            trace: RuleTrace {
                version: Some(t.version),
                ..a.trace
            },
        }
    } else {
        a
    };
    Ok(Applied {
        trace: RuleTrace {
            kind: RuleKind::Retainer,
            ..a.trace
        },
        ..a
    })
}

/// The tier a partner is promoted to after a win (by the thresholds in
/// force for their group today), when above their tier.
pub fn promotion(tx: &Tx, p: &Partner, deals: i64, revenue: i64) -> Result<Option<Tier>> {
    let t = table_in_force(tx, p.group_id, day_of(tx.now_text()))?.table()?;
    let target = tier_for(&t, deals, revenue);
    Ok((target > p.tier).then_some(target))
}

// Groups (their settings, a partner's group, going back to the default
// table): module `groups`, under the same names here.
pub use super::groups::{
    add_group, edit_group, group_named, group_settings_in_force, groups, set_partner_group, use_default_table,
    GroupEdit, GroupInfo, GroupSettings,
};

// ---- Rule versions ----

/// A change of one tier of a tier table (the default's, or a group's);
/// `None` keeps a field as it is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TierChange {
    /// None: the default table.
    pub group: Option<GroupId>,
    pub tier: Tier,
    pub rate_bp: Option<i64>,
    pub min_deals: Option<i64>,
    pub min_revenue: Option<i64>,
    /// YYYY-MM-DD; default today.
    pub from: Option<String>,
    pub scope: RuleScope,
}

/// What a rule change did: the new version and the pending commissions it re-rated.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleChanged {
    pub version: RuleVersion,
    pub rerated: Vec<Commission>,
}

fn effective_day(tx: &Tx, from: Option<&str>) -> Result<String> {
    match from {
        Some(f) => parse_day("from", f),
        None => Ok(day_of(tx.now_text()).to_owned()),
    }
}

/// A new version of a tier table, from a date, with a scope.
pub fn set_tier(tx: &Tx, c: &TierChange) -> Result<RuleChanged> {
    let day = effective_day(tx, c.from.as_deref())?;
    if let Some(r) = c.rate_bp {
        if !(0..=10_000).contains(&r) {
            return Err(Error::validation("rate", "must be from 0 to 100%"));
        }
    }
    if c.min_deals.is_some_and(|d| d < 0) {
        return Err(Error::validation("deals", "must not be negative"));
    }
    if c.min_revenue.is_some_and(|d| d < 0) {
        return Err(Error::validation("revenue", "must not be negative"));
    }
    if c.tier == Tier::Bronze && (c.min_deals.is_some_and(|d| d != 0) || c.min_revenue.is_some_and(|d| d != 0)) {
        return Err(Error::validation("tier", "bronze is the floor and has no thresholds"));
    }
    if c.rate_bp.is_none() && c.min_deals.is_none() && c.min_revenue.is_none() {
        return Err(Error::validation("rate", "give a rate, deals or revenue to change"));
    }
    let base = match c.group {
        Some(g) => {
            repo::rules::group(tx, g)?;
            table_in_force(tx, g, &day)?
        }
        None => default_in_force(tx, &day)?,
    };
    let mut table = base.table()?;
    let r = &mut table[tier_index(c.tier)];
    if let Some(v) = c.rate_bp {
        r.rate_bp = v;
    }
    if let Some(v) = c.min_deals {
        r.min_deals = v;
    }
    if let Some(v) = c.min_revenue {
        r.min_revenue = v;
    }
    check_table(&table)?;
    let draft = match c.group {
        Some(g) => super::groups::group_draft(tx, g, &day, Some(table.to_vec()))?,
        None => RuleVersion {
            tiers: Some(table.to_vec()),
            ..draft(RuleSubject::Default, &day)
        },
    };
    new_version(tx, draft, c.scope)
}

/// A version of `subject` from `day` with nothing in it yet (its number and
/// time are given when it is written).
pub(crate) fn draft(subject: RuleSubject, day: &str) -> RuleVersion {
    RuleVersion {
        version: 0,
        subject,
        group_id: None,
        partner_id: None,
        effective_from: day.to_owned(),
        scope: RuleScope::New,
        tiers: None,
        override_rate: None,
        override_flat: None,
        override_until: None,
        recurring_limit: None,
        milestone_deals: None,
        milestone_amount: None,
        created_at: String::new(),
    }
}

/// The default table in force on `day`.
pub fn default_in_force(conn: &Connection, day: &str) -> Result<TableInForce> {
    let v = repo::rules::in_force(conn, RuleSubject::Default, None, None, day)?
        .ok_or_else(|| Error::not_found("default tier table", day.to_owned()))?;
    Ok(TableInForce {
        kind: RuleKind::DefaultTier,
        version: v.version,
        effective_from: v.effective_from,
        tiers: v.tiers.unwrap_or_default(),
    })
}

/// A new version of the whole default table, from today, for new deals
/// (the settings' tier keys), checked but not yet written.
pub fn default_version(tx: &Tx, table: &TierTable) -> Result<RuleVersion> {
    check_table(table)?;
    Ok(RuleVersion {
        version: repo::rules::next_version(tx)?,
        tiers: Some(table.to_vec()),
        created_at: tx.now_text().to_owned(),
        ..draft(RuleSubject::Default, day_of(tx.now_text()))
    })
}

/// A partner's override: a rate or a flat amount per won deal.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OverrideInput {
    pub rate_bp: Option<i64>,
    /// Cents per won deal.
    pub flat: Option<i64>,
    /// The last day it applies, YYYY-MM-DD.
    pub until: Option<String>,
    /// YYYY-MM-DD; default today.
    pub from: Option<String>,
    pub scope: Option<RuleScope>,
}

pub fn set_override(tx: &Tx, partner: PartnerId, o: &OverrideInput) -> Result<RuleChanged> {
    repo::partners::get(tx, partner)?;
    let day = effective_day(tx, o.from.as_deref())?;
    match (o.rate_bp, o.flat) {
        (Some(_), Some(_)) => return Err(Error::validation("rate", "give a rate or a flat amount, not both")),
        (None, None) => return Err(Error::validation("rate", "give a rate or a flat amount")),
        (Some(r), None) if !(0..=10_000).contains(&r) => {
            return Err(Error::validation("rate", "must be from 0 to 100%"))
        }
        (None, Some(f)) if f < 0 => return Err(Error::validation("flat", "must not be negative")),
        _ => {}
    }
    let until = match &o.until {
        Some(u) => {
            let u = parse_day("until", u)?;
            let today = day_of(tx.now_text());
            if u.as_str() < today {
                return Err(Error::validation(
                    "until",
                    format!("{u} is in the past (today is {today})"),
                ));
            }
            if u < day {
                return Err(Error::validation(
                    "until",
                    format!("{u} is before the override starts ({day})"),
                ));
            }
            Some(u)
        }
        None => None,
    };
    let v = RuleVersion {
        partner_id: Some(partner),
        override_rate: o.rate_bp,
        override_flat: o.flat,
        override_until: until,
        ..draft(RuleSubject::Override, &day)
    };
    new_version(tx, v, o.scope.unwrap_or(RuleScope::New))
}

/// End a partner's override from today (deals won from today get the tier rate).
pub fn clear_override(tx: &Tx, partner: PartnerId) -> Result<RuleChanged> {
    repo::partners::get(tx, partner)?;
    let day = day_of(tx.now_text()).to_owned();
    let scheduled = repo::rules::versions(tx, None, Some(partner))?
        .iter()
        .any(|v| v.effective_from > day && (v.override_rate.is_some() || v.override_flat.is_some()));
    if override_in_force(tx, partner, &day)?.is_none() && !scheduled {
        return Err(Error::validation("partner", "the partner has no override"));
    }
    let v = RuleVersion {
        partner_id: Some(partner),
        ..draft(RuleSubject::Override, &day)
    };
    new_version(tx, v, RuleScope::New)
}

/// Write a drafted version (numbered, stamped, audited) with its scope; a
/// group's version also brings the group's settings row up to its newest version.
pub(crate) fn new_version(tx: &Tx, draft: RuleVersion, scope: RuleScope) -> Result<RuleChanged> {
    let v = RuleVersion {
        version: repo::rules::next_version(tx)?,
        scope,
        created_at: tx.now_text().to_owned(),
        ..draft
    };
    write::rule_version_added(tx, &v)?;
    if let Some(g) = v.group_id {
        super::groups::mirror_newest(tx, g)?;
    }
    let rerated = if scope == RuleScope::Pending {
        rerate_pending(tx, &v)?
    } else {
        Vec::new()
    };
    Ok(RuleChanged { version: v, rerated })
}

/// Re-rate the pending commissions (won deals and retainer months, never
/// approved or paid ones) made on or after the version's date, of the
/// partners it concerns, by the rules now in force on their day.
fn rerate_pending(tx: &Tx, v: &RuleVersion) -> Result<Vec<Commission>> {
    let pending = repo::commissions::pending_from(tx, &v.effective_from, v.group_id, v.partner_id)?;
    let mut out = Vec::new();
    // One settlement per partner, however many of their commissions changed.
    let mut dues = std::collections::BTreeMap::new();
    for c in pending {
        let p = repo::partners::get(tx, c.partner_id)?;
        let tier = c.rule.tier.unwrap_or(p.tier);
        let day = day_of(&c.created_at).to_owned();
        let a = if c.kind == CommissionKind::Accrual {
            resolve_month(tx, p.id, p.group_id, tier, &day)?
        } else {
            resolve(tx, p.id, p.group_id, tier, &day)?
        };
        let amount = a.amount(c.project_value);
        if (amount, a.rate_bp, a.trace) == (c.commission_amount, c.commission_rate, c.rule) {
            continue;
        }
        let after = Commission {
            commission_amount: amount,
            commission_rate: a.rate_bp,
            rule: a.trace,
            ..c.clone()
        };
        let (after, due) = write::commission_rerated(tx, &c, &after)?;
        dues.entry(due.partner()).or_insert(due);
        out.push(after);
    }
    for due in dues.into_values() {
        due.settle(tx)?;
    }
    Ok(out)
}

/// What the rules are for a group (or the default), with their versions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RulesView {
    /// None: the default table.
    pub group: Option<Group>,
    /// The table in force today.
    pub in_force: TableInForce,
    /// A group's settings in force today (none for the default table).
    pub settings: Option<GroupSettings>,
    /// Versions of this table (a group's own and the default's), newest first.
    pub versions: Vec<RuleVersion>,
}

pub fn show(conn: &Connection, group: Option<GroupId>, today: &str) -> Result<RulesView> {
    let (group, in_force, versions) = match group {
        Some(g) => {
            let grp = repo::rules::group(conn, g)?;
            let versions = repo::rules::versions(conn, Some(g), None)?
                .into_iter()
                .filter(|v| v.subject != RuleSubject::Override)
                .collect();
            (Some(grp), table_in_force(conn, g, today)?, versions)
        }
        None => {
            let versions = repo::rules::all_versions(conn)?
                .into_iter()
                .rev()
                .filter(|v| v.subject == RuleSubject::Default)
                .collect();
            (None, default_in_force(conn, today)?, versions)
        }
    };
    let settings = match &group {
        Some(g) => Some(group_settings_in_force(conn, g.id, today)?),
        None => None,
    };
    Ok(RulesView {
        group,
        in_force,
        settings,
        versions,
    })
}

/// A partner's rules: their group, the override in force and its version history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartnerRules {
    pub group: Group,
    pub in_force: TableInForce,
    /// The group's settings in force today.
    pub settings: GroupSettings,
    pub override_in_force: Option<RuleVersion>,
    pub override_versions: Vec<RuleVersion>,
}

pub fn partner_rules(conn: &Connection, partner: PartnerId, today: &str) -> Result<PartnerRules> {
    let p = repo::partners::get(conn, partner)?;
    Ok(PartnerRules {
        group: repo::rules::group(conn, p.group_id)?,
        in_force: table_in_force(conn, p.group_id, today)?,
        settings: group_settings_in_force(conn, p.group_id, today)?,
        override_in_force: override_in_force(conn, partner, today)?,
        override_versions: repo::rules::versions(conn, None, Some(partner))?
            .into_iter()
            .filter(|v| v.subject == RuleSubject::Override)
            .collect(),
    })
}

// Bonuses, milestone bonuses, retainers and `run-due`: module `accruals`,
// under the same names here.
pub use super::accruals::{
    bonus, check_terms, end_retainer, end_retainer_on_reopen, milestone_after_win, run_due, start_retainer, DueRun,
    RetainerTerms,
};
