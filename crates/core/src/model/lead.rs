use super::{id_type, text_enum, PartnerId};
use serde::{Deserialize, Serialize};

id_type!(LeadId, super::Entity::Lead);

text_enum!(LeadStatus, "status" {
    Prospect => "prospect",
    Qualified => "qualified",
    ProposalSent => "proposal_sent",
    Negotiating => "negotiating",
    ClosedWon => "closed_won",
    ClosedLost => "closed_lost",
});

impl LeadStatus {
    pub fn is_closed(self) -> bool {
        matches!(self, LeadStatus::ClosedWon | LeadStatus::ClosedLost)
    }
    /// Position along the pipeline; both closed states share the last.
    pub fn stage(self) -> u8 {
        match self {
            LeadStatus::Prospect => 0,
            LeadStatus::Qualified => 1,
            LeadStatus::ProposalSent => 2,
            LeadStatus::Negotiating => 3,
            LeadStatus::ClosedWon | LeadStatus::ClosedLost => 4,
        }
    }
    pub const OPEN: &'static [LeadStatus] = &[
        LeadStatus::Prospect,
        LeadStatus::Qualified,
        LeadStatus::ProposalSent,
        LeadStatus::Negotiating,
    ];
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Lead {
    pub id: LeadId,
    pub partner_id: PartnerId,
    pub client_name: String,
    pub client_email: String,
    pub client_phone: Option<String>,
    pub business_name: Option<String>,
    pub project_description: Option<String>,
    /// Cents.
    pub estimated_value: i64,
    pub status: LeadStatus,
    /// Another lead with the same client e-mail or business name, when this
    /// one was entered.
    pub possible_duplicate_of: Option<LeadId>,
    pub closed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewLead {
    pub partner_id: PartnerId,
    pub client_name: String,
    pub client_email: String,
    pub client_phone: Option<String>,
    pub business_name: Option<String>,
    pub project_description: Option<String>,
    /// Cents.
    pub estimated_value: i64,
}

// Written out: the id types are declared by `id_type!`, where a derive would give every id a Default.
#[allow(clippy::derivable_impls)]
impl Default for PartnerId {
    fn default() -> Self {
        PartnerId(uuid::Uuid::nil())
    }
}

/// One move along the pipeline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LeadMove {
    pub lead_id: LeadId,
    pub from_status: Option<LeadStatus>,
    pub to_status: LeadStatus,
    pub at: String,
    pub reopen: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LeadFilter {
    pub partner_id: Option<PartnerId>,
    pub status: Option<LeadStatus>,
    pub search: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}
