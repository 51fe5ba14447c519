//! The incremental roll-ups equal a full recompute from the raw tables after
//! any sequence of user actions run through the workflow functions.

use chrono::{Duration, TimeZone, Utc};
use partnerdesk_core::analytics::rollup;
use partnerdesk_core::clock::ManualClock;
use partnerdesk_core::model::*;
use partnerdesk_core::store::{repo, Store};
use partnerdesk_core::workflow::{applications, commissions, leads, partners};
use proptest::prelude::*;
use std::sync::Arc;

#[derive(Debug, Clone)]
enum Op {
    Partner,
    Lead { partner: usize, value: i64 },
    Move { lead: usize, to: usize, value: Option<i64> },
    Approve { lead: usize },
    Pay { partner: usize },
    Cancel { lead: usize },
    Tier { partner: usize, tier: usize },
    Status { partner: usize, status: usize },
    Wait { days: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Partner),
        4 => (0..8usize, 0..3_000_000i64).prop_map(|(partner, value)| Op::Lead { partner, value }),
        6 => (0..30usize, 0..6usize, proptest::option::of(1..2_000_000i64))
            .prop_map(|(lead, to, value)| Op::Move { lead, to, value }),
        2 => (0..30usize).prop_map(|lead| Op::Approve { lead }),
        1 => (0..8usize).prop_map(|partner| Op::Pay { partner }),
        1 => (0..30usize).prop_map(|lead| Op::Cancel { lead }),
        1 => (0..8usize, 0..4usize).prop_map(|(partner, tier)| Op::Tier { partner, tier }),
        1 => (0..8usize, 0..3usize).prop_map(|(partner, status)| Op::Status { partner, status }),
        3 => (0..130i64).prop_map(|days| Op::Wait { days }),
    ]
}

fn run(ops: &[Op]) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2025, 1, 3, 9, 0, 0).unwrap());
    let store = Store::open(dir.path().join("p.db"), Arc::new(clock.clone())).unwrap();
    let mut ps: Vec<PartnerId> = Vec::new();
    let mut ls: Vec<LeadId> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        clock.advance(Duration::minutes(7));
        // Refused actions are fine: they roll back and must leave the roll-ups alone.
        let _ = match op {
            Op::Partner => store
                .write(|tx| {
                    let a = applications::add(
                        tx,
                        &NewApplication {
                            name: format!("P{i}"),
                            email: format!("p{i}@example.com"),
                            ..Default::default()
                        },
                    )?;
                    applications::approve(tx, a.id)
                })
                .map(|(_, p)| ps.push(p.id)),
            Op::Lead { partner, value } if !ps.is_empty() => store
                .write(|tx| {
                    leads::add(
                        tx,
                        &NewLead {
                            partner_id: ps[partner % ps.len()],
                            client_name: format!("C{i}"),
                            client_email: format!("c{i}@client.example"),
                            estimated_value: *value,
                            ..Default::default()
                        },
                    )
                })
                .map(|l| ls.push(l.lead.id)),
            Op::Move { lead, to, value } if !ls.is_empty() => {
                let to = LeadStatus::ALL[*to];
                let value = if to == LeadStatus::ClosedWon { *value } else { None };
                store
                    .write(|tx| leads::move_to(tx, ls[lead % ls.len()], to, value))
                    .map(|_| ())
            }
            Op::Approve { lead } if !ls.is_empty() => store
                .write(|tx| {
                    let cs = repo::commissions::for_lead(tx, ls[lead % ls.len()])?;
                    let ids: Vec<_> = cs
                        .iter()
                        .filter(|c| c.status == CommissionStatus::Pending)
                        .map(|c| c.id)
                        .collect();
                    commissions::approve(tx, &ids)
                })
                .map(|_| ()),
            Op::Pay { partner } if !ps.is_empty() => store
                .write(|tx| commissions::payout(tx, &[ps[partner % ps.len()]]))
                .map(|_| ()),
            Op::Cancel { lead } if !ls.is_empty() => store
                .write(|tx| {
                    let cs = repo::commissions::for_lead(tx, ls[lead % ls.len()])?;
                    let c = cs
                        .iter()
                        .find(|c| c.status != CommissionStatus::Paid && c.status != CommissionStatus::Cancelled);
                    match c {
                        Some(c) => commissions::cancel(tx, c.id).map(|_| ()),
                        None => Ok(()),
                    }
                })
                .map(|_| ()),
            Op::Tier { partner, tier } if !ps.is_empty() => store
                .write(|tx| partners::set_tier(tx, ps[partner % ps.len()], Tier::ALL[*tier]))
                .map(|_| ()),
            Op::Status { partner, status } if !ps.is_empty() => store
                .write(|tx| partners::set_status(tx, ps[partner % ps.len()], PartnerStatus::ALL[*status]))
                .map(|_| ()),
            Op::Wait { days } => {
                clock.advance(Duration::days(*days));
                Ok(())
            }
            _ => Ok(()),
        };
    }
    let incremental = store.read(rollup::dump).unwrap();
    let rebuilt = store
        .write(|tx| {
            rollup::rebuild(tx)?;
            rollup::dump(tx)
        })
        .unwrap();
    assert_eq!(incremental, rebuilt);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn incremental_rollups_equal_a_recompute(ops in proptest::collection::vec(op(), 1..70)) {
        run(&ops);
    }
}

/// A long scripted story through every hook: wins, promotion, payout,
/// clawback, cancel, reopen to lost and back to won, months-long gaps.
#[test]
fn scripted_story_matches_recompute() {
    let mut ops = vec![Op::Partner, Op::Partner, Op::Partner];
    for k in 0..12 {
        ops.push(Op::Lead {
            partner: k % 3,
            value: 1_500_000,
        });
        ops.push(Op::Move {
            lead: k,
            to: 4,
            value: None,
        });
        ops.push(Op::Approve { lead: k });
        ops.push(Op::Pay { partner: k % 3 });
        ops.push(Op::Wait {
            days: 40 + 30 * (k as i64 % 3),
        });
        ops.push(Op::Move {
            lead: k,
            to: 5,
            value: None,
        });
        ops.push(Op::Move {
            lead: k,
            to: 4,
            value: Some(700_000),
        });
        ops.push(Op::Cancel { lead: k });
        ops.push(Op::Tier {
            partner: k % 3,
            tier: k % 4,
        });
    }
    run(&ops);
}
