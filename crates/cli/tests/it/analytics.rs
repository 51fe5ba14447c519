//! `partnerdesk analytics ...` and `partnerdesk chart ...` run as a user would.

use crate::common::Db;
use serde_json::{json, Value};

/// One partner with a won deal (2,500.00) and one open lead (400.00), today.
fn story() -> (Db, String) {
    let db = Db::new();
    let p = db.partner("Ann Lee", "ann@example.com");
    let won = db.lead(&p, "one@client.example", "1000");
    db.lead(&p, "two@client.example", "400");
    db.ok(&["lead", "move", &won, "closed_won", "--value", "2500"]);
    let partner = db.json(&["partner", "show", &p]);
    let created = partner["created_at"]
        .as_str()
        .or_else(|| partner["partner"]["created_at"].as_str())
        .expect("created_at")
        .to_owned();
    (db, created[..7].to_owned())
}

#[test]
fn cohorts_json_has_the_exact_shape() {
    let (db, month) = story();
    let v = db.json(&["analytics", "cohorts", "--measure", "revenue"]);
    assert_eq!(
        v,
        json!({"measure": "revenue", "cohorts": [{"cohort": month, "size": 1, "values": [250000]}]})
    );
    let v = db.json(&["analytics", "cohorts", "--measure", "active"]);
    assert_eq!(
        v,
        json!({"measure": "active", "cohorts": [{"cohort": month, "size": 1, "values": [1.0]}]})
    );
    let v = db.json(&[
        "analytics",
        "cohorts",
        "--measure",
        "deals",
        "--from",
        &month,
        "--to",
        &month,
    ]);
    assert_eq!(v["cohorts"][0]["values"], json!([1]));
    let v = db.json(&["analytics", "cohorts", "--measure", "cumulative", "--to", "2000-01"]);
    assert_eq!(v, json!({"measure": "cumulative", "cohorts": []}));
    let text = db.ok(&["analytics", "cohorts", "--measure", "revenue"]);
    assert!(text.contains("2,500.00") || text.contains("2500.00"), "{text}");
}

#[test]
fn ltv_forecast_and_snapshots() {
    let (db, month) = story();
    let v = db.json(&["analytics", "ltv", "--by", "cohort"]);
    assert_eq!(v["by"], "cohort");
    assert_eq!(v["groups"][0]["group"], month.as_str());
    // 2,500.00 won - 250.00 commission (bronze 10%)
    assert_eq!(v["groups"][0]["realised_value"], 225_000);
    let v = db.json(&["analytics", "ltv"]);
    assert_eq!(v["by"], "tier");
    assert_eq!(v["groups"].as_array().unwrap().len(), 4);

    let v = db.json(&["analytics", "forecast", "--months", "3"]);
    assert_eq!(v["months"].as_array().unwrap().len(), 3);
    assert_eq!(v["series"][0]["series"], "won_revenue");
    assert_eq!(v["pipeline"]["open_leads"], 1);
    assert_eq!(v["pipeline"]["open_value"], 40_000);
    let text = db.ok(&["analytics", "forecast", "--months", "2"]);
    assert!(text.contains("MASE") && text.contains("pipeline"), "{text}");

    // the analytics commands above took today's snapshot once
    let list = db.json(&["analytics", "snapshots", "--days", "7"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["kpis"]["won_value"], 250_000);
    let snap = db.json(&["analytics", "snapshot"]);
    assert_eq!(snap["kpis"]["open_leads"], 1);
    assert_eq!(snap["kpis"]["outstanding_liability"], 25_000);
    let list = db.json(&["analytics", "snapshots"]);
    assert_eq!(list.as_array().unwrap().len(), 1, "one row per day");
}

#[test]
fn bad_input_names_the_field() {
    let (db, _) = story();
    db.rejects(
        &["analytics", "cohorts", "--measure", "profit"],
        3,
        "validation",
        Some("measure"),
        &["profit"],
    );
    db.rejects(
        &["analytics", "cohorts", "--from", "2026-13"],
        3,
        "validation",
        Some("from"),
        &["2026-13"],
    );
    db.rejects(
        &["analytics", "cohorts", "--from", "2026-05", "--to", "2026-01"],
        3,
        "validation",
        Some("from"),
        &[],
    );
    db.rejects(
        &["analytics", "ltv", "--by", "region"],
        3,
        "validation",
        Some("by"),
        &[],
    );
    db.rejects(
        &["analytics", "forecast", "--months", "13"],
        3,
        "validation",
        Some("months"),
        &[],
    );
    db.rejects(
        &["analytics", "snapshots", "--days", "0"],
        3,
        "validation",
        Some("days"),
        &[],
    );
    db.rejects(
        &["chart", "radar", "--out", "x.svg"],
        3,
        "validation",
        Some("chart"),
        &["radar"],
    );
    db.rejects(
        &["chart", "cohorts", "--out", "x.gif"],
        3,
        "validation",
        Some("out"),
        &["x.gif"],
    );
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    )
}

#[test]
fn every_chart_to_svg_and_png() {
    let (db, _) = story();
    let dir = tempfile::tempdir().unwrap();
    for kind in ["cohorts", "ltv", "forecast", "pipeline", "snapshots"] {
        let svg = dir.path().join(format!("{kind}.svg"));
        let v: Value = db.json(&["chart", kind, "--out", svg.to_str().unwrap(), "--theme", "dark"]);
        assert_eq!(v["chart"], kind);
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.contains("<svg") && text.trim_end().ends_with("</svg>"), "{kind}");
        let png = dir.path().join(format!("{kind}.png"));
        db.ok(&[
            "chart",
            kind,
            "--out",
            png.to_str().unwrap(),
            "--width",
            "640",
            "--height",
            "400",
        ]);
        assert_eq!(png_size(&std::fs::read(&png).unwrap()), (640, 400), "{kind}");
    }
}
