//! Payouts: the hold released by `run-due`, balances, payout runs that skip
//! with a reason, self-billing numbers, the schedule, tax data and report,
//! attribution conflicts, what travels (export, import, erasure), the
//! migration of an existing database. The property test is `payout_props`.

use crate::common::{self, Env};
use chrono::Duration;
use partnerdesk_core::clock::Clock as _;
use partnerdesk_core::model::*;
use partnerdesk_core::workflow::{accruals, conflicts, payouts};

fn set_group(e: &Env, edit: GroupPayoutEdit) -> GroupPayout {
    e.tick();
    e.store
        .write(|tx| payouts::set_group(tx, GroupId::STANDARD, &edit))
        .unwrap()
}

fn run_due(e: &Env) -> accruals::DueRun {
    e.tick();
    e.store.write(accruals::run_due).unwrap()
}

fn run(e: &Env, partners: &[PartnerId]) -> PayoutPlan {
    e.tick();
    e.store.write(|tx| payouts::run(tx, partners)).unwrap()
}

fn balance(e: &Env, p: PartnerId) -> PartnerBalance {
    e.store.read(|c| payouts::balance(c, p)).unwrap()
}

#[test]
fn the_hold_releases_a_standing_commission_once_with_an_audit_row() {
    let e = common::env();
    let p = e.partner("Hal");
    let kept = e.win(e.lead(p.id, "Kept", 100_000).id);
    let reopened_lead = e.lead(p.id, "Reopened", 100_000);
    let reopened = e.win(reopened_lead.id);
    assert_eq!(kept.status, CommissionStatus::Pending);
    // Inside the hold: nothing.
    e.clock.advance(Duration::days(29));
    assert_eq!(run_due(&e).released, payouts::Released::default());
    let dates = e.store.read(|c| payouts::release_dates(c, &[kept.id])).unwrap();
    let release = partnerdesk_core::clock::parse_time(dates[0].release_at.as_deref().unwrap()).unwrap();
    assert_eq!(
        release,
        partnerdesk_core::clock::parse_time(&kept.created_at).unwrap() + Duration::days(30)
    );
    // A reopen during the hold cancels it as before.
    e.move_to(reopened_lead.id, LeadStatus::Negotiating, None).unwrap();
    assert_eq!(e.get_commission(reopened.id).status, CommissionStatus::Cancelled);
    e.clock.advance(Duration::days(2));
    let mark = e.audit_mark();
    let done = run_due(&e);
    assert_eq!(
        done.released,
        payouts::Released {
            count: 1,
            amount: 10_000
        }
    );
    // (The e-mails and the timed rules of the same run-due are the automation tests'.)
    let rows: Vec<_> = e
        .audit_since(mark)
        .into_iter()
        .filter(|r| r.entity != "outbox" && r.entity != "automation")
        .collect();
    assert_eq!(
        rows.iter()
            .map(|r| (r.entity.as_str(), r.action.as_str()))
            .collect::<Vec<_>>(),
        vec![("commission", "release")]
    );
    assert_eq!(e.get_commission(kept.id).status, CommissionStatus::Approved);
    assert_eq!(run_due(&e).released.count, 0, "once");
    // Hold 0: approval by hand, as before.
    set_group(
        &e,
        GroupPayoutEdit {
            hold_days: Some(0),
            ..Default::default()
        },
    );
    let manual = e.win(e.lead(p.id, "Manual", 100_000).id);
    e.clock.advance(Duration::days(400));
    assert_eq!(run_due(&e).released.count, 0);
    assert_eq!(e.get_commission(manual.id).status, CommissionStatus::Pending);
    assert_eq!(
        e.store.read(|c| payouts::release_dates(c, &[manual.id])).unwrap()[0].release_at,
        None
    );
    assert!(e.invariants().is_empty(), "{:?}", e.invariants());
}

#[test]
fn a_run_pays_the_eligible_skips_the_others_and_numbers_the_documents() {
    let e = common::env();
    let rich = e.partner("Rich");
    let small = e.partner("Small");
    let minus = e.partner("Minus");
    let big = e.win(e.lead(rich.id, "Big", 1_000_000).id);
    let tiny = e.win(e.lead(small.id, "Tiny", 10_000).id);
    let m = e.lead(minus.id, "Gone", 100_000);
    let mc = e.win(m.id);
    e.approve(&[mc.id]).unwrap();
    let first = run(&e, &[minus.id]);
    assert_eq!(first.paid[0].document_number.as_deref(), Some("SB-2026-000001"));
    let claw = e
        .move_to(m.id, LeadStatus::Negotiating, None)
        .unwrap()
        .clawback
        .unwrap();
    e.approve(&[big.id, tiny.id, claw.id]).unwrap();

    let preview = e.store.read(|c| payouts::preview(c, &[])).unwrap();
    let mark = e.audit_mark();
    let plan = run(&e, &[]);
    assert_eq!(plan.paid, {
        let mut p = preview.paid.clone();
        p[0].document_number = Some("SB-2026-000002".into());
        p
    });
    assert_eq!(plan.skipped, preview.skipped);
    assert_eq!(plan.total, 100_000);
    let why: Vec<(PartnerId, Option<SkipReason>, i64)> = plan
        .skipped
        .iter()
        .map(|s| (s.partner_id, s.reason, s.balance))
        .collect();
    assert_eq!(
        why,
        vec![
            (minus.id, Some(SkipReason::NegativeBalance), -10_000),
            (small.id, Some(SkipReason::BelowMinimum), 1_000)
        ]
    );
    // The payout is the run's last book row; its e-mails follow it.
    let rows: Vec<_> = e
        .audit_since(mark)
        .into_iter()
        .filter(|r| r.entity != "outbox")
        .collect();
    assert_eq!(rows.last().map(|r| r.action.as_str()), Some("create"));
    assert_eq!(
        rows.last().unwrap().after.as_ref().unwrap()["run"]["skipped"][0]["reason"],
        "negative_balance"
    );
    // Carried forward, and nothing paid twice.
    assert_eq!(balance(&e, minus.id).carried_forward, -10_000);
    assert_eq!(balance(&e, small.id).carried_forward, 1_000);
    let again = run(&e, &[]);
    assert!(again.paid.is_empty() && again.payout_id.is_none());
    // The minimum of the group lowered: Small is paid, with the next number.
    set_group(
        &e,
        GroupPayoutEdit {
            payout_minimum: Some(500),
            ..Default::default()
        },
    );
    let low = run(&e, &[small.id]);
    assert_eq!(low.paid[0].document_number.as_deref(), Some("SB-2026-000003"));
    assert_eq!(low.paid[0].brought_forward, 1_000, "carried from the run before");
    assert!(e.invariants().is_empty(), "{:?}", e.invariants());
}

#[test]
fn a_failed_run_takes_no_document_number() {
    let e = common::env();
    let p = e.partner("Pat");
    let c = e.win(e.lead(p.id, "One", 1_000_000).id);
    e.approve(&[c.id]).unwrap();
    e.tick();
    let r = e.store.write(|tx| {
        payouts::run(tx, &[p.id])?;
        Err::<(), _>(partnerdesk_core::Error::Conflict(
            "the file could not be written".into(),
        ))
    });
    assert!(r.is_err());
    let plan = run(&e, &[p.id]);
    assert_eq!(
        plan.paid[0].document_number.as_deref(),
        Some("SB-2026-000001"),
        "no gap"
    );
}

#[test]
fn the_scheduled_run_is_due_on_the_payout_day_until_a_run_is_made() {
    let e = common::env(); // 2026-03-01
    let p = e.partner("Day");
    let c = e.win(e.lead(p.id, "One", 1_000_000).id);
    e.approve(&[c.id]).unwrap();
    let due = |e: &Env| e.store.read(|conn| payouts::due(conn, e.clock.now())).unwrap();
    assert_eq!(due(&e), None, "no payout day");
    set_group(
        &e,
        GroupPayoutEdit {
            payout_day: Some(5),
            ..Default::default()
        },
    );
    // 2026-03-01: the 5th of February has passed without a run.
    assert_eq!(
        due(&e),
        Some(payouts::DuePayout {
            due_on: "2026-02-05".into(),
            partners: 1,
            total: 100_000
        })
    );
    run(&e, &[]);
    assert_eq!(due(&e), None);
    e.clock.advance(Duration::days(5));
    let c2 = e.win(e.lead(p.id, "Two", 1_000_000).id);
    e.approve(&[c2.id]).unwrap();
    assert_eq!(due(&e).map(|d| d.due_on), Some("2026-03-05".into()));
    let board = e
        .store
        .read(|conn| partnerdesk_core::dashboard::dashboard(conn, e.clock.now()))
        .unwrap();
    assert_eq!(
        board.payout_due.map(|d| d.total),
        Some(125_000),
        "silver since the first win"
    );
    let bad = e
        .store
        .write(|tx| {
            payouts::set_group(
                tx,
                GroupId::STANDARD,
                &GroupPayoutEdit {
                    payout_day: Some(31),
                    ..Default::default()
                },
            )
        })
        .unwrap_err();
    assert_eq!(bad.field(), Some("payout_day"));
}

#[test]
fn conflicts_fold_case_hold_the_lead_and_are_decided_with_a_reason() {
    assert_eq!(conflicts::fold("  CAFÉ   Straße "), "café strasse");
    assert_eq!(conflicts::fold("ΟΔΟΣ"), conflicts::fold("οδος"));
    let e = common::env();
    let ann = e.partner("Ann");
    let bob = e.partner("Bob");
    e.lead(ann.id, "Cafe Owner", 100_000);
    e.tick();
    let l = e
        .store
        .write(|tx| {
            partnerdesk_core::workflow::leads::add(
                tx,
                &NewLead {
                    partner_id: bob.id,
                    client_name: "Someone".into(),
                    client_email: "someone@else.example".into(),
                    business_name: Some("CAFE OWNER LTD".into()),
                    estimated_value: 100_000,
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let k = l.conflict.expect("held as a conflict");
    assert_eq!(k.matched_on, "business_name");
    let err = e.move_to(l.lead.id, LeadStatus::ClosedWon, None).unwrap_err();
    assert_eq!(err.kind(), "invalid_transition");
    let board = e
        .store
        .read(|conn| partnerdesk_core::dashboard::dashboard(conn, e.clock.now()))
        .unwrap();
    assert_eq!(board.conflicts_count, 1);
    assert_eq!(board.conflicts[0].first_partner_id, ann.id);
    // The setting makes last touch the suggestion (and the default decision).
    e.set_setting("attribution.default", "last").unwrap();
    e.tick();
    let v = e
        .store
        .write(|tx| conflicts::resolve(tx, l.lead.id, None, "last touch"))
        .unwrap();
    assert_eq!(v.conflict.kept, Some(Keep::New));
    e.win(l.lead.id);
    assert!(e.invariants().is_empty(), "{:?}", e.invariants());
    // Window 0: no conflicts at all.
    e.set_setting("attribution.window_days", "0").unwrap();
    assert!(e.set_setting("attribution.window_days", "-1").is_err());
}

#[test]
fn tax_data_is_audited_and_the_report_lists_those_paid_at_the_threshold() {
    let e = common::env();
    let p = e.partner("Taxed");
    let q = e.partner("Under");
    for (who, value) in [(&p, 700_000), (&q, 100_000)] {
        let c = e.win(e.lead(who.id, &format!("Client {}", who.name), value).id);
        e.approve(&[c.id]).unwrap();
    }
    run(&e, &[]);
    e.tick();
    let t = e
        .store
        .write(|tx| payouts::set_tax(tx, p.id, TaxForm::W8ben, Some("2026-01-15"), Some("DE123")))
        .unwrap();
    assert_eq!(t.tax_form_received.as_deref(), Some("2026-01-15"));
    // Not given: kept; empty: cleared; a form of none clears the day.
    let kept = e
        .store
        .write(|tx| payouts::set_tax(tx, p.id, TaxForm::W9, None, None))
        .unwrap();
    assert_eq!(
        (kept.tax_form_received.as_deref(), kept.tax_id.as_deref()),
        (Some("2026-01-15"), Some("DE123"))
    );
    let cleared = e
        .store
        .write(|tx| payouts::set_tax(tx, p.id, TaxForm::W9, Some(""), Some("")))
        .unwrap();
    assert_eq!((cleared.tax_form_received, cleared.tax_id), (None, None));
    e.store
        .write(|tx| payouts::set_tax(tx, p.id, TaxForm::W8ben, Some("2026-01-15"), Some("DE123")))
        .unwrap();
    let none = e
        .store
        .write(|tx| payouts::set_tax(tx, p.id, TaxForm::None, None, None))
        .unwrap();
    assert_eq!((none.tax_form_received, none.tax_id.as_deref()), (None, Some("DE123")));
    let t = e
        .store
        .write(|tx| payouts::set_tax(tx, p.id, TaxForm::W8ben, Some("2026-01-15"), None))
        .unwrap();
    assert_eq!(t.tax_id.as_deref(), Some("DE123"));
    let r = e
        .store
        .read(|c| partnerdesk_core::exchange::tax_report::report(c, 2026))
        .unwrap();
    assert_eq!(r.threshold, 60_000);
    assert_eq!(
        r.rows.iter().map(|x| (x.partner_id, x.paid)).collect::<Vec<_>>(),
        vec![(p.id, 70_000)]
    );
    assert_eq!(r.rows[0].tax_form, TaxForm::W8ben);
    assert!(e
        .store
        .read(|c| partnerdesk_core::exchange::tax_report::report(c, 2025))
        .unwrap()
        .rows
        .is_empty());
}

/// A database of schema version 9 (before payouts) with two pending
/// commissions, one made 45 days before the upgrade and one 10 days before:
/// after the migration the first run-due approves only the old one (its
/// hold of 30 days really has passed); the other waits for its day.
#[test]
fn migrating_an_existing_database_releases_only_the_commissions_whose_hold_passed() {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v9.db");
    {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
        let mut files: Vec<(i64, String, String)> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter_map(|p| {
                let name = p.file_stem()?.to_string_lossy().into_owned();
                let v: i64 = name.strip_prefix('V')?.split("__").next()?.parse().ok()?;
                Some((v, name, std::fs::read_to_string(&p).ok()?))
            })
            .filter(|(v, _, _)| *v <= 9)
            .collect();
        files.sort();
        assert_eq!(files.len(), 9);
        let ms: Vec<refinery::Migration> = files
            .iter()
            .map(|(_, name, sql)| refinery::Migration::unapplied(name, sql).unwrap())
            .collect();
        let mut c = rusqlite::Connection::open(&path).unwrap();
        refinery::Runner::new(&ms).set_grouped(true).run(&mut c).unwrap();
        let t = |days: i64| {
            partnerdesk_core::clock::fmt_time(
                chrono::Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() - Duration::days(days),
            )
        };
        c.execute_batch(&format!(
            "INSERT INTO partners (id, name, email, status, tier, total_deals, total_earnings, created_at, updated_at)
             VALUES ('019c0000-0000-7000-8000-000000000001', 'Old', 'old@example.com', 'active', 'bronze', 2, 20000, '{p}', '{p}');
             INSERT INTO client_leads (id, partner_id, client_name, client_email, estimated_value, status, closed_at, created_at, updated_at)
             VALUES ('019c0000-0000-7000-8000-000000000011', '019c0000-0000-7000-8000-000000000001', 'A', 'a@x.example', 100000, 'closed_won', '{old}', '{p}', '{old}'),
                    ('019c0000-0000-7000-8000-000000000012', '019c0000-0000-7000-8000-000000000001', 'B', 'b@x.example', 100000, 'closed_won', '{young}', '{p}', '{young}');
             INSERT INTO commissions (id, partner_id, client_lead_id, kind, commission_amount, commission_rate, project_value, status, created_at, updated_at, rule_kind, rule_version, rule_tier)
             VALUES ('019c0000-0000-7000-8000-000000000021', '019c0000-0000-7000-8000-000000000001', '019c0000-0000-7000-8000-000000000011', 'commission', 10000, 1000, 100000, 'pending', '{old}', '{old}', 'default_tier', 1, 'bronze'),
                    ('019c0000-0000-7000-8000-000000000022', '019c0000-0000-7000-8000-000000000001', '019c0000-0000-7000-8000-000000000012', 'commission', 10000, 1000, 100000, 'pending', '{young}', '{young}', 'default_tier', 1, 'bronze');",
            p = t(60),
            old = t(45),
            young = t(10),
        ))
        .unwrap();
    }
    let clock = partnerdesk_core::clock::ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap());
    let store = partnerdesk_core::store::Store::open(&path, std::sync::Arc::new(clock.clone())).unwrap();
    let g = store
        .read(|c| partnerdesk_core::store::repo::payouts::group_payout(c, GroupId::STANDARD))
        .unwrap();
    assert_eq!((g.hold_days, g.payout_minimum, g.payout_day), (30, 5_000, None));
    let status = |id: &str| -> String {
        store
            .read(|c| Ok(c.query_row("SELECT status FROM commissions WHERE id = ?1", [id], |r| r.get(0))?))
            .unwrap()
    };
    let done = store.write(accruals::run_due).unwrap();
    assert_eq!(
        done.released,
        payouts::Released {
            count: 1,
            amount: 10_000
        }
    );
    assert_eq!(status("019c0000-0000-7000-8000-000000000021"), "approved");
    assert_eq!(status("019c0000-0000-7000-8000-000000000022"), "pending");
    clock.advance(Duration::days(20));
    assert_eq!(store.write(accruals::run_due).unwrap().released.count, 1);
    assert_eq!(status("019c0000-0000-7000-8000-000000000022"), "approved");
    let t = store
        .read(|c| {
            partnerdesk_core::store::repo::payouts::tax(
                c,
                PartnerId(uuid::Uuid::parse_str("019c0000-0000-7000-8000-000000000001").unwrap()),
            )
        })
        .unwrap();
    assert_eq!(t.tax_form, TaxForm::None);
}

/// Tax data travels by export and import: a new partner takes it, an update
/// changes it (listed as changes), and a bad date names its column.
#[test]
fn tax_data_comes_back_through_an_export_and_an_import() {
    use partnerdesk_core::exchange::export::{self, Format};
    use partnerdesk_core::exchange::import::{self, ImportFormat, ImportOptions, ImportTable};
    let src = common::env();
    let p = src.partner("Tina Tax");
    src.tick();
    src.store
        .write(|tx| payouts::set_tax(tx, p.id, TaxForm::W8ben, Some("2026-02-01"), Some("GB-99")))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    export::export(&src.store, dir.path(), Format::Csv, Some("partners"), &mut |_| true).unwrap();
    let file = dir.path().join("partners.csv");
    let dst = common::env();
    dst.clock.advance(Duration::days(1));
    let mut opts = ImportOptions::new(ImportTable::Partners, ImportFormat::Csv);
    // (the application stays behind: its column is left out)
    opts.mapping.insert("application_id".into(), String::new());
    let r = import::import_file(&dst.store, &opts, &file, &mut |_| true).unwrap();
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
    let t = dst
        .store
        .read(|c| partnerdesk_core::store::repo::payouts::tax(c, p.id))
        .unwrap();
    assert_eq!(
        (t.tax_form, t.tax_form_received.as_deref(), t.tax_id.as_deref()),
        (TaxForm::W8ben, Some("2026-02-01"), Some("GB-99"))
    );
    assert!(dst.invariants().is_empty());

    // An update: the form received later, another id.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("2026-02-01", "2026-02-15")
        .replace("GB-99", "GB-100");
    std::fs::write(&file, text).unwrap();
    let update = ImportOptions {
        update: true,
        ..opts.clone()
    };
    let r = import::import_file(&dst.store, &update, &file, &mut |_| true).unwrap();
    let fields: Vec<&str> = r.updates[0].changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, vec!["tax_form_received", "tax_id"]);
    let t = dst
        .store
        .read(|c| partnerdesk_core::store::repo::payouts::tax(c, p.id))
        .unwrap();
    assert_eq!(t.tax_id.as_deref(), Some("GB-100"));

    let bad = std::fs::read_to_string(&file)
        .unwrap()
        .replace("2026-02-15", "15/02/2026");
    std::fs::write(&file, bad).unwrap();
    let r = import::import_file(&dst.store, &update, &file, &mut |_| true).unwrap();
    assert_eq!(
        r.bad_rows[0].field.as_deref(),
        Some("tax_form_received"),
        "{:?}",
        r.bad_rows
    );
}

/// A clawback only lowers what is owed: with a hold, the next run-due
/// approves it at once, so the next run nets it.
#[test]
fn a_clawback_is_released_by_the_next_run_due() {
    let e = common::env();
    let p = e.partner("Claw");
    let l = e.lead(p.id, "Paid", 1_000_000);
    let c = e.win(l.id);
    e.pay(&c);
    let claw = e
        .move_to(l.id, LeadStatus::Negotiating, None)
        .unwrap()
        .clawback
        .unwrap();
    let dates = e.store.read(|x| payouts::release_dates(x, &[claw.id])).unwrap();
    assert_eq!(dates[0].release_at.as_deref(), Some(claw.created_at.as_str()));
    let done = run_due(&e);
    assert_eq!(
        done.released,
        payouts::Released {
            count: 1,
            amount: -100_000
        }
    );
    assert_eq!(e.get_commission(claw.id).status, CommissionStatus::Approved);
    assert_eq!(balance(&e, p.id).balance, -100_000);
    let plan = run(&e, &[p.id]);
    assert_eq!(plan.skipped[0].reason, Some(SkipReason::NegativeBalance));
}

/// A tax id is personal data: an erasure of the partner clears it, in the
/// record and in the audit images of its changes, and the books still hold.
#[test]
fn erasing_a_partner_clears_their_tax_id_everywhere() {
    use partnerdesk_core::workflow::privacy::{self, SubjectKind};
    let e = common::env();
    let p = e.partner("Erin Erased");
    let c = e.win(e.lead(p.id, "Client of Erin", 1_000_000).id);
    e.approve(&[c.id]).unwrap();
    run(&e, &[p.id]);
    e.tick();
    e.store
        .write(|tx| payouts::set_tax(tx, p.id, TaxForm::W9, None, Some("SECRET-77")))
        .unwrap();
    e.tick();
    e.store
        .write(|tx| privacy::erase(tx, SubjectKind::Partner, &p.id.to_string(), "asked"))
        .unwrap();
    let t = e
        .store
        .read(|c| partnerdesk_core::store::repo::payouts::tax(c, p.id))
        .unwrap();
    assert_eq!((t.tax_form, t.tax_id), (TaxForm::W9, None));
    let leaks: i64 = e
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM audit_log WHERE coalesce(before, '') LIKE '%SECRET-77%' OR coalesce(after, '') LIKE '%SECRET-77%'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(leaks, 0);
    assert_eq!(balance(&e, p.id).paid, 100_000);
    assert!(e.invariants().is_empty(), "{:?}", e.invariants());
}
