//! The rules: state machines and what each user action does, each one run
//! inside the caller's write transaction ([`crate::store::Tx`]) and recorded
//! in the audit log there.

pub mod applications;
pub mod commissions;
pub mod invariants;
pub mod leads;
pub mod partners;
pub mod plans;
pub mod settings;
pub mod validate;
