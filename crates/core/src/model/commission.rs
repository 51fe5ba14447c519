use super::{id_type, text_enum, LeadId, PartnerId};
use serde::{Deserialize, Serialize};

id_type!(CommissionId, super::Entity::Commission);
id_type!(PayoutId, super::Entity::Payout);

text_enum!(CommissionStatus, "status" {
    Pending => "pending",
    Approved => "approved",
    Paid => "paid",
    Cancelled => "cancelled",
});

text_enum!(
    /// A commission earned on a won deal, or the negative clawback of a paid
    /// one whose deal was reopened.
    CommissionKind, "kind" {
        Commission => "commission",
        Clawback => "clawback",
    }
);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Commission {
    pub id: CommissionId,
    pub partner_id: PartnerId,
    pub client_lead_id: LeadId,
    pub kind: CommissionKind,
    /// Cents; negative for a clawback.
    pub commission_amount: i64,
    /// Basis points of the partner's tier when the deal closed.
    pub commission_rate: i64,
    /// Cents.
    pub project_value: i64,
    pub status: CommissionStatus,
    pub payout_id: Option<PayoutId>,
    pub paid_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CommissionFilter {
    pub status: Option<CommissionStatus>,
    pub partner_id: Option<PartnerId>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// A batch of paid commissions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Payout {
    pub id: PayoutId,
    pub total_amount: i64,
    pub commission_count: i64,
    pub currency: String,
    pub created_at: String,
    pub lines: Vec<PayoutLine>,
}

/// One partner's part of a payout batch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PayoutLine {
    pub partner_id: PartnerId,
    pub partner_name: String,
    pub partner_email: String,
    pub amount: i64,
    pub commission_count: i64,
}
