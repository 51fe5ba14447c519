use crate::state::{AppState, CmdResult};
use partnerdesk_core::dashboard::{self, PartnerToPay};
use partnerdesk_core::model::{Commission, CommissionFilter, CommissionId, Page, PartnerId, Payout};
use partnerdesk_core::{queries, workflow::commissions};
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn commissions_list(state: State<'_, AppState>, filter: CommissionFilter) -> CmdResult<Page<Commission>> {
    state.read(|c| queries::commissions(c, &filter))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn commissions_approve(state: State<'_, AppState>, ids: Vec<CommissionId>) -> CmdResult<Vec<Commission>> {
    state.write(|tx| commissions::approve(tx, &ids))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn commission_cancel(state: State<'_, AppState>, id: CommissionId) -> CmdResult<Commission> {
    state.write(|tx| commissions::cancel(tx, id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn partners_to_pay(
    state: State<'_, AppState>,
    only: Option<Vec<PartnerId>>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> CmdResult<Page<PartnerToPay>> {
    state.read(|c| dashboard::partners_to_pay(c, only.as_deref(), limit, offset))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payout(state: State<'_, AppState>, partner_ids: Vec<PartnerId>) -> CmdResult<Payout> {
    state.write(|tx| commissions::payout(tx, &partner_ids))
}
