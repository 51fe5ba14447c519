// Declares the app's own commands, so each gets an `allow-<command>`
// permission and the capability in capabilities/ can grant exactly these.
const COMMANDS: &[&str] = &[
    "dashboard",
    "amount_parse",
    "data_info",
    "applications_list",
    "application_get",
    "application_add",
    "application_review",
    "application_reject",
    "application_approve",
    "partners_list",
    "partner_detail",
    "partner_names",
    "partner_set_status",
    "partner_set_tier",
    "leads_list",
    "lead_detail",
    "lead_add",
    "lead_move",
    "commissions_list",
    "commissions_approve",
    "commission_cancel",
    "partners_to_pay",
    "payout",
    "plans_list",
    "plan_add",
    "plan_update",
    "plan_set_status",
    "plan_generate",
    "settings_get",
    "settings_entries",
    "setting_set",
    "audit_list",
    // Analytics screen
    "analytics_screen",
    "analytics_chart",
    "analytics_chart_save",
    "analytics_snapshot_take",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
