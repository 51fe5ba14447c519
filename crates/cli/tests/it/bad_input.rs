//! Every kind of bad input: the right exit code, stderr naming the field and
//! why, the error as JSON with `--json`, and nothing changed in the database
//! (each check compares every row and the audit log before and after).

use crate::common::{stderr, stdout, Db};
use std::collections::HashMap;

const VALIDATION: i32 = 3;
const NOT_FOUND: i32 = 4;
const REFUSED: i32 = 5;

/// A database with an active partner, a lead in negotiation, a terminated
/// partner and a pending commission.
struct World {
    db: Db,
    partner: String,
    lead: String,
    terminated: String,
    commission: String,
}

fn world() -> World {
    let db = Db::new();
    let partner = db.partner("Ann Lee", "ann@example.com");
    let lead = db.lead(&partner, "bob@client.example", "5000");
    db.ok(&["lead", "move", &lead, "negotiating"]);
    let won = db.lead(&partner, "cat@client.example", "1000");
    let commission = db.win(&won, "1000")["commission"]["id"].as_str().unwrap().to_owned();
    let terminated = db.partner("Tom Gone", "tom@example.com");
    db.ok(&["partner", "set-status", &terminated, "terminated"]);
    World {
        db,
        partner,
        lead,
        terminated,
        commission,
    }
}

#[test]
fn malformed_email() {
    let db = Db::new();
    for bad in ["not-an-email", "ann@", "ann@example", "a b@example.com"] {
        db.rejects(
            &["application", "add", "--name", "Ann", "--email", bad],
            VALIDATION,
            "validation",
            Some("email"),
            &["email", "is not an e-mail address"],
        );
    }
    let w = world();
    w.db.rejects(
        &[
            "lead",
            "add",
            "--partner",
            &w.partner,
            "--client-name",
            "X",
            "--client-email",
            "x@@client.example",
        ],
        VALIDATION,
        "validation",
        Some("client_email"),
        &["client_email", "is not an e-mail address"],
    );
}

#[test]
fn empty_or_bad_texts() {
    let w = world();
    let db = &w.db;
    db.rejects(
        &["application", "add", "--name", "", "--email", "new@example.com"],
        VALIDATION,
        "validation",
        Some("name"),
        &["name", "must not be empty"],
    );
    db.rejects(
        &["application", "add", "--name", "   ", "--email", "new@example.com"],
        VALIDATION,
        "validation",
        Some("name"),
        &["name", "must not be empty"],
    );
    db.rejects(
        &[
            "application",
            "add",
            "--name",
            "New",
            "--email",
            "new@example.com",
            "--phone",
            "call me",
        ],
        VALIDATION,
        "validation",
        Some("phone"),
        &["phone", "not a phone number"],
    );
    for bad in ["abc", "-1", "2.5"] {
        db.rejects(
            &[
                "application",
                "add",
                "--name",
                "New",
                "--email",
                "new@example.com",
                "--expected-referrals",
                bad,
            ],
            VALIDATION,
            "validation",
            Some("expected_referrals"),
            &["expected_referrals"],
        );
    }
    db.rejects(
        &[
            "lead",
            "add",
            "--partner",
            &w.partner,
            "--client-name",
            "",
            "--client-email",
            "z@client.example",
        ],
        VALIDATION,
        "validation",
        Some("client_name"),
        &["client_name", "must not be empty"],
    );
    db.rejects(
        &[
            "plan",
            "add",
            "--lead",
            &w.lead,
            "--industry",
            "Retail",
            "--features",
            " , ,",
            "--timeline",
            "3 months",
            "--investment",
            "$10k",
        ],
        VALIDATION,
        "validation",
        Some("features"),
        &["features", "at least one feature"],
    );
}

#[test]
fn bad_amounts() {
    let w = world();
    let db = &w.db;
    let cases = [
        ("-5", "must not be negative"),
        ("abc", "must be an amount like 1234.50"),
        ("12.345", "more than two decimals"),
        ("99999999999999", "too large"),
        ("1000000000.01", "too large"),
        // A comma is a thousands separator only between groups of three
        // digits: a decimal comma is refused, never read as ten times more.
        ("1,5", "\"1,5\" is ambiguous: write 1.5 (a dot for decimals"),
        ("12,5", "ambiguous: write 12.5"),
        ("1,234,5", "ambiguous: write 1234.5"),
        (",5", "ambiguous: write 0.5"),
        ("1.234,50", "ambiguous: write 1234.50"),
        ("1_5", "ambiguous"),
        ("$5", "without a currency sign or code"),
        ("1e3", "without an exponent"),
    ];
    for (bad, why) in cases {
        db.rejects(
            &[
                "lead",
                "add",
                "--partner",
                &w.partner,
                "--client-name",
                "Zed",
                "--client-email",
                "zed@client.example",
                "--estimated-value",
                bad,
            ],
            VALIDATION,
            "validation",
            Some("estimated_value"),
            &["estimated_value", why],
        );
        db.rejects(
            &["lead", "move", &w.lead, "closed_won", "--value", bad],
            VALIDATION,
            "validation",
            Some("value"),
            &["value", why],
        );
    }
    // A value goes only with a win; a win needs a value above 0.
    db.rejects(
        &["lead", "move", &w.lead, "closed_lost", "--value", "100"],
        VALIDATION,
        "validation",
        Some("value"),
        &["value", "only given when closing as won"],
    );
    db.rejects(
        &["lead", "move", &w.lead, "closed_won", "--value", "0"],
        VALIDATION,
        "validation",
        Some("value"),
        &["value", "greater than 0"],
    );
}

#[test]
fn unknown_status_tier_and_other_names() {
    let w = world();
    let db = &w.db;
    let status = |args: &[&str]| {
        db.rejects(
            args,
            VALIDATION,
            "validation",
            Some("status"),
            &["status", "unknown value", "expected one of"],
        );
    };
    status(&["partner", "set-status", &w.partner, "sleeping"]);
    status(&["lead", "move", &w.lead, "won"]);
    status(&["lead", "list", "--status", "hot"]);
    status(&["partner", "list", "--status", "gone"]);
    status(&["application", "list", "--status", "maybe"]);
    status(&["commission", "list", "--status", "owed"]);
    status(&["plan", "list", "--status", "final"]);
    db.rejects(
        &["partner", "set-tier", &w.partner, "diamond"],
        VALIDATION,
        "validation",
        Some("tier"),
        &["tier", "diamond", "bronze, silver, gold, platinum"],
    );
    db.rejects(
        &["partner", "list", "--tier", "diamond"],
        VALIDATION,
        "validation",
        Some("tier"),
        &["tier"],
    );
    db.rejects(
        &["partner", "list", "--sort", "height"],
        VALIDATION,
        "validation",
        Some("sort"),
        &["sort"],
    );
    db.rejects(
        &["audit", "list", "--entity", "spaceship"],
        VALIDATION,
        "validation",
        Some("entity"),
        &["entity"],
    );
    db.rejects(
        &[
            "application",
            "add",
            "--name",
            "New",
            "--email",
            "new@example.com",
            "--experience",
            "guru",
        ],
        VALIDATION,
        "validation",
        Some("experience"),
        &["experience", "beginner, intermediate, expert"],
    );
    db.rejects(
        &["partner", "list", "--limit", "0"],
        VALIDATION,
        "validation",
        Some("limit"),
        &["limit"],
    );
}

#[test]
fn transitions_the_rules_forbid() {
    let w = world();
    let db = &w.db;
    db.rejects(
        &["lead", "move", &w.lead, "qualified"],
        REFUSED,
        "invalid_transition",
        None,
        &["cannot move from negotiating to qualified"],
    );
    db.rejects(
        &["lead", "move", &w.lead, "negotiating"],
        REFUSED,
        "invalid_transition",
        None,
        &["already there"],
    );
    db.rejects(
        &["partner", "set-status", &w.partner, "active"],
        REFUSED,
        "invalid_transition",
        None,
        &["already has this status"],
    );
    // An approved application cannot be approved or rejected again.
    let app = db.json(&["application", "list", "--status", "approved"])["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    db.rejects(
        &["application", "reject", &app],
        REFUSED,
        "invalid_transition",
        None,
        &["cannot move from approved to rejected"],
    );
    // A paid commission stays paid.
    db.ok(&["commission", "approve", &w.commission]);
    db.ok(&["payout", "create", "--partner", &w.partner]);
    db.rejects(
        &["commission", "cancel", &w.commission],
        REFUSED,
        "invalid_transition",
        None,
        &["paid", "claw it back"],
    );
    db.rejects(
        &["payout", "create", "--partner", &w.partner],
        REFUSED,
        "conflict",
        None,
        &["no approved commissions"],
    );
}

#[test]
fn a_terminated_partner_takes_no_leads() {
    let w = world();
    w.db.rejects(
        &[
            "lead",
            "add",
            "--partner",
            &w.terminated,
            "--client-name",
            "Late",
            "--client-email",
            "late@client.example",
        ],
        REFUSED,
        "conflict",
        None,
        &["terminated", "takes no new leads"],
    );
}

#[test]
fn one_partner_per_email() {
    let w = world();
    let db = &w.db;
    // A new application with the e-mail of a partner (in any case).
    for email in ["ann@example.com", "ANN@Example.COM"] {
        db.rejects(
            &["application", "add", "--name", "Ann Again", "--email", email],
            REFUSED,
            "conflict",
            None,
            &["already the e-mail of partner", "Ann Lee"],
        );
    }
    // A second application while the first waits for a decision.
    db.ok(&["application", "add", "--name", "Newt", "--email", "newt@example.com"]);
    db.rejects(
        &[
            "application",
            "add",
            "--name",
            "Newt Twice",
            "--email",
            "newt@example.com",
        ],
        REFUSED,
        "conflict",
        None,
        &["already has an application waiting"],
    );
}

#[test]
fn unknown_ids() {
    let w = world();
    let db = &w.db;
    let missing = "01234567-89ab-7def-8123-456789abcdef";
    db.rejects(
        &["partner", "show", missing],
        NOT_FOUND,
        "not_found",
        None,
        &["partner not found", missing],
    );
    db.rejects(
        &["lead", "move", "ffffffff", "qualified"],
        NOT_FOUND,
        "not_found",
        None,
        &["lead not found", "ffffffff"],
    );
    db.rejects(
        &["application", "approve", missing],
        NOT_FOUND,
        "not_found",
        None,
        &["application not found"],
    );
    db.rejects(
        &[
            "lead",
            "add",
            "--partner",
            missing,
            "--client-name",
            "X",
            "--client-email",
            "x@client.example",
        ],
        NOT_FOUND,
        "not_found",
        None,
        &["partner not found"],
    );
    db.rejects(
        &["commission", "list", "--partner", "ffffffff"],
        NOT_FOUND,
        "not_found",
        None,
        &["partner not found"],
    );
    // All or none: one unknown id leaves the known pending one pending.
    db.rejects(
        &["commission", "approve", &w.commission, missing],
        NOT_FOUND,
        "not_found",
        None,
        &["commission not found"],
    );
    db.rejects(
        &["payout", "create", "--partner", &w.partner, missing],
        NOT_FOUND,
        "not_found",
        None,
        &["partner not found"],
    );
    // The id of another kind of record is not found as this kind.
    db.rejects(
        &["partner", "show", &w.lead],
        NOT_FOUND,
        "not_found",
        None,
        &["partner not found"],
    );
}

#[test]
fn an_ambiguous_id_prefix() {
    let db = Db::new();
    // UUID v7 ids start with the time: records made within the same minute
    // share their first 8 characters. Of three made now, two surely do.
    let ids: Vec<String> = (0..3)
        .map(|i| {
            let v = db.json(&[
                "application",
                "add",
                "--name",
                &format!("App {i}"),
                "--email",
                &format!("app{i}@example.com"),
            ]);
            v["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut by_prefix: HashMap<&str, usize> = HashMap::new();
    for id in &ids {
        *by_prefix.entry(&id[..8]).or_default() += 1;
    }
    let (prefix, _) = by_prefix
        .into_iter()
        .find(|(_, n)| *n >= 2)
        .expect("two ids made in the same minute share 8 characters");
    db.rejects(
        &["application", "review", prefix],
        VALIDATION,
        "validation",
        Some("id"),
        &["matches more than one application", prefix],
    );
    // A longer, unique prefix works.
    let unique = &ids[0][..23];
    assert!(db.ok(&["application", "review", unique]).contains("under review"));
}

#[test]
fn malformed_ids() {
    let w = world();
    for bad in [
        "not-a-uuid",
        "1234",
        "zzzzzzzz",
        "01234567-89ab-7def-8123-456789abcdefff",
        "",
    ] {
        w.db.rejects(
            &["partner", "show", bad],
            VALIDATION,
            "validation",
            Some("id"),
            &["is not a valid id", "at least its first 8 characters"],
        );
        w.db.rejects(
            &["lead", "move", bad, "qualified"],
            VALIDATION,
            "validation",
            Some("id"),
            &["is not a valid id"],
        );
    }
}

#[test]
fn settings_of_the_wrong_type() {
    let w = world();
    let db = &w.db;
    db.rejects(
        &["settings", "set", "tier.gold.min_deals", "abc"],
        VALIDATION,
        "validation",
        Some("tier.gold.min_deals"),
        &["tier.gold.min_deals", "whole number"],
    );
    db.rejects(
        &["settings", "set", "currency", "12"],
        VALIDATION,
        "validation",
        Some("currency"),
        &["currency", "three-letter"],
    );
    db.rejects(
        &["settings", "set", "tier.silver.rate", "150"],
        VALIDATION,
        "validation",
        Some("tier.silver.rate"),
        &["at most 100%"],
    );
    db.rejects(
        &["settings", "set", "tier.silver.rate", "-3"],
        VALIDATION,
        "validation",
        Some("tier.silver.rate"),
        &["percentage"],
    );
    // "1,5" is not 15 %.
    db.rejects(
        &["settings", "set", "tier.gold.rate", "1,5"],
        VALIDATION,
        "validation",
        Some("tier.gold.rate"),
        &["tier.gold.rate", "ambiguous: write 1.5"],
    );
    db.rejects(
        &["settings", "set", "tier.gold.min_revenue", "1,5"],
        VALIDATION,
        "validation",
        Some("tier.gold.min_revenue"),
        &["ambiguous: write 1.5"],
    );
    db.rejects(
        &["settings", "set", "tier.gold.min_revenue", "lots"],
        VALIDATION,
        "validation",
        Some("tier.gold.min_revenue"),
        &["amount"],
    );
    // Thresholds must rise with the tier.
    db.rejects(
        &["settings", "set", "tier.silver.min_deals", "50"],
        VALIDATION,
        "validation",
        Some("tier.silver.min_deals"),
        &["must be at most gold's"],
    );
    db.rejects(
        &["settings", "set", "colour", "blue"],
        VALIDATION,
        "validation",
        Some("key"),
        &["unknown setting", "tier.silver.rate"],
    );
    db.rejects(
        &["settings", "get", "colour"],
        VALIDATION,
        "validation",
        Some("key"),
        &["unknown setting"],
    );
}

#[test]
fn usage_errors_exit_2() {
    let db = Db::new();
    let before = db.snapshot();
    // A missing required option.
    let o = db.run(&["application", "add", "--name", "Ann"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--email"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    // With --json the error is also on stdout.
    let o = db.run(&["lead", "frobnicate", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["error"]["kind"], "usage");
    // A count that is not a number.
    let o = db.run(&["partner", "list", "--limit", "many"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(db.snapshot(), before);
    // Help is not an error.
    let o = db.run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("Exit codes"));
}

#[test]
fn plain_errors_leave_stdout_empty() {
    let w = world();
    let o = w.db.run(&["lead", "move", &w.lead, "qualified"]);
    assert_eq!(o.status.code(), Some(REFUSED));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        "error: moving the lead: lead cannot move from negotiating to qualified \
         (an open lead only moves forward; close it first to reopen)"
    );
}
