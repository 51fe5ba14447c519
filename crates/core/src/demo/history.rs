//! The demo's history, played in memory: partners joining over the months,
//! their leads walking the pipeline, wins paid at the tier rate of their
//! moment with promotions, monthly payouts, and a few reopened wins.

use super::words::{pick, slug, ADJ, AGENCY, FIRST, LAST};
use super::{DemoOptions, Ticker};
use crate::error::Result;
use crate::model::*;
use crate::money::apply_rate;
use crate::store::Tx;
use crate::workflow::leads::check_move;
use crate::workflow::settings::Settings;
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use rand::{Rng, RngCore};
use rand_pcg::Pcg64Mcg;

pub(super) struct DemoPartner {
    pub(super) id: PartnerId,
    pub(super) app_id: ApplicationId,
    pub(super) name: String,
    pub(super) email: String,
    pub(super) phone: String,
    pub(super) company: String,
    pub(super) status: PartnerStatus,
    pub(super) approved: DateTime<Utc>,
    pub(super) applied: DateTime<Utc>,
    pub(super) weight: f64,
    pub(super) tier: Tier,
    pub(super) deals: i64,
    pub(super) revenue: i64,
}

pub(super) struct DemoLead {
    pub(super) partner: usize,
    pub(super) created: DateTime<Utc>,
    pub(super) moves: Vec<(LeadStatus, DateTime<Utc>, bool)>,
    pub(super) estimated: i64,
    pub(super) won_value: i64,
}

pub(super) struct DemoCommission {
    pub(super) lead: usize,
    pub(super) kind: CommissionKind,
    pub(super) amount: i64,
    pub(super) rate: i64,
    pub(super) value: i64,
    pub(super) created: DateTime<Utc>,
    pub(super) status: CommissionStatus,
    pub(super) approved_at: Option<DateTime<Utc>>,
    pub(super) paid_at: Option<DateTime<Utc>>,
    pub(super) payout: Option<usize>,
    pub(super) updated: DateTime<Utc>,
}

/// A promotion: (partner, from, to, when).
pub(super) type Promotion = (usize, Tier, Tier, DateTime<Utc>);

/// Everything that happened, in memory, before any of it is written.
pub(super) struct History {
    pub(super) partners: Vec<DemoPartner>,
    /// In order of creation.
    pub(super) leads: Vec<DemoLead>,
    /// In order of creation.
    pub(super) commissions: Vec<DemoCommission>,
    pub(super) promotions: Vec<Promotion>,
    /// The first of each month with a payout batch.
    pub(super) payout_dates: Vec<DateTime<Utc>>,
    /// Per batch: (total, commissions).
    pub(super) payout_totals: Vec<(i64, i64)>,
}

/// Play the months from `start` to `now`.
pub(super) fn play(
    tx: &Tx,
    rng: &mut Pcg64Mcg,
    settings: &Settings,
    opts: &DemoOptions,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    tick: &mut Ticker,
) -> Result<History> {
    let mut partners = partners(tx, rng, opts.partners, start, now, tick)?;
    let mut leads = leads(rng, &partners, opts.leads, now, tick)?;
    let Wins {
        mut commissions,
        promotions,
        reopens,
    } = wins(rng, settings, &mut partners, &mut leads, now);
    let Payouts {
        dates: payout_dates,
        totals: payout_totals,
    } = payouts(&mut partners, &mut leads, &mut commissions, reopens, start, now)?;
    commissions.sort_by_key(|c| c.created);
    Ok(History {
        partners,
        leads,
        commissions,
        promotions,
        payout_dates,
        payout_totals,
    })
}

/// Partners, growing over time (in order of approval, with their ids).
fn partners(
    tx: &Tx,
    rng: &mut Pcg64Mcg,
    count: usize,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    tick: &mut Ticker,
) -> Result<Vec<DemoPartner>> {
    let span = (now - start).num_seconds() as f64;
    tick.step("partners", 0, count)?;
    let mut taken_emails: std::collections::HashSet<String> = {
        let mut stmt = tx.prepare("SELECT email FROM partners")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut partners: Vec<DemoPartner> = Vec::with_capacity(count);
    for i in 0..count {
        let first = pick(rng, FIRST);
        let last = pick(rng, LAST);
        let company = format!("{} {}", pick(rng, ADJ), pick(rng, AGENCY));
        let domain = format!("{}.com", slug(&company));
        let base = format!("{}.{}", slug(first), slug(last));
        let mut email = format!("{base}@{domain}");
        let mut n = 1;
        while !taken_emails.insert(email.clone()) {
            n += 1;
            email = format!("{base}{n}@{domain}");
        }
        let approved = start + Duration::seconds((rng.random::<f64>().powf(0.75) * span * 0.97) as i64);
        let applied = approved - wait_days(rng, 4.0);
        let status = match rng.random_range(0..100) {
            0..=89 => PartnerStatus::Active,
            90..=96 => PartnerStatus::Paused,
            _ => PartnerStatus::Terminated,
        };
        let weight = (rng.random::<f64>() * 2.2).exp();
        partners.push(DemoPartner {
            id: PartnerId(uuid::Uuid::nil()),
            app_id: ApplicationId(uuid::Uuid::nil()),
            name: format!("{first} {last}"),
            email,
            phone: format!(
                "+1 555 {:03} {:04}",
                rng.random_range(100..999),
                rng.random_range(0..10_000)
            ),
            company,
            status,
            approved,
            applied,
            weight,
            tier: Tier::Bronze,
            deals: 0,
            revenue: 0,
        });
        if i % 50_000 == 0 {
            tick.step("partners", i, count)?;
        }
    }
    partners.sort_by_key(|p| p.approved);
    for p in partners.iter_mut() {
        p.app_id = ApplicationId(seeded_uuid(rng, p.applied));
        p.id = PartnerId(seeded_uuid(rng, p.approved));
    }
    Ok(partners)
}

/// Leads: partners with more weight refer more; each lead walks the pipeline
/// until `now` (in order of creation).
fn leads(
    rng: &mut Pcg64Mcg,
    partners: &[DemoPartner],
    count: usize,
    now: DateTime<Utc>,
    tick: &mut Ticker,
) -> Result<Vec<DemoLead>> {
    let mut cumulative = Vec::with_capacity(partners.len());
    let mut acc = 0.0;
    for p in partners {
        acc += p.weight;
        cumulative.push(acc);
    }
    let mut leads: Vec<DemoLead> = Vec::with_capacity(count);
    for i in 0..count {
        let x = rng.random::<f64>() * acc;
        let pi = cumulative.partition_point(|&c| c < x).min(partners.len() - 1);
        let p = &partners[pi];
        let window = (now - p.approved).num_seconds().max(3_600) as f64;
        let created = p.approved + Duration::seconds((rng.random::<f64>().powf(0.9) * window) as i64);
        let estimated = ((rng.random::<f64>() * 1.6 + 8.9).exp() / 100.0).round() as i64 * 10_000;
        let mut moves = vec![(LeadStatus::Prospect, created, false)];
        let mut t = created;
        let mut status = LeadStatus::Prospect;
        let win_skill = 0.28 + 0.08 * (p.weight.ln() / 2.2);
        loop {
            t += wait_days(rng, 9.0);
            if t >= now {
                break;
            }
            let next = match status {
                LeadStatus::Prospect => {
                    if rng.random_bool(0.25) {
                        LeadStatus::ClosedLost
                    } else if rng.random_bool(0.1) {
                        LeadStatus::ProposalSent
                    } else {
                        LeadStatus::Qualified
                    }
                }
                LeadStatus::Qualified => {
                    if rng.random_bool(0.2) {
                        LeadStatus::ClosedLost
                    } else {
                        LeadStatus::ProposalSent
                    }
                }
                LeadStatus::ProposalSent => {
                    if rng.random_bool(0.3) {
                        LeadStatus::ClosedLost
                    } else if rng.random_bool(0.2) {
                        LeadStatus::ClosedWon
                    } else {
                        LeadStatus::Negotiating
                    }
                }
                LeadStatus::Negotiating => {
                    if rng.random_bool(win_skill.clamp(0.1, 0.9) + 0.3) {
                        LeadStatus::ClosedWon
                    } else {
                        LeadStatus::ClosedLost
                    }
                }
                _ => break,
            };
            check_move(status, next)?;
            moves.push((next, t, false));
            status = next;
            if status.is_closed() {
                break;
            }
        }
        leads.push(DemoLead {
            partner: pi,
            created,
            moves,
            estimated,
            won_value: 0,
        });
        if i % 100_000 == 0 {
            tick.step("leads", i, count)?;
        }
    }
    leads.sort_by_key(|l| l.created);
    Ok(leads)
}

/// The commissions of the wins, the promotions they led to, and the wins
/// reopened later: (when, lead, commission).
struct Wins {
    commissions: Vec<DemoCommission>,
    promotions: Vec<Promotion>,
    reopens: Vec<(DateTime<Utc>, usize, usize)>,
}

/// Wins in time order: commission at the tier rate of that moment, then
/// promotion; a few won deals are reopened later (cancel or clawback).
fn wins(
    rng: &mut Pcg64Mcg,
    settings: &Settings,
    partners: &mut [DemoPartner],
    leads: &mut [DemoLead],
    now: DateTime<Utc>,
) -> Wins {
    let mut wins: Vec<(DateTime<Utc>, usize)> = leads
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            l.moves
                .last()
                .filter(|m| m.0 == LeadStatus::ClosedWon)
                .map(|m| (m.1, i))
        })
        .collect();
    wins.sort();
    let mut commissions: Vec<DemoCommission> = Vec::with_capacity(wins.len() + wins.len() / 50);
    let mut promotions: Vec<(usize, Tier, Tier, DateTime<Utc>)> = Vec::new();
    let mut reopens: Vec<(DateTime<Utc>, usize, usize)> = Vec::new(); // (when, lead, commission)
    for &(at, li) in &wins {
        let l = &mut leads[li];
        let value = (l.estimated as f64 * rng.random_range(0.8..1.2) / 10_000.0)
            .round()
            .max(1.0) as i64
            * 10_000;
        l.won_value = value;
        let p = &mut partners[l.partner];
        let rate = settings.rate(p.tier);
        let age = (now - at).num_days();
        let ci = commissions.len();
        let approved_at = at + wait_days(rng, 10.0);
        let mut c = DemoCommission {
            lead: li,
            kind: CommissionKind::Commission,
            amount: apply_rate(value, rate),
            rate,
            value,
            created: at,
            status: CommissionStatus::Pending,
            approved_at: None,
            paid_at: None,
            payout: None,
            updated: at,
        };
        if rng.random_bool(0.015) && age > 3 {
            c.status = CommissionStatus::Cancelled;
            c.updated = at + Duration::days(rng.random_range(1..=age.min(20)));
        } else if approved_at < now {
            c.status = CommissionStatus::Approved;
            c.approved_at = Some(approved_at);
            c.updated = approved_at;
        }
        commissions.push(c);
        if commissions[ci].status != CommissionStatus::Cancelled {
            p.deals += 1;
            p.revenue += value;
            let target = settings.tier_for(p.deals, p.revenue);
            if target > p.tier {
                promotions.push((l.partner, p.tier, target, at));
                p.tier = target;
            }
        }
        if rng.random_bool(0.006) && commissions[ci].status != CommissionStatus::Cancelled {
            let when = at + wait_days(rng, 45.0);
            if when < now {
                reopens.push((when, li, ci));
            }
        }
    }
    Wins {
        commissions,
        promotions,
        reopens,
    }
}

/// The payout batches: the first of each month with one, and per batch
/// (total, commissions).
struct Payouts {
    dates: Vec<DateTime<Utc>>,
    totals: Vec<(i64, i64)>,
}

/// Monthly payout batches of everything approved by the first of the month,
/// and the reopens: a paid commission is clawed back, another one cancelled.
/// Returns the batch dates and their totals.
fn payouts(
    partners: &mut [DemoPartner],
    leads: &mut [DemoLead],
    commissions: &mut Vec<DemoCommission>,
    mut reopens: Vec<(DateTime<Utc>, usize, usize)>,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Payouts> {
    let mut payout_dates = Vec::new();
    let mut d = next_month_start(start);
    while d < now {
        payout_dates.push(d);
        d = next_month_start(d);
    }
    let mut payout_totals = vec![(0i64, 0i64); payout_dates.len()];
    let pay = |c: &mut DemoCommission, payout_totals: &mut Vec<(i64, i64)>, until: DateTime<Utc>| {
        if let Some(a) = c.approved_at.filter(|_| c.status == CommissionStatus::Approved) {
            let bi = payout_dates.partition_point(|&pd| pd <= a);
            if bi < payout_dates.len() && payout_dates[bi] < until {
                c.status = CommissionStatus::Paid;
                c.paid_at = Some(payout_dates[bi]);
                c.payout = Some(bi);
                c.updated = payout_dates[bi];
                payout_totals[bi].0 += c.amount;
                payout_totals[bi].1 += 1;
            }
        }
    };
    reopens.sort();
    let reopened: std::collections::HashMap<usize, (DateTime<Utc>, usize)> =
        reopens.iter().map(|&(w, li, ci)| (ci, (w, li))).collect();
    let base_count = commissions.len();
    for ci in 0..base_count {
        let until = reopened.get(&ci).map(|r| r.0).unwrap_or(now);
        let c = &mut commissions[ci];
        pay(c, &mut payout_totals, until);
        let Some(&(when, li)) = reopened.get(&ci) else { continue };
        let p = &mut partners[leads[li].partner];
        p.deals -= 1;
        p.revenue -= c.value;
        check_move(LeadStatus::ClosedWon, LeadStatus::Negotiating)?;
        leads[li].moves.push((LeadStatus::Negotiating, when, true));
        if c.status == CommissionStatus::Paid {
            let claw = DemoCommission {
                lead: li,
                kind: CommissionKind::Clawback,
                amount: -c.amount,
                rate: c.rate,
                value: c.value,
                created: when,
                status: CommissionStatus::Pending,
                approved_at: None,
                paid_at: None,
                payout: None,
                updated: when,
            };
            commissions.push(claw);
        } else {
            c.status = CommissionStatus::Cancelled;
            c.approved_at = None;
            c.updated = when;
        }
    }
    // Pay approved ones created after a reopen's window too (already handled above);
    // the last months stay approved or pending, as in a live program.
    Ok(Payouts {
        dates: payout_dates,
        totals: payout_totals,
    })
}

/// First instant of the month after `t`.
fn next_month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    Utc.with_ymd_and_hms(y, m, 1, 9, 0, 0).single().unwrap_or(t)
}

/// A UUID v7 for `at` whose random bits come from the seeded generator.
pub(super) fn seeded_uuid<R: RngCore>(rng: &mut R, at: DateTime<Utc>) -> uuid::Uuid {
    let mut bytes = [0u8; 10];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, &bytes).into_uuid()
}

/// Exponential waiting time in days with the given mean.
fn wait_days<R: Rng>(rng: &mut R, mean: f64) -> Duration {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    let days = -mean * u.ln();
    Duration::seconds((days.min(400.0) * 86_400.0) as i64 + 60)
}
