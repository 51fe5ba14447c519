//! Privacy: erasing a partner, an applicant or a client everywhere they are
//! stored, with every total and the audit chain intact; exporting what is
//! held about one person; erasing rejected applicants after the retention
//! period.

use crate::common::{env, Env};
use partnerdesk_core::exchange::sync;
use partnerdesk_core::model::*;
use partnerdesk_core::queries;
use partnerdesk_core::store::repo::audit_chain;
use partnerdesk_core::store::Store;
use partnerdesk_core::workflow::partners::PartnerEdit;
use partnerdesk_core::workflow::privacy::{self, SubjectKind};
use partnerdesk_core::workflow::{applications, commissions, leads, partners, plans, settings};
use std::sync::Arc;

/// The personal strings of the story's partner (old e-mail included) and client.
const PARTNER_STRINGS: &[&str] = &[
    "Annabel Fieldhouse",
    "annabel.fieldhouse@fieldhouse-digital.example",
    "annabel.old@fieldhouse-digital.example",
    "+44 7700 900123",
    "Fieldhouse Digital",
    "I run a network of forty Shropshire florists",
];
const CLIENT_STRINGS: &[&str] = &[
    "Carlotta Stonebridge",
    "carlotta@stonebridge-bakery.example",
    "+44 7700 900456",
    "Stonebridge Bakery",
    "An ordering app for the bakery's three shops",
];

struct Story {
    e: Env,
    partner: Partner,
    app: Application,
    lead: Lead,
    other: Partner,
}

fn story() -> Story {
    let e = env();
    e.tick();
    let (app, partner) = e
        .store
        .write(|tx| {
            let a = applications::add(
                tx,
                &NewApplication {
                    name: "Annabel Fieldhouse".into(),
                    email: "annabel.old@fieldhouse-digital.example".into(),
                    phone: Some("+44 7700 900123".into()),
                    company: Some("Fieldhouse Digital".into()),
                    network_description: Some("I run a network of forty Shropshire florists".into()),
                    ..Default::default()
                },
            )?;
            applications::approve(tx, a.id)
        })
        .unwrap();
    e.tick();
    // A changed e-mail: the old one stays in the audit images.
    let (partner, _) = e
        .store
        .write(|tx| {
            partners::edit(
                tx,
                partner.id,
                &PartnerEdit {
                    email: Some("annabel.fieldhouse@fieldhouse-digital.example".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    e.tick();
    let lead = e
        .store
        .write(|tx| {
            leads::add(
                tx,
                &NewLead {
                    partner_id: partner.id,
                    client_name: "Carlotta Stonebridge".into(),
                    client_email: "carlotta@stonebridge-bakery.example".into(),
                    client_phone: Some("+44 7700 900456".into()),
                    business_name: Some("Stonebridge Bakery".into()),
                    project_description: Some("An ordering app for the bakery's three shops".into()),
                    estimated_value: 1_200_000,
                },
            )
        })
        .unwrap()
        .lead;
    e.tick();
    e.store
        .write(|tx| {
            let p = plans::add(
                tx,
                &NewPlan {
                    client_lead_id: lead.id,
                    business_name: None,
                    industry: "food".into(),
                    features: vec!["orders".into()],
                    timeline_estimate: "8 weeks".into(),
                    investment_range: "10-20k".into(),
                },
            )?;
            plans::generate(tx, p.id)
        })
        .unwrap();
    e.move_to(lead.id, LeadStatus::ClosedWon, None).unwrap();
    e.tick();
    e.store
        .write(|tx| {
            let pending = queries::commissions(
                tx,
                &CommissionFilter {
                    partner_id: Some(partner.id),
                    ..Default::default()
                },
            )?;
            commissions::approve(tx, &pending.items.iter().map(|c| c.id).collect::<Vec<_>>())?;
            commissions::payout(tx, &[partner.id])
        })
        .unwrap();
    // Someone else, who must keep their data.
    let other = e.partner("Otto Brightwater");
    let ol = e.lead(other.id, "Olga Kestrel", 50_000);
    e.move_to(ol.id, LeadStatus::ClosedWon, None).unwrap();
    // The search indexes exist, as in the app after its start.
    e.store.ensure_search_index().unwrap();
    Story {
        e,
        partner,
        app,
        lead,
        other,
    }
}

/// Everything the books say: every partner's totals, every commission and payout, the counts.
fn books(s: &Store) -> serde_json::Value {
    s.read(|c| {
        let all = Some(10_000);
        let ps = queries::partners(
            c,
            &PartnerFilter {
                limit: all,
                ..Default::default()
            },
        )?;
        let totals: Vec<_> = ps
            .items
            .iter()
            .map(|p| {
                (
                    p.id,
                    p.status,
                    p.tier,
                    p.total_deals,
                    p.total_earnings,
                    p.created_at.clone(),
                )
            })
            .collect();
        let cs = queries::commissions(
            c,
            &CommissionFilter {
                limit: all,
                ..Default::default()
            },
        )?;
        let ls = queries::leads(
            c,
            &LeadFilter {
                limit: all,
                ..Default::default()
            },
        )?;
        let leads: Vec<_> = ls
            .items
            .iter()
            .map(|l| {
                (
                    l.id,
                    l.status,
                    l.estimated_value,
                    l.created_at.clone(),
                    l.updated_at.clone(),
                    l.closed_at.clone(),
                )
            })
            .collect();
        Ok(serde_json::json!({
            "partners": serde_json::to_value(totals).unwrap(),
            "commissions": cs.items,
            "leads": serde_json::to_value(leads).unwrap(),
            "counts": queries::counts(c)?,
        }))
    })
    .unwrap()
}

fn file_holds(path: &std::path::Path, needle: &str) -> bool {
    let mut hay = std::fs::read(path).unwrap();
    for side in ["db-wal"] {
        if let Ok(b) = std::fs::read(path.with_extension(side)) {
            hay.extend(b);
        }
    }
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn erasing_a_partner_and_a_client_leaves_no_trace_and_every_total() {
    let st = story();
    let s = &st.e.store;
    let books_before = books(s);
    let audit_before = st.e.counts().audit;
    for needle in PARTNER_STRINGS.iter().chain(CLIENT_STRINGS) {
        s.with_writer(|c| Ok(c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?))
            .unwrap();
        assert!(file_holds(s.path(), needle), "the story stores {needle:?}");
    }

    let done = s
        .write(|tx| {
            privacy::erase(
                tx,
                SubjectKind::Partner,
                &st.partner.id.to_string()[..13],
                "request of 2026-03-01",
            )
        })
        .unwrap();
    assert_eq!(done.id, st.partner.id.to_string());
    assert!(done.pseudonym.starts_with("Erased partner "), "{done:?}");
    assert!(done.records.contains(&format!("application:{}", st.app.id)), "{done:?}");
    assert!(done.audit_rows_rewritten >= 4, "{done:?}");
    let client = s
        .write(|tx| privacy::erase(tx, SubjectKind::Lead, &st.lead.id.to_string(), "client asked by e-mail"))
        .unwrap();
    assert!(client.records.iter().any(|r| r.starts_with("plan:")), "{client:?}");

    // The books, the invariants and the chain hold.
    assert_eq!(books(s), {
        let mut b = books_before.clone();
        b["counts"]["audit"] = (audit_before + 2).into();
        b
    });
    assert_eq!(st.e.invariants(), Vec::<String>::new());
    let v = s.read(audit_chain::verify).unwrap();
    assert!(v.ok, "{v:?}");

    // The records carry the pseudonyms; the other partner keeps their data.
    let p = s.read(|c| queries::partner_detail(c, st.partner.id)).unwrap().partner;
    assert_eq!(p.name, done.pseudonym);
    assert_eq!((p.phone, p.company), (None, None));
    assert_eq!(p.total_deals, 1);
    let other = s.read(|c| queries::partner_detail(c, st.other.id)).unwrap().partner;
    assert_eq!(other.name, "Otto Brightwater");
    // Search finds the pseudonym, not the person.
    let found = |q: &str| {
        s.read_searching(Some(q), |c| {
            Ok(queries::partners(
                c,
                &PartnerFilter {
                    search: Some(q.into()),
                    ..Default::default()
                },
            )?
            .total)
        })
        .unwrap()
    };
    assert_eq!(found("annabel"), 0);
    assert_eq!(found("fieldhouse"), 0);
    assert_eq!(found("otto"), 1);
    assert_eq!(found("erased"), 1);

    // The erase rows name the reason and the records, none of the values.
    let rows = s.read(|c| queries::audit(c, None, None, Some(2), None)).unwrap();
    assert!(rows.iter().all(|r| r.action == "erase"));
    for r in &rows {
        let text = serde_json::to_string(r).unwrap();
        for needle in PARTNER_STRINGS.iter().chain(CLIENT_STRINGS) {
            assert!(!text.contains(needle), "{needle:?} in {text}");
        }
    }

    // After VACUUM, none of the erased strings is in the file.
    privacy::purge_file(s).unwrap();
    if std::env::var_os("PRIVACY_DEBUG").is_some() {
        let _ = std::fs::copy(s.path(), "/tmp/audit-m/erased.db");
    }
    for needle in PARTNER_STRINGS.iter().chain(CLIENT_STRINGS) {
        assert!(!file_holds(s.path(), needle), "{needle:?} is still in the file");
    }
    assert!(file_holds(s.path(), "Otto Brightwater"));
    // The file works as before: search rebuilt, chain intact, books equal.
    assert_eq!(found("otto"), 1);
    assert!(s.read(audit_chain::verify).unwrap().ok);
    assert_eq!(st.e.invariants(), Vec::<String>::new());
}

#[test]
fn an_erasure_is_refused_twice_over_a_broken_chain_and_without_a_reason() {
    let st = story();
    let s = &st.e.store;
    let id = st.partner.id.to_string();
    let e = s
        .write(|tx| privacy::erase(tx, SubjectKind::Partner, &id, "  "))
        .unwrap_err();
    assert_eq!((e.kind(), e.field()), ("validation", Some("reason")));
    // Tampered: refused, nothing written.
    let action: String = s
        .read(|c| Ok(c.query_row("SELECT action FROM audit_log WHERE seq = 2", [], |r| r.get(0))?))
        .unwrap();
    s.with_writer(|c| Ok(c.execute_batch("UPDATE audit_log SET action = 'x' WHERE seq = 2")?))
        .unwrap();
    let before = (books(s), s.read(sync::content_digest).unwrap());
    let e = s
        .write(|tx| privacy::erase(tx, SubjectKind::Partner, &id, "asked"))
        .unwrap_err();
    assert_eq!(e.kind(), "conflict", "{e}");
    assert!(e.to_string().contains("audit row 2"), "{e}");
    assert_eq!((books(s), s.read(sync::content_digest).unwrap()), before);
    s.with_writer(|c| Ok(c.execute("UPDATE audit_log SET action = ?1 WHERE seq = 2", [&action])?))
        .unwrap();
    assert!(s.read(audit_chain::verify).unwrap().ok, "the edit undone");
    s.write(|tx| privacy::erase(tx, SubjectKind::Application, &st.app.id.to_string(), "asked"))
        .unwrap();
    let e = s
        .write(|tx| privacy::erase(tx, SubjectKind::Application, &st.app.id.to_string(), "again"))
        .unwrap_err();
    assert_eq!(e.kind(), "conflict");
    let e = s
        .write(|tx| privacy::erase(tx, SubjectKind::Lead, "0190f0f0-0000-7000-8000-000000000000", "x"))
        .unwrap_err();
    assert_eq!(e.kind(), "not_found");
}

#[test]
fn a_subject_export_holds_everything_about_the_person() {
    let st = story();
    let s = &st.e.store;
    let now = st.e.store.now();
    let x = s
        .read(|c| privacy::subject_export(c, SubjectKind::Partner, &st.partner.id.to_string(), now))
        .unwrap();
    let text = serde_json::to_string(&x).unwrap();
    for needle in PARTNER_STRINGS {
        assert!(text.contains(needle), "{needle:?} missing from the partner's export");
    }
    // Their clients are other people: the leads come without their fields.
    // (The e-mails the partner was sent are theirs as sent, a client's name
    // in "commission earned" included: left out of this check.)
    let mut records = x.records.clone();
    records.remove("outbox");
    let audit: Vec<_> = x.audit.iter().filter(|a| a.entity != "outbox").collect();
    let own = serde_json::to_string(&(records, audit)).unwrap();
    for needle in CLIENT_STRINGS {
        assert!(!own.contains(needle), "{needle:?} is a client's, not the partner's");
    }
    for table in [
        "partners",
        "partner_applications",
        "client_leads",
        "commissions",
        "payouts",
    ] {
        assert!(x.records.contains_key(table), "{table}: {:?}", x.records.keys());
    }
    assert!(x.audit.iter().any(|a| a.action == "approve"));
    let y = s
        .read(|c| privacy::subject_export(c, SubjectKind::Lead, &st.lead.id.to_string(), now))
        .unwrap();
    let text = serde_json::to_string(&y).unwrap();
    for needle in CLIENT_STRINGS {
        assert!(text.contains(needle), "{needle:?} missing from the client's export");
    }
    assert!(y.records.contains_key("lead_status_history"));
    assert!(
        !text.contains("Fieldhouse Digital"),
        "the partner's company is not the client's data"
    );
}

#[test]
fn retention_erases_old_rejections_only_and_is_off_by_default() {
    let e = env();
    let apply = |name: &str, reject: bool| {
        e.tick();
        e.store
            .write(|tx| {
                let a = applications::add(
                    tx,
                    &NewApplication {
                        name: name.into(),
                        email: format!("{}@apply.example", name.to_lowercase().replace(' ', ".")),
                        ..Default::default()
                    },
                )?;
                if reject {
                    applications::reject(tx, a.id)
                } else {
                    Ok(a)
                }
            })
            .unwrap()
    };
    let old = apply("Rita Oldreject", true);
    let pending = apply("Paula Pendingold", false);
    e.clock.advance(chrono::Duration::days(200));
    let recent = apply("Rhea Newreject", true);
    let run = || e.store.write(|tx| privacy::apply_retention(tx, tx.now())).unwrap();
    assert_eq!(run(), Vec::new(), "off by default");
    let e2 = e
        .store
        .write(|tx| settings::set(tx, privacy::RETENTION_KEY, "601"))
        .unwrap_err();
    assert_eq!(e2.field(), Some(privacy::RETENTION_KEY));
    e.store
        .write(|tx| settings::set(tx, privacy::RETENTION_KEY, "6"))
        .unwrap();
    // `run-due` applies it (once).
    let due = e.store.write(partnerdesk_core::workflow::rules::run_due).unwrap();
    assert_eq!(due.retention_error, None);
    let done = due.erasures;
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0].id, old.id.to_string());
    assert_eq!(run(), Vec::new(), "erased once");
    let name = |id: ApplicationId| e.store.read(|c| applications::get(c, id)).unwrap().name;
    assert!(name(old.id).starts_with("Erased applicant"));
    assert_eq!(name(pending.id), "Paula Pendingold");
    assert_eq!(name(recent.id), "Rhea Newreject");
    assert!(e.store.read(audit_chain::verify).unwrap().ok);
    assert_eq!(e.invariants(), Vec::<String>::new());
}

#[test]
fn a_replica_loses_the_erased_data_and_verifies() {
    let st = story();
    let s = &st.e.store;
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed");
    sync::export(s, &feed, &mut |_| true).unwrap();
    let dst = Store::open(dir.path().join("replica.db"), Arc::new(st.e.clock.clone())).unwrap();
    sync::apply(&dst, &feed, &mut |_| true).unwrap();
    s.write(|tx| privacy::erase(tx, SubjectKind::Partner, &st.partner.id.to_string(), "asked"))
        .unwrap();
    let next = sync::export(s, &feed, &mut |_| true).unwrap();
    assert!(next.snapshot, "an erasure makes the next export a snapshot");
    sync::apply(&dst, &feed, &mut |_| true).unwrap();
    let v = dst.read(audit_chain::verify).unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.head_hash, s.read(audit_chain::verify).unwrap().head_hash);
    assert_eq!(
        dst.read(sync::content_digest).unwrap(),
        s.read(sync::content_digest).unwrap()
    );
}
