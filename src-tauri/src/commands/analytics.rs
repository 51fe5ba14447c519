//! The Analytics screen: all of its data in one call, each chart as SVG text
//! or saved to a file, and the KPI snapshot on demand.

use crate::state::{AppState, CmdResult};
use partnerdesk_core::analytics::screen::{self, ScreenData, ScreenRequest};
use partnerdesk_core::analytics::snapshots::{self, Snapshot};
use partnerdesk_core::charts::screen::{chart_save, chart_svg};
use partnerdesk_core::charts::{ScreenChart, Theme};
use std::path::PathBuf;
use tauri::State;

/// Everything the screen shows; the first call of a day takes the day's snapshot.
#[tauri::command(rename_all = "snake_case")]
pub async fn analytics_screen(state: State<'_, AppState>, req: ScreenRequest) -> CmdResult<ScreenData> {
    let store = state.store()?;
    crate::state::Logged::start().result(screen::open(&store, &req))
}

/// One chart of the screen for `req`, as an SVG document.
#[tauri::command(rename_all = "snake_case")]
pub async fn analytics_chart(
    state: State<'_, AppState>,
    kind: ScreenChart,
    req: ScreenRequest,
    theme: Theme,
    width: u32,
    height: u32,
) -> CmdResult<String> {
    let now = state.store()?.now();
    state.read(|c| chart_svg(c, kind, &req, now, theme, (width, height)))
}

/// Save one chart of the screen to `path` (.png or .svg).
#[tauri::command(rename_all = "snake_case")]
#[allow(clippy::too_many_arguments)]
pub async fn analytics_chart_save(
    state: State<'_, AppState>,
    kind: ScreenChart,
    req: ScreenRequest,
    theme: Theme,
    width: u32,
    height: u32,
    path: PathBuf,
) -> CmdResult<()> {
    let now = state.store()?.now();
    state.read(|c| chart_save(c, kind, &req, now, theme, (width, height), &path))
}

/// Take today's KPI snapshot now (replacing one taken earlier today), audited.
#[tauri::command(rename_all = "snake_case")]
pub async fn analytics_snapshot_take(state: State<'_, AppState>) -> CmdResult<Snapshot> {
    state.write(snapshots::take)
}
