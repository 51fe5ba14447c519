//! Commission rules as partner programs run them (workflow::rules): the
//! migration of an existing database, groups, precedence (override > group
//! tier > default tier), dated versions and their scope, the trace on every
//! commission, bonuses, milestones, retainers and bad input.

use super::*;
use partnerdesk_core::workflow::rules::{self, OverrideInput, RetainerTerms, TierChange};
use std::sync::Arc;

/// The invariants hold and the incremental roll-ups equal a rebuild (bonuses
/// and accruals count money, not deals; a re-rate moves the amount).
fn consistent(e: &Env) {
    no_problems(e);
    let incremental = e.store.read(partnerdesk_core::analytics::rollup::dump).unwrap();
    let mut rebuilt = Vec::new();
    let rolled_back = e.store.write(|tx| {
        partnerdesk_core::analytics::rollup::rebuild(tx)?;
        rebuilt = partnerdesk_core::analytics::rollup::dump(tx)?;
        Err::<(), _>(Error::Conflict("rolled back".into()))
    });
    assert!(rolled_back.is_err());
    assert_eq!(incremental, rebuilt, "incremental roll-ups differ from a rebuild");
}

fn uuid(last: &str) -> ::uuid::Uuid {
    ::uuid::Uuid::parse_str(&format!("0190a000-0000-7000-8000-00000000000{last}")).unwrap()
}

fn day(e: &Env) -> String {
    e.now_text()[..10].to_owned()
}

fn trace(kind: RuleKind, version: i64, tier: Tier) -> RuleTrace {
    RuleTrace {
        kind,
        version: Some(version),
        tier: Some(tier),
    }
}

fn add_group(e: &Env, name: &str) -> Group {
    e.tick();
    e.store.write(|tx| rules::add_group(tx, name)).unwrap()
}

fn set_group(e: &Env, p: PartnerId, g: GroupId) -> Partner {
    e.tick();
    e.store.write(|tx| rules::set_partner_group(tx, p, g)).unwrap()
}

fn tier_change(group: Option<GroupId>, tier: Tier, rate_bp: i64) -> TierChange {
    TierChange {
        group,
        tier,
        rate_bp: Some(rate_bp),
        min_deals: None,
        min_revenue: None,
        from: None,
        scope: RuleScope::New,
    }
}

fn set_tier(e: &Env, c: &TierChange) -> rules::RuleChanged {
    e.tick();
    e.store.write(|tx| rules::set_tier(tx, c)).unwrap()
}

fn win_lead(e: &Env, p: PartnerId, client: &str, value: i64) -> Commission {
    let l = e.lead(p, client, value);
    e.win(l.id)
}

#[test]
fn migrating_an_existing_database_keeps_every_amount() {
    let (_dir, db) = crate::common::old_database(6);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "INSERT INTO settings (key, value, updated_at) VALUES ('tier.silver.rate', '1300', '2026-01-01T00:00:00.000Z');
             INSERT INTO partners (id, name, email, tier, total_deals, total_earnings, created_at, updated_at)
             VALUES ('0190a000-0000-7000-8000-00000000000a', 'Ann', 'ann@example.com', 'silver', 1, 13000,
                     '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
             INSERT INTO client_leads (id, partner_id, client_name, client_email, estimated_value, status, closed_at, created_at, updated_at)
             VALUES ('0190a000-0000-7000-8000-00000000000b', '0190a000-0000-7000-8000-00000000000a', 'Bo', 'bo@c.example',
                     100000, 'closed_won', '2026-01-02T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z');
             INSERT INTO lead_status_history (lead_id, from_status, to_status, at)
             VALUES ('0190a000-0000-7000-8000-00000000000b', NULL, 'prospect', '2026-01-01T00:00:00.000Z'),
                    ('0190a000-0000-7000-8000-00000000000b', 'prospect', 'closed_won', '2026-01-02T00:00:00.000Z');
             INSERT INTO commissions (id, partner_id, client_lead_id, commission_amount, commission_rate, project_value, created_at, updated_at)
             VALUES ('0190a000-0000-7000-8000-00000000000c', '0190a000-0000-7000-8000-00000000000a',
                     '0190a000-0000-7000-8000-00000000000b', 13000, 1300, 100000, '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z');",
        )
        .unwrap();
    }
    let clock = partnerdesk_core::clock::ManualClock::new(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 1, 0, 0, 0).unwrap(),
    );
    let store = partnerdesk_core::store::Store::open(&db, Arc::new(clock)).unwrap();
    let (p, c, v1, s) = store
        .read(|c| {
            let p = repo::partners::get(c, PartnerId(uuid("a")))?;
            let cm = repo::commissions::get(c, CommissionId(uuid("c")))?;
            Ok((p, cm, repo::rules::version(c, 1)?, workflow::settings::load(c)?))
        })
        .unwrap();
    assert_eq!(p.group_id, GroupId::STANDARD);
    assert_eq!((p.total_deals, p.total_earnings), (1, 13000));
    assert_eq!(
        (c.commission_amount, c.commission_rate, c.project_value),
        (13000, 1300, 100000)
    );
    assert_eq!(c.client_lead_id, Some(LeadId(uuid("b"))));
    assert_eq!(c.rule, trace(RuleKind::DefaultTier, 1, Tier::Silver));
    assert_eq!(v1.subject, RuleSubject::Default);
    assert_eq!(v1.effective_from, "0001-01-01");
    assert_eq!(s.rate(Tier::Silver), 1300, "the settings' rate is version 1's");
    assert_eq!(s.rate(Tier::Gold), 1500, "an unset key keeps its default");
    let groups = store.read(repo::rules::groups).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "Standard");
    assert_eq!(store.read(workflow::invariants::check).unwrap(), Vec::<String>::new());
}

#[test]
fn a_win_stores_the_rule_behind_it_override_over_group_over_default() {
    let e = common::env();
    let p = e.partner("Ann");
    assert_eq!(p.group_id, GroupId::STANDARD);
    let c = win_lead(&e, p.id, "One", 100_000);
    assert_eq!((c.commission_rate, c.commission_amount), (1000, 10_000));
    assert_eq!(c.rule, trace(RuleKind::DefaultTier, 1, Tier::Bronze));

    // A group inherits the default table until it has its own.
    let g = add_group(&e, "Agencies");
    set_group(&e, p.id, g.id);
    let c = win_lead(&e, p.id, "Two", 100_000);
    assert_eq!(c.rule, trace(RuleKind::DefaultTier, 1, Tier::Bronze));
    let v = set_tier(&e, &tier_change(Some(g.id), Tier::Bronze, 1100)).version;
    assert_eq!((v.version, v.subject, v.group_id), (2, RuleSubject::Group, Some(g.id)));
    let c = win_lead(&e, p.id, "Three", 100_000);
    assert_eq!((c.commission_rate, c.commission_amount), (1100, 11_000));
    assert_eq!(c.rule, trace(RuleKind::GroupTier, 2, Tier::Bronze));

    // The override comes first: a rate, then a flat amount per won deal.
    e.tick();
    let o = e
        .store
        .write(|tx| {
            rules::set_override(
                tx,
                p.id,
                &OverrideInput {
                    rate_bp: Some(2000),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let c = win_lead(&e, p.id, "Four", 100_000);
    assert_eq!((c.commission_rate, c.commission_amount), (2000, 20_000));
    assert_eq!(
        c.rule,
        trace(RuleKind::Override, o.version.version, Tier::Silver),
        "promoted to silver by 3 deals"
    );
    e.tick();
    let flat = e
        .store
        .write(|tx| {
            rules::set_override(
                tx,
                p.id,
                &OverrideInput {
                    flat: Some(50_000),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let c = win_lead(&e, p.id, "Five", 300_000);
    assert_eq!((c.commission_rate, c.commission_amount), (0, 50_000));
    assert_eq!(c.rule.version, Some(flat.version.version));
    no_problems(&e);

    // Cleared: the group's tier again (silver inherits the default's 12.5%).
    e.tick();
    e.store.write(|tx| rules::clear_override(tx, p.id)).unwrap();
    let c = win_lead(&e, p.id, "Six", 100_000);
    assert_eq!(c.rule.kind, RuleKind::GroupTier);
    assert_eq!(c.commission_rate, 1250);
    let (deals, earnings) = totals(&e, p.id);
    assert_eq!(deals, 6);
    assert_eq!(earnings, 10_000 + 10_000 + 11_000 + 20_000 + 50_000 + 12_500);
    no_problems(&e);

    // The JSON of a commission carries its rule.
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["rule"]["kind"], "group_tier");
    assert_eq!(json["rule"]["version"], 2);
    assert_eq!(json["rule"]["tier"], "silver");
}

#[test]
fn an_override_ends_after_its_until_date() {
    let e = common::env();
    let p = e.partner("Ann");
    let until = "2026-03-10";
    e.tick();
    e.store
        .write(|tx| {
            rules::set_override(
                tx,
                p.id,
                &OverrideInput {
                    rate_bp: Some(3000),
                    until: Some(until.into()),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(win_lead(&e, p.id, "One", 10_000).commission_rate, 3000);
    e.clock.advance(chrono::Duration::days(9));
    assert_eq!(day(&e), "2026-03-10");
    assert_eq!(
        win_lead(&e, p.id, "Two", 10_000).commission_rate,
        3000,
        "the until-day itself counts"
    );
    e.clock.advance(chrono::Duration::days(1));
    let c = win_lead(&e, p.id, "Three", 10_000);
    assert_eq!((c.commission_rate, c.rule.kind), (1000, RuleKind::DefaultTier));
}

#[test]
fn a_dated_version_applies_from_its_day_and_its_scope_decides_on_pending_commissions() {
    let e = common::env();
    let p = e.partner("Ann");
    // From a later day: today's wins keep the old rate.
    let mut change = tier_change(None, Tier::Bronze, 1200);
    change.from = Some("2026-03-05".into());
    let v2 = set_tier(&e, &change);
    assert!(v2.rerated.is_empty());
    let early = win_lead(&e, p.id, "Early", 100_000);
    assert_eq!(early.commission_rate, 1000);
    e.clock.advance(chrono::Duration::days(5));
    let later = win_lead(&e, p.id, "Later", 100_000);
    assert_eq!(later.commission_rate, 1200);
    assert_eq!(later.rule, trace(RuleKind::DefaultTier, 2, Tier::Bronze));
    // The settings show the default table as last set.
    assert_eq!(e.store.read(workflow::settings::load).unwrap().rate(Tier::Bronze), 1200);

    // Scope "new": pending commissions keep their rate. (Of versions of one
    // day, the later made applies; otherwise the latest day on or before the deal's.)
    let mut change = tier_change(None, Tier::Bronze, 1300);
    change.from = Some("2026-03-05".into());
    let v3 = set_tier(&e, &change);
    assert!(v3.rerated.is_empty());
    assert_eq!(e.get_commission(later.id).commission_rate, 1200);

    // Scope "pending" from the 5th: the pending one of that day is re-rated,
    // an approved one (and one before the date) is not.
    let approved = win_lead(&e, p.id, "Approved", 100_000);
    e.approve(&[approved.id]).unwrap();
    let mut change = tier_change(None, Tier::Bronze, 1400);
    change.from = Some("2026-03-05".into());
    change.scope = RuleScope::Pending;
    let m = e.audit_mark();
    let v4 = set_tier(&e, &change);
    assert_eq!(v4.rerated.len(), 1, "{:?}", v4.rerated);
    let r = e.get_commission(later.id);
    assert_eq!((r.commission_rate, r.commission_amount), (1400, 14_000));
    assert_eq!(r.rule, trace(RuleKind::DefaultTier, v4.version.version, Tier::Bronze));
    assert_eq!(e.get_commission(approved.id).commission_rate, 1300);
    assert_eq!(e.get_commission(early.id).commission_rate, 1000);
    let rows = e.audit_since(m);
    let acts: Vec<(&str, &str)> = rows.iter().map(|r| (r.entity.as_str(), r.action.as_str())).collect();
    assert_eq!(
        acts,
        [
            ("setting", "rule_version"),
            ("commission", "rerate"),
            ("partner", "totals")
        ]
    );
    let (_, earnings) = totals(&e, p.id);
    assert_eq!(earnings, 10_000 + 14_000 + 13_000);
    // Past versions stay readable.
    let view = e.store.read(|c| rules::show(c, None, &e.now_text()[..10])).unwrap();
    assert_eq!(view.in_force.version, 4);
    assert_eq!(
        view.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [4, 3, 2, 1]
    );
    consistent(&e);
}

#[test]
fn promotion_follows_the_group_thresholds() {
    let e = common::env();
    let g = add_group(&e, "Fast");
    let mut c = tier_change(Some(g.id), Tier::Silver, 1250);
    c.min_deals = Some(1);
    set_tier(&e, &c);
    let fast = e.partner("Fast One");
    set_group(&e, fast.id, g.id);
    let slow = e.partner("Slow One");
    let l = e.lead(fast.id, "A", 1000);
    let out = e.move_to(l.id, ClosedWon, None).unwrap();
    assert_eq!(out.promoted_to, Some(Tier::Silver));
    let l = e.lead(slow.id, "B", 1000);
    assert_eq!(e.move_to(l.id, ClosedWon, None).unwrap().promoted_to, None);
    consistent(&e);
}

#[test]
fn bad_rule_input_names_the_field_and_changes_nothing() {
    let e = common::env();
    let p = e.partner("Ann");
    add_group(&e, "Agencies");
    let field = |err: Error| err.field().map(str::to_owned);
    let err = e.refused(|tx| rules::set_tier(tx, &tier_change(None, Tier::Gold, 10_001)));
    assert_eq!(field(err), Some("rate".into()));
    let err = e.refused(|tx| rules::add_group(tx, "agencies"));
    assert_eq!(field(err), Some("name".into()));
    let err = e.refused(|tx| rules::add_group(tx, "  "));
    assert_eq!(field(err), Some("name".into()));
    let err = e.refused(|tx| {
        rules::set_override(
            tx,
            p.id,
            &OverrideInput {
                flat: Some(-1),
                ..Default::default()
            },
        )
    });
    assert_eq!(field(err), Some("flat".into()));
    let err = e.refused(|tx| {
        rules::set_override(
            tx,
            p.id,
            &OverrideInput {
                rate_bp: Some(10_001),
                ..Default::default()
            },
        )
    });
    assert_eq!(field(err), Some("rate".into()));
    let err = e.refused(|tx| {
        rules::set_override(
            tx,
            p.id,
            &OverrideInput {
                rate_bp: Some(1500),
                until: Some("2026-02-28".into()),
                ..Default::default()
            },
        )
    });
    assert!(err.to_string().contains("in the past"), "{err}");
    assert_eq!(field(err), Some("until".into()));
    let mut thresholds = tier_change(None, Tier::Gold, 1500);
    thresholds.min_deals = Some(2);
    let err = e.refused(|tx| rules::set_tier(tx, &thresholds));
    assert_eq!(field(err), Some("deals".into()));
    let mut from = tier_change(None, Tier::Gold, 1500);
    from.from = Some("2026-13-01".into());
    let err = e.refused(|tx| rules::set_tier(tx, &from));
    assert_eq!(field(err), Some("from".into()));
    let err = e.refused(|tx| rules::clear_override(tx, p.id));
    assert_eq!(field(err), Some("partner".into()));
    let err = e.refused(|tx| rules::bonus(tx, p.id, 0, "nothing"));
    assert_eq!(field(err), Some("amount".into()));
    let err = e.refused(|tx| rules::bonus(tx, p.id, 100, " "));
    assert_eq!(field(err), Some("reason".into()));
}

#[test]
fn a_bonus_or_adjustment_is_a_commission_without_a_lead() {
    let e = common::env();
    let p = e.partner("Ann");
    win_lead(&e, p.id, "One", 100_000);
    e.tick();
    let m = e.audit_mark();
    let b = e
        .store
        .write(|tx| rules::bonus(tx, p.id, 25_000, "launch bonus"))
        .unwrap();
    audited(&e, m, &[("commission", "bonus"), ("partner", "totals")]);
    assert_eq!(b.kind, CommissionKind::Bonus);
    assert_eq!(b.client_lead_id, None);
    assert_eq!(b.reason.as_deref(), Some("launch bonus"));
    assert_eq!(b.rule.kind, RuleKind::Bonus);
    e.tick();
    let adj = e
        .store
        .write(|tx| rules::bonus(tx, p.id, -5_000, "correction of a typo"))
        .unwrap();
    assert_eq!(adj.commission_amount, -5_000);
    assert_eq!(totals(&e, p.id), (1, 10_000 + 25_000 - 5_000), "a bonus counts no deal");
    // It is paid like any commission.
    e.approve(&[b.id, adj.id]).unwrap();
    let payout = e.payout(&[p.id]).unwrap();
    assert_eq!(payout.total_amount, 20_000);
    consistent(&e);
}

#[test]
fn a_milestone_bonus_comes_once_on_the_nth_won_deal() {
    let e = common::env();
    e.tick();
    e.store
        .write(|tx| {
            rules::edit_group(
                tx,
                GroupId::STANDARD,
                &rules::GroupEdit {
                    milestone: Some((2, 5_000)),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let p = e.partner("Ann");
    let l1 = e.lead(p.id, "One", 1000);
    assert!(e.move_to(l1.id, ClosedWon, None).unwrap().milestone.is_none());
    let l2 = e.lead(p.id, "Two", 1000);
    let out = e.move_to(l2.id, ClosedWon, None).unwrap();
    let bonus = out.milestone.expect("the second deal earns the milestone");
    assert_eq!(
        (bonus.kind, bonus.rule.kind, bonus.commission_amount),
        (CommissionKind::Bonus, RuleKind::Milestone, 5_000)
    );
    // Reopened and won again: no second milestone.
    e.move_to(l2.id, Negotiating, None).unwrap();
    assert!(e.move_to(l2.id, ClosedWon, None).unwrap().milestone.is_none());
    assert_eq!(totals(&e, p.id), (2, 100 + 100 + 5_000));
    consistent(&e);
}

fn run_due(e: &Env) -> Vec<Commission> {
    e.tick();
    e.store.write(rules::run_due).unwrap().accruals
}

#[test]
fn a_retainer_accrues_each_passed_month_once_up_to_the_group_limit() {
    let e = common::env();
    let p = e.partner("Ann");
    let l = e.lead(p.id, "Monthly", 100_000);
    e.tick();
    let out = e
        .store
        .write(|tx| {
            workflow::leads::move_to_with(
                tx,
                l.id,
                ClosedWon,
                None,
                Some(RetainerTerms {
                    monthly: 50_000,
                    months: 3,
                }),
            )
        })
        .unwrap();
    assert!(out.retainer.is_some());
    assert!(run_due(&e).is_empty(), "no month has passed");
    e.clock.advance(chrono::Duration::days(32));
    let first = run_due(&e);
    assert_eq!(first.len(), 1);
    let a = &first[0];
    assert_eq!(
        (a.kind, a.commission_amount, a.project_value),
        (CommissionKind::Accrual, 5_000, 50_000)
    );
    assert_eq!(a.accrual_month.as_deref(), Some("2026-04"));
    assert_eq!(a.rule, trace(RuleKind::Retainer, 1, Tier::Bronze));
    assert!(run_due(&e).is_empty(), "each month once");
    e.clock.advance(chrono::Duration::days(200));
    assert_eq!(run_due(&e).len(), 2, "the term is 3 months");
    assert!(run_due(&e).is_empty());
    assert_eq!(totals(&e, p.id), (1, 10_000 + 3 * 5_000));
    no_problems(&e);

    // The group's limit caps a longer term.
    e.tick();
    e.store
        .write(|tx| {
            rules::edit_group(
                tx,
                GroupId::STANDARD,
                &rules::GroupEdit {
                    recurring_limit: Some(2),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let l = e.lead(p.id, "Long", 100_000);
    e.tick();
    e.store
        .write(|tx| {
            workflow::leads::move_to_with(
                tx,
                l.id,
                ClosedWon,
                None,
                Some(RetainerTerms {
                    monthly: 1_000,
                    months: 12,
                }),
            )
        })
        .unwrap();
    e.clock.advance(chrono::Duration::days(400));
    assert_eq!(run_due(&e).len(), 2);
    consistent(&e);
}

#[test]
fn reopening_a_retainer_deal_stops_its_accruals_and_cancels_the_unpaid_ones() {
    let e = common::env();
    // Approval by hand (hold 0): the win stays unpaid while the months
    // accrue; no minimum, so that one month of 10.00 is paid.
    e.payout_rules(0, 0);
    let p = e.partner("Ann");
    let l = e.lead(p.id, "Monthly", 100_000);
    e.tick();
    e.store
        .write(|tx| {
            workflow::leads::move_to_with(
                tx,
                l.id,
                ClosedWon,
                None,
                Some(RetainerTerms {
                    monthly: 10_000,
                    months: 12,
                }),
            )
        })
        .unwrap();
    e.clock.advance(chrono::Duration::days(65));
    let accrued = run_due(&e);
    assert_eq!(accrued.len(), 2);
    e.pay(&accrued[0]);
    let out = e.move_to(l.id, Negotiating, None).unwrap();
    assert_eq!(out.accruals_cancelled.len(), 1, "the unpaid month");
    assert!(out.cancelled.is_some(), "the unpaid win");
    e.clock.advance(chrono::Duration::days(100));
    assert!(run_due(&e).is_empty(), "no month after the reopen");
    // Won again without new terms: the void retainer accrues nothing.
    e.move_to(l.id, ClosedWon, None).unwrap();
    e.clock.advance(chrono::Duration::days(100));
    assert!(run_due(&e).is_empty(), "the reopened retainer is void");
    assert_eq!(e.get_commission(accrued[0].id).status, CommissionStatus::Paid);
    assert_eq!(totals(&e, p.id), (1, 1_000 + 10_000));
    consistent(&e);
}

#[test]
fn a_partner_moves_group_with_an_audited_change() {
    let e = common::env();
    let p = e.partner("Ann");
    let g = add_group(&e, "Agencies");
    e.tick();
    let m = e.audit_mark();
    let moved = e.store.write(|tx| rules::set_partner_group(tx, p.id, g.id)).unwrap();
    let rows = audited(&e, m, &[("partner", "group")]);
    let b: Partner = before(&rows[0]);
    let a: Partner = after(&rows[0]);
    assert_eq!((b.group_id, a.group_id), (GroupId::STANDARD, g.id));
    assert_eq!(moved.group_id, g.id);
    let list = e.store.read(|c| rules::groups(c, "2026-03-01")).unwrap();
    let sizes: Vec<(&str, i64)> = list.iter().map(|g| (g.group.name.as_str(), g.partners)).collect();
    assert_eq!(sizes, [("Agencies", 1), ("Standard", 0)]);
    let err = e.refused(|tx| rules::set_partner_group(tx, p.id, g.id));
    assert_eq!(err.kind(), "invalid_transition");
}

fn simulate(
    e: &Env,
    draft: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> partnerdesk_core::Result<partnerdesk_core::workflow::simulate::Simulation> {
    use partnerdesk_core::workflow::simulate;
    let today = day(e);
    e.store
        .read(|c| simulate::simulate(c, &simulate::parse_draft(draft)?, from, to, &today))
}

#[test]
fn the_simulator_replays_the_won_deals_under_a_draft_and_writes_nothing() {
    let e = common::env();
    let ann = e.partner("Ann");
    let bob = e.partner("Bob");
    for i in 0..3 {
        win_lead(&e, ann.id, &format!("A{i}"), 100_000);
    }
    e.clock.advance(chrono::Duration::days(31));
    win_lead(&e, ann.id, "A3", 100_000);
    win_lead(&e, bob.id, "B0", 200_000);

    // Nothing changed: both sides equal what the rules gave (3 bronze, then silver).
    let same = simulate(&e, "{}", None, None).unwrap();
    assert_eq!(same.current, 3 * 10_000 + 12_500 + 20_000);
    assert_eq!(same.current, same.draft);
    assert_eq!(same.deals, 5);

    // Bronze 11 %, silver from 2 deals: Ann's third deal is already silver.
    let draft = r#"{"default": {"tiers": [{"tier": "bronze", "rate": 11}, {"tier": "silver", "deals": 2}]},
                    "overrides": {"BOB": {"flat": "500.00"}}}"#
        .replace("BOB", &bob.id.to_string());
    let s = simulate(&e, &draft, None, None).unwrap();
    assert_eq!(s.draft, 11_000 + 11_000 + 12_500 + 12_500 + 50_000);
    let months: Vec<(&str, i64, i64)> = s
        .months
        .iter()
        .map(|m| (m.month.as_str(), m.current, m.draft))
        .collect();
    assert_eq!(months, [("2026-03", 30_000, 34_500), ("2026-04", 32_500, 62_500)]);
    assert_eq!(s.partners[0].partner_id, bob.id, "the largest difference first");
    assert_eq!((s.partners[0].current, s.partners[0].draft), (20_000, 50_000));
    let a = s.partners.iter().find(|p| p.partner_id == ann.id).unwrap();
    assert_eq!((a.tier_now, a.tier_draft), (Tier::Silver, Tier::Silver));
    // A period: only April's deals cost, March's still count for the tiers.
    let april = simulate(&e, &draft, Some("2026-04"), Some("2026-04")).unwrap();
    assert_eq!((april.current, april.draft, april.deals), (32_500, 62_500, 2));
    // A group's draft applies to its partners only.
    let g = add_group(&e, "Agencies");
    set_group(&e, bob.id, g.id);
    let before = e.dump();
    let s = simulate(
        &e,
        r#"{"groups": {"agencies": {"tiers": [{"tier": "bronze", "rate": "15"}]}}}"#,
        None,
        None,
    )
    .unwrap();
    assert_eq!(s.draft - s.current, 10_000);
    let json = serde_json::to_value(&s).unwrap();
    for k in ["current", "draft", "months", "partners"] {
        assert!(json.get(k).is_some(), "{k}");
    }
    for k in ["partner_id", "current", "draft", "tier_now", "tier_draft"] {
        assert!(json["partners"][0].get(k).is_some(), "{k}");
    }
    assert_eq!(e.dump(), before, "a simulation writes nothing");
}

#[test]
fn a_bad_draft_is_refused_naming_the_place() {
    let e = common::env();
    let p = e.partner("Ann");
    win_lead(&e, p.id, "A", 1000);
    let bad = |draft: &str, words: &str| {
        let err = simulate(&e, draft, None, None).unwrap_err();
        assert_eq!(err.field(), Some("draft"), "{err}");
        assert!(err.to_string().contains(words), "{err} lacks {words:?}");
    };
    bad("not json", "not a valid draft");
    bad(r#"{"defaults": {}}"#, "unknown field");
    bad(r#"{"groups": {"Nope": {"tiers": []}}}"#, "groups.Nope");
    bad(
        r#"{"default": {"tiers": [{"tier": "iron", "rate": 1}]}}"#,
        "default.tiers[0].tier",
    );
    bad(
        r#"{"default": {"tiers": [{"tier": "gold", "rate": 150}]}}"#,
        "default.tiers[0].rate",
    );
    bad(r#"{"default": {"tiers": [{"tier": "gold", "deals": 1}]}}"#, "default");
    bad(
        r#"{"overrides": {"0190a000-0000-7000-8000-000000000000": {"rate": 5}}}"#,
        "no partner",
    );
    let both = format!(r#"{{"overrides": {{"{}": {{"rate": 5, "flat": "1.00"}}}}}}"#, p.id);
    bad(&both, "not both");
    let err = simulate(&e, "{}", Some("2026-13"), None).unwrap_err();
    assert_eq!(err.field(), Some("from"));
}
