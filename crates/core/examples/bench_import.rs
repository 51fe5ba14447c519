//! Benchmark of the lead import: `cargo run --release -p partnerdesk-core --example bench_import [ROWS]`
//! (`make bench-import`).
//!
//! 1. A database with 1,000 active partners; a CSV of ROWS valid leads
//!    (default 1,000,000; 1 in 40 a likely duplicate) imported by
//!    `exchange::import` with every check of a hand entry, duplicate flagging,
//!    history rows, audit and roll-ups; the time of each stage it reports.
//! 2. Peers doing the same writes with no checks, into the same schema:
//!    plain prepared INSERTs through rusqlite, one transaction; and the
//!    sqlite3 shell (`.import` into a staging table, then INSERT ... SELECT
//!    into `client_leads` and `lead_status_history`), when `sqlite3` is
//!    installed; and the engine's floor: the shell's CSV import into a bare
//!    table with no key, index or constraint.
//! 3. With PARTNERDESK_BENCH_DB set to the reference set (`make bench` makes
//!    it): the same number of leads for 1,000 of its active partners,
//!    imported into a copy of it, and by the plain INSERTs into another copy.

use partnerdesk_core::clock::SystemClock;
use partnerdesk_core::exchange::import::{self, ImportFormat, ImportOptions, ImportTable};
use partnerdesk_core::progress::Progress;
use partnerdesk_core::store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn leads_options(dry_run: bool) -> ImportOptions {
    ImportOptions {
        dry_run,
        ..ImportOptions::new(ImportTable::Leads, ImportFormat::Csv)
    }
}

/// ROWS leads for the given partner e-mails, as CSV.
fn leads_csv(rows: usize, partners: &[String], tag: &str) -> Res<Vec<u8>> {
    let mut out = Vec::with_capacity(rows * 110);
    writeln!(
        out,
        "partner_email,client_name,client_email,client_phone,business_name,estimated_value"
    )?;
    for i in 0..rows {
        let p = &partners[(i * 7919) % partners.len()];
        let c = if i % 20 == 19 { i / 2 } else { i };
        writeln!(
            out,
            "{p},Client {i},{tag}client{c}@example.com,+1 555 {:04},{tag}Business {c} LLC,{}.{:02}",
            i % 10_000,
            1000 + (i * 37) % 90_000,
            i % 100
        )?;
    }
    Ok(out)
}

/// Import `csv` into `store`, printing the time, rows/s and the time of each stage.
fn timed_import(store: &Store, csv: &Path, rows: usize, label: &str) -> Res<()> {
    let t = Instant::now();
    let mut stages: Vec<(String, f64)> = Vec::new();
    let mut stage_clock = Instant::now();
    let mut timed = |p: &Progress| {
        if stages.last().map(|(s, _)| s != &p.stage).unwrap_or(true) {
            if let Some(last) = stages.last_mut() {
                last.1 = stage_clock.elapsed().as_secs_f64();
            }
            stage_clock = Instant::now();
            stages.push((p.stage.clone(), 0.0));
        }
        true
    };
    let report = import::import_file(store, &leads_options(false), csv, &mut timed)?;
    if let Some(last) = stages.last_mut() {
        last.1 = stage_clock.elapsed().as_secs_f64();
    }
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(report.imported as usize, rows, "{:?}", report.bad_rows.first());
    println!(
        "{label:<66} {secs:>8.3} s  {:>10.0} rows/s  ({} flagged duplicates)",
        rows as f64 / secs,
        report.duplicates
    );
    let shown: Vec<String> = stages.iter().map(|(s, t)| format!("{s} {t:.1} s")).collect();
    println!("  stages: {} (the last one includes the commit)", shown.join(", "));
    Ok(())
}

/// Peer: the leads of `csv` and their first history rows written by plain
/// prepared INSERTs (no checks), in one transaction, with the bulk settings of
/// the import (rollback journal, 1 GB cache); the seconds it took.
fn plain_inserts(db: &Path, csv: &Path) -> Res<f64> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.execute_batch("PRAGMA journal_mode = TRUNCATE; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -1000000;")?;
    // The search index is derived data the import drops too (no trigger per row).
    partnerdesk_core::store::search::drop(&conn)?;
    let partner_ids: std::collections::HashMap<String, String> = {
        let mut s = conn.prepare("SELECT email, id FROM partners")?;
        let r = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        r.collect::<rusqlite::Result<_>>()?
    };
    let t = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut lead = tx.prepare(
            "INSERT INTO client_leads (id, partner_id, client_name, client_email, client_phone, business_name, estimated_value, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'prospect', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        )?;
        let mut history = tx.prepare(
            "INSERT INTO lead_status_history (lead_id, from_status, to_status, reopen, at) VALUES (?1, NULL, 'prospect', 0, '2026-01-01T00:00:00.000Z')",
        )?;
        let mut reader = csv::Reader::from_path(csv)?;
        let mut rec = csv::StringRecord::new();
        let mut n: u128 = 0;
        while reader.read_record(&mut rec)? {
            n += 1;
            let id = uuid::Uuid::from_u128((0x0190_0000_0000_7000_8000u128 << 48) + n)
                .hyphenated()
                .to_string();
            let cents: i64 = rec[5].replace('.', "").parse()?;
            lead.execute(rusqlite::params![
                id,
                partner_ids[&rec[0]],
                &rec[1],
                &rec[2],
                &rec[3],
                &rec[4],
                cents
            ])?;
            history.execute([&id])?;
        }
    }
    tx.commit()?;
    Ok(t.elapsed().as_secs_f64())
}

fn main() -> Res<()> {
    let rows: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("partnerdesk-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(rows, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run(rows: usize, dir: &Path) -> Res<()> {
    let emails: Vec<String> = (0..1000).map(|p| format!("partner{p}@agency{p}.com")).collect();
    let mut partners_csv = String::from("name,email,company\n");
    for (p, e) in emails.iter().enumerate() {
        partners_csv.push_str(&format!("Partner {p},{e},Agency {p}\n"));
    }
    let leads = leads_csv(rows, &emails, "")?;
    let csv_path = dir.join("leads.csv");
    std::fs::write(&csv_path, &leads)?;
    println!(
        "lead import benchmark: {rows} rows, {:.1} MB of CSV",
        leads.len() as f64 / 1e6
    );
    let fresh = |name: &str| -> Res<(PathBuf, Store)> {
        let db = dir.join(name);
        let store = Store::open(&db, Arc::new(SystemClock))?;
        import::import_bytes(
            &store,
            &ImportOptions::new(ImportTable::Partners, ImportFormat::Csv),
            partners_csv.as_bytes(),
            &mut |_| true,
        )?;
        Ok((db, store))
    };

    // Partnerdesk.
    let (db, store) = fresh("bench.db")?;
    if std::env::var_os("BENCH_IMPORT_ONLY").is_none() {
        let t = Instant::now();
        let dry = import::import_file(&store, &leads_options(true), &csv_path, &mut |_| true)?;
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(dry.valid as usize, rows);
        println!(
            "{:<66} {secs:>8.3} s  {:>10.0} rows/s",
            "partnerdesk dry run (read and check every row, write nothing):",
            rows as f64 / secs
        );
    }
    timed_import(
        &store,
        &csv_path,
        rows,
        "partnerdesk import (checks, duplicates, history, audit, roll-ups):",
    )?;
    drop(store);
    std::fs::remove_file(&db)?;
    if std::env::var_os("BENCH_IMPORT_ONLY").is_some() {
        return Ok(());
    }

    // Peer 1: plain INSERTs through rusqlite, no checks.
    let (peer_db, store) = fresh("peer.db")?;
    drop(store);
    let peer = plain_inserts(&peer_db, &csv_path)?;
    std::fs::remove_file(&peer_db)?;
    println!(
        "{:<66} {peer:>8.3} s  {:>10.0} rows/s",
        "peer: rusqlite, plain INSERTs of the leads and history, no checks:",
        rows as f64 / peer
    );

    // Peer 2: the sqlite3 shell running the equivalent SQL.
    let (peer_db, store) = fresh("peer-shell.db")?;
    drop(store);
    let script = format!(
        ".bail on
PRAGMA journal_mode = TRUNCATE; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -1000000;
BEGIN;
CREATE TEMP TABLE staging (partner_email TEXT, client_name TEXT, client_email TEXT, client_phone TEXT, business_name TEXT, estimated_value TEXT);
.import --csv --skip 1 '{}' staging
INSERT INTO client_leads (id, partner_id, client_name, client_email, client_phone, business_name, estimated_value, status, created_at, updated_at)
  SELECT printf('%s-%s-%s-%s-%s', substr(h, 1, 8), substr(h, 9, 4), substr(h, 13, 4), substr(h, 17, 4), substr(h, 21, 12)),
         p.id, s.client_name, lower(s.client_email), s.client_phone, s.business_name,
         CAST(round(CAST(s.estimated_value AS REAL) * 100) AS INTEGER), 'prospect', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'
    FROM (SELECT *, printf('01900000000070008000%012x', rowid) AS h FROM staging) s
    JOIN partners p ON p.email = s.partner_email
   ORDER BY s.rowid;
INSERT INTO lead_status_history (lead_id, from_status, to_status, reopen, at)
  SELECT id, NULL, 'prospect', 0, created_at FROM client_leads ORDER BY rowid;
COMMIT;
",
        csv_path.display()
    );
    let shell = |db: &Path, script: &str, table: &str, label: &str| -> Res<()> {
        let t = Instant::now();
        let run = std::process::Command::new("sqlite3")
            .arg(db)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .and_then(|mut child| {
                child
                    .stdin
                    .take()
                    .map(|mut i| i.write_all(script.as_bytes()))
                    .transpose()?;
                child.wait()
            });
        let secs = t.elapsed().as_secs_f64();
        match run {
            Ok(status) if status.success() => {
                let conn = rusqlite::Connection::open(db)?;
                let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
                assert_eq!(n as usize, rows, "the sqlite3 peer wrote every row");
                println!("{label:<66} {secs:>8.3} s  {:>10.0} rows/s", rows as f64 / secs);
            }
            Ok(status) => println!("{label} failed ({status})"),
            Err(e) => println!("{label} not run ({e}); install the sqlite3 package"),
        }
        Ok(())
    };
    shell(
        &peer_db,
        &script,
        "client_leads",
        "peer: sqlite3 shell, .import + INSERT ... SELECT, no checks:",
    )?;
    std::fs::remove_file(&peer_db)?;
    // The engine's floor here: the shell's CSV import into a bare table
    // (no key, no index, no constraint, no transformation).
    let bare = dir.join("bare.db");
    shell(
        &bare,
        &format!(
            "PRAGMA journal_mode = TRUNCATE; PRAGMA cache_size = -1000000;
CREATE TABLE staging (partner_email TEXT, client_name TEXT, client_email TEXT, client_phone TEXT, business_name TEXT, estimated_value TEXT);
.import --csv --skip 1 '{}' staging
",
            csv_path.display()
        ),
        "staging",
        "floor: sqlite3 shell .import into a bare table (no index, no key):",
    )?;
    std::fs::remove_file(&bare)?;

    // The reference set.
    let Some(reference) = std::env::var_os("PARTNERDESK_BENCH_DB").map(PathBuf::from) else {
        println!("(set PARTNERDESK_BENCH_DB to the reference set to also import into a copy of it)");
        return Ok(());
    };
    if !reference.is_file() {
        println!("(no reference set at {}; `make bench` makes it)", reference.display());
        return Ok(());
    }
    let copy = dir.join("reference.db");
    std::fs::copy(&reference, &copy)?;
    let store = Store::open(&copy, Arc::new(SystemClock))?;
    let (emails, existing): (Vec<String>, i64) = store.read(|c| {
        let mut s = c.prepare("SELECT email FROM partners WHERE status = 'active' ORDER BY id LIMIT 1000")?;
        let e = s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok((e, c.query_row("SELECT count(*) FROM client_leads", [], |r| r.get(0))?))
    })?;
    let leads = leads_csv(rows, &emails, "bench")?;
    std::fs::write(&csv_path, &leads)?;
    timed_import(
        &store,
        &csv_path,
        rows,
        &format!("partnerdesk import into a copy of the reference set ({existing} leads):"),
    )?;
    drop(store);
    std::fs::copy(&reference, &copy)?;
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("reference.db{side}")));
    }
    let peer = plain_inserts(&copy, &csv_path)?;
    println!(
        "{:<66} {peer:>8.3} s  {:>10.0} rows/s",
        "peer: rusqlite, plain INSERTs into a copy of the reference set:",
        rows as f64 / peer
    );
    Ok(())
}
