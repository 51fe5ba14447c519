//! Analytics: cohorts, lifetime value, forecasts and daily KPI snapshots
//! (definitions and formulas: docs/analytics.md).
//!
//! Every figure is read from the monthly roll-ups of [`rollup`], which the
//! workflow keeps up to date in the same transaction as each change; a
//! request costs months x cohorts, never a scan of the raw rows. Time is
//! passed in (`now`, from the store's clock): "this month" and the months
//! since approval are counted from it.
//!
//! [`screen()`] answers everything the Analytics screen shows in one call.

pub mod cohorts;
pub mod forecast;
pub mod ltv;
pub mod month;
pub mod rollup;
pub mod screen;
pub mod snapshots;

pub use cohorts::{cohorts, CohortQuery, CohortRow, CohortTable, CohortValue, Measure};
pub use forecast::{forecast, pipeline, Forecast, Pipeline};
pub use ltv::{ltv, LtvBy, LtvReport};
pub use screen::{screen, ScreenData, ScreenRequest};
pub use snapshots::{Kpis, Snapshot};

/// Divide, rounding half away from zero (money per partner, in cents).
pub(crate) fn div_round(num: i64, den: i64) -> i64 {
    if den == 0 {
        return 0;
    }
    (num as f64 / den as f64).round() as i64
}
