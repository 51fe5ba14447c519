use super::{id_type, text_enum, LeadId, PartnerId, RuleTrace};
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
    /// A commission earned on a won deal, the negative clawback of a paid
    /// one whose deal was reopened, a bonus or adjustment without a lead
    /// (either sign, with a reason; also a milestone bonus), or a retainer
    /// deal's monthly accrual.
    CommissionKind, "kind" {
        Commission => "commission",
        Clawback => "clawback",
        Bonus => "bonus",
        Accrual => "accrual",
    }
);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Commission {
    pub id: CommissionId,
    pub partner_id: PartnerId,
    /// None for a bonus or adjustment.
    pub client_lead_id: Option<LeadId>,
    pub kind: CommissionKind,
    /// Cents; negative for a clawback (and for a negative adjustment).
    pub commission_amount: i64,
    /// Basis points the rule gave when the deal closed (0 for a flat amount or a bonus).
    pub commission_rate: i64,
    /// Cents (0 for a bonus; the month's value for a retainer accrual).
    pub project_value: i64,
    pub status: CommissionStatus,
    pub payout_id: Option<PayoutId>,
    pub paid_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Which rule gave the amount ("why this rate").
    pub rule: RuleTrace,
    /// Why a bonus or adjustment was made.
    pub reason: Option<String>,
    /// A retainer accrual's month (YYYY-MM).
    pub accrual_month: Option<String>,
}

impl Commission {
    /// A commission or its clawback: counts as a won deal (+1 or -1).
    pub fn is_deal(&self) -> bool {
        self.kind.is_deal()
    }
}

impl CommissionKind {
    /// A won deal's commission or its clawback (the others count no deal).
    pub fn is_deal(self) -> bool {
        matches!(self, CommissionKind::Commission | CommissionKind::Clawback)
    }
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
