//! User stories, run through the binary end to end.

use crate::common::{bin, field, stderr, stdout, Db};
use serde_json::Value;

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

#[test]
fn full_user_story() {
    let db = Db::new();
    let out = db.ok(&["init"]);
    assert!(out.contains(&db.path.display().to_string()), "{out}");

    // Apply, review, approve: the partner appears in the list.
    let app = db.json(&[
        "application",
        "add",
        "--name",
        "Ann Lee",
        "--email",
        "Ann@Example.com",
        "--company",
        "Acme Studio",
        "--phone",
        "+1 (555) 010-2030",
        "--network",
        "Designers in Lyon",
        "--expected-referrals",
        "5",
        "--experience",
        "expert",
    ]);
    assert_eq!(app["status"], "pending");
    assert_eq!(app["email"], "ann@example.com");
    let app_id = s(&app["id"]).to_owned();
    let out = db.ok(&["application", "review", &app_id[..13]]);
    assert!(out.contains("under review"), "{out}");
    let out = db.ok(&["application", "approve", &app_id]);
    assert!(out.contains("approved") && out.contains("bronze"), "{out}");
    let list = db.ok(&["partner", "list"]);
    assert!(list.contains("Ann Lee") && list.contains("ann@example.com"), "{list}");
    let partners = db.json(&["partner", "list"]);
    assert_eq!(partners["total"], 1);
    let p = &partners["items"][0];
    assert_eq!((&p["tier"], &p["status"]), (&"bronze".into(), &"active".into()));
    let pid = s(&p["id"]).to_owned();

    // A lead, moved along the pipeline.
    let added = db.json(&[
        "lead",
        "add",
        "--partner",
        &pid[..8],
        "--client-name",
        "Bob Stone",
        "--client-email",
        "bob@bikes.example",
        "--business",
        "Bob's Bikes",
        "--phone",
        "555-0199",
        "--description",
        "A booking app",
        "--estimated-value",
        "8,000",
    ]);
    assert_eq!(added["lead"]["status"], "prospect");
    assert_eq!(added["lead"]["estimated_value"], 800_000);
    assert!(added["duplicate_of"].is_null());
    let lead = s(&added["lead"]["id"]).to_owned();
    for (from, to) in [
        ("prospect", "qualified"),
        ("qualified", "proposal_sent"),
        ("proposal_sent", "negotiating"),
    ] {
        let out = db.ok(&["lead", "move", &lead, to]);
        assert!(out.contains(&format!("{from} -> {to}")), "{out}");
    }

    // Won at 10000: a pending 10% commission of 1000.00 (and 10000 of
    // revenue reaches silver).
    let out = db.ok(&["lead", "move", &lead, "closed_won", "--value", "10000"]);
    assert!(out.contains("negotiating -> closed_won"), "{out}");
    assert!(
        out.contains("Commission") && out.contains("1000.00") && out.contains("10%"),
        "{out}"
    );
    assert!(out.contains("promoted to silver"), "{out}");
    let list = db.ok(&["commission", "list"]);
    assert!(
        list.contains("1000.00") && list.contains("pending") && list.contains("Ann Lee"),
        "{list}"
    );
    let cs = db.json(&["commission", "list", "--status", "pending"]);
    assert_eq!(cs["total"], 1);
    let c = &cs["items"][0];
    assert_eq!(c["commission_amount"], 100_000);
    assert_eq!(c["commission_rate"], 1000);
    assert_eq!(c["project_value"], 1_000_000);
    let cid = s(&c["id"]).to_owned();

    // Approve, pay.
    let out = db.ok(&["commission", "approve", &cid]);
    assert!(out.contains("approved"), "{out}");
    let out = db.ok(&["payout", "create", "--partner", &pid]);
    assert!(out.contains("1000.00") && out.contains("1 commission"), "{out}");
    let c = &db.json(&["commission", "list"])["items"][0];
    assert_eq!(c["status"], "paid");
    assert!(c["paid_at"].is_string() && c["payout_id"].is_string(), "{c}");

    // The partner's totals.
    let show = db.ok(&["partner", "show", &pid]);
    assert_eq!(field(&show, "Deals"), "1", "{show}");
    assert_eq!(field(&show, "Earnings"), "1000.00", "{show}");
    assert_eq!(field(&show, "Tier"), "silver", "{show}");
    let d = db.json(&["partner", "show", &pid]);
    assert_eq!(d["partner"]["total_deals"], 1);
    assert_eq!(d["partner"]["total_earnings"], 100_000);
    assert_eq!(d["paid"], 100_000);
    assert_eq!(d["won_revenue"], 1_000_000);

    // The lead's history.
    let d = db.json(&["lead", "show", &lead]);
    let moves: Vec<&str> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| s(&m["to_status"]))
        .collect();
    assert_eq!(
        moves,
        ["prospect", "qualified", "proposal_sent", "negotiating", "closed_won"]
    );
    assert!(db.ok(&["lead", "show", &lead]).contains("Bob's Bikes"));

    // The audit log has every change.
    let audit = db.json(&["audit", "list"]);
    let actions: Vec<String> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", s(&e["entity"]), s(&e["action"])))
        .collect();
    for want in [
        "application create",
        "application review",
        "application approve",
        "partner create",
        "lead create",
        "lead move",
        "commission create",
        "partner promote",
        "commission approve",
        "commission pay",
        "payout create",
    ] {
        assert!(actions.iter().any(|a| a == want), "no {want:?} in {actions:?}");
    }
    let plain = db.ok(&["audit", "list"]);
    assert!(plain.contains("status: pending -> approved"), "{plain}");
    let of_lead = db.json(&["audit", "list", "--entity", "lead", "--id", &lead[..13]]);
    let of_lead = of_lead.as_array().unwrap();
    assert_eq!(of_lead.len(), 5, "{of_lead:?}");
    assert!(of_lead.iter().all(|e| e["entity_id"] == lead.as_str()));

    let out = db.ok(&["doctor"]);
    assert!(out.contains("all hold"), "{out}");
}

#[test]
fn promotion_after_three_deals_raises_the_rate_of_the_fourth() {
    let db = Db::new();
    let p = db.partner("Cleo", "cleo@example.com");
    for i in 1..=3 {
        let lead = db.lead(&p, &format!("client{i}@example.com"), "1000");
        let out = db.ok(&["lead", "move", &lead, "closed_won"]);
        assert!(out.contains("100.00") && out.contains("10%"), "{out}");
        assert_eq!(out.contains("promoted to silver"), i == 3, "deal {i}: {out}");
    }
    assert_eq!(db.partner_json(&p)["tier"], "silver");
    let lead = db.lead(&p, "client4@example.com", "1000");
    let o = db.win(&lead, "1000");
    assert_eq!(o["commission"]["commission_rate"], 1250);
    assert_eq!(o["commission"]["commission_amount"], 12_500);
    assert!(o["promoted_to"].is_null());
    let partner = db.partner_json(&p);
    assert_eq!(partner["total_deals"], 4);
    assert_eq!(partner["total_earnings"], 3 * 10_000 + 12_500);
    // Demotion only by hand.
    let out = db.ok(&["partner", "set-tier", &p, "bronze"]);
    assert!(out.contains("bronze"), "{out}");
    let history = db.ok(&["partner", "show", &p]);
    assert!(history.contains("tier: bronze -> silver") && history.contains("tier: silver -> bronze"));
    db.ok(&["doctor"]);
}

#[test]
fn reopening_a_won_deal_cancels_an_unpaid_commission() {
    let db = Db::new();
    let p = db.partner("Dan", "dan@example.com");
    let lead = db.lead(&p, "x@client.example", "2500");
    let won = db.win(&lead, "2500");
    let cid = s(&won["commission"]["id"]).to_owned();
    assert_eq!(db.partner_json(&p)["total_earnings"], 25_000);

    let out = db.ok(&["lead", "move", &lead, "negotiating"]);
    assert!(
        out.contains("reopened") && out.contains("cancelled") && out.contains(&cid),
        "{out}"
    );
    let cs = db.json(&["commission", "list", "--partner", &p]);
    assert_eq!(cs["total"], 1);
    assert_eq!(cs["items"][0]["status"], "cancelled");
    let partner = db.partner_json(&p);
    assert_eq!(
        (partner["total_deals"].as_i64(), partner["total_earnings"].as_i64()),
        (Some(0), Some(0))
    );
    let moves = db.json(&["lead", "show", &lead])["history"].clone();
    assert_eq!(moves.as_array().unwrap().last().unwrap()["reopen"], true);
    db.ok(&["doctor"]);
}

#[test]
fn reopening_a_paid_deal_creates_a_negative_clawback() {
    let db = Db::new();
    let p = db.partner("Eve", "eve@example.com");
    let lead = db.lead(&p, "y@client.example", "0");
    let won = db.win(&lead, "4000");
    let cid = s(&won["commission"]["id"]).to_owned();
    db.ok(&["commission", "approve", &cid]);
    db.ok(&["payout", "create", "--partner", &p]);

    let out = db.ok(&["lead", "move", &lead, "closed_lost"]);
    assert!(out.contains("Clawback") && out.contains("-400.00"), "{out}");
    let cs = db.json(&["commission", "list"]);
    assert_eq!(cs["total"], 2);
    let claw = &cs["items"][0];
    assert_eq!(claw["kind"], "clawback");
    assert_eq!(claw["commission_amount"], -40_000);
    assert_eq!(claw["status"], "pending");
    assert_eq!(cs["items"][1]["status"], "paid");
    let list = db.ok(&["commission", "list"]);
    assert!(list.contains("-400.00") && list.contains("clawback"), "{list}");
    let partner = db.partner_json(&p);
    assert_eq!(
        (partner["total_deals"].as_i64(), partner["total_earnings"].as_i64()),
        (Some(0), Some(0))
    );
    db.ok(&["doctor"]);
}

#[test]
fn a_likely_duplicate_lead_is_flagged() {
    let db = Db::new();
    let p = db.partner("Fay", "fay@example.com");
    let first = db.lead(&p, "same@client.example", "100");

    let o = db.run(&[
        "lead",
        "add",
        "--partner",
        &p,
        "--client-name",
        "Same Again",
        "--client-email",
        "SAME@client.example",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("warning:") && err.contains("duplicate") && err.contains(&first),
        "{err}"
    );
    assert!(stdout(&o).contains("added"));

    // By business name too (case aside), and in the JSON answer.
    db.json(&[
        "lead",
        "add",
        "--partner",
        &p,
        "--client-name",
        "Gus",
        "--client-email",
        "gus@client.example",
        "--business",
        "Gus Garage",
    ]);
    let v = db.json(&[
        "lead",
        "add",
        "--partner",
        &p,
        "--client-name",
        "Gus Two",
        "--client-email",
        "gus2@client.example",
        "--business",
        "gus garage",
    ]);
    assert_eq!(v["duplicate_of"]["business_name"], "Gus Garage");
    assert_eq!(v["lead"]["possible_duplicate_of"], v["duplicate_of"]["id"]);

    // A different client is not flagged.
    let o = db.run(&[
        "lead",
        "add",
        "--partner",
        &p,
        "--client-name",
        "Hal",
        "--client-email",
        "hal@client.example",
    ]);
    assert!(o.status.success() && stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn settings_set_and_get() {
    let db = Db::new();
    let all = db.ok(&["settings", "get"]);
    assert!(all.contains("tier.silver.rate") && all.contains("12.5"), "{all}");
    let out = db.ok(&["settings", "set", "tier.silver.rate", "13"]);
    assert!(out.contains("tier.silver.rate = 13"), "{out}");
    assert_eq!(db.ok(&["settings", "get", "tier.silver.rate"]), "13\n");
    db.ok(&["settings", "set", "currency", "eur"]);
    assert_eq!(db.json(&["settings", "get", "currency"])["value"], "EUR");
    let entries = db.json(&["settings", "get"]);
    assert!(entries
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["key"] == "tier.silver.rate" && e["value"] == "13"));
    assert!(db
        .ok(&["audit", "list", "--entity", "setting"])
        .contains("tier.silver.rate"));

    // The new rate applies to the next deal of a silver partner.
    let p = db.partner("Ida", "ida@example.com");
    db.ok(&["partner", "set-tier", &p, "silver"]);
    let lead = db.lead(&p, "c@client.example", "1000");
    let out = db.ok(&["lead", "move", &lead, "closed_won"]);
    assert!(out.contains("130.00") && out.contains("13%"), "{out}");
    let payout = {
        let c = db.json(&["commission", "list"])["items"][0]["id"].clone();
        db.ok(&["commission", "approve", s(&c)]);
        db.json(&["payout", "create", "--partner", &p])
    };
    assert_eq!(payout["currency"], "EUR");
}

#[test]
fn partner_status_and_list_filters() {
    let db = Db::new();
    let a = db.partner("Ann Alpha", "ann@alpha.example");
    let b = db.partner("Bea Beta", "bea@beta.example");
    db.ok(&["partner", "set-status", &b, "paused"]);
    let v = db.json(&["partner", "list", "--status", "paused"]);
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["id"], b.as_str());
    let v = db.json(&["partner", "list", "--search", "alpha"]);
    assert_eq!(v["items"][0]["id"], a.as_str());
    let v = db.json(&["partner", "list", "--sort", "name", "--desc", "--limit", "1"]);
    assert_eq!(
        (v["total"].as_i64(), v["items"].as_array().unwrap().len()),
        (Some(2), 1)
    );
    assert_eq!(v["items"][0]["name"], "Bea Beta");
    let out = db.ok(&["partner", "list", "--limit", "1", "--offset", "1"]);
    assert!(out.contains("2-2 of 2"), "{out}");
    assert_eq!(db.ok(&["partner", "list", "--tier", "gold"]), "No partners.\n");
}

#[test]
fn app_plans() {
    let db = Db::new();
    let p = db.partner("Jo", "jo@example.com");
    let lead = db.lead(&p, "k@client.example", "20000");
    let plan = db.json(&[
        "plan",
        "add",
        "--lead",
        &lead,
        "--industry",
        "Retail",
        "--features",
        "booking, payments,chat",
        "--timeline",
        "3 months",
        "--investment",
        "$20k-$40k",
        "--business",
        "Kay's Shop",
    ]);
    assert_eq!(plan["features"], serde_json::json!(["booking", "payments", "chat"]));
    assert_eq!(plan["status"], "draft");
    let id = s(&plan["id"]).to_owned();
    assert!(db.ok(&["plan", "show", &id]).contains("No proposal yet"));
    db.ok(&["plan", "generate", &id]);
    let show = db.ok(&["plan", "show", &id]);
    assert!(
        show.contains("# App plan for Kay's Shop") && show.contains("Retail"),
        "{show}"
    );
    assert!(db.ok(&["plan", "set-status", &id, "sent"]).contains("sent"));
    let list = db.json(&["plan", "list", "--status", "sent"]);
    assert_eq!(list["total"], 1);
    assert!(db.ok(&["plan", "list"]).contains("Kay's Shop"));
}

#[test]
fn demo_data_then_doctor() {
    let db = Db::new();
    let report = db.json(&["demo", "--partners", "4", "--leads", "12", "--seed", "7"]);
    assert!(report.is_object(), "{report}");
    let o = db.run(&["demo", "--partners", "2", "--leads", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Not a terminal: no progress on stderr.
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let d = db.json(&["doctor"]);
    assert_eq!(d["ok"], true, "{d}");
}

#[test]
fn doctor_fails_when_a_rule_is_broken() {
    let db = Db::new();
    let p = db.partner("Kim", "kim@example.com");
    let c = rusqlite::Connection::open(&db.path).unwrap();
    c.execute("UPDATE partners SET total_deals = 7 WHERE id = ?1", [&p])
        .unwrap();
    drop(c);
    let o = db.run(&["doctor"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("partner totals differ"), "{}", stdout(&o));
    assert!(stderr(&o).contains("1 problem"), "{}", stderr(&o));
    let o = db.run(&["doctor", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["problems"].as_array().unwrap().len(), 1);
}

#[test]
fn database_location() {
    // Only init creates a database: a mistyped path is an error.
    let db = Db::uninitialised();
    let o = db.run(&["partner", "list"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("partnerdesk init"), "{}", stderr(&o));
    assert!(!db.path.exists());

    // PARTNERDESK_DB when there is no --db.
    let o = bin().env("PARTNERDESK_DB", &db.path).arg("init").output().unwrap();
    assert!(o.status.success());
    assert!(stdout(&o).contains(&db.path.display().to_string()));
    assert!(db.path.exists());
    let o = bin()
        .env("PARTNERDESK_DB", &db.path)
        .args(["partner", "list"])
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "No partners.\n");

    // init again is harmless and says where the file is.
    let v = db.json(&["init"]);
    assert_eq!(v["created"], false);
    assert_eq!(v["path"], db.path.display().to_string());
}
