//! Everything the Analytics screen shows, in one call (the desktop app's
//! command delegates here): the cohort heat map, LTV by tier and by cohort,
//! the forecast with its backtest table and the pipeline, the KPIs and their
//! daily trend. Each part carries the formula shown next to it.
//!
//! [`open`] is what the app calls: it checks the request, takes the day's
//! snapshot at the first use of a day, then reads. The charts of the screen
//! are drawn by the `charts::screen` module, for the same request.

use super::cohorts::{cohorts, CohortQuery, CohortTable, Measure};
use super::forecast::{self as fc, forecast, Forecast};
use super::ltv::{ltv, LtvBy, LtvReport};
use super::month::parse_month;
use super::snapshots::{self, Kpis, Snapshot};
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::store::Store;
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

impl ScreenRequest {
    /// Refuse a bad request before anything is read or written: months as
    /// YYYY-MM with `from` not after `to`, horizon 1..=12, snapshot days 1..=3660.
    pub fn check(&self) -> Result<()> {
        let from = self.from.as_deref().map(|f| parse_month("from", f)).transpose()?;
        let to = self.to.as_deref().map(|t| parse_month("to", t)).transpose()?;
        if let (Some(f), Some(t)) = (&from, &to) {
            if f > t {
                return Err(Error::validation("from", format!("{f} is after the last month {t}")));
            }
        }
        if !(1..=fc::MAX_HORIZON).contains(&self.horizon) {
            return Err(Error::validation(
                "horizon",
                format!("must be between 1 and {} months", fc::MAX_HORIZON),
            ));
        }
        if !(1..=3_660).contains(&self.snapshot_days) {
            return Err(Error::validation("snapshot_days", "must be between 1 and 3660"));
        }
        Ok(())
    }
}

/// The screen as the app opens it: check `req`, take the day's KPI snapshot
/// at the first use of a day ([`snapshots::ensure_today`]), then read it all.
pub fn open(store: &Store, req: &ScreenRequest) -> Result<ScreenData> {
    req.check()?;
    snapshots::ensure_today(store)?;
    let now = store.now();
    store.read(|c| screen(c, req, now))
}
