//! The integration tests of partnerdesk-core, as one test binary (one link,
//! one process): a module per subject, sharing `common`.
//!
//! Run one subject with a filter on its module path, for example
//! `cargo test -p partnerdesk-core --test it -- sync::` or
//! `cargo test -p partnerdesk-core --test it -- rules::leads::`.

mod common;

mod analytics;
mod analytics_rollup;
mod audit_chain;
mod automation;
mod backup;
mod cipher;
mod dashboard;
mod demo;
mod faults;
mod files;
mod import;
mod lists;
mod monitor;
mod payout_props;
mod payouts;
mod pg_original;
mod pg_tls;
mod privacy;
mod props;
mod roundtrip;
mod rules;
mod sync;
#[cfg(feature = "ts")]
mod ts_bindings;
mod writes;
