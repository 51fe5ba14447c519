//! Payouts from the app: the preview and the run, the file in Wise's layout,
//! the self-billing statement, balance and tax data, a group's payout
//! settings, release dates, the tax report, and a conflict decided.

use super::{add_application, app, call};
use serde_json::json;

#[test]
fn a_payout_run_its_files_balance_tax_and_a_conflict_reach_core() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let mut partners = Vec::new();
    for (name, email) in [("Ann", "ann@example.com"), ("Bo", "bo@example.com")] {
        let a = add_application(&app, name, email);
        partners.push(call(&app, "application_approve", json!({"id": a["id"]})).unwrap()[1].clone());
    }
    let (ann, bo) = (&partners[0], &partners[1]);
    let lead = |p: &serde_json::Value, email: &str, business: &str| {
        call(
            &app,
            "lead_add",
            json!({"input": {"partner_id": p["id"], "client_name": "Client", "client_email": email,
                "client_phone": null, "business_name": business, "project_description": null, "estimated_value": 1_000_000}}),
        )
        .unwrap()
    };
    let l = lead(ann, "c@client.example", "Café Corner");
    let won = call(
        &app,
        "lead_move",
        json!({"id": l["lead"]["id"], "to": "closed_won", "project_value": null}),
    )
    .unwrap();
    let c = won["commission"]["id"].clone();
    let dates = call(&app, "release_dates", json!({"ids": [c]})).unwrap();
    assert!(dates[0]["release_at"].is_string(), "{dates}");
    call(&app, "commissions_approve", json!({"ids": [c]})).unwrap();

    let group = ann["group_id"].clone();
    let g = call(&app, "group_payout_get", json!({"id": group})).unwrap();
    assert_eq!(
        (g["hold_days"].clone(), g["payout_minimum"].clone()),
        (json!(30), json!(5000))
    );
    let bad = call(
        &app,
        "group_payout_set",
        json!({"id": group, "edit": {"hold_days": 400, "payout_minimum": null, "payout_day": null, "no_payout_day": false}}),
    )
    .unwrap_err();
    assert_eq!(bad["field"], "hold_days");

    let preview = call(&app, "payout_preview", json!({"partner_ids": []})).unwrap();
    assert_eq!(preview["total"], 100_000);
    let run = call(&app, "payout_run", json!({"partner_ids": []})).unwrap();
    let number = run["paid"][0]["document_number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("SB-") && number.ends_with("-000001"), "{number}");
    let payout = run["payout_id"].clone();
    let wise = dir.path().join("wise.csv");
    call(
        &app,
        "payout_file_save",
        json!({"id": payout, "path": wise, "format": "wise"}),
    )
    .unwrap();
    assert!(std::fs::read_to_string(&wise)
        .unwrap()
        .starts_with("name,recipientEmail,"));
    let doc = dir.path().join("doc.html");
    let f = call(
        &app,
        "self_billing_write",
        json!({"payout_id": payout, "partner_id": ann["id"], "path": doc}),
    )
    .unwrap();
    assert_eq!(f["paid"], 100_000);

    let t = call(
        &app,
        "partner_set_tax",
        json!({"id": ann["id"], "form": "w9", "received": "2026-01-02", "tax_id": "12-3"}),
    )
    .unwrap();
    assert_eq!(t["tax_form"], "w9");
    let bal = call(&app, "partner_balance", json!({"id": ann["id"]})).unwrap();
    assert_eq!(
        (bal["balance"].clone(), bal["paid"].clone()),
        (json!(0), json!(100_000))
    );
    assert_eq!(bal["tax"]["tax_id"], "12-3");
    let year = number[3..7].parse::<i32>().unwrap();
    let report = dir.path().join("tax.csv");
    let r = call(&app, "tax_report_write", json!({"year": year, "path": report})).unwrap();
    assert_eq!(r["rows"][0]["name"], "Ann");

    let held = lead(bo, "other@client.example", "CAFÉ CORNER");
    assert_eq!(held["conflict"]["matched_on"], "business_name");
    let list = call(&app, "lead_conflicts", json!({"all": false})).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let no_reason = call(
        &app,
        "lead_resolve",
        json!({"id": held["lead"]["id"], "keep": "new", "reason": ""}),
    )
    .unwrap_err();
    assert_eq!(no_reason["field"], "reason");
    let done = call(
        &app,
        "lead_resolve",
        json!({"id": held["lead"]["id"], "keep": "new", "reason": "asked for Bo"}),
    )
    .unwrap();
    assert_eq!(done["conflict"]["kept"], "new");
    let d = call(&app, "dashboard", json!({})).unwrap();
    assert_eq!(d["conflicts_count"], 0);
}
