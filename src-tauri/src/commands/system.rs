use crate::state::{AppState, CmdResult};
use partnerdesk_core::dashboard::DataInfo;
use partnerdesk_core::dashboard::{self, Dashboard};
use serde::Deserialize;
use tauri::{AppHandle, Runtime, State};

#[tauri::command(rename_all = "snake_case")]
pub async fn dashboard(state: State<'_, AppState>) -> CmdResult<Dashboard> {
    let now = state.store()?.now();
    state.read(|c| dashboard::dashboard(c, now))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn data_info(state: State<'_, AppState>) -> CmdResult<DataInfo> {
    let path = state.store()?.path().display().to_string();
    state.read(|c| dashboard::data_info(c, path))
}

/// Turn what the user typed ("1,234.50") into cents, with core's message on bad input.
#[tauri::command(rename_all = "snake_case")]
pub async fn amount_parse(field: String, text: String) -> CmdResult<i64> {
    partnerdesk_core::money::parse_amount(&field, &text, false).map_err(|e| e.info())
}

/// Set (to anything) by `make bench-launch`: the app prints where its launch
/// time went as soon as the dashboard shows its figures, and quits.
pub const LAUNCH_BENCH: &str = "PARTNERDESK_LAUNCH_BENCH";

/// The page's own record of a launch: its time origin (Unix ms) and, in ms
/// from it, when the script had run, the database had answered and the
/// dashboard's figures were on screen.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct LaunchMarks {
    pub time_origin: f64,
    pub script: f64,
    pub opened: f64,
    pub figures: f64,
}

/// Called once by the UI when the dashboard first shows its figures. Does
/// nothing unless [`LAUNCH_BENCH`] is set; then prints the launch's times,
/// counted from the start of the process, and quits the app.
#[tauri::command(rename_all = "snake_case")]
pub fn launch_ready<R: Runtime>(app: AppHandle<R>, marks: LaunchMarks) -> Option<String> {
    std::env::var_os(LAUNCH_BENCH)?;
    let line = launch_report(crate::process_start_unix_ms(), &marks);
    println!("{line}");
    app.exit(0);
    Some(line)
}

/// One line: the total to the figures, then each step from the process start.
pub fn launch_report(process_start_unix_ms: f64, m: &LaunchMarks) -> String {
    let from_start = |ms_after_origin: f64| (m.time_origin + ms_after_origin - process_start_unix_ms).round();
    format!(
        "launch: figures on screen {} ms after the process started (page started {} ms, script run {} ms, database answered {} ms)",
        from_start(m.figures),
        from_start(0.0),
        from_start(m.script),
        from_start(m.opened),
    )
}
