//! Everything the Analytics screen shows, in one call (the desktop app's
//! command delegates here): the cohort heat map, LTV by tier and by cohort,
//! the forecast with its backtest table and the pipeline, the KPIs and their
//! daily trend. Each part carries the formula shown next to it.
//!
//! [`open`] is what the app calls: it checks the request, takes the day's
//! snapshot at the first use of a day, then reads. [`chart_svg`] and
//! [`chart_save`] draw one chart of the screen for the same request.

use super::cohorts::{cohorts, CohortQuery, CohortTable, Measure};
use super::forecast::{self as fc, forecast, Forecast};
use super::ltv::{ltv, LtvBy, LtvReport};
use super::month::parse_month;
use super::snapshots::{self, Kpis, Snapshot};
use crate::charts::{self, Chart, Theme};
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::store::Store;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::path::Path;

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

crate::model::text_enum!(
    /// One chart of the Analytics screen.
    ScreenChart, "chart" {
        Cohorts => "cohorts",
        LtvTier => "ltv_tier",
        LtvCohort => "ltv_cohort",
        Forecast => "forecast",
        Pipeline => "pipeline",
        Snapshots => "snapshots",
    }
);

/// Read only the part of the screen that `kind` draws and hand its chart to `f`.
fn with_chart<T>(
    conn: &Connection,
    kind: ScreenChart,
    req: &ScreenRequest,
    now: DateTime<Utc>,
    f: impl FnOnce(Chart<'_>) -> Result<T>,
) -> Result<T> {
    req.check()?;
    match kind {
        ScreenChart::Cohorts => {
            let q = CohortQuery {
                measure: req.measure,
                from: req.from.clone(),
                to: req.to.clone(),
            };
            f(Chart::Cohorts(&cohorts(conn, &q, now)?))
        }
        ScreenChart::LtvTier => f(Chart::Ltv(&ltv(conn, LtvBy::Tier, now)?)),
        ScreenChart::LtvCohort => f(Chart::Ltv(&ltv(conn, LtvBy::Cohort, now)?)),
        ScreenChart::Forecast => f(Chart::Forecast(&forecast(conn, req.horizon, now)?)),
        ScreenChart::Pipeline => f(Chart::Pipeline(&fc::pipeline(conn)?)),
        ScreenChart::Snapshots => f(Chart::Snapshots(&snapshots::list(conn, req.snapshot_days, now)?)),
    }
}

/// The chart `kind` of the screen for `req`, as an SVG document.
pub fn chart_svg(
    conn: &Connection,
    kind: ScreenChart,
    req: &ScreenRequest,
    now: DateTime<Utc>,
    theme: Theme,
    size: (u32, u32),
) -> Result<String> {
    with_chart(conn, kind, req, now, |chart| charts::svg(chart, theme, size))
}

/// Save the chart `kind` of the screen to `path`, a PNG or an SVG by its
/// extension. The path must be absolute (a typed path never lands in the
/// app's working folder) and its folder must exist.
#[allow(clippy::too_many_arguments)]
pub fn chart_save(
    conn: &Connection,
    kind: ScreenChart,
    req: &ScreenRequest,
    now: DateTime<Utc>,
    theme: Theme,
    size: (u32, u32),
    path: &Path,
) -> Result<()> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if ext != "png" && ext != "svg" {
        return Err(Error::validation(
            "path",
            format!("{} must end in .png or .svg", path.display()),
        ));
    }
    if !path.is_absolute() {
        return Err(Error::validation(
            "path",
            format!(
                "{} is not a full path (start it at the root, e.g. /home/me/chart.png)",
                path.display()
            ),
        ));
    }
    if let Some(dir) = path.parent() {
        if !dir.is_dir() {
            return Err(Error::validation(
                "path",
                format!("the folder {} does not exist", dir.display()),
            ));
        }
    }
    with_chart(conn, kind, req, now, |chart| charts::save(chart, theme, size, path))
}
