//! What an export wrote comes back exactly: the tables an import takes,
//! exported from one database and imported into an empty one, are equal
//! field by field (ids, links, accents, phones, amounts, dates); rows that
//! name a record already there update it with `update` and are refused
//! without; amounts written with decimal commas are read exactly when the
//! import says so and refused otherwise.

use crate::common;

use crate::common::env;
use chrono::Duration;
use partnerdesk_core::analytics::rollup;
use partnerdesk_core::clock::ManualClock;
use partnerdesk_core::demo::{self, DemoOptions};
use partnerdesk_core::exchange::export::{self, Format};
use partnerdesk_core::exchange::import::{self, DecimalMark, ImportFormat, ImportOptions, ImportReport, ImportTable};
use partnerdesk_core::model::*;
use partnerdesk_core::store::Store;
use partnerdesk_core::workflow::partners::{self, PartnerEdit};
use std::path::Path;
use std::sync::Arc;

/// The tables an import takes, their file names, and the fields an export
/// must carry back.
const TABLES: &[(ImportTable, &str, &str)] = &[
    (
        ImportTable::Applications,
        "partner_applications",
        "id, name, email, phone, company, network_description, expected_referrals, experience_level, status, created_at",
    ),
    (
        ImportTable::Partners,
        "partners",
        "id, application_id, name, email, phone, company, status, tier, created_at",
    ),
    (
        ImportTable::Leads,
        "client_leads",
        "id, partner_id, client_name, client_email, client_phone, business_name, project_description, estimated_value, created_at",
    ),
];

fn rows(store: &Store, table: &str, cols: &str) -> Vec<Vec<String>> {
    store
        .read(|c| {
            let mut stmt = c.prepare(&format!("SELECT {cols} FROM {table} ORDER BY id"))?;
            let n = stmt.column_count();
            let rows = stmt.query_map([], |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => "NULL".to_owned(),
                            rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                            v => v.as_str().unwrap_or("?").to_owned(),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<String>>>()
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .unwrap()
}

fn import(store: &Store, opts: &ImportOptions, path: &Path) -> ImportReport {
    let report = import::import_file(store, opts, path, &mut |_| true).unwrap();
    assert!(report.bad_rows.is_empty(), "{}: {:?}", path.display(), report.bad_rows);
    report
}

/// A demo database with the spellings a round trip must keep: accents, a
/// phone that a spreadsheet would take for a formula, a paused partner's
/// leads, amounts with cents.
fn source() -> common::Env {
    let e = env();
    demo::generate(
        &e.store,
        &DemoOptions {
            partners: 40,
            leads: 400,
            seed: 11,
        },
        &mut |_| true,
    )
    .unwrap();
    let p = e.partner("Zoë Müller-Łukasik");
    e.store
        .write(|tx| {
            partners::edit(
                tx,
                p.id,
                &PartnerEdit {
                    phone: Some(Some("+49 30 1234 5678".into())),
                    company: Some(Some("=Café Crème, \"Société\"".into())),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let l = e.lead(p.id, "Ångström Ñandú", 123_456);
    e.store
        .write(|tx| {
            partnerdesk_core::workflow::leads::edit(
                tx,
                l.id,
                &partnerdesk_core::workflow::leads::LeadEdit {
                    client_phone: Some(Some("-5 (0) 12".into())),
                    project_description: Some(Some("@plan: two\nlines, \"quoted\"".into())),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    e.set_partner_status(p.id, PartnerStatus::Paused).unwrap();
    e
}

fn empty_after(source: &common::Env) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(source.store.now() + Duration::days(1));
    (Store::open(dir.path().join("copy.db"), Arc::new(clock)).unwrap(), dir)
}

#[test]
fn an_export_imports_into_an_empty_database_field_for_field() {
    let src = source();
    for format in [Format::Csv, Format::Json] {
        let out = tempfile::tempdir().unwrap();
        export::export(&src.store, out.path(), format, None, &mut |_| true).unwrap();
        let (copy, _dir) = empty_after(&src);
        let ext = if format == Format::Csv { "csv" } else { "json" };
        let fmt = if format == Format::Csv {
            ImportFormat::Csv
        } else {
            ImportFormat::Json
        };
        for (table, name, cols) in TABLES {
            let path = out.path().join(format!("{name}.{ext}"));
            let report = import(&copy, &ImportOptions::new(*table, fmt), &path);
            let want = rows(&src.store, name, cols);
            assert!(!want.is_empty());
            assert_eq!(report.imported as usize, want.len(), "{name}");
            let got = rows(&copy, name, cols);
            for (w, g) in want.iter().zip(&got) {
                assert_eq!(w, g, "{name} ({ext}): {cols}");
            }
            assert_eq!(want.len(), got.len());
        }
        // The spellings of the source came back as they were.
        let zoe = rows(&copy, "partners", "phone, company")
            .into_iter()
            .find(|r| r[0] == "+49 30 1234 5678")
            .expect("the phone");
        assert_eq!(zoe[1], "=Café Crème, \"Société\"");
        // Links hold, every total and roll-up agrees with a recompute.
        let problems = copy.read(partnerdesk_core::workflow::invariants::check).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let incremental = copy.read(rollup::dump).unwrap();
        let rebuilt = copy
            .write(|tx| {
                rollup::rebuild(tx)?;
                rollup::dump(tx)
            })
            .unwrap();
        assert_eq!(incremental, rebuilt, "{ext}");
    }
}

#[test]
fn a_row_naming_a_record_already_there_is_an_update_only_when_asked() {
    let src = source();
    let out = tempfile::tempdir().unwrap();
    export::export(&src.store, out.path(), Format::Csv, Some("partners"), &mut |_| true).unwrap();
    let path = out.path().join("partners.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let first = rows(&src.store, "partners", "id, name, phone").remove(0);
    // Edit one cell as a spreadsheet would save it: the first partner's name.
    let edited = text.replacen(&first[1], "Renamed Partnér", 1);
    std::fs::write(&path, edited).unwrap();
    let plain = ImportOptions::new(ImportTable::Partners, ImportFormat::Csv);

    // Without --update: every row is an error naming the id; nothing changes.
    let refused = import::import_file(&src.store, &plain, &path, &mut |_| true).unwrap();
    assert_eq!(refused.imported, 0);
    assert_eq!(refused.bad_rows.len(), refused.rows as usize);
    let bad = &refused.bad_rows[0];
    assert_eq!(bad.field.as_deref(), Some("id"));
    assert!(bad.reason.contains("--update"), "{}", bad.reason);

    // A dry run lists the one change, old and new, and writes nothing.
    let mark = src.audit_mark();
    let dry = ImportOptions {
        update: true,
        dry_run: true,
        ..plain.clone()
    };
    let report = import::import_file(&src.store, &dry, &path, &mut |_| true).unwrap();
    assert!(report.bad_rows.is_empty(), "{:?}", report.bad_rows);
    assert_eq!(report.updated, report.rows);
    assert_eq!(report.updates.len(), 1, "{:?}", report.updates);
    let u = &report.updates[0];
    assert_eq!(u.id, first[0]);
    assert_eq!(
        u.changes,
        vec![FieldChange {
            field: "name".into(),
            old: Some(first[1].clone()),
            new: Some("Renamed Partnér".into()),
        }]
    );
    assert_eq!(rows(&src.store, "partners", "id, name, phone")[0], first);
    assert!(src.audit_since(mark).is_empty());

    // The update itself: the one field changes, audited as an edit.
    let update = ImportOptions { update: true, ..plain };
    let report = import(&src.store, &update, &path);
    assert_eq!(report.updates.len(), 1);
    assert_eq!(rows(&src.store, "partners", "id, name, phone")[0][1], "Renamed Partnér");
    let audit = src.audit_since(mark);
    let edit = audit.iter().find(|a| a.action == "update").expect("an update row");
    assert_eq!(edit.entity_id, first[0]);
    assert!(src.invariants().is_empty());
}

#[test]
fn a_lead_update_changes_the_fields_the_file_has_and_the_pipeline_value() {
    let e = env();
    let p = e.partner("Ada");
    let l = e.lead(p.id, "Bea", 10_000);
    let csv = format!(
        "id,partner_id,client_name,client_email,estimated_value\n{},{},Bea Two,bea@client.example,250.75\n",
        l.id, p.id
    );
    let opts = ImportOptions {
        update: true,
        ..ImportOptions::new(ImportTable::Leads, ImportFormat::Csv)
    };
    let r = import::import_bytes(&e.store, &opts, csv.as_bytes(), &mut |_| true).unwrap();
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
    let fields: Vec<(String, Option<String>, Option<String>)> = r.updates[0]
        .changes
        .iter()
        .map(|c| (c.field.clone(), c.old.clone(), c.new.clone()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("client_name".into(), Some("Bea".into()), Some("Bea Two".into())),
            ("estimated_value".into(), Some("100.00".into()), Some("250.75".into())),
        ]
    );
    let after = e.get_lead(l.id);
    // The business name is not a column of the file: it stays.
    assert_eq!(after.business_name.as_deref(), Some("Bea Ltd"));
    assert_eq!(after.estimated_value, 25_075);
    let incremental = e.store.read(rollup::dump).unwrap();
    let rebuilt = e
        .store
        .write(|tx| {
            rollup::rebuild(tx)?;
            rollup::dump(tx)
        })
        .unwrap();
    assert_eq!(incremental, rebuilt);

    // A lead cannot change partner through an import.
    let q = e.partner("Cy");
    let moved = format!(
        "id,partner_id,client_name,client_email\n{},{},Bea,bea@client.example\n",
        l.id, q.id
    );
    let r = import::import_bytes(&e.store, &opts, moved.as_bytes(), &mut |_| true).unwrap();
    assert_eq!(r.bad_rows[0].field.as_deref(), Some("partner_id"), "{:?}", r.bad_rows);
}

#[test]
fn ids_and_dates_of_a_file_are_checked() {
    let e = env();
    let p = e.partner("Ada");
    let id = uuid::Uuid::now_v7();
    let future = (e.store.now() + Duration::days(3)).to_rfc3339();
    let csv = format!(
        "id,partner_id,client_name,client_email,created_at\n\
         {id},{pid},A,a@x.example,2025-01-02\n\
         {id},{pid},B,b@x.example,\n\
         not-an-id,{pid},C,c@x.example,\n\
         ,{pid},D,d@x.example,{future}\n\
         ,{pid},E,e@x.example,yesterday\n",
        pid = p.id
    );
    let r = import::import_bytes(
        &e.store,
        &ImportOptions::new(ImportTable::Leads, ImportFormat::Csv),
        csv.as_bytes(),
        &mut |_| true,
    )
    .unwrap();
    let bad: Vec<(u64, Option<&str>)> = r.bad_rows.iter().map(|b| (b.line, b.field.as_deref())).collect();
    assert_eq!(
        bad,
        vec![
            (3, Some("id")),
            (4, Some("id")),
            (5, Some("created_at")),
            (6, Some("created_at"))
        ],
        "{:?}",
        r.bad_rows
    );
    // A partner naming an application that is not there.
    let csv = format!("name,email,application_id\nZed,zed@x.example,{id}\n");
    let r = import::import_bytes(
        &e.store,
        &ImportOptions::new(ImportTable::Partners, ImportFormat::Csv),
        csv.as_bytes(),
        &mut |_| true,
    )
    .unwrap();
    assert_eq!(r.bad_rows[0].field.as_deref(), Some("application_id"));
    assert!(r.bad_rows[0].reason.contains("import the applications first"));
    // A kept date places the lead (and its first pipeline move) in its month.
    let csv = format!(
        "id,partner_id,client_name,client_email,created_at\n{id},{},A,a@x.example,2025-01-02\n",
        p.id
    );
    let r = import::import_bytes(
        &e.store,
        &ImportOptions::new(ImportTable::Leads, ImportFormat::Csv),
        csv.as_bytes(),
        &mut |_| true,
    )
    .unwrap();
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
    let lead = e.get_lead(LeadId(id));
    assert_eq!(lead.created_at, "2025-01-02T00:00:00.000Z");
    assert_eq!(e.history(lead.id)[0].at, "2025-01-02T00:00:00.000Z");
    assert!(e.invariants().is_empty());
}

#[test]
fn decimal_commas_are_read_when_the_file_says_so_and_refused_otherwise() {
    let e = env();
    let p = e.partner("Ada");
    let csv = format!(
        "partner_id;client_name;client_email;estimated_value\n\
         {p};A;a@x.example;\"1.234,50\"\n\
         {p};B;b@x.example;\"1,5\"\n\
         {p};C;c@x.example;7\n",
        p = p.id
    )
    .replace(';', ",");
    let plain = ImportOptions::new(ImportTable::Leads, ImportFormat::Csv);
    let r = import::import_bytes(&e.store, &plain, csv.as_bytes(), &mut |_| true).unwrap();
    assert_eq!(r.imported, 0);
    let bad: Vec<(u64, &str)> = r.bad_rows.iter().map(|b| (b.line, b.reason.as_str())).collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert_eq!(bad[0].0, 2);
    assert!(bad[0].1.contains("ambiguous: write 1234.50"), "{}", bad[0].1);
    assert_eq!(bad[1].0, 3);
    assert!(bad[1].1.contains("ambiguous: write 1.5"), "{}", bad[1].1);

    let comma = ImportOptions {
        decimal_mark: DecimalMark::Comma,
        ..plain
    };
    let r = import::import_bytes(&e.store, &comma, csv.as_bytes(), &mut |_| true).unwrap();
    assert!(r.bad_rows.is_empty(), "{:?}", r.bad_rows);
    let values: Vec<i64> = rows(&e.store, "client_leads", "estimated_value")
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect();
    let mut values = values;
    values.sort();
    assert_eq!(values, vec![150, 700, 123_450]);

    // JSON amounts in integer cents (as JSON export writes them) are read
    // the same way whatever the mark.
    let json = format!(
        r#"[{{"partner_id":"{}","client_name":"D","client_email":"d@x.example","estimated_value":1999}}]"#,
        p.id
    );
    for mark in [DecimalMark::Dot, DecimalMark::Comma] {
        let o = ImportOptions {
            decimal_mark: mark,
            dry_run: true,
            ..ImportOptions::new(ImportTable::Leads, ImportFormat::Json)
        };
        let r = import::import_bytes(&e.store, &o, json.as_bytes(), &mut |_| true).unwrap();
        assert!(r.bad_rows.is_empty(), "{mark:?}: {:?}", r.bad_rows);
    }
}

#[test]
fn bad_rows_name_their_line_whatever_the_line_ends() {
    let e = env();
    let opts = ImportOptions::new(ImportTable::Partners, ImportFormat::Csv);
    for csv in [
        "name,email\nA,bad\n\n\"B\nx\",bad2\n",
        "name,email\r\nA,bad\r\n\r\n\"B\nx\",bad2\r\n",
        "\u{feff}name,email\r\nA,bad\r\n\r\n\"B\nx\",bad2\r\n",
    ] {
        let r = import::import_bytes(&e.store, &opts, csv.as_bytes(), &mut |_| true).unwrap();
        let lines: Vec<u64> = r.bad_rows.iter().map(|b| b.line).collect();
        assert_eq!(lines, [2, 4], "{csv:?}");
    }
}
