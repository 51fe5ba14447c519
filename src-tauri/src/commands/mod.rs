//! One module per area; each command is one delegation to partnerdesk-core.
//! The commands are listed once, in `list.rs`: see there how to add one.

#[macro_use]
mod list;
pub mod client;

pub mod analytics;
pub mod applications;
pub mod audit;
pub mod automation;
pub mod commissions;
pub mod leads;
pub mod partners;
pub mod payouts;
pub mod plans;
pub mod rules;
pub mod security;
pub mod settings;
pub mod system;
// The Data screen.
pub mod data;
