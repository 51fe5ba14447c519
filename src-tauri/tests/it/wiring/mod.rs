//! Command wiring on Tauri's mock runtime, with the app's real config and
//! capabilities: each command reaches core, results and errors come back as
//! the UI sees them. The commands of the Data screen (`data`), the Analytics
//! screen (`analytics`) and what the app does at start (`start`) have
//! modules of their own.

use partnerdesk_app::{builder, AppState};
use partnerdesk_core::clock::SystemClock;
use partnerdesk_core::store::Store;
use serde_json::{json, Value};
use std::sync::Arc;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

struct App {
    _app: tauri::App<tauri::test::MockRuntime>,
    window: WebviewWindow<tauri::test::MockRuntime>,
    _dir: tempfile::TempDir,
}

fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("wiring.db"), Arc::new(SystemClock)).unwrap();
    app_on(AppState::from_store(store), dir)
}

fn call(app: &App, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        &app.window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // http://tauri.localhost counts as a remote origin on Linux.
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn apply_approve_then_the_partner_is_listed_and_on_the_dashboard() {
    let app = app();
    let a = call(
        &app,
        "application_add",
        json!({"input": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": null, "company": "Engines Ltd",
            "network_description": null, "expected_referrals": 3, "experience_level": "expert"}}),
    )
    .unwrap();
    assert_eq!(a["status"], "pending");
    let d = call(&app, "dashboard", json!({})).unwrap();
    assert_eq!(d["applications_waiting_count"], 1);

    let approved = call(&app, "application_approve", json!({"id": a["id"]})).unwrap();
    let partner = &approved[1];
    assert_eq!(partner["tier"], "bronze");

    let page = call(
        &app,
        "partners_list",
        json!({"filter": {"tier": null, "status": null, "search": "ada", "sort": "name", "desc": false, "limit": 10, "offset": 0}}),
    )
    .unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], partner["id"]);

    let detail = call(&app, "partner_detail", json!({"id": partner["id"]})).unwrap();
    assert_eq!(detail["partner"]["email"], "ada@example.com");
    let d = call(&app, "dashboard", json!({})).unwrap();
    assert_eq!(d["active_partners"], 1);
    assert_eq!(d["applications_waiting_count"], 0);
}

#[test]
fn lead_win_makes_a_commission_that_is_approved_and_paid() {
    let app = app();
    let a = add_application(&app, "Bo", "bo@example.com");
    let partner = call(&app, "application_approve", json!({"id": a["id"]})).unwrap()[1].clone();
    let cents = call(
        &app,
        "amount_parse",
        json!({"field": "estimated_value", "text": "12,000.50"}),
    )
    .unwrap();
    assert_eq!(cents, 1_200_050);
    let added = call(
        &app,
        "lead_add",
        json!({"input": {"partner_id": partner["id"], "client_name": "Client", "client_email": "c@client.example",
            "client_phone": null, "business_name": "Client Co", "project_description": null, "estimated_value": cents}}),
    )
    .unwrap();
    let lead = &added["lead"];
    call(
        &app,
        "lead_move",
        json!({"id": lead["id"], "to": "qualified", "project_value": null}),
    )
    .unwrap();
    let won = call(
        &app,
        "lead_move",
        json!({"id": lead["id"], "to": "closed_won", "project_value": 1_000_000}),
    )
    .unwrap();
    let c = &won["commission"];
    assert_eq!(c["commission_amount"], 100_000);
    assert_eq!(c["status"], "pending");

    call(&app, "commissions_approve", json!({"ids": [c["id"]]})).unwrap();
    let to_pay = call(
        &app,
        "partners_to_pay",
        json!({"only": [partner["id"]], "limit": 10, "offset": 0}),
    )
    .unwrap();
    assert_eq!(to_pay["items"][0]["amount"], 100_000);
    let payout = call(&app, "payout", json!({"partner_ids": [partner["id"]]})).unwrap();
    assert_eq!(payout["total_amount"], 100_000);
    let list = call(
        &app,
        "commissions_list",
        json!({"filter": {"status": "paid", "partner_id": partner["id"], "limit": 10, "offset": 0}}),
    )
    .unwrap();
    assert_eq!(list["total"], 1);
}

#[test]
fn core_errors_arrive_as_kind_field_message_and_nothing_is_saved() {
    let app = app();
    let err = call(
        &app,
        "application_add",
        json!({"input": {"name": "X", "email": "not-an-email", "phone": null, "company": null,
            "network_description": null, "expected_referrals": null, "experience_level": null}}),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "validation");
    assert_eq!(err["field"], "email");
    assert!(err["message"].as_str().unwrap().starts_with("email"));
    let page = call(
        &app,
        "applications_list",
        json!({"status": null, "limit": 10, "offset": 0}),
    )
    .unwrap();
    assert_eq!(page["total"], 0);

    let err = call(
        &app,
        "amount_parse",
        json!({"field": "project_value", "text": "12.345"}),
    )
    .unwrap_err();
    assert_eq!(
        (err["kind"].as_str(), err["field"].as_str()),
        (Some("validation"), Some("project_value"))
    );

    let missing = call(
        &app,
        "partner_detail",
        json!({"id": "0190f0f0-0000-7000-8000-000000000000"}),
    )
    .unwrap_err();
    assert_eq!(missing["kind"], "not_found");
}

#[test]
fn settings_and_audit_and_data_info_are_wired() {
    let app = app();
    let s = call(&app, "setting_set", json!({"key": "tier.silver.rate", "value": "13"})).unwrap();
    assert_eq!(s["tiers"][1]["rate_bp"], 1300);
    let entries = call(&app, "settings_entries", json!({})).unwrap();
    assert!(entries.as_array().unwrap().iter().any(|e| e["key"] == "currency"));
    let log = call(
        &app,
        "audit_list",
        json!({"entity": "setting", "entity_id": null, "limit": 10, "offset": 0}),
    )
    .unwrap();
    assert_eq!(log.as_array().unwrap().len(), 1);
    let chain = call(&app, "audit_verify", json!({})).unwrap();
    assert_eq!(chain["ok"], true, "{chain}");
    assert_eq!(chain["rows"], 1);
    assert_eq!(chain["problem"], Value::Null);
    let d = call(&app, "diagnostics", json!({})).unwrap();
    assert_eq!(d["integrity"], "ok");
    assert_eq!(d["audit"]["ok"], true);
    assert_eq!(d["database"]["file_name"], "wiring.db");
    assert!(d["settings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["key"] == "tier.silver.rate"));
    let zip = app._dir.path().join("diag.zip");
    let b = call(&app, "diagnostics_bundle", json!({"path": zip.to_str().unwrap()})).unwrap();
    assert_eq!(b["files"][0], "diagnostics.json");
    assert!(std::fs::read(&zip).unwrap().starts_with(b"PK"));
    let info = call(&app, "data_info", json!({})).unwrap();
    assert!(info["path"].as_str().unwrap().ends_with("wiring.db"));
    assert!(info["schema_version"].as_i64().unwrap() >= 1);
}

#[test]
fn db_argument_is_read_in_both_forms() {
    use std::ffi::OsString;
    let a = |v: &[&str]| partnerdesk_app::db_arg(v.iter().map(OsString::from));
    assert_eq!(a(&["--db", "/tmp/x.db"]).unwrap().to_str(), Some("/tmp/x.db"));
    assert_eq!(a(&["--db=/tmp/y.db"]).unwrap().to_str(), Some("/tmp/y.db"));
    assert!(a(&["--other"]).is_none());
}

fn app_on(state: AppState, dir: tempfile::TempDir) -> App {
    let app = builder(mock_builder(), state)
        .build(tauri::generate_context!())
        .expect("the app builds on the mock runtime");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    App {
        _app: app,
        window,
        _dir: dir,
    }
}

/// A progress channel argument as the UI sends it.
const CHANNEL: &str = "__CHANNEL__:7";

fn add_application(app: &App, name: &str, email: &str) -> Value {
    call(
        app,
        "application_add",
        json!({"input": {"name": name, "email": email, "phone": null, "company": null,
            "network_description": null, "expected_referrals": null, "experience_level": null}}),
    )
    .unwrap()
}

fn total_applications(app: &App) -> i64 {
    call(
        app,
        "applications_list",
        json!({"status": null, "limit": 1, "offset": 0}),
    )
    .unwrap()["total"]
        .as_i64()
        .unwrap()
}

mod analytics;
mod automation;
mod data;
mod payouts;
mod start;

#[test]
fn rules_group_override_bonus_and_a_simulation_reach_core() {
    let app = app();
    let a = call(
        &app,
        "application_add",
        json!({"input": {"name": "Rae", "email": "rae@example.com", "phone": null, "company": null,
            "network_description": null, "expected_referrals": null, "experience_level": null}}),
    )
    .unwrap();
    let partner = call(&app, "application_approve", json!({"id": a["id"]})).unwrap()[1].clone();
    let g = call(&app, "group_add", json!({"name": "Agencies"})).unwrap();
    let dup = call(&app, "group_add", json!({"name": "agencies"})).unwrap_err();
    assert_eq!(
        (dup["kind"].as_str(), dup["field"].as_str()),
        (Some("validation"), Some("name"))
    );
    let moved = call(
        &app,
        "partner_set_group",
        json!({"id": partner["id"], "group": g["id"]}),
    )
    .unwrap();
    assert_eq!(moved["group_id"], g["id"]);
    let v = call(
        &app,
        "rules_set_tier",
        json!({"change": {"group": g["id"], "tier": "bronze", "rate_bp": 1100, "min_deals": null, "min_revenue": null,
            "from": null, "scope": "new"}}),
    )
    .unwrap();
    assert_eq!(v["version"]["subject"], "group");
    let groups = call(&app, "groups_list", json!({})).unwrap();
    assert_eq!(groups[0]["in_force"]["kind"], "group_tier");
    let shown = call(&app, "rules_show", json!({"group": g["id"]})).unwrap();
    assert_eq!(shown["in_force"]["tiers"][0]["rate_bp"], 1100);
    let o = call(
        &app,
        "partner_set_override",
        json!({"id": partner["id"], "input": {"rate_bp": null, "flat": -1, "until": null, "from": null, "scope": null}}),
    )
    .unwrap_err();
    assert_eq!(o["field"], "flat");
    let b = call(
        &app,
        "commission_bonus",
        json!({"partner_id": partner["id"], "amount": 5000, "reason": "launch"}),
    )
    .unwrap();
    assert_eq!(b["rule"]["kind"], "bonus");
    let r = call(&app, "partner_rules", json!({"id": partner["id"]})).unwrap();
    assert_eq!(r["group"]["name"], "Agencies");
    assert_eq!(r["override_in_force"], Value::Null);
    let s = call(
        &app,
        "rules_simulate",
        json!({"draft": {"default": null, "groups": {"Agencies": {"tiers": [{"tier": "bronze", "rate": "12.5"}]}}, "overrides": {}},
            "from": null, "to": null}),
    )
    .unwrap();
    assert_eq!((s["current"].as_i64(), s["draft"].as_i64()), (Some(0), Some(0)));
    let bad = call(
        &app,
        "rules_simulate",
        json!({"draft": {"default": null, "groups": {"Nope": {"tiers": []}}, "overrides": {}}, "from": null, "to": null}),
    )
    .unwrap_err();
    assert_eq!(bad["field"], "draft");
    let due = call(&app, "run_due", json!({})).unwrap();
    assert_eq!(due["accruals"], json!([]));
    let lead = call(
        &app,
        "lead_add",
        json!({"input": {"partner_id": partner["id"], "client_name": "Cy", "client_email": "cy@client.example",
            "client_phone": null, "business_name": null, "project_description": null, "estimated_value": 100000}}),
    )
    .unwrap();
    let won = call(
        &app,
        "lead_win",
        json!({"id": lead["lead"]["id"], "project_value": null, "retainer": {"monthly": 20000, "months": 6}}),
    )
    .unwrap();
    assert_eq!(won["commission"]["rule"]["kind"], "group_tier");
    assert_eq!(won["commission"]["commission_amount"], 11_000);
    assert_eq!(won["retainer"]["months"], 6);
    let edited = call(
        &app,
        "group_edit",
        json!({"id": g["id"], "edit": {"recurring_limit": 3, "milestone": [2, 5000], "no_milestone": false}}),
    )
    .unwrap();
    assert_eq!(
        (edited["recurring_limit"].as_i64(), edited["milestone_deals"].as_i64()),
        (Some(3), Some(2))
    );
}
