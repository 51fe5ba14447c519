//! A group's rules as dated versions (workflow::groups): its settings (the
//! retainer limit, the milestone bonus) change from a date and deals won
//! before keep theirs; a group goes back to the default table with a scope;
//! the settings show the default table in force today, not a later one; and
//! migrating a database keeps every group's settings as they were.

use super::*;
use partnerdesk_core::workflow::rules::{self, GroupEdit, RetainerTerms, TierChange};
use std::sync::Arc;

fn edit(e: &Env, g: GroupId, edit: GroupEdit) -> Group {
    e.tick();
    e.store.write(|tx| rules::edit_group(tx, g, &edit)).unwrap()
}

fn today(e: &Env) -> String {
    e.now_text()[..10].to_owned()
}

fn settings_on(e: &Env, g: GroupId, day: &str) -> rules::GroupSettings {
    e.store.read(|c| rules::group_settings_in_force(c, g, day)).unwrap()
}

fn win_retainer(e: &Env, p: PartnerId, client: &str, months: i64) -> LeadId {
    let l = e.lead(p, client, 100_000);
    e.tick();
    e.store
        .write(|tx| {
            workflow::leads::move_to_with(
                tx,
                l.id,
                ClosedWon,
                None,
                Some(RetainerTerms { monthly: 1_000, months }),
            )
        })
        .unwrap();
    l.id
}

#[test]
fn a_milestone_set_from_a_later_date_pays_only_deals_won_from_then() {
    let e = common::env(); // 2026-03-01
    let g = {
        e.tick();
        e.store.write(|tx| rules::add_group(tx, "Agencies")).unwrap()
    };
    let mark = e.audit_mark();
    let row = edit(
        &e,
        g.id,
        GroupEdit {
            milestone: Some((2, 5_000)),
            from: Some("2026-04-01".into()),
            ..Default::default()
        },
    );
    // The row shows the newest version; today's rules have no milestone yet.
    assert_eq!((row.milestone_deals, row.milestone_amount), (Some(2), Some(5_000)));
    let now = settings_on(&e, g.id, &today(&e));
    assert_eq!((now.version, now.milestone_deals), (None, None));
    let later = settings_on(&e, g.id, "2026-04-01");
    assert_eq!((later.milestone_deals, later.recurring_limit), (Some(2), 12));
    let v = later.version.expect("a dated version");
    let rows = e.audit_since(mark);
    let actions: Vec<&str> = rows
        .iter()
        .filter(|r| r.entity != "outbox")
        .map(|r| r.action.as_str())
        .collect();
    assert_eq!(actions, ["rule_version", "group_update"]);

    let ann = e.partner("Ann");
    e.tick();
    e.store.write(|tx| rules::set_partner_group(tx, ann.id, g.id)).unwrap();
    win_lead_in(&e, ann.id, "One");
    let second = e.move_to(e.lead(ann.id, "Two", 1_000).id, ClosedWon, None).unwrap();
    assert!(second.milestone.is_none(), "won before the milestone's date");

    e.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 4, 2, 9, 0, 0).unwrap());
    let bo = e.partner("Bo");
    e.tick();
    e.store.write(|tx| rules::set_partner_group(tx, bo.id, g.id)).unwrap();
    win_lead_in(&e, bo.id, "Three");
    let out = e.move_to(e.lead(bo.id, "Four", 1_000).id, ClosedWon, None).unwrap();
    let bonus = out.milestone.expect("won after the date: the milestone pays");
    assert_eq!(bonus.commission_amount, 5_000);
    assert_eq!((bonus.rule.kind, bonus.rule.version), (RuleKind::Milestone, Some(v)));
    no_problems(&e);
}

fn win_lead_in(e: &Env, p: PartnerId, client: &str) {
    let l = e.lead(p, client, 1_000);
    e.win(l.id);
}

#[test]
fn a_retainer_keeps_the_limit_of_the_day_it_was_won() {
    let e = common::env();
    let p = e.partner("Ann");
    let kept = win_retainer(&e, p.id, "Kept", 5);
    // The limit drops to 2 from the next day: the deal won today keeps its 5 months.
    edit(
        &e,
        GroupId::STANDARD,
        GroupEdit {
            recurring_limit: Some(2),
            from: Some("2026-03-02".into()),
            ..Default::default()
        },
    );
    e.clock.advance(chrono::Duration::days(1));
    let capped = win_retainer(&e, p.id, "Capped", 5);
    e.clock.advance(chrono::Duration::days(400));
    e.tick();
    let due = e.store.write(rules::run_due).unwrap();
    let months = |id: LeadId| due.accruals.iter().filter(|a| a.client_lead_id == Some(id)).count();
    assert_eq!((months(kept), months(capped)), (5, 2));
    no_problems(&e);
}

#[test]
fn a_group_goes_back_to_the_default_table_with_either_scope() {
    let e = common::env();
    e.tick();
    let g = e.store.write(|tx| rules::add_group(tx, "Agencies")).unwrap();
    edit(
        &e,
        g.id,
        GroupEdit {
            milestone: Some((9, 1_000)),
            ..Default::default()
        },
    );
    e.tick();
    let own = e
        .store
        .write(|tx| {
            rules::set_tier(
                tx,
                &TierChange {
                    group: Some(g.id),
                    tier: Tier::Bronze,
                    rate_bp: Some(2_000),
                    min_deals: None,
                    min_revenue: None,
                    from: None,
                    scope: RuleScope::New,
                },
            )
        })
        .unwrap()
        .version;
    assert_eq!(own.milestone_deals, Some(9), "a table change keeps the settings");
    let ann = e.partner("Ann");
    e.tick();
    e.store.write(|tx| rules::set_partner_group(tx, ann.id, g.id)).unwrap();
    let l = e.lead(ann.id, "Pending", 100_000);
    let before = e.win(l.id);
    assert_eq!(
        (before.commission_amount, before.rule.kind),
        (20_000, RuleKind::GroupTier)
    );

    // Scope new: the pending commission keeps the group's rate.
    e.clock.advance(chrono::Duration::days(1));
    e.tick();
    let mark = e.audit_mark();
    let done = e
        .store
        .write(|tx| rules::use_default_table(tx, g.id, None, RuleScope::New))
        .unwrap();
    assert!(done.rerated.is_empty());
    assert_eq!(done.version.tiers.as_deref(), Some(&[][..]));
    assert_eq!(done.version.milestone_deals, Some(9), "the settings stay");
    assert_eq!(
        e.audit_since(mark)
            .iter()
            .filter(|r| r.entity != "outbox")
            .map(|r| r.action.as_str())
            .collect::<Vec<_>>(),
        ["rule_version"]
    );
    let t = e.store.read(|c| rules::table_in_force(c, g.id, &today(&e))).unwrap();
    assert_eq!((t.kind, t.version), (RuleKind::DefaultTier, 1));
    let next = e.win(e.lead(ann.id, "After", 100_000).id);
    assert_eq!(
        (next.commission_amount, next.rule.kind),
        (10_000, RuleKind::DefaultTier)
    );
    assert_eq!(e.get_commission(before.id).commission_amount, 20_000);

    // Once on the default table, going back again is refused, naming the group.
    e.tick();
    let again = e
        .store
        .write(|tx| rules::use_default_table(tx, g.id, None, RuleScope::New));
    assert!(
        matches!(&again, Err(Error::Validation { field, .. }) if field == "group"),
        "{again:?}"
    );

    // Scope pending, from the day of the first win: its commission is re-rated.
    e.tick();
    e.store
        .write(|tx| {
            rules::set_tier(
                tx,
                &TierChange {
                    group: Some(g.id),
                    tier: Tier::Bronze,
                    rate_bp: Some(2_500),
                    min_deals: None,
                    min_revenue: None,
                    from: Some(before.created_at[..10].to_owned()),
                    scope: RuleScope::Pending,
                },
            )
        })
        .unwrap();
    assert_eq!(e.get_commission(before.id).commission_amount, 25_000);
    e.tick();
    let back = e
        .store
        .write(|tx| rules::use_default_table(tx, g.id, Some(&before.created_at[..10]), RuleScope::Pending))
        .unwrap();
    let rerated = e.get_commission(before.id);
    // The deal won after the first switch already has the default rate.
    assert_eq!(back.rerated.len(), 1);
    assert_eq!(
        (rerated.commission_amount, rerated.rule.kind, rerated.rule.version),
        (10_000, RuleKind::DefaultTier, Some(1))
    );
    assert_eq!(e.get_partner(ann.id).total_earnings, 20_000);
    no_problems(&e);
}

#[test]
fn the_settings_show_the_default_table_in_force_today_not_a_later_one() {
    let e = common::env(); // 2026-03-01
    e.tick();
    e.store
        .write(|tx| {
            rules::set_tier(
                tx,
                &TierChange {
                    group: None,
                    tier: Tier::Silver,
                    rate_bp: Some(1_400),
                    min_deals: None,
                    min_revenue: None,
                    from: Some("2026-06-01".into()),
                    scope: RuleScope::New,
                },
            )
        })
        .unwrap();
    let today_s = e.store.read(|c| workflow::settings::load_on(c, "2026-03-01")).unwrap();
    assert_eq!(
        today_s.rate(Tier::Silver),
        1_250,
        "the June version is not today's table"
    );
    let june = e.store.read(|c| workflow::settings::load_on(c, "2026-06-01")).unwrap();
    assert_eq!(june.rate(Tier::Silver), 1_400);
    // A tier key set today starts from today's table, not June's.
    e.tick();
    let after = e
        .store
        .write(|tx| workflow::settings::set(tx, "tier.gold.rate", "16"))
        .unwrap();
    assert_eq!((after.rate(Tier::Silver), after.rate(Tier::Gold)), (1_250, 1_600));
    let t = e.store.read(|c| rules::default_in_force(c, "2026-03-01")).unwrap();
    assert_eq!((t.tiers[1].rate_bp, t.tiers[2].rate_bp), (1_250, 1_600));
}

#[test]
fn migrating_keeps_each_groups_settings_as_they_were() {
    let (_dir, db) = crate::common::old_database(9);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "INSERT INTO partner_groups (id, name, recurring_limit, milestone_deals, milestone_amount, created_at, updated_at)
             VALUES ('0190a000-0000-7000-8000-00000000000a', 'Settings only', 6, 3, 2500, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
                    ('0190a000-0000-7000-8000-00000000000b', 'Own table', 24, NULL, NULL, '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z'),
                    ('0190a000-0000-7000-8000-00000000000c', 'Plain', 12, NULL, NULL, '2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z');
             INSERT INTO rule_versions (version, subject, group_id, effective_from, scope, tiers, created_at)
             SELECT 2, 'group', '0190a000-0000-7000-8000-00000000000b', '2026-01-05', 'new', tiers, '2026-01-05T00:00:00.000Z'
               FROM rule_versions WHERE version = 1;",
        )
        .unwrap();
    }
    let clock = partnerdesk_core::clock::ManualClock::new(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 1, 0, 0, 0).unwrap(),
    );
    let store = partnerdesk_core::store::Store::open(&db, Arc::new(clock)).unwrap();
    let id =
        |last: &str| GroupId(::uuid::Uuid::parse_str(&format!("0190a000-0000-7000-8000-00000000000{last}")).unwrap());
    let on = |g: GroupId, day: &str| store.read(|c| rules::group_settings_in_force(c, g, day)).unwrap();
    let only = on(id("a"), "2026-03-01");
    assert_eq!(
        (only.recurring_limit, only.milestone_deals, only.milestone_amount),
        (6, Some(3), Some(2500))
    );
    assert_eq!(only, on(id("a"), "2000-01-01"), "in force since always");
    let t = store.read(|c| rules::table_in_force(c, id("a"), "2026-03-01")).unwrap();
    assert_eq!(
        t.kind,
        RuleKind::DefaultTier,
        "its new version inherits the default table"
    );
    let own = on(id("b"), "2026-03-01");
    assert_eq!((own.version, own.recurring_limit), (Some(2), 24));
    let plain = on(id("c"), "2026-03-01");
    assert_eq!(
        (plain.version, plain.recurring_limit, plain.milestone_deals),
        (None, 12, None)
    );
    assert_eq!(store.read(workflow::invariants::check).unwrap(), Vec::<String>::new());
}
