//! Everything the Analytics screen shows, in one call (the desktop app's
//! command delegates here): the cohort heat map, LTV by tier and by cohort,
//! the forecast with its backtest table and the pipeline, the KPIs and their
//! daily trend. Each part carries the formula shown next to it.

use super::cohorts::{cohorts, CohortQuery, CohortTable, Measure};
use super::forecast::{forecast, Forecast};
use super::ltv::{ltv, LtvBy, LtvReport};
use super::snapshots::{self, Kpis, Snapshot};
use crate::clock::fmt_time;
use crate::error::Result;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScreenRequest {
    pub measure: Measure,
    /// First and last cohort (YYYY-MM) of the heat map.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Forecast months, 1..=12.
    pub horizon: u32,
    /// Days of snapshot trend.
    pub snapshot_days: u32,
}

impl Default for ScreenRequest {
    fn default() -> Self {
        ScreenRequest {
            measure: Measure::Active,
            from: None,
            to: None,
            horizon: 6,
            snapshot_days: 90,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScreenData {
    /// The time the figures are as of.
    pub as_of: String,
    pub cohorts: CohortTable,
    pub cohort_formula: String,
    pub ltv_by_tier: LtvReport,
    pub ltv_by_cohort: LtvReport,
    pub forecast: Forecast,
    pub kpis: Kpis,
    pub snapshots: Vec<Snapshot>,
}

/// All of the Analytics screen's data as of `now`.
pub fn screen(conn: &Connection, req: &ScreenRequest, now: DateTime<Utc>) -> Result<ScreenData> {
    Ok(ScreenData {
        as_of: fmt_time(now),
        cohorts: cohorts(
            conn,
            &CohortQuery {
                measure: req.measure,
                from: req.from.clone(),
                to: req.to.clone(),
            },
            now,
        )?,
        cohort_formula: req.measure.formula().into(),
        ltv_by_tier: ltv(conn, LtvBy::Tier, now)?,
        ltv_by_cohort: ltv(conn, LtvBy::Cohort, now)?,
        forecast: forecast(conn, req.horizon, now)?,
        kpis: snapshots::kpis(conn, now)?,
        snapshots: snapshots::list(conn, req.snapshot_days, now)?,
    })
}
