//! Commission rules: partner groups, dated rule versions and the trace of
//! the rule behind each commission (the rules themselves are in
//! `workflow::rules`).

use super::{id_type, text_enum, LeadId, PartnerId, Tier};
use serde::{Deserialize, Serialize};

id_type!(GroupId, super::Entity::Setting);

impl GroupId {
    /// The group "Standard": every partner's until moved, the same id in every database.
    pub const STANDARD: GroupId = GroupId(uuid::Uuid::from_u128(0x00000000_0000_7000_8000_000000000001));
}

/// A partner group. Its rules (tier table, retainer limit, milestone bonus)
/// are dated group versions (`RuleVersion`); the settings here are those of
/// its newest version, kept for reading (the rules read the version in force
/// on a deal's day). A group without a version of its own, or whose version
/// has an empty table, inherits the default table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    /// Months a retainer deal accrues at most.
    pub recurring_limit: i64,
    /// A flat bonus on a partner's Nth won deal: N.
    pub milestone_deals: Option<i64>,
    /// Cents.
    pub milestone_amount: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

text_enum!(
    /// Which rule gave a commission its amount.
    RuleKind, "kind" {
        Override => "override",
        GroupTier => "group_tier",
        DefaultTier => "default_tier",
        Bonus => "bonus",
        Milestone => "milestone",
        Retainer => "retainer",
    }
);

/// "Why this rate": the rule behind a commission, stored with it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleTrace {
    pub kind: RuleKind,
    /// The rule version in force (none for a bonus by hand).
    pub version: Option<i64>,
    /// The partner's tier at that moment.
    pub tier: Option<Tier>,
}

impl RuleTrace {
    /// As people read it: "group tier v2 silver", "bonus".
    pub fn describe(&self) -> String {
        let mut s = self.kind.as_str().replace('_', " ");
        if let Some(v) = self.version {
            s.push_str(&format!(" v{v}"));
        }
        if let Some(t) = self.tier {
            s.push_str(&format!(" {t}"));
        }
        s
    }
}

text_enum!(
    /// What a rule version applies to: `new`, the deals won from its date on
    /// (earlier deals keep their rate); `pending`, also re-rate the pending
    /// commissions from the date (never approved or paid ones).
    RuleScope, "scope" {
        New => "new",
        Pending => "pending",
    }
);

text_enum!(
    /// The rule a version changes.
    RuleSubject, "subject" {
        Default => "default",
        Group => "group",
        Override => "override",
    }
);

/// One tier of a tier table: its rate and the thresholds that reach it
/// (either is enough). Bronze is the floor and has no thresholds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TierRule {
    pub tier: Tier,
    /// Basis points.
    pub rate_bp: i64,
    pub min_deals: i64,
    /// Cents of won project value.
    pub min_revenue: i64,
}

/// A dated version of one rule: the default tier table, a group's, or a
/// partner's override.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleVersion {
    pub version: i64,
    pub subject: RuleSubject,
    pub group_id: Option<GroupId>,
    pub partner_id: Option<PartnerId>,
    /// YYYY-MM-DD (UTC): deals won from this day on.
    pub effective_from: String,
    pub scope: RuleScope,
    /// The whole tier table (default and group versions; a group version's
    /// empty table means it inherits the default table).
    pub tiers: Option<Vec<TierRule>>,
    /// An override's rate, basis points.
    pub override_rate: Option<i64>,
    /// An override's flat amount per won deal, cents.
    pub override_flat: Option<i64>,
    /// The last day an override applies (YYYY-MM-DD).
    pub override_until: Option<String>,
    /// A group version's retainer limit (months).
    #[serde(default)]
    pub recurring_limit: Option<i64>,
    /// A group version's milestone bonus: on won deal N ...
    #[serde(default)]
    pub milestone_deals: Option<i64>,
    /// ... this many cents.
    #[serde(default)]
    pub milestone_amount: Option<i64>,
    pub created_at: String,
}

/// A retainer deal: a won deal's monthly value accruing a commission each
/// month that has passed, up to its term and the group's limit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Retainer {
    pub lead_id: LeadId,
    pub partner_id: PartnerId,
    /// Cents per month.
    pub monthly_value: i64,
    pub months: i64,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}
