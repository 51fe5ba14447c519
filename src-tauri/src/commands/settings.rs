use crate::state::Logged;
use crate::state::{AppState, CmdResult};
use partnerdesk_core::monitor::{self, BundleReport, Diagnostics};
use partnerdesk_core::queries;
use partnerdesk_core::workflow::settings::{self, SettingEntry, Settings};
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn settings_get(state: State<'_, AppState>) -> CmdResult<Settings> {
    let day = super::rules::today(&state)?;
    state.read(|c| queries::settings(c, &day))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn settings_entries(state: State<'_, AppState>) -> CmdResult<Vec<SettingEntry>> {
    let day = super::rules::today(&state)?;
    state.read(|c| Ok(queries::settings(c, &day)?.entries()))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn setting_set(state: State<'_, AppState>, key: String, value: String) -> CmdResult<Settings> {
    state.write(|tx| settings::set(tx, &key, &value))
}

/// Settings → Diagnostics: versions, settings, database statistics, the
/// checks and the log files (no personal data).
#[tauri::command(rename_all = "snake_case")]
pub async fn diagnostics(state: State<'_, AppState>) -> CmdResult<Diagnostics> {
    let store = state.store()?;
    let at = Logged::start();
    at.result(
        tauri::async_runtime::spawn_blocking(move || monitor::diagnostics(&store))
            .await
            .unwrap_or_else(|e| {
                Err(partnerdesk_core::Error::io(
                    "gathering the diagnostics",
                    std::io::Error::other(e.to_string()),
                ))
            }),
    )
}

/// Save the diagnostics bundle (a zip of the diagnostics and the recent logs) to `path`.
#[tauri::command(rename_all = "snake_case")]
pub async fn diagnostics_bundle(state: State<'_, AppState>, path: String) -> CmdResult<BundleReport> {
    let store = state.store()?;
    let at = Logged::start();
    at.result(
        tauri::async_runtime::spawn_blocking(move || monitor::bundle(&store, std::path::Path::new(&path)))
            .await
            .unwrap_or_else(|e| {
                Err(partnerdesk_core::Error::io(
                    "writing the bundle",
                    std::io::Error::other(e.to_string()),
                ))
            }),
    )
}
