//! Import: mapping, every bad row with its line, all or nothing, the rules
//! of a hand entry, audit, dry run, cancel, and no panic on random input.

use chrono::TimeZone;
use partnerdesk_core::clock::ManualClock;
use partnerdesk_core::exchange::import::{self, parse_mapping, ImportFormat, ImportOptions, ImportReport, ImportTable};
use partnerdesk_core::model::{Entity, NewApplication};
use partnerdesk_core::progress::Progress;
use partnerdesk_core::store::{repo, Store};
use partnerdesk_core::workflow::{applications, leads};
use partnerdesk_core::Error;
use proptest::prelude::*;
use std::sync::Arc;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap());
    let s = Store::open(dir.path().join("t.db"), Arc::new(clock)).unwrap();
    (dir, s)
}

fn opts(table: ImportTable, format: ImportFormat) -> ImportOptions {
    ImportOptions::new(table, format)
}

fn run(s: &Store, o: &ImportOptions, data: &str) -> Result<ImportReport, Error> {
    import::import_bytes(s, o, data.as_bytes(), &mut |_| true)
}

fn count(s: &Store, table: &str) -> i64 {
    s.read(|c| Ok(c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?))
        .unwrap()
}

fn partners_csv() -> &'static str {
    "name,email,phone,company,status\n\
     Ann Active,ann@agency.com,+1 555 0100,Agency A,active\n\
     Pat Paused,pat@agency.com,,Agency P,paused\n"
}

#[test]
fn partners_then_leads_by_email_and_id() {
    let (_d, s) = store();
    let r = run(&s, &opts(ImportTable::Partners, ImportFormat::Csv), partners_csv()).unwrap();
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
    assert_eq!((r.rows, r.imported), (2, 2));
    let ann = s
        .read(|c| repo::partners::find_by_email(c, "ann@agency.com"))
        .unwrap()
        .unwrap();
    let csv = format!(
        "partner_id,client_name,client_email,business_name,estimated_value\n\
         {},Carl Client,carl@client.com,Carl Co,\"1,234.50\"\n\
         ann@agency.com,Dora,dora@client.com,carl co,10\n\
         ANN@agency.com,Carl Again,CARL@client.com,,0\n",
        ann.id
    );
    let r = run(&s, &opts(ImportTable::Leads, ImportFormat::Csv), &csv).unwrap();
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
    assert_eq!((r.imported, r.duplicates), (3, 2));
    let list = s.read(|c| repo::leads::list(c, &Default::default(), 10, 0)).unwrap().0;
    let carl = list.iter().find(|l| l.client_name == "Carl Client").unwrap();
    assert_eq!(carl.estimated_value, 123_450);
    assert_eq!(carl.possible_duplicate_of, None);
    // Duplicates within the file: same business name (any case), same client e-mail.
    for name in ["Dora", "Carl Again"] {
        let l = list.iter().find(|l| l.client_name == name).unwrap();
        assert_eq!(l.possible_duplicate_of, Some(carl.id), "{name}");
    }
    // Audit: one create per record plus one summary per import; history per lead.
    let audits = s.read(|c| repo::audit::list(c, None, None, 100, 0)).unwrap();
    assert_eq!(
        audits
            .iter()
            .filter(|a| a.entity == "lead" && a.action == "create")
            .count(),
        3
    );
    assert_eq!(
        audits
            .iter()
            .filter(|a| a.entity == "partner" && a.action == "create")
            .count(),
        2
    );
    assert_eq!(
        audits
            .iter()
            .filter(|a| a.entity == "database" && a.action == "import")
            .count(),
        2
    );
    assert_eq!(count(&s, "lead_status_history"), 3);
    // A later hand entry sees imported leads as duplicates, as if typed by hand.
    let added = s
        .write(|tx| {
            leads::add(
                tx,
                &partnerdesk_core::model::NewLead {
                    partner_id: ann.id,
                    client_name: "Hand".into(),
                    client_email: "dora@client.com".into(),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert!(added.duplicate_of.is_some());
    assert_rollups_consistent(&s);
    assert!(s
        .read(partnerdesk_core::workflow::invariants::check)
        .unwrap()
        .is_empty());
}

#[test]
fn every_bad_row_is_reported_and_nothing_is_kept() {
    let (_d, s) = store();
    run(&s, &opts(ImportTable::Partners, ImportFormat::Csv), partners_csv()).unwrap();
    let before = count(&s, "client_leads");
    let audit_before = count(&s, "audit_log");
    let csv = "partner_email,client_name,client_email,estimated_value\n\
               ann@agency.com,Good,good@client.com,5\n\
               ann@agency.com,,empty@client.com,5\n\
               ann@agency.com,Bad Mail,not-an-email,5\n\
               pat@agency.com,Paused Partner,p@client.com,5\n\
               nobody@agency.com,No Partner,n@client.com,5\n\
               ann@agency.com,Bad Amount,a@client.com,12.345\n\
               ann@agency.com,Negative,b@client.com,-3\n\
               ann@agency.com,Too,many,values,here\n\
               ann@agency.com,Also Good,also@client.com,7\n";
    let r = run(&s, &opts(ImportTable::Leads, ImportFormat::Csv), csv).unwrap();
    assert_eq!(r.rows, 9);
    assert_eq!(r.imported, 0);
    assert_eq!(r.valid, 2);
    let lines: Vec<u64> = r.bad_rows.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7, 8, 9], "{:#?}", r.bad_rows);
    let field = |line: u64| r.bad_rows.iter().find(|b| b.line == line).unwrap().field.clone();
    assert_eq!(field(3).as_deref(), Some("client_name"));
    assert_eq!(field(4).as_deref(), Some("client_email"));
    assert!(r.bad_rows[2].reason.contains("paused"), "{:?}", r.bad_rows[2]);
    assert_eq!(field(6).as_deref(), Some("partner_email"));
    assert_eq!(field(7).as_deref(), Some("estimated_value"));
    assert!(r.bad_rows[4].reason.contains("decimals"));
    assert!(r.bad_rows[5].reason.contains("negative"));
    assert!(r.bad_rows[6].reason.contains("values"));
    assert_eq!(count(&s, "client_leads"), before);
    assert_eq!(count(&s, "audit_log"), audit_before);
}

#[test]
fn partner_emails_are_unique_in_the_file_and_the_database() {
    let (_d, s) = store();
    run(&s, &opts(ImportTable::Partners, ImportFormat::Csv), partners_csv()).unwrap();
    let csv = "name,email\nNew,new@agency.com\nAgain,ANN@agency.com\nTwin,new@agency.com\n";
    let r = run(&s, &opts(ImportTable::Partners, ImportFormat::Csv), csv).unwrap();
    let lines: Vec<u64> = r.bad_rows.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![3, 4], "{:?}", r.bad_rows);
    assert!(r.bad_rows.iter().all(|b| b.field.as_deref() == Some("email")));
    assert_eq!(count(&s, "partners"), 2);
}

#[test]
fn applications_follow_the_hand_entry_rules() {
    let (_d, s) = store();
    s.write(|tx| {
        applications::add(
            tx,
            &NewApplication {
                name: "Open".into(),
                email: "open@x.com".into(),
                ..Default::default()
            },
        )
    })
    .unwrap();
    let json = r#"[
  {"name": "Eve", "email": "eve@x.com", "expected_referrals": 4, "experience_level": "expert", "updated_at": "ignored"},
  {"name": "Dup", "email": "open@x.com"},
  {"name": "Lvl", "email": "lvl@x.com", "experience_level": "guru"},
  {"name": "Ref", "email": "ref@x.com", "expected_referrals": "many"},
  {"name": "Obj", "email": {"a": 1}},
  {"nom": "x"}
]"#;
    let r = run(&s, &opts(ImportTable::Applications, ImportFormat::Json), json).unwrap();
    let got: Vec<(u64, Option<String>)> = r.bad_rows.iter().map(|b| (b.line, b.field.clone())).collect();
    assert_eq!(
        got,
        vec![
            (3, None),
            (4, Some("experience_level".into())),
            (5, Some("expected_referrals".into())),
            (6, None),
            (7, None)
        ],
        "{:#?}",
        r.bad_rows
    );
    assert_eq!(count(&s, "partner_applications"), 1);
    // Fixed, it imports; a mapping renames a column.
    let mut o = opts(ImportTable::Applications, ImportFormat::Csv);
    o.mapping = parse_mapping("Full Name=name, Mail=email, Notes=").unwrap();
    let r = run(&s, &o, "Full Name,Mail,Notes\nEve,eve@x.com,hello\n").unwrap();
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
    assert_eq!(r.ignored_columns, vec!["Notes".to_owned()]);
    assert_eq!(count(&s, "partner_applications"), 2);
}

#[test]
fn headers_mapping_and_format_errors() {
    let (_d, s) = store();
    let r = run(
        &s,
        &opts(ImportTable::Partners, ImportFormat::Csv),
        "name,mail\nA,a@x.com\n",
    )
    .unwrap();
    assert_eq!(r.bad_rows.len(), 1);
    assert_eq!(r.bad_rows[0].line, 1);
    assert!(r.bad_rows[0].reason.contains("--map"), "{}", r.bad_rows[0].reason);
    let r = run(&s, &opts(ImportTable::Partners, ImportFormat::Csv), "").unwrap();
    assert_eq!(r.bad_rows[0].line, 1);
    let r = run(&s, &opts(ImportTable::Partners, ImportFormat::Json), "{\"name\": 1").unwrap();
    assert_eq!(r.bad_rows.len(), 1);
    assert!(parse_mapping("a").is_err());
    assert!(parse_mapping("a=b,a=c").is_err());
    let mut o = opts(ImportTable::Partners, ImportFormat::Csv);
    o.mapping = parse_mapping("x=nonsense").unwrap();
    assert_eq!(run(&s, &o, "x\n1\n").unwrap_err().field(), Some("map"));
    assert_eq!(
        ImportFormat::from_path(std::path::Path::new("a.xlsx"))
            .unwrap_err()
            .field(),
        Some("file")
    );
    // A Partnerdesk-style export (with id, status, times) imports: its id
    // and creation time are kept, totals (made by commissions) ignored.
    let r = run(
        &s,
        &opts(ImportTable::Partners, ImportFormat::Csv),
        "id,name,email,status,tier,total_deals,created_at\n0193a1b2-0000-7000-8000-000000000001,Zed,zed@x.com,active,gold,3,2020-01-01\n",
    )
    .unwrap();
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
    assert_eq!(r.ignored_columns, ["total_deals"]);
    let zed = s
        .read(|c| repo::partners::find_by_email(c, "zed@x.com"))
        .unwrap()
        .unwrap();
    assert_eq!(zed.tier.as_str(), "gold");
    assert_eq!(zed.total_deals, 0);
    assert_eq!(zed.id.to_string(), "0193a1b2-0000-7000-8000-000000000001");
    assert_eq!(zed.created_at, "2020-01-01T00:00:00.000Z");
}

#[test]
fn dry_run_and_cancel_keep_nothing() {
    let (_d, s) = store();
    let mut o = opts(ImportTable::Partners, ImportFormat::Csv);
    o.dry_run = true;
    let r = run(&s, &o, partners_csv()).unwrap();
    assert_eq!((r.valid, r.imported), (2, 0));
    assert_eq!(count(&s, "partners"), 0);
    assert_eq!(count(&s, "audit_log"), 0);
    o.dry_run = false;
    let mut calls = 0;
    let e = import::import_bytes(&s, &o, partners_csv().as_bytes(), &mut |_p: &Progress| {
        calls += 1;
        false
    })
    .unwrap_err();
    assert!(matches!(e, Error::Cancelled));
    assert_eq!(count(&s, "partners"), 0);
}

#[test]
fn a_large_lead_file_goes_through_the_bulk_path() {
    let (_d, s) = store();
    run(&s, &opts(ImportTable::Partners, ImportFormat::Csv), partners_csv()).unwrap();
    let mut csv =
        String::from("partner_email,client_name,client_email,business_name,project_description,estimated_value\n");
    for i in 0..60_000 {
        csv.push_str(&format!(
            "ann@agency.com,Client {i},c{}@client.com,Biz {i},A shop that wants an app,{}.50\n",
            i % 50_000,
            i
        ));
    }
    assert!(csv.len() >= import::BULK_MIN_BYTES);
    let index_count = |s: &Store| -> i64 {
        s.read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap()
    };
    let indexes_before = index_count(&s);
    let mut seen: Vec<(String, u64, u64)> = Vec::new();
    let r = import::import_bytes(
        &s,
        &opts(ImportTable::Leads, ImportFormat::Csv),
        csv.as_bytes(),
        &mut |p| {
            seen.push((p.stage.clone(), p.done, p.total));
            true
        },
    )
    .unwrap();
    // Progress: the bytes of the file while reading, then each stage's own steps, each ending complete.
    let mut stages: Vec<&str> = seen.iter().map(|(st, _, _)| st.as_str()).collect();
    stages.dedup();
    assert_eq!(stages, ["rows", "history", "indexes", "analytics"]);
    assert!(seen.contains(&("rows".into(), csv.len() as u64, csv.len() as u64)));
    let last_index = seen.iter().rev().find(|(st, _, _)| st == "indexes").unwrap();
    assert!(last_index.2 > 0 && last_index.1 == last_index.2, "{last_index:?}");
    assert!(r.bad_rows.is_empty());
    assert_eq!((r.imported, r.duplicates), (60_000, 10_000));
    assert_eq!(index_count(&s), indexes_before, "the indexes are back");
    assert_eq!(count(&s, "client_leads"), 60_000);
    let mode: String = s
        .read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(mode, "wal");
    s.quick_check().unwrap();
    assert!(s
        .read(partnerdesk_core::workflow::invariants::check)
        .unwrap()
        .is_empty());
    // One audit row for the whole import, naming the range of its leads'
    // ids (consecutive), not one per lead.
    assert!(s
        .read(|c| repo::audit::list(c, Some(Entity::Lead), None, 1, 0))
        .unwrap()
        .is_empty());
    let summary = &s
        .read(|c| repo::audit::list(c, Some(Entity::Database), None, 1, 0))
        .unwrap()[0];
    assert_eq!(summary.action, "import");
    let after = summary.after.as_ref().unwrap();
    let (first, last) = (after["first_id"].as_str().unwrap(), after["last_id"].as_str().unwrap());
    let in_range: i64 = s
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM client_leads WHERE id BETWEEN ?1 AND ?2",
                [first, last],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(in_range, 60_000);
    assert_eq!(after["rows"], 60_000);
    // Asked for one of those leads, the audit list gives the import's row.
    let some_lead: String = s
        .read(|c| {
            Ok(c.query_row(
                "SELECT id FROM client_leads ORDER BY rowid LIMIT 1 OFFSET 777",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    for (entity, id) in [(Some(Entity::Lead), some_lead.as_str()), (None, &some_lead[..30])] {
        let trail = s.read(|c| repo::audit::list(c, entity, Some(id), 10, 0)).unwrap();
        assert_eq!(trail.len(), 1, "{entity:?} {id}");
        assert_eq!(
            (trail[0].entity_id.as_str(), trail[0].action.as_str()),
            ("import", "import")
        );
    }
    // ... and not for a partner, nor for a lead outside the range.
    assert!(s
        .read(|c| repo::audit::list(c, Some(Entity::Partner), Some(&some_lead), 10, 0))
        .unwrap()
        .is_empty());
    assert!(s
        .read(|c| repo::audit::list(
            c,
            Some(Entity::Lead),
            Some("00000000-0000-7000-8000-000000000000"),
            10,
            0
        ))
        .unwrap()
        .is_empty());
    assert_rollups_consistent(&s);
}

#[test]
fn a_large_lead_file_into_a_larger_table_keeps_the_indexes_and_audits_once() {
    let (_d, s) = store();
    let lead_audit_rows = |s: &Store| -> i64 {
        s.read(|c| Ok(c.query_row("SELECT count(*) FROM audit_log WHERE entity = 'lead'", [], |r| r.get(0))?))
            .unwrap()
    };
    run(&s, &opts(ImportTable::Partners, ImportFormat::Csv), partners_csv()).unwrap();
    // A table already larger than the file (at 80 bytes a row): the indexes stay.
    let mut small = String::from("partner_email,client_name,client_email,business_name\n");
    for i in 0..60_000 {
        small.push_str(&format!("ann@agency.com,Old {i},old{i}@client.com,Old Biz {i}\n"));
    }
    // Under the large-file size: a row of audit per lead.
    for part in small.lines().skip(1).collect::<Vec<_>>().chunks(30_000) {
        let text = format!(
            "partner_email,client_name,client_email,business_name\n{}\n",
            part.join("\n")
        );
        assert!(text.len() < import::BULK_MIN_BYTES);
        run(&s, &opts(ImportTable::Leads, ImportFormat::Csv), &text).unwrap();
    }
    assert_eq!(lead_audit_rows(&s), 60_000);
    let mut csv = String::from("partner_email,client_name,client_email,business_name,project_description\n");
    let text = "x".repeat(4_000);
    for i in 0..1_100 {
        // Every tenth row repeats an e-mail already in the table.
        let email = if i % 10 == 0 {
            format!("old{i}@client.com")
        } else {
            format!("new{i}@client.com")
        };
        csv.push_str(&format!("ann@agency.com,New {i},{email},New Biz {i},{text}\n"));
    }
    assert!(csv.len() >= import::BULK_MIN_BYTES && csv.len() / 80 < 60_000);
    // The search index is built before; the large import drops it (no
    // trigger per row) and the next search builds it again, imported rows too.
    s.ensure_search_index().unwrap();
    let r = run(&s, &opts(ImportTable::Leads, ImportFormat::Csv), &csv).unwrap();
    assert!(!s.read(partnerdesk_core::store::search::ready).unwrap());
    let found = s
        .read_searching(Some("new"), |c| {
            assert_eq!(partnerdesk_core::store::search::verify(c)?, Vec::<String>::new());
            Ok(c.query_row(
                "SELECT count(*) FROM client_leads WHERE rowid IN (SELECT rowid FROM lead_search WHERE lead_search MATCH 'new*')",
                [],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .unwrap();
    assert_eq!(found, 1_100);
    assert_eq!((r.imported, r.duplicates), (1_100, 110));
    assert_eq!(count(&s, "client_leads"), 61_100);
    assert_eq!(lead_audit_rows(&s), 60_000, "no audit row per lead of the large file");
    let flagged: i64 = s
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM client_leads n JOIN client_leads o ON o.id = n.possible_duplicate_of
                  WHERE n.client_name LIKE 'New %' AND o.client_email = n.client_email",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(flagged, 110);
    s.quick_check().unwrap();
    assert!(s
        .read(partnerdesk_core::workflow::invariants::check)
        .unwrap()
        .is_empty());
    assert_rollups_consistent(&s);
}

/// The same lead file checked with the database's keys loaded first (a file
/// large against the table; the checks run on the reading thread) and with
/// look-ups row by row (a file small against the table): the same outcome.
#[test]
fn lead_checks_give_the_same_answers_preloaded_or_looked_up() {
    /// (lead name, name of the lead it duplicates) in order; flagged count; (line, reason) of bad rows.
    type Outcome = (Vec<(String, Option<String>)>, u64, Vec<(u64, String)>);
    fn scenario(filler: usize) -> Outcome {
        let (_d, s) = store();
        run(&s, &opts(ImportTable::Partners, ImportFormat::Csv), partners_csv()).unwrap();
        let ann = s
            .read(|c| repo::partners::find_by_email(c, "ann@agency.com"))
            .unwrap()
            .unwrap();
        let leads = |text: &str| run(&s, &opts(ImportTable::Leads, ImportFormat::Csv), text).unwrap();
        let mut fill = String::from("partner_email,client_name,client_email\n");
        for i in 0..filler {
            fill.push_str(&format!("ann@agency.com,Filler {i},filler{i}@fill.com\n"));
        }
        leads(&fill);
        leads(
            "partner_email,client_name,client_email,business_name\n\
             ann@agency.com,Base One,base1@client.com,Base Biz\n\
             ann@agency.com,Base Two,base2@client.com,\n",
        );
        let id = ann.id.to_string();
        let file = format!(
            "partner_id,client_name,client_email,business_name\n\
             {},Up Id,new1@x.com,BASE BIZ\n\
             ann@agency.com,Mail Dup,BASE2@client.com,\n\
             {{{}}},New Two,new2@x.com,\n\
             ann@agency.com,In File,new2@x.com,\n",
            id.to_uppercase(),
            id
        );
        let preloaded_if_empty = file.len() / 80 >= (filler + 2) / 4;
        assert_eq!(
            preloaded_if_empty,
            filler == 0,
            "the file is small against {filler} leads"
        );
        let r = leads(&file);
        assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
        let dups: Vec<(String, Option<String>)> = s
            .read(|c| {
                let mut st = c.prepare(
                    "SELECT l.client_name, d.client_name FROM client_leads l LEFT JOIN client_leads d ON d.id = l.possible_duplicate_of
                      WHERE l.client_name NOT LIKE 'Filler %' ORDER BY l.rowid",
                )?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .unwrap();
        let bad = leads(
            "partner_email,client_name,client_email\n\
             pat@agency.com,Paused,p1@x.com\n\
             nobody@agency.com,Nobody,p2@x.com\n\
             ann@agency.com,Fine,p3@x.com\n",
        );
        let bad_id = leads("partner_id,client_name,client_email\nnot-an-id,Odd,p4@x.com\n");
        let reasons = bad
            .bad_rows
            .iter()
            .chain(&bad_id.bad_rows)
            .map(|b| (b.line, b.reason.clone()))
            .collect();
        (dups, r.duplicates, reasons)
    }
    let preloaded = scenario(0);
    let looked_up = scenario(400);
    assert_eq!(preloaded, looked_up);
    let (dups, duplicates, reasons) = preloaded;
    let named = |a: &str, b: Option<&str>| (a.to_owned(), b.map(str::to_owned));
    assert_eq!(
        dups,
        [
            named("Base One", None),
            named("Base Two", None),
            named("Up Id", Some("Base One")),
            named("Mail Dup", Some("Base Two")),
            named("New Two", None),
            named("In File", Some("New Two")),
        ]
    );
    assert_eq!(duplicates, 3);
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert_eq!(reasons[0].0, 2);
    assert!(reasons[0].1.contains("paused"), "{reasons:?}");
    assert_eq!(reasons[1], (3, "no partner \"nobody@agency.com\"".to_owned()));
    assert!(
        reasons[2].1.contains("neither a partner id nor a partner e-mail"),
        "{reasons:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Random bytes and mutated valid files: a report or a clear error, never a panic.
    #[test]
    fn random_input_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        cut in 0usize..200,
        flip in any::<u8>(),
        json in any::<bool>(),
        table in 0usize..3,
    ) {
        let (_d, s) = store();
        let table = [ImportTable::Applications, ImportTable::Partners, ImportTable::Leads][table];
        let format = if json { ImportFormat::Json } else { ImportFormat::Csv };
        let o = opts(table, format);
        let _ = import::import_bytes(&s, &o, &bytes, &mut |_| true);
        let valid = if json {
            r#"[{"name":"A","email":"a@x.com","partner_email":"a@x.com","client_name":"C","client_email":"c@x.com"}]"#.to_owned()
        } else {
            "name,email,partner_email,client_name,client_email\nA,a@x.com,a@x.com,C,c@x.com\n".to_owned()
        };
        let mut mutated = valid.into_bytes();
        let at = cut % mutated.len();
        mutated[at] ^= flip;
        mutated.truncate(at.max(1) + (cut % 7));
        if let Err(e) = import::import_bytes(&s, &o, &mutated, &mut |_| true) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}

/// The analytics roll-ups after an import equal a rebuild from the raw rows.
fn assert_rollups_consistent(s: &Store) {
    use partnerdesk_core::analytics::rollup;
    let kept = s.read(rollup::dump).unwrap();
    s.write(|tx| rollup::rebuild(tx)).unwrap();
    assert_eq!(kept, s.read(rollup::dump).unwrap());
}

#[test]
fn preview_reads_the_columns_and_suggests_same_name_fields() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("apps.csv");
    std::fs::write(
        &csv,
        "\u{feff}Name,EMAIL,Mobile,id,expected_referrals\nAda,ada@x.com,1,,2\n",
    )
    .unwrap();
    let p = import::preview(ImportTable::Applications, &csv).unwrap();
    assert_eq!(p.format, ImportFormat::Csv);
    assert_eq!(p.columns, ["Name", "EMAIL", "Mobile", "id", "expected_referrals"]);
    assert_eq!(p.fields[0], "name");
    assert_eq!(p.suggested.get("Name").map(String::as_str), Some("name"));
    assert_eq!(p.suggested.get("EMAIL").map(String::as_str), Some("email"));
    assert_eq!(p.suggested.get("id").map(String::as_str), Some("id"));
    assert_eq!(p.suggested.get("Mobile"), None);
    assert_eq!(
        p.suggested.get("expected_referrals").map(String::as_str),
        Some("expected_referrals")
    );

    let json = dir.path().join("partners.json");
    std::fs::write(&json, r#"[{"name":"A","email":"a@x.com"},{"name":"B","tier":"gold"}]"#).unwrap();
    let p = import::preview(ImportTable::Partners, &json).unwrap();
    assert_eq!(p.columns.len(), 3);
    assert!(p.columns.contains(&"tier".to_owned()));

    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "x").unwrap();
    assert_eq!(
        import::preview(ImportTable::Leads, &txt).unwrap_err().kind(),
        "validation"
    );
    let missing = dir.path().join("missing.csv");
    assert_eq!(import::preview(ImportTable::Leads, &missing).unwrap_err().kind(), "io");
}

#[test]
fn json_amounts_are_cents_as_numbers_and_decimals_as_text() {
    let (_d, s) = store();
    run(&s, &opts(ImportTable::Partners, ImportFormat::Csv), partners_csv()).unwrap();
    let o = opts(ImportTable::Leads, ImportFormat::Json);
    // As JSON export writes it (integer cents), and as a person writes it (decimal text).
    let data = r#"[
        {"partner_email": "ann@agency.com", "client_name": "Cents Co", "client_email": "c@cents.example", "estimated_value": 123450},
        {"partner_email": "ann@agency.com", "client_name": "Text Co", "client_email": "t@text.example", "estimated_value": "1234.50"}
    ]"#;
    run(&s, &o, data).unwrap();
    let values: Vec<i64> = s
        .read(|c| {
            let mut st = c.prepare("SELECT estimated_value FROM client_leads ORDER BY client_name")?;
            let v = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            Ok(v)
        })
        .unwrap();
    assert_eq!(values, vec![123_450, 123_450]);
    // A fractional number is not cents: the row is refused with the reason.
    let bad = r#"[{"partner_email": "ann@agency.com", "client_name": "X", "client_email": "x@x.example", "estimated_value": 12.5}]"#;
    let r = run(&s, &o, bad).unwrap();
    assert_eq!(r.imported, 0);
    assert!(r.bad_rows[0].reason.contains("integer cents"), "{:?}", r.bad_rows);
}

#[test]
fn partners_keep_their_group_by_id_or_name() {
    use partnerdesk_core::workflow::rules;
    let (_d, s) = store();
    let agencies = s.write(|tx| rules::add_group(tx, "Agencies")).unwrap();
    let csv = format!(
        "name,email,group_id\nAnn Group,ann@group.example,Agencies\nBen Group,ben@group.example,{}\nCid Plain,cid@plain.example,\n",
        agencies.id
    );
    let r = run(&s, &opts(ImportTable::Partners, ImportFormat::Csv), &csv).unwrap();
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
    assert!(!r.ignored_columns.contains(&"group_id".to_owned()));
    let group_of = |email: &str| -> String {
        s.read(|c| Ok(c.query_row("SELECT group_id FROM partners WHERE email = ?1", [email], |r| r.get(0))?))
            .unwrap()
    };
    assert_eq!(group_of("ann@group.example"), agencies.id.to_string());
    assert_eq!(group_of("ben@group.example"), agencies.id.to_string());
    assert_eq!(
        group_of("cid@plain.example"),
        partnerdesk_core::model::GroupId::STANDARD.to_string()
    );
    // An unknown group is a bad row naming the column; nothing is kept.
    let r = run(
        &s,
        &opts(ImportTable::Partners, ImportFormat::Csv),
        "name,email,group_id\nDee Nogroup,dee@x.example,Resellers\n",
    )
    .unwrap();
    assert_eq!(r.bad_rows.len(), 1);
    assert_eq!(r.bad_rows[0].field.as_deref(), Some("group_id"));
    assert_eq!(count(&s, "partners"), 3);
    // An update moves a partner to another group, listed as a change, audited.
    let cid: String = s
        .read(|c| {
            Ok(
                c.query_row("SELECT id FROM partners WHERE email = 'cid@plain.example'", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    let mut o = opts(ImportTable::Partners, ImportFormat::Csv);
    o.update = true;
    let r = run(
        &s,
        &o,
        &format!("id,name,email,group_id\n{cid},Cid Plain,cid@plain.example,Agencies\n"),
    )
    .unwrap();
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
    assert_eq!(
        r.updates[0].changes.iter().filter(|c| c.field == "group_id").count(),
        1,
        "{:?}",
        r.updates
    );
    assert_eq!(group_of("cid@plain.example"), agencies.id.to_string());
}
