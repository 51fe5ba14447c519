//! The integration tests of partnerdesk-app, as one test binary: the command
//! list against its sources, capability and client (`commands`), and the
//! commands wired on Tauri's mock runtime (`wiring`).
//!
//! Run one with a filter on its module path, for example
//! `cargo test -p partnerdesk-app --test it -- wiring::`.

mod commands;
mod wiring;
