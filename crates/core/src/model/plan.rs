use super::{id_type, text_enum, LeadId, PartnerId};
use serde::{Deserialize, Serialize};

id_type!(PlanId, super::Entity::Plan);

text_enum!(PlanStatus, "status" {
    Draft => "draft",
    Sent => "sent",
    Accepted => "accepted",
    Declined => "declined",
});

/// An app plan (proposal) drafted for a partner's client.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppPlan {
    pub id: PlanId,
    pub partner_id: PartnerId,
    pub client_lead_id: LeadId,
    pub business_name: String,
    pub industry: String,
    pub features: Vec<String>,
    pub generated_content: Option<String>,
    pub timeline_estimate: String,
    pub investment_range: String,
    pub status: PlanStatus,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewPlan {
    pub client_lead_id: LeadId,
    /// Defaults to the lead's business name (or client name).
    pub business_name: Option<String>,
    pub industry: String,
    pub features: Vec<String>,
    pub timeline_estimate: String,
    pub investment_range: String,
}

// Written out: the id types are declared by `id_type!`, where a derive would give every id a Default.
#[allow(clippy::derivable_impls)]
impl Default for LeadId {
    fn default() -> Self {
        LeadId(uuid::Uuid::nil())
    }
}
