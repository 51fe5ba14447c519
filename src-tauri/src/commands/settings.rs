use crate::state::{AppState, CmdResult};
use partnerdesk_core::queries;
use partnerdesk_core::workflow::settings::{self, SettingEntry, Settings};
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn settings_get(state: State<'_, AppState>) -> CmdResult<Settings> {
    state.read(queries::settings)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn settings_entries(state: State<'_, AppState>) -> CmdResult<Vec<SettingEntry>> {
    state.read(|c| Ok(queries::settings(c)?.entries()))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn setting_set(state: State<'_, AppState>, key: String, value: String) -> CmdResult<Settings> {
    state.write(|tx| settings::set(tx, &key, &value))
}
