//! Applications: add, review, approve and reject, the conflicts of an email
//! already in use, field checks, and an approval or audit write that fails
//! leaving nothing behind.

use super::*;
use partnerdesk_core::workflow::applications;

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
