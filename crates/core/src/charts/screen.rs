//! One chart of the Analytics screen, for a screen request: read only the
//! part of the screen it draws ([`crate::analytics`]), then draw it.

use super::{Chart, Theme};
use crate::analytics::cohorts::{cohorts, CohortQuery};
use crate::analytics::forecast::{self as fc, forecast};
use crate::analytics::ltv::{ltv, LtvBy};
use crate::analytics::snapshots;
use crate::analytics::ScreenRequest;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::path::Path;

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
    with_chart(conn, kind, req, now, |chart| super::svg(chart, theme, size))
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
    with_chart(conn, kind, req, now, |chart| super::save(chart, theme, size, path))
}
