//! The what-if simulator: a draft rule set (tier tables of the default and
//! of groups, partner overrides) replayed over the won deals, in the order
//! they were won, with promotions as each rule set's thresholds give them.
//! It reports the commission cost under today's rules and under the draft,
//! per month and per partner, and which partners would sit in another tier.
//! Pure reads: it writes nothing.
//!
//! Both sides are replayed the same way, so the difference is the draft's
//! alone: each partner starts in bronze and rises by the thresholds of their
//! group's table (by-hand tier changes are not replayed); a deal earns the
//! override in force today (rate, or flat amount), else the tier rate of the
//! table in force today. Deals before the period count for the tiers but not
//! for the cost.
//!
//! The draft is JSON in the units the command line takes (rates in percent,
//! amounts as decimals); what it does not name stays as it is:
//! `{"default": {"tiers": [{"tier": "silver", "rate": 13, "deals": 4, "revenue": "12000.00"}]},
//!   "groups": {"Agencies": {"tiers": [{"tier": "bronze", "rate": 11}]}},
//!   "overrides": {"PARTNER_ID": {"rate": 20}}}`; an override may give
//! `"flat": "500.00"` instead, or be `{}` to remove the partner's override.

use super::rules::{self, tier_for, tier_index, TierTable};
use crate::error::{Error, Result};
use crate::model::{GroupId, PartnerId, Tier};
use crate::money::{apply_rate, parse_amount, parse_rate_percent};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A draft rule set, as written (see the module docs).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Draft {
    #[serde(default)]
    pub default: Option<DraftTable>,
    /// By group name.
    #[serde(default)]
    pub groups: BTreeMap<String, DraftTable>,
    /// By partner id.
    #[serde(default)]
    pub overrides: BTreeMap<String, DraftOverride>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DraftTable {
    #[serde(default)]
    pub tiers: Vec<DraftTier>,
}

/// One tier of a draft table; only the fields given change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DraftTier {
    pub tier: String,
    /// Percent, as a number or text ("12.5").
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | string | null"))]
    pub rate: Option<serde_json::Value>,
    #[serde(default)]
    pub deals: Option<i64>,
    /// An amount, as text ("12000.00") or a number.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | string | null"))]
    pub revenue: Option<serde_json::Value>,
}

/// A draft override: a rate (percent) or a flat amount per won deal; neither removes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DraftOverride {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | string | null"))]
    pub rate: Option<serde_json::Value>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | string | null"))]
    pub flat: Option<serde_json::Value>,
}

/// A draft file's text, read as a [`Draft`]; a fault names the place (`draft`).
pub fn parse_draft(text: &str) -> Result<Draft> {
    serde_json::from_str(text).map_err(|e| Error::validation("draft", format!("not a valid draft: {e}")))
}

/// What a simulation answers (amounts in cents).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Simulation {
    /// YYYY-MM, the period's first and last month (None: open).
    pub from: Option<String>,
    pub to: Option<String>,
    /// Won deals replayed in the period.
    pub deals: i64,
    /// Commission cost of the period under today's rules.
    pub current: i64,
    /// ... and under the draft.
    pub draft: i64,
    pub months: Vec<SimMonth>,
    /// Every partner with a deal in the period or another tier under the
    /// draft, the largest difference first.
    pub partners: Vec<SimPartner>,
    /// Partners who would sit in another tier.
    pub tier_changes: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SimMonth {
    pub month: String,
    pub current: i64,
    pub draft: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SimPartner {
    pub partner_id: PartnerId,
    pub name: String,
    pub current: i64,
    pub draft: i64,
    /// The tier today's thresholds give after the replay.
    pub tier_now: Tier,
    /// ... and the draft's.
    pub tier_draft: Tier,
}

/// One side's rules: a table per group, and each partner's override.
#[derive(Clone)]
struct Side {
    /// By group index.
    tables: Vec<TierTable>,
    /// By partner index: (rate bp, flat cents).
    overrides: HashMap<u32, (i64, Option<i64>)>,
}

impl Side {
    fn amount(&self, partner: u32, group: usize, tier: Tier, value: i64) -> i64 {
        match self.overrides.get(&partner) {
            Some((_, Some(flat))) => *flat,
            Some((rate, None)) => apply_rate(value, *rate),
            None => apply_rate(value, self.tables[group][tier_index(tier)].rate_bp),
        }
    }
}

fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn month_arg(field: &str, m: Option<&str>) -> Result<Option<String>> {
    m.map(|t| {
        let t = t.trim();
        let ok = t.len() == 7
            && t.as_bytes()[4] == b'-'
            && t[..4].bytes().all(|b| b.is_ascii_digit())
            && matches!(t[5..].parse::<u32>(), Ok(1..=12));
        if ok {
            Ok(t.to_owned())
        } else {
            Err(Error::validation(
                field,
                format!("must be a month like 2026-04 (got {t:?})"),
            ))
        }
    })
    .transpose()
}

fn apply_tiers(table: &mut TierTable, tiers: &[DraftTier], at: &str) -> Result<()> {
    for (i, t) in tiers.iter().enumerate() {
        let place = format!("{at}.tiers[{i}]");
        let tier = Tier::parse(&t.tier).map_err(|_| {
            Error::validation(
                "draft",
                format!("{place}.tier: {:?} is not bronze, silver, gold or platinum", t.tier),
            )
        })?;
        let r = &mut table[tier_index(tier)];
        if let Some(v) = &t.rate {
            r.rate_bp = parse_rate_percent("draft", &text_of(v))
                .map_err(|e| Error::validation("draft", format!("{place}.rate: {}", reason(&e))))?;
        }
        if let Some(d) = t.deals {
            if d < 0 {
                return Err(Error::validation(
                    "draft",
                    format!("{place}.deals: must not be negative"),
                ));
            }
            r.min_deals = d;
        }
        if let Some(v) = &t.revenue {
            r.min_revenue = parse_amount("draft", &text_of(v), false)
                .map_err(|e| Error::validation("draft", format!("{place}.revenue: {}", reason(&e))))?;
        }
    }
    rules::check_table(table).map_err(|e| Error::validation("draft", format!("{at}: {}", e)))
}

fn reason(e: &Error) -> String {
    match e {
        Error::Validation { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// Replay the won deals of the period (`from`, `to`: YYYY-MM, inclusive;
/// None: open) under today's rules and under `draft`. `today`: YYYY-MM-DD.
pub fn simulate(
    conn: &Connection,
    draft: &Draft,
    from: Option<&str>,
    to: Option<&str>,
    today: &str,
) -> Result<Simulation> {
    let from = month_arg("from", from)?;
    let to = month_arg("to", to)?;
    if let (Some(f), Some(t)) = (&from, &to) {
        if f > t {
            return Err(Error::validation("to", format!("{t} is before {f}")));
        }
    }
    // Groups and their tables in force today.
    let groups = crate::store::repo::rules::groups(conn)?;
    let mut group_index: HashMap<GroupId, usize> = HashMap::new();
    let mut current_tables = Vec::with_capacity(groups.len());
    for (i, g) in groups.iter().enumerate() {
        group_index.insert(g.id, i);
        current_tables.push(rules::table_in_force(conn, g.id, today)?.table()?);
    }
    let default_now = rules::default_in_force(conn, today)?.table()?;
    let mut draft_tables = current_tables.clone();
    if let Some(d) = &draft.default {
        let mut t = default_now;
        apply_tiers(&mut t, &d.tiers, "default")?;
        // Groups that inherit the default inherit the draft's.
        for (i, g) in groups.iter().enumerate() {
            if rules::table_in_force(conn, g.id, today)?.kind == crate::model::RuleKind::DefaultTier {
                draft_tables[i] = t;
            }
        }
    }
    for (name, d) in &draft.groups {
        let g = groups
            .iter()
            .position(|g| g.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| Error::validation("draft", format!("groups.{name}: there is no group named {name:?}")))?;
        apply_tiers(&mut draft_tables[g], &d.tiers, &format!("groups.{name}"))?;
    }

    // Partners: index, group, name.
    let mut ids: Vec<PartnerId> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut group_of: Vec<usize> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    {
        let mut stmt = conn.prepare("SELECT id, name, group_id FROM partners")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let pid: PartnerId = r.get(0)?;
            let g: GroupId = r.get(2)?;
            index.insert(id, ids.len() as u32);
            ids.push(pid);
            names.push(r.get(1)?);
            group_of.push(*group_index.get(&g).unwrap_or(&0));
        }
    }
    // Overrides in force today, then the draft's.
    let mut current_over = HashMap::new();
    {
        let mut stmt = conn.prepare("SELECT DISTINCT partner_id FROM rule_versions WHERE subject = 'override'")?;
        let partners: Vec<PartnerId> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        for p in partners {
            if let Some(o) = rules::override_in_force(conn, p, today)? {
                if let Some(&i) = index.get(&p.to_string()) {
                    current_over.insert(i, (o.override_rate.unwrap_or(0), o.override_flat));
                }
            }
        }
    }
    let mut draft_over = current_over.clone();
    for (pid, o) in &draft.overrides {
        let place = format!("overrides.{pid}");
        let key = pid.trim().to_ascii_lowercase();
        let &i = index
            .get(&key)
            .ok_or_else(|| Error::validation("draft", format!("{place}: there is no partner with this id")))?;
        let rate = o
            .rate
            .as_ref()
            .map(|v| parse_rate_percent("draft", &text_of(v)))
            .transpose()
            .map_err(|e| Error::validation("draft", format!("{place}.rate: {}", reason(&e))))?;
        let flat = o
            .flat
            .as_ref()
            .map(|v| parse_amount("draft", &text_of(v), false))
            .transpose()
            .map_err(|e| Error::validation("draft", format!("{place}.flat: {}", reason(&e))))?;
        match (rate, flat) {
            (Some(_), Some(_)) => {
                return Err(Error::validation(
                    "draft",
                    format!("{place}: give a rate or a flat amount, not both"),
                ))
            }
            (Some(r), None) => {
                draft_over.insert(i, (r, None));
            }
            (None, Some(f)) => {
                draft_over.insert(i, (0, Some(f)));
            }
            (None, None) => {
                draft_over.remove(&i);
            }
        }
    }
    let sides = [
        Side {
            tables: current_tables,
            overrides: current_over,
        },
        Side {
            tables: draft_tables,
            overrides: draft_over,
        },
    ];

    // The replay.
    #[derive(Clone, Copy)]
    struct State {
        deals: i64,
        revenue: i64,
        tier: [Tier; 2],
        cost: [i64; 2],
        in_period: bool,
    }
    let mut state = vec![
        State {
            deals: 0,
            revenue: 0,
            tier: [Tier::Bronze; 2],
            cost: [0; 2],
            in_period: false,
        };
        ids.len()
    ];
    let mut months: BTreeMap<String, [i64; 2]> = BTreeMap::new();
    let mut deals_in_period = 0;
    let mut stmt = conn.prepare(
        "SELECT partner_id, project_value, substr(created_at, 1, 7) FROM commissions
          WHERE kind = 'commission' AND status <> 'cancelled' ORDER BY kind, created_at",
    )?;
    let mut rows = stmt.query([])?;
    let mut key = String::new();
    while let Some(r) = rows.next()? {
        key.clear();
        key.push_str(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?);
        let Some(&p) = index.get(&key) else { continue };
        let value: i64 = r.get(1)?;
        let month = r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
        let counted = from.as_deref().is_none_or(|f| month >= f) && to.as_deref().is_none_or(|t| month <= t);
        let g = group_of[p as usize];
        let s = &mut state[p as usize];
        let mut amounts = [0i64; 2];
        for (k, side) in sides.iter().enumerate() {
            amounts[k] = side.amount(p, g, s.tier[k], value);
        }
        s.deals += 1;
        s.revenue += value;
        for (k, side) in sides.iter().enumerate() {
            let t = tier_for(&side.tables[g], s.deals, s.revenue);
            if t > s.tier[k] {
                s.tier[k] = t;
            }
        }
        if counted {
            deals_in_period += 1;
            s.in_period = true;
            s.cost[0] += amounts[0];
            s.cost[1] += amounts[1];
            match months.get_mut(month) {
                Some(m) => {
                    m[0] += amounts[0];
                    m[1] += amounts[1];
                }
                None => {
                    months.insert(month.to_owned(), amounts);
                }
            }
        }
    }
    let mut partners: Vec<SimPartner> = state
        .iter()
        .enumerate()
        .filter(|(_, s)| s.in_period || s.tier[0] != s.tier[1])
        .map(|(i, s)| SimPartner {
            partner_id: ids[i],
            name: names[i].clone(),
            current: s.cost[0],
            draft: s.cost[1],
            tier_now: s.tier[0],
            tier_draft: s.tier[1],
        })
        .collect();
    partners.sort_by(|a, b| {
        (b.draft - b.current)
            .abs()
            .cmp(&(a.draft - a.current).abs())
            .then_with(|| a.partner_id.cmp(&b.partner_id))
    });
    let tier_changes = partners.iter().filter(|p| p.tier_now != p.tier_draft).count() as i64;
    Ok(Simulation {
        from,
        to,
        deals: deals_in_period,
        current: months.values().map(|m| m[0]).sum(),
        draft: months.values().map(|m| m[1]).sum(),
        months: months
            .into_iter()
            .map(|(month, [current, draft])| SimMonth { month, current, draft })
            .collect(),
        partners,
        tier_changes,
    })
}
