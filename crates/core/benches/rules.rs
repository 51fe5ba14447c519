//! `make bench-rules`: the what-if simulator (a replay of every won deal of
//! the reference set under today's rules and under a draft) timed warm, and
//! the first open's migration to the rules schema (V8 rebuilds the
//! commissions table) when the file is older.
//!
//! PARTNERDESK_BENCH_DB names the database (default target/bench/reference.db).
//! RUNS (default 5) replays are timed; the median and the fastest are printed.

use partnerdesk_core::clock::{fmt_time, parse_time, ManualClock};
use partnerdesk_core::store::Store;
use partnerdesk_core::workflow::simulate::{self, Draft};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench"));
    let path = std::env::var("PARTNERDESK_BENCH_DB").unwrap_or_else(|_| dir.join("reference.db").display().to_string());
    if !std::path::Path::new(&path).exists() {
        eprintln!("{path} is missing: run `make bench` (it builds the reference set once)");
        std::process::exit(2);
    }
    let runs: usize = std::env::var("RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let opened = Instant::now();
    let probe = Store::open(&path, Arc::new(partnerdesk_core::clock::SystemClock)).expect("opening the database");
    println!(
        "open (and migrate when needed): {:.1} s",
        opened.elapsed().as_secs_f64()
    );
    let generated: String = probe
        .read(|c| {
            Ok(c.query_row(
                "SELECT at FROM audit_log WHERE entity = 'database' AND action = 'demo' ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("the database holds demo data");
    drop(probe);
    let now = parse_time(&generated).expect("a time");
    let today = fmt_time(now)[..10].to_owned();
    let store = Store::open(&path, Arc::new(ManualClock::new(now))).expect("reopen");
    let drafts = [
        ("unchanged (empty draft)", Draft::default()),
        (
            "default table changed",
            simulate::parse_draft(
                r#"{"default": {"tiers": [{"tier": "bronze", "rate": 11}, {"tier": "silver", "rate": 13, "deals": 4, "revenue": "12000.00"}]}}"#,
            )
            .unwrap(),
        ),
    ];
    for (name, draft) in &drafts {
        let first = store
            .read(|c| simulate::simulate(c, draft, None, None, &today))
            .unwrap();
        let mut ms: Vec<f64> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(
                    store
                        .read(|c| simulate::simulate(c, draft, None, None, &today))
                        .unwrap(),
                );
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        println!(
            "simulate, whole history, {name}: median {:.0} ms, fastest {:.0} ms ({} runs); {} deals, {} partners listed, current {} draft {} cents, {} tier changes",
            ms[runs / 2],
            ms[0],
            runs,
            first.deals,
            first.partners.len(),
            first.current,
            first.draft,
            first.tier_changes
        );
    }
}
