//! Cohorts: partners grouped by the month they were approved; the columns are
//! the months since approval (0 = the approval month) up to the current month.

use super::div_round;
use super::month::{index_at, index_of, parse_month, text_of};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

crate::model::text_enum!(
    /// What a cohort cell shows.
    Measure, "measure" {
        Active => "active",
        Revenue => "revenue",
        Cumulative => "cumulative",
        Deals => "deals",
    }
);

impl Measure {
    /// The definition shown next to the figure.
    pub fn formula(self) -> &'static str {
        match self {
            Measure::Active => {
                "active[c][k] = partners of cohort c with a lead created or a standing win in month c+k / size(c)"
            }
            Measure::Revenue => "revenue[c][k] = won project value in month c+k (clawbacks negative) / size(c), cents",
            Measure::Cumulative => "cumulative[c][k] = (won project value in months c..c+k) / size(c), cents",
            Measure::Deals => "deals[c][k] = wins minus clawbacks standing in month c+k (cancelled ones excluded)",
        }
    }
}

/// A cell: a count or cents (integer), or a share (0..1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum CohortValue {
    Int(i64),
    Share(f64),
}

impl CohortValue {
    pub fn as_f64(self) -> f64 {
        match self {
            CohortValue::Int(v) => v as f64,
            CohortValue::Share(v) => v,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CohortRow {
    /// The approval month, YYYY-MM.
    pub cohort: String,
    /// Partners approved that month.
    pub size: i64,
    /// `values[k]` = the measure k months after approval, k = 0 ..= months to now.
    pub values: Vec<CohortValue>,
}

/// The heat map; its JSON is exactly `{"measure": M, "cohorts": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CohortTable {
    pub measure: Measure,
    pub cohorts: Vec<CohortRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CohortQuery {
    pub measure: Measure,
    /// First cohort shown (YYYY-MM), default the first one.
    pub from: Option<String>,
    /// Last cohort shown (YYYY-MM), default the current month.
    pub to: Option<String>,
}

/// The cohort table for `q` as of `now`.
pub fn cohorts(conn: &Connection, q: &CohortQuery, now: DateTime<Utc>) -> Result<CohortTable> {
    let current = index_at(now);
    let from = q.from.as_deref().map(|f| parse_month("from", f)).transpose()?;
    let to = q.to.as_deref().map(|t| parse_month("to", t)).transpose()?;
    if let (Some(f), Some(t)) = (&from, &to) {
        if f > t {
            return Err(Error::validation("from", format!("{f} is after --to {t}")));
        }
    }
    let lo = from.unwrap_or_else(|| "0000-01".into());
    let hi = to.unwrap_or_else(|| text_of(current)).min(text_of(current));
    let mut sizes: Vec<(String, i64)> = Vec::new();
    {
        let mut s = conn.prepare_cached(
            "SELECT cohort, partners FROM analytics_cohorts WHERE cohort >= ?1 AND cohort <= ?2 ORDER BY cohort",
        )?;
        for r in s.query_map(params![lo, hi], |r| Ok((r.get(0)?, r.get(1)?)))? {
            sizes.push(r?);
        }
    }
    let mut rows: Vec<(String, String, i64, i64, i64)> = Vec::new();
    {
        let mut s = conn.prepare_cached(
            "SELECT cohort, month, active, deals, won_value FROM analytics_cohort_months
              WHERE cohort >= ?1 AND cohort <= ?2",
        )?;
        for r in s.query_map(params![lo, hi], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })? {
            rows.push(r?);
        }
    }
    let mut out = Vec::with_capacity(sizes.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, (c, _)) in sizes.iter().enumerate() {
        index.insert(c.clone(), i);
    }
    let mut grid: Vec<Vec<(i64, i64, i64)>> = sizes
        .iter()
        .map(|(c, _)| {
            let width = (current - index_of(c).unwrap_or(current) + 1).max(0) as usize;
            vec![(0, 0, 0); width]
        })
        .collect();
    for (c, m, active, deals, won) in &rows {
        let Some(&i) = index.get(c) else { continue };
        let k = index_of(m)? - index_of(c)?;
        if k >= 0 && (k as usize) < grid[i].len() {
            grid[i][k as usize] = (*active, *deals, *won);
        }
    }
    for ((cohort, size), g) in sizes.into_iter().zip(grid) {
        let mut running = 0i64;
        let values = g
            .iter()
            .map(|&(active, deals, won)| match q.measure {
                Measure::Active => CohortValue::Share(if size > 0 { active as f64 / size as f64 } else { 0.0 }),
                Measure::Revenue => CohortValue::Int(div_round(won, size)),
                Measure::Cumulative => {
                    running += won;
                    CohortValue::Int(div_round(running, size))
                }
                Measure::Deals => CohortValue::Int(deals),
            })
            .collect();
        out.push(CohortRow { cohort, size, values });
    }
    Ok(CohortTable {
        measure: q.measure,
        cohorts: out,
    })
}
