//! Payouts from the command line, with `--json`: a month of wins, the hold
//! passing (`run-due` at a later `PARTNERDESK_NOW`), a payout run that pays
//! one partner and skips one below the minimum and one with a negative
//! balance, the Wise and PayPal files, the self-billing statement with the
//! balance brought forward, the tax data and report, and an attribution
//! conflict resolved.

use crate::common::{stderr, stdout, Db};
use serde_json::Value;

fn at(db: &Db, now: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let o = db.cmd(&a).env("PARTNERDESK_NOW", now).output().unwrap();
    assert!(o.status.success(), "{args:?} at {now}: {}{}", stdout(&o), stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn refused_at(db: &Db, now: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let o = db.cmd(&a).env("PARTNERDESK_NOW", now).output().unwrap();
    assert!(!o.status.success(), "{args:?} at {now} should fail: {}", stdout(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn partner_at(db: &Db, now: &str, name: &str, email: &str) -> String {
    let app = at(db, now, &["application", "add", "--name", name, "--email", email]);
    let v = at(db, now, &["application", "approve", app["id"].as_str().unwrap()]);
    v["partner"]["id"].as_str().unwrap().to_owned()
}

fn lead_at(db: &Db, now: &str, partner: &str, email: &str, business: &str, value: &str) -> Value {
    at(
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
            "--business",
            business,
            "--estimated-value",
            value,
        ],
    )
}

fn won_at(db: &Db, now: &str, lead: &str, value: &str) -> String {
    let v = at(db, now, &["lead", "move", lead, "closed_won", "--value", value]);
    v["commission"]["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_month_of_payouts() {
    let db = Db::new();
    let d1 = "2026-03-02T10:00:00Z";
    let ann = partner_at(&db, d1, "Ann Able", "ann@able.example");
    let bo = partner_at(&db, d1, "Bo Small", "bo@small.example");
    let cy = partner_at(&db, d1, "Cy Minus", "cy@minus.example");

    // Cy was paid for a deal in an earlier month (by hand: hold 0 then).
    let g = at(&db, d1, &["group", "set", "Standard", "--hold-days", "0"]);
    assert_eq!(g["payout"]["hold_days"], 0);
    let cy_lead = lead_at(&db, d1, &cy, "big@cyclient.example", "Cy Big", "1000")["lead"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cy_c = won_at(&db, d1, &cy_lead, "1000");
    at(&db, d1, &["commission", "approve", &cy_c]);
    let first = at(&db, d1, &["payout", "run", "--partner", &cy]);
    assert_eq!(first["paid"][0]["document_number"], "SB-2026-000001");
    assert_eq!(first["total"], 10_000);

    // Holds from now on: 30 days.
    let g = at(
        &db,
        d1,
        &["group", "set", "Standard", "--hold-days", "30", "--payout-day", "5"],
    );
    assert_eq!(
        (g["payout"]["hold_days"].clone(), g["payout"]["payout_day"].clone()),
        (30.into(), 5.into())
    );
    assert_eq!(g["payout"]["payout_minimum"], 5_000);

    let d2 = "2026-03-03T10:00:00Z";
    let a1 = lead_at(&db, d2, &ann, "shop@annclient.example", "Ann Shop", "2000")["lead"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ann_c = won_at(&db, d2, &a1, "2000");
    let b1 = lead_at(&db, d2, &bo, "tiny@boclient.example", "Bo Tiny", "300")["lead"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    won_at(&db, d2, &b1, "300");
    // Cy's deal is reopened: a clawback of the paid 100.00.
    let re = at(&db, d2, &["lead", "move", &cy_lead, "negotiating"]);
    let claw = re["clawback"]["id"].as_str().unwrap().to_owned();
    at(&db, d2, &["commission", "approve", &claw]);

    // Within the hold, run-due approves nothing.
    let due = at(&db, "2026-03-20T10:00:00Z", &["run-due"]);
    assert_eq!(due["released"]["count"], 0);
    let bal = at(&db, "2026-03-20T10:00:00Z", &["partner", "balance", &ann]);
    assert_eq!(
        (bal["balance"].clone(), bal["pending"].clone()),
        (0.into(), 20_000.into())
    );

    // The hold has passed: both wins are approved, once.
    let d3 = "2026-04-05T09:00:00Z";
    let due = at(&db, d3, &["run-due"]);
    assert_eq!(due["released"]["count"], 2);
    assert_eq!(due["released"]["amount"], 20_000 + 3_000);
    assert_eq!(at(&db, d3, &["run-due"])["released"]["count"], 0, "released once");
    let audit = at(&db, d3, &["audit", "list", "--entity", "commission", "--id", &ann_c]);
    assert_eq!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["action"] == "release")
            .count(),
        1
    );

    // The preview: Ann paid, Bo below the minimum, Cy negative; nothing written.
    let before = db.audit_len();
    let pre = at(&db, d3, &["payout", "preview"]);
    assert_eq!(db.audit_len(), before, "a preview writes nothing");
    assert_eq!(pre["total"], 20_000);
    assert_eq!(pre["paid"].as_array().unwrap().len(), 1);
    assert_eq!(pre["paid"][0]["partner_id"], ann.as_str());
    let reasons: Vec<(String, String)> = pre["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["partner_id"].as_str().unwrap().to_owned(),
                s["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            (bo.clone(), "below_minimum".to_owned()),
            (cy.clone(), "negative_balance".to_owned())
        ]
    );
    // The run, with its file in Wise's layout:
    let dir = tempfile::tempdir().unwrap();
    let wise = dir.path().join("april.csv");
    let run = at(
        &db,
        d3,
        &["payout", "run", "--out", wise.to_str().unwrap(), "--format", "wise"],
    );
    assert_eq!(run["paid"][0]["document_number"], "SB-2026-000002");
    assert_eq!(run["skipped"].as_array().unwrap().len(), 2);
    let payout = run["payout_id"].as_str().unwrap().to_owned();
    let text = std::fs::read_to_string(&wise).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,sourceCurrency,targetCurrency")
    );
    assert_eq!(
        lines.next(),
        Some("Ann Able,ann@able.example,SB-2026-000002,PERSON,target,200.00,USD,USD")
    );
    assert_eq!(lines.next(), None);
    // The PayPal layout of the same payout, written again.
    let paypal = dir.path().join("again.csv");
    at(&db, d3, &["payout", "file", &payout, "--out", paypal.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&paypal)
        .unwrap()
        .starts_with("ann@able.example,200.00,USD,"));
    // Running again pays nothing twice.
    let again = at(&db, d3, &["payout", "run"]);
    assert!(again["paid"].as_array().unwrap().is_empty());
    assert_eq!(again["payout_id"], Value::Null);
    assert_eq!(at(&db, d3, &["partner", "balance", &cy])["carried_forward"], -10_000);

    // May: Cy earns more; the run nets the carried clawback.
    let d4 = "2026-05-01T10:00:00Z";
    let c2 = lead_at(&db, d4, &cy, "new@cyclient.example", "Cy New", "3000")["lead"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    won_at(&db, d4, &c2, "3000");
    let d5 = "2026-06-05T10:00:00Z";
    assert_eq!(at(&db, d5, &["run-due"])["released"]["count"], 1);
    let may = at(&db, d5, &["payout", "run", "--partner", &cy]);
    assert_eq!(may["paid"][0]["balance"], 30_000 - 10_000);
    assert_eq!(may["paid"][0]["brought_forward"], -10_000);
    assert_eq!(may["paid"][0]["document_number"], "SB-2026-000003");
    let may_payout = may["payout_id"].as_str().unwrap().to_owned();
    let html = dir.path().join("cy.html");
    let doc = at(
        &db,
        d5,
        &[
            "statement",
            &cy,
            "--payout",
            &may_payout,
            "--out",
            html.to_str().unwrap(),
        ],
    );
    assert_eq!(doc["number"], "SB-2026-000003");
    assert_eq!(
        (doc["brought_forward"].clone(), doc["paid"].clone()),
        ((-10_000).into(), 20_000.into())
    );
    let page = std::fs::read_to_string(&html).unwrap();
    for needle in [
        "SB-2026-000003",
        "Balance brought forward",
        "-100.00",
        "default tier v1 bronze",
        "Balance carried forward",
    ] {
        assert!(page.contains(needle), "{needle} not in the statement:\n{page}");
    }
    let csv = dir.path().join("cy.csv");
    at(
        &db,
        d5,
        &[
            "statement",
            &cy,
            "--payout",
            &may_payout,
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    let csv = std::fs::read_to_string(&csv).unwrap();
    let total = |what: &str, amount: &str| {
        csv.lines().any(|l| {
            l.starts_with("SB-2026-000003,total,,2026-06-05T") && l.ends_with(&format!(",{what},,,{amount},USD"))
        })
    };
    assert!(total("balance brought forward", "-100.00"), "{csv}");
    assert!(total("this period", "300.00") && total("paid", "200.00"), "{csv}");
    assert!(total("balance carried forward", "0.00"), "{csv}");
    assert!(csv.contains(",brought forward,") && csv.contains(",clawback,default tier v1 bronze,-100.00,USD"));

    // Tax data and the year-end report (threshold 600.00 by default: Ann's
    // 200.00 is under it; lower it to 150.00).
    at(&db, d5, &["settings", "set", "tax.threshold", "150"]);
    let t = at(
        &db,
        d5,
        &[
            "partner",
            "set-tax",
            &ann,
            "--form",
            "w9",
            "--received",
            "2026-02-01",
            "--tax-id",
            "12-345",
        ],
    );
    assert_eq!(t["tax_form"], "w9");
    let bad = refused_at(
        &db,
        d5,
        &["partner", "set-tax", &ann, "--form", "w9", "--received", "2026-02-30"],
    );
    assert_eq!(bad["error"]["field"], "received");
    let report = dir.path().join("tax.csv");
    let r = at(
        &db,
        d5,
        &["tax-report", "--year", "2026", "--out", report.to_str().unwrap()],
    );
    let rows: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(rows, vec!["Ann Able", "Cy Minus"], "Bo was never paid");
    assert_eq!(r["missing_forms"], 1);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        text.contains("Ann Able,ann@able.example,,200.00,USD,1,w9,2026-02-01,12-345"),
        "{text}"
    );
}

#[test]
fn attribution_conflicts_are_held_and_resolved() {
    let db = Db::new();
    let d1 = "2026-03-02T10:00:00Z";
    let ann = partner_at(&db, d1, "Ann Able", "ann@able.example");
    let bo = partner_at(&db, d1, "Bo Late", "bo@late.example");
    lead_at(&db, d1, &ann, "owner@cafe.example", "CAFÉ Straße", "1000");
    // The same business, written another way, by another partner: a conflict.
    let d2 = "2026-04-01T10:00:00Z";
    let added = lead_at(&db, d2, &bo, "other@cafe.example", "café strasse", "1000");
    assert_eq!(added["conflict"]["matched_on"], "business_name");
    let lead = added["lead"]["id"].as_str().unwrap().to_owned();
    // While in conflict it earns nothing: it cannot be won.
    let err = refused_at(&db, d2, &["lead", "move", &lead, "closed_won", "--value", "1000"]);
    assert_eq!(err["error"]["kind"], "invalid_transition");
    let list = at(&db, d2, &["lead", "conflicts"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["first_partner_name"], "Ann Able");
    assert_eq!(list[0]["suggested"], "first");
    // A reason is required, naming the field.
    let err = refused_at(&db, d2, &["lead", "resolve", &lead, "--keep", "new", "--reason", " "]);
    assert_eq!(err["error"]["field"], "reason");
    let done = at(
        &db,
        d2,
        &[
            "lead",
            "resolve",
            &lead,
            "--keep",
            "new",
            "--reason",
            "client asked for Bo",
        ],
    );
    assert_eq!(done["conflict"]["kept"], "new");
    assert!(at(&db, d2, &["lead", "conflicts"]).as_array().unwrap().is_empty());
    won_at(&db, d2, &lead, "1000");
    let audit = at(&db, d2, &["audit", "list", "--entity", "lead", "--id", &lead]);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"conflict") && actions.contains(&"resolve"),
        "{actions:?}"
    );

    // By e-mail, kept with the first partner: the new lead is closed as lost.
    let second = lead_at(&db, d2, &bo, "owner@cafe.example", "Other name", "500");
    let l2 = second["lead"]["id"].as_str().unwrap().to_owned();
    assert_eq!(second["conflict"]["matched_on"], "email");
    at(
        &db,
        d2,
        &[
            "lead",
            "resolve",
            &l2,
            "--keep",
            "first",
            "--reason",
            "Ann brought them first",
        ],
    );
    assert_eq!(at(&db, d2, &["lead", "show", &l2])["lead"]["status"], "closed_lost");

    // Outside the protection window (90 days), no conflict.
    let late = lead_at(
        &db,
        "2026-09-01T10:00:00Z",
        &bo,
        "owner2@cafe.example",
        "Café Straße",
        "500",
    );
    assert_eq!(late["conflict"], Value::Null);
}
