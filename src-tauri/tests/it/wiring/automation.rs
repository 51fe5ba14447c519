//! The automation's commands on the mock runtime: a sender set, an approval
//! queues its e-mails, a template is previewed and refused with an unknown
//! merge field, a rule makes a task that is done, the outbox is cancelled,
//! retried and saved as .eml without SMTP.

use super::*;

#[test]
fn approval_email_preview_task_and_outbox_through_the_commands() {
    let app = app();
    call(
        &app,
        "setting_set",
        json!({"key": "smtp.from", "value": "Agency <p@agency.example>"}),
    )
    .unwrap();
    call(
        &app,
        "automation_set",
        json!({"name": "onboarding_checklist", "enabled": true, "days": null, "items": null}),
    )
    .unwrap();
    let a = add_application(&app, "Una Wire", "una@wire.example");
    let reason = call(&app, "application_reject", json!({"id": a["id"], "reason": "   "}));
    assert!(reason.is_ok(), "a blank reason is no reason: {reason:?}");
    let b = add_application(&app, "Vic Wire", "vic@wire.example");
    let approved = call(&app, "application_approve", json!({"id": b["id"]})).unwrap();
    let partner = approved[1]["id"].clone();
    let queued = call(&app, "outbox_list", json!({"status": "queued", "record": partner})).unwrap();
    let events: Vec<&str> = queued
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["welcome_day0", "application_approved"]);
    let s = call(&app, "outbox_summary", json!({})).unwrap();
    assert_eq!(s["queued"], 5, "{s}");

    let p = call(
        &app,
        "template_preview",
        json!({"name": "welcome_day0", "record": partner}),
    )
    .unwrap();
    assert_eq!(p["to"], "vic@wire.example");
    let err = call(
        &app,
        "template_set",
        json!({"name": "welcome_day0", "subject": "Hi {{nmae}}", "body": "x", "group": null}),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "validation");
    assert_eq!(err["field"], "subject");

    let tasks = call(&app, "tasks_list", json!({"all": false, "record": partner})).unwrap();
    assert_eq!(tasks.as_array().unwrap().len(), 3);
    let done = call(&app, "task_done", json!({"id": tasks[0]["id"]})).unwrap();
    assert_eq!(done["state"], "done");
    let today = call(&app, "tasks_today", json!({})).unwrap();
    assert!(today.as_array().unwrap().iter().all(|t| t["id"] != tasks[0]["id"]));

    let m = &queued[1];
    let c = call(&app, "outbox_cancel", json!({"id": m["id"]})).unwrap();
    assert_eq!(c["status"], "cancelled");
    let r = call(&app, "outbox_retry", json!({"id": m["id"]})).unwrap();
    assert_eq!(r["status"], "queued");
    let path = app._dir.path().join("approval.eml");
    call(
        &app,
        "outbox_save",
        json!({"id": m["id"], "path": path.to_str().unwrap()}),
    )
    .unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains("Vic Wire"));
    let sent = call(&app, "outbox_send", json!({})).unwrap();
    assert!(sent["error"].as_str().unwrap().contains("SMTP is not set up"), "{sent}");
    let err = call(&app, "smtp_password_set", json!({"password": "x"})).unwrap_err();
    assert_eq!(err["field"], "smtp.user");
}
