//! The automation's command line with `--json`: tasks, rules, templates,
//! the outbox (saved as .eml without SMTP), and bad input refused where it
//! is made, changing nothing.

use crate::common::Db;
use serde_json::Value;

fn at(db: &Db, now: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let o = db.cmd(&a).env("PARTNERDESK_NOW", now).output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn tasks_and_rules_from_the_command_line() {
    let db = Db::new();
    let t0 = "2030-05-01T09:00:00Z";
    let rules = at(&db, t0, &["automation", "list"]);
    assert_eq!(rules.as_array().unwrap().len(), 4);
    assert!(rules.as_array().unwrap().iter().all(|r| r["enabled"] == false));
    let r = at(
        &db,
        t0,
        &["automation", "set", "applications_waiting", "--on", "--days", "2"],
    );
    assert_eq!(r[0]["enabled"], true);
    assert_eq!(r[0]["days"], 2);
    let r = at(
        &db,
        t0,
        &[
            "automation",
            "set",
            "onboarding_checklist",
            "--on",
            "--items",
            "Call,Contract",
        ],
    );
    assert_eq!(r[0]["items"], serde_json::json!(["Call", "Contract"]));
    let app = at(
        &db,
        t0,
        &[
            "application",
            "add",
            "--name",
            "Ivy Wait",
            "--email",
            "ivy@wait.example",
        ],
    );
    let due = at(&db, "2030-05-04T09:00:00Z", &["run-due"]);
    let made = due["automation"]["tasks"].as_array().unwrap();
    assert_eq!(made.len(), 1, "{due}");
    assert_eq!(made[0]["entity_id"], app["id"]);
    assert!(at(&db, "2030-05-04T09:01:00Z", &["run-due"])["automation"]["tasks"]
        .as_array()
        .unwrap()
        .is_empty());
    let list = at(&db, "2030-05-04T10:00:00Z", &["task", "list"]);
    assert_eq!(list[0]["state"], "due");
    assert_eq!(list[0]["label"], "Ivy Wait");
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let s = at(
        &db,
        "2030-05-04T10:00:00Z",
        &["task", "snooze", &id[..13], "--until", "2030-05-06"],
    );
    assert_eq!(s["state"], "snoozed");
    let d = at(&db, "2030-05-04T10:00:00Z", &["task", "done", &id]);
    assert_eq!(d["state"], "done");
    assert!(at(&db, "2030-05-04T10:00:00Z", &["task", "list"])
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        at(&db, "2030-05-04T10:00:00Z", &["task", "list", "--all"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Approval makes the checklist.
    let p = at(
        &db,
        "2030-05-04T11:00:00Z",
        &["application", "approve", app["id"].as_str().unwrap()],
    );
    assert!(p["partner"]["id"].is_string());
    let list = at(&db, "2030-05-04T11:00:00Z", &["task", "list"]);
    let titles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Onboarding: Call", "Onboarding: Contract"]);
    db.rejects(&["task", "done", &id], 5, "invalid_transition", None, &["done already"]);
    db.rejects(
        &["automation", "set", "no_rule", "--on"],
        3,
        "validation",
        Some("rule"),
        &["unknown rule"],
    );
    db.rejects(
        &["automation", "set", "lead_untouched", "--days", "0"],
        3,
        "validation",
        Some("days"),
        &["from 1 to 3650"],
    );
}

#[test]
fn templates_and_the_outbox_from_the_command_line() {
    let db = Db::new();
    let list = db.json(&["template", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 10);
    let body = db.path.with_file_name("body.txt");
    std::fs::write(&body, "Dear {{name}}, your tier: {{tier}} ({{group}}).\n").unwrap();
    let body_s = body.to_str().unwrap();
    let t = db.json(&[
        "template",
        "set",
        "application_approved",
        "--subject",
        "Approved, {{name}}",
        "--body-file",
        body_s,
    ]);
    assert_eq!(t["custom"], true);
    std::fs::write(&body, "Your {{payout}}").unwrap();
    db.rejects(
        &[
            "template",
            "set",
            "application_approved",
            "--subject",
            "S",
            "--body-file",
            body_s,
        ],
        3,
        "validation",
        Some("body"),
        &["unknown merge field {{payout}}"],
    );
    db.rejects(
        &["settings", "set", "smtp.from", "nobody at all"],
        3,
        "validation",
        Some("smtp.from"),
        &["is not a sender"],
    );
    db.ok(&["settings", "set", "smtp.from", "Agency <partners@agency.example>"]);
    let p = db.partner("Jo Preview", "jo@preview.example");
    let pv = db.json(&["template", "preview", "application_approved", "--record", &p]);
    assert_eq!(pv["subject"], "Approved, Jo Preview");
    assert_eq!(pv["body"], "Dear Jo Preview, your tier: bronze (Standard).\n");
    assert_eq!(pv["to"], "jo@preview.example");
    let shown = db.json(&["template", "show", "application_approved"]);
    assert_eq!(shown["subject"], "Approved, {{name}}");
    let off = db.json(&["template", "set", "welcome_day7", "--off"]);
    assert_eq!(off["enabled"], false);
    // Without SMTP: sending says so and keeps them; each saves as .eml.
    let o = db.run(&["outbox", "send"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("SMTP is not set up"));
    let q = db.json(&["outbox", "list", "--status", "queued"]);
    assert_eq!(q.as_array().unwrap().len(), 3);
    let approval = q
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["event"] == "application_approved")
        .unwrap();
    let eml = db.path.with_file_name("approval.eml");
    let saved = db.json(&[
        "outbox",
        "save",
        approval["id"].as_str().unwrap(),
        "--out",
        eml.to_str().unwrap(),
    ]);
    assert_eq!(saved["message_id"], approval["message_id"]);
    let text = std::fs::read_to_string(&eml).unwrap();
    assert!(text.contains("To: \"Jo Preview\" <jo@preview.example>"), "{text}");
    assert!(text.contains(&format!("Message-ID: {}", approval["message_id"].as_str().unwrap())));
    assert!(text.contains("Subject: Approved, Jo Preview"));
    db.rejects(
        &["outbox", "save", approval["id"].as_str().unwrap(), "--out", "x.txt"],
        3,
        "validation",
        Some("out"),
        &[".eml"],
    );
    db.rejects(
        &["outbox", "list", "--status", "lost"],
        3,
        "validation",
        Some("status"),
        &["queued"],
    );
    // The payout e-mail attaches the statement.
    let l = db.lead(&p, "client@x.example", "1000");
    db.win(&l, "1000");
    let c = db.json(&["commission", "list"])["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    db.ok(&["commission", "approve", &c]);
    db.ok(&["payout", "create", "--partner", &p]);
    let q = db.json(&["outbox", "list", "--status", "queued"]);
    let paid = q
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["event"] == "payout_sent")
        .unwrap();
    let eml = db.path.with_file_name("payout.eml");
    db.ok(&[
        "outbox",
        "save",
        paid["id"].as_str().unwrap(),
        "--out",
        eml.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&eml).unwrap();
    assert!(
        text.contains("Content-Disposition: attachment; filename=\"statement-"),
        "{text}"
    );
    assert!(text.contains("multipart/mixed"));
}
