//! Analytics on small data sets built through the workflow functions, with
//! every expected figure computed by hand (see the comments), plus the
//! forecast models on known series and the charts.

use chrono::{DateTime, TimeZone, Utc};
use partnerdesk_core::analytics::{
    self, cohorts, forecast, ltv, month, rollup, snapshots, CohortQuery, CohortValue, LtvBy, Measure,
};
use partnerdesk_core::charts::{self, Chart, Theme};
use partnerdesk_core::clock::ManualClock;
use partnerdesk_core::model::*;
use partnerdesk_core::store::Store;
use partnerdesk_core::workflow::{applications, commissions, leads};
use std::sync::Arc;

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

struct World {
    store: Store,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(at(2026, 1, 1));
        let store = Store::open(dir.path().join("a.db"), Arc::new(clock.clone())).unwrap();
        World {
            store,
            clock,
            _dir: dir,
        }
    }
    fn partner(&self, when: DateTime<Utc>, name: &str) -> Partner {
        self.clock.set(when);
        self.store
            .write(|tx| {
                let a = applications::add(
                    tx,
                    &NewApplication {
                        name: name.into(),
                        email: format!("{}@example.com", name.to_lowercase()),
                        ..Default::default()
                    },
                )?;
                applications::approve(tx, a.id).map(|(_, p)| p)
            })
            .unwrap()
    }
    fn lead(&self, when: DateTime<Utc>, p: &Partner, client: &str, value: i64) -> Lead {
        self.clock.set(when);
        self.store
            .write(|tx| {
                leads::add(
                    tx,
                    &NewLead {
                        partner_id: p.id,
                        client_name: client.into(),
                        client_email: format!("{}@client.example", client.to_lowercase()),
                        business_name: Some(format!("{client} Ltd")),
                        estimated_value: value,
                        ..Default::default()
                    },
                )
            })
            .unwrap()
            .lead
    }
    fn to(&self, when: DateTime<Utc>, l: &Lead, s: LeadStatus, value: Option<i64>) -> leads::MoveOutcome {
        self.clock.set(when);
        self.store.write(|tx| leads::move_to(tx, l.id, s, value)).unwrap()
    }
    fn rollups_match_recompute(&self) {
        let incremental = self.store.read(rollup::dump).unwrap();
        let rebuilt = self
            .store
            .write(|tx| {
                rollup::rebuild(tx)?;
                rollup::dump(tx)
            })
            .unwrap();
        assert_eq!(incremental, rebuilt, "incremental roll-ups differ from a recompute");
    }
}

/// Partners A, B (cohort 2026-01) and C (cohort 2026-02); read on 2026-07-15.
///
/// | when       | what                                                        |
/// |------------|-------------------------------------------------------------|
/// | 01-10      | A, B approved                                               |
/// | 01-15/20   | A: lead L1 (1,000.00), won at 2,000.00 -> commission 200.00 |
/// | 02-05      | C approved                                                  |
/// | 02-10      | B: lead L2 (500.00)                                         |
/// | 02-12      | C: lead L3 (3,000.00) -> qualified                          |
/// | 03-05      | C wins L3 at 3,000.00 (commission 300.00, pending)           |
/// | 03-06/07   | L2 -> proposal_sent -> closed_lost                          |
/// | 04-20/21   | B: lead L5 (12,000.00) won -> 1,200.00 (10%), B to silver   |
/// | 05-02      | A: lead L4 (800.00), stays a prospect                       |
/// | 05-10      | L3 reopened to negotiating: its unpaid commission cancelled |
/// | 06-01      | A's commission approved and paid                            |
/// | 06-03      | L1 reopened to closed_lost: clawback -200.00 (value 2,000)  |
fn fixture() -> (World, [Partner; 3]) {
    let w = World::new();
    let a = w.partner(at(2026, 1, 10), "Ann");
    let b = w.partner(at(2026, 1, 10) + chrono::Duration::minutes(5), "Bob");
    let l1 = w.lead(at(2026, 1, 15), &a, "One", 100_000);
    w.to(at(2026, 1, 20), &l1, LeadStatus::ClosedWon, Some(200_000));
    let c = w.partner(at(2026, 2, 5), "Cid");
    let l2 = w.lead(at(2026, 2, 10), &b, "Two", 50_000);
    let l3 = w.lead(at(2026, 2, 12), &c, "Three", 300_000);
    w.to(at(2026, 2, 13), &l3, LeadStatus::Qualified, None);
    w.to(at(2026, 3, 5), &l3, LeadStatus::ClosedWon, None);
    w.to(at(2026, 3, 6), &l2, LeadStatus::ProposalSent, None);
    w.to(at(2026, 3, 7), &l2, LeadStatus::ClosedLost, None);
    let l5 = w.lead(at(2026, 4, 20), &b, "Five", 1_200_000);
    let won = w.to(at(2026, 4, 21), &l5, LeadStatus::ClosedWon, None);
    assert_eq!(won.commission.as_ref().unwrap().commission_amount, 120_000);
    assert_eq!(won.promoted_to, Some(Tier::Silver));
    w.lead(at(2026, 5, 2), &a, "Four", 80_000);
    let re = w.to(at(2026, 5, 10), &l3, LeadStatus::Negotiating, None);
    assert!(re.cancelled.is_some());
    w.clock.set(at(2026, 6, 1));
    let c1 = w
        .store
        .read(|c| partnerdesk_core::store::repo::commissions::for_lead(c, l1.id))
        .unwrap();
    w.store.write(|tx| commissions::approve(tx, &[c1[0].id])).unwrap();
    w.store.write(|tx| commissions::payout(tx, &[a.id])).unwrap();
    let claw = w.to(at(2026, 6, 3), &l1, LeadStatus::ClosedLost, None);
    assert_eq!(claw.clawback.as_ref().unwrap().commission_amount, -20_000);
    w.clock.set(at(2026, 7, 15));
    (w, [a, b, c])
}

fn table(w: &World, m: Measure, from: Option<&str>, to: Option<&str>) -> Vec<(String, i64, Vec<f64>)> {
    let q = CohortQuery {
        measure: m,
        from: from.map(str::to_owned),
        to: to.map(str::to_owned),
    };
    let t = w.store.read(|c| cohorts(c, &q, at(2026, 7, 15))).unwrap();
    assert_eq!(t.measure, m);
    t.cohorts
        .into_iter()
        .map(|r| {
            (
                r.cohort,
                r.size,
                r.values.into_iter().map(CohortValue::as_f64).collect(),
            )
        })
        .collect()
}

#[test]
fn cohort_measures_match_hand_computed_values() {
    let (w, _) = fixture();
    // Months Jan..Jul = k 0..6 for cohort 2026-01 (A, B) and Feb..Jul = k 0..5 for 2026-02 (C).
    // active: Jan A (lead+win); Feb B (lead); Mar none (C's win was cancelled later);
    // Apr B (lead+win); May A (lead).
    assert_eq!(
        table(&w, Measure::Active, None, None),
        vec![
            ("2026-01".into(), 2, vec![0.5, 0.5, 0.0, 0.5, 0.5, 0.0, 0.0]),
            ("2026-02".into(), 1, vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        ]
    );
    // revenue per partner: Jan 2,000.00/2, Apr 12,000.00/2, Jun clawback -2,000.00/2.
    assert_eq!(
        table(&w, Measure::Revenue, None, None),
        vec![
            (
                "2026-01".into(),
                2,
                vec![100_000.0, 0.0, 0.0, 600_000.0, 0.0, -100_000.0, 0.0]
            ),
            ("2026-02".into(), 1, vec![0.0; 6]),
        ]
    );
    assert_eq!(
        table(&w, Measure::Cumulative, None, None)[0].2,
        vec![100_000.0, 100_000.0, 100_000.0, 700_000.0, 700_000.0, 600_000.0, 600_000.0]
    );
    assert_eq!(
        table(&w, Measure::Deals, None, None),
        vec![
            ("2026-01".into(), 2, vec![1.0, 0.0, 0.0, 1.0, 0.0, -1.0, 0.0]),
            ("2026-02".into(), 1, vec![0.0; 6]),
        ]
    );
    // the month range picks cohorts
    let only_feb = table(&w, Measure::Deals, Some("2026-02"), Some("2026-12"));
    assert_eq!(only_feb.len(), 1);
    assert_eq!(only_feb[0].0, "2026-02");
    assert!(table(&w, Measure::Deals, Some("2025-01"), Some("2025-12")).is_empty());
    let err = w
        .store
        .read(|c| {
            cohorts(
                c,
                &CohortQuery {
                    measure: Measure::Active,
                    from: Some("2026-05".into()),
                    to: Some("2026-01".into()),
                },
                at(2026, 7, 15),
            )
        })
        .unwrap_err();
    assert_eq!(err.field(), Some("from"));
    w.rollups_match_recompute();
}

#[test]
fn cohort_json_shape() {
    let (w, _) = fixture();
    let t = w
        .store
        .read(|c| {
            cohorts(
                c,
                &CohortQuery {
                    measure: Measure::Revenue,
                    from: None,
                    to: Some("2026-01".into()),
                },
                at(2026, 7, 15),
            )
        })
        .unwrap();
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"measure": "revenue", "cohorts": [
            {"cohort": "2026-01", "size": 2, "values": [100000, 0, 0, 600000, 0, -100000, 0]}
        ]})
    );
}

#[test]
fn ltv_and_churn_match_hand_computed_values() {
    let (w, _) = fixture();
    let now = at(2026, 7, 15);
    // Churn (3 whole months without a lead = churned), months Jan=0 .. Jul=6:
    //  A: approval 0, leads 0 and 4: closed gap 0->4 = 1 event, 1 dead month (Apr); alive 6
    //  B: approval 0, leads 1 and 3: last 3, open gap to 6 = 1 event, 1 dead month (Jul); alive 6
    //  C: approval 1, lead 1: open gap to 6 = 1 event, 3 dead months (May-Jul); alive 3
    // pooled: 3 events / 15 alive months = 0.2 -> expected lifetime 5 months.
    let by_cohort = w.store.read(|c| ltv(c, LtvBy::Cohort, now)).unwrap();
    assert_eq!(by_cohort.churn.events, 3);
    assert_eq!(by_cohort.churn.alive_months, 15);
    assert!((by_cohort.churn.monthly_rate.unwrap() - 0.2).abs() < 1e-12);
    assert!((by_cohort.churn.expected_lifetime_months.unwrap() - 5.0).abs() < 1e-9);
    let jan = &by_cohort.groups[0];
    assert_eq!(jan.group, "2026-01");
    // won 2,000 + 12,000 - 2,000 (clawback); commissions 200 + 1,200 - 200
    assert_eq!(
        (jan.won_value, jan.commission, jan.realised_value),
        (1_200_000, 120_000, 1_080_000)
    );
    assert_eq!(jan.realised_per_partner, 540_000);
    assert_eq!(jan.partner_months, 14);
    assert!((jan.monthly_value - 1_080_000.0 / 14.0).abs() < 1e-9);
    assert_eq!(jan.predicted_ltv, Some(385_714)); // 77,142.857 x 5
    let jan_churn = jan.churn.as_ref().unwrap();
    assert_eq!((jan_churn.events, jan_churn.alive_months), (2, 12));
    let feb = &by_cohort.groups[1];
    assert_eq!(
        (feb.group.as_str(), feb.partners, feb.realised_value, feb.partner_months),
        ("2026-02", 1, 0, 6)
    );
    assert_eq!(feb.churn.as_ref().map(|c| (c.events, c.alive_months)), Some((1, 3)));

    let by_tier = w.store.read(|c| ltv(c, LtvBy::Tier, now)).unwrap();
    let names: Vec<&str> = by_tier.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(names, ["bronze", "silver", "gold", "platinum"]);
    // bronze: A (0 net after the clawback) and C (cancelled): 7 + 6 partner-months
    let bronze = &by_tier.groups[0];
    assert_eq!(
        (
            bronze.partners,
            bronze.deals,
            bronze.realised_value,
            bronze.partner_months
        ),
        (2, 0, 0, 13)
    );
    // silver: B, promoted by the 12,000.00 win; 7 partner-months
    let silver = &by_tier.groups[1];
    assert_eq!(
        (silver.partners, silver.deals, silver.won_value, silver.commission),
        (1, 1, 1_200_000, 120_000)
    );
    assert_eq!(silver.partner_months, 7);
    assert_eq!(silver.predicted_ltv, Some(771_429)); // 1,080,000 / 7 x 5
    assert_eq!(by_tier.groups[2].partners, 0);
}

#[test]
fn pipeline_and_history_match_hand_computed_values() {
    let (w, _) = fixture();
    let p = w.store.read(forecast::pipeline).unwrap();
    // closed: L1 lost (prospect), L2 lost (prospect, proposal_sent), L5 won (prospect)
    // open: L4 prospect 800.00, L3 negotiating 3,000.00
    let row = |s: LeadStatus| p.stages.iter().find(|r| r.stage == s).unwrap().clone();
    let prospect = row(LeadStatus::Prospect);
    assert_eq!(
        (prospect.open_leads, prospect.open_value, prospect.won, prospect.lost),
        (1, 80_000, 1, 2)
    );
    assert!((prospect.win_rate.unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(prospect.expected_value, 26_667);
    let proposal = row(LeadStatus::ProposalSent);
    assert_eq!((proposal.open_leads, proposal.won, proposal.lost), (0, 0, 1));
    let neg = row(LeadStatus::Negotiating);
    assert_eq!((neg.open_leads, neg.open_value, neg.win_rate), (1, 300_000, None));
    assert_eq!((p.open_leads, p.open_value, p.expected_value), (2, 380_000, 26_667));
    assert_eq!(p.average_rate, 1_000); // 1,200.00 / 12,000.00
    assert_eq!(p.expected_commission, 2_667);

    let f = w.store.read(|c| forecast::forecast(c, 3, at(2026, 7, 15))).unwrap();
    assert_eq!(
        f.history_months,
        ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    );
    assert_eq!(f.months, ["2026-07", "2026-08", "2026-09"]);
    assert_eq!(f.series[0].series, "won_revenue");
    assert_eq!(f.series[0].history, [200_000, 0, 0, 1_200_000, 0, -200_000]);
    assert_eq!(f.series[1].history, [20_000, 0, 0, 120_000, 0, -20_000]);
    // six months: the naive baseline and Holt fit; Holt-Winters needs 24
    let names: Vec<&str> = f.series[0].models.iter().map(|m| m.model.as_str()).collect();
    assert_eq!(names, ["seasonal_naive", "holt"]);
    for m in &f.series[0].models {
        assert_eq!(m.points.len(), 3);
        for p in &m.points {
            assert!(p.lo95 <= p.lo80 && p.lo80 <= p.mean && p.mean <= p.hi80 && p.hi80 <= p.hi95);
        }
    }
    let err = w
        .store
        .read(|c| forecast::forecast(c, 13, at(2026, 7, 15)))
        .unwrap_err();
    assert_eq!(err.field(), Some("months"));
}

#[test]
fn snapshots_once_a_day_and_on_demand() {
    let (w, _) = fixture();
    let first = snapshots::ensure_today(&w.store)
        .unwrap()
        .expect("the first use of the day takes one");
    assert_eq!(first.day, "2026-07-15");
    let k = &first.kpis;
    assert_eq!(
        (k.partners, k.active_partners, k.leads, k.open_leads, k.open_value),
        (3, 3, 5, 2, 380_000)
    );
    assert_eq!(
        (k.won_value, k.won_value_month, k.deals_month, k.commission_month),
        (1_200_000, 0, 0, 0)
    );
    // pending: B's 1,200.00 and A's clawback -200.00
    assert_eq!(k.outstanding_liability, 100_000);
    assert_eq!(k.active_share_month, 0.0);
    assert!(snapshots::ensure_today(&w.store).unwrap().is_none(), "once a day");
    w.clock.set(at(2026, 7, 16));
    snapshots::ensure_today(&w.store).unwrap().unwrap();
    w.clock.set(at(2026, 7, 16) + chrono::Duration::hours(3));
    let again = w.store.write(snapshots::take).unwrap();
    assert_eq!(again.day, "2026-07-16");
    let list = w.store.read(|c| snapshots::list(c, 30, at(2026, 7, 16))).unwrap();
    assert_eq!(
        list.iter().map(|s| s.day.as_str()).collect::<Vec<_>>(),
        ["2026-07-15", "2026-07-16"]
    );
    assert_eq!(
        list[1].taken_at, again.taken_at,
        "taking by hand replaces the day's row"
    );
    assert_eq!(
        w.store.read(|c| snapshots::list(c, 1, at(2026, 7, 16))).unwrap().len(),
        1
    );
    let audited: i64 = w
        .store
        .read(|c| {
            Ok(
                c.query_row("SELECT count(*) FROM audit_log WHERE entity_id = 'snapshot'", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(audited, 3);
}

#[test]
fn screen_gathers_every_part() {
    let (w, _) = fixture();
    let now = at(2026, 7, 15);
    let data = w
        .store
        .read(|c| analytics::screen(c, &analytics::ScreenRequest::default(), now))
        .unwrap();
    assert_eq!(data.cohorts.cohorts.len(), 2);
    assert_eq!(data.ltv_by_tier.groups.len(), 4);
    assert_eq!(data.ltv_by_cohort.groups.len(), 2);
    assert_eq!(data.forecast.months.len(), 6);
    assert_eq!(data.kpis.partners, 3);
    assert!(!data.cohort_formula.is_empty() && !data.ltv_by_tier.formula.is_empty());
}

#[test]
fn migration_fill_equals_rebuild_on_fresh_database() {
    let w = World::new();
    w.rollups_match_recompute();
    assert_eq!(
        month::index_of("2026-01").unwrap() + 1,
        month::index_of("2026-02").unwrap()
    );
}

mod chart_files;
mod models;
