//! Charts with plotters: SVG text for the UI and PNG or SVG files. The font
//! (DejaVu Sans, assets/fonts, licence beside it) is compiled into the
//! binary and registered with plotters' ab_glyph text backend, so rendering
//! never looks for system fonts. Light and dark themes.

mod draw;
pub mod screen;

pub use screen::ScreenChart;

use crate::analytics::{CohortTable, Forecast, LtvReport, Pipeline, Snapshot};
use crate::error::{Error, Result};
use plotters::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// The embedded font (DejaVu Sans 2.37, Bitstream Vera licence: assets/fonts/LICENSE-DejaVu.txt).
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// The family name charts draw text with (the embedded font is registered under it).
pub const FAMILY: &str = "sans-serif";
/// The default size of a chart, in pixels.
pub const DEFAULT_SIZE: (u32, u32) = (960, 540);

crate::model::text_enum!(
    /// Colours for a light or a dark background.
    Theme, "theme" {
        Light => "light",
        Dark => "dark",
    }
);

/// What to draw.
#[derive(Debug, Clone, Copy)]
pub enum Chart<'a> {
    /// The cohort heat map with the value in each cell and the size of each row.
    Cohorts(&'a CohortTable),
    /// Realised and predicted LTV per partner by group.
    Ltv(&'a LtvReport),
    /// Won revenue: history, each model's forecast, the best model's 80%/95% bands.
    Forecast(&'a Forecast),
    /// The open pipeline by stage and its expected value.
    Pipeline(&'a Pipeline),
    /// KPI trends from the daily snapshots.
    Snapshots(&'a [Snapshot]),
}

/// Register the embedded font once (idempotent, thread-safe).
pub fn ensure_font() -> Result<()> {
    static DONE: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
            .map_err(|_| "the embedded font could not be read".to_string())
    })
    .clone()
    .map_err(render_error)
}

fn render_error(e: impl std::fmt::Display) -> Error {
    Error::io("drawing the chart", std::io::Error::other(e.to_string()))
}

fn check_size(size: (u32, u32)) -> Result<()> {
    if !(200..=8000).contains(&size.0) || !(150..=8000).contains(&size.1) {
        return Err(Error::validation(
            "size",
            "width must be 200..8000 and height 150..8000 pixels",
        ));
    }
    Ok(())
}

/// The chart as an SVG document.
pub fn svg(chart: Chart<'_>, theme: Theme, size: (u32, u32)) -> Result<String> {
    ensure_font()?;
    check_size(size)?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw::chart(&root, chart, theme).map_err(render_error)?;
        root.present().map_err(render_error)?;
    }
    Ok(out)
}

/// Save the chart to `path`: PNG or SVG by the extension.
pub fn save(chart: Chart<'_>, theme: Theme, size: (u32, u32), path: &Path) -> Result<()> {
    ensure_font()?;
    check_size(size)?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "svg" => {
            let text = svg(chart, theme, size)?;
            std::fs::write(path, text).map_err(|e| Error::io(format!("writing {}", path.display()), e))
        }
        "png" => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                if !dir.is_dir() {
                    return Err(Error::validation(
                        "out",
                        format!("the folder {} does not exist", dir.display()),
                    ));
                }
            }
            let root = BitMapBackend::new(path, size).into_drawing_area();
            draw::chart(&root, chart, theme).map_err(render_error)?;
            root.present().map_err(|e| {
                Error::io(
                    format!("writing {}", path.display()),
                    std::io::Error::other(e.to_string()),
                )
            })
        }
        _ => Err(Error::validation(
            "out",
            format!("{} must end in .svg or .png", path.display()),
        )),
    }
}
