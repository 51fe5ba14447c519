//! Command wiring on Tauri's mock runtime, with the app's real config and
//! capabilities: each command reaches core, results and errors come back as
//! the UI sees them.

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

// ---------------------------------------------------------------------------
// The Data screen.

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

#[test]
fn backup_create_list_verify_and_restore_undoes_a_change() {
    let app = app();
    add_application(&app, "Kept", "kept@example.com");
    let b = call(&app, "backup_create", json!({"op": 1, "on_progress": CHANNEL})).unwrap();
    assert_eq!(b["kind"], "manual");
    let list = call(&app, "backups_list", json!({})).unwrap();
    assert_eq!(list[0]["file_name"], b["file_name"]);
    assert!(list[0]["size"].as_u64().unwrap() > 0);
    let v = call(&app, "backup_verify", json!({"path": b["path"]})).unwrap();
    assert_eq!(v["ok"], true);

    add_application(&app, "Gone", "gone@example.com");
    assert_eq!(total_applications(&app), 2);
    let r = call(
        &app,
        "backup_restore",
        json!({"path": b["path"], "op": 2, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert!(r["set_aside"].as_str().unwrap().contains("pre-restore"));
    // The store was reopened on the restored file.
    assert_eq!(total_applications(&app), 1);
    // Nothing runs any more: cancelling answers false.
    assert_eq!(call(&app, "operation_cancel", json!({"op": 2})).unwrap(), false);
    // A file that is not a backup is refused, and the database stays usable.
    let e = call(
        &app,
        "backup_restore",
        json!({"path": "/nonexistent/x.db", "op": 3, "on_progress": CHANNEL}),
    )
    .unwrap_err();
    assert_eq!(e["kind"], "io");
    assert_eq!(total_applications(&app), 1);
}

#[test]
fn export_import_statement_payout_and_sync_are_wired() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let a = add_application(&app, "Ann Export", "ann@example.com");
    let partner = call(&app, "application_approve", json!({"id": a["id"]})).unwrap()[1].clone();

    let tables = call(&app, "export_tables", json!({})).unwrap();
    assert!(tables.as_array().unwrap().iter().any(|t| t == "partners"));
    let out = dir.path().join("export");
    let r = call(
        &app,
        "export_run",
        json!({"format": "csv", "dir": out, "table": null, "op": 1, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert!(r["files"].as_array().unwrap().len() > 3);
    assert!(out.join("partners.csv").exists());

    let csv = dir.path().join("apps.csv");
    std::fs::write(
        &csv,
        "Full name,email,experience_level\nBea,bea@example.com,expert\nCy,not-an-email,beginner\n",
    )
    .unwrap();
    let p = call(&app, "import_preview", json!({"table": "applications", "path": csv})).unwrap();
    assert_eq!(p["columns"], json!(["Full name", "email", "experience_level"]));
    assert_eq!(p["suggested"]["email"], "email");
    assert!(p["suggested"].get("Full name").is_none());
    let mapping = json!({"Full name": "name", "email": "email", "experience_level": "experience_level"});
    let dry = call(
        &app,
        "import_run",
        json!({"table": "applications", "path": csv, "mapping": mapping, "dry_run": true, "update": false, "decimal_mark": "dot", "op": 2, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert_eq!(dry["bad_rows"][0]["line"], 3);
    assert_eq!(dry["imported"], 0);
    assert_eq!(total_applications(&app), 1);
    std::fs::write(
        &csv,
        "Full name,email,experience_level\nBea,bea@example.com,expert\nCy,cy@example.com,beginner\n",
    )
    .unwrap();
    let done = call(
        &app,
        "import_run",
        json!({"table": "applications", "path": csv, "mapping": mapping, "dry_run": false, "update": false, "decimal_mark": "dot", "op": 3, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert_eq!(done["imported"], 2);
    assert_eq!(total_applications(&app), 3);

    let html = dir.path().join("ann.html");
    let s = call(
        &app,
        "statement_write",
        json!({"partner_id": partner["id"], "path": html}),
    )
    .unwrap();
    assert_eq!(s["partner_name"], "Ann Export");
    assert!(std::fs::read_to_string(&html).unwrap().contains("Ann Export"));
    assert_eq!(call(&app, "payouts_list", json!({"limit": 50})).unwrap(), json!([]));
    let e = call(
        &app,
        "payout_file_write",
        json!({"id": "00000000-0000-0000-0000-000000000000", "path": dir.path().join("p.csv")}),
    )
    .unwrap_err();
    assert_eq!(e["kind"], "not_found");

    assert_eq!(
        call(&app, "sync_status", json!({})).unwrap()["last_export_at"],
        Value::Null
    );
    let feed = dir.path().join("feed");
    let x = call(
        &app,
        "sync_export",
        json!({"dir": feed, "op": 4, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert!(x["file"].as_str().unwrap().ends_with("feed-000001.jsonl"));
    let st = call(&app, "sync_status", json!({})).unwrap();
    assert_eq!(st["last_export_file"], "feed-000001.jsonl");
    assert!(st["last_export_at"].is_string());
    let e = call(
        &app,
        "sync_apply",
        json!({"dir": dir.path().join("nofeed"), "op": 5, "on_progress": CHANNEL}),
    )
    .unwrap_err();
    assert!(!e["message"].as_str().unwrap().is_empty());
}

#[test]
fn a_push_never_echoes_the_password() {
    let app = app();
    let url = "postgresql://bob:s3cr3t-pw@127.0.0.1:1/db?connect_timeout=2";
    let e = call(&app, "sync_push", json!({"url": url, "op": 1, "on_progress": CHANNEL})).unwrap_err();
    let m = e["message"].as_str().unwrap();
    assert!(!m.contains("s3cr3t-pw"), "{m}");
    assert!(m.contains("bob@127.0.0.1"), "{m}");
}

#[test]
fn a_damaged_database_is_not_written_and_the_newest_good_backup_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    // A good database with a backup, then random bytes over it.
    {
        let app = app_on(
            AppState::from_store(Store::open(&db, Arc::new(SystemClock)).unwrap()),
            tempfile::tempdir().unwrap(),
        );
        add_application(&app, "Saved", "saved@example.com");
        call(&app, "backup_create", json!({"op": 1, "on_progress": CHANNEL})).unwrap();
    }
    let garbage: Vec<u8> = (0..40_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    std::fs::write(&db, &garbage).unwrap();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("d.db{side}")));
    }

    let app = app_on(AppState::open(Some(&db)), tempfile::tempdir().unwrap());
    let r = call(&app, "recovery", json!({})).unwrap();
    assert_eq!(r["error"]["kind"], "corrupt");
    assert_eq!(r["restorable"], true);
    let good = r["newest_good"]["path"].as_str().unwrap().to_owned();
    assert_eq!(call(&app, "dashboard", json!({})).unwrap_err()["kind"], "corrupt");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        garbage,
        "the damaged file is left as it was"
    );

    let rep = call(
        &app,
        "backup_restore",
        json!({"path": good, "op": 2, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert_eq!(std::fs::read(rep["set_aside"].as_str().unwrap()).unwrap(), garbage);
    assert_eq!(call(&app, "recovery", json!({})).unwrap(), Value::Null);
    assert_eq!(total_applications(&app), 1);
}

#[test]
fn operation_cancel_flips_the_flag_of_that_operation_only() {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::from_store(Store::open(dir.path().join("c.db"), Arc::new(SystemClock)).unwrap());
    let a = state.begin_op(5);
    let b = state.begin_op(6);
    assert!(state.cancel_op(5));
    assert!(a.cancelled());
    assert!(!b.cancelled());
    drop(a);
    assert!(!state.cancel_op(5), "an operation that ended is not running");
}

// ---- Analytics screen ----

/// Two partners, one won lead (10,000.00), one open lead.
fn analytics_data(app: &App) {
    for (name, email) in [("Ann", "ann@example.com"), ("Bob", "bob@example.com")] {
        let a = add_application(app, name, email);
        let partner = call(app, "application_approve", json!({"id": a["id"]})).unwrap()[1].clone();
        let added = call(
            app,
            "lead_add",
            json!({"input": {"partner_id": partner["id"], "client_name": "Client", "client_email": "c@client.example",
                "client_phone": null, "business_name": format!("{name} Co"), "project_description": null,
                "estimated_value": 500_000}}),
        )
        .unwrap();
        if name == "Ann" {
            call(
                app,
                "lead_move",
                json!({"id": added["lead"]["id"], "to": "closed_won", "project_value": 1_000_000}),
            )
            .unwrap();
        }
    }
}

fn screen_req(measure: &str, horizon: u32) -> Value {
    json!({"measure": measure, "from": null, "to": null, "horizon": horizon, "snapshot_days": 90})
}

#[test]
fn analytics_screen_has_every_part_in_one_call_and_takes_the_days_snapshot() {
    let app = app();
    analytics_data(&app);
    let d = call(&app, "analytics_screen", json!({"req": screen_req("active", 4)})).unwrap();
    let rows = d["cohorts"]["cohorts"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "both partners were approved this month");
    assert_eq!(rows[0]["size"], 2);
    assert_eq!(d["cohorts"]["measure"], "active");
    assert!(d["cohort_formula"].as_str().unwrap().starts_with("active"));
    assert_eq!(d["ltv_by_tier"]["groups"].as_array().unwrap().len(), 4);
    assert_eq!(d["ltv_by_cohort"]["groups"].as_array().unwrap().len(), 1);
    assert_eq!(d["forecast"]["months"].as_array().unwrap().len(), 4);
    assert_eq!(d["forecast"]["series"][0]["series"], "won_revenue");
    assert_eq!(d["forecast"]["pipeline"]["open_leads"], 1);
    assert_eq!(d["kpis"]["partners"], 2);
    assert_eq!(d["kpis"]["won_value"], 1_000_000);
    for f in [
        &d["ltv_by_tier"]["formula"],
        &d["forecast"]["formula"],
        &d["forecast"]["pipeline"]["formula"],
    ] {
        assert!(!f.as_str().unwrap().is_empty());
    }
    let snaps = d["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 1, "the first use of the day took the snapshot");
    assert_eq!(snaps[0]["kpis"]["partners"], 2);

    let rev = call(&app, "analytics_screen", json!({"req": screen_req("revenue", 1)})).unwrap();
    assert_eq!(
        rev["cohorts"]["cohorts"][0]["values"][0], 500_000,
        "10,000.00 won / 2 partners"
    );
    assert_eq!(rev["forecast"]["months"].as_array().unwrap().len(), 1);
    assert_eq!(rev["snapshots"].as_array().unwrap().len(), 1, "once a day");
}

#[test]
fn analytics_snapshot_on_demand_replaces_todays_row_and_is_audited() {
    let app = app();
    analytics_data(&app);
    call(&app, "analytics_screen", json!({"req": screen_req("active", 6)})).unwrap();
    let s = call(&app, "analytics_snapshot_take", json!({})).unwrap();
    assert_eq!(s["kpis"]["open_leads"], 1);
    let d = call(&app, "analytics_screen", json!({"req": screen_req("active", 6)})).unwrap();
    let snaps = d["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0]["taken_at"], s["taken_at"]);
    let log = call(
        &app,
        "audit_list",
        json!({"entity": "database", "entity_id": "snapshot", "limit": 10, "offset": 0}),
    )
    .unwrap();
    assert_eq!(
        log.as_array().unwrap().len(),
        2,
        "the automatic one and the one on demand"
    );
}

#[test]
fn analytics_charts_come_back_as_svg_in_both_themes() {
    let app = app();
    analytics_data(&app);
    for kind in ["cohorts", "ltv_tier", "ltv_cohort", "forecast", "pipeline", "snapshots"] {
        for theme in ["light", "dark"] {
            let svg = call(
                &app,
                "analytics_chart",
                json!({"kind": kind, "req": screen_req("deals", 6), "theme": theme, "width": 640, "height": 360}),
            )
            .unwrap();
            let svg = svg.as_str().unwrap();
            assert!(
                svg.starts_with("<svg") && svg.contains("width=\"640\""),
                "{kind} {theme}"
            );
        }
    }
}

#[test]
fn analytics_chart_save_writes_png_or_svg_by_extension() {
    let app = app();
    analytics_data(&app);
    let dir = tempfile::tempdir().unwrap();
    let save = |kind: &str, path: &std::path::Path| {
        call(
            &app,
            "analytics_chart_save",
            json!({"kind": kind, "req": screen_req("revenue", 6), "theme": "dark", "width": 800, "height": 450,
                "path": path}),
        )
    };
    let png = dir.path().join("forecast.png");
    save("forecast", &png).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let svg = dir.path().join("cohorts.svg");
    save("cohorts", &svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));

    let err = save("cohorts", &dir.path().join("cohorts.jpg")).unwrap_err();
    assert_eq!(
        (err["kind"].as_str(), err["field"].as_str()),
        (Some("validation"), Some("path"))
    );
    assert!(!dir.path().join("cohorts.jpg").exists());
    let err = save("cohorts", std::path::Path::new("relative.png")).unwrap_err();
    assert_eq!(err["field"], "path");
    let err = save("pie", &dir.path().join("pie.png")).unwrap_err();
    assert!(err.to_string().contains("pie"), "an unknown chart is refused: {err}");
}

#[test]
fn analytics_bad_requests_are_validation_errors() {
    let app = app();
    for (req, field) in [
        (screen_req("active", 0), "horizon"),
        (screen_req("active", 13), "horizon"),
        (
            json!({"measure": "active", "from": "2026-05", "to": "2026-01", "horizon": 6, "snapshot_days": 90}),
            "from",
        ),
        (
            json!({"measure": "active", "from": "May 2026", "to": null, "horizon": 6, "snapshot_days": 90}),
            "from",
        ),
    ] {
        let err = call(&app, "analytics_screen", json!({"req": req})).unwrap_err();
        assert_eq!(
            (err["kind"].as_str(), err["field"].as_str()),
            (Some("validation"), Some(field))
        );
    }
    let err = call(
        &app,
        "analytics_chart",
        json!({"kind": "forecast", "req": screen_req("active", 99), "theme": "light", "width": 640, "height": 360}),
    )
    .unwrap_err();
    assert_eq!(err["field"], "horizon");
    let err = call(
        &app,
        "analytics_chart",
        json!({"kind": "forecast", "req": screen_req("active", 6), "theme": "light", "width": 20, "height": 360}),
    )
    .unwrap_err();
    assert_eq!(err["field"], "size");
    // Nothing was written by the refused requests: no snapshot yet.
    let log = call(
        &app,
        "audit_list",
        json!({"entity": "database", "entity_id": "snapshot", "limit": 10, "offset": 0}),
    )
    .unwrap();
    assert_eq!(log.as_array().unwrap().len(), 0);
}

// ---- The daily backup at start ----

#[test]
fn the_first_start_of_a_day_takes_a_daily_backup_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("daily.db");
    let store = Store::open(&path, Arc::new(SystemClock)).unwrap();
    let state = AppState::from_store(store);
    let daily = || {
        partnerdesk_core::backup::list(&partnerdesk_core::backup::BackupSet::of(&path))
            .unwrap()
            .into_iter()
            .filter(|b| b.kind == partnerdesk_core::backup::BackupKind::Daily)
            .count()
    };
    assert_eq!(daily(), 0);
    partnerdesk_app::start_daily_backup(&state).unwrap().join().unwrap();
    assert_eq!(daily(), 1, "the first start of the day takes one");
    partnerdesk_app::start_daily_backup(&state).unwrap().join().unwrap();
    assert_eq!(daily(), 1, "a second start the same day takes none");
    // A database that did not open gets no backup attempt.
    let broken = AppState::open(Some(&dir.path().join("missing-folder/x.db")));
    if broken.store().is_err() {
        assert!(partnerdesk_app::start_daily_backup(&broken).is_none());
    }
}

// ---- The search index at start ----

#[test]
fn the_start_builds_a_missing_search_index_and_searches_use_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search.db");
    let store = Store::open(&path, Arc::new(SystemClock)).unwrap();
    let ready = |s: &Store| s.read(partnerdesk_core::store::search::ready).unwrap();
    assert!(!ready(&store));
    let state = AppState::from_store(store);
    partnerdesk_app::start_search_index(&state).unwrap().join().unwrap();
    assert!(ready(&state.store().unwrap()), "built at start");

    // Dropped (as a bulk import does): the next searched list builds it again.
    state
        .store()
        .unwrap()
        .write(|tx| partnerdesk_core::store::search::drop(tx))
        .unwrap();
    let (shared, dir_path) = (state.clone(), dir.path().to_path_buf());
    let app = app_on(state, dir);
    let id = add_application(&app, "Grace Hopper", "grace@navy.example")["id"].clone();
    call(&app, "application_approve", json!({ "id": id })).unwrap();
    let page = call(
        &app,
        "partners_list",
        json!({"filter": {"tier": null, "status": null, "search": "hop", "sort": "name", "desc": false, "limit": 10, "offset": 0}}),
    )
    .unwrap();
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["name"], "Grace Hopper");
    let none = call(
        &app,
        "leads_list",
        json!({"filter": {"partner_id": null, "status": null, "search": "grace", "limit": 10, "offset": 0}}),
    )
    .unwrap();
    assert_eq!(none["total"], 0);

    // A large lead import drops the index (no trigger per row); the app
    // builds it again in the background right after.
    let mut csv = String::from("partner_email,client_name,client_email,project_description\n");
    let text = "w".repeat(4_000);
    for i in 0..1_100 {
        csv.push_str(&format!("grace@navy.example,Bulk {i},bulk{i}@client.example,{text}\n"));
    }
    assert!(csv.len() >= partnerdesk_core::exchange::import::BULK_MIN_BYTES);
    let file = dir_path.join("leads.csv");
    std::fs::write(&file, csv).unwrap();
    let done = call(
        &app,
        "import_run",
        json!({"table": "leads", "path": file, "mapping": {}, "dry_run": false, "update": false, "decimal_mark": "dot", "op": 9, "on_progress": CHANNEL}),
    )
    .unwrap();
    assert_eq!(done["imported"], 1_100);
    let store = shared.store().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !ready(&store) {
        assert!(
            std::time::Instant::now() < deadline,
            "the search index was not built again"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        store.read(partnerdesk_core::store::search::verify).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn the_launch_report_is_granted_and_does_nothing_outside_the_launch_benchmark() {
    use partnerdesk_app::launch::{launch_report, LaunchMarks, LAUNCH_BENCH};
    assert!(std::env::var_os(LAUNCH_BENCH).is_none());
    let app = app();
    let marks = json!({"marks": {"time_origin": 1.0e12, "script": 90.5, "opened": 150.0, "figures": 380.2}});
    assert_eq!(call(&app, "launch_ready", marks).unwrap(), Value::Null);
    let bad = call(&app, "launch_ready", json!({"marks": {"time_origin": "soon"}}));
    assert!(bad.is_err(), "{bad:?}");

    // Times from the process start: the page started 500 ms in, and so on.
    let m = LaunchMarks {
        time_origin: 10_500.0,
        script: 100.0,
        opened: 200.4,
        figures: 400.0,
    };
    assert_eq!(
        launch_report(10_000.0, &m),
        "launch: figures on screen 900 ms after the process started (page started 500 ms, script run 600 ms, database answered 700 ms)"
    );
    // This test process started before now, and not long ago.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0;
    let start = partnerdesk_app::launch::process_start_unix_ms();
    assert!(start <= now + 20.0 && start > now - 3_600_000.0, "{start} vs {now}");
}
