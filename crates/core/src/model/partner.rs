use super::{id_type, text_enum, ApplicationId, GroupId};
use serde::{Deserialize, Serialize};

id_type!(PartnerId, super::Entity::Partner);

text_enum!(PartnerStatus, "status" {
    Active => "active",
    Paused => "paused",
    Terminated => "terminated",
});

text_enum!(Tier, "tier" {
    Bronze => "bronze",
    Silver => "silver",
    Gold => "gold",
    Platinum => "platinum",
});

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Partner {
    pub id: PartnerId,
    pub application_id: Option<ApplicationId>,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub status: PartnerStatus,
    pub tier: Tier,
    /// Won deals that still stand (won minus clawed back), from the commissions.
    pub total_deals: i64,
    /// Sum of the partner's commissions that are not cancelled, in cents.
    pub total_earnings: i64,
    pub created_at: String,
    pub updated_at: String,
    /// The partner's group (its tier table and settings).
    pub group_id: GroupId,
}

// Sort keys of the partner list.
text_enum!(PartnerSort, "sort" {
    Name => "name",
    Email => "email",
    Company => "company",
    Tier => "tier",
    Status => "status",
    Deals => "deals",
    Earnings => "earnings",
    Created => "created",
    Group => "group",
});

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartnerFilter {
    pub tier: Option<Tier>,
    pub status: Option<PartnerStatus>,
    pub search: Option<String>,
    /// Only the partners of this group.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub group_id: Option<GroupId>,
    pub sort: Option<PartnerSort>,
    /// Descending order when true.
    #[serde(default)]
    pub desc: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}
