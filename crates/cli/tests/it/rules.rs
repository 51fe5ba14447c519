//! The commission rules from the command line: groups, overrides, dated
//! tier versions with a scope, the trace in `--json`, bonuses, retainers
//! with `run-due`, and the simulator. Time moves with `PARTNERDESK_NOW`.

use crate::common::{stderr, stdout, Db};
use serde_json::Value;

/// Run with `--json` at the time `now` (RFC 3339); expect success.
fn at(db: &Db, now: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let o = db.cmd(&a).env("PARTNERDESK_NOW", now).output().unwrap();
    assert!(o.status.success(), "{args:?} at {now}: {}{}", stdout(&o), stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// A partner and leads made at `now` too (a lead's history must not go back in time).
fn partner_at(db: &Db, now: &str, name: &str, email: &str) -> String {
    let app = at(db, now, &["application", "add", "--name", name, "--email", email]);
    let v = at(db, now, &["application", "approve", app["id"].as_str().unwrap()]);
    v["partner"]["id"].as_str().unwrap().to_owned()
}

fn lead_at(db: &Db, now: &str, partner: &str, email: &str, value: &str) -> String {
    let v = at(
        db,
        now,
        &[
            "lead",
            "add",
            "--partner",
            partner,
            "--client-name",
            "Client",
            "--client-email",
            email,
            "--estimated-value",
            value,
        ],
    );
    v["lead"]["id"].as_str().unwrap().to_owned()
}

#[test]
fn groups_overrides_and_the_rule_of_each_commission() {
    let db = Db::new();
    let p = db.partner("Ann Lee", "ann@example.com");
    let g = db.json(&["group", "add", "Agencies"]);
    assert_eq!(g["name"], "Agencies");
    assert_eq!(g["recurring_limit"], 12);
    db.rejects(
        &["group", "add", "agencies"],
        3,
        "validation",
        Some("name"),
        &["exists"],
    );
    let list = db.json(&["group", "list"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Agencies", "Standard"]);

    // Standard: the default table.
    let lead = db.lead(&p, "a@client.example", "1000");
    let won = db.win(&lead, "1000");
    let rule = &won["commission"]["rule"];
    assert_eq!(
        (rule["kind"].as_str(), rule["version"].as_i64(), rule["tier"].as_str()),
        (Some("default_tier"), Some(1), Some("bronze"))
    );

    // The group's own rate.
    let moved = db.json(&["partner", "set-group", &p, "agencies"]);
    assert_eq!(moved["group_id"], g["id"]);
    let other = db.partner("Bo Chen", "bo@example.com");
    assert_eq!(db.json(&["partner", "list", "--group", "Agencies"])["total"], 1);
    assert_eq!(
        db.json(&["partner", "list", "--group", "Standard"])["items"][0]["id"],
        other.as_str()
    );
    let sorted = db.json(&["partner", "list", "--sort", "group"]);
    assert_eq!(sorted["items"][0]["id"], p.as_str(), "Agencies before Standard");
    db.rejects(&["partner", "list", "--group", "Nope"], 4, "not_found", None, &["Nope"]);
    let v = db.json(&["rules", "set-tier", "bronze", "--rate", "11", "--group", "Agencies"]);
    assert_eq!(v["version"]["version"], 2);
    assert_eq!(v["version"]["scope"], "new");
    let lead = db.lead(&p, "b@client.example", "1000");
    let c = &db.win(&lead, "1000")["commission"];
    assert_eq!(c["commission_amount"], 11_000);
    assert_eq!(c["rule"]["kind"], "group_tier");
    assert_eq!(c["rule"]["version"], 2);
    let shown = db.json(&["rules", "show", "--group", "Agencies"]);
    assert_eq!(shown["in_force"]["version"], 2);
    assert_eq!(shown["in_force"]["tiers"][0]["rate_bp"], 1100);
    let text = db.ok(&["group", "show", "Agencies"]);
    assert!(text.contains("version 2") && text.contains("11%"), "{text}");

    // The override comes first.
    db.rejects(
        &["partner", "set-override", &p, "--rate", "150"],
        3,
        "validation",
        Some("rate"),
        &["100%"],
    );
    db.rejects(
        &["partner", "set-override", &p, "--flat", "-5"],
        3,
        "validation",
        Some("flat"),
        &["negative"],
    );
    db.rejects(
        &["partner", "set-override", &p, "--rate", "20", "--until", "2001-01-01"],
        3,
        "validation",
        Some("until"),
        &["in the past"],
    );
    db.json(&["partner", "set-override", &p, "--flat", "250.00"]);
    let lead = db.lead(&p, "c@client.example", "1000");
    let c = &db.win(&lead, "1000")["commission"];
    assert_eq!(
        (c["commission_amount"].as_i64(), c["rule"]["kind"].as_str()),
        (Some(25_000), Some("override"))
    );
    db.json(&["partner", "clear-override", &p]);
    db.rejects(
        &["partner", "clear-override", &p],
        3,
        "validation",
        Some("partner"),
        &["no override"],
    );
    let list = db.json(&["commission", "list", "--partner", &p]);
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rule"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["override", "group_tier", "default_tier"]);
    let show = db.ok(&["partner", "show", &p]);
    assert!(show.contains("group tier v2 bronze"), "{show}");
    db.ok(&["doctor"]);
}

#[test]
fn a_dated_override_with_pending_scope_rerates_the_pending_commissions_from_its_day() {
    let db = Db::new();
    let p = partner_at(&db, "2026-03-01T09:00:00Z", "Olga Override", "olga@override.example");
    let before = lead_at(&db, "2026-03-01T09:00:00Z", &p, "a@client.example", "1000");
    let after = lead_at(&db, "2026-03-01T09:00:00Z", &p, "b@client.example", "1000");
    at(&db, "2026-03-02T09:00:00Z", &["lead", "move", &before, "closed_won"]);
    at(&db, "2026-03-10T09:00:00Z", &["lead", "move", &after, "closed_won"]);
    // From 5 March, 25 %, also for the pending commissions won since.
    let v = at(
        &db,
        "2026-03-20T09:00:00Z",
        &[
            "partner",
            "set-override",
            &p,
            "--rate",
            "25",
            "--from",
            "2026-03-05",
            "--scope",
            "pending",
        ],
    );
    assert_eq!(v["effective_from"], "2026-03-05", "{v}");
    let list = at(&db, "2026-03-20T09:00:00Z", &["commission", "list", "--partner", &p]);
    let mut got: Vec<(i64, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["commission_amount"].as_i64().unwrap(),
                c["rule"]["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got.sort();
    // Won on 2 March: before the override's day, kept; won on 10 March: re-rated.
    assert_eq!(
        got,
        [(10_000, "default_tier".to_owned()), (25_000, "override".to_owned())]
    );
    db.rejects(
        &["partner", "set-override", &p, "--rate", "30", "--scope", "sometimes"],
        3,
        "validation",
        Some("scope"),
        &["sometimes"],
    );
    db.ok(&["doctor"]);
}

#[test]
fn a_dated_tier_version_applies_from_its_day_and_pending_scope_rerates() {
    let db = Db::new();
    let now = "2026-04-10T09:00:00Z";
    let p = partner_at(&db, now, "Ann Lee", "ann@example.com");
    at(
        &db,
        now,
        &["rules", "set-tier", "bronze", "--rate", "12", "--from", "2026-05-01"],
    );
    let lead = lead_at(&db, now, &p, "a@client.example", "1000");
    let early = at(&db, "2026-04-10T10:00:00Z", &["lead", "move", &lead, "closed_won"]);
    assert_eq!(early["commission"]["commission_rate"], 1000);
    let lead = lead_at(&db, now, &p, "b@client.example", "1000");
    let later = at(&db, "2026-05-02T09:00:00Z", &["lead", "move", &lead, "closed_won"]);
    assert_eq!(later["commission"]["commission_rate"], 1200);
    assert_eq!(later["commission"]["rule"]["version"], 2);

    // Scope pending: the pending commission from the date is re-rated, the earlier one is not.
    let v = at(
        &db,
        "2026-05-03T09:00:00Z",
        &[
            "rules",
            "set-tier",
            "bronze",
            "--rate",
            "14",
            "--from",
            "2026-05-01",
            "--scope",
            "pending",
        ],
    );
    assert_eq!(v["rerated"].as_array().unwrap().len(), 1);
    assert_eq!(v["rerated"][0]["commission_amount"], 14_000);
    let partner = db.partner_json(&p);
    assert_eq!(partner["total_earnings"], 10_000 + 14_000);
    db.rejects(
        &["rules", "set-tier", "gold", "--rate", "15", "--scope", "later"],
        3,
        "validation",
        Some("scope"),
        &[],
    );
    db.rejects(
        &["rules", "set-tier", "gold", "--rate", "101"],
        3,
        "validation",
        Some("rate"),
        &[],
    );
    let text = db.ok(&["rules", "show"]);
    assert!(text.contains("pending") && text.contains("2026-05-01"), "{text}");
    db.ok(&["doctor"]);
}

#[test]
fn group_settings_a_milestone_bonus_and_the_retainer_limit() {
    let db = Db::new();
    let p = db.partner("Ann Lee", "ann@example.com");
    let g = db.json(&[
        "group",
        "set",
        "Standard",
        "--milestone-deals",
        "1",
        "--milestone-amount",
        "50",
    ]);
    assert_eq!(
        (g["milestone_deals"].as_i64(), g["milestone_amount"].as_i64()),
        (Some(1), Some(5_000))
    );
    let lead = db.lead(&p, "a@client.example", "1000");
    let won = db.win(&lead, "1000");
    assert_eq!(won["milestone"]["rule"]["kind"], "milestone");
    assert_eq!(won["milestone"]["commission_amount"], 5_000);
    db.rejects(
        &["group", "set", "Standard", "--recurring-limit", "0"],
        3,
        "validation",
        Some("recurring_limit"),
        &[],
    );
    db.rejects(
        &[
            "group",
            "set",
            "Standard",
            "--milestone-deals",
            "0",
            "--milestone-amount",
            "5",
        ],
        3,
        "validation",
        Some("milestone_deals"),
        &[],
    );
    let g = db.json(&["group", "set", "Standard", "--no-milestone", "--recurring-limit", "6"]);
    assert_eq!(
        (g["milestone_deals"].clone(), g["recurring_limit"].as_i64()),
        (Value::Null, Some(6))
    );
    let text = db.ok(&["group", "show", "Standard"]);
    assert!(text.contains("6 months"), "{text}");
    db.ok(&["doctor"]);
}

#[test]
fn bonuses_and_adjustments_have_no_lead() {
    let db = Db::new();
    let p = db.partner("Ann Lee", "ann@example.com");
    let b = db.json(&[
        "commission",
        "bonus",
        &p,
        "--amount",
        "100.00",
        "--reason",
        "launch bonus",
    ]);
    assert_eq!(b["kind"], "bonus");
    assert_eq!(b["client_lead_id"], Value::Null);
    assert_eq!(b["rule"]["kind"], "bonus");
    assert_eq!(b["commission_amount"], 10_000);
    let adj = db.ok(&["commission", "bonus", &p, "--amount", "-20", "--reason", "correction"]);
    assert!(adj.starts_with("Adjustment"), "{adj}");
    db.rejects(
        &["commission", "bonus", &p, "--amount", "0", "--reason", "x"],
        3,
        "validation",
        Some("amount"),
        &[],
    );
    assert_eq!(db.partner_json(&p)["total_earnings"], 8_000);
    assert_eq!(db.partner_json(&p)["total_deals"], 0);
    db.ok(&["doctor"]);
}

#[test]
fn a_retainer_accrues_each_passed_month_once_by_run_due() {
    let db = Db::new();
    let p = partner_at(&db, "2026-01-01T09:00:00Z", "Ann Lee", "ann@example.com");
    let lead = lead_at(&db, "2026-01-01T09:00:00Z", &p, "a@client.example", "1000");
    let won = at(
        &db,
        "2026-01-10T09:00:00Z",
        &["lead", "move", &lead, "closed_won", "--monthly", "500", "--months", "3"],
    );
    assert_eq!(won["retainer"]["monthly_value"], 50_000);
    assert_eq!(
        at(&db, "2026-02-01T00:00:00Z", &["run-due"])["accruals"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let due = at(&db, "2026-03-15T00:00:00Z", &["run-due"]);
    let months: Vec<&str> = due["accruals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["accrual_month"].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2026-02", "2026-03"]);
    assert_eq!(due["accruals"][0]["rule"]["kind"], "retainer");
    assert_eq!(due["accruals"][0]["commission_amount"], 5_000);
    assert_eq!(
        at(&db, "2026-03-16T00:00:00Z", &["run-due"])["accruals"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let out = db
        .cmd(&["run-due"])
        .env("PARTNERDESK_NOW", "2027-01-01T00:00:00Z")
        .output()
        .unwrap();
    assert!(stdout(&out).contains("1 retainer accruals"), "{}", stdout(&out));
    db.rejects(
        &["lead", "move", &lead, "negotiating", "--monthly", "5", "--months", "2"],
        3,
        "validation",
        Some("monthly"),
        &[],
    );
    let other = db.lead(&p, "b@client.example", "1000");
    db.rejects(
        &["lead", "move", &other, "closed_won", "--monthly", "5", "--months", "0"],
        3,
        "validation",
        Some("months"),
        &[],
    );
    // Ending a retainer by hand: the months after the end do not accrue.
    let long = lead_at(&db, "2027-01-02T00:00:00Z", &p, "c@client.example", "1000");
    at(
        &db,
        "2027-01-03T00:00:00Z",
        &[
            "lead",
            "move",
            &long,
            "closed_won",
            "--monthly",
            "100",
            "--months",
            "12",
        ],
    );
    let ended = at(&db, "2027-02-10T00:00:00Z", &["lead", "end-retainer", &long]);
    assert!(ended["ended_at"].as_str().unwrap().starts_with("2027-02-10"));
    // The month that fell due before the end (2027-02-03) still accrues; none after it.
    let due = at(&db, "2027-06-01T00:00:00Z", &["run-due"]);
    let months: Vec<&str> = due["accruals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["accrual_month"].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2027-02"], "{due}");
    db.rejects(
        &["lead", "end-retainer", &long],
        5,
        "invalid_transition",
        None,
        &["ended already"],
    );
    let bad = db.cmd(&["run-due"]).env("PARTNERDESK_NOW", "soon").output().unwrap();
    assert_eq!(bad.status.code(), Some(3), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("PARTNERDESK_NOW"));
    db.ok(&["doctor"]);
}

#[test]
fn the_simulator_compares_a_draft_with_todays_rules() {
    let db = Db::new();
    let p = partner_at(&db, "2026-01-01T09:00:00Z", "Ann Lee", "ann@example.com");
    for (i, when) in ["2026-01-05", "2026-01-20", "2026-02-03"].iter().enumerate() {
        let lead = lead_at(&db, "2026-01-02T09:00:00Z", &p, &format!("c{i}@client.example"), "1000");
        at(
            &db,
            &format!("{when}T10:00:00Z"),
            &["lead", "move", &lead, "closed_won"],
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("draft.json");
    let text = r#"{"default": {"tiers": [{"tier": "bronze", "rate": 13}, {"tier": "silver", "rate": 15, "deals": 2, "revenue": "12000.00"}]},
                   "groups": {"Standard": {"tiers": [{"tier": "gold", "deals": 20}]}},
                   "overrides": {}}"#;
    std::fs::write(&draft, text).unwrap();
    let d = draft.to_str().unwrap();
    let s = db.json(&["rules", "simulate", "--draft", d]);
    assert_eq!(s["current"], 30_000);
    assert_eq!(s["draft"], 13_000 + 13_000 + 15_000);
    let months: Vec<(&str, i64, i64)> = s["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["month"].as_str().unwrap(),
                m["current"].as_i64().unwrap(),
                m["draft"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(months, [("2026-01", 20_000, 26_000), ("2026-02", 10_000, 15_000)]);
    let partner = &s["partners"][0];
    assert_eq!(partner["partner_id"], p.as_str());
    assert_eq!(
        (partner["tier_now"].as_str(), partner["tier_draft"].as_str()),
        (Some("silver"), Some("silver"))
    );
    let feb = db.json(&[
        "rules", "simulate", "--draft", d, "--from", "2026-02", "--to", "2026-02",
    ]);
    assert_eq!(
        (feb["current"].as_i64(), feb["draft"].as_i64()),
        (Some(10_000), Some(15_000))
    );
    let text = db.ok(&["rules", "simulate", "--draft", d]);
    assert!(text.contains("3 won deals") && text.contains("Per month"), "{text}");

    std::fs::write(&draft, r#"{"default": {"tiers": [{"tier": "gold", "rate": 150}]}}"#).unwrap();
    db.rejects(
        &["rules", "simulate", "--draft", d],
        3,
        "validation",
        Some("draft"),
        &["default.tiers[0].rate"],
    );
    std::fs::write(&draft, "{").unwrap();
    db.rejects(
        &["rules", "simulate", "--draft", d],
        3,
        "validation",
        Some("draft"),
        &["not a valid draft"],
    );
    db.rejects(
        &["rules", "simulate", "--draft", d, "--from", "2026-1"],
        3,
        "validation",
        Some("draft"),
        &[],
    );
}

#[test]
fn a_groups_settings_and_its_table_change_by_dated_versions() {
    let db = Db::new();
    let t0 = "2026-03-01T10:00:00Z";
    let p = partner_at(&db, t0, "Ann Lee", "ann@example.com");
    at(&db, t0, &["group", "add", "Agencies"]);
    at(&db, t0, &["partner", "set-group", &p, "Agencies"]);
    // A milestone from April: the row shows it, today's rules do not have it yet.
    let g = at(
        &db,
        t0,
        &[
            "group",
            "set",
            "Agencies",
            "--milestone-deals",
            "1",
            "--milestone-amount",
            "50",
            "--from",
            "2026-04-01",
        ],
    );
    assert_eq!(g["milestone_deals"], 1);
    let shown = at(&db, t0, &["group", "show", "Agencies"]);
    assert_eq!(shown["settings"]["milestone_deals"], Value::Null, "{shown}");
    let won = at(
        &db,
        t0,
        &[
            "lead",
            "move",
            &lead_at(&db, t0, &p, "a@client.example", "1000"),
            "closed_won",
        ],
    );
    assert_eq!(won["milestone"], Value::Null, "won in March: {won}");
    let t1 = "2026-04-02T10:00:00Z";
    let shown = at(&db, t1, &["group", "show", "Agencies"]);
    assert_eq!(shown["settings"]["milestone_deals"], 1, "{shown}");

    // The group's own table, then back to the default from a date.
    at(
        &db,
        t1,
        &["rules", "set-tier", "bronze", "--rate", "20", "--group", "Agencies"],
    );
    let lead = lead_at(&db, t1, &p, "b@client.example", "1000");
    let won = at(&db, t1, &["lead", "move", &lead, "closed_won"]);
    assert_eq!(won["commission"]["rule"]["kind"], "group_tier");
    assert_eq!(won["commission"]["commission_amount"], 20_000);
    let back = at(
        &db,
        t1,
        &["rules", "use-default", "--group", "Agencies", "--scope", "pending"],
    );
    assert_eq!(back["version"]["tiers"], serde_json::json!([]));
    assert_eq!(back["rerated"][0]["commission_amount"], 10_000);
    assert_eq!(back["rerated"][0]["rule"]["kind"], "default_tier");
    let shown = at(&db, t1, &["rules", "show", "--group", "Agencies"]);
    assert_eq!(shown["in_force"]["kind"], "default_tier");
    let o = db
        .cmd(&["rules", "use-default", "--group", "Agencies", "--json"])
        .env("PARTNERDESK_NOW", t1)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("already uses the default"), "{}", stderr(&o));
    db.ok(&["doctor"]);
}

#[test]
fn settings_show_the_default_table_in_force_today() {
    let db = Db::new();
    let t0 = "2026-03-01T10:00:00Z";
    at(
        &db,
        t0,
        &["rules", "set-tier", "silver", "--rate", "14", "--from", "2026-06-01"],
    );
    let now = at(&db, t0, &["settings", "get", "tier.silver.rate"]);
    assert_eq!(now["value"], "12.5", "{now}");
    let june = at(&db, "2026-06-01T10:00:00Z", &["settings", "get", "tier.silver.rate"]);
    assert_eq!(june["value"], "14", "{june}");
}

/// Every command of a script starts again from the same `PARTNERDESK_NOW`:
/// each write still lands after the one before, so the history of each lead
/// is in order and `doctor` finds nothing.
#[test]
fn commands_run_at_one_set_time_keep_their_order() {
    let db = Db::new();
    let t0 = "2026-03-01T10:00:00Z";
    let p = partner_at(&db, t0, "Ann Lee", "ann@example.com");
    let mut last = String::new();
    for i in 0..6 {
        let lead = lead_at(&db, t0, &p, &format!("c{i}@client.example"), "1000");
        let won = at(&db, t0, &["lead", "move", &lead, "closed_won"]);
        let stamp = won["lead"]["updated_at"].as_str().unwrap().to_owned();
        assert!(stamp > last, "{stamp} after {last}");
        assert!(stamp.starts_with("2026-03-01T10:00:0"), "{stamp}");
        last = stamp;
    }
    db.ok(&["doctor"]);
}
