use crate::state::{AppState, CmdResult};
use partnerdesk_core::model::{Lead, LeadFilter, LeadId, LeadStatus, NewLead, Page};
use partnerdesk_core::queries::{self, LeadDetail};
use partnerdesk_core::workflow::leads::{self, LeadAdded, MoveOutcome};
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn leads_list(state: State<'_, AppState>, filter: LeadFilter) -> CmdResult<Page<Lead>> {
    state.read_searching(filter.search.as_deref(), |c| queries::leads(c, &filter))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn lead_detail(state: State<'_, AppState>, id: LeadId) -> CmdResult<LeadDetail> {
    state.read(|c| queries::lead_detail(c, id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn lead_add(state: State<'_, AppState>, input: NewLead) -> CmdResult<LeadAdded> {
    state.write(|tx| leads::add(tx, &input))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn lead_move(
    state: State<'_, AppState>,
    id: LeadId,
    to: LeadStatus,
    project_value: Option<i64>,
) -> CmdResult<MoveOutcome> {
    state.write(|tx| leads::move_to(tx, id, to, project_value))
}
