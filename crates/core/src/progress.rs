//! Progress reporting and cancellation of long work (demo data, backups,
//! import, export, sync). The caller passes a callback; the work calls it now
//! and then with a [`Progress`], and a callback that returns `false` cancels:
//! the work stops with [`Error::Cancelled`] and keeps nothing.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Progress of long work: `done` of `total` in the named stage.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Progress {
    pub stage: String,
    pub done: u64,
    pub total: u64,
}

/// Report `done` of `total` in `stage`; [`Error::Cancelled`] when the
/// callback answers `false`.
pub fn report(progress: &mut dyn FnMut(&Progress) -> bool, stage: &str, done: u64, total: u64) -> Result<()> {
    if progress(&Progress {
        stage: stage.into(),
        done,
        total,
    }) {
        Ok(())
    } else {
        Err(Error::Cancelled)
    }
}
