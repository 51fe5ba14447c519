//! The rules: state machines and what each user action does, each one run
//! inside the caller's write transaction ([`crate::store::Tx`]). Every write
//! goes through [`write`](mod@write), the one write path of each record, which keeps
//! the roll-ups, the partner totals and the audit log in step with it.

pub mod accruals;
pub mod applications;
pub mod automation;
pub mod commissions;
pub mod conflicts;
pub mod groups;
pub mod invariants;
pub mod leads;
pub mod partners;
pub mod payouts;
pub mod plans;
pub mod privacy;
pub mod rules;
pub mod settings;
pub mod simulate;
pub mod validate;
pub mod write;
