//! `--json` gives parseable JSON for every list and show command, with the
//! shapes of core's types (amounts in cents, rates in basis points).

use crate::common::Db;
use serde_json::Value;

fn page(v: &Value, total: i64) -> &Vec<Value> {
    assert_eq!(v["total"], total, "{v}");
    assert!(v["limit"].is_i64() && v["offset"].is_i64(), "{v}");
    v["items"].as_array().unwrap_or_else(|| panic!("no items: {v}"))
}

#[test]
fn every_list_and_show_command_prints_json() {
    let db = Db::new();
    let p = db.partner("Ann Lee", "ann@example.com");
    let lead = db.lead(&p, "bob@client.example", "1234.50");
    let won = db.win(&lead, "1234.50");
    assert_eq!(won["commission"]["commission_amount"], 12_345);
    assert_eq!(won["commission"]["project_value"], 123_450);
    let plan = db.json(&[
        "plan",
        "add",
        "--lead",
        &lead,
        "--industry",
        "Food",
        "--features",
        "menu,orders",
        "--timeline",
        "6 weeks",
        "--investment",
        "$15k",
    ]);
    let plan_id = plan["id"].as_str().unwrap().to_owned();

    let apps = db.json(&["application", "list"]);
    let app = &page(&apps, 1)[0];
    assert_eq!(app["status"], "approved");
    let app_id = app["id"].as_str().unwrap();
    assert_eq!(db.json(&["application", "show", app_id])["email"], "ann@example.com");

    let partners = db.json(&["partner", "list"]);
    assert_eq!(page(&partners, 1)[0]["total_earnings"], 12_345);
    let detail = db.json(&["partner", "show", &p]);
    for key in ["partner", "won_revenue", "pending", "approved", "paid", "open_leads"] {
        assert!(!detail[key].is_null(), "no {key} in {detail}");
    }
    assert_eq!(detail["recent_leads"].as_array().unwrap().len(), 1);
    assert_eq!(detail["recent_commissions"].as_array().unwrap().len(), 1);

    let leads = db.json(&["lead", "list", "--partner", &p, "--status", "closed_won"]);
    assert_eq!(page(&leads, 1)[0]["id"], lead.as_str());
    let leads = db.json(&["lead", "list", "--search", "bob@"]);
    page(&leads, 1);
    let ld = db.json(&["lead", "show", &lead]);
    assert_eq!(ld["partner_name"], "Ann Lee");
    assert_eq!(ld["commissions"].as_array().unwrap().len(), 1);

    let cs = db.json(&["commission", "list", "--partner", &p]);
    assert_eq!(page(&cs, 1)[0]["commission_rate"], 1000);

    let plans = db.json(&["plan", "list"]);
    assert_eq!(page(&plans, 1)[0]["features"], serde_json::json!(["menu", "orders"]));
    let shown = db.json(&["plan", "show", &plan_id]);
    assert!(shown["generated_content"].is_null());
    let generated = db.json(&["plan", "generate", &plan_id]);
    assert!(generated["generated_content"]
        .as_str()
        .unwrap()
        .starts_with("# App plan"));

    let audit = db.json(&["audit", "list", "--limit", "3"]);
    let entries = audit.as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries[0]["seq"].as_i64() > entries[1]["seq"].as_i64());

    let settings = db.json(&["settings", "get"]);
    assert!(settings.as_array().unwrap().len() >= 11);
    let doctor = db.json(&["doctor"]);
    assert_eq!(doctor["ok"], true);
    assert_eq!(doctor["counts"]["leads"], 1);
    assert_eq!(db.audit_len() as i64, doctor["counts"]["audit"].as_i64().unwrap());

    let empty = db.json(&["lead", "list", "--status", "prospect"]);
    assert!(page(&empty, 0).is_empty());
}

#[test]
fn json_answers_of_actions() {
    let db = Db::new();
    let app = db.json(&["application", "add", "--name", "Bo", "--email", "bo@example.com"]);
    let id = app["id"].as_str().unwrap().to_owned();
    assert_eq!(db.json(&["application", "review", &id])["status"], "under_review");
    let approved = db.json(&["application", "approve", &id]);
    assert_eq!(approved["application"]["status"], "approved");
    assert_eq!(approved["partner"]["tier"], "bronze");
    let p = approved["partner"]["id"].as_str().unwrap().to_owned();
    assert_eq!(db.json(&["partner", "set-tier", &p, "gold"])["tier"], "gold");
    assert_eq!(db.json(&["partner", "set-status", &p, "paused"])["status"], "paused");
    db.json(&["partner", "set-status", &p, "active"]);
    let lead = db.lead(&p, "c@client.example", "100");
    let moved = db.json(&["lead", "move", &lead, "proposal_sent"]);
    assert_eq!(moved["lead"]["status"], "proposal_sent");
    assert_eq!(moved["reopened"], false);
    assert!(moved["commission"].is_null());
    let won = db.win(&lead, "100");
    let c = won["commission"]["id"].as_str().unwrap().to_owned();
    assert_eq!(won["commission"]["commission_rate"], 1500);
    let approved = db.json(&["commission", "approve", &c]);
    assert_eq!(approved[0]["status"], "approved");
    // 15.00 is below the default payout minimum (50.00): no minimum for this group.
    let g = db.json(&["group", "set", "Standard", "--payout-minimum", "0"]);
    assert_eq!(g["name"], "Standard");
    assert_eq!(g["payout"]["payout_minimum"], 0);
    assert_eq!(g["payout"]["hold_days"], 30);
    let payout = db.json(&["payout", "create", "--partner", &p, "--partner", &p]);
    assert_eq!(payout["total_amount"], 1500);
    assert_eq!(payout["commission_count"], 1);
    assert_eq!(payout["lines"][0]["partner_email"], "bo@example.com");
    let set = db.json(&["settings", "set", "tier.gold.min_revenue", "60000"]);
    assert_eq!(set["key"], "tier.gold.min_revenue");
    assert_eq!(set["value"], "60000.00");
    let rejected = {
        let a = db.json(&["application", "add", "--name", "Cy", "--email", "cy@example.com"]);
        db.json(&["application", "reject", a["id"].as_str().unwrap()])
    };
    assert_eq!(rejected["status"], "rejected");
}
