//! `make bench`: every analytics call of the Analytics screen, timed warm on
//! the reference data set (`partnerdesk demo --partners 100000 --leads
//! 2000000 --seed 1`). Prints a table and writes the medians to
//! target/bench/analytics-rust.json for scripts/bench_duckdb.py, which runs
//! the equivalent SQL in DuckDB over the same rows and prints the ratios.
//!
//! PARTNERDESK_BENCH_DB names the database (default target/bench/reference.db).
//! The time of the analysis is the time the demo data was generated, so the
//! figures do not drift with the calendar.

use partnerdesk_core::analytics::{self, cohorts, forecast, ltv, snapshots, CohortQuery, LtvBy, Measure};
use partnerdesk_core::clock::{parse_time, ManualClock};
use partnerdesk_core::store::Store;
use std::sync::Arc;
use std::time::Instant;

const RUNS: usize = 25;

fn time<T>(name: &str, rows: &mut Vec<(String, f64, f64)>, mut f: impl FnMut() -> T) {
    f(); // warm: caches, prepared statements
    let mut ms: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    rows.push((name.to_owned(), ms[RUNS / 2], ms[0]));
}

fn main() {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench"));
    let path = std::env::var("PARTNERDESK_BENCH_DB").unwrap_or_else(|_| dir.join("reference.db").display().to_string());
    if !std::path::Path::new(&path).exists() {
        eprintln!("{path} is missing: run `make bench` (it builds the reference set once)");
        std::process::exit(2);
    }
    // The first open migrates an older file (filling the roll-ups once).
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
    let store = Store::open(&path, Arc::new(ManualClock::new(now))).expect("reopen");
    let (partners, leads): (i64, i64) = store
        .read(|c| {
            Ok((
                c.query_row("SELECT count(*) FROM partners", [], |r| r.get(0))?,
                c.query_row("SELECT count(*) FROM client_leads", [], |r| r.get(0))?,
            ))
        })
        .unwrap();
    println!("reference set: {path}: {partners} partners, {leads} leads, as of {generated}");

    let mut rows = Vec::new();
    for m in Measure::ALL {
        let q = CohortQuery {
            measure: *m,
            from: None,
            to: None,
        };
        time(&format!("cohorts_{m}"), &mut rows, || {
            store.read(|c| cohorts(c, &q, now)).unwrap()
        });
    }
    time("ltv_tier", &mut rows, || {
        store.read(|c| ltv(c, LtvBy::Tier, now)).unwrap()
    });
    time("ltv_cohort", &mut rows, || {
        store.read(|c| ltv(c, LtvBy::Cohort, now)).unwrap()
    });
    time("pipeline", &mut rows, || store.read(forecast::pipeline).unwrap());
    time("forecast_12", &mut rows, || {
        store.read(|c| forecast::forecast(c, 12, now)).unwrap()
    });
    time("kpis", &mut rows, || store.read(|c| snapshots::kpis(c, now)).unwrap());
    time("snapshots_90", &mut rows, || {
        store.read(|c| snapshots::list(c, 90, now)).unwrap()
    });
    let req = analytics::ScreenRequest {
        horizon: 12,
        ..analytics::ScreenRequest::default()
    };
    time("screen_total", &mut rows, || {
        store.read(|c| analytics::screen(c, &req, now)).unwrap()
    });

    // The text-search indexes: built once when missing (a one-off cost after
    // the demo or a large import), then kept by triggers.
    let built = Instant::now();
    let fresh = store.ensure_search_index().expect("search index");
    println!(
        "search index: {}",
        if fresh {
            format!("built in {:.1} s", built.elapsed().as_secs_f64())
        } else {
            "already there".to_owned()
        }
    );

    // The list/filter pages of the app (first page, 100 rows, with the total).
    let page = Some(100);
    let some_partner: partnerdesk_core::model::PartnerId = store
        .read(|c| Ok(c.query_row("SELECT partner_id FROM client_leads LIMIT 1", [], |r| r.get(0))?))
        .unwrap();
    let mut pages = Vec::new();
    {
        use partnerdesk_core::model::*;
        use partnerdesk_core::queries;
        let partner_pages = [
            ("page_partners", PartnerFilter::default()),
            (
                "page_partners_gold",
                PartnerFilter {
                    tier: Some(Tier::Gold),
                    ..Default::default()
                },
            ),
            (
                "page_partners_by_earnings",
                PartnerFilter {
                    sort: Some(PartnerSort::Earnings),
                    desc: true,
                    ..Default::default()
                },
            ),
            (
                "page_partners_search",
                PartnerFilter {
                    search: Some("olivia".into()),
                    ..Default::default()
                },
            ),
            (
                "page_partners_search_prefix",
                PartnerFilter {
                    search: Some("oli".into()),
                    ..Default::default()
                },
            ),
        ];
        for (name, f) in partner_pages {
            let f = PartnerFilter { limit: page, ..f };
            time(name, &mut pages, || store.read(|c| queries::partners(c, &f)).unwrap());
        }
        let lead_pages = [
            ("page_leads", LeadFilter::default()),
            (
                "page_leads_negotiating",
                LeadFilter {
                    status: Some(LeadStatus::Negotiating),
                    ..Default::default()
                },
            ),
            (
                "page_leads_of_partner",
                LeadFilter {
                    partner_id: Some(some_partner),
                    ..Default::default()
                },
            ),
            (
                "page_leads_search",
                LeadFilter {
                    search: Some("harbor".into()),
                    ..Default::default()
                },
            ),
            (
                "page_leads_search_two_words",
                LeadFilter {
                    search: Some("olivia smi".into()),
                    ..Default::default()
                },
            ),
            (
                "page_leads_search_negotiating",
                LeadFilter {
                    search: Some("harbor".into()),
                    status: Some(LeadStatus::Negotiating),
                    ..Default::default()
                },
            ),
        ];
        for (name, f) in lead_pages {
            let f = LeadFilter { limit: page, ..f };
            time(name, &mut pages, || store.read(|c| queries::leads(c, &f)).unwrap());
        }
        time("page_commissions_approved", &mut pages, || {
            store
                .read(|c| {
                    queries::commissions(
                        c,
                        &CommissionFilter {
                            status: Some(CommissionStatus::Approved),
                            limit: page,
                            ..Default::default()
                        },
                    )
                })
                .unwrap()
        });
        time("page_applications_pending", &mut pages, || {
            store
                .read(|c| queries::applications(c, Some(ApplicationStatus::Pending), page, None))
                .unwrap()
        });
        time("page_audit", &mut pages, || {
            store.read(|c| queries::audit(c, None, None, page, None)).unwrap()
        });
        time("dashboard", &mut pages, || {
            store.read(|c| partnerdesk_core::dashboard::dashboard(c, now)).unwrap()
        });
    }

    println!("{:<30} {:>12} {:>12}", "list page (warm)", "median ms", "min ms");
    for (name, med, min) in &pages {
        println!("{name:<30} {med:>12.3} {min:>12.3}");
    }
    println!("{:<22} {:>12} {:>12}", "call (warm)", "median ms", "min ms");
    for (name, med, min) in &rows {
        println!("{name:<22} {med:>12.3} {min:>12.3}");
    }
    let json: serde_json::Map<String, serde_json::Value> = rows
        .iter()
        .map(|(n, med, _)| (n.clone(), serde_json::json!(med)))
        .collect();
    std::fs::create_dir_all(&dir).ok();
    let file = dir.join("analytics-rust.json");
    std::fs::write(&file, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    println!("wrote {}", file.display());
}
