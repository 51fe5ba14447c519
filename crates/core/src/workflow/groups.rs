//! Partner groups: adding one, a partner's group, and a group's rules as
//! dated versions. A group version holds the group's whole rule set from its
//! date on: its tier table (empty: it inherits the default table), its
//! retainer limit and its milestone bonus. A change copies the version in
//! force on its date and changes one thing, so the rules of any day are one
//! version. The group's row keeps the settings of its newest version.

use super::rules::{draft, new_version, parse_day, table_in_force, RuleChanged, TableInForce};
use super::write;
use crate::error::{Error, Result};
use crate::model::{Group, GroupId, Partner, PartnerId, RuleKind, RuleScope, RuleSubject, RuleVersion, TierRule};
use crate::store::{repo, Tx};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// The retainer limit of a group that never set one.
pub const DEFAULT_RECURRING_LIMIT: i64 = 12;

/// A group by name (case-insensitive), or a not-found error naming it.
pub fn group_named(conn: &Connection, name: &str) -> Result<Group> {
    repo::rules::group_by_name(conn, name)?.ok_or_else(|| Error::not_found("group", name.trim()))
}

/// A new group (inheriting the default tier table, the default recurring limit).
pub fn add_group(tx: &Tx, name: &str) -> Result<Group> {
    let name = super::validate::required("name", name, super::validate::MAX_NAME)?;
    if let Some(g) = repo::rules::group_by_name(tx, &name)? {
        return Err(Error::validation("name", format!("a group named {:?} exists", g.name)));
    }
    let now = tx.now_text().to_owned();
    let g = Group {
        id: GroupId::new_at(tx.now()),
        name,
        recurring_limit: DEFAULT_RECURRING_LIMIT,
        milestone_deals: None,
        milestone_amount: None,
        created_at: now.clone(),
        updated_at: now,
    };
    write::group_created(tx, &g)?;
    Ok(g)
}

/// A group's settings in force on a day, and the version they come from
/// (none: the group never changed them, so the defaults hold).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GroupSettings {
    pub version: Option<i64>,
    /// Months a retainer deal accrues at most.
    pub recurring_limit: i64,
    /// The milestone bonus: on won deal N ...
    pub milestone_deals: Option<i64>,
    /// ... this many cents.
    pub milestone_amount: Option<i64>,
}

fn settings_of(v: Option<&RuleVersion>) -> GroupSettings {
    match v {
        Some(v) => GroupSettings {
            version: Some(v.version),
            recurring_limit: v.recurring_limit.unwrap_or(DEFAULT_RECURRING_LIMIT),
            milestone_deals: v.milestone_deals,
            milestone_amount: v.milestone_amount,
        },
        None => GroupSettings {
            version: None,
            recurring_limit: DEFAULT_RECURRING_LIMIT,
            milestone_deals: None,
            milestone_amount: None,
        },
    }
}

/// The settings of a group in force on `day` (YYYY-MM-DD).
pub fn group_settings_in_force(conn: &Connection, group: GroupId, day: &str) -> Result<GroupSettings> {
    Ok(settings_of(
        repo::rules::in_force(conn, RuleSubject::Group, Some(group), None, day)?.as_ref(),
    ))
}

/// A new version of a group from `day`: the version in force then, with
/// `tiers` when given (an empty table: inherit the default).
pub(crate) fn group_draft(
    conn: &Connection,
    group: GroupId,
    day: &str,
    tiers: Option<Vec<TierRule>>,
) -> Result<RuleVersion> {
    repo::rules::group(conn, group)?;
    let base = repo::rules::in_force(conn, RuleSubject::Group, Some(group), None, day)?;
    let s = settings_of(base.as_ref());
    Ok(RuleVersion {
        group_id: Some(group),
        tiers: Some(tiers.unwrap_or_else(|| base.and_then(|b| b.tiers).unwrap_or_default())),
        recurring_limit: Some(s.recurring_limit),
        milestone_deals: s.milestone_deals,
        milestone_amount: s.milestone_amount,
        ..draft(RuleSubject::Group, day)
    })
}

/// Bring a group's row to the settings of its newest version (audited as
/// `group_update` when they change).
pub(crate) fn mirror_newest(tx: &Tx, group: GroupId) -> Result<()> {
    let before = repo::rules::group(tx, group)?;
    let s = settings_of(repo::rules::latest_group_version(tx, group)?.as_ref());
    let after = Group {
        recurring_limit: s.recurring_limit,
        milestone_deals: s.milestone_deals,
        milestone_amount: s.milestone_amount,
        ..before.clone()
    };
    if after == before {
        return Ok(());
    }
    write::group_changed(
        tx,
        &before,
        &Group {
            updated_at: tx.now_text().to_owned(),
            ..after
        },
    )
}

/// A change of a group's settings: the retainer limit and the milestone
/// bonus (both or none), from a date (default today), for the deals won from then on.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GroupEdit {
    pub recurring_limit: Option<i64>,
    /// Set the milestone bonus: (N, cents) on the partner's Nth won deal.
    pub milestone: Option<(i64, i64)>,
    /// Remove the milestone bonus.
    #[serde(default)]
    pub no_milestone: bool,
    /// YYYY-MM-DD; default today.
    #[serde(default)]
    pub from: Option<String>,
}

/// A new version of a group's settings (its tier table as it is on that
/// date). Nothing to change is no version: the group as it is.
pub fn edit_group(tx: &Tx, id: GroupId, e: &GroupEdit) -> Result<Group> {
    let day = match e.from.as_deref() {
        Some(f) => parse_day("from", f)?,
        None => super::rules::day_of(tx.now_text()).to_owned(),
    };
    let mut v = group_draft(tx, id, &day, None)?;
    let before = (v.recurring_limit, v.milestone_deals, v.milestone_amount);
    if let Some(l) = e.recurring_limit {
        if !(1..=120).contains(&l) {
            return Err(Error::validation("recurring_limit", "must be from 1 to 120 months"));
        }
        v.recurring_limit = Some(l);
    }
    if e.no_milestone {
        (v.milestone_deals, v.milestone_amount) = (None, None);
    }
    if let Some((n, amount)) = e.milestone {
        if n < 1 {
            return Err(Error::validation("milestone_deals", "must be 1 or more"));
        }
        if amount <= 0 {
            return Err(Error::validation("milestone_amount", "must be more than 0"));
        }
        (v.milestone_deals, v.milestone_amount) = (Some(n), Some(amount));
    }
    if (v.recurring_limit, v.milestone_deals, v.milestone_amount) != before {
        new_version(tx, v, RuleScope::New)?;
    }
    repo::rules::group(tx, id)
}

/// A group goes back to the default tier table from a date (default today),
/// keeping its settings; scope `pending` also re-rates its pending commissions.
pub fn use_default_table(tx: &Tx, id: GroupId, from: Option<&str>, scope: RuleScope) -> Result<RuleChanged> {
    let day = match from {
        Some(f) => parse_day("from", f)?,
        None => super::rules::day_of(tx.now_text()).to_owned(),
    };
    let g = repo::rules::group(tx, id)?;
    if table_in_force(tx, id, &day)?.kind == RuleKind::DefaultTier {
        return Err(Error::validation(
            "group",
            format!("{} already uses the default tier table on {day}", g.name),
        ));
    }
    let v = group_draft(tx, id, &day, Some(Vec::new()))?;
    new_version(tx, v, scope)
}

/// Move a partner to a group (deals won from now on follow its rules).
pub fn set_partner_group(tx: &Tx, partner: PartnerId, group: GroupId) -> Result<Partner> {
    let before = repo::partners::get(tx, partner)?;
    repo::rules::group(tx, group)?;
    if before.group_id == group {
        return Err(Error::InvalidTransition {
            entity: "partner",
            from: group.to_string(),
            to: group.to_string(),
            detail: Some("the partner is already in this group".into()),
        });
    }
    let after = Partner {
        group_id: group,
        ..before.clone()
    };
    write::partner_changed(tx, &before, &after, "group")
}

/// A group with its partner count, the table and the settings in force today.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GroupInfo {
    pub group: Group,
    pub partners: i64,
    pub in_force: TableInForce,
    pub settings: GroupSettings,
}

pub fn groups(conn: &Connection, today: &str) -> Result<Vec<GroupInfo>> {
    let sizes = repo::rules::group_sizes(conn)?;
    repo::rules::groups(conn)?
        .into_iter()
        .map(|g| {
            let partners = sizes.iter().find(|(id, _)| *id == g.id).map_or(0, |(_, n)| *n);
            Ok(GroupInfo {
                partners,
                in_force: table_in_force(conn, g.id, today)?,
                settings: group_settings_in_force(conn, g.id, today)?,
                group: g,
            })
        })
        .collect()
}
