//! The list pages: text search through the FTS indexes (words, prefixes,
//! order, kept current by triggers, rebuilt after bulk loads), the totals
//! from `lead_status_counts`, and the order of each filter.

use crate::common::*;
use partnerdesk_core::model::*;
use partnerdesk_core::queries;
use partnerdesk_core::store::{search, Store};

fn lead_names(store: &Store, f: LeadFilter) -> (Vec<String>, i64) {
    let p = store
        .read_searching(f.search.as_deref(), |c| queries::leads(c, &f))
        .unwrap();
    (p.items.into_iter().map(|l| l.client_name).collect(), p.total)
}

fn search_leads(store: &Store, text: &str) -> (Vec<String>, i64) {
    lead_names(
        store,
        LeadFilter {
            search: Some(text.into()),
            ..Default::default()
        },
    )
}

fn search_partners(store: &Store, text: &str) -> (Vec<String>, i64) {
    let f = PartnerFilter {
        search: Some(text.into()),
        ..Default::default()
    };
    let p = store
        .read_searching(f.search.as_deref(), |c| queries::partners(c, &f))
        .unwrap();
    (p.items.into_iter().map(|p| p.name).collect(), p.total)
}

/// The indexes agree with the rows (documents per partner and status) and
/// pass FTS5's own structure check.
fn integrity(store: &Store) {
    assert_eq!(store.read(search::verify).unwrap(), Vec::<String>::new());
    store
        .write(|tx| {
            tx.execute_batch(
                "INSERT INTO lead_search (lead_search) VALUES ('integrity-check');
                 INSERT INTO partner_search (partner_search) VALUES ('integrity-check');",
            )?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn search_matches_the_start_of_any_word_of_name_email_or_business() {
    let e = env();
    let p = e.partner("Ada Harbor");
    e.lead(p.id, "Olivia Smith", 100);
    e.lead(p.id, "Oliver Stone", 100);
    e.lead(p.id, "Bolivia Trade", 100);
    e.lead(p.id, "Zoë Ångström", 100);

    // A word prefix, any case: not the middle of a word.
    assert_eq!(
        search_leads(&e.store, "OLIV"),
        (vec!["Oliver Stone".into(), "Olivia Smith".into()], 2)
    );
    // Every word must match, each the start of some word.
    assert_eq!(search_leads(&e.store, "oli smi"), (vec!["Olivia Smith".into()], 1));
    // The e-mail's words ("olivia.smith@client.example") and the business ("Olivia Smith Ltd").
    assert_eq!(search_leads(&e.store, "smith@client").1, 1);
    assert_eq!(search_leads(&e.store, "ltd").1, 4);
    // Accents fold both ways.
    assert_eq!(
        search_leads(&e.store, "zoe angstrom").0,
        vec!["Zoë Ångström".to_owned()]
    );
    assert_eq!(search_leads(&e.store, "ÅNG").1, 1);
    // Nothing: an empty page, not an error.
    assert_eq!(search_leads(&e.store, "nobody"), (vec![], 0));
    // A text with no word is no filter.
    assert_eq!(search_leads(&e.store, " @@ ").1, 4);

    // Partners: name, e-mail ("ada.harbor@example.com") and company.
    assert_eq!(search_partners(&e.store, "harb"), (vec!["Ada Harbor".into()], 1));
    assert_eq!(
        search_partners(&e.store, "ada.harbor@example"),
        (vec!["Ada Harbor".into()], 1)
    );
    assert_eq!(search_partners(&e.store, "olivia").1, 0);
    integrity(&e.store);
}

#[test]
fn searched_leads_come_newest_first_and_combine_with_the_other_filters() {
    let e = env();
    let a = e.partner("Ann Able");
    let b = e.partner("Bea Baker");
    let l1 = e.lead(a.id, "Harbor One", 100);
    e.lead(b.id, "Harbor Two", 100);
    e.lead(a.id, "Harbor Three", 100);
    e.lead(a.id, "Inland Four", 100);
    e.move_to(l1.id, LeadStatus::Qualified, None).unwrap();

    assert_eq!(
        search_leads(&e.store, "harbor"),
        (vec!["Harbor Three".into(), "Harbor Two".into(), "Harbor One".into()], 3)
    );
    let of_a = lead_names(
        &e.store,
        LeadFilter {
            search: Some("harbor".into()),
            partner_id: Some(a.id),
            ..Default::default()
        },
    );
    assert_eq!(of_a, (vec!["Harbor Three".into(), "Harbor One".into()], 2));
    let qualified = lead_names(
        &e.store,
        LeadFilter {
            search: Some("harbor".into()),
            status: Some(LeadStatus::Qualified),
            ..Default::default()
        },
    );
    assert_eq!(qualified, (vec!["Harbor One".into()], 1));
    // Paging: the second page continues the first.
    let second = lead_names(
        &e.store,
        LeadFilter {
            search: Some("harbor".into()),
            limit: Some(2),
            offset: Some(2),
            ..Default::default()
        },
    );
    assert_eq!(second, (vec!["Harbor One".into()], 3));
}

#[test]
fn the_index_follows_every_change_and_is_rebuilt_after_a_drop() {
    let e = env();
    let p = e.partner("Cy Cole");
    e.lead(p.id, "First Client", 100);
    assert!(!e.store.read(search::ready).unwrap(), "built on first need only");
    assert_eq!(search_leads(&e.store, "first").1, 1);
    assert!(e.store.read(search::ready).unwrap());

    // New rows after the build are found (triggers).
    e.lead(p.id, "Second Client", 100);
    assert_eq!(search_leads(&e.store, "second").1, 1);
    assert_eq!(search_partners(&e.store, "cole").1, 1);
    e.partner("Dee Cole");
    assert_eq!(search_partners(&e.store, "cole").1, 2);

    // Changed names are found by their new words only (sync and imports update rows).
    e.store
        .write(|tx| {
            tx.execute_batch(
                "UPDATE client_leads SET client_name = 'Renamed Person', client_email = 'renamed@x.example', business_name = NULL
                  WHERE client_name = 'First Client';
                 UPDATE partners SET name = 'Cy Moved' WHERE name = 'Cy Cole';",
            )?;
            Ok(())
        })
        .unwrap();
    assert_eq!(search_leads(&e.store, "first").1, 0);
    assert_eq!(search_leads(&e.store, "renamed").1, 1);
    assert_eq!(search_leads(&e.store, "client").1, 1);
    assert_eq!(search_partners(&e.store, "moved"), (vec!["Cy Moved".into()], 1));
    // (Cy keeps the e-mail cy.cole@example.com.)
    assert_eq!(
        search_partners(&e.store, "cole"),
        (vec!["Cy Moved".into(), "Dee Cole".into()], 2)
    );
    integrity(&e.store);

    // A bulk loader drops it; the next search builds it again, complete.
    e.store.write(|tx| search::drop(tx)).unwrap();
    assert!(!e.store.read(search::ready).unwrap());
    e.lead(p.id, "Third Client", 100);
    assert_eq!(search_leads(&e.store, "client").1, 2);
    integrity(&e.store);
}

#[test]
fn totals_come_from_the_status_counts_and_each_filter_has_its_order() {
    let e = env();
    let p = e.partner("Eve Ember");
    let q = e.partner("Fay Frost");
    let l1 = e.lead(p.id, "Lead One", 100);
    let l2 = e.lead(q.id, "Lead Two", 100);
    let l3 = e.lead(p.id, "Lead Three", 100);
    e.move_to(l3.id, LeadStatus::Qualified, None).unwrap();
    e.move_to(l1.id, LeadStatus::Qualified, None).unwrap();
    e.move_to(l2.id, LeadStatus::ClosedLost, None).unwrap();

    // Everything: newest created first.
    assert_eq!(
        lead_names(&e.store, LeadFilter::default()),
        (vec!["Lead Three".into(), "Lead Two".into(), "Lead One".into()], 3)
    );
    // A status: most recently updated first (Lead One moved last).
    assert_eq!(
        lead_names(
            &e.store,
            LeadFilter {
                status: Some(LeadStatus::Qualified),
                ..Default::default()
            }
        ),
        (vec!["Lead One".into(), "Lead Three".into()], 2)
    );
    // A partner: newest created first.
    assert_eq!(
        lead_names(
            &e.store,
            LeadFilter {
                partner_id: Some(p.id),
                ..Default::default()
            }
        ),
        (vec!["Lead Three".into(), "Lead One".into()], 2)
    );
    // The kept counts equal a count of the rows, status by status.
    let counted: Vec<(String, i64, i64)> = e
        .store
        .read(|c| {
            let mut s = c.prepare(
                "SELECT k.status, k.leads, (SELECT count(*) FROM client_leads l WHERE l.status = k.status)
                   FROM lead_status_counts k ORDER BY k.status",
            )?;
            let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .unwrap();
    assert_eq!(counted.len(), 6);
    for (status, kept, real) in counted {
        assert_eq!(kept, real, "{status}");
    }
    for status in LeadStatus::ALL {
        let (names, total) = lead_names(
            &e.store,
            LeadFilter {
                status: Some(*status),
                ..Default::default()
            },
        );
        assert_eq!(names.len() as i64, total, "{status:?}");
    }
}

#[test]
fn pages_read_from_either_end_join_up_to_the_whole_list() {
    let e = env();
    let p = e.partner("Gil Grant");
    let q = e.partner("Hal Hart");
    e.partner("Ida Ives");
    let mut leads = Vec::new();
    for i in 0..11 {
        leads.push(e.lead(if i % 3 == 0 { q.id } else { p.id }, &format!("Client {i} Harbor"), 100));
    }
    for l in leads.iter().step_by(2) {
        e.move_to(l.id, LeadStatus::Qualified, None).unwrap();
    }
    let filters = [
        LeadFilter::default(),
        LeadFilter {
            status: Some(LeadStatus::Qualified),
            ..Default::default()
        },
        LeadFilter {
            partner_id: Some(p.id),
            ..Default::default()
        },
        LeadFilter {
            search: Some("harbor".into()),
            ..Default::default()
        },
    ];
    for f in filters {
        let (all, total) = lead_names(&e.store, f.clone());
        assert_eq!(all.len() as i64, total);
        for limit in [1, 2, 3, 4, 7] {
            let mut joined = Vec::new();
            let mut offset = 0;
            while offset < total {
                let (page, t) = lead_names(
                    &e.store,
                    LeadFilter {
                        limit: Some(limit),
                        offset: Some(offset),
                        ..f.clone()
                    },
                );
                assert_eq!(t, total);
                joined.extend(page);
                offset += limit;
            }
            assert_eq!(joined, all, "{f:?} in pages of {limit}");
        }
        // Past the end: nothing.
        let beyond = lead_names(
            &e.store,
            LeadFilter {
                offset: Some(total + 5),
                ..f.clone()
            },
        );
        assert!(beyond.0.is_empty());
    }
    for sort in [PartnerSort::Name, PartnerSort::Company, PartnerSort::Earnings] {
        for desc in [false, true] {
            let f = PartnerFilter {
                sort: Some(sort),
                desc,
                ..Default::default()
            };
            let all: Vec<PartnerId> = e
                .store
                .read(|c| queries::partners(c, &f))
                .unwrap()
                .items
                .iter()
                .map(|p| p.id)
                .collect();
            let mut joined = Vec::new();
            for offset in 0..all.len() as i64 {
                let page = e
                    .store
                    .read(|c| {
                        queries::partners(
                            c,
                            &PartnerFilter {
                                limit: Some(1),
                                offset: Some(offset),
                                ..f.clone()
                            },
                        )
                    })
                    .unwrap();
                joined.extend(page.items.iter().map(|p| p.id));
            }
            assert_eq!(joined, all, "{sort:?} desc={desc}");
        }
    }
}

#[test]
fn domains_match_whole_and_no_word_reaches_the_marker_words() {
    let e = env();
    let p = e.partner("Jo Jones");
    e.lead(p.id, "Kim Kay", 100); // kim.kay@client.example
    e.store
        .write(|tx| {
            partnerdesk_core::workflow::leads::add(
                tx,
                &NewLead {
                    partner_id: p.id,
                    client_name: "Lou Lane".into(),
                    client_email: "lou_lane@Harbor-Dental.co.uk".into(),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(search_leads(&e.store, "client.example").0, vec!["Kim Kay".to_owned()]);
    assert_eq!(search_leads(&e.store, "@client.example").1, 1);
    assert_eq!(search_leads(&e.store, "kim.kay@client.example").1, 1);
    assert_eq!(search_leads(&e.store, "lane@harbor").0, vec!["Lou Lane".to_owned()]);
    assert_eq!(
        search_leads(&e.store, "harbor-dental.co.uk").0,
        vec!["Lou Lane".to_owned()]
    );
    // The domain is not a word of its own, and the local part's "_" splits words.
    assert_eq!(search_leads(&e.store, "harbor").1, 0);
    assert_eq!(search_leads(&e.store, "lou lane").1, 1);
    // The marker words (domain, status, partner) are never the start of a searched word.
    for word in ["dom", "st", "pa", "prospect", "_st", "_dom", "9"] {
        let (names, total) = search_leads(&e.store, word);
        assert_eq!(total, 0, "{word}: {names:?}");
    }

    // A start shared by more words than MAX_TERMS goes to FTS5's own prefix
    // search: the same answer.
    for i in 0..(search::MAX_TERMS + 6) {
        e.lead(p.id, &format!("Zed{i:03}x Person"), 100);
    }
    assert_eq!(search_leads(&e.store, "zed").1, search::MAX_TERMS as i64 + 6);
    assert_eq!(search_leads(&e.store, "ZED007").0, vec!["Zed007x Person".to_owned()]);
    assert_eq!(search_leads(&e.store, "zed person").1, search::MAX_TERMS as i64 + 6);
    integrity(&e.store);
}

#[test]
fn a_demo_and_an_export_on_a_database_with_the_indexes_built() {
    use partnerdesk_core::demo::{generate, DemoOptions};
    use partnerdesk_core::exchange::export::{self, Format};
    let e = env();
    e.store.ensure_search_index().unwrap();
    // The demo drops the indexes (and does not copy their triggers into its
    // scratch file); the next search builds them over the new rows.
    let opts = DemoOptions {
        partners: 40,
        leads: 400,
        seed: 3,
    };
    generate(&e.store, &opts, &mut |_| true).unwrap();
    assert!(!e.store.read(search::ready).unwrap());
    let (all, total) = lead_names(&e.store, LeadFilter::default());
    let first_word = all[0].split(' ').next().unwrap().to_owned();
    let (found, n) = search_leads(&e.store, &first_word);
    assert!(n >= 1 && n <= total && found.contains(&all[0]), "{first_word}: {n}");
    integrity(&e.store);

    // Exports leave the derived search tables out.
    let dir = tempfile::tempdir().unwrap();
    export::export(&e.store, dir.path(), Format::Csv, None, &mut |_| true).unwrap();
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().any(|f| f == "client_leads.csv"), "{files:?}");
    assert!(!files.iter().any(|f| f.contains("_search")), "{files:?}");
}
