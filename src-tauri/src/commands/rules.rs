//! Commission rules: groups, tier tables and their versions, overrides,
//! bonuses, what has come due, and the simulator.

use crate::state::{AppState, CmdResult};
use partnerdesk_core::clock::fmt_time;
use partnerdesk_core::model::{Commission, Group, GroupId, LeadId, LeadStatus, Partner, PartnerId, RuleScope};
use partnerdesk_core::workflow::leads::{self, MoveOutcome};
use partnerdesk_core::workflow::rules::{
    self, DueRun, GroupEdit, GroupInfo, OverrideInput, PartnerRules, RetainerTerms, RuleChanged, RulesView, TierChange,
};
use partnerdesk_core::workflow::simulate::{self, Draft, Simulation};
use tauri::State;

/// Today (UTC day) by the store's clock.
pub(crate) fn today(state: &AppState) -> CmdResult<String> {
    Ok(fmt_time(state.store()?.now())[..10].to_owned())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn groups_list(state: State<'_, AppState>) -> CmdResult<Vec<GroupInfo>> {
    let day = today(&state)?;
    state.read(|c| rules::groups(c, &day))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn group_add(state: State<'_, AppState>, name: String) -> CmdResult<Group> {
    state.write(|tx| rules::add_group(tx, &name))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn group_edit(state: State<'_, AppState>, id: GroupId, edit: GroupEdit) -> CmdResult<Group> {
    state.write(|tx| rules::edit_group(tx, id, &edit))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rules_show(state: State<'_, AppState>, group: Option<GroupId>) -> CmdResult<RulesView> {
    let day = today(&state)?;
    state.read(|c| rules::show(c, group, &day))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rules_set_tier(state: State<'_, AppState>, change: TierChange) -> CmdResult<RuleChanged> {
    state.write(|tx| rules::set_tier(tx, &change))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rules_use_default(
    state: State<'_, AppState>,
    group: GroupId,
    from: Option<String>,
    scope: RuleScope,
) -> CmdResult<RuleChanged> {
    state.write(|tx| rules::use_default_table(tx, group, from.as_deref(), scope))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn rules_simulate(
    state: State<'_, AppState>,
    draft: Draft,
    from: Option<String>,
    to: Option<String>,
) -> CmdResult<Simulation> {
    let day = today(&state)?;
    state.read(|c| simulate::simulate(c, &draft, from.as_deref(), to.as_deref(), &day))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn partner_rules(state: State<'_, AppState>, id: PartnerId) -> CmdResult<PartnerRules> {
    let day = today(&state)?;
    state.read(|c| rules::partner_rules(c, id, &day))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn partner_set_group(state: State<'_, AppState>, id: PartnerId, group: GroupId) -> CmdResult<Partner> {
    state.write(|tx| rules::set_partner_group(tx, id, group))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn partner_set_override(
    state: State<'_, AppState>,
    id: PartnerId,
    input: OverrideInput,
) -> CmdResult<RuleChanged> {
    state.write(|tx| rules::set_override(tx, id, &input))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn partner_clear_override(state: State<'_, AppState>, id: PartnerId) -> CmdResult<RuleChanged> {
    state.write(|tx| rules::clear_override(tx, id))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn commission_bonus(
    state: State<'_, AppState>,
    partner_id: PartnerId,
    amount: i64,
    reason: String,
) -> CmdResult<Commission> {
    state.write(|tx| rules::bonus(tx, partner_id, amount, &reason))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn run_due(state: State<'_, AppState>) -> CmdResult<DueRun> {
    state.write(rules::run_due)
}

/// Close a lead as won, optionally as a retainer deal (a monthly value and a term).
#[tauri::command(rename_all = "snake_case")]
pub async fn lead_win(
    state: State<'_, AppState>,
    id: LeadId,
    project_value: Option<i64>,
    retainer: Option<RetainerTerms>,
) -> CmdResult<MoveOutcome> {
    state.write(|tx| leads::move_to_with(tx, id, LeadStatus::ClosedWon, project_value, retainer))
}
