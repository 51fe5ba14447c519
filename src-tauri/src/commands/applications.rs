use crate::state::{AppState, CmdResult};
use partnerdesk_core::model::{Application, ApplicationId, ApplicationStatus, NewApplication, Page, Partner};
use partnerdesk_core::{queries, workflow::applications};
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn applications_list(
    state: State<'_, AppState>,
    status: Option<ApplicationStatus>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> CmdResult<Page<Application>> {
    state.read(|c| queries::applications(c, status, limit, offset))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn application_get(state: State<'_, AppState>, id: ApplicationId) -> CmdResult<Application> {
    state.read(|c| applications::get(c, id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn application_add(state: State<'_, AppState>, input: NewApplication) -> CmdResult<Application> {
    state.write(|tx| applications::add(tx, &input))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn application_review(state: State<'_, AppState>, id: ApplicationId) -> CmdResult<Application> {
    state.write(|tx| applications::review(tx, id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn application_reject(
    state: State<'_, AppState>,
    id: ApplicationId,
    reason: Option<String>,
) -> CmdResult<Application> {
    state.write(|tx| applications::reject_because(tx, id, reason.as_deref()))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn application_approve(state: State<'_, AppState>, id: ApplicationId) -> CmdResult<(Application, Partner)> {
    state.write(|tx| applications::approve(tx, id))
}
