//! Tiers and settings: the default tier table, automatic promotion by deals and
//! earnings (never an automatic demotion), manual tier changes, and the
//! checks on the settings.

use super::*;
use partnerdesk_core::workflow::{partners, settings};

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
