//! The tests that cross crates, as one test binary: each checks several
//! crates of the workspace at once (a crate's own tests stay in its tests/).
//!
//! `cargo test -p partnerdesk-tests`

mod shells;
