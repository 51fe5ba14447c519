//! `run-due` (the hold's releases) and `payout run` killed with SIGKILL at
//! varied moments (chosen by watching the WAL grow, no fixed sleeps): each
//! is afterwards wholly there or wholly absent, the database is sound, and
//! running it again to its end pays nothing twice.

use crate::common::{stderr, stdout, Db};
use crate::faults::{kill_when, len, side, sound, spawn_bin};
use serde_json::Value;
use std::process::Stdio;

const THEN: &str = "2026-01-15T10:00:00Z";
const NOW: &str = "2026-03-01T10:00:00Z";

fn at(db: &Db, now: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let o = db.cmd(&a).env("PARTNERDESK_NOW", now).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}{}", stdout(&o), stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn pending(db: &Db) -> u64 {
    at(db, NOW, &["commission", "list", "--status", "pending", "--limit", "1"])["total"]
        .as_u64()
        .unwrap()
}

fn paid_total(db: &Db) -> u64 {
    at(db, NOW, &["commission", "list", "--status", "paid", "--limit", "1"])["total"]
        .as_u64()
        .unwrap()
}

/// Kill `args` (run at NOW) at a moment chosen by round `i`.
fn killed_run(db: &Db, args: &[&str], i: usize) -> bool {
    let wal = side(&db.path, "-wal");
    let before = len(&wal);
    let mut child = spawn_bin()
        .arg("--db")
        .arg(&db.path)
        .args(args)
        .env("PARTNERDESK_NOW", NOW)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut polls = 0u64;
    kill_when(&mut child, || {
        polls += 1;
        match i % 3 {
            0 => polls > (i as u64) * 200,
            1 => len(&wal) != before,
            _ => len(&wal) > before + 16_384 * (i as u64),
        }
    })
}

#[test]
fn run_due_and_payout_run_killed_mid_way_are_whole_or_absent() {
    let db = Db::new();
    let o = db
        .cmd(&["demo", "--partners", "300", "--leads", "6000", "--seed", "3"])
        .env("PARTNERDESK_NOW", THEN)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // Every pending commission's hold (30 days) has passed by NOW.
    let before = pending(&db);
    assert!(before > 20, "the demo left {before} pending commissions");

    let mut killed = 0;
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..8 {
        if killed_run(&db, &["run-due"], i) {
            killed += 1;
        }
        sound(&db);
        seen.insert(pending(&db));
    }
    let done = at(&db, NOW, &["run-due"]);
    let after = pending(&db);
    seen.insert(after);
    // Either nothing released, or all of it, never a part.
    assert!(
        seen.iter().all(|n| *n == before || *n == after),
        "pending counts seen: {seen:?}"
    );
    assert!(after < before, "the hold released nothing");
    if done["released"]["count"].as_u64().unwrap() == 0 {
        // A killed round had finished the release already: then at once, wholly.
        assert!(seen.contains(&after));
    }
    assert_eq!(at(&db, NOW, &["run-due"])["released"]["count"], 0, "released once");

    // The payout run.
    let eligible = at(&db, NOW, &["payout", "preview"])["paid"].as_array().unwrap().len();
    assert!(eligible > 5, "only {eligible} partners to pay");
    let paid_before = paid_total(&db);
    for i in 0..8 {
        if killed_run(&db, &["payout", "run"], i) {
            killed += 1;
        }
        sound(&db);
        let left = at(&db, NOW, &["payout", "preview"])["paid"].as_array().unwrap().len();
        assert!(
            left == eligible || left == 0,
            "round {i}: {left} of {eligible} partners left to pay"
        );
    }
    at(&db, NOW, &["payout", "run"]);
    let left = at(&db, NOW, &["payout", "preview"]);
    assert!(left["paid"].as_array().unwrap().is_empty());
    let again = at(&db, NOW, &["payout", "run"]);
    assert_eq!(again["payout_id"], Value::Null, "nothing paid twice");
    assert!(paid_total(&db) > paid_before);
    sound(&db);
    assert!(killed >= 6, "only {killed} rounds were killed mid-way");
}
