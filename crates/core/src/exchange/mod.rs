//! Data exchange: import and export of files, and sync to other databases.

pub mod csv_out;
pub mod export;
pub mod import;
pub mod payout_file;
pub mod pg;
pub mod self_billing;
pub mod statement;
pub mod sync;
pub mod tax_report;
