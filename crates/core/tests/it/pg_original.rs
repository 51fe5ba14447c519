//! Two-way sync with the original system's Supabase schema (its five tables
//! as tests/fixtures/supabase_original.sql writes them, rows already in them):
//! the push adapts to it, the pull brings in what the web side creates, a
//! record changed on both sides lands in the conflict log, and afterwards both
//! sides hold the same five tables.

use crate::pg_tls::{server, Database};
use partnerdesk_core::clock::ManualClock;
use partnerdesk_core::demo::{self, DemoOptions};
use partnerdesk_core::exchange::pg;
use partnerdesk_core::model::LeadId;
use partnerdesk_core::store::Store;
use partnerdesk_core::workflow::leads::{self, LeadEdit};
use partnerdesk_core::Error;
use std::sync::Arc;

pub(crate) const ORIGINAL: &str = include_str!("../fixtures/supabase_original.sql");

/// What the web side holds before the first sync: a pending application, an
/// approved one with its partner (capitalised tier, a user id Partnerdesk does
/// not know) and a lead of that partner with a note.
const WEB_ROWS: &str = "
insert into partner_applications (id, name, email, company, expected_referrals, experience_level, status, referral_source, created_at)
values ('0190a000-0000-7000-8000-000000000001', 'Web Applicant', 'applicant@web.example', 'Web Co', 4, 'expert', 'pending', 'newsletter', '2026-01-10T10:00:00Z'),
       ('0190a000-0000-7000-8000-000000000002', 'Web Partner', 'partner@web.example', 'Partner Co', 10, 'intermediate', 'approved', 'ads', '2026-01-11T10:00:00Z');
insert into partners (id, application_id, user_id, name, email, company, status, tier, total_deals, total_earnings, created_at)
values ('0190a000-0000-7000-8000-000000000010', '0190a000-0000-7000-8000-000000000002', gen_random_uuid(), 'Web Partner', 'partner@web.example', 'Partner Co', 'active', 'Gold', 0, 0, '2026-01-12T10:00:00Z');
insert into client_leads (id, partner_id, client_name, client_email, business_name, estimated_value, status, notes, created_at)
values ('0190a000-0000-7000-8000-000000000020', '0190a000-0000-7000-8000-000000000010', 'Web Client', 'client@web.example', 'Web Biz', 1234.56, 'prospect', 'called twice', '2026-01-13T10:00:00Z');
";

fn store(dir: &std::path::Path, clock: &ManualClock) -> Store {
    let s = Store::open(dir.join("desk.db"), Arc::new(clock.clone())).unwrap();
    demo::generate(
        &s,
        &DemoOptions {
            partners: 6,
            leads: 60,
            seed: 11,
        },
        &mut |_| true,
    )
    .unwrap();
    s
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

fn local_count(s: &Store, sql: &str) -> i64 {
    s.read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?)).unwrap()
}

fn columns_there(c: &mut postgres::Client) -> i64 {
    count(
        c,
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'",
    )
}

#[test]
fn push_pull_push_keeps_the_original_schema_and_both_sides_equal() {
    let Some(server) = server() else { return };
    let db = Database::new(&server, "orig");
    let url = db.url(None, "127.0.0.1", "");
    let mut web = pg::connect(&url).unwrap();
    web.batch_execute(ORIGINAL).unwrap();
    web.batch_execute(WEB_ROWS).unwrap();

    let dir = tempfile::tempdir().unwrap();
    // The desk's clock is the server's (rows made there carry its time).
    let clock = ManualClock::new(chrono::Utc::now());
    let s = store(dir.path(), &clock);

    // A dry run says what it would do and changes nothing there.
    let before = columns_there(&mut web);
    let dry = pg::push_with(&s, &url, pg::PushOptions { dry_run: true }, &mut |_| true).unwrap();
    assert!(dry.dry_run && dry.rows > 0);
    for col in [
        "client_leads.possible_duplicate_of uuid",
        "client_leads.closed_at timestamp with time zone",
        "commissions.kind text",
        "commissions.payout_id uuid",
        "commissions.updated_at timestamp with time zone",
    ] {
        assert!(
            dry.added_columns.iter().any(|c| c == col),
            "{col} in {:?}",
            dry.added_columns
        );
    }
    assert!(!dry.added_columns.iter().any(|c| c.starts_with("partners.name")));
    for t in [
        "payouts",
        "lead_status_history",
        "settings",
        "audit_log",
        "partnerdesk_sync_state",
    ] {
        assert!(dry.created_tables.iter().any(|c| c == t), "{t}");
    }
    assert!(!dry.created_tables.iter().any(|t| t == "partners"));
    assert_eq!(columns_there(&mut web), before);
    assert_eq!(count(&mut web, "SELECT count(*) FROM partners"), 1);

    // The push adapts: columns added, amounts in units, the rate in percent,
    // the tier in the CHECK's spelling, unknown columns left alone.
    let first = pg::push(&s, &url, &mut |_| true).unwrap();
    assert!(first.full);
    let (cents, bp, tier): (i64, i64, String) = s
        .read(|c| {
            Ok(c.query_row(
                "SELECT c.commission_amount, c.commission_rate, p.tier FROM commissions c JOIN partners p ON p.id = c.partner_id ORDER BY c.id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .unwrap();
    let row = web
        .query_one(
            "SELECT (c.commission_amount * 100)::bigint, (c.commission_rate * 100)::bigint, p.tier FROM commissions c JOIN partners p ON p.id = c.partner_id ORDER BY c.id LIMIT 1",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), cents);
    assert_eq!(row.get::<_, i64>(1), bp);
    let there_tier: String = row.get(2);
    assert_eq!(there_tier.to_lowercase(), tier);
    assert_eq!(&there_tier[..1], &there_tier[..1].to_uppercase(), "{there_tier}");
    let note: String = web
        .query_one(
            "SELECT notes FROM client_leads WHERE id = '0190a000-0000-7000-8000-000000000020'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(note, "called twice");

    // The pull brings in the web side's rows.
    let pulled = pg::pull(&s, &url, false, &mut |_| true).unwrap();
    assert!(pulled.bad_rows.is_empty(), "{:?}", pulled.bad_rows);
    assert!(pulled.conflicts.is_empty(), "{:?}", pulled.conflicts);
    assert_eq!(pulled.created, 4, "{pulled:?}");
    let (value, partner_tier, app_status): (i64, String, String) = s
        .read(|c| {
            Ok(c.query_row(
                "SELECT l.estimated_value, p.tier, a.status FROM client_leads l JOIN partners p ON p.id = l.partner_id JOIN partner_applications a ON a.id = p.application_id WHERE l.id = '0190a000-0000-7000-8000-000000000020'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .unwrap();
    assert_eq!(
        (value, partner_tier.as_str(), app_status.as_str()),
        (123_456, "gold", "approved")
    );
    // Pulling again reads the overlap and changes nothing.
    let again = pg::pull(&s, &url, false, &mut |_| true).unwrap();
    assert_eq!(
        (again.created, again.updated, again.conflicts.len()),
        (0, 0, 0),
        "{again:?}"
    );

    // The web side goes on: a new application, a new lead, one refused by the
    // hand-entry rules, an edit; and a lead edited on both sides.
    let local_lead: String = s
        .read(|c| {
            Ok(c.query_row(
                "SELECT id FROM client_leads WHERE status = 'prospect' AND id NOT LIKE '0190a000%' ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    pg::push(&s, &url, &mut |_| true).unwrap();
    let lead_id = LeadId(local_lead.parse().unwrap());
    s.write(|tx| {
        leads::edit(
            tx,
            lead_id,
            &LeadEdit {
                client_name: Some("Desk Name".into()),
                ..Default::default()
            },
        )
    })
    .unwrap();
    web.batch_execute(&format!(
        "insert into partner_applications (name, email, status) values ('Second Applicant', 'second@web.example', 'pending');
         insert into client_leads (partner_id, client_name, client_email, estimated_value) values ('0190a000-0000-7000-8000-000000000010', 'New Web Client', 'new@web.example', 99.99);
         insert into client_leads (id, partner_id, client_name, client_email, estimated_value) values ('0190a000-0000-7000-8000-000000000030', '0190a000-0000-7000-8000-000000000010', 'Broken', 'not-an-email', 10);
         update partner_applications set phone = '+1 555 0100' where id = '0190a000-0000-7000-8000-000000000001';
         update client_leads set client_name = 'Web Name' where id = '{local_lead}';"
    ))
    .unwrap();
    // A push now would overwrite the web side's edits: it refuses.
    let e = pg::push(&s, &url, &mut |_| true).unwrap_err();
    assert!(matches!(e, Error::Conflict(_)), "{e}");
    assert!(e.to_string().contains("sync pull"), "{e}");

    let pulled = pg::pull(&s, &url, false, &mut |_| true).unwrap();
    assert_eq!(pulled.created, 2, "{pulled:?}");
    assert_eq!(pulled.updated, 2, "{pulled:?}");
    assert_eq!(pulled.bad_rows.len(), 1, "{:?}", pulled.bad_rows);
    assert_eq!(pulled.bad_rows[0].id, "0190a000-0000-7000-8000-000000000030");
    assert_eq!(pulled.bad_rows[0].field.as_deref(), Some("client_email"));
    assert_eq!(pulled.conflicts.len(), 1);
    let c = &pulled.conflicts[0];
    assert_eq!(
        (c.table.as_str(), c.record_id.as_str(), c.winner.as_str()),
        ("client_leads", local_lead.as_str(), "remote")
    );
    assert!(c.local_image.contains("Desk Name") && c.remote_image.contains("Web Name"));
    let log = s.read(|c| pg::conflicts(c, 10)).unwrap();
    assert_eq!(log, pulled.conflicts);
    assert_eq!(
        local_count(
            &s,
            &format!("SELECT count(*) FROM audit_log WHERE action = 'sync_conflict' AND entity_id = '{local_lead}'")
        ),
        1
    );
    assert_eq!(
        local_count(
            &s,
            &format!("SELECT count(*) FROM client_leads WHERE id = '{local_lead}' AND client_name = 'Web Name'")
        ),
        1
    );
    assert_eq!(
        local_count(
            &s,
            "SELECT count(*) FROM partner_applications WHERE phone = '+1 555 0100'"
        ),
        1
    );

    // The refused lead is fixed there and comes in; then both sides agree.
    web.batch_execute(
        "update client_leads set client_email = 'fixed@web.example' where id = '0190a000-0000-7000-8000-000000000030'",
    )
    .unwrap();
    let fixed = pg::pull(&s, &url, false, &mut |_| true).unwrap();
    assert_eq!((fixed.created, fixed.bad_rows.len()), (1, 0), "{fixed:?}");
    pg::push(&s, &url, &mut |_| true).unwrap();
    let status = pg::compare(&s, &url).unwrap().tables;
    assert_eq!(status.len(), 5);
    for t in &status {
        assert!(t.equal, "{t:?}");
        assert_eq!(t.remote_rows, Some(t.local_rows));
    }
    let leads = status.iter().find(|t| t.table == "client_leads").unwrap();
    assert_eq!(
        leads.local_cents,
        Some(local_count(&s, "SELECT sum(estimated_value) FROM client_leads"))
    );
    assert_eq!(
        count(
            &mut web,
            "SELECT (sum(estimated_value) * 100)::bigint FROM client_leads"
        ),
        leads.local_cents.unwrap()
    );
    // An edit on one side only shows in the status.
    web.batch_execute("update client_leads set estimated_value = estimated_value + 0.01 where id = '0190a000-0000-7000-8000-000000000020'")
        .unwrap();
    let status = pg::compare(&s, &url).unwrap().tables;
    assert!(!status.iter().find(|t| t.table == "client_leads").unwrap().equal);
    assert!(status.iter().find(|t| t.table == "partners").unwrap().equal);
}

#[test]
fn a_value_the_target_cannot_hold_stops_the_push_before_anything_is_written() {
    let Some(server) = server() else { return };
    let db = Database::new(&server, "narrow");
    let url = db.url(None, "127.0.0.1", "");
    let mut web = pg::connect(&url).unwrap();
    // The original schema, with a tier CHECK that knows no platinum.
    web.batch_execute(&ORIGINAL.replace("'Gold', 'Platinum'", "'Gold'"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(chrono::Utc::now());
    let s = store(dir.path(), &clock);
    s.write(|tx| {
        let id: String = tx.query_row("SELECT id FROM partners ORDER BY id LIMIT 1", [], |r| r.get(0))?;
        partnerdesk_core::workflow::partners::set_tier(
            tx,
            partnerdesk_core::model::PartnerId(id.parse().unwrap()),
            partnerdesk_core::model::Tier::Platinum,
        )
    })
    .unwrap();
    let before = columns_there(&mut web);
    for dry_run in [true, false] {
        let e = pg::push_with(&s, &url, pg::PushOptions { dry_run }, &mut |_| true).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("partners.tier") && text.contains("platinum"), "{text}");
        assert!(text.contains("Bronze, Gold, Silver"), "{text}");
    }
    assert_eq!(columns_there(&mut web), before, "no column was added");
    assert_eq!(
        count(
            &mut web,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ),
        5
    );
    assert_eq!(count(&mut web, "SELECT count(*) FROM partners"), 0);
    assert_eq!(local_count(&s, "SELECT count(*) FROM sync_pushes"), 0);
}
