use crate::state::{AppState, CmdResult};
use partnerdesk_core::model::{AuditEntry, Entity};
use partnerdesk_core::queries::{self, AuditVerification};
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn audit_list(
    state: State<'_, AppState>,
    entity: Option<Entity>,
    entity_id: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> CmdResult<Vec<AuditEntry>> {
    state.read(|c| queries::audit(c, entity, entity_id.as_deref(), limit, offset))
}

/// Walk the audit log's hash chain (the Audit screen's "Verify" button).
#[tauri::command(rename_all = "snake_case")]
pub async fn audit_verify(state: State<'_, AppState>) -> CmdResult<AuditVerification> {
    state.read(queries::audit_verify)
}
