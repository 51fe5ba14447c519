use crate::state::{AppState, CmdResult};
use partnerdesk_core::dashboard::{self, PartnerName};
use partnerdesk_core::model::{Page, Partner, PartnerFilter, PartnerId, PartnerStatus, Tier};
use partnerdesk_core::queries::{self, PartnerDetail};
use partnerdesk_core::workflow::partners;
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn partners_list(state: State<'_, AppState>, filter: PartnerFilter) -> CmdResult<Page<Partner>> {
    state.read_searching(filter.search.as_deref(), |c| queries::partners(c, &filter))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn partner_detail(state: State<'_, AppState>, id: PartnerId) -> CmdResult<PartnerDetail> {
    state.read(|c| queries::partner_detail(c, id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn partner_names(state: State<'_, AppState>, ids: Vec<PartnerId>) -> CmdResult<Vec<PartnerName>> {
    state.read(|c| dashboard::partner_names(c, &ids))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn partner_set_status(
    state: State<'_, AppState>,
    id: PartnerId,
    status: PartnerStatus,
) -> CmdResult<Partner> {
    state.write(|tx| partners::set_status(tx, id, status))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn partner_set_tier(state: State<'_, AppState>, id: PartnerId, tier: Tier) -> CmdResult<Partner> {
    state.write(|tx| partners::set_tier(tx, id, tier))
}
