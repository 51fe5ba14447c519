//! Diagnostics: the figures and checks of a database, with no personal data.

use chrono::TimeZone;
use partnerdesk_core::clock::ManualClock;
use partnerdesk_core::demo::{self, DemoOptions};
use partnerdesk_core::model::{LeadFilter, PartnerFilter};
use partnerdesk_core::monitor;
use partnerdesk_core::queries;
use partnerdesk_core::store::Store;
use std::sync::Arc;

#[test]
fn diagnostics_of_the_demo_hold_figures_and_checks_but_no_names() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap());
    let s = Store::open(dir.path().join("diag.db"), Arc::new(clock)).unwrap();
    demo::generate(
        &s,
        &DemoOptions {
            partners: 25,
            leads: 200,
            seed: 11,
        },
        &mut |_| true,
    )
    .unwrap();
    let d = monitor::diagnostics(&s).unwrap();
    assert_eq!(d.integrity, "ok");
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    assert!(d.audit.ok);
    assert_eq!(d.database.counts.partners, 25);
    assert_eq!(d.database.file_name, "diag.db");
    assert!(d.database.page_count > 0);
    assert_eq!(d.versions.schema, partnerdesk_core::store::latest_schema_version());
    let text = serde_json::to_string(&d).unwrap();
    assert!(
        !text.contains(dir.path().to_str().unwrap()),
        "no folder of the user: {text}"
    );
    let (partners, leads) = s
        .read(|c| {
            Ok((
                queries::partners(
                    c,
                    &PartnerFilter {
                        limit: Some(1000),
                        ..Default::default()
                    },
                )?
                .items,
                queries::leads(
                    c,
                    &LeadFilter {
                        limit: Some(1000),
                        ..Default::default()
                    },
                )?
                .items,
            ))
        })
        .unwrap();
    for p in &partners {
        assert!(
            !text.contains(&p.name) && !text.contains(&p.email),
            "{} in {text}",
            p.name
        );
    }
    for l in &leads {
        assert!(!text.contains(&l.client_name) && !text.contains(&l.client_email));
    }
}
