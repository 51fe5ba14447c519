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

/// The web side's rows before the first sync: a partner (capitalised tier,
/// from an approved application) and a lead of theirs.
const WEB_ROWS: &str = "
insert into partner_applications (id, name, email, status, created_at)
values ('0190b000-0000-7000-8000-000000000002', 'Web Partner', 'partner@web.example', 'approved', '2026-01-11T10:00:00Z');
insert into partners (id, application_id, name, email, status, tier, created_at)
values ('0190b000-0000-7000-8000-000000000010', '0190b000-0000-7000-8000-000000000002', 'Web Partner', 'partner@web.example', 'active', 'Silver', '2026-01-12T10:00:00Z');
insert into client_leads (id, partner_id, client_name, client_email, estimated_value, created_at)
values ('0190b000-0000-7000-8000-000000000020', '0190b000-0000-7000-8000-000000000010', 'Web Client', 'client@web.example', 2500.10, '2026-01-13T10:00:00Z');
";

#[test]
fn push_pull_status_and_conflicts_against_the_original_schema() {
    let Some(pgdb) = common::PgDb::new("orig") else { return };
    let mut web = pgdb.client();
    web.batch_execute(common::SUPABASE_ORIGINAL).unwrap();
    web.batch_execute(WEB_ROWS).unwrap();
    let url = pgdb.url.as_str();
    let db = Db::new();
    let p = db.partner("Ann", "ann@agency.com");
    let lead = db.lead(&p, "c@x.com", "1234.56");
    db.win(&lead, "1000.00");

    // The dry run says what it would do; nothing there changes.
    let dry = db.json(&["sync", "push", "--postgres", url, "--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    let added: Vec<&str> = dry["added_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(added.contains(&"commissions.kind text"), "{added:?}");
    let text = db.ok(&["sync", "push", "--postgres", url, "--dry-run"]);
    assert!(
        text.contains("Would add column client_leads.possible_duplicate_of uuid") && text.contains("Dry run"),
        "{text}"
    );
    let n: i64 = web
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'commissions' AND column_name = 'kind'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 0);

    let pushed = db.json(&["sync", "push", "--postgres", url]);
    assert_eq!(pushed["full"], true);
    let rate: String = web
        .query_one("SELECT commission_rate::text FROM commissions", &[])
        .unwrap()
        .get(0);
    assert_eq!(rate, "10.00");

    let pulled = db.json(&["sync", "pull", "--postgres", url]);
    assert_eq!(pulled["created"], 3, "{pulled}");
    assert_eq!(pulled["bad_rows"].as_array().unwrap().len(), 0);
    let web_partner = db.partner_json("0190b000-0000-7000-8000-000000000010");
    assert_eq!(web_partner["tier"], "silver");

    // Both sides changed one lead; a pull keeps the newer change and logs the other.
    assert_eq!(db.json(&["sync", "conflicts"]).as_array().unwrap().len(), 0);
    let open = db.lead(&p, "d@x.com", "50");
    db.ok(&["sync", "push", "--postgres", url]);
    db.ok(&["lead", "move", &open, "qualified"]);
    web.batch_execute(&format!(
        "update client_leads set client_name = 'Web Name' where id = '{open}';
         insert into partner_applications (name, email) values ('Newcomer', 'new@web.example');"
    ))
    .unwrap();
    let dry_pull = db.json(&["sync", "pull", "--postgres", url, "--dry-run"]);
    assert_eq!(dry_pull["dry_run"], true);
    assert_eq!(dry_pull["created"], 1);
    assert_eq!(
        db.json(&["sync", "conflicts"]).as_array().unwrap().len(),
        0,
        "a dry run keeps nothing"
    );
    let pulled = db.json(&["sync", "pull", "--postgres", url]);
    assert_eq!(pulled["conflicts"].as_array().unwrap().len(), 1, "{pulled}");
    let log = db.json(&["sync", "conflicts"]);
    assert_eq!(log.as_array().unwrap().len(), 1);
    assert_eq!(log[0]["record_id"], open.as_str());
    assert_eq!(log[0]["table"], "client_leads");
    assert_eq!(log[0]["winner"], "remote");
    assert!(db.ok(&["sync", "conflicts"]).contains(&open));

    db.ok(&["sync", "push", "--postgres", url]);
    let status = db.json(&["sync", "status", "--postgres", url]);
    assert_eq!(status["equal"], true, "{status}");
    assert_eq!(status["tables"].as_array().unwrap().len(), 5);
    assert!(!status["target"].as_str().unwrap().contains("secret"));
    let text = db.ok(&["sync", "status", "--postgres", url]);
    assert!(text.contains("Both sides hold the same rows"), "{text}");
    web.batch_execute("delete from commissions").unwrap();
    let status = db.json(&["sync", "status", "--postgres", url]);
    assert_eq!(status["equal"], false);
    let commissions = status["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "commissions")
        .unwrap();
    assert_eq!(commissions["remote_rows"], 0);
    assert_eq!(commissions["equal"], false);
}
