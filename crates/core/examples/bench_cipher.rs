//! Benchmark of encryption at rest: `make bench-cipher` (release).
//!
//! On the reference set (PARTNERDESK_BENCH_DB, default target/bench/reference.db)
//! it makes two working copies once, a plain one and an encrypted one (the
//! reference file itself is never written), opens both, and times, turn and
//! turn about so that the machine's drift hits both alike: a page of the
//! partner list (sorted by name, then a later page), a page of the lead list,
//! the whole Analytics screen, and an import of 1,000 leads. It prints the
//! median of each on both files and their ratio (the target: 1.25 or less),
//! and the time of the unlock itself (the key derivation, once per start).

use partnerdesk_core::analytics::screen::{screen, ScreenRequest};
use partnerdesk_core::clock::{parse_time, ManualClock};
use partnerdesk_core::exchange::import::{self, ImportFormat, ImportOptions, ImportTable};
use partnerdesk_core::model::{LeadFilter, PartnerFilter, PartnerSort, PartnerStatus};
use partnerdesk_core::open::OpenOptions;
use partnerdesk_core::queries;
use partnerdesk_core::store::cipher::{self, Passphrase};
use partnerdesk_core::store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const RUNS: usize = 15;
const PASS: &str = "benchmark passphrase";

fn copy_once(from: &Path, to: &Path, encrypt: bool) -> Res<()> {
    if to.exists() {
        return Ok(());
    }
    let t = Instant::now();
    let tmp = to.with_extension("copying");
    std::fs::copy(from, &tmp)?;
    std::fs::rename(&tmp, to)?;
    if encrypt {
        cipher::encrypt(to, &Passphrase::new(PASS)?)?;
        cipher::forget(to);
    }
    eprintln!("made {} in {:.0} s", to.display(), t.elapsed().as_secs_f64());
    Ok(())
}

fn open(path: &Path, now: chrono::DateTime<chrono::Utc>, pass: Option<&str>) -> Res<Store> {
    Ok(Store::open_with(
        path,
        Arc::new(ManualClock::new(now)),
        OpenOptions {
            passphrase: pass.map(Passphrase::given).transpose()?,
            ..Default::default()
        },
    )?)
}

fn leads_csv(partners: &[String], tag: &str) -> Vec<u8> {
    let mut out = Vec::new();
    writeln!(
        out,
        "partner_email,client_name,client_email,business_name,estimated_value"
    )
    .unwrap();
    for i in 0..1000 {
        let p = &partners[(i * 7919) % partners.len()];
        writeln!(
            out,
            "{p},Client {i},{tag}c{i}@example.com,{tag}Business {i} LLC,{}.{:02}",
            1000 + (i * 37) % 90_000,
            i % 100
        )
        .unwrap();
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Res<()> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench"));
    let reference = std::env::var("PARTNERDESK_BENCH_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|_| dir.join("reference.db"));
    if !reference.exists() {
        eprintln!(
            "{} is missing: run `make bench` (it builds the reference set once)",
            reference.display()
        );
        std::process::exit(2);
    }
    let work = reference.parent().unwrap_or(Path::new(".")).to_path_buf();
    let plain_path = work.join("cipher-bench-plain.db");
    let enc_path = work.join("cipher-bench-encrypted.db");
    copy_once(&reference, &plain_path, false)?;
    copy_once(&reference, &enc_path, true)?;

    let now = parse_time("2026-06-01T00:00:00Z").unwrap();
    let t = Instant::now();
    let plain = open(&plain_path, now, None)?;
    let open_plain = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let enc = open(&enc_path, now, Some(PASS))?;
    let open_enc = t.elapsed().as_secs_f64();
    println!(
        "open: plain {:.0} ms, encrypted {:.0} ms (the key derivation included)",
        open_plain * 1e3,
        open_enc * 1e3
    );

    let partners: Vec<String> = plain.read(|c| {
        let mut st = c.prepare("SELECT email FROM partners WHERE status = 'active' ORDER BY id LIMIT 500")?;
        let v = st
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(v)
    })?;

    type Job<'a> = Box<dyn Fn(&Store, usize) -> Res<()> + 'a>;
    let partner_page = |offset: i64| -> Job {
        Box::new(move |s: &Store, _| {
            s.read(|c| {
                queries::partners(
                    c,
                    &PartnerFilter {
                        status: Some(PartnerStatus::Active),
                        sort: Some(PartnerSort::Name),
                        limit: Some(50),
                        offset: Some(offset),
                        ..Default::default()
                    },
                )
            })?;
            Ok(())
        })
    };
    let jobs: Vec<(&str, Job)> = vec![
        ("partner list, first page by name", partner_page(0)),
        ("partner list, page 200 by name", partner_page(10_000)),
        (
            "lead list, first page",
            Box::new(|s: &Store, _| {
                s.read(|c| {
                    queries::leads(
                        c,
                        &LeadFilter {
                            limit: Some(50),
                            ..Default::default()
                        },
                    )
                })?;
                Ok(())
            }),
        ),
        (
            "Analytics screen",
            Box::new(move |s: &Store, _| {
                s.read(|c| screen(c, &ScreenRequest::default(), now))?;
                Ok(())
            }),
        ),
        (
            "import of 1,000 leads",
            Box::new(|s: &Store, run: usize| {
                let csv = leads_csv(&partners, &format!("r{run}x{}", s.path().display().to_string().len()));
                import::import_bytes(
                    s,
                    &ImportOptions::new(ImportTable::Leads, ImportFormat::Csv),
                    &csv,
                    &mut |_| true,
                )?;
                Ok(())
            }),
        ),
    ];
    println!(
        "{:<36} {:>12} {:>14} {:>7}",
        "", "plain (ms)", "encrypted (ms)", "ratio"
    );
    for (name, job) in &jobs {
        job(&plain, 1000)?;
        job(&enc, 1000)?;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for run in 0..RUNS {
            let t = Instant::now();
            job(&plain, run)?;
            a.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            job(&enc, run)?;
            b.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (ma, mb) = (median(a), median(b));
        println!("{name:<36} {ma:>12.2} {mb:>14.2} {:>7.2}", mb / ma);
    }
    Ok(())
}
