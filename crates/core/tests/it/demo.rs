use crate::common;
use partnerdesk_core::demo::{generate, DemoOptions};
use partnerdesk_core::model::*;
use partnerdesk_core::queries;

#[test]
fn demo_is_consistent_reproducible_and_covers_every_state() {
    let a = common::env();
    let opts = DemoOptions {
        partners: 300,
        leads: 6_000,
        seed: 7,
    };
    let mut stages = Vec::new();
    let report = generate(&a.store, &opts, &mut |p| {
        stages.push(p.stage.clone());
        true
    })
    .unwrap();
    assert_eq!(report.partners, 300);
    assert_eq!(report.leads, 6_000);
    assert!(stages.iter().any(|s| s == "writing leads"));
    assert_eq!(a.invariants(), Vec::<String>::new());

    // The roll-ups the generator builds in memory equal a rebuild from the tables.
    let (built, rebuilt) = a
        .store
        .write(|tx| {
            let built = partnerdesk_core::analytics::rollup::dump(tx)?;
            partnerdesk_core::analytics::rollup::rebuild(tx)?;
            Ok((built, partnerdesk_core::analytics::rollup::dump(tx)?))
        })
        .unwrap();
    assert!(built.len() > 300, "{} roll-up rows", built.len());
    assert_eq!(built, rebuilt);

    // Every commission state, tier promotions, reopens and duplicates appear.
    let statuses: Vec<(String, i64)> = a
        .store
        .read(|c| {
            let mut s = c.prepare("SELECT status, count(*) FROM commissions GROUP BY status ORDER BY status")?;
            let r = s
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(r)
        })
        .unwrap();
    let names: Vec<&str> = statuses.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["approved", "cancelled", "paid", "pending"], "{statuses:?}");
    let tiers = a
        .store
        .read(|c| Ok(c.query_row("SELECT count(DISTINCT tier) FROM partners", [], |r| r.get::<_, i64>(0))?))
        .unwrap();
    assert!(tiers >= 3, "tiers: {tiers}");
    let (reopens, dups, plans, pending_apps): (i64, i64, i64, i64) = a
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT (SELECT count(*) FROM lead_status_history WHERE reopen = 1),
                        (SELECT count(*) FROM client_leads WHERE possible_duplicate_of IS NOT NULL),
                        (SELECT count(*) FROM app_plans_partnership WHERE generated_content IS NOT NULL),
                        (SELECT count(*) FROM partner_applications WHERE status = 'pending')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?)
        })
        .unwrap();
    assert!(
        reopens > 0 && dups > 0 && plans > 0 && pending_apps > 0,
        "{reopens} {dups} {plans} {pending_apps}"
    );
    // Spread over two years.
    let (first, last): (String, String) = a
        .store
        .read(|c| {
            Ok(
                c.query_row("SELECT min(created_at), max(created_at) FROM client_leads", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?,
            )
        })
        .unwrap();
    assert!(
        first.as_str() < "2024-05" && last.as_str() > "2026-01",
        "{first} .. {last}"
    );

    // The same seed and clock give the same data.
    let b = common::env();
    generate(&b.store, &opts, &mut |_| true).unwrap();
    let dump = |e: &common::Env| -> Vec<(String, String, i64)> {
        e.store
            .read(|c| {
                let mut s = c.prepare("SELECT id, status, commission_amount FROM commissions ORDER BY id")?;
                let r = s
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(r)
            })
            .unwrap()
    };
    assert_eq!(dump(&a), dump(&b));
    let pa = a
        .store
        .read(|c| queries::partners(c, &PartnerFilter::default()))
        .unwrap();
    let pb = b
        .store
        .read(|c| queries::partners(c, &PartnerFilter::default()))
        .unwrap();
    assert_eq!(pa, pb);
}

#[test]
fn cancelled_demo_leaves_nothing() {
    let e = common::env();
    let before = e.counts();
    let err = generate(
        &e.store,
        &DemoOptions {
            partners: 50,
            leads: 500,
            seed: 1,
        },
        &mut |p| p.stage != "writing leads",
    )
    .unwrap_err();
    assert_eq!(err.kind(), "cancelled");
    assert_eq!(e.counts(), before);
    // And the rules still work on the store afterwards.
    let p = e.partner("After Cancel");
    assert_eq!(p.tier, Tier::Bronze);
}

#[test]
fn demo_refuses_bad_sizes() {
    let e = common::env();
    assert_eq!(
        generate(
            &e.store,
            &DemoOptions {
                partners: 0,
                leads: 5,
                seed: 1
            },
            &mut |_| true
        )
        .unwrap_err()
        .field(),
        Some("partners")
    );
}
