//! Writing the history: partners and applications, lead moves, payouts and
//! commissions, totals, indexes, roll-ups and audit (beside the lead
//! writer's thread), then the copy of the leads and the plans.

use super::history::{seeded_uuid, History};
use super::words::{pick, slug, ADJ, AGENCY, FEATURES, FIRST, INDUSTRY, LAST};
use super::{DemoOptions, DemoReport, Ticker};
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::{repo, Tx};
use crate::workflow::plans::render_proposal;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand_pcg::Pcg64Mcg;
use rusqlite::params;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the writing steps read.
pub(super) struct Input<'a> {
    pub(super) history: &'a History,
    pub(super) lead_ids: &'a [LeadId],
    pub(super) currency: &'a str,
    pub(super) opts: &'a DemoOptions,
    pub(super) now: DateTime<Utc>,
    /// Seconds from the start of the history to `now`.
    pub(super) span: f64,
    /// Leads the lead writer has written so far.
    pub(super) written: &'a AtomicUsize,
}

/// The ids of the leads, in their order.
pub(super) fn lead_ids(rng: &mut Pcg64Mcg, history: &History) -> Vec<LeadId> {
    history
        .leads
        .iter()
        .map(|l| LeadId(seeded_uuid(rng, l.created)))
        .collect()
}

/// The leads that get an app plan: a share of those that reached a proposal.
pub(super) fn plan_pick(rng: &mut Pcg64Mcg, history: &History) -> Vec<bool> {
    history
        .leads
        .iter()
        .map(|l| l.moves.iter().any(|m| m.0 == LeadStatus::ProposalSent) && rng.random_bool(0.02))
        .collect()
}

/// The statements that make `client_leads` and its indexes, table first.
pub(super) fn lead_schema(tx: &Tx) -> Result<Vec<String>> {
    let mut stmt = tx.prepare(
        "SELECT sql FROM main.sqlite_master WHERE tbl_name = 'client_leads' AND sql IS NOT NULL
           AND type IN ('table', 'index')
         ORDER BY type = 'table' DESC, name",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every row but the leads and the plans, while the lead writer runs.
pub(super) fn write(
    tx: &Tx,
    rng: &mut Pcg64Mcg,
    tick: &mut Ticker,
    report: &mut DemoReport,
    input: &Input,
) -> Result<()> {
    // Rows go in in time order. Indexes whose keys follow that order grow at
    // their right edge as rows arrive, which is cheaper than a sort afterwards;
    // the others are dropped here and built once at the end.
    let secondary = crate::store::drop_secondary_indexes(
        tx,
        &["partner_applications", "partners", "lead_status_history", "commissions"],
        &["partners_created", "lead_status_history_lead"],
    )?;
    partners_and_applications(tx, rng, tick, report, input)?;
    moves(tx, tick, report, input)?;
    payouts_and_commissions(tx, rng, tick, report, input)?;
    totals(tx, tick)?;
    indexes(tx, tick, &secondary)?;
    rollups(tx, tick, input.history)?;
    audit(tx, report, input)
}

/// The partners, their approved applications, and the applications still
/// waiting or turned down.
fn partners_and_applications(
    tx: &Tx,
    rng: &mut Pcg64Mcg,
    tick: &mut Ticker,
    report: &mut DemoReport,
    input: &Input,
) -> Result<()> {
    let (partners, now, span) = (&input.history.partners, input.now, input.span);
    tick.step("writing partners", 0, partners.len())?;
    let mut app_stmt = tx.prepare(
        "INSERT INTO partner_applications (id, name, email, phone, company, network_description, expected_referrals, experience_level, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut p_stmt = tx.prepare(
        "INSERT INTO partners (id, application_id, name, email, phone, company, status, tier, total_deals, total_earnings, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, 0, ?9, ?9)",
    )?;
    for (i, p) in partners.iter().enumerate() {
        let network = format!(
            "{} clients in {}",
            pick(rng, &["Small-business", "Agency", "Local", "Enterprise", "Startup"]),
            pick(rng, INDUSTRY).to_lowercase()
        );
        let exp = *[
            ExperienceLevel::Beginner,
            ExperienceLevel::Intermediate,
            ExperienceLevel::Expert,
        ]
        .get(rng.random_range(0..3))
        .unwrap_or(&ExperienceLevel::Beginner);
        let applied = fmt_time(p.applied);
        let approved = fmt_time(p.approved);
        app_stmt.execute(params![
            p.app_id,
            p.name,
            p.email,
            p.phone,
            p.company,
            network,
            rng.random_range(1..40),
            exp,
            ApplicationStatus::Approved,
            applied,
            approved
        ])?;
        p_stmt.execute(params![
            p.id, p.app_id, p.name, p.email, p.phone, p.company, p.status, p.tier, approved
        ])?;
        if i % 20_000 == 0 {
            tick.step("writing partners", i, partners.len())?;
        }
    }
    // Applications still waiting or turned down.
    let extra = (partners.len() / 12).max(3);
    for k in 0..extra {
        let first = pick(rng, FIRST);
        let last = pick(rng, LAST);
        let at = now - Duration::seconds(rng.random_range(3_600..(span as i64 / 2)));
        let status = match k % 4 {
            0 => ApplicationStatus::Pending,
            1 => ApplicationStatus::UnderReview,
            _ => ApplicationStatus::Rejected,
        };
        let (at, status) = if status != ApplicationStatus::Rejected {
            (now - Duration::seconds(rng.random_range(3_600..30 * 86_400)), status)
        } else {
            (at, status)
        };
        let company = format!("{} {}", pick(rng, ADJ), pick(rng, AGENCY));
        let id = ApplicationId(seeded_uuid(rng, at));
        app_stmt.execute(params![
            id,
            format!("{first} {last}"),
            format!("{}.{}.{}@{}.com", slug(first), slug(last), k, slug(&company)),
            Option::<String>::None,
            company,
            "Referrals from my clients",
            rng.random_range(1..20),
            ExperienceLevel::Beginner,
            status,
            fmt_time(at),
            fmt_time(at)
        ])?;
    }
    report.applications = (partners.len() + extra) as u64;
    report.partners = partners.len() as u64;
    Ok(())
}

/// The status history of every lead.
fn moves(tx: &Tx, tick: &mut Ticker, report: &mut DemoReport, input: &Input) -> Result<()> {
    let (leads, lead_ids, written) = (&input.history.leads, input.lead_ids, input.written);
    let mut h_stmt = tx.prepare(
        "INSERT INTO lead_status_history (lead_id, from_status, to_status, reopen, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (i, l) in leads.iter().enumerate() {
        let id = lead_ids[i].to_string();
        let mut from: Option<LeadStatus> = None;
        for &(to, at, reopen) in &l.moves {
            h_stmt.execute(params![id, from, to, reopen, fmt_time(at)])?;
            report.moves += 1;
            from = Some(to);
        }
        if i % 100_000 == 0 {
            tick.step("writing leads", written.load(Ordering::Relaxed), leads.len())?;
        }
    }
    report.leads = leads.len() as u64;
    Ok(())
}

/// The payout batches, then the commissions (in order of creation).
fn payouts_and_commissions(
    tx: &Tx,
    rng: &mut Pcg64Mcg,
    tick: &mut Ticker,
    report: &mut DemoReport,
    input: &Input,
) -> Result<()> {
    let History {
        partners,
        leads,
        commissions,
        payout_dates,
        payout_totals,
        ..
    } = input.history;
    let (lead_ids, currency) = (input.lead_ids, input.currency);
    tick.step("writing commissions", 0, commissions.len())?;
    let mut payout_ids = Vec::with_capacity(payout_dates.len());
    let mut pay_stmt = tx.prepare(
        "INSERT INTO payouts (id, total_amount, commission_count, currency, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (bi, &pd) in payout_dates.iter().enumerate() {
        let id = PayoutId(seeded_uuid(rng, pd));
        payout_ids.push(id);
        let (total, count) = payout_totals[bi];
        if count > 0 {
            pay_stmt.execute(params![id, total, count, currency, fmt_time(pd)])?;
            report.payouts += 1;
        }
    }
    // The trace: the default tier table as last set, and the tier of the rate.
    let default = crate::store::repo::rules::latest_default(tx)?.map(|v| v.version);
    let table = crate::workflow::settings::load(tx)?.tiers;
    let tier_of = |rate: i64| table.iter().find(|t| t.rate_bp == rate).map(|t| t.tier);
    let mut c_stmt = tx.prepare(
        "INSERT INTO commissions (id, partner_id, client_lead_id, kind, commission_amount, commission_rate, project_value, status,
                                  payout_id, paid_at, created_at, updated_at, rule_kind, rule_version, rule_tier)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'default_tier', ?13, ?14)",
    )?;
    for (i, c) in commissions.iter().enumerate() {
        let l = &leads[c.lead];
        c_stmt.execute(params![
            CommissionId(seeded_uuid(rng, c.created)),
            partners[l.partner].id,
            lead_ids[c.lead],
            c.kind,
            c.amount,
            c.rate,
            c.value,
            c.status,
            c.payout.map(|b| payout_ids[b]),
            c.paid_at.map(fmt_time),
            fmt_time(c.created),
            fmt_time(c.updated),
            default,
            tier_of(c.rate)
        ])?;
        if i % 100_000 == 0 {
            tick.step("writing commissions", i, commissions.len())?;
        }
    }
    report.commissions = commissions.len() as u64;
    Ok(())
}

fn totals(tx: &Tx, tick: &mut Ticker) -> Result<()> {
    // Totals from the commissions, with the same definition the rules use
    // (before the partners' indexes exist, so only the rows change).
    tick.step("totals", 0, 1)?;
    tx.execute_batch(
        "UPDATE partners SET total_deals = c.deals, total_earnings = c.earnings
         FROM (SELECT partner_id, SUM(CASE kind WHEN 'clawback' THEN -1 ELSE 1 END) AS deals, SUM(commission_amount) AS earnings
               FROM commissions WHERE status <> 'cancelled' GROUP BY partner_id) AS c
         WHERE c.partner_id = partners.id",
    )?;
    Ok(())
}

/// The secondary indexes dropped for the load, built once over all rows.
fn indexes(tx: &Tx, tick: &mut Ticker, secondary: &[String]) -> Result<()> {
    tick.step("indexes", 0, secondary.len())?;
    // A small sort budget splits each index sort into runs that the second
    // core sorts while this one reads the table (PRAGMA threads = 2).
    tx.execute_batch("PRAGMA cache_size = -65536")?;
    for (i, sql) in secondary.iter().enumerate() {
        tx.execute_batch(sql)?;
        tick.step("indexes", i + 1, secondary.len())?;
    }
    Ok(())
}

fn rollups(tx: &Tx, tick: &mut Ticker, history: &History) -> Result<()> {
    let History {
        partners,
        leads,
        commissions,
        ..
    } = history;
    // The analytics roll-ups, from the rows in memory (the same definitions as
    // a rebuild from the tables, which tests/it/demo.rs checks).
    tick.step("analytics", 0, 1)?;
    let mut r = crate::analytics::rollup::Builder::default();
    let handles: Vec<usize> = partners.iter().map(|p| r.partner(p.id, p.approved, p.tier)).collect();
    for l in leads {
        let status = l.moves.last().map(|m| m.0).unwrap_or(LeadStatus::Prospect);
        r.lead(
            handles[l.partner],
            l.created,
            status,
            l.estimated,
            l.moves.iter().map(|m| m.0),
        );
    }
    for c in commissions {
        let p = handles[leads[c.lead].partner];
        r.commission(p, c.kind, c.status, c.created, c.value, c.amount);
    }
    r.write(tx)?;
    Ok(())
}

/// Audit: the action itself, each partner's creation, each promotion.
fn audit(tx: &Tx, report: &mut DemoReport, input: &Input) -> Result<()> {
    let (partners, promotions, opts) = (&input.history.partners, &input.history.promotions, input.opts);
    let mut a = tx.prepare(repo::audit::INSERT)?;
    let mut chain = repo::audit_chain::Chain::head(tx)?;
    type Event = (DateTime<Utc>, usize, Option<(Tier, Tier)>);
    let mut events: Vec<Event> = partners
        .iter()
        .enumerate()
        .map(|(i, p)| (p.approved, i, None))
        .collect();
    events.extend(promotions.iter().map(|&(pi, from, to, at)| (at, pi, Some((from, to)))));
    events.sort_by_key(|e| e.0);
    let mut row = |at: &str, entity: Entity, id: &str, action: &str, before: Option<&str>, after: &str| {
        let (seq, hash) = chain.link(at, entity.as_str(), id, action, before, Some(after));
        a.execute(params![seq, at, entity, id, action, before, after, hash])
    };
    for (at, pi, promo) in events {
        let p = &partners[pi];
        let id = p.id.to_string();
        let at = fmt_time(at);
        match promo {
            None => {
                let after = serde_json::json!({"id": id, "name": p.name, "email": p.email, "tier": "bronze", "status": "active"});
                row(&at, Entity::Partner, &id, "create", None, &after.to_string())?;
            }
            Some((from, to)) => {
                let before = serde_json::json!({"id": id, "tier": from});
                let after = serde_json::json!({"id": id, "tier": to});
                row(
                    &at,
                    Entity::Partner,
                    &id,
                    "promote",
                    Some(&before.to_string()),
                    &after.to_string(),
                )?;
            }
        }
    }
    report.promotions = promotions.len() as u64;
    let summary = serde_json::to_string(&serde_json::json!({"options": opts, "report": &report}))
        .map_err(|e| Error::validation("demo", e.to_string()))?;
    row(tx.now_text(), Entity::Database, "demo", "demo", None, &summary)?;
    Ok(())
}

/// Copy the leads in from the scratch file.
pub(super) fn copy_leads(tx: &Tx, tick: &mut Ticker) -> Result<()> {
    tick.step("copying leads", 0, 1)?;
    // The scratch file's schema changed after it was attached: reading its
    // catalogue makes SQLite notice and reload it before the copy is prepared.
    tx.query_row("SELECT count(*) FROM demo_leads.sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    tx.execute_batch("INSERT INTO main.client_leads SELECT * FROM demo_leads.client_leads")?;
    tick.step("copying leads", 1, 1)?;
    Ok(())
}

/// App plans for a share of the leads that reached a proposal. Returns how
/// many were written.
pub(super) fn plans(
    tx: &Tx,
    rng: &mut Pcg64Mcg,
    history: &History,
    lead_ids: &[LeadId],
    plan_pick: &[bool],
    plan_names: Vec<(String, String)>,
) -> Result<u64> {
    let (partners, leads) = (&history.partners, &history.leads);
    let mut plan_names = plan_names.into_iter();
    let mut n = 0u64;
    for (li, l) in leads.iter().enumerate() {
        if !plan_pick[li] {
            continue;
        }
        let at = l
            .moves
            .iter()
            .find(|m| m.0 == LeadStatus::ProposalSent)
            .map(|m| m.1)
            .unwrap_or(l.created);
        let mut feats: Vec<String> = Vec::new();
        for _ in 0..rng.random_range(2..6) {
            let f = pick(rng, FEATURES).to_owned();
            if !feats.contains(&f) {
                feats.push(f);
            }
        }
        let p = &partners[l.partner];
        let Some((business, client)) = plan_names.next() else {
            break;
        };
        let low = (l.estimated / 100_000).max(1) * 1_000;
        let status = match l.moves.last().map(|m| m.0) {
            Some(LeadStatus::ClosedWon) => PlanStatus::Accepted,
            Some(LeadStatus::ClosedLost) => PlanStatus::Declined,
            _ => PlanStatus::Sent,
        };
        let mut plan = AppPlan {
            id: PlanId(seeded_uuid(rng, at)),
            partner_id: p.id,
            client_lead_id: lead_ids[li],
            business_name: business,
            industry: pick(rng, INDUSTRY).to_owned(),
            features: feats,
            generated_content: None,
            timeline_estimate: format!("{} weeks", rng.random_range(6..20)),
            investment_range: format!("${}k-${}k", low / 1_000 * 10 / 10, low / 1_000 * 3 / 2 + 1),
            status,
            created_at: fmt_time(at),
            updated_at: fmt_time(at),
        };
        plan.generated_content = Some(render_proposal(
            &plan,
            &client,
            &p.name,
            &at.format("%B %-d, %Y").to_string(),
        ));
        repo::plans::insert(tx, &plan)?;
        n += 1;
    }
    Ok(n)
}
