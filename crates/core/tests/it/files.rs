//! Statement and payout files written for the app: the list of payout
//! batches, and the files themselves.

use crate::common;

use partnerdesk_core::exchange::{payout_file, statement};

#[test]
fn payouts_are_listed_newest_first_and_their_file_is_written() {
    let e = common::env();
    let ann = e.partner("Ann Payee");
    let bob = e.partner("Bob Payee");
    for p in [&ann, &bob] {
        let l = e.lead(p.id, &format!("Client of {}", p.name), 1_000_000);
        let c = e.win(l.id);
        e.approve(&[c.id]).unwrap();
    }
    let first = e.payout(&[ann.id]).unwrap();
    e.tick();
    let second = e.payout(&[bob.id]).unwrap();
    let list = e.store.read(|c| payout_file::list(c, 10)).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, second.id);
    assert_eq!(list[1].id, first.id);
    assert_eq!(list[1].partners, 1);
    assert_eq!(list[1].total_amount, first.total_amount);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("payout.csv");
    let p = e.store.read(|c| payout_file::write(c, first.id, &out)).unwrap();
    assert_eq!(p.id, first.id);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("ann.payee@example.com"), "{text}");
    let bad = dir.path().join("payout.txt");
    let err = e.store.read(|c| payout_file::write(c, first.id, &bad)).unwrap_err();
    assert_eq!(err.kind(), "validation");
    assert!(!bad.exists());
}

#[test]
fn a_statement_is_written_as_html_or_csv_from_the_name() {
    let e = common::env();
    let ann = e.partner("Ann Statement");
    let l = e.lead(ann.id, "Client", 500_000);
    e.win(l.id);
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("ann.html");
    let w = e
        .store
        .read(|c| statement::write(c, ann.id, &html, "2026-03-01T12:00:00.000Z"))
        .unwrap();
    assert_eq!(w.format, statement::StatementFormat::Html);
    assert_eq!(w.partner_name, "Ann Statement");
    assert_eq!(w.leads, 1);
    assert_eq!(w.commissions, 1);
    assert!(std::fs::read_to_string(&html).unwrap().contains("Ann Statement"));
    let csv = dir.path().join("ann.csv");
    let w = e
        .store
        .read(|c| statement::write(c, ann.id, &csv, "2026-03-01T12:00:00.000Z"))
        .unwrap();
    assert_eq!(w.format, statement::StatementFormat::Csv);
    assert!(csv.exists());
    let err = e
        .store
        .read(|c| statement::write(c, ann.id, &dir.path().join("ann.pdf"), "x"))
        .unwrap_err();
    assert_eq!(err.field(), Some("out"));
}
