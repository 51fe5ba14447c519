//! Payouts: the payout run (preview, run, its file in either layout, the
//! self-billing statements), balances and tax data of partners, the groups'
//! payout settings, release dates, the tax report, attribution conflicts.

use crate::state::{AppState, CmdResult};
use partnerdesk_core::exchange::payout_file::{self, PayoutFormat};
use partnerdesk_core::exchange::self_billing::{self, SelfBillingFile};
use partnerdesk_core::exchange::tax_report::{self, TaxReport};
use partnerdesk_core::model::{
    CommissionId, ConflictView, GroupId, GroupPayout, GroupPayoutEdit, Keep, LeadId, PartnerBalance, PartnerId,
    PartnerTax, Payout, PayoutId, PayoutPlan, ReleaseDate, TaxForm,
};
use partnerdesk_core::workflow::{conflicts, payouts};
use std::path::Path;
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn payout_preview(state: State<'_, AppState>, partner_ids: Vec<PartnerId>) -> CmdResult<PayoutPlan> {
    state.read(|c| payouts::preview(c, &partner_ids))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payout_run(state: State<'_, AppState>, partner_ids: Vec<PartnerId>) -> CmdResult<PayoutPlan> {
    state.write(|tx| payouts::run(tx, &partner_ids))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payout_file_save(
    state: State<'_, AppState>,
    id: PayoutId,
    path: String,
    format: PayoutFormat,
) -> CmdResult<Payout> {
    state.read(|c| payout_file::write_as(c, id, Path::new(&path), format))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn self_billing_write(
    state: State<'_, AppState>,
    payout_id: PayoutId,
    partner_id: PartnerId,
    path: String,
) -> CmdResult<SelfBillingFile> {
    state.read(|c| self_billing::write(c, payout_id, partner_id, Path::new(&path)))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn partner_balance(state: State<'_, AppState>, id: PartnerId) -> CmdResult<PartnerBalance> {
    state.read(|c| payouts::balance(c, id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn partner_set_tax(
    state: State<'_, AppState>,
    id: PartnerId,
    form: TaxForm,
    received: Option<String>,
    tax_id: Option<String>,
) -> CmdResult<PartnerTax> {
    state.write(|tx| payouts::set_tax(tx, id, form, received.as_deref(), tax_id.as_deref()))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn group_payout_get(state: State<'_, AppState>, id: GroupId) -> CmdResult<GroupPayout> {
    state.read(|c| payouts::group_settings(c, id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn group_payout_set(
    state: State<'_, AppState>,
    id: GroupId,
    edit: GroupPayoutEdit,
) -> CmdResult<GroupPayout> {
    state.write(|tx| payouts::set_group(tx, id, &edit))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn release_dates(state: State<'_, AppState>, ids: Vec<CommissionId>) -> CmdResult<Vec<ReleaseDate>> {
    state.read(|c| payouts::release_dates(c, &ids))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn tax_report_write(state: State<'_, AppState>, year: i32, path: String) -> CmdResult<TaxReport> {
    state.read(|c| tax_report::write(c, year, Path::new(&path)))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn lead_conflicts(state: State<'_, AppState>, all: bool) -> CmdResult<Vec<ConflictView>> {
    state.read(|c| conflicts::list(c, all, 500))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn lead_resolve(
    state: State<'_, AppState>,
    id: LeadId,
    keep: Keep,
    reason: String,
) -> CmdResult<ConflictView> {
    state.write(|tx| conflicts::resolve(tx, id, Some(keep), &reason))
}
