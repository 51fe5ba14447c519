//! `partnerdesk audit verify` and `doctor` find an audit row edited, deleted
//! or inserted behind the app's back.

use crate::common::{stderr, stdout, Db};
use serde_json::Value;

/// A database with some history: two partners, a lead won, a setting.
fn history() -> Db {
    let db = Db::new();
    let p = db.partner("Ann Field", "ann@agency.example");
    db.partner("Bo Hill", "bo@agency.example");
    let l = db.lead(&p, "carl@client.example", "4000");
    db.win(&l, "4000");
    db.ok(&["settings", "set", "currency", "EUR"]);
    db
}

fn tamper(db: &Db, sql: &str) {
    let c = rusqlite::Connection::open(&db.path).unwrap();
    c.execute_batch(sql).unwrap();
}

/// `audit verify --json` must fail (exit 1); returns its JSON and stderr.
fn broken(db: &Db) -> (Value, String) {
    let o = db.run(&["audit", "verify", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], false, "{v}");
    let d = db.run(&["doctor", "--json"]);
    assert_eq!(d.status.code(), Some(1), "doctor fails too: {}", stdout(&d));
    let dv: Value = serde_json::from_str(&stdout(&d)).unwrap();
    assert_eq!(dv["audit"]["problem"], v["problem"], "{dv}");
    (v, stderr(&o))
}

#[test]
fn an_intact_log_verifies() {
    let db = history();
    let v = db.json(&["audit", "verify"]);
    assert_eq!(v["ok"], true, "{v}");
    let n = db.audit_len() as i64;
    assert_eq!(v["rows"], n);
    assert_eq!(v["head_seq"], n);
    assert_eq!(v["head_hash"].as_str().unwrap().len(), 64);
    let text = db.ok(&["audit", "verify"]);
    assert!(text.contains("intact"), "{text}");
    let doctor = db.json(&["doctor"]);
    assert_eq!(doctor["audit"]["ok"], true);
    assert!(db.ok(&["doctor"]).contains(&format!("intact ({n} rows")));
}

#[test]
fn an_edited_row_is_named() {
    let db = history();
    tamper(
        &db,
        "UPDATE audit_log SET after = json_set(after, '$.email', 'x@y.example') WHERE seq = 2",
    );
    let (v, err) = broken(&db);
    assert_eq!(v["problem"]["seq"], 2);
    assert_eq!(v["problem"]["kind"], "changed");
    assert!(err.contains("audit row 2"), "{err}");
    let text = db.run(&["audit", "verify"]);
    assert!(stdout(&text).contains("BROKEN"), "{}", stdout(&text));
}

#[test]
fn a_deleted_row_is_named() {
    let db = history();
    tamper(&db, "DELETE FROM audit_log WHERE seq = 3");
    let (v, err) = broken(&db);
    assert_eq!(v["problem"]["seq"], 3);
    assert_eq!(v["problem"]["kind"], "deleted");
    assert!(err.contains("audit row 3 is missing"), "{err}");
}

#[test]
fn an_inserted_row_is_named() {
    let db = history();
    let n = db.audit_len() as i64;
    tamper(
        &db,
        "INSERT INTO audit_log (at, entity, entity_id, action, before, after) VALUES ('2026-01-01T00:00:00.000Z', 'setting', 'currency', 'set', NULL, '{}')",
    );
    let (v, err) = broken(&db);
    assert_eq!(v["problem"]["seq"], n + 1);
    assert_eq!(v["problem"]["kind"], "inserted");
    assert!(err.contains(&format!("audit row {}", n + 1)), "{err}");
}
