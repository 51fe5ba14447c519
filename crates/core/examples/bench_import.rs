//! Benchmark of the lead import: `cargo run --release -p partnerdesk-core --example bench_import [ROWS]`.
//!
//! Makes a database with 1,000 active partners, writes a CSV of ROWS valid
//! leads (default 1,000,000; about 1 in 20 a likely duplicate), imports it
//! with `exchange::import` (all checks, per-row audit, history rows, index
//! rebuild) and prints rows/s. Beside it, the peer: the same CSV parsed and
//! inserted by plain prepared INSERTs into the same schema with no checks, no
//! audit and no history, in one transaction.

use partnerdesk_core::clock::SystemClock;
use partnerdesk_core::exchange::import::{self, ImportFormat, ImportOptions, ImportTable};
use partnerdesk_core::store::Store;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("partnerdesk-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;

    // Partners.
    let mut partners_csv = String::from("name,email,company\n");
    for p in 0..1000 {
        partners_csv.push_str(&format!("Partner {p},partner{p}@agency{p}.com,Agency {p}\n"));
    }
    // Leads.
    let mut leads_csv = Vec::with_capacity(rows * 110);
    writeln!(
        leads_csv,
        "partner_email,client_name,client_email,client_phone,business_name,estimated_value"
    )?;
    for i in 0..rows {
        let p = (i * 7919) % 1000;
        let c = if i % 20 == 19 { i / 2 } else { i };
        writeln!(
            leads_csv,
            "partner{p}@agency{p}.com,Client {i},client{c}@example.com,+1 555 {:04},Business {c} LLC,{}.{:02}",
            i % 10_000,
            1000 + (i * 37) % 90_000,
            i % 100
        )?;
    }
    let csv_path = dir.join("leads.csv");
    std::fs::write(&csv_path, &leads_csv)?;
    println!(
        "lead import benchmark: {rows} rows, {:.1} MB of CSV",
        leads_csv.len() as f64 / 1e6
    );

    // Partnerdesk import.
    let db = dir.join("bench.db");
    let store = Store::open(&db, Arc::new(SystemClock))?;
    let mut quiet = |_: &partnerdesk_core::demo::Progress| true;
    import::import_bytes(
        &store,
        &ImportOptions {
            table: ImportTable::Partners,
            format: ImportFormat::Csv,
            mapping: Default::default(),
            dry_run: false,
        },
        partners_csv.as_bytes(),
        &mut quiet,
    )?;
    let opts = ImportOptions {
        table: ImportTable::Leads,
        format: ImportFormat::Csv,
        mapping: Default::default(),
        dry_run: false,
    };
    let only_import = std::env::var_os("BENCH_IMPORT_ONLY").is_some();
    let t = Instant::now();
    let dry = if only_import {
        None
    } else {
        Some(import::import_file(
            &store,
            &ImportOptions {
                dry_run: true,
                ..opts.clone()
            },
            &csv_path,
            &mut quiet,
        )?)
    };
    let secs = t.elapsed().as_secs_f64();
    if let Some(dry) = dry {
        assert_eq!(dry.valid as usize, rows);
        println!(
            "partnerdesk dry run (read and check every row, write nothing):   {:>8.3} s  {:>10.0} rows/s",
            secs,
            rows as f64 / secs
        );
    }
    let t = Instant::now();
    // Where the time goes: the time spent in each stage the import reports.
    let mut stages: Vec<(String, f64)> = Vec::new();
    let mut stage_clock = Instant::now();
    let mut timed = |p: &partnerdesk_core::demo::Progress| {
        if stages.last().map(|(s, _)| s != &p.stage).unwrap_or(true) {
            if let Some(last) = stages.last_mut() {
                last.1 = stage_clock.elapsed().as_secs_f64();
            }
            stage_clock = Instant::now();
            stages.push((p.stage.clone(), 0.0));
        }
        true
    };
    let report = import::import_file(&store, &opts, &csv_path, &mut timed)?;
    if let Some(last) = stages.last_mut() {
        last.1 = stage_clock.elapsed().as_secs_f64();
    }
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(report.imported as usize, rows, "{:?}", report.bad_rows.first());
    println!(
        "partnerdesk import (checks, duplicates, audit + history per row): {:>8.3} s  {:>10.0} rows/s  ({} flagged duplicates)",
        secs,
        rows as f64 / secs,
        report.duplicates
    );
    let shown: Vec<String> = stages.iter().map(|(s, t)| format!("{s} {t:.1} s")).collect();
    println!(
        "  stages: {} (the rest: opening, the file read, commit)",
        shown.join(", ")
    );
    drop(store);
    if only_import {
        std::fs::remove_dir_all(&dir)?;
        return Ok(());
    }

    // Peer: plain INSERTs, no checks.
    let peer_db = dir.join("peer.db");
    let _ = Store::open(&peer_db, Arc::new(SystemClock))?;
    let mut conn = rusqlite::Connection::open(&peer_db)?;
    conn.execute_batch("PRAGMA journal_mode = TRUNCATE; PRAGMA foreign_keys = OFF;")?;
    let t = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare(
            "INSERT INTO client_leads (id, partner_id, client_name, client_email, client_phone, business_name, estimated_value, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'prospect', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        )?;
        let mut reader = csv::Reader::from_path(&csv_path)?;
        let mut rec = csv::StringRecord::new();
        let mut n: u128 = 0;
        while reader.read_record(&mut rec)? {
            n += 1;
            let cents: i64 = rec[5].replace('.', "").parse()?;
            stmt.execute(rusqlite::params![
                uuid::Uuid::from_u128(n).hyphenated().to_string(),
                &rec[0],
                &rec[1],
                &rec[2],
                &rec[3],
                &rec[4],
                cents
            ])?;
        }
    }
    tx.commit()?;
    let peer = t.elapsed().as_secs_f64();
    println!(
        "peer: plain INSERTs of the same rows (no checks, no audit):      {:>8.3} s  {:>10.0} rows/s",
        peer,
        rows as f64 / peer
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
