//! The dashboard figures, checked against what the rules did.

use crate::common;

use chrono::{Duration, TimeZone, Utc};
use partnerdesk_core::dashboard::{dashboard, month_start};
use partnerdesk_core::model::*;
use partnerdesk_core::workflow::{applications, commissions, partners};

#[test]
fn empty_database_has_zero_figures_and_empty_lists() {
    let env = common::env();
    let d = env.store.read(|c| dashboard(c, env.store.now())).unwrap();
    assert_eq!(d.currency, "USD");
    assert_eq!(d.active_by_tier.len(), 4);
    assert!(d.active_by_tier.iter().all(|t| t.count == 0));
    assert_eq!((d.open_leads, d.open_pipeline_value, d.commissions_owed), (0, 0, 0));
    assert!(d.applications_waiting.is_empty() && d.untouched_leads.is_empty() && d.to_pay.is_empty());
}

#[test]
fn figures_follow_the_rules() {
    let env = common::env();
    let ann = env.partner("Ann Able");
    let bob = env.partner("Bob Baker");
    // A paused partner is not active.
    env.tick();
    env.store
        .write(|tx| partners::set_status(tx, bob.id, PartnerStatus::Paused))
        .unwrap();
    // One application waiting.
    env.tick();
    let waiting = env
        .store
        .write(|tx| {
            applications::add(
                tx,
                &NewApplication {
                    name: "Cy Waiting".into(),
                    email: "cy@example.com".into(),
                    ..Default::default()
                },
            )
        })
        .unwrap();

    let old = env.lead(ann.id, "Old Client", 500_000);
    // 20 days later: a fresh lead, and a win this month.
    env.clock.advance(Duration::days(20));
    let fresh = env.lead(ann.id, "Fresh Client", 250_000);
    let won = env.lead(ann.id, "Won Client", 900_000);
    let c = env.win(won.id);
    assert_eq!(c.commission_amount, 90_000); // bronze 10%, below the silver threshold

    let now = env.store.now();
    let d = env.store.read(|conn| dashboard(conn, now)).unwrap();
    assert_eq!(d.active_partners, 1);
    assert_eq!(
        d.active_by_tier[0],
        partnerdesk_core::dashboard::TierCount {
            tier: Tier::Bronze,
            count: 1
        }
    );
    assert_eq!(d.open_leads, 2);
    assert_eq!(d.open_pipeline_value, 750_000);
    assert_eq!((d.won_this_month_count, d.won_this_month_value), (1, 900_000));
    assert_eq!(
        (d.commissions_pending, d.commissions_approved, d.commissions_owed),
        (90_000, 0, 90_000)
    );
    assert_eq!(d.applications_waiting_count, 1);
    assert_eq!(d.applications_waiting[0].id, waiting.id);
    assert_eq!(d.untouched_leads_count, 1);
    assert_eq!(d.untouched_leads[0].id, old.id);
    assert_eq!(d.untouched_leads[0].partner_name, "Ann Able");
    assert!(d.untouched_leads.iter().all(|l| l.id != fresh.id));
    assert_eq!(d.to_pay_count, 0);

    // Approve: owed stays, it moves to approved and the partner is to pay.
    env.approve(&[c.id]).unwrap();
    let d = env.store.read(|conn| dashboard(conn, env.store.now())).unwrap();
    assert_eq!(
        (d.commissions_pending, d.commissions_approved, d.commissions_owed),
        (0, 90_000, 90_000)
    );
    assert_eq!(d.to_pay_count, 1);
    assert_eq!(d.to_pay[0].partner_id, ann.id);
    assert_eq!((d.to_pay[0].amount, d.to_pay[0].commission_count), (90_000, 1));

    // Pay: nothing owed any more.
    env.tick();
    env.store.write(|tx| commissions::payout(tx, &[ann.id])).unwrap();
    let d = env.store.read(|conn| dashboard(conn, env.store.now())).unwrap();
    assert_eq!((d.commissions_owed, d.to_pay_count), (0, 0));
    // The win still counts this month, and not next month.
    assert_eq!(d.won_this_month_count, 1);
    let next_month = month_start(env.store.now()) + Duration::days(40);
    let d = env.store.read(|conn| dashboard(conn, next_month)).unwrap();
    assert_eq!(d.won_this_month_count, 0);
}

#[test]
fn month_start_is_the_first_at_midnight_utc() {
    let t = Utc.with_ymd_and_hms(2026, 3, 17, 15, 4, 5).unwrap();
    assert_eq!(month_start(t), Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
}
