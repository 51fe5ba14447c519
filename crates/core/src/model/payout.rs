//! Payouts as partners expect them: a group's hold and payout settings, a
//! partner's balance and tax data, the entries of a payout run (with the
//! self-billing document of each partner paid), and attribution conflicts.

use super::{text_enum, CommissionKind, GroupId, LeadId, PartnerId, PayoutId, RuleTrace};
use serde::{Deserialize, Serialize};

/// A group's payout settings (columns of `partner_groups`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GroupPayout {
    pub group_id: GroupId,
    /// Days a pending commission waits before it is approved by `run-due`
    /// (0: approval by hand).
    pub hold_days: i64,
    /// Cents: a partner is paid only from this balance on.
    pub payout_minimum: i64,
    /// Day of the month a payout run is due (1-28), when scheduled.
    pub payout_day: Option<i64>,
}

/// What `group set` changes of the payout settings (`None` keeps a field;
/// `no_payout_day` removes the schedule).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GroupPayoutEdit {
    pub hold_days: Option<i64>,
    /// Cents.
    pub payout_minimum: Option<i64>,
    pub payout_day: Option<i64>,
    #[serde(default)]
    pub no_payout_day: bool,
}

text_enum!(
    /// A partner's tax form on file.
    TaxForm, "form" {
        None => "none",
        W9 => "w9",
        W8ben => "w8ben",
        Other => "other",
    }
);

/// A partner's tax data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartnerTax {
    pub partner_id: PartnerId,
    pub tax_form: TaxForm,
    /// YYYY-MM-DD.
    pub tax_form_received: Option<String>,
    pub tax_id: Option<String>,
}

text_enum!(
    /// Why a payout run did not pay a partner.
    SkipReason, "reason" {
        BelowMinimum => "below_minimum",
        NegativeBalance => "negative_balance",
        NothingDue => "nothing_due",
    }
);

/// One partner in a payout run (or its preview): paid, or skipped with the reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PayoutCandidate {
    pub partner_id: PartnerId,
    pub partner_name: String,
    pub partner_email: String,
    /// Cents: approved commissions net of approved clawbacks and adjustments.
    pub balance: i64,
    /// Approved commissions (of either sign) in the balance.
    pub commission_count: i64,
    /// The group's payout minimum, cents.
    pub minimum: i64,
    /// The part of the balance made before the partner's previous run.
    pub brought_forward: i64,
    /// None: paid.
    pub reason: Option<SkipReason>,
    /// The self-billing document number (a run's paid partners only).
    pub document_number: Option<String>,
}

/// Who a payout run pays and who it skips, and the totals.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PayoutPlan {
    pub paid: Vec<PayoutCandidate>,
    pub skipped: Vec<PayoutCandidate>,
    /// Cents paid in all.
    pub total: i64,
    pub currency: String,
    /// The payout made (a run that paid someone).
    pub payout_id: Option<PayoutId>,
    /// The run (its entries' `run_id`; a preview has none).
    pub run_id: Option<String>,
}

/// A partner's payable balance and what is still held.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartnerBalance {
    pub partner_id: PartnerId,
    /// Cents: approved, not paid (may be negative: carried forward).
    pub balance: i64,
    pub approved_count: i64,
    /// Cents pending (in their hold, or waiting for approval by hand).
    pub pending: i64,
    pub pending_count: i64,
    /// Cents paid so far.
    pub paid: i64,
    /// What the partner's last run carried forward (0 when paid or never run).
    pub carried_forward: i64,
    pub last_run_at: Option<String>,
    pub minimum: i64,
    pub hold_days: i64,
    pub tax: PartnerTax,
}

/// A pending commission and the day its hold ends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReleaseDate {
    pub commission_id: super::CommissionId,
    /// RFC 3339 UTC; None when its group approves by hand (hold 0).
    pub release_at: Option<String>,
}

/// One line of a payout statement: a paid commission and the rule behind it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatementLine {
    pub commission_id: super::CommissionId,
    pub kind: CommissionKind,
    pub lead_id: Option<LeadId>,
    pub client: Option<String>,
    pub created_at: String,
    pub amount: i64,
    pub rule: RuleTrace,
    pub reason: Option<String>,
    /// Made before the partner's previous run: part of the balance brought forward.
    pub brought_forward: bool,
}

text_enum!(
    /// Which lead keeps a conflicting client.
    Keep, "keep" {
        First => "first",
        New => "new",
    }
);

/// An attribution conflict: a new lead (`lead_id`) whose client belonged to
/// another partner's lead (`first_lead_id`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LeadConflict {
    pub lead_id: LeadId,
    pub first_lead_id: LeadId,
    /// `email` or `business_name`.
    pub matched_on: String,
    pub created_at: String,
    pub resolved_at: Option<String>,
    pub kept: Option<Keep>,
    pub reason: Option<String>,
    pub updated_at: String,
}

/// A conflict with both leads' partners and clients, as the queue shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictView {
    pub conflict: LeadConflict,
    pub client_name: String,
    pub business_name: Option<String>,
    pub new_partner_id: PartnerId,
    pub new_partner_name: String,
    pub first_partner_id: PartnerId,
    pub first_partner_name: String,
    pub first_status: super::LeadStatus,
    /// What the settings suggest (`attribution.default`).
    pub suggested: Keep,
}
