//! One or more tests per rule of DESIGN.md "Rules": each checks the data and
//! the audit rows written by the same action (same transaction time), and
//! that refused actions write nothing at all.

mod common;

use common::Env;
use partnerdesk_core::model::*;
use partnerdesk_core::store::repo;
use partnerdesk_core::workflow::{applications, commissions, leads, partners, plans, settings};
use partnerdesk_core::Error;

/// (entity, action) of each audit row, oldest first.
fn actions(rows: &[AuditEntry]) -> Vec<(&str, &str)> {
    rows.iter().map(|r| (r.entity.as_str(), r.action.as_str())).collect()
}

/// The audit rows since `mark` are exactly `expected`, all written at the
/// time of the action (one transaction, one time).
fn audited(e: &Env, mark: i64, expected: &[(&str, &str)]) -> Vec<AuditEntry> {
    let rows = e.audit_since(mark);
    assert_eq!(actions(&rows), expected, "{rows:#?}");
    let now = e.now_text();
    for r in &rows {
        assert_eq!(r.at, now, "audit row {} not written at the action's time", r.seq);
    }
    rows
}

fn after<T: serde::de::DeserializeOwned>(r: &AuditEntry) -> T {
    serde_json::from_value(r.after.clone().expect("an after image")).unwrap()
}

fn before<T: serde::de::DeserializeOwned>(r: &AuditEntry) -> T {
    serde_json::from_value(r.before.clone().expect("a before image")).unwrap()
}

fn new_app(name: &str, email: &str) -> NewApplication {
    NewApplication {
        name: name.into(),
        email: email.into(),
        ..Default::default()
    }
}

fn add_app(e: &Env, name: &str, email: &str) -> Application {
    e.tick();
    e.store
        .write(|tx| applications::add(tx, &new_app(name, email)))
        .unwrap()
}

fn kind<T: std::fmt::Debug>(r: partnerdesk_core::Result<T>) -> &'static str {
    r.expect_err("expected an error").kind()
}

fn no_problems(e: &Env) {
    assert_eq!(e.invariants(), Vec::<String>::new());
}

fn new_lead(partner: PartnerId, client: &str, email: &str, business: Option<&str>, value: i64) -> NewLead {
    NewLead {
        partner_id: partner,
        client_name: client.into(),
        client_email: email.into(),
        business_name: business.map(str::to_owned),
        estimated_value: value,
        ..Default::default()
    }
}

fn add_lead(e: &Env, l: &NewLead) -> partnerdesk_core::Result<leads::LeadAdded> {
    e.tick();
    e.store.write(|tx| leads::add(tx, l))
}

/// A partner already in `tier` (set by hand).
fn partner_in(e: &Env, name: &str, tier: Tier) -> Partner {
    let p = e.partner(name);
    if tier == Tier::Bronze {
        return p;
    }
    e.tick();
    e.store.write(|tx| partners::set_tier(tx, p.id, tier)).unwrap()
}

fn totals(e: &Env, p: PartnerId) -> (i64, i64) {
    let p = e.get_partner(p);
    (p.total_deals, p.total_earnings)
}

// ---------------------------------------------------------------- applications

#[test]
fn application_add_is_pending_lowercased_and_audited() {
    let e = common::env();
    let mark = e.audit_mark();
    let a = add_app(&e, "Ann Lee", "  Ann.Lee@Example.COM ");
    assert_eq!(a.status, ApplicationStatus::Pending);
    assert_eq!(a.email, "ann.lee@example.com");
    assert_eq!(e.get_application(a.id), a);
    let rows = audited(&e, mark, &[("application", "create")]);
    assert_eq!(rows[0].entity_id, a.id.to_string());
    assert_eq!(rows[0].before, None);
    assert_eq!(after::<Application>(&rows[0]), a);
    no_problems(&e);
}

#[test]
fn application_pending_review_approve_creates_the_partner() {
    let e = common::env();
    let a = add_app(&e, "Bo Chen", "bo@example.com");

    e.tick();
    let mark = e.audit_mark();
    let r = e.store.write(|tx| applications::review(tx, a.id)).unwrap();
    assert_eq!(r.status, ApplicationStatus::UnderReview);
    assert_eq!(r.updated_at, e.now_text());
    let rows = audited(&e, mark, &[("application", "review")]);
    assert_eq!(before::<Application>(&rows[0]), a);
    assert_eq!(after::<Application>(&rows[0]), r);

    e.tick();
    let mark = e.audit_mark();
    let c0 = e.counts();
    let (app, p) = e.store.write(|tx| applications::approve(tx, a.id)).unwrap();
    assert_eq!(app.status, ApplicationStatus::Approved);
    assert_eq!(e.get_application(a.id), app);
    assert_eq!(p.application_id, Some(a.id));
    assert_eq!((p.tier, p.status), (Tier::Bronze, PartnerStatus::Active));
    assert_eq!((p.total_deals, p.total_earnings), (0, 0));
    assert_eq!((p.name.as_str(), p.email.as_str()), ("Bo Chen", "bo@example.com"));
    assert_eq!(p.created_at, e.now_text());
    assert_eq!(e.get_partner(p.id), p);
    assert_eq!(e.counts().partners, c0.partners + 1);
    let rows = audited(&e, mark, &[("application", "approve"), ("partner", "create")]);
    assert_eq!(before::<Application>(&rows[0]), r);
    assert_eq!(after::<Application>(&rows[0]), app);
    assert_eq!(rows[1].entity_id, p.id.to_string());
    assert_eq!(rows[1].before, None);
    assert_eq!(after::<Partner>(&rows[1]), p);
    no_problems(&e);
}

#[test]
fn application_pending_straight_to_approved() {
    let e = common::env();
    let a = add_app(&e, "Cy", "cy@example.com");
    e.tick();
    let mark = e.audit_mark();
    let (app, p) = e.store.write(|tx| applications::approve(tx, a.id)).unwrap();
    assert_eq!(app.status, ApplicationStatus::Approved);
    assert_eq!(p.application_id, Some(a.id));
    let rows = audited(&e, mark, &[("application", "approve"), ("partner", "create")]);
    assert_eq!(before::<Application>(&rows[0]).status, ApplicationStatus::Pending);
    no_problems(&e);
}

#[test]
fn application_rejected_from_pending_and_from_under_review() {
    let e = common::env();
    let a = add_app(&e, "Di", "di@example.com");
    let b = add_app(&e, "Ed", "ed@example.com");
    e.tick();
    e.store.write(|tx| applications::review(tx, b.id)).unwrap();
    for (id, from) in [
        (a.id, ApplicationStatus::Pending),
        (b.id, ApplicationStatus::UnderReview),
    ] {
        e.tick();
        let c0 = e.counts();
        let mark = e.audit_mark();
        let r = e.store.write(|tx| applications::reject(tx, id)).unwrap();
        assert_eq!(r.status, ApplicationStatus::Rejected);
        assert_eq!(e.get_application(id).status, ApplicationStatus::Rejected);
        let rows = audited(&e, mark, &[("application", "reject")]);
        assert_eq!(before::<Application>(&rows[0]).status, from);
        assert_eq!(after::<Application>(&rows[0]), r);
        assert_eq!(e.counts().partners, c0.partners, "a rejection creates no partner");
    }
    no_problems(&e);
}

#[test]
fn application_refused_moves_change_nothing() {
    let e = common::env();
    let approved = add_app(&e, "Fay", "fay@example.com");
    e.tick();
    e.store.write(|tx| applications::approve(tx, approved.id)).unwrap();
    let rejected = add_app(&e, "Gus", "gus@example.com");
    e.tick();
    e.store.write(|tx| applications::reject(tx, rejected.id)).unwrap();
    let reviewing = add_app(&e, "Hal", "hal@example.com");
    e.tick();
    e.store.write(|tx| applications::review(tx, reviewing.id)).unwrap();

    type Act = fn(&partnerdesk_core::store::Tx, ApplicationId) -> partnerdesk_core::Result<Application>;
    let approve: Act = |tx, id| applications::approve(tx, id).map(|(a, _)| a);
    let cases: [(ApplicationId, Act, &str); 7] = [
        (approved.id, approve, "approved -> approved (not an e-mail conflict)"),
        (approved.id, applications::reject, "approved -> rejected"),
        (approved.id, applications::review, "approved -> under_review"),
        (rejected.id, approve, "rejected -> approved"),
        (rejected.id, applications::review, "rejected -> under_review"),
        (rejected.id, applications::reject, "rejected -> rejected"),
        (reviewing.id, applications::review, "under_review -> under_review"),
    ];
    for (id, act, what) in cases {
        let c0 = e.counts();
        let err = e.refused(|tx| act(tx, id));
        assert_eq!(err.kind(), "invalid_transition", "{what}: {err}");
        assert_eq!(e.counts(), c0, "{what}");
    }
    no_problems(&e);
}

#[test]
fn application_email_of_a_partner_is_a_conflict_at_add() {
    let e = common::env();
    let p = e.partner("Ivy Stone");
    let c0 = e.counts();
    let err = e.refused(|tx| applications::add(tx, &new_app("Someone Else", &p.email.to_uppercase())));
    assert_eq!(err.kind(), "conflict", "{err}");
    assert_eq!(e.counts(), c0);
}

#[test]
fn application_email_of_a_partner_is_a_conflict_at_approve() {
    let e = common::env();
    let p = e.partner("Jo Park");
    // An application that slipped in with the same e-mail (e.g. from an old
    // import): written directly, past the check of `add`.
    e.tick();
    let now = e.now_text();
    let app = Application {
        id: ApplicationId::new_at(partnerdesk_core::clock::Clock::now(&e.clock)),
        name: "Jo Again".into(),
        email: p.email.clone(),
        phone: None,
        company: None,
        network_description: None,
        expected_referrals: None,
        experience_level: None,
        status: ApplicationStatus::Pending,
        created_at: now.clone(),
        updated_at: now,
    };
    e.store.write(|tx| repo::applications::insert(tx, &app)).unwrap();
    let c0 = e.counts();
    let err = e.refused(|tx| applications::approve(tx, app.id));
    assert_eq!(err.kind(), "conflict", "{err}");
    assert_eq!(e.counts(), c0);
    assert_eq!(e.get_application(app.id).status, ApplicationStatus::Pending);
    let n: i64 = e
        .store
        .read(|c| {
            Ok(
                c.query_row("SELECT count(*) FROM partners WHERE email = ?1", [&p.email], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(n, 1, "no second partner");
    // Rejecting it is the way out.
    e.tick();
    e.store.write(|tx| applications::reject(tx, app.id)).unwrap();
    no_problems(&e);
}

#[test]
fn application_with_an_open_application_of_the_same_email_is_a_conflict() {
    let e = common::env();
    add_app(&e, "Kim", "kim@example.com");
    let err = e.refused(|tx| applications::add(tx, &new_app("Kim Two", "KIM@example.com")));
    assert_eq!(err.kind(), "conflict");
}

#[test]
fn application_fields_are_validated_by_name() {
    let e = common::env();
    for (input, field) in [
        (new_app("  ", "a@example.com"), "name"),
        (new_app("Al", "not-an-email"), "email"),
        (
            NewApplication {
                phone: Some("call me".into()),
                ..new_app("Al", "a@example.com")
            },
            "phone",
        ),
        (
            NewApplication {
                expected_referrals: Some(-1),
                ..new_app("Al", "a@example.com")
            },
            "expected_referrals",
        ),
    ] {
        let err = e.refused(|tx| applications::add(tx, &input));
        assert_eq!((err.kind(), err.field()), ("validation", Some(field)), "{err}");
    }
}

#[test]
fn approval_leaves_nothing_when_the_partner_insert_fails() {
    let e = common::env();
    let a = add_app(&e, "Lu", "lu@example.com");
    e.store
        .write(|tx| {
            tx.execute_batch(
                "CREATE TRIGGER refuse_partner BEFORE INSERT ON partners BEGIN SELECT RAISE(ABORT, 'disk says no'); END;",
            )?;
            Ok(())
        })
        .unwrap();
    let c0 = e.counts();
    let err = e.refused(|tx| applications::approve(tx, a.id));
    assert_eq!(err.kind(), "storage", "{err}");
    assert_eq!(e.counts(), c0);
    assert_eq!(e.get_application(a.id).status, ApplicationStatus::Pending);
    no_problems(&e);
}

#[test]
fn a_failing_audit_write_undoes_the_change() {
    let e = common::env();
    let a = add_app(&e, "Mo", "mo@example.com");
    e.store
        .write(|tx| {
            tx.execute_batch(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log WHEN NEW.entity = 'partner'
                 BEGIN SELECT RAISE(ABORT, 'audit full'); END;",
            )?;
            Ok(())
        })
        .unwrap();
    let err = e.refused(|tx| applications::approve(tx, a.id));
    assert_eq!(err.kind(), "storage", "{err}");
    assert_eq!(e.get_application(a.id).status, ApplicationStatus::Pending);
}

#[test]
fn approving_an_approved_application_again_is_refused() {
    let e = common::env();
    let a = add_app(&e, "Ned", "ned@example.com");
    e.tick();
    e.store.write(|tx| applications::approve(tx, a.id)).unwrap();
    let c0 = e.counts();
    let err = e.refused(|tx| applications::approve(tx, a.id));
    // Refused either way; core reports the e-mail clash before the state.
    assert!(matches!(err.kind(), "invalid_transition" | "conflict"), "{err}");
    assert_eq!(e.counts(), c0);
}

// ---------------------------------------------------------------- lead pipeline

use LeadStatus::*;

#[test]
fn lead_add_starts_as_prospect_with_history_and_audit() {
    let e = common::env();
    let p = e.partner("Ola");
    e.tick();
    let mark = e.audit_mark();
    let added = e
        .store
        .write(|tx| {
            leads::add(
                tx,
                &new_lead(p.id, "Pia", "Pia@Client.Example", Some("Pia Bakery"), 250_000),
            )
        })
        .unwrap();
    let l = added.lead;
    assert_eq!(added.duplicate_of, None);
    assert_eq!((l.status, l.partner_id, l.estimated_value), (Prospect, p.id, 250_000));
    assert_eq!(l.client_email, "pia@client.example");
    assert_eq!((l.possible_duplicate_of, l.closed_at.as_deref()), (None, None));
    assert_eq!(e.get_lead(l.id), l);
    let h = e.history(l.id);
    assert_eq!(
        h,
        vec![LeadMove {
            lead_id: l.id,
            from_status: None,
            to_status: Prospect,
            at: e.now_text(),
            reopen: false
        }]
    );
    let rows = audited(&e, mark, &[("lead", "create")]);
    assert_eq!(after::<Lead>(&rows[0]), l);
    no_problems(&e);
}

#[test]
fn lead_moves_forward_one_step_at_a_time_each_recorded() {
    let e = common::env();
    let p = e.partner("Quinn");
    let l = e.lead(p.id, "Rae", 100_000);
    let mut from = Prospect;
    for to in [Qualified, ProposalSent, Negotiating, ClosedLost] {
        let mark = e.audit_mark();
        let out = e.move_to(l.id, to, None).unwrap();
        assert_eq!(out.lead.status, to);
        assert!(!out.reopened);
        assert_eq!((out.commission, out.cancelled, out.clawback), (None, None, None));
        let rows = audited(&e, mark, &[("lead", "move")]);
        assert_eq!(before::<Lead>(&rows[0]).status, from);
        assert_eq!(after::<Lead>(&rows[0]), out.lead);
        let last = e.history(l.id).pop().unwrap();
        assert_eq!(
            last,
            LeadMove {
                lead_id: l.id,
                from_status: Some(from),
                to_status: to,
                at: e.now_text(),
                reopen: false
            }
        );
        from = to;
    }
    let l = e.get_lead(l.id);
    assert_eq!(l.closed_at, Some(e.now_text()));
    assert_eq!(e.history(l.id).len(), 5);
    no_problems(&e);
}

#[test]
fn lead_may_skip_forward() {
    let e = common::env();
    let p = e.partner("Sam");
    for (path, name) in [
        (&[Negotiating][..], "a"),
        (&[Qualified, ClosedWon][..], "b"),
        (&[ProposalSent, ClosedLost][..], "c"),
        (&[ClosedWon][..], "d"),
        (&[ClosedLost][..], "e"),
    ] {
        let l = e.lead(p.id, &format!("Skip {name}"), 1_000);
        for &to in path {
            e.move_to(l.id, to, None).unwrap();
        }
        let h: Vec<LeadStatus> = e.history(l.id).iter().map(|m| m.to_status).collect();
        let mut want = vec![Prospect];
        want.extend_from_slice(path);
        assert_eq!(h, want);
    }
    no_problems(&e);
}

#[test]
fn lead_backward_among_open_stages_is_refused() {
    let e = common::env();
    let p = e.partner("Tea");
    let l = e.lead(p.id, "Uma", 10_000);
    e.move_to(l.id, Negotiating, None).unwrap();
    for to in [Prospect, Qualified, ProposalSent, Negotiating] {
        let c0 = e.counts();
        let err = e.refused(|tx| leads::move_to(tx, l.id, to, None));
        assert_eq!(err.kind(), "invalid_transition", "{to}: {err}");
        assert_eq!(e.counts(), c0);
    }
    let q = e.lead(p.id, "Vic", 10_000);
    e.move_to(q.id, Qualified, None).unwrap();
    let err = e.refused(|tx| leads::move_to(tx, q.id, Prospect, None));
    assert_eq!(err.kind(), "invalid_transition");
    let err = e.refused(|tx| leads::move_to(tx, q.id, Qualified, None));
    assert_eq!(err.kind(), "invalid_transition");
    no_problems(&e);
}

#[test]
fn moving_a_missing_lead_is_not_found() {
    let e = common::env();
    let err = e.refused(|tx| leads::move_to(tx, LeadId(uuid::Uuid::now_v7()), Qualified, None));
    assert_eq!(err.kind(), "not_found");
}

#[test]
fn reopen_from_closed_lost_is_recorded_and_clears_closed_at() {
    let e = common::env();
    let p = e.partner("Wes");
    let l = e.lead(p.id, "Xia", 10_000);
    e.move_to(l.id, ClosedLost, None).unwrap();
    assert!(e.get_lead(l.id).closed_at.is_some());
    let mark = e.audit_mark();
    let out = e.move_to(l.id, Qualified, None).unwrap();
    assert!(out.reopened);
    assert_eq!(out.lead.status, Qualified);
    assert_eq!(out.lead.closed_at, None);
    assert_eq!(e.get_lead(l.id).closed_at, None);
    let rows = audited(&e, mark, &[("lead", "reopen")]);
    assert_eq!(before::<Lead>(&rows[0]).status, ClosedLost);
    assert_eq!(after::<Lead>(&rows[0]), out.lead);
    assert_eq!(
        e.history(l.id).pop().unwrap(),
        LeadMove {
            lead_id: l.id,
            from_status: Some(ClosedLost),
            to_status: Qualified,
            at: e.now_text(),
            reopen: true
        }
    );
    // The raw column is 1.
    let raw: i64 = e
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT reopen FROM lead_status_history WHERE lead_id = ?1 ORDER BY id DESC LIMIT 1",
                [l.id],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(raw, 1);
    // From there it moves on as an open lead, and may close again.
    e.move_to(l.id, ClosedLost, None).unwrap();
    assert!(e.get_lead(l.id).closed_at.is_some());
    no_problems(&e);
}

#[test]
fn reopen_from_closed_won_is_recorded_and_clears_closed_at() {
    let e = common::env();
    let p = e.partner("Yan");
    let l = e.lead(p.id, "Zed", 10_000);
    e.win(l.id);
    let out = e.move_to(l.id, Negotiating, None).unwrap();
    assert!(out.reopened);
    assert_eq!(out.lead.closed_at, None);
    let m = e.history(l.id).pop().unwrap();
    assert_eq!(
        (m.from_status, m.to_status, m.reopen),
        (Some(ClosedWon), Negotiating, true)
    );
    // Lost straight from won is also a reopen (out of a closed state).
    let l2 = e.lead(p.id, "Zed Two", 10_000);
    e.win(l2.id);
    let out = e.move_to(l2.id, ClosedLost, None).unwrap();
    assert!(out.reopened);
    assert!(out.cancelled.is_some());
    assert!(e.history(l2.id).pop().unwrap().reopen);
    no_problems(&e);
}

#[test]
fn only_active_partners_take_new_leads() {
    let e = common::env();
    let p = e.partner("Abe");
    e.set_partner_status(p.id, PartnerStatus::Paused).unwrap();
    let c0 = e.counts();
    let err = e.refused(|tx| leads::add(tx, &new_lead(p.id, "Bea", "bea@c.example", None, 0)));
    assert_eq!(err.kind(), "conflict", "{err}");
    e.set_partner_status(p.id, PartnerStatus::Terminated).unwrap();
    let err = e.refused(|tx| leads::add(tx, &new_lead(p.id, "Bea", "bea@c.example", None, 0)));
    assert_eq!(err.kind(), "conflict", "{err}");
    assert_eq!(e.counts().leads, c0.leads);
    // Back to active, it takes leads again.
    e.set_partner_status(p.id, PartnerStatus::Active).unwrap();
    add_lead(&e, &new_lead(p.id, "Bea", "bea@c.example", None, 0)).unwrap();
    // An unknown partner is not found.
    let err = e.refused(|tx| {
        leads::add(
            tx,
            &new_lead(PartnerId(uuid::Uuid::now_v7()), "Bea", "bea@c.example", None, 0),
        )
    });
    assert_eq!(err.kind(), "not_found");
    no_problems(&e);
}

#[test]
fn partner_status_change_is_audited() {
    let e = common::env();
    let p = e.partner("Cal");
    let mark = e.audit_mark();
    let q = e.set_partner_status(p.id, PartnerStatus::Paused).unwrap();
    assert_eq!(q.status, PartnerStatus::Paused);
    let rows = audited(&e, mark, &[("partner", "status")]);
    assert_eq!(before::<Partner>(&rows[0]), p);
    assert_eq!(after::<Partner>(&rows[0]), q);
    let err = e.refused(|tx| partners::set_status(tx, p.id, PartnerStatus::Paused));
    assert_eq!(err.kind(), "invalid_transition");
}

#[test]
fn lead_fields_are_validated_by_name() {
    let e = common::env();
    let p = e.partner("Dee");
    for (l, field) in [
        (new_lead(p.id, " ", "x@c.example", None, 0), "client_name"),
        (new_lead(p.id, "X", "nope", None, 0), "client_email"),
        (new_lead(p.id, "X", "x@c.example", None, -1), "estimated_value"),
        (
            new_lead(
                p.id,
                "X",
                "x@c.example",
                None,
                partnerdesk_core::money::MAX_AMOUNT_CENTS + 1,
            ),
            "estimated_value",
        ),
    ] {
        let err = e.refused(|tx| leads::add(tx, &l));
        assert_eq!((err.kind(), err.field()), ("validation", Some(field)), "{err}");
    }
}

#[test]
fn duplicate_by_client_email_ignores_case_and_points_to_the_oldest() {
    let e = common::env();
    let p = e.partner("Eve");
    let q = e.partner("Flo");
    let first = add_lead(&e, &new_lead(p.id, "Gil", "gil@c.example", Some("Gil Co"), 0))
        .unwrap()
        .lead;
    let second = add_lead(&e, &new_lead(q.id, "Gil B", "GIL@C.Example", Some("Other"), 0)).unwrap();
    assert_eq!(second.lead.possible_duplicate_of, Some(first.id));
    assert_eq!(second.duplicate_of.as_ref().map(|l| l.id), Some(first.id));
    let third = add_lead(&e, &new_lead(p.id, "Gil C", "gil@c.example", None, 0)).unwrap();
    assert_eq!(third.lead.possible_duplicate_of, Some(first.id), "points to the oldest");
    assert_eq!(e.get_lead(third.lead.id).possible_duplicate_of, Some(first.id));
    no_problems(&e);
}

#[test]
fn duplicate_by_business_name_ignores_case() {
    let e = common::env();
    let p = e.partner("Hana");
    let first = add_lead(&e, &new_lead(p.id, "Ian", "ian@c.example", Some("Blue Fern Cafe"), 0))
        .unwrap()
        .lead;
    let dup = add_lead(
        &e,
        &new_lead(p.id, "Jan", "jan@c.example", Some("  BLUE fern CAFE "), 0),
    )
    .unwrap();
    assert_eq!(dup.lead.possible_duplicate_of, Some(first.id));
    let later = add_lead(&e, &new_lead(p.id, "Kai", "kai@c.example", Some("blue fern cafe"), 0)).unwrap();
    assert_eq!(later.lead.possible_duplicate_of, Some(first.id));
    // Different e-mail and business, or no business: no flag.
    let other = add_lead(&e, &new_lead(p.id, "Lia", "lia@c.example", Some("Red Fern Cafe"), 0)).unwrap();
    assert_eq!(other.lead.possible_duplicate_of, None);
    assert_eq!(other.duplicate_of, None);
    let none = add_lead(&e, &new_lead(p.id, "Max", "max@c.example", None, 0)).unwrap();
    assert_eq!(none.lead.possible_duplicate_of, None);
    let blank = add_lead(&e, &new_lead(p.id, "Ned", "ned@c.example", Some("  "), 0)).unwrap();
    assert_eq!(blank.lead.possible_duplicate_of, None);
    assert_eq!(blank.lead.business_name, None);
    no_problems(&e);
}

#[test]
#[ignore = "bug: repo::leads::find_duplicate compares business names with COLLATE NOCASE, which folds ASCII letters only: 'Café Müller' and 'CAFÉ MÜLLER' are not flagged"]
fn duplicate_by_business_name_ignores_case_beyond_ascii() {
    let e = common::env();
    let p = e.partner("Unicode");
    let first = add_lead(&e, &new_lead(p.id, "Ida", "ida@c.example", Some("Café Müller"), 0))
        .unwrap()
        .lead;
    let dup = add_lead(&e, &new_lead(p.id, "Jon", "jon@c.example", Some("CAFÉ MÜLLER"), 0)).unwrap();
    assert_eq!(dup.lead.possible_duplicate_of, Some(first.id));
}

// ---------------------------------------------------------------- closed_won and commissions

#[test]
fn win_defaults_to_the_estimated_value_and_creates_one_pending_commission() {
    let e = common::env();
    let p = e.partner("Opal");
    let l = e.lead(p.id, "Pat", 123_456);
    let mark = e.audit_mark();
    let c0 = e.counts();
    let out = e.move_to(l.id, ClosedWon, None).unwrap();
    let c = out.commission.clone().unwrap();
    assert_eq!(out.lead.status, ClosedWon);
    assert_eq!(out.lead.closed_at, Some(e.now_text()));
    assert_eq!(
        (
            c.kind,
            c.status,
            c.project_value,
            c.commission_rate,
            c.commission_amount
        ),
        (
            CommissionKind::Commission,
            CommissionStatus::Pending,
            123_456,
            1000,
            12_346
        )
    );
    assert_eq!((c.partner_id, c.client_lead_id), (p.id, l.id));
    assert_eq!((c.payout_id, c.paid_at.as_deref()), (None, None));
    assert_eq!(e.get_commission(c.id), c);
    assert_eq!(e.lead_commissions(l.id), vec![c.clone()]);
    assert_eq!(e.counts().commissions, c0.commissions + 1);
    let rows = audited(
        &e,
        mark,
        &[("lead", "move"), ("commission", "create"), ("partner", "totals")],
    );
    assert_eq!(after::<Lead>(&rows[0]), out.lead);
    assert_eq!(after::<Commission>(&rows[1]), c);
    assert_eq!(before::<Partner>(&rows[2]), p);
    let np = e.get_partner(p.id);
    assert_eq!(after::<Partner>(&rows[2]), np);
    assert_eq!((np.total_deals, np.total_earnings), (1, 12_346));
    assert_eq!(out.promoted_to, None);
    no_problems(&e);
}

#[test]
fn win_with_an_explicit_value_overrides_the_estimate() {
    let e = common::env();
    let p = e.partner("Quill");
    let l = e.lead(p.id, "Rex", 500_000);
    e.move_to(l.id, Negotiating, None).unwrap();
    let out = e.move_to(l.id, ClosedWon, Some(750_000)).unwrap();
    let c = out.commission.unwrap();
    assert_eq!((c.project_value, c.commission_amount), (750_000, 75_000));
    assert_eq!(e.get_lead(l.id).estimated_value, 500_000, "the estimate is kept");
    assert_eq!(totals(&e, p.id), (1, 75_000));
    no_problems(&e);
}

#[test]
fn win_needs_a_project_value_above_zero() {
    let e = common::env();
    let p = e.partner("Sol");
    let no_estimate = e.lead(p.id, "Tao", 0);
    let l = e.lead(p.id, "Uli", 10_000);
    for (id, v) in [
        (no_estimate.id, None),
        (no_estimate.id, Some(0)),
        (l.id, Some(0)),
        (l.id, Some(-100)),
        (l.id, Some(partnerdesk_core::money::MAX_AMOUNT_CENTS + 1)),
    ] {
        let err = e.refused(|tx| leads::move_to(tx, id, ClosedWon, v));
        assert_eq!((err.kind(), err.field()), ("validation", Some("value")), "{v:?}: {err}");
    }
    // With a value, the lead without an estimate can be won.
    let c = e
        .move_to(no_estimate.id, ClosedWon, Some(2_000))
        .unwrap()
        .commission
        .unwrap();
    assert_eq!(c.project_value, 2_000);
    no_problems(&e);
}

#[test]
fn value_on_a_move_other_than_won_is_a_validation_error() {
    let e = common::env();
    let p = e.partner("Val");
    let l = e.lead(p.id, "Wu", 10_000);
    for to in [Qualified, Negotiating, ClosedLost] {
        let err = e.refused(|tx| leads::move_to(tx, l.id, to, Some(5_000)));
        assert_eq!((err.kind(), err.field()), ("validation", Some("value")), "{to}: {err}");
    }
    assert_eq!(e.get_lead(l.id).status, Prospect);
    assert_eq!(e.history(l.id).len(), 1);
}

#[test]
fn commission_keeps_the_rate_of_the_moment_it_was_won() {
    let e = common::env();
    let p = e.partner("Xan");
    let a = e.lead(p.id, "A Co", 100_000);
    let b = e.lead(p.id, "B Co", 100_000);
    let ca = e.win(a.id);
    assert_eq!((ca.commission_rate, ca.commission_amount), (1000, 10_000));
    e.set_setting("tier.bronze.rate", "11").unwrap();
    let cb = e.win(b.id);
    assert_eq!((cb.commission_rate, cb.commission_amount), (1100, 11_000));
    let ca_now = e.get_commission(ca.id);
    assert_eq!(
        (ca_now.commission_rate, ca_now.commission_amount),
        (1000, 10_000),
        "the older commission keeps its rate"
    );
    assert_eq!(totals(&e, p.id), (2, 21_000));
    no_problems(&e);
}

#[test]
fn commission_amount_rounds_half_up_on_cents() {
    let e = common::env();
    // (rate setting, project value in cents, expected commission in cents)
    let cases: &[(&str, i64, i64)] = &[
        ("10", 1, 0),          // 0.1
        ("10", 4, 0),          // 0.4
        ("10", 5, 1),          // 0.5 -> up
        ("10", 14, 1),         // 1.4
        ("10", 15, 2),         // 1.5 -> up
        ("10", 25, 3),         // 2.5 -> up (not to even)
        ("12.5", 4, 1),        // 0.5 -> up
        ("12.5", 11, 1),       // 1.375
        ("12.5", 12, 2),       // 1.5 -> up
        ("12.5", 13, 2),       // 1.625
        ("12.34", 50, 6),      // 6.17
        ("12.34", 4_052, 500), // 500.0168
        ("0.01", 5_000, 1),    // 0.5 -> up
        ("0.01", 4_999, 0),    // 0.4999
        ("100", 123, 123),
    ];
    for (i, &(rate, value, want)) in cases.iter().enumerate() {
        e.set_setting("tier.bronze.rate", rate).unwrap();
        let p = e.partner(&format!("Round {i}"));
        let l = e.lead(p.id, &format!("Client {i}"), value);
        let c = e.win(l.id);
        assert_eq!(c.commission_amount, want, "{rate}% of {value} cents");
        assert_eq!(c.project_value, value);
    }
    no_problems(&e);
}

#[test]
fn reopening_a_won_lead_cancels_a_pending_commission() {
    let e = common::env();
    let p = e.partner("Yul");
    let l = e.lead(p.id, "Zia", 200_000);
    let c = e.win(l.id);
    assert_eq!(totals(&e, p.id), (1, 20_000));
    let mark = e.audit_mark();
    let out = e.move_to(l.id, Negotiating, None).unwrap();
    let cancelled = out.cancelled.clone().unwrap();
    assert_eq!(cancelled.id, c.id);
    assert_eq!(cancelled.status, CommissionStatus::Cancelled);
    assert_eq!(e.get_commission(c.id), cancelled);
    assert_eq!((out.commission, out.clawback), (None, None));
    let rows = audited(
        &e,
        mark,
        &[("commission", "cancel"), ("lead", "reopen"), ("partner", "totals")],
    );
    assert_eq!(before::<Commission>(&rows[0]), c);
    assert_eq!(after::<Commission>(&rows[0]), cancelled);
    assert_eq!(totals(&e, p.id), (0, 0));
    assert_eq!(after::<Partner>(&rows[2]), e.get_partner(p.id));
    no_problems(&e);
}

#[test]
fn reopening_a_won_lead_cancels_an_approved_commission() {
    let e = common::env();
    let p = e.partner("Ada");
    let l = e.lead(p.id, "Ben", 200_000);
    let c = e.win(l.id);
    e.approve(&[c.id]).unwrap();
    let out = e.move_to(l.id, ClosedLost, None).unwrap();
    assert_eq!(
        out.cancelled.as_ref().map(|c| c.status),
        Some(CommissionStatus::Cancelled)
    );
    assert_eq!(e.get_commission(c.id).status, CommissionStatus::Cancelled);
    assert_eq!(totals(&e, p.id), (0, 0));
    // Nothing left to pay.
    assert_eq!(kind(e.payout(&[p.id])), "conflict");
    no_problems(&e);
}

#[test]
fn reopening_a_paid_deal_claws_it_back_and_winning_again_earns_anew() {
    let e = common::env();
    let p = e.partner("Cid");
    let l = e.lead(p.id, "Dot", 300_000);
    let c = e.win(l.id);
    e.pay(&c);
    assert_eq!(totals(&e, p.id), (1, 30_000));

    let mark = e.audit_mark();
    let out = e.move_to(l.id, Qualified, None).unwrap();
    let claw = out.clawback.clone().unwrap();
    assert_eq!(out.cancelled, None);
    assert_eq!(
        (
            claw.kind,
            claw.status,
            claw.commission_amount,
            claw.commission_rate,
            claw.project_value
        ),
        (
            CommissionKind::Clawback,
            CommissionStatus::Pending,
            -30_000,
            1000,
            300_000
        )
    );
    assert_eq!((claw.partner_id, claw.client_lead_id), (p.id, l.id));
    assert_eq!(
        e.get_commission(c.id).status,
        CommissionStatus::Paid,
        "the paid one stays paid"
    );
    let rows = audited(
        &e,
        mark,
        &[("commission", "clawback"), ("lead", "reopen"), ("partner", "totals")],
    );
    assert_eq!(rows[0].before, None);
    assert_eq!(after::<Commission>(&rows[0]), claw);
    assert_eq!(totals(&e, p.id), (0, 0));
    no_problems(&e);

    // Win again: a new commission at the value given now.
    e.move_to(l.id, ClosedWon, Some(400_000)).unwrap();
    let all = e.lead_commissions(l.id);
    assert_eq!(all.len(), 3);
    let newest = all.last().unwrap();
    assert_eq!(
        (newest.kind, newest.status, newest.commission_amount),
        (CommissionKind::Commission, CommissionStatus::Pending, 40_000)
    );
    assert_eq!(totals(&e, p.id), (1, 40_000));
    no_problems(&e);

    // And reopening again cancels only the new, unpaid one.
    let out = e.move_to(l.id, ClosedLost, None).unwrap();
    assert_eq!(out.cancelled.map(|c| c.id), Some(newest.id));
    assert_eq!(out.clawback, None);
    assert_eq!(totals(&e, p.id), (0, 0));
    no_problems(&e);
}

#[test]
fn reopening_a_lost_lead_touches_no_commission() {
    let e = common::env();
    let p = e.partner("Eli");
    let l = e.lead(p.id, "Fin", 300_000);
    e.move_to(l.id, ClosedLost, None).unwrap();
    let mark = e.audit_mark();
    let out = e.move_to(l.id, Prospect, None).unwrap();
    assert!(out.reopened);
    audited(&e, mark, &[("lead", "reopen")]);
    // Lost -> won directly is a reopen that wins.
    e.move_to(l.id, ClosedLost, None).unwrap();
    let out = e.move_to(l.id, ClosedWon, None).unwrap();
    assert!(out.reopened && out.commission.is_some());
    assert_eq!(totals(&e, p.id), (1, 30_000));
    no_problems(&e);
}

#[test]
fn cancelling_a_clawback_never_leaves_a_reopened_deal_standing() {
    let e = common::env();
    let p = e.partner("Claw Cancel");
    let l = e.lead(p.id, "Reopened", 100_000);
    let c = e.win(l.id);
    e.pay(&c);
    let claw = e.move_to(l.id, ClosedLost, None).unwrap().clawback.unwrap();
    assert_eq!(totals(&e, p.id), (0, 0));
    no_problems(&e);
    // A clawback is refused cancellation (it is settled by the next payout),
    // so a lead that is not won never counts as a won deal.
    let err = e.cancel(claw.id).unwrap_err();
    assert_eq!(err.kind(), "invalid_transition", "{err}");
    assert_eq!(e.get_partner(p.id).total_deals, 0, "a lost lead counts as a deal");
    no_problems(&e);
    // Winning and reopening again must not leave a deal standing either.
    e.move_to(l.id, ClosedWon, None).unwrap();
    e.move_to(l.id, ClosedLost, None).unwrap();
    assert_eq!(e.get_partner(p.id).total_deals, 0);
    no_problems(&e);
}

#[test]
fn commission_pending_approved_paid_through_a_payout() {
    let e = common::env();
    let p = e.partner("Gia");
    let l = e.lead(p.id, "Hub", 100_000);
    let c = e.win(l.id);

    let mark = e.audit_mark();
    let approved = e.approve(&[c.id]).unwrap();
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].status, CommissionStatus::Approved);
    assert_eq!(approved[0].updated_at, e.now_text());
    let rows = audited(&e, mark, &[("commission", "approve")]);
    assert_eq!(before::<Commission>(&rows[0]), c);
    assert_eq!(after::<Commission>(&rows[0]), approved[0]);

    let mark = e.audit_mark();
    let payout = e.payout(&[p.id]).unwrap();
    let paid = e.get_commission(c.id);
    assert_eq!(paid.status, CommissionStatus::Paid);
    assert_eq!(paid.paid_at, Some(e.now_text()));
    assert_eq!(paid.payout_id, Some(payout.id));
    assert_eq!((payout.total_amount, payout.commission_count), (10_000, 1));
    assert_eq!(payout.currency, "USD");
    assert_eq!(payout.lines.len(), 1);
    assert_eq!(
        (
            payout.lines[0].partner_id,
            payout.lines[0].amount,
            payout.lines[0].commission_count
        ),
        (p.id, 10_000, 1)
    );
    let rows = audited(&e, mark, &[("commission", "pay"), ("payout", "create")]);
    assert_eq!(before::<Commission>(&rows[0]), approved[0]);
    assert_eq!(after::<Commission>(&rows[0]), paid);
    assert_eq!(after::<Payout>(&rows[1]), payout);
    let stored: (i64, i64, String) = e
        .store
        .read(|conn| {
            Ok(conn.query_row(
                "SELECT total_amount, commission_count, currency FROM payouts WHERE id = ?1",
                [payout.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .unwrap();
    assert_eq!(stored, (10_000, 1, "USD".to_owned()));
    // Earnings count paid commissions too.
    assert_eq!(totals(&e, p.id), (1, 10_000));
    no_problems(&e);
}

#[test]
fn commission_cancel_from_pending_and_from_approved() {
    let e = common::env();
    let p = e.partner("Ike");
    let a = e.win(e.lead(p.id, "Jay", 100_000).id);
    let b = e.win(e.lead(p.id, "Kit", 200_000).id);
    e.approve(&[b.id]).unwrap();
    assert_eq!(totals(&e, p.id), (2, 30_000));
    for (c, left) in [(a.clone(), (1, 20_000)), (b, (0, 0))] {
        let mark = e.audit_mark();
        let before_c = e.get_commission(c.id);
        let out = e.cancel(c.id).unwrap();
        assert_eq!(out.status, CommissionStatus::Cancelled);
        assert_eq!(e.get_commission(c.id), out);
        let rows = audited(&e, mark, &[("commission", "cancel"), ("partner", "totals")]);
        assert_eq!(before::<Commission>(&rows[0]), before_c);
        assert_eq!(after::<Commission>(&rows[0]), out);
        assert_eq!(totals(&e, p.id), left);
        no_problems(&e);
    }
    // A cancelled commission stays cancelled.
    let err = e.refused(|tx| commissions::cancel(tx, a.id));
    assert_eq!(err.kind(), "invalid_transition");
    let err = e.refused(|tx| commissions::approve(tx, &[a.id]));
    assert_eq!(err.kind(), "invalid_transition");
}

#[test]
fn cancelling_a_paid_commission_is_refused() {
    let e = common::env();
    let p = e.partner("Lee");
    let c = e.win(e.lead(p.id, "Mia", 100_000).id);
    e.pay(&c);
    let err = e.refused(|tx| commissions::cancel(tx, c.id));
    assert_eq!(err.kind(), "invalid_transition", "{err}");
    assert_eq!(e.get_commission(c.id).status, CommissionStatus::Paid);
}

#[test]
fn approving_a_commission_that_is_not_pending_is_refused() {
    let e = common::env();
    let p = e.partner("Nia");
    let approved = e.win(e.lead(p.id, "Oz", 100_000).id);
    e.approve(&[approved.id]).unwrap();
    let paid = e.win(e.lead(p.id, "Ox", 100_000).id);
    e.pay(&paid);
    let cancelled = e.win(e.lead(p.id, "Oy", 100_000).id);
    e.cancel(cancelled.id).unwrap();
    for id in [approved.id, paid.id, cancelled.id] {
        let err = e.refused(|tx| commissions::approve(tx, &[id]));
        assert_eq!(err.kind(), "invalid_transition", "{err}");
    }
    let err = e.refused(|tx| commissions::approve(tx, &[]));
    assert_eq!(err.kind(), "validation");
    let err = e.refused(|tx| commissions::approve(tx, &[CommissionId(uuid::Uuid::now_v7())]));
    assert_eq!(err.kind(), "not_found");
}

#[test]
fn approving_several_commissions_is_all_or_nothing() {
    let e = common::env();
    let p = e.partner("Pam");
    let a = e.win(e.lead(p.id, "Qi", 100_000).id);
    let b = e.win(e.lead(p.id, "Ro", 100_000).id);
    let done = e.win(e.lead(p.id, "Su", 100_000).id);
    e.approve(&[done.id]).unwrap();
    for bad in [
        vec![a.id, b.id, done.id],
        vec![done.id, a.id],
        vec![a.id, CommissionId(uuid::Uuid::now_v7()), b.id],
        vec![a.id, a.id],
    ] {
        e.refused(|tx| commissions::approve(tx, &bad));
        assert_eq!(e.get_commission(a.id).status, CommissionStatus::Pending);
        assert_eq!(e.get_commission(b.id).status, CommissionStatus::Pending);
    }
    let mark = e.audit_mark();
    let out = e.approve(&[a.id, b.id]).unwrap();
    assert_eq!(out.len(), 2);
    audited(&e, mark, &[("commission", "approve"), ("commission", "approve")]);
    no_problems(&e);
}

#[test]
fn payout_pays_every_approved_commission_of_the_chosen_partners_only() {
    let e = common::env();
    let p1 = e.partner("Pay One");
    let p2 = e.partner("Pay Two");
    let p3 = e.partner("Not Chosen");
    let pending_only = e.partner("Only Pending");
    let mut approved = Vec::new();
    for (p, values) in [
        (&p1, [100_000, 250_000]),
        (&p2, [70_000, 35_000]),
        (&p3, [90_000, 10_000]),
    ] {
        for (i, v) in values.into_iter().enumerate() {
            let c = e.win(e.lead(p.id, &format!("{} client {i}", p.name), v).id);
            e.approve(&[c.id]).unwrap();
            approved.push(c);
        }
    }
    let p1_pending = e.win(e.lead(p1.id, "P1 pending", 50_000).id);
    let only = e.win(e.lead(pending_only.id, "OP client", 80_000).id);

    let mark = e.audit_mark();
    let payout = e.payout(&[p1.id, p2.id, pending_only.id, p1.id]).unwrap();
    assert_eq!(payout.commission_count, 4);
    assert_eq!(payout.total_amount, 10_000 + 25_000 + 7_000 + 3_500);
    assert_eq!(payout.total_amount, payout.lines.iter().map(|l| l.amount).sum::<i64>());
    let lines: Vec<(PartnerId, i64, i64)> = payout
        .lines
        .iter()
        .map(|l| (l.partner_id, l.amount, l.commission_count))
        .collect();
    assert_eq!(
        lines,
        vec![(p1.id, 35_000, 2), (p2.id, 10_500, 2)],
        "no line for a partner with nothing approved"
    );
    let rows = e.audit_since(mark);
    assert_eq!(rows.iter().filter(|r| r.action == "pay").count(), 4);
    assert_eq!(actions(&rows).last(), Some(&("payout", "create")));
    for c in &approved {
        let now = e.get_commission(c.id);
        if c.partner_id == p3.id {
            assert_eq!((now.status, now.payout_id), (CommissionStatus::Approved, None));
        } else {
            assert_eq!((now.status, now.payout_id), (CommissionStatus::Paid, Some(payout.id)));
        }
    }
    assert_eq!(e.get_commission(p1_pending.id).status, CommissionStatus::Pending);
    assert_eq!(e.get_commission(only.id).status, CommissionStatus::Pending);
    let batch_sum: i64 = e
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT SUM(commission_amount) FROM commissions WHERE payout_id = ?1",
                [payout.id],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(batch_sum, payout.total_amount);
    no_problems(&e);

    // Paid ones are not paid twice.
    assert_eq!(kind(e.payout(&[p1.id, p2.id])), "conflict");
}

#[test]
fn payout_with_nothing_approved_is_a_conflict() {
    let e = common::env();
    let p = e.partner("Nobody Approved");
    let err = e.refused(|tx| commissions::payout(tx, &[p.id]));
    assert_eq!(err.kind(), "conflict");
    e.win(e.lead(p.id, "Pending Only", 10_000).id);
    let err = e.refused(|tx| commissions::payout(tx, &[p.id]));
    assert_eq!(err.kind(), "conflict");
    let err = e.refused(|tx| commissions::payout(tx, &[]));
    assert_eq!(err.kind(), "validation");
    let err = e.refused(|tx| commissions::payout(tx, &[PartnerId(uuid::Uuid::now_v7())]));
    assert_eq!(err.kind(), "not_found");
}

#[test]
fn payout_nets_clawbacks_and_refuses_a_negative_net() {
    let e = common::env();
    let p = e.partner("Net Partner");
    let other = e.partner("Other Partner");
    let big = e.lead(p.id, "Big", 500_000);
    let c = e.win(big.id);
    e.pay(&c);
    let claw = e.move_to(big.id, Negotiating, None).unwrap().clawback.unwrap();
    e.approve(&[claw.id]).unwrap();
    let small = e.win(e.lead(p.id, "Small", 100_000).id);
    e.approve(&[small.id]).unwrap();
    let oc = e.win(e.lead(other.id, "Other client", 100_000).id);
    e.approve(&[oc.id]).unwrap();
    // Approved: -50,000 + 10,000 < 0: refused, for the batch as a whole.
    let err = e.refused(|tx| commissions::payout(tx, &[other.id, p.id]));
    assert_eq!(err.kind(), "conflict", "{err}");
    assert_eq!(e.get_commission(oc.id).status, CommissionStatus::Approved);
    no_problems(&e);

    // Enough new earnings: the clawback is netted in the batch.
    let more = e.win(e.lead(p.id, "More", 600_000).id);
    e.approve(&[more.id]).unwrap();
    let payout = e.payout(&[p.id]).unwrap();
    assert_eq!(payout.total_amount, -50_000 + 10_000 + 60_000);
    assert_eq!(payout.commission_count, 3);
    assert_eq!(e.get_commission(claw.id).status, CommissionStatus::Paid);
    // Paid 50,000, paid clawback -50,000, paid 10,000 and 60,000.
    assert_eq!(totals(&e, p.id), (2, 70_000));
    no_problems(&e);
}

#[test]
fn partner_totals_follow_the_commissions_after_every_step() {
    let e = common::env();
    let p = e.partner("Story");
    let other = e.partner("Bystander");
    let step = |what: &str, want: (i64, i64)| {
        assert_eq!(totals(&e, p.id), want, "after {what}");
        assert_eq!(
            totals(&e, other.id),
            (0, 0),
            "after {what}: another partner's totals moved"
        );
        assert_eq!(e.invariants(), Vec::<String>::new(), "after {what}");
    };
    step("start", (0, 0));
    let a = e.lead(p.id, "A", 100_000);
    let b = e.lead(p.id, "B", 200_000);
    let c = e.lead(p.id, "C", 50_005);
    step("adding leads", (0, 0));
    e.move_to(a.id, Qualified, None).unwrap();
    step("a move", (0, 0));
    let ca = e.win(a.id);
    step("win a", (1, 10_000));
    let cb = e.win(b.id);
    step("win b", (2, 30_000));
    e.approve(&[ca.id, cb.id]).unwrap();
    step("approve a and b", (2, 30_000));
    e.payout(&[p.id]).unwrap();
    step("pay a and b", (2, 30_000));
    let cc = e.win(c.id); // third deal: promoted to silver after, paid at bronze
    assert_eq!(cc.commission_amount, 5_001);
    step("win c", (3, 35_001));
    e.cancel(cc.id).unwrap();
    step("cancel c", (2, 30_000));
    e.move_to(c.id, Negotiating, None).unwrap();
    step("reopen c (commission already cancelled)", (2, 30_000));
    let cc2 = e.move_to(c.id, ClosedWon, Some(80_000)).unwrap().commission.unwrap();
    assert_eq!(cc2.commission_rate, 1250, "silver since the third win");
    step("win c again", (3, 40_000));
    let claw = e.move_to(a.id, ClosedLost, None).unwrap().clawback.unwrap();
    step("reopen paid a", (2, 30_000));
    e.approve(&[claw.id, cc2.id]).unwrap();
    step("approve the clawback and c", (2, 30_000));
    let payout = e.payout(&[p.id, other.id]).unwrap();
    assert_eq!(payout.total_amount, 10_000 - 10_000);
    step("pay the clawback against c", (2, 30_000));
    e.move_to(b.id, Prospect, None).unwrap();
    step("reopen paid b", (1, 10_000));
    assert_eq!(e.get_partner(p.id).tier, Tier::Silver, "no demotion");
}

// ---------------------------------------------------------------- tiers and settings

#[test]
fn default_tier_table() {
    let e = common::env();
    let s = e.store.read(settings::load).unwrap();
    assert_eq!(s.currency, "USD");
    let table: Vec<(Tier, i64, i64, i64)> = s
        .tiers
        .iter()
        .map(|r| (r.tier, r.rate_bp, r.min_deals, r.min_revenue))
        .collect();
    assert_eq!(
        table,
        vec![
            (Tier::Bronze, 1000, 0, 0),
            (Tier::Silver, 1250, 3, 1_000_000),
            (Tier::Gold, 1500, 10, 5_000_000),
            (Tier::Platinum, 2000, 25, 15_000_000),
        ]
    );
}

#[test]
fn third_deal_promotes_to_silver_automatically_and_is_audited() {
    let e = common::env();
    let p = e.partner("Promo");
    let l1 = e.lead(p.id, "One", 10_000);
    let l2 = e.lead(p.id, "Two", 10_000);
    let l3 = e.lead(p.id, "Three", 10_000);
    let l4 = e.lead(p.id, "Four", 10_000);
    assert_eq!(e.move_to(l1.id, ClosedWon, None).unwrap().promoted_to, None);
    assert_eq!(e.move_to(l2.id, ClosedWon, None).unwrap().promoted_to, None);
    assert_eq!(e.get_partner(p.id).tier, Tier::Bronze);
    let mark = e.audit_mark();
    let out = e.move_to(l3.id, ClosedWon, None).unwrap();
    assert_eq!(out.promoted_to, Some(Tier::Silver));
    // The deal that promotes is paid at the rate before the promotion.
    assert_eq!(out.commission.as_ref().unwrap().commission_rate, 1000);
    let rows = audited(
        &e,
        mark,
        &[("lead", "move"), ("commission", "create"), ("partner", "promote")],
    );
    let b: Partner = before(&rows[2]);
    let a: Partner = after(&rows[2]);
    assert_eq!((b.tier, b.total_deals), (Tier::Bronze, 2));
    assert_eq!((a.tier, a.total_deals), (Tier::Silver, 3));
    assert_eq!(a, e.get_partner(p.id));
    // The next deal earns the silver rate.
    let c4 = e.win(l4.id);
    assert_eq!((c4.commission_rate, c4.commission_amount), (1250, 1_250));
    no_problems(&e);
}

#[test]
fn one_sixty_thousand_dollar_deal_promotes_to_gold() {
    let e = common::env();
    let p = e.partner("Big Deal");
    let l = e.lead(p.id, "Whale", 6_000_000);
    let out = e.move_to(l.id, ClosedWon, None).unwrap();
    assert_eq!(out.promoted_to, Some(Tier::Gold));
    assert_eq!(out.commission.unwrap().commission_amount, 600_000);
    assert_eq!(e.get_partner(p.id).tier, Tier::Gold);
    // Revenue exactly at a threshold reaches it.
    let q = e.partner("Exactly Ten K");
    let l = e.lead(q.id, "Ten", 1_000_000);
    assert_eq!(
        e.move_to(l.id, ClosedWon, None).unwrap().promoted_to,
        Some(Tier::Silver)
    );
    let r = e.partner("Just Under");
    let l = e.lead(r.id, "Nine", 999_999);
    assert_eq!(e.move_to(l.id, ClosedWon, None).unwrap().promoted_to, None);
    let s = e.partner("Platinum Whale");
    let l = e.lead(s.id, "Huge", 15_000_000);
    assert_eq!(
        e.move_to(l.id, ClosedWon, None).unwrap().promoted_to,
        Some(Tier::Platinum)
    );
    no_problems(&e);
}

#[test]
fn deal_counts_reach_gold_and_platinum() {
    let e = common::env();
    let p = e.partner("Many Deals");
    let mut promotions = Vec::new();
    for i in 1..=25 {
        let l = e.lead(p.id, &format!("Client {i}"), 100);
        if let Some(t) = e.move_to(l.id, ClosedWon, None).unwrap().promoted_to {
            promotions.push((i, t));
        }
    }
    assert_eq!(
        promotions,
        vec![(3, Tier::Silver), (10, Tier::Gold), (25, Tier::Platinum)]
    );
    let promote_rows: i64 = e
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM audit_log WHERE entity = 'partner' AND entity_id = ?1 AND action = 'promote'",
                [p.id],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(promote_rows, 3);
    no_problems(&e);
}

#[test]
fn no_automatic_demotion() {
    let e = common::env();
    let p = e.partner("Keeps Gold");
    let l = e.lead(p.id, "Whale", 6_000_000);
    e.win(l.id);
    assert_eq!(e.get_partner(p.id).tier, Tier::Gold);
    let mark = e.audit_mark();
    let out = e.move_to(l.id, Negotiating, None).unwrap();
    assert_eq!(out.promoted_to, None);
    audited(
        &e,
        mark,
        &[("commission", "cancel"), ("lead", "reopen"), ("partner", "totals")],
    );
    let now = e.get_partner(p.id);
    assert_eq!((now.tier, now.total_deals, now.total_earnings), (Tier::Gold, 0, 0));
    // A small win later does not demote either, and earns the gold rate.
    let c = e.win(e.lead(p.id, "Small", 10_000).id);
    assert_eq!(c.commission_rate, 1500);
    assert_eq!(e.get_partner(p.id).tier, Tier::Gold);
    // Nor does a partner set to platinum by hand lose it on a small deal.
    let q = partner_in(&e, "Hand Platinum", Tier::Platinum);
    let c = e.win(e.lead(q.id, "Tiny", 100).id);
    assert_eq!(c.commission_rate, 2000);
    assert_eq!(e.get_partner(q.id).tier, Tier::Platinum);
    no_problems(&e);
}

#[test]
fn manual_tier_change_can_demote_and_is_audited() {
    let e = common::env();
    let p = e.partner("Demoted");
    e.win(e.lead(p.id, "Whale", 6_000_000).id);
    let gold = e.get_partner(p.id);
    assert_eq!(gold.tier, Tier::Gold);
    e.tick();
    let mark = e.audit_mark();
    let q = e.store.write(|tx| partners::set_tier(tx, p.id, Tier::Bronze)).unwrap();
    assert_eq!(q.tier, Tier::Bronze);
    assert_eq!(e.get_partner(p.id), q);
    let rows = audited(&e, mark, &[("partner", "tier")]);
    assert_eq!(before::<Partner>(&rows[0]), gold);
    assert_eq!(after::<Partner>(&rows[0]), q);
    let err = e.refused(|tx| partners::set_tier(tx, p.id, Tier::Bronze));
    assert_eq!(err.kind(), "invalid_transition");
    // The next win promotes again from what the commissions say.
    let out = e.move_to(e.lead(p.id, "Again", 100).id, ClosedWon, None).unwrap();
    assert_eq!(out.commission.unwrap().commission_rate, 1000);
    assert_eq!(out.promoted_to, Some(Tier::Gold));
    no_problems(&e);
}

#[test]
fn settings_set_is_stored_and_audited() {
    let e = common::env();
    let before_s = e.store.read(settings::load).unwrap();
    let mark = e.audit_mark();
    let s = e.set_setting("tier.silver.rate", "13.75%").unwrap();
    assert_eq!(s.rate(Tier::Silver), 1375);
    assert_eq!(e.store.read(settings::load).unwrap(), s);
    let rows = audited(&e, mark, &[("setting", "set")]);
    assert_eq!(rows[0].entity_id, "tier.silver.rate");
    assert_eq!(before::<settings::Settings>(&rows[0]), before_s);
    assert_eq!(after::<settings::Settings>(&rows[0]), s);
    let s = e.set_setting("tier.gold.min_revenue", "60,000.00").unwrap();
    assert_eq!(s.rule(Tier::Gold).min_revenue, 6_000_000);
    let s = e.set_setting("tier.gold.min_deals", "12").unwrap();
    assert_eq!(s.rule(Tier::Gold).min_deals, 12);
    let s = e.set_setting("currency", "eur").unwrap();
    assert_eq!(s.currency, "EUR");
    // Just under the new gold threshold: silver only.
    let p = e.partner("Sixty");
    let out = e
        .move_to(e.lead(p.id, "Sixty K", 5_999_999).id, ClosedWon, None)
        .unwrap();
    assert_eq!(out.promoted_to, Some(Tier::Silver));
    // The payout is in the currency of the moment.
    e.approve(&[out.commission.unwrap().id]).unwrap();
    assert_eq!(e.payout(&[p.id]).unwrap().currency, "EUR");
    no_problems(&e);
}

#[test]
fn settings_thresholds_must_rise_with_the_tier() {
    let e = common::env();
    for (key, value) in [
        ("tier.silver.min_deals", "11"),
        ("tier.gold.min_deals", "2"),
        ("tier.gold.min_deals", "26"),
        ("tier.platinum.min_deals", "9"),
        ("tier.silver.min_revenue", "50000.01"),
        ("tier.gold.min_revenue", "9999.99"),
        ("tier.platinum.min_revenue", "49999"),
    ] {
        let err = e.refused(|tx| settings::set(tx, key, value));
        assert_eq!(err.kind(), "validation", "{key}={value}: {err}");
        // The message is about the key being set, whichever neighbour it passes.
        assert_eq!(err.field(), Some(key), "{key}={value}: {err}");
    }
    // Raising the whole ladder in order works.
    e.set_setting("tier.platinum.min_deals", "40").unwrap();
    e.set_setting("tier.gold.min_deals", "20").unwrap();
    e.set_setting("tier.silver.min_deals", "5").unwrap();
    let s = e.store.read(settings::load).unwrap();
    assert_eq!(
        s.tiers.iter().map(|r| r.min_deals).collect::<Vec<_>>(),
        vec![0, 5, 20, 40]
    );
}

#[test]
fn settings_of_the_wrong_type_are_refused_naming_the_key() {
    let e = common::env();
    for (key, value) in [
        ("tier.bronze.rate", "abc"),
        ("tier.bronze.rate", "-5"),
        ("tier.bronze.rate", "100.01"),
        ("tier.bronze.rate", "12.345"),
        ("tier.silver.rate", ""),
        ("tier.silver.min_deals", "2.5"),
        ("tier.silver.min_deals", "-1"),
        ("tier.silver.min_deals", "three"),
        ("tier.gold.min_revenue", "lots"),
        ("tier.gold.min_revenue", "-10"),
        ("tier.gold.min_revenue", "1.234"),
        ("currency", "US"),
        ("currency", "U$D"),
        ("currency", "EURO"),
    ] {
        let err = e.refused(|tx| settings::set(tx, key, value));
        assert_eq!(
            (err.kind(), err.field()),
            ("validation", Some(key)),
            "{key}={value:?}: {err}"
        );
    }
}

#[test]
fn unknown_settings_are_refused() {
    let e = common::env();
    for key in [
        "colour",
        "tier.diamond.rate",
        "tier.bronze.min_deals",
        "tier.bronze.min_revenue",
        "tier.silver.bonus",
        "tier.silver",
        "tier.silver.rate.extra",
        "",
    ] {
        let err = e.refused(|tx| settings::set(tx, key, "1"));
        assert_eq!((err.kind(), err.field()), ("validation", Some("key")), "{key:?}: {err}");
    }
}

// ---------------------------------------------------------------- app plans

fn new_plan(lead: LeadId, features: &[&str]) -> NewPlan {
    NewPlan {
        client_lead_id: lead,
        business_name: None,
        industry: "Hospitality".into(),
        features: features.iter().map(|f| f.to_string()).collect(),
        timeline_estimate: "12 weeks".into(),
        investment_range: "$40,000 - $60,000".into(),
    }
}

fn add_plan(e: &Env, p: &NewPlan) -> partnerdesk_core::Result<AppPlan> {
    e.tick();
    e.store.write(|tx| plans::add(tx, p))
}

fn plan_status(e: &Env, id: PlanId, to: PlanStatus) -> partnerdesk_core::Result<AppPlan> {
    e.tick();
    e.store.write(|tx| plans::set_status(tx, id, to))
}

fn generate(e: &Env, id: PlanId) -> AppPlan {
    e.tick();
    e.store.write(|tx| plans::generate(tx, id)).unwrap()
}

#[test]
fn plan_add_defaults_the_business_to_the_lead_and_is_audited() {
    let e = common::env();
    let p = e.partner("Planner");
    let l = e.lead(p.id, "Nora", 100_000); // business "Nora Ltd"
    let mark = e.audit_mark();
    let plan = add_plan(&e, &new_plan(l.id, &["Online booking", "Loyalty card"])).unwrap();
    assert_eq!(plan.business_name, "Nora Ltd");
    assert_eq!((plan.partner_id, plan.client_lead_id), (p.id, l.id));
    assert_eq!(plan.status, PlanStatus::Draft);
    assert_eq!(plan.generated_content, None);
    assert_eq!(plan.features, vec!["Online booking", "Loyalty card"]);
    assert_eq!(e.store.read(|c| repo::plans::get(c, plan.id)).unwrap(), plan);
    let rows = audited(&e, mark, &[("plan", "create")]);
    assert_eq!(after::<AppPlan>(&rows[0]), plan);

    // An explicit business wins; a lead without business falls back to the client.
    let named = add_plan(
        &e,
        &NewPlan {
            business_name: Some("Nora's Second Shop".into()),
            ..new_plan(l.id, &["Chat"])
        },
    )
    .unwrap();
    assert_eq!(named.business_name, "Nora's Second Shop");
    let bare = add_lead(&e, &new_lead(p.id, "Otto", "otto@c.example", None, 0))
        .unwrap()
        .lead;
    let fallback = add_plan(&e, &new_plan(bare.id, &["Chat"])).unwrap();
    assert_eq!(fallback.business_name, "Otto");
    no_problems(&e);
}

#[test]
fn plan_features_and_fields_are_validated() {
    let e = common::env();
    let p = e.partner("Validator");
    let l = e.lead(p.id, "Pru", 0);
    let long = "x".repeat(101);
    let many: Vec<String> = (0..51).map(|i| format!("Feature {i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    for (input, field) in [
        (new_plan(l.id, &[]), "features"),
        (new_plan(l.id, &["  ", ""]), "features"),
        (new_plan(l.id, &[long.as_str()]), "features"),
        (new_plan(l.id, &many), "features"),
        (
            NewPlan {
                industry: " ".into(),
                ..new_plan(l.id, &["Chat"])
            },
            "industry",
        ),
        (
            NewPlan {
                timeline_estimate: "".into(),
                ..new_plan(l.id, &["Chat"])
            },
            "timeline",
        ),
        (
            NewPlan {
                investment_range: "".into(),
                ..new_plan(l.id, &["Chat"])
            },
            "investment",
        ),
    ] {
        let err = e.refused(|tx| plans::add(tx, &input));
        assert_eq!((err.kind(), err.field()), ("validation", Some(field)), "{err}");
    }
    let err = e.refused(|tx| plans::add(tx, &new_plan(LeadId(uuid::Uuid::now_v7()), &["Chat"])));
    assert_eq!(err.kind(), "not_found");
    // Blank entries dropped, duplicates (any case) kept once, fifty allowed.
    let plan = add_plan(&e, &new_plan(l.id, &[" Chat ", "", "CHAT", "Maps"])).unwrap();
    assert_eq!(plan.features, vec!["Chat", "Maps"]);
    assert!(add_plan(&e, &new_plan(l.id, &many[..50])).is_ok());
}

#[test]
fn plan_generate_writes_a_markdown_proposal_and_is_audited() {
    let e = common::env();
    let p = e.partner("Gen Partner");
    let l = e.lead(p.id, "Quinta", 0);
    let plan = add_plan(
        &e,
        &NewPlan {
            business_name: Some("Blue Fern Cafe".into()),
            ..new_plan(l.id, &["Online booking", "Loyalty card", "Staff rota"])
        },
    )
    .unwrap();
    let mark = e.audit_mark();
    let g = generate(&e, plan.id);
    let md = g.generated_content.clone().unwrap();
    assert!(md.starts_with("# "), "{md}");
    for needle in [
        "Blue Fern Cafe",
        "Hospitality",
        "Online booking",
        "Loyalty card",
        "Staff rota",
        "12 weeks",
        "$40,000 - $60,000",
        "Quinta",
        "Gen Partner",
    ] {
        assert!(md.contains(needle), "{needle:?} missing from:\n{md}");
    }
    assert_eq!(g.status, PlanStatus::Draft);
    assert_eq!(e.store.read(|c| repo::plans::get(c, plan.id)).unwrap(), g);
    let rows = audited(&e, mark, &[("plan", "generate")]);
    assert_eq!(before::<AppPlan>(&rows[0]), plan);
    assert_eq!(after::<AppPlan>(&rows[0]), g);
    // Offline and repeatable: the same plan at the same time gives the same text.
    let again = e.store.write(|tx| plans::generate(tx, plan.id)).unwrap();
    assert_eq!(again.generated_content.as_deref(), Some(md.as_str()));
    let a = plans::render_proposal(&g, "Quinta", "Gen Partner", "March 1, 2026");
    let b = plans::render_proposal(&g, "Quinta", "Gen Partner", "March 1, 2026");
    assert_eq!(a, b);
}

#[test]
fn plan_update_only_in_draft() {
    let e = common::env();
    let p = e.partner("Editor");
    let l = e.lead(p.id, "Rita", 0);
    let plan = add_plan(&e, &new_plan(l.id, &["Chat"])).unwrap();
    e.tick();
    let mark = e.audit_mark();
    let patch = plans::PlanPatch {
        industry: Some("Retail".into()),
        features: Some(vec!["Catalog".into(), "Payments".into()]),
        ..Default::default()
    };
    let u = e.store.write(|tx| plans::update(tx, plan.id, &patch)).unwrap();
    assert_eq!(u.industry, "Retail");
    assert_eq!(u.features, vec!["Catalog", "Payments"]);
    assert_eq!(u.business_name, plan.business_name);
    assert_eq!(u.updated_at, e.now_text());
    let rows = audited(&e, mark, &[("plan", "update")]);
    assert_eq!(before::<AppPlan>(&rows[0]), plan);
    assert_eq!(after::<AppPlan>(&rows[0]), u);
    let err = e.refused(|tx| {
        plans::update(
            tx,
            plan.id,
            &plans::PlanPatch {
                features: Some(vec![]),
                ..Default::default()
            },
        )
    });
    assert_eq!(err.field(), Some("features"));

    generate(&e, plan.id);
    plan_status(&e, plan.id, PlanStatus::Sent).unwrap();
    let err = e.refused(|tx| plans::update(tx, plan.id, &patch));
    assert_eq!(err.kind(), "conflict", "{err}");
    plan_status(&e, plan.id, PlanStatus::Accepted).unwrap();
    let err = e.refused(|tx| plans::update(tx, plan.id, &patch));
    assert_eq!(err.kind(), "conflict", "{err}");
}

#[test]
fn plan_is_sent_only_once_generated_then_accepted() {
    let e = common::env();
    let p = e.partner("Sender");
    let l = e.lead(p.id, "Sue", 0);
    let plan = add_plan(&e, &new_plan(l.id, &["Chat"])).unwrap();
    let err = e.refused(|tx| plans::set_status(tx, plan.id, PlanStatus::Sent));
    assert_eq!(err.kind(), "conflict", "{err}");
    for to in [PlanStatus::Accepted, PlanStatus::Declined, PlanStatus::Draft] {
        let err = e.refused(|tx| plans::set_status(tx, plan.id, to));
        assert_eq!(err.kind(), "invalid_transition", "draft -> {to}: {err}");
    }
    let g = generate(&e, plan.id);
    let mark = e.audit_mark();
    let sent = plan_status(&e, plan.id, PlanStatus::Sent).unwrap();
    assert_eq!(sent.status, PlanStatus::Sent);
    let rows = audited(&e, mark, &[("plan", "status")]);
    assert_eq!(before::<AppPlan>(&rows[0]), g);
    assert_eq!(after::<AppPlan>(&rows[0]), sent);
    let mark = e.audit_mark();
    let acc = plan_status(&e, plan.id, PlanStatus::Accepted).unwrap();
    assert_eq!(acc.status, PlanStatus::Accepted);
    audited(&e, mark, &[("plan", "status")]);
    for to in [PlanStatus::Draft, PlanStatus::Sent, PlanStatus::Declined] {
        let err = e.refused(|tx| plans::set_status(tx, plan.id, to));
        assert_eq!(err.kind(), "invalid_transition", "accepted -> {to}: {err}");
    }
    // The accepted proposal is what the client saw: generate does not rewrite it.
    let err = e.refused(|tx| plans::generate(tx, plan.id));
    assert_eq!(err.kind(), "conflict", "{err}");
    assert!(err.to_string().contains("only a draft"), "{err}");
    assert_eq!(
        e.store.read(|c| repo::plans::get(c, plan.id)).unwrap().status,
        PlanStatus::Accepted
    );
}

// ---------------------------------------------------------------- store

mod store {
    use super::*;
    use partnerdesk_core::clock::SystemClock;
    use partnerdesk_core::store::{latest_schema_version, Store};
    use std::path::Path;
    use std::sync::Arc;

    fn open(path: &Path) -> partnerdesk_core::Result<Store> {
        Store::open(path, Arc::new(SystemClock))
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// The file still holds exactly `bytes` (reports the first difference, not the bytes).
    fn unchanged(path: &Path, bytes: &[u8]) {
        let now = std::fs::read(path).unwrap();
        if now != bytes {
            let at = now
                .iter()
                .zip(bytes)
                .position(|(a, b)| a != b)
                .unwrap_or(now.len().min(bytes.len()));
            panic!(
                "the file {} was changed: {} bytes, was {}; first difference at offset {at} ({:?} was {:?})",
                path.display(),
                now.len(),
                bytes.len(),
                now.get(at),
                bytes.get(at)
            );
        }
    }

    /// Deterministic noise (xorshift), so a failure can be reproduced.
    fn noise(n: usize, mut seed: u64) -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect()
    }

    fn history_rows(path: &Path) -> Vec<(i64, String, String, String)> {
        let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mut s = c
            .prepare("SELECT version, name, applied_on, checksum FROM refinery_schema_history ORDER BY version")
            .unwrap();
        let rows = s
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        rows
    }

    #[cfg(unix)]
    #[test]
    fn open_creates_a_private_file_in_a_private_folder() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("data").join("partnerdesk");
        let path = folder.join("partnerdesk.db");
        let store = open(&path).unwrap();
        assert!(path.is_file());
        assert_eq!(mode(&path), 0o600, "database file");
        assert_eq!(mode(&folder), 0o700, "data folder");
        assert_eq!(mode(&dir.path().join("data")), 0o700, "missing parent folder");
        assert_eq!(Store::schema_version_of(&path).unwrap(), latest_schema_version());
        drop(store);
        // No folder is made when asked not to.
        let err = Store::open_with(
            dir.path().join("absent").join("x.db"),
            Arc::new(SystemClock),
            partnerdesk_core::open::OpenOptions { create_dir: false },
        )
        .err()
        .unwrap();
        assert_eq!(err.kind(), "io");
        assert!(!dir.path().join("absent").exists());
    }

    #[cfg(unix)]
    #[test]
    fn the_write_ahead_log_of_a_new_database_is_private_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("partnerdesk.db");
        let store = open(&path).unwrap();
        store
            .write(|tx| partnerdesk_core::workflow::settings::set(tx, "currency", "EUR"))
            .unwrap();
        for ext in ["db-wal", "db-shm"] {
            let side = path.with_extension(ext);
            if side.exists() {
                assert_eq!(mode(&side), 0o600, "{}", side.display());
            }
        }
    }

    #[test]
    fn reopening_runs_no_migration_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let store = open(&path).unwrap();
        store
            .write(|tx| partnerdesk_core::workflow::settings::set(tx, "currency", "EUR"))
            .unwrap();
        drop(store);
        let first = history_rows(&path);
        assert_eq!(first.len() as i64, latest_schema_version());
        assert_eq!(first.last().unwrap().0, latest_schema_version());
        for _ in 0..2 {
            let store = open(&path).unwrap();
            assert_eq!(store.read(settings::load).unwrap().currency, "EUR", "data kept");
            drop(store);
            assert_eq!(history_rows(&path), first, "the schema history is unchanged");
            assert_eq!(Store::schema_version_of(&path).unwrap(), latest_schema_version());
        }
    }

    #[test]
    fn an_empty_file_becomes_a_new_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.db");
        std::fs::write(&path, b"").unwrap();
        let store = open(&path).unwrap();
        assert_eq!(Store::schema_version_of(&path).unwrap(), latest_schema_version());
        assert_eq!(store.read(partnerdesk_core::queries::counts).unwrap().partners, 0);
    }

    #[test]
    fn random_bytes_are_corrupt_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        for (i, bytes) in [
            noise(8192, 1),
            noise(10, 2),
            b"not a database at all, just text\n".to_vec(),
        ]
        .into_iter()
        .enumerate()
        {
            let path = dir.path().join(format!("junk{i}.db"));
            std::fs::write(&path, &bytes).unwrap();
            let err = open(&path).err().expect("junk must not open");
            assert_eq!(err.kind(), "corrupt", "{err}");
            unchanged(&path, &bytes);
            assert_eq!(Store::schema_version_of(&path).unwrap_err().kind(), "corrupt");
        }
    }

    #[test]
    fn sqlite_header_with_garbage_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("garbage.db");
        let mut bytes = b"SQLite format 3\0".to_vec();
        bytes.extend(noise(4096 * 3, 3));
        std::fs::write(&path, &bytes).unwrap();
        let err = open(&path).err().expect("garbage must not open");
        assert_eq!(err.kind(), "corrupt", "{err}");
        unchanged(&path, &bytes);
    }

    fn foreign_db(path: &Path) {
        let c = rusqlite::Connection::open(path).unwrap();
        c.execute_batch(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');",
        )
        .unwrap();
    }

    #[test]
    fn a_foreign_sqlite_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("foreign.db");
        foreign_db(&path);
        let err = open(&path).err().expect("a foreign database must not open");
        assert!(matches!(err.kind(), "corrupt" | "migration"), "{err}");
        // Its own data is still there and no Partnerdesk table was added.
        let c = rusqlite::Connection::open(&path).unwrap();
        let tables: Vec<String> = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(tables, vec!["notes"]);
    }

    /// Regression: before the preflight check (4f8f159), `Store::open` switched
    /// the file to WAL in `open_conn` before refusing it.
    #[test]
    fn a_refused_foreign_database_is_left_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("foreign.db");
        foreign_db(&path);
        let bytes = std::fs::read(&path).unwrap();
        assert!(open(&path).is_err());
        unchanged(&path, &bytes);
        assert!(
            !path.with_extension("db-wal").exists(),
            "a WAL file was left next to it"
        );
    }

    fn bump_schema(path: &Path, to: i64) {
        let c = rusqlite::Connection::open(path).unwrap();
        c.execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (?1, 'future', '2030-01-01T00:00:00Z', '0')",
            [to],
        )
        .unwrap();
    }

    #[test]
    fn a_newer_schema_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.db");
        drop(open(&path).unwrap());
        let newer = latest_schema_version() + 1;
        bump_schema(&path, newer);
        let bytes = std::fs::read(&path).unwrap();
        let history = history_rows(&path);
        let err = open(&path).err().expect("a newer schema must not open");
        assert_eq!(err.kind(), "newer_schema", "{err}");
        match err {
            Error::NewerSchema { found, known, .. } => assert_eq!((found, known), (newer, newer - 1)),
            other => panic!("{other}"),
        }
        unchanged(&path, &bytes);
        assert_eq!(history_rows(&path), history);
        assert_eq!(Store::schema_version_of(&path).unwrap(), newer);
    }

    /// Regression: as above, for a newer schema in rollback-journal mode.
    #[test]
    fn a_newer_schema_in_rollback_mode_is_left_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.db");
        drop(open(&path).unwrap());
        bump_schema(&path, latest_schema_version() + 1);
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            let m: String = c.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0)).unwrap();
            assert_eq!(m, "delete");
        }
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(open(&path).err().unwrap().kind(), "newer_schema");
        unchanged(&path, &bytes);
    }

    #[test]
    fn ids_resolve_by_a_unique_prefix_of_at_least_eight() {
        let e = common::env();
        let p = e.partner("Prefix");
        // Two leads in one transaction share their time, hence their first 13 characters.
        e.tick();
        let (a, b) = e
            .store
            .write(|tx| {
                let a = leads::add(tx, &new_lead(p.id, "Ann", "ann@c.example", None, 0))?.lead;
                let b = leads::add(tx, &new_lead(p.id, "Bob", "bob@c.example", None, 0))?.lead;
                Ok((a, b))
            })
            .unwrap();
        let (sa, sb) = (a.id.to_string(), b.id.to_string());
        assert_eq!(sa[..13], sb[..13]);
        let common_len = sa.chars().zip(sb.chars()).take_while(|(x, y)| x == y).count();
        e.store
            .read(|c| {
                let lead = |t: &str| repo::resolve::<LeadId>(c, t);
                // Full id, any case, with spaces.
                assert_eq!(lead(&sa)?, a.id);
                assert_eq!(lead(&format!("  {}  ", sa.to_uppercase()))?, a.id);
                assert_eq!(lead(&sa.replace('-', ""))?, a.id, "simple form");
                // Unique prefixes.
                assert_eq!(lead(&sa[..common_len + 1])?, a.id);
                assert_eq!(lead(&sb[..common_len + 1])?, b.id);
                assert_eq!(lead(&sa[..35])?, a.id);
                // Ambiguous.
                for n in [8, 9, 13, common_len] {
                    let err = lead(&sa[..n]).unwrap_err();
                    assert_eq!((err.kind(), err.field()), ("validation", Some("id")), "{n}: {err}");
                }
                // Too short or malformed.
                for t in [&sa[..7], "", "zzzzzzzz", "0190-xyz-1234", "12345678!"] {
                    let err = lead(t).unwrap_err();
                    assert_eq!((err.kind(), err.field()), ("validation", Some("id")), "{t:?}: {err}");
                }
                // Unknown.
                for t in ["ffffffff", "00000000-0000", "ffffffff-ffff-7fff-bfff-ffffffffffff"] {
                    assert_eq!(lead(t).unwrap_err().kind(), "not_found", "{t}");
                }
                // The type decides the table: a lead id is no partner id.
                assert_eq!(repo::resolve::<PartnerId>(c, &sa).unwrap_err().kind(), "not_found");
                assert_eq!(repo::resolve::<PartnerId>(c, &p.id.to_string()[..12])?, p.id);
                Ok(())
            })
            .unwrap();
    }
}

// ---------------------------------------------------------------- money

mod money {
    use partnerdesk_core::money::*;
    use proptest::prelude::*;

    /// `amount x rate / 10000` rounded half away from zero, from the exact
    /// quotient and remainder (no shortcut shared with the code under test).
    fn exact(amount: i64, rate: i64) -> i64 {
        let n = amount as i128 * rate as i128;
        let (q, r) = (n / 10_000, n % 10_000); // truncates toward zero
        let away = if 2 * r.abs() >= 10_000 { n.signum() } else { 0 };
        (q + away) as i64
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        #[test]
        fn format_then_parse_is_the_identity(x in 0..=MAX_AMOUNT_CENTS) {
            let text = format_amount(x);
            prop_assert_eq!(parse_amount("v", &text, false).unwrap(), x, "{}", text);
            prop_assert_eq!(parse_amount("v", &text, true).unwrap(), x);
            prop_assert_eq!(parse_amount("v", &format!("-{text}"), true).unwrap(), -x);
            // With thousands separators, as format_money writes them.
            let grouped = format_money(x, "USD");
            let grouped = grouped.trim_start_matches("USD ");
            prop_assert_eq!(parse_amount("v", grouped, false).unwrap(), x, "{}", grouped);
        }

        #[test]
        fn apply_rate_matches_exact_rounding(
            amount in -MAX_AMOUNT_CENTS..=MAX_AMOUNT_CENTS,
            rate in 0i64..=10_000,
        ) {
            prop_assert_eq!(apply_rate(amount, rate), exact(amount, rate));
        }

        #[test]
        fn apply_rate_on_small_amounts_matches_exact_rounding(amount in -2_000i64..=2_000, rate in 0i64..=10_000) {
            prop_assert_eq!(apply_rate(amount, rate), exact(amount, rate));
            // Symmetric: a clawback is the exact negative of the commission.
            prop_assert_eq!(apply_rate(-amount, rate), -apply_rate(amount, rate));
        }

        /// Any text the parser accepts keeps its digits in their places:
        /// the whole digits (leading zeros aside) and the decimals (padded to
        /// two) are those of the amount formatted again.
        #[test]
        fn accepted_text_keeps_every_digit_in_its_place(text in "[-+]?[0-9]{0,4}([,_ .][0-9]{0,4}){0,3}") {
            if let Ok(c) = parse_amount("v", &text, true) {
                let body = text.trim().trim_start_matches(['-', '+']);
                let (w, f) = body.split_once('.').unwrap_or((body, ""));
                let whole: String = w.chars().filter(char::is_ascii_digit).collect();
                let formatted = format_amount(c.abs());
                let (fw, ff) = formatted.split_once('.').unwrap();
                prop_assert_eq!(whole.trim_start_matches('0'), fw.trim_start_matches('0'), "{}", text);
                prop_assert_eq!(format!("{f:0<2}"), ff, "{}", text);
                prop_assert_eq!(c < 0, text.trim().starts_with('-') && c != 0);
            }
        }

        /// Thousands separators between groups of three, any of them, and
        /// decimal commas when the text says so, give the amount back.
        #[test]
        fn grouped_and_decimal_comma_spellings_parse_back(x in 0..=MAX_AMOUNT_CENTS, sep in prop::sample::select(vec![',', '_', ' '])) {
            let plain = format_amount(x);
            let (w, f) = plain.split_once('.').unwrap();
            let mut grouped = String::new();
            for (i, c) in w.chars().enumerate() {
                if i > 0 && (w.len() - i) % 3 == 0 {
                    grouped.push(sep);
                }
                grouped.push(c);
            }
            prop_assert_eq!(parse_amount("v", &format!("{grouped}.{f}"), false).unwrap(), x);
            // 1.234.567,89 (or 1 234 567,89, 1_234_567,89)
            let european = format!("{},{f}", grouped.replace(',', "."));
            prop_assert_eq!(parse_amount_with("v", &european, false, DecimalMark::Comma).unwrap(), x, "{}", european);
        }

        /// A comma before one or two digits at the end is a decimal comma:
        /// refused as ambiguous, never read as a number ten or a hundred
        /// times larger.
        #[test]
        fn a_decimal_comma_is_refused_not_shifted(whole in "[0-9]{1,7}", frac in "[0-9]{1,2}") {
            let text = format!("{whole},{frac}");
            let e = parse_amount("estimated_value", &text, false).unwrap_err();
            prop_assert!(e.to_string().contains("is ambiguous: write"), "{}", e);
            prop_assert!(parse_rate_percent("rate", &text).is_err());
            let comma = parse_amount_with("v", &text, false, DecimalMark::Comma);
            if whole.len() <= 12 {
                let frac2 = format!("{frac:0<2}");
                prop_assert_eq!(comma.unwrap(), whole.parse::<i64>().unwrap() * 100 + frac2.parse::<i64>().unwrap());
            }
        }

        #[test]
        fn amounts_above_the_maximum_are_refused(x in (MAX_AMOUNT_CENTS + 1)..=(MAX_AMOUNT_CENTS * 100)) {
            let err = parse_amount("value", &format_amount(x), false).unwrap_err();
            prop_assert_eq!(err.field(), Some("value"));
        }
    }

    #[test]
    fn exact_reference_is_right_on_the_half_cents() {
        assert_eq!(exact(5, 1000), 1);
        assert_eq!(exact(-5, 1000), -1);
        assert_eq!(exact(4, 1250), 1);
        assert_eq!(exact(11, 1250), 1);
        assert_eq!(exact(25, 1000), 3);
        assert_eq!(exact(1, 4999), 0);
    }
}
