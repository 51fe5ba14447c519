//! The Analytics screen: the whole screen in one call, snapshots, charts.

use super::*;

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
