//! The roll-ups built in memory by a bulk loader ([`Builder`]).

use super::{churn_shape, TABLES};
use crate::analytics::month::text_of;
use crate::error::Result;
use crate::model::{CommissionKind, LeadStatus, PartnerId, Tier};
use rusqlite::{params, Connection};

/// The roll-ups computed in memory from rows a bulk loader already holds (the
/// demo generator), instead of re-reading millions of rows with
/// [`rebuild`](super::rebuild). It implements the same definitions as
/// [`FILL`](super::FILL), row for row; `tests/it/demo.rs` checks that its result
/// equals a rebuild of the same data.
#[derive(Default)]
pub struct Builder {
    /// (id, cohort month index, current tier) per partner handle.
    partners: Vec<(String, i64, Tier)>,
    /// Per partner handle: month index -> (leads, wins).
    partner_months: Vec<std::collections::BTreeMap<i64, (i64, i64)>>,
    /// Per partner handle: standing (deals, won value, commission).
    partner_money: Vec<(i64, i64, i64)>,
    /// (cohort, month) -> standing (deals, won value, commission) of that month.
    commission_months: std::collections::BTreeMap<(i64, i64), (i64, i64, i64)>,
    /// Per open stage: (open leads, open value, won, lost).
    stages: [(i64, i64, i64, i64); 4],
    /// Leads per current status (in `LeadStatus::ALL` order).
    statuses: [i64; 6],
}

const OPEN_STAGES: [LeadStatus; 4] = [
    LeadStatus::Prospect,
    LeadStatus::Qualified,
    LeadStatus::ProposalSent,
    LeadStatus::Negotiating,
];

fn stage_slot(s: LeadStatus) -> Option<usize> {
    OPEN_STAGES.iter().position(|&o| o == s)
}

impl Builder {
    /// A partner (approved at `created`, in `tier` now); returns its handle.
    pub fn partner(&mut self, id: PartnerId, created: chrono::DateTime<chrono::Utc>, tier: Tier) -> usize {
        self.partners
            .push((id.to_string(), crate::analytics::month::index_at(created), tier));
        self.partner_months.push(Default::default());
        self.partner_money.push((0, 0, 0));
        self.partners.len() - 1
    }

    /// A lead of partner `p`: created at `created`, in `status` now, having
    /// passed through the statuses of its history `visited`.
    pub fn lead(
        &mut self,
        p: usize,
        created: chrono::DateTime<chrono::Utc>,
        status: LeadStatus,
        estimated: i64,
        visited: impl IntoIterator<Item = LeadStatus>,
    ) {
        if let Some(i) = LeadStatus::ALL.iter().position(|&s| s == status) {
            self.statuses[i] += 1;
        }
        self.partner_months[p]
            .entry(crate::analytics::month::index_at(created))
            .or_default()
            .0 += 1;
        if let Some(slot) = stage_slot(status) {
            self.stages[slot].0 += 1;
            self.stages[slot].1 += estimated;
        } else {
            let won = status == LeadStatus::ClosedWon;
            let mut seen = [false; 4];
            for s in visited {
                if let Some(slot) = stage_slot(s) {
                    seen[slot] = true;
                }
            }
            for (slot, _) in seen.iter().enumerate().filter(|(_, &v)| v) {
                if won {
                    self.stages[slot].2 += 1;
                } else {
                    self.stages[slot].3 += 1;
                }
            }
        }
    }

    /// A commission or clawback of partner `p` (cancelled ones count nowhere).
    pub fn commission(
        &mut self,
        p: usize,
        kind: CommissionKind,
        status: crate::model::CommissionStatus,
        created: chrono::DateTime<chrono::Utc>,
        project_value: i64,
        amount: i64,
    ) {
        if status == crate::model::CommissionStatus::Cancelled {
            return;
        }
        let month = crate::analytics::month::index_at(created);
        let (deals, value) = match kind {
            CommissionKind::Commission => (1, project_value),
            CommissionKind::Clawback => (-1, -project_value),
            CommissionKind::Bonus | CommissionKind::Accrual => (0, 0),
        };
        if kind == CommissionKind::Commission {
            self.partner_months[p].entry(month).or_default().1 += 1;
        }
        let m = &mut self.partner_money[p];
        m.0 += deals;
        m.1 += value;
        m.2 += amount;
        let c = self.commission_months.entry((self.partners[p].1, month)).or_default();
        c.0 += deals;
        c.1 += value;
        c.2 += amount;
    }

    /// Replace every roll-up table's rows with the ones built here.
    pub fn write(self, conn: &Connection) -> Result<()> {
        use std::collections::BTreeMap;
        for t in TABLES {
            conn.execute_batch(&format!("DELETE FROM {t}"))?;
        }
        // Partner-months, in key order (partner id text, month text).
        let mut order: Vec<usize> = (0..self.partners.len()).collect();
        order.sort_by(|&a, &b| self.partners[a].0.cmp(&self.partners[b].0));
        // cohort -> (partners, churn events, dead months)
        let mut cohorts: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
        // (cohort, month) -> (active, leads)
        let mut activity: BTreeMap<(i64, i64), (i64, i64)> = BTreeMap::new();
        let mut last_lead: BTreeMap<(i64, i64), i64> = BTreeMap::new();
        // tier -> (partners, cohort index sum, deals, won, commission)
        let mut tiers: BTreeMap<Tier, (i64, i64, i64, i64, i64)> = BTreeMap::new();
        {
            let mut pm = conn.prepare(
                "INSERT INTO analytics_partner_months (partner_id, month, leads, wins) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut lead_months = Vec::new();
            let mut month_text = std::collections::HashMap::new();
            for &p in &order {
                let (id, cohort, tier) = &self.partners[p];
                lead_months.clear();
                for (&month, &(leads, wins)) in &self.partner_months[p] {
                    let text = month_text.entry(month).or_insert_with(|| text_of(month));
                    pm.execute(params![id, text.as_str(), leads, wins])?;
                    let a = activity.entry((*cohort, month)).or_default();
                    a.0 += 1;
                    a.1 += leads;
                    if leads > 0 {
                        lead_months.push(month);
                    }
                }
                let (events, dead, last) = churn_shape(*cohort, &lead_months);
                let c = cohorts.entry(*cohort).or_default();
                c.0 += 1;
                c.1 += events;
                c.2 += dead;
                *last_lead.entry((*cohort, last)).or_default() += 1;
                let (deals, won, comm) = self.partner_money[p];
                let t = tiers.entry(*tier).or_default();
                t.0 += 1;
                t.1 += cohort;
                t.2 += deals;
                t.3 += won;
                t.4 += comm;
            }
        }
        {
            let mut s = conn.prepare(
                "INSERT INTO analytics_cohorts (cohort, partners, churn_events, dead_months) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (&cohort, &(n, events, dead)) in &cohorts {
                s.execute(params![text_of(cohort), n, events, dead])?;
            }
        }
        {
            let mut keys: Vec<(i64, i64)> = activity.keys().chain(self.commission_months.keys()).copied().collect();
            keys.sort_unstable();
            keys.dedup();
            let mut s = conn.prepare(
                "INSERT INTO analytics_cohort_months (cohort, month, active, leads, deals, won_value, commission)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for k in keys {
                let (active, leads) = activity.get(&k).copied().unwrap_or_default();
                let (deals, won, comm) = self.commission_months.get(&k).copied().unwrap_or_default();
                s.execute(params![text_of(k.0), text_of(k.1), active, leads, deals, won, comm])?;
            }
        }
        {
            let mut s =
                conn.prepare("INSERT INTO analytics_last_lead (cohort, month, partners) VALUES (?1, ?2, ?3)")?;
            for (&(cohort, month), &n) in &last_lead {
                s.execute(params![text_of(cohort), text_of(month), n])?;
            }
        }
        {
            let mut s = conn.prepare(
                "INSERT INTO analytics_tiers (tier, partners, cohort_index_sum, deals, won_value, commission)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for tier in [Tier::Bronze, Tier::Silver, Tier::Gold, Tier::Platinum] {
                let (n, idx, deals, won, comm) = tiers.get(&tier).copied().unwrap_or_default();
                s.execute(params![tier, n, idx, deals, won, comm])?;
            }
        }
        {
            let mut s = conn.prepare(
                "INSERT INTO analytics_stages (stage, open_leads, open_value, won, lost) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (slot, stage) in OPEN_STAGES.iter().enumerate() {
                let (n, v, won, lost) = self.stages[slot];
                s.execute(params![stage, n, v, won, lost])?;
            }
        }
        {
            let mut s = conn.prepare("INSERT INTO lead_status_counts (status, leads) VALUES (?1, ?2)")?;
            for (status, n) in LeadStatus::ALL.iter().zip(self.statuses) {
                s.execute(params![status, n])?;
            }
        }
        Ok(())
    }
}
