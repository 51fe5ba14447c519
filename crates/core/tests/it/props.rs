//! Property tests: random sequences of valid and invalid user actions, each
//! through `store.write`, against the whole-database invariants. After every
//! action the invariants hold (partner totals equal the commissions, no
//! orphan rows, ...); a refused action leaves every table as it was; an
//! accepted one is audited. At the end no money has drifted.

use crate::common;

use crate::common::Env;
use partnerdesk_core::model::*;
use partnerdesk_core::money::MAX_AMOUNT_CENTS;
use partnerdesk_core::store::Tx;
use partnerdesk_core::workflow::{applications, commissions, leads, partners, settings};
use proptest::prelude::*;

/// A few e-mails and businesses, so that repeats (conflicts, duplicates) happen.
const PEOPLE: [&str; 5] = ["ann", "bob", "cat", "dan", "eve"];
const CLIENTS: [&str; 6] = ["c1", "c2", "c3", "c4", "c5", "c6"];
const BUSINESSES: [&str; 3] = ["Blue Fern", "Red Oak", "Green Ash"];

#[derive(Debug, Clone)]
enum Op {
    AddApplication {
        who: usize,
        shout: bool,
    },
    Review(usize),
    Approve(usize),
    Reject(usize),
    AddLead {
        partner: usize,
        client: usize,
        business: Option<usize>,
        value: i64,
    },
    Move {
        lead: usize,
        to: LeadStatus,
        value: Option<i64>,
    },
    ApproveCommissions(Vec<usize>),
    CancelCommission(usize),
    Payout(Vec<usize>),
    PartnerStatus(usize, PartnerStatus),
    PartnerTier(usize, Tier),
    SetRate(Tier, &'static str),
    SetMinDeals(Tier, &'static str),
}

fn status() -> impl Strategy<Value = LeadStatus> {
    prop::sample::select(LeadStatus::ALL.to_vec())
}

/// Values as a user might type them: ordinary, edge, and wrong.
fn value() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => 1i64..=2_000_000,
        1 => Just(0i64),
        1 => Just(-100i64),
        1 => Just(5i64),
        1 => Just(6_000_000i64),
        1 => Just(MAX_AMOUNT_CENTS),
        1 => Just(MAX_AMOUNT_CENTS + 1),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let ix = 0usize..1024;
    prop_oneof![
        3 => (0..PEOPLE.len(), any::<bool>()).prop_map(|(who, shout)| Op::AddApplication { who, shout }),
        1 => ix.clone().prop_map(Op::Review),
        3 => ix.clone().prop_map(Op::Approve),
        1 => ix.clone().prop_map(Op::Reject),
        5 => (ix.clone(), 0..CLIENTS.len(), prop::option::of(0..BUSINESSES.len()), value())
            .prop_map(|(partner, client, business, value)| Op::AddLead { partner, client, business, value }),
        10 => (ix.clone(), status(), prop::option::weighted(0.3, value()))
            .prop_map(|(lead, to, value)| Op::Move { lead, to, value }),
        4 => prop::collection::vec(ix.clone(), 1..4).prop_map(Op::ApproveCommissions),
        2 => ix.clone().prop_map(Op::CancelCommission),
        3 => prop::collection::vec(ix.clone(), 1..4).prop_map(Op::Payout),
        1 => (ix.clone(), prop::sample::select(PartnerStatus::ALL.to_vec()))
            .prop_map(|(p, s)| Op::PartnerStatus(p, s)),
        1 => (ix.clone(), prop::sample::select(Tier::ALL.to_vec())).prop_map(|(p, t)| Op::PartnerTier(p, t)),
        1 => (
            prop::sample::select(Tier::ALL.to_vec()),
            prop::sample::select(vec!["10", "12.5", "0", "100", "7.33", "abc", "101", "-1"])
        )
            .prop_map(|(t, v)| Op::SetRate(t, v)),
        1 => (
            prop::sample::select(Tier::ALL.to_vec()),
            prop::sample::select(vec!["1", "2", "3", "10", "25", "40", "x"])
        )
            .prop_map(|(t, v)| Op::SetMinDeals(t, v)),
    ]
}

/// Ids from a query, oldest first.
fn ids<I: rusqlite::types::FromSql>(e: &Env, sql: &str) -> Vec<I> {
    e.store
        .read(|c| {
            let mut s = c.prepare(sql)?;
            let r = s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            Ok(r)
        })
        .unwrap()
}

/// Where an action's target comes from: `ix` picks, for one index in eight,
/// a fresh id that names nothing (NotFound); for most others, one of the
/// records the action fits (so that sequences get somewhere); else any record
/// of the kind (mostly refused moves).
struct Pool<I> {
    fitting: Vec<I>,
    all: Vec<I>,
}

impl<I: Copy + rusqlite::types::FromSql> Pool<I> {
    fn new(e: &Env, table: &str, fits: &str) -> Self {
        Pool {
            fitting: ids(
                e,
                &format!("SELECT id FROM {table} WHERE {fits} ORDER BY created_at, id"),
            ),
            all: ids(e, &format!("SELECT id FROM {table} ORDER BY created_at, id")),
        }
    }

    fn pick(&self, ix: usize, missing: impl FnOnce(uuid::Uuid) -> I) -> I {
        match ix % 8 {
            7 => missing(uuid::Uuid::now_v7()),
            0..=4 if !self.fitting.is_empty() => self.fitting[(ix / 8) % self.fitting.len()],
            _ if !self.all.is_empty() => self.all[ix % self.all.len()],
            _ => missing(uuid::Uuid::now_v7()),
        }
    }
}

struct Options {
    /// Allow cancelling a clawback (see the ignored test in rules.rs).
    cancel_clawbacks: bool,
}

/// Run one action in its own write transaction.
fn run(e: &Env, op: &Op, opts: &Options) -> Result<(), partnerdesk_core::Error> {
    let w = |f: &dyn Fn(&Tx) -> partnerdesk_core::Result<()>| e.store.write(f);
    let apps = || Pool::new(e, "partner_applications", "status IN ('pending', 'under_review')");
    let partners_with = |fits: &str| Pool::new(e, "partners", fits);
    match op {
        Op::AddApplication { who, shout } => {
            let email = format!("{}@partners.example", PEOPLE[*who]);
            let email = if *shout { email.to_uppercase() } else { email };
            let input = NewApplication {
                name: PEOPLE[*who].into(),
                email,
                ..Default::default()
            };
            w(&|tx| applications::add(tx, &input).map(drop))
        }
        Op::Review(i) => {
            let id = apps().pick(*i, ApplicationId);
            w(&|tx| applications::review(tx, id).map(drop))
        }
        Op::Approve(i) => {
            let id = apps().pick(*i, ApplicationId);
            w(&|tx| applications::approve(tx, id).map(drop))
        }
        Op::Reject(i) => {
            let id = apps().pick(*i, ApplicationId);
            w(&|tx| applications::reject(tx, id).map(drop))
        }
        Op::AddLead {
            partner,
            client,
            business,
            value,
        } => {
            let input = NewLead {
                partner_id: partners_with("status = 'active'").pick(*partner, PartnerId),
                client_name: CLIENTS[*client].into(),
                client_email: format!("{}@clients.example", CLIENTS[*client]),
                business_name: business.map(|b| BUSINESSES[b].to_owned()),
                estimated_value: *value,
                ..Default::default()
            };
            w(&|tx| leads::add(tx, &input).map(drop))
        }
        Op::Move { lead, to, value } => {
            let id = Pool::new(e, "client_leads", "1").pick(*lead, LeadId);
            w(&|tx| leads::move_to(tx, id, *to, *value).map(drop))
        }
        Op::ApproveCommissions(list) => {
            let pool = Pool::new(e, "commissions", "status = 'pending'");
            let list: Vec<CommissionId> = list.iter().map(|&i| pool.pick(i, CommissionId)).collect();
            w(&|tx| commissions::approve(tx, &list).map(drop))
        }
        Op::CancelCommission(i) => {
            let fits = if opts.cancel_clawbacks {
                "status IN ('pending', 'approved')"
            } else {
                "status IN ('pending', 'approved') AND kind = 'commission'"
            };
            let id = Pool::new(e, "commissions", fits).pick(*i, CommissionId);
            if !opts.cancel_clawbacks {
                let is_clawback = e
                    .store
                    .read(|c| partnerdesk_core::store::repo::commissions::get(c, id))
                    .map(|c| c.kind == CommissionKind::Clawback)
                    .unwrap_or(false);
                if is_clawback {
                    // Known bug (see rules.rs): not exercised here. Nothing is written.
                    return Err(partnerdesk_core::Error::Conflict(
                        "skipped: cancelling a clawback".into(),
                    ));
                }
            }
            w(&|tx| commissions::cancel(tx, id).map(drop))
        }
        Op::Payout(list) => {
            let pool = partners_with(
                "EXISTS (SELECT 1 FROM commissions c WHERE c.partner_id = partners.id AND c.status = 'approved')",
            );
            let list: Vec<PartnerId> = list.iter().map(|&i| pool.pick(i, PartnerId)).collect();
            w(&|tx| commissions::payout(tx, &list).map(drop))
        }
        Op::PartnerStatus(i, s) => {
            let id = partners_with("1").pick(*i, PartnerId);
            w(&|tx| partners::set_status(tx, id, *s).map(drop))
        }
        Op::PartnerTier(i, t) => {
            let id = partners_with("1").pick(*i, PartnerId);
            w(&|tx| partners::set_tier(tx, id, *t).map(drop))
        }
        Op::SetRate(t, v) => w(&|tx| settings::set(tx, &format!("tier.{t}.rate"), v).map(drop)),
        Op::SetMinDeals(t, v) => w(&|tx| settings::set(tx, &format!("tier.{t}.min_deals"), v).map(drop)),
    }
}

fn audit_count(e: &Env) -> i64 {
    e.counts().audit
}

fn check_sequence(ops: &[Op], opts: &Options) -> Result<(), TestCaseError> {
    let e = common::env();
    // A couple of partners to start with, so that most actions have a target.
    e.partner("Seed One");
    e.partner("Seed Two");
    // With the search indexes built, so that their triggers follow every action.
    e.store.ensure_search_index().unwrap();
    let watcher = e.watcher();
    for (step, op) in ops.iter().enumerate() {
        e.tick();
        let version = common::data_version(&watcher);
        let counts = e.counts();
        let audit = audit_count(&e);
        let result = run(&e, op, opts);
        let problems = e.invariants();
        prop_assert!(problems.is_empty(), "step {step} {op:?} -> {result:?}: {problems:#?}");
        match &result {
            Err(err) => {
                prop_assert_ne!(
                    err.kind(),
                    "storage",
                    "step {} {:?}: a rule let bad data reach SQLite: {}",
                    step,
                    op,
                    err
                );
                prop_assert_eq!(e.counts(), counts, "step {} {:?} failed ({}) but wrote", step, op, err);
                prop_assert_eq!(audit_count(&e), audit);
                prop_assert_eq!(
                    common::data_version(&watcher),
                    version,
                    "step {} {:?} failed ({}) but committed",
                    step,
                    op,
                    err
                );
            }
            Ok(()) => {
                prop_assert_ne!(
                    common::data_version(&watcher),
                    version,
                    "step {} {:?} committed nothing",
                    step,
                    op
                );
                prop_assert!(
                    audit_count(&e) > audit,
                    "step {step} {op:?} succeeded without an audit row"
                );
            }
        }
    }
    // Money never drifts: what the partners were credited is what the commissions say.
    let (credited, owed): (i64, i64) = e
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT (SELECT COALESCE(SUM(total_earnings), 0) FROM partners),
                        (SELECT COALESCE(SUM(commission_amount), 0) FROM commissions WHERE status <> 'cancelled')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap();
    prop_assert_eq!(credited, owed);
    let orphans: i64 = e
        .store
        .read(|c| Ok(c.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?))
        .unwrap();
    prop_assert_eq!(orphans, 0);
    // Paid money is in exactly one batch, and every batch adds up.
    let bad_paid: i64 = e
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM commissions WHERE (status = 'paid') <> (payout_id IS NOT NULL)",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    prop_assert_eq!(bad_paid, 0);
    // The search indexes agree with the rows they index.
    let fts = e.store.read(partnerdesk_core::store::search::verify).unwrap();
    prop_assert!(fts.is_empty(), "search index: {:?}", fts);
    Ok(())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 2_000,
        failure_persistence: Some(Box::new(prop::test_runner::FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn random_actions_keep_every_invariant(ops in prop::collection::vec(op(), 1..80)) {
        check_sequence(&ops, &Options { cancel_clawbacks: false })?;
    }
}

/// A sequence that reaches every kind of record: approvals, wins, payouts and reopens.
fn busy_op() -> impl Strategy<Value = Op> {
    let ix = 0usize..1024;
    let to = prop::sample::select(vec![
        LeadStatus::ClosedWon,
        LeadStatus::ClosedWon,
        LeadStatus::ClosedLost,
        LeadStatus::Negotiating,
    ]);
    prop_oneof![
        1 => (0..PEOPLE.len(), any::<bool>()).prop_map(|(who, shout)| Op::AddApplication { who, shout }),
        1 => ix.clone().prop_map(Op::Approve),
        4 => (ix.clone(), 0..CLIENTS.len(), prop::option::of(0..BUSINESSES.len()), 1i64..=3_000_000)
            .prop_map(|(partner, client, business, value)| Op::AddLead { partner, client, business, value }),
        8 => (ix.clone(), to).prop_map(|(lead, to)| Op::Move { lead, to, value: None }),
        5 => ix.clone().prop_map(|i| Op::ApproveCommissions(vec![i])),
        1 => prop::collection::vec(ix.clone(), 2..4).prop_map(Op::ApproveCommissions),
        2 => ix.clone().prop_map(Op::CancelCommission),
        3 => prop::collection::vec(ix.clone(), 1..3).prop_map(Op::Payout),
    ]
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn busy_pipelines_keep_every_invariant(ops in prop::collection::vec(busy_op(), 20..80)) {
        check_sequence(&ops, &Options { cancel_clawbacks: false })?;
    }

    #[test]
    fn busy_pipelines_with_clawback_cancels_keep_every_invariant(ops in prop::collection::vec(busy_op(), 20..80)) {
        check_sequence(&ops, &Options { cancel_clawbacks: true })?;
    }
}
