//! The property of issue 14: over any sequence of wins, reopens, bonuses,
//! hold releases and payout runs, no commission is paid twice, what a
//! partner was paid plus their balance is what they earned, and no payout
//! takes a balance below zero (or below the minimum).

use crate::common::{self, Env};
use chrono::Duration;
use partnerdesk_core::model::*;
use partnerdesk_core::workflow::{accruals, payouts};
use proptest::prelude::*;

fn balance(e: &Env, p: PartnerId) -> PartnerBalance {
    e.store.read(|c| payouts::balance(c, p)).unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    Win { partner: usize, value: i64 },
    Reopen(usize),
    Bonus { partner: usize, amount: i64 },
    Approve(usize),
    Days(i64),
    RunDue,
    Run(Vec<usize>),
    RunAll,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0usize..3, 1_000i64..2_000_000).prop_map(|(partner, value)| Op::Win { partner, value }),
        3 => (0usize..64).prop_map(Op::Reopen),
        2 => (0usize..3, prop_oneof![-300_000i64..-1, 1i64..300_000]).prop_map(|(partner, amount)| Op::Bonus { partner, amount }),
        2 => (0usize..64).prop_map(Op::Approve),
        3 => (1i64..40).prop_map(Op::Days),
        3 => Just(Op::RunDue),
        2 => prop::collection::vec(0usize..3, 1..3).prop_map(Op::Run),
        2 => Just(Op::RunAll),
    ]
}

fn sums(e: &Env, sql: &str, p: PartnerId) -> i64 {
    e.store
        .read(|c| Ok(c.query_row(sql, [p], |r| r.get::<_, i64>(0))?))
        .unwrap()
}

fn check(ops: &[Op]) -> Result<(), TestCaseError> {
    let e = common::env();
    let ps: Vec<Partner> = ["Ada", "Ben", "Cid"].iter().map(|n| e.partner(n)).collect();
    let mut leads: Vec<LeadId> = Vec::new();
    let mut n = 0;
    for op in ops {
        e.tick();
        match op {
            Op::Win { partner, value } => {
                n += 1;
                let l = e.lead(ps[*partner].id, &format!("Client {n}"), *value);
                e.win(l.id);
                leads.push(l.id);
            }
            Op::Reopen(i) if !leads.is_empty() => {
                let l = leads[i % leads.len()];
                let to = if e.get_lead(l).status == LeadStatus::ClosedWon {
                    LeadStatus::Negotiating
                } else {
                    LeadStatus::ClosedWon
                };
                e.move_to(l, to, None).unwrap();
            }
            Op::Reopen(_) => {}
            Op::Bonus { partner, amount } => {
                e.store
                    .write(|tx| accruals::bonus(tx, ps[*partner].id, *amount, "adjustment"))
                    .unwrap();
            }
            Op::Approve(i) => {
                let pending: Vec<CommissionId> = e
                    .store
                    .read(|c| {
                        let mut s = c.prepare("SELECT id FROM commissions WHERE status = 'pending' ORDER BY id")?;
                        let r = s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
                        Ok(r)
                    })
                    .unwrap();
                if !pending.is_empty() {
                    e.approve(&[pending[i % pending.len()]]).unwrap();
                }
            }
            Op::Days(d) => e.clock.advance(Duration::days(*d)),
            Op::RunDue => {
                e.store.write(accruals::run_due).unwrap();
            }
            Op::Run(who) => {
                let ids: Vec<PartnerId> = who.iter().map(|i| ps[*i].id).collect();
                e.store.write(|tx| payouts::run(tx, &ids)).unwrap();
            }
            Op::RunAll => {
                e.store.write(|tx| payouts::run(tx, &[])).unwrap();
            }
        }
        let problems = e.invariants();
        prop_assert!(problems.is_empty(), "after {op:?}: {problems:?}");
        let twice: i64 = e
            .store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM (SELECT entity_id FROM audit_log WHERE entity = 'commission' AND action = 'pay'
                       GROUP BY entity_id HAVING count(*) > 1)",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        prop_assert_eq!(twice, 0, "a commission paid twice after {:?}", op);
        for p in &ps {
            let paid_by_runs = sums(
                &e,
                "SELECT coalesce(sum(balance), 0) FROM payout_entries WHERE partner_id = ?1 AND outcome = 'paid'",
                p.id,
            );
            let earned = sums(
                &e,
                "SELECT coalesce(sum(commission_amount), 0) FROM commissions WHERE partner_id = ?1
                   AND (status = 'approved' OR status = 'paid')",
                p.id,
            );
            let b = balance(&e, p.id);
            prop_assert_eq!(paid_by_runs + b.balance, earned, "partner {} after {:?}", p.name, op);
            let below = sums(
                &e,
                "SELECT count(*) FROM payout_entries WHERE partner_id = ?1 AND outcome = 'paid' AND balance < 5000",
                p.id,
            );
            prop_assert_eq!(below, 0, "a payout below the minimum (or zero) after {:?}", op);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn wins_reopens_bonuses_releases_and_runs_never_pay_twice_or_below_zero(
        ops in prop::collection::vec(op(), 1..60)
    ) {
        check(&ops)?;
    }
}
