//! The demo data generator (being written).

use crate::error::Result;
use crate::store::Store;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DemoOptions {
    pub partners: usize,
    pub leads: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct DemoReport {
    pub applications: u64,
    pub partners: u64,
    pub leads: u64,
    pub commissions: u64,
    pub payouts: u64,
    pub plans: u64,
}

/// Progress of long work: `done` of `total` in the named stage.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Progress {
    pub stage: String,
    pub done: u64,
    pub total: u64,
}

/// Generate the data set. `progress` is called now and then; returning
/// false cancels (nothing is kept).
pub fn generate(store: &Store, opts: &DemoOptions, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<DemoReport> {
    let _ = (store, opts, progress);
    Ok(DemoReport::default())
}
