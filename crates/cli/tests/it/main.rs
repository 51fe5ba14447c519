//! The integration tests of the `partnerdesk` binary, as one test binary:
//! a module per subject, sharing `common`. Each test runs the real binary
//! on a database of its own.
//!
//! Run one subject with a filter on its module path, for example
//! `cargo test -p partnerdesk-cli --test it -- bad_input::`.

mod common;

mod analytics;
mod audit;
mod automation;
mod bad_input;
mod cipher;
mod data;
mod faults;
mod import;
mod json;
mod mail;
mod monitor;
mod payout_faults;
mod payouts;
mod privacy;
mod roundtrip;
mod rules;
mod story;
mod sync;
mod sync_tls;
