//! `partnerdesk sync` as a user runs it: a feed round trip between two
//! databases, and a push to PostgreSQL (PARTNERDESK_TEST_PG_URL; required when CI=true).

use crate::common;

use crate::common::Db;

#[test]
fn feed_round_trip_between_two_databases() {
    let a = Db::new();
    let b = Db::new();
    let feed = a.path.parent().unwrap().join("feed");
    let feed_s = feed.display().to_string();
    let p = a.partner("Ann", "ann@agency.com");
    a.lead(&p, "c@x.com", "1000");
    let first = a.json(&["sync", "export", "--to", &feed_s]);
    assert_eq!(first["snapshot"], true);
    let applied = b.json(&["sync", "apply", &feed_s]);
    assert_eq!(applied["rows"], first["rows"]);
    assert_eq!(a.snapshot(), b.snapshot());
    // Changes only, then idempotent.
    let l2 = a.lead(&p, "d@x.com", "20");
    a.win(&l2, "20");
    let second = a.json(&["sync", "export", "--to", &feed_s]);
    assert_eq!(second["snapshot"], false);
    assert_eq!(second["file_seq"], 2);
    b.ok(&["sync", "apply", &feed_s]);
    assert_eq!(a.snapshot(), b.snapshot());
    let again = b.ok(&["sync", "apply", &feed_s]);
    assert!(again.contains("Already applied"), "{again}");
    assert_eq!(a.snapshot(), b.snapshot());
    let none = a.ok(&["sync", "export", "--to", &feed_s]);
    assert!(none.contains("nothing changed"), "{none}");
    // A damaged file is refused and nothing changes.
    let file = feed.join("feed-000002.jsonl");
    let mut bytes = std::fs::read(&file).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0x20;
    std::fs::write(&file, bytes).unwrap();
    let c = Db::new();
    c.rejects(
        &["sync", "apply", &feed_s],
        3,
        "validation",
        Some("feed"),
        &["feed-000002.jsonl"],
    );
}

#[test]
fn push_to_postgres() {
    let url = match std::env::var("PARTNERDESK_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "PARTNERDESK_TEST_PG_URL is not set: in CI the PostgreSQL tests must run"
            );
            eprintln!("skipped: PARTNERDESK_TEST_PG_URL is not set (run through scripts/with-postgres.sh)");
            return;
        }
    };
    let name = format!("pd_cli_{}", std::process::id());
    let mut admin = partnerdesk_core::exchange::pg::connect(&url).unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let target = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
    let db = Db::new();
    let p = db.partner("Ann", "ann@agency.com");
    db.lead(&p, "c@x.com", "1234.56");
    let first = db.json(&["sync", "push", "--postgres", &target]);
    assert_eq!(first["full"], true);
    assert!(first["rows"].as_u64().unwrap() > 3);
    let second = db.json(&["sync", "push", "--postgres", &target]);
    assert_eq!(second["rows"], 0);
    let mut remote = partnerdesk_core::exchange::pg::connect(&target).unwrap();
    let v: String = remote
        .query_one("SELECT estimated_value::text FROM client_leads", &[])
        .unwrap()
        .get(0);
    assert_eq!(v, "1234.56");
    drop(remote);
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
    // An unreachable server: a clear error, exit 1.
    let o = db.run(&[
        "sync",
        "push",
        "--postgres",
        "postgresql://x:secret@127.0.0.1:1/pd?connect_timeout=2",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = common::stderr(&o);
    assert!(err.contains("127.0.0.1:1") && !err.contains("secret"), "{err}");
}
