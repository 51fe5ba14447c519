use crate::launch::{self, LaunchMarks};
use crate::state::{AppState, CmdResult};
use partnerdesk_core::dashboard::DataInfo;
use partnerdesk_core::dashboard::{self, Dashboard};
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

/// Called once by the UI when the dashboard first shows its figures: see
/// [`crate::launch`] (prints and quits under `make bench-launch`, else nothing).
#[tauri::command(rename_all = "snake_case")]
pub fn launch_ready<R: Runtime>(app: AppHandle<R>, marks: LaunchMarks) -> Option<String> {
    let line = launch::report_if_benchmarking(&marks)?;
    app.exit(0);
    Some(line)
}
