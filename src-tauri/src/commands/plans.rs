use crate::state::{AppState, CmdResult};
use partnerdesk_core::model::{AppPlan, NewPlan, Page, PlanId, PlanStatus};
use partnerdesk_core::queries;
use partnerdesk_core::workflow::plans::{self, PlanPatch};
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn plans_list(
    state: State<'_, AppState>,
    status: Option<PlanStatus>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> CmdResult<Page<AppPlan>> {
    state.read(|c| queries::plans(c, status, limit, offset))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn plan_add(state: State<'_, AppState>, input: NewPlan) -> CmdResult<AppPlan> {
    state.write(|tx| plans::add(tx, &input))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn plan_update(state: State<'_, AppState>, id: PlanId, patch: PlanPatch) -> CmdResult<AppPlan> {
    state.write(|tx| plans::update(tx, id, &patch))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn plan_set_status(state: State<'_, AppState>, id: PlanId, status: PlanStatus) -> CmdResult<AppPlan> {
    state.write(|tx| plans::set_status(tx, id, status))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn plan_generate(state: State<'_, AppState>, id: PlanId) -> CmdResult<AppPlan> {
    state.write(|tx| plans::generate(tx, id))
}
