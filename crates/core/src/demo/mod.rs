//! The demo data generator: a reproducible, real-looking partner program
//! spread over the 24 months before the store's clock.
//!
//! It replays history through the same rules as the interactive path: the
//! pipeline rule ([`check_move`](crate::workflow::leads::check_move)) for
//! every move, the commission at the partner's tier rate at the moment of the
//! win ([`apply_rate`](crate::money::apply_rate)), automatic
//! promotion after each win ([`Settings::tier_for`]), cancel or clawback on
//! a reopen, and monthly payout batches of the approved commissions. It
//! writes the final rows in bulk (one transaction, prepared statements,
//! secondary indexes rebuilt at the end) so the reference set of 100,000
//! partners and 2,000,000 leads takes seconds, and totals are recomputed
//! from the commissions with the same SQL the invariants check.
//!
//! Audit: the demo is one user action; it writes one `database/demo` row,
//! a `create` row per partner and a `promote` row per tier change. Leads,
//! moves and commissions of the demo are not audited row by row (their
//! history is in `lead_status_history` and the commissions themselves).
//!
//! The steps: `history` plays the 24 months in memory (partners, leads,
//! wins and promotions, payouts and reopens); then `rows` writes them
//! (partners, moves, payouts and commissions, totals, indexes, roll-ups,
//! audit) while a second thread writes the leads into a scratch file
//! (`lead_file`), which is copied in at the end, followed by the plans.

mod history;
mod lead_file;
mod rows;
mod words;

use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::{Store, Tx};
use crate::workflow::settings::{self, Settings};
use chrono::{DateTime, Duration, Utc};
use lead_file::{scratch_path, EarlyFlush};
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DemoOptions {
    pub partners: usize,
    pub leads: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct DemoReport {
    pub applications: u64,
    pub partners: u64,
    pub leads: u64,
    pub moves: u64,
    pub commissions: u64,
    pub payouts: u64,
    pub plans: u64,
    pub promotions: u64,
}

pub const MAX_PARTNERS: usize = 1_000_000;
pub const MAX_LEADS: usize = 20_000_000;
const MONTHS: i64 = 24;

/// Generate the data set into `store` in one transaction. `progress` is
/// called now and then; returning false cancels and nothing is kept.
pub fn generate(store: &Store, opts: &DemoOptions, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<DemoReport> {
    if opts.partners == 0 || opts.partners > MAX_PARTNERS {
        return Err(Error::validation(
            "partners",
            format!("must be between 1 and {MAX_PARTNERS}"),
        ));
    }
    if opts.leads > MAX_LEADS {
        return Err(Error::validation("leads", format!("must be at most {MAX_LEADS}")));
    }
    let now = store.now();
    let settings = store.read(settings::load)?;
    store.release_readers();
    store.with_writer(|conn| {
        // A bulk load is cheaper with a rollback journal than through the WAL;
        // both are atomic. Switch back afterwards whatever happens.
        let switched = conn
            .query_row("PRAGMA journal_mode = TRUNCATE", [], |r| r.get::<_, String>(0))
            .map(|m| m.eq_ignore_ascii_case("truncate"))
            .unwrap_or(false);
        // Every reference is made by construction here (and checked by the
        // invariants in the tests): skip the per-row foreign-key look-ups, keep
        // the working set in memory and let the index sorts use both cores.
        // A 1 GB page cache: a larger one only postpones the writes to the commit.
        conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA cache_size = -1000000; PRAGMA threads = 2;")?;
        // The leads are written into a scratch file by a second thread, then
        // copied in (see `write_leads`); it is attached before the transaction.
        let scratch = scratch_path(store.path(), opts.leads as u64);
        let result = (|| {
            let _ = std::fs::remove_file(&scratch);
            std::fs::File::create(&scratch).map_err(|e| Error::io(format!("creating {}", scratch.display()), e))?;
            crate::store::make_private_file(&scratch)?;
            conn.execute("ATTACH DATABASE ?1 AS demo_leads", [scratch.to_string_lossy()])?;
            // Deferred, not immediate: IMMEDIATE would lock the attached
            // scratch file too, which the lead writer must write. The first
            // statement below writes the main file, which takes its lock.
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?;
            tx.execute_batch("DELETE FROM main.analytics_snapshots WHERE 0")?;
            let tx = Tx::wrap(tx, now);
            // Pages SQLite writes before the commit (cache spills) are handed to
            // the disk as the run goes, so the commit's sync has little left.
            let flusher = EarlyFlush::start(store.path());
            let report = build(&tx, &settings, opts, now, &scratch, progress);
            drop(flusher);
            let report = report?;
            tx.commit()?;
            Ok(report)
        })();
        let _ = conn.execute_batch("DETACH DATABASE demo_leads");
        let _ = std::fs::remove_file(&scratch);
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA threads = 0;")?;
        if switched {
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
        }
        result
    })
}

/// The progress of the build's steps; a callback that answers `false` cancels.
struct Ticker<'p> {
    progress: &'p mut dyn FnMut(&Progress) -> bool,
}

impl Ticker<'_> {
    fn step(&mut self, stage: &str, done: usize, total: usize) -> Result<()> {
        crate::progress::report(self.progress, stage, done as u64, total as u64)
    }
}

/// The whole data set, step by step, inside `tx`.
fn build(
    tx: &Tx,
    settings: &Settings,
    opts: &DemoOptions,
    now: DateTime<Utc>,
    scratch: &std::path::Path,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<DemoReport> {
    let mut rng = Pcg64Mcg::seed_from_u64(opts.seed);
    let start = now - Duration::days(MONTHS * 365 / 12);
    let mut report = DemoReport::default();
    let mut tick = Ticker { progress };

    let history = history::play(tx, &mut rng, settings, opts, start, now, &mut tick)?;
    let history = &history;

    // Leads: a second thread writes them, with their indexes, into the
    // scratch file while this one writes everything else; then one
    // INSERT ... SELECT copies the table and its indexes in (SQLite's transfer
    // path: pages in key order, no re-sort, when client_leads is empty).
    let lead_ids = rows::lead_ids(&mut rng, history);
    let plan_pick = rows::plan_pick(&mut rng, history);
    // The text-search indexes are rebuilt by the first search afterwards: a
    // trigger per row would cost more and disable the leads' transfer path.
    crate::store::search::drop(tx)?;
    let lead_schema = rows::lead_schema(tx)?;
    let written = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let input = rows::Input {
        history,
        lead_ids: &lead_ids,
        currency: &settings.currency,
        opts,
        now,
        span: (now - start).num_seconds() as f64,
        written: &written,
    };
    let plan_names = std::thread::scope(|scope| -> Result<Vec<(String, String)>> {
        let writer = scope.spawn(|| {
            lead_file::write_leads(
                scratch,
                &lead_schema,
                &history.leads,
                &history.partners,
                &lead_ids,
                &plan_pick,
                opts.seed,
                &written,
                &stop,
            )
        });
        let here = rows::write(tx, &mut rng, &mut tick, &mut report, &input);
        if here.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        let names = writer
            .join()
            .unwrap_or_else(|_| Err(Error::Conflict("the demo's lead writer stopped unexpectedly".into())));
        here?;
        names
    })?;

    rows::copy_leads(tx, &mut tick)?;
    report.plans = rows::plans(tx, &mut rng, history, &lead_ids, &plan_pick, plan_names)?;

    tick.step("done", 1, 1)?;
    Ok(report)
}
