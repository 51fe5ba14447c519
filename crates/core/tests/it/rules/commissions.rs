//! Closed-won deals and their commissions: the deal value, the rate kept from
//! the moment of the win, rounding, cancel and clawback on reopening, approve,
//! cancel and payout, and the partner totals after every step.

use super::*;
use partnerdesk_core::workflow::{commissions, leads};

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
    assert_eq!((c.partner_id, c.client_lead_id), (p.id, Some(l.id)));
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
    assert_eq!((claw.partner_id, claw.client_lead_id), (p.id, Some(l.id)));
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
    let books: Vec<_> = actions(&rows).into_iter().filter(|a| a.0 != "outbox").collect();
    assert_eq!(books.last(), Some(&("payout", "create")));
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
fn payout_nets_clawbacks_and_carries_a_negative_net() {
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
    // Approved: -50,000 + 10,000 < 0: the partner is skipped with the reason
    // and the balance carried; the other partner is paid all the same.
    let (run, _) = e
        .store
        .write(|tx| partnerdesk_core::workflow::payouts::run_with_payout(tx, &[other.id, p.id]))
        .unwrap();
    assert_eq!(run.paid.len(), 1);
    assert_eq!(run.paid[0].partner_id, other.id);
    assert_eq!(run.skipped.len(), 1);
    assert_eq!(run.skipped[0].reason, Some(SkipReason::NegativeBalance));
    assert_eq!(run.skipped[0].balance, -40_000);
    assert_eq!(e.get_commission(oc.id).status, CommissionStatus::Paid);
    assert_eq!(e.get_commission(claw.id).status, CommissionStatus::Approved);
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
    // The clawback nets c to a zero balance: below the minimum, nobody is paid.
    let err = e.payout(&[p.id, other.id]).unwrap_err();
    assert_eq!(err.kind(), "conflict", "{err}");
    assert_eq!(e.get_commission(claw.id).status, CommissionStatus::Approved);
    step("a zero balance is carried, not paid", (2, 30_000));
    e.move_to(b.id, Prospect, None).unwrap();
    step("reopen paid b", (1, 10_000));
    assert_eq!(e.get_partner(p.id).tier, Tier::Silver, "no demotion");
}
