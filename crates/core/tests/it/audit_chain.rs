//! The audit log's hash chain: every writer links its rows, `verify` names
//! the first row changed, deleted or inserted outside the app, and a file
//! older than the chain gets it once when it is opened.

use crate::common::{env, Env};
use chrono::TimeZone;
use partnerdesk_core::clock::ManualClock;
use partnerdesk_core::demo::{self, DemoOptions};
use partnerdesk_core::exchange::sync;
use partnerdesk_core::model::LeadStatus;
use partnerdesk_core::store::repo::audit_chain::{self, AuditBreakKind, AuditVerification};
use partnerdesk_core::store::Store;
use std::sync::Arc;

fn verify(s: &Store) -> AuditVerification {
    s.read(audit_chain::verify).unwrap()
}

fn raw(s: &Store, sql: &str) {
    s.with_writer(|c| Ok(c.execute_batch(sql)?)).unwrap();
}

/// Some activity: partners, leads, moves (a win, so commissions and totals), a setting.
fn story() -> Env {
    let e = env();
    let p = e.partner("Ann Field");
    let q = e.partner("Bo Hill");
    let l = e.lead(p.id, "Carl Stone", 400_000);
    e.lead(q.id, "Dee Park", 90_000);
    e.move_to(l.id, LeadStatus::Qualified, None).unwrap();
    e.move_to(l.id, LeadStatus::ClosedWon, None).unwrap();
    e.store
        .write(|tx| partnerdesk_core::workflow::settings::set(tx, "currency", "EUR"))
        .unwrap();
    e
}

fn count(s: &Store) -> i64 {
    s.read(|c| Ok(c.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?))
        .unwrap()
}

#[test]
fn every_write_links_the_chain_and_it_verifies() {
    let e = story();
    let v = verify(&e.store);
    assert!(v.ok, "{v:?}");
    let n = count(&e.store);
    assert!(n >= 8, "{n}");
    assert_eq!(v.rows, n);
    assert_eq!(v.head_seq, Some(n));
    let hashes: i64 = e
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(DISTINCT hash) FROM audit_log WHERE length(hash) = 64",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(hashes, n, "every row has its own hash");
    assert_eq!(e.invariants(), Vec::<String>::new());
}

#[test]
fn an_edited_row_is_named() {
    let e = story();
    raw(
        &e.store,
        "UPDATE audit_log SET after = json_set(after, '$.estimated_value', 1) WHERE seq = 4",
    );
    let v = verify(&e.store);
    assert!(!v.ok);
    let p = v.problem.unwrap();
    assert_eq!((p.seq, p.kind), (4, AuditBreakKind::Changed), "{}", p.message);
    assert!(p.message.contains("audit row 4"), "{}", p.message);
    assert!(
        e.invariants().iter().any(|i| i.starts_with("audit log: audit row 4")),
        "doctor's checks say it too: {:?}",
        e.invariants()
    );
    // Changing the time alone is found too, and so is a hash edited to match nothing.
    let e = story();
    raw(
        &e.store,
        "UPDATE audit_log SET at = '2020-01-01T00:00:00.000Z' WHERE seq = 2",
    );
    assert_eq!(verify(&e.store).problem.unwrap().seq, 2);
    let e = story();
    raw(
        &e.store,
        "UPDATE audit_log SET hash = replace(hash, substr(hash, 1, 1), 'f') WHERE seq = 3",
    );
    let p = verify(&e.store).problem.unwrap();
    assert_eq!((p.seq, p.kind), (3, AuditBreakKind::Changed));
}

#[test]
fn a_deleted_row_is_named_in_the_middle_and_at_the_end() {
    let e = story();
    raw(&e.store, "DELETE FROM audit_log WHERE seq = 3");
    let p = verify(&e.store).problem.unwrap();
    assert_eq!((p.seq, p.kind), (3, AuditBreakKind::Deleted), "{}", p.message);
    assert!(p.message.contains("audit row 3 is missing"), "{}", p.message);

    let e = story();
    raw(&e.store, "DELETE FROM audit_log WHERE seq IN (2, 3, 4)");
    let p = verify(&e.store).problem.unwrap();
    assert_eq!((p.seq, p.kind), (2, AuditBreakKind::Deleted));
    assert!(p.message.contains("2 to 4"), "{}", p.message);

    let e = story();
    let n = count(&e.store);
    raw(&e.store, &format!("DELETE FROM audit_log WHERE seq = {n}"));
    let p = verify(&e.store).problem.unwrap();
    assert_eq!((p.seq, p.kind), (n, AuditBreakKind::Deleted), "{}", p.message);

    let e = story();
    raw(&e.store, "DELETE FROM audit_log WHERE seq = 1");
    let p = verify(&e.store).problem.unwrap();
    assert_eq!((p.seq, p.kind), (1, AuditBreakKind::Deleted));
}

#[test]
fn an_inserted_row_is_named() {
    // At the end, as a plain INSERT would add it.
    let e = story();
    let n = count(&e.store);
    raw(
        &e.store,
        "INSERT INTO audit_log (at, entity, entity_id, action, before, after) VALUES ('2026-03-01T13:00:00.000Z', 'setting', 'currency', 'set', NULL, '{}')",
    );
    let p = verify(&e.store).problem.unwrap();
    assert_eq!((p.seq, p.kind), (n + 1, AuditBreakKind::Inserted), "{}", p.message);
    // A row written after it by the app does not hide it.
    e.store
        .write(|tx| partnerdesk_core::workflow::settings::set(tx, "currency", "USD"))
        .unwrap();
    assert_eq!(verify(&e.store).problem.unwrap().seq, n + 1);

    // In the middle, in a gap, with a made-up hash.
    let e = story();
    raw(&e.store, "DELETE FROM audit_log WHERE seq = 3");
    raw(
        &e.store,
        &format!(
            "INSERT INTO audit_log (seq, at, entity, entity_id, action, before, after, hash) VALUES (3, '2026-03-01T12:02:00.000Z', 'setting', 'currency', 'set', NULL, '{{}}', '{}')",
            "ab".repeat(32)
        ),
    );
    let p = verify(&e.store).problem.unwrap();
    assert_eq!(p.seq, 3, "{}", p.message);

    // A copy of a real row, hash and all, put in between (the rows after it
    // renumbered): named where it stands.
    // Shift rows 3..=n up by one (from the top), then put a row at 3.
    let e = story();
    let n = count(&e.store);
    for s in (3..=n).rev() {
        raw(&e.store, &format!("UPDATE audit_log SET seq = seq + 1 WHERE seq = {s}"));
    }
    raw(
        &e.store,
        "INSERT INTO audit_log (seq, at, entity, entity_id, action, before, after, hash)
         SELECT 3, at, entity, entity_id, action, before, after, hash FROM audit_log WHERE seq = 2",
    );
    let p = verify(&e.store).problem.unwrap();
    assert_eq!((p.seq, p.kind), (3, AuditBreakKind::Changed), "{}", p.message);
    assert!(p.message.contains("put there"), "{}", p.message);
}

#[test]
fn a_file_older_than_the_chain_gets_it_once_when_opened() {
    let (_dir, db) = crate::common::old_database(6);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        for i in 0..3 {
            conn.execute(
                "INSERT INTO audit_log (at, entity, entity_id, action, before, after) VALUES (?1, 'setting', 'currency', 'set', NULL, '{}')",
                [format!("2026-01-0{}T00:00:00.000Z", i + 1)],
            )
            .unwrap();
        }
    }
    let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 5, 4, 3, 2, 1).unwrap());
    let store = Store::open(&db, Arc::new(clock.clone())).unwrap();
    let v = verify(&store);
    assert!(v.ok, "{v:?}");
    assert_eq!(v.rows, 3);
    let due: i64 = store
        .read(|c| Ok(c.query_row("SELECT count(*) FROM audit_chain_due", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(due, 0, "done once");
    // New rows continue the chain.
    store
        .write(|tx| partnerdesk_core::workflow::settings::set(tx, "currency", "EUR"))
        .unwrap();
    assert!(verify(&store).ok);
    // A row added out of band later is not given a hash by opening again.
    raw(
        &store,
        "INSERT INTO audit_log (at, entity, entity_id, action, before, after) VALUES ('2026-05-05T00:00:00.000Z', 'setting', 'currency', 'set', NULL, '{}')",
    );
    drop(store);
    let store = Store::open(&db, Arc::new(clock)).unwrap();
    let p = verify(&store).problem.unwrap();
    assert_eq!((p.seq, p.kind), (5, AuditBreakKind::Inserted));
}

#[test]
fn the_demo_the_lead_import_and_a_replica_verify() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap());
    let src = Store::open(dir.path().join("src.db"), Arc::new(clock.clone())).unwrap();
    demo::generate(
        &src,
        &DemoOptions {
            partners: 40,
            leads: 300,
            seed: 7,
        },
        &mut |_| true,
    )
    .unwrap();
    let v = verify(&src);
    assert!(v.ok, "{v:?}");
    assert!(v.rows > 40, "{v:?}");
    // Hand-made rows after the demo's bulk rows.
    let p = src
        .read(|c| {
            Ok(
                c.query_row("SELECT id FROM partners WHERE status = 'active' LIMIT 1", [], |r| {
                    r.get::<_, String>(0)
                })?,
            )
        })
        .unwrap();
    let csv = format!(
        "partner_id,client_name,client_email,estimated_value\n{p},Eve Lane,eve@lane.example,1200\n{p},Finn Roe,finn@roe.example,900\n"
    );
    clock.advance(chrono::Duration::minutes(5));
    let opts = partnerdesk_core::exchange::import::ImportOptions::new(
        partnerdesk_core::exchange::import::ImportTable::Leads,
        partnerdesk_core::exchange::import::ImportFormat::Csv,
    );
    partnerdesk_core::exchange::import::import_bytes(&src, &opts, csv.as_bytes(), &mut |_| true).unwrap();
    let v = verify(&src);
    assert!(v.ok, "{v:?}");

    let feed = dir.path().join("feed");
    sync::export(&src, &feed, &mut |_| true).unwrap();
    let dst = Store::open(dir.path().join("dst.db"), Arc::new(clock)).unwrap();
    sync::apply(&dst, &feed, &mut |_| true).unwrap();
    let replica = verify(&dst);
    assert!(replica.ok, "{replica:?}");
    assert_eq!(replica.head_hash, v.head_hash, "the replica holds the source's chain");
}

#[test]
fn a_feed_from_before_the_chain_is_linked_on_the_replica_as_its_source_would() {
    let e = story();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed");
    let file = sync::export(&e.store, &feed, &mut |_| true).unwrap().file.unwrap();
    // Rewrite it as an older Partnerdesk wrote it: schema 6, audit rows without hashes.
    let bytes = std::fs::read(&file).unwrap();
    let cut = bytes.iter().position(|b| *b == b'\n').unwrap();
    let mut header: sync::FeedHeader = serde_json::from_slice(&bytes[..cut]).unwrap();
    let mut body = Vec::new();
    for line in bytes[cut + 1..].split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let mut row: sync::FeedRow = serde_json::from_slice(line).unwrap();
        if row.table == "audit_log" {
            assert!(row.row.remove("hash").is_some());
        }
        body.extend(serde_json::to_vec(&row).unwrap());
        body.push(b'\n');
    }
    use sha2::Digest;
    header.schema_version = 6;
    header.checksum = format!("sha256:{:x}", sha2::Sha256::digest(&body));
    let mut head = serde_json::to_vec(&header).unwrap();
    head.resize(cut, b' ');
    head.push(b'\n');
    head.extend(body);
    std::fs::write(&file, head).unwrap();

    let dst = Store::open(dir.path().join("replica.db"), Arc::new(e.clock.clone())).unwrap();
    sync::apply(&dst, &feed, &mut |_| true).unwrap();
    let replica = verify(&dst);
    assert!(replica.ok, "{replica:?}");
    assert_eq!(
        replica.head_hash,
        verify(&e.store).head_hash,
        "the same rows, the same chain"
    );
}
