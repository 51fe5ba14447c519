//! Forecasts of monthly won revenue and commission liability for the next
//! 1-12 months: a seasonal-naive baseline, Holt's linear trend, Holt-Winters
//! (additive, season 12) from a season and four months of history, each with 80% and
//! 95% prediction intervals and a rolling-origin backtest (MASE, sMAPE); plus
//! the pipeline view (open leads x each stage's historical win rate).
//!
//! The history is the complete months (the current month is still open) from
//! the first cohort's month, read from the monthly roll-ups.

use super::month::{index_at, index_of, text_of};
use crate::error::{Error, Result};
use crate::model::LeadStatus;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

pub const MAX_HORIZON: u32 = 12;
pub const SEASON: usize = 12;
const Z80: f64 = 1.281_551_565_545;
const Z95: f64 = 1.959_963_984_540;
/// How many of the last months are forecast origins in the backtest.
pub const BACKTEST_ORIGINS: usize = 12;

pub const FORMULA: &str = "seasonal naive: y(T+h) = y(T+h-12(k+1)), k = floor((h-1)/12) (naive y(T) below 12 months); \
Holt: l(t) = a y(t) + (1-a)(l(t-1)+b(t-1)), b(t) = B(l(t)-l(t-1)) + (1-B) b(t-1), y(T+h) = l(T) + h b(T); \
Holt-Winters (additive, m = 12, from 16 months; first trend from months a season apart): adds s(t) = g(y(t)-l(t-1)-b(t-1)) + (1-g) s(t-m); \
intervals: mean +- z sigma(h), z = 1.28 (80%), 1.96 (95%); \
MASE = mean|e| / mean|y(t)-y(t-m)| in sample; sMAPE = mean 200|e| / (|y|+|yhat|) %";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ForecastPoint {
    pub month: String,
    /// Cents (truncated at 0).
    pub mean: i64,
    pub lo80: i64,
    pub hi80: i64,
    pub lo95: i64,
    pub hi95: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Backtest {
    /// Forecast origins used (each forecasts up to the horizon ahead).
    pub origins: u32,
    /// Errors averaged (origins x steps that fall inside the history).
    pub errors: u32,
    pub mase: Option<f64>,
    /// Percent, 0..200.
    pub smape: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelForecast {
    /// seasonal_naive, holt or holt_winters.
    pub model: String,
    /// The fitted parameters, as text ("alpha=0.35 beta=0.05").
    pub params: String,
    /// In-sample standard deviation of the one-step errors, cents.
    pub sigma: f64,
    pub points: Vec<ForecastPoint>,
    pub backtest: Backtest,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SeriesForecast {
    /// won_revenue or commission_liability.
    pub series: String,
    /// One value per history month, cents.
    pub history: Vec<i64>,
    pub models: Vec<ModelForecast>,
    /// The model with the lowest backtest MASE.
    pub best: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StageRow {
    pub stage: LeadStatus,
    pub open_leads: i64,
    /// Estimated value of the open leads, cents.
    pub open_value: i64,
    /// Closed leads that were ever in this stage, by outcome.
    pub won: i64,
    pub lost: i64,
    /// won / (won + lost).
    pub win_rate: Option<f64>,
    /// open_value x win_rate, cents.
    pub expected_value: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Pipeline {
    pub stages: Vec<StageRow>,
    pub open_leads: i64,
    pub open_value: i64,
    pub expected_value: i64,
    /// Commissions over won value in history, basis points.
    pub average_rate: i64,
    /// expected_value x average_rate, cents.
    pub expected_commission: i64,
    pub formula: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Forecast {
    pub horizon: u32,
    /// The history months, YYYY-MM (the last complete month last).
    pub history_months: Vec<String>,
    /// The forecast months.
    pub months: Vec<String>,
    /// won_revenue, then commission_liability.
    pub series: Vec<SeriesForecast>,
    pub pipeline: Pipeline,
    pub formula: String,
}

/// A fitted model's forecast: means and standard deviations per step.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub mean: Vec<f64>,
    pub sd: Vec<f64>,
    pub sigma: f64,
    pub params: String,
}

/// The models, as pure functions of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    SeasonalNaive,
    Holt,
    HoltWinters,
}

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Model::SeasonalNaive => "seasonal_naive",
            Model::Holt => "holt",
            Model::HoltWinters => "holt_winters",
        }
    }
    /// The shortest history the model fits.
    pub fn min_len(self) -> usize {
        match self {
            Model::SeasonalNaive => 1,
            Model::Holt => 3,
            Model::HoltWinters => SEASON + HW_EXTRA,
        }
    }
    pub fn fit(self, y: &[f64], h: usize) -> Option<Fit> {
        match self {
            Model::SeasonalNaive => seasonal_naive(y, SEASON, h),
            Model::Holt => holt(y, h),
            Model::HoltWinters => holt_winters(y, SEASON, h),
        }
    }
}

/// Seasonal naive with season `m` (naive when the history is shorter than m).
pub fn seasonal_naive(y: &[f64], m: usize, h: usize) -> Option<Fit> {
    let n = y.len();
    if n == 0 {
        return None;
    }
    let m = if n >= m { m } else { 1 };
    let res: Vec<f64> = (m..n).map(|t| y[t] - y[t - m]).collect();
    let sigma = if res.is_empty() {
        0.0
    } else {
        (res.iter().map(|e| e * e).sum::<f64>() / res.len() as f64).sqrt()
    };
    let mut mean = Vec::with_capacity(h);
    let mut sd = Vec::with_capacity(h);
    for step in 1..=h {
        let k = (step - 1) / m;
        mean.push(y[n - 1 + step - m * (k + 1)]);
        sd.push(sigma * ((k + 1) as f64).sqrt());
    }
    Some(Fit {
        mean,
        sd,
        sigma,
        params: format!("m={m}"),
    })
}

fn grid(step: f64) -> Vec<f64> {
    let n = (1.0 / step).round() as usize;
    (1..n).map(|i| i as f64 * step).collect()
}

/// Holt's linear trend: one-step SSE minimised over a grid of alpha, beta.
pub fn holt(y: &[f64], h: usize) -> Option<Fit> {
    let n = y.len();
    if n < 3 {
        return None;
    }
    let run = |a: f64, b: f64| -> (f64, f64, f64) {
        let (mut l, mut t) = (y[0], y[1] - y[0]);
        let mut sse = 0.0;
        for (i, &v) in y.iter().enumerate().skip(1) {
            let f = l + t;
            if i >= 2 {
                sse += (v - f) * (v - f);
            }
            let l1 = a * v + (1.0 - a) * (l + t);
            t = b * (l1 - l) + (1.0 - b) * t;
            l = l1;
        }
        (sse, l, t)
    };
    let mut best = (f64::INFINITY, 0.5, 0.1);
    for &a in &grid(0.05) {
        for &b in &grid(0.05) {
            let (sse, _, _) = run(a, b);
            if sse < best.0 {
                best = (sse, a, b);
            }
        }
    }
    let (sse, a, b) = best;
    let (_, l, t) = run(a, b);
    let dof = (n as f64 - 2.0 - 2.0).max(1.0);
    let sigma = (sse / dof).sqrt();
    let mean = (1..=h).map(|s| l + s as f64 * t).collect();
    let sd = (1..=h)
        .map(|s| {
            let hf = s as f64;
            let var = 1.0 + (hf - 1.0) * (a * a + a * b * hf + b * b * hf * (2.0 * hf - 1.0) / 6.0);
            sigma * var.sqrt()
        })
        .collect();
    Some(Fit {
        mean,
        sd,
        sigma,
        params: format!("alpha={a:.2} beta={b:.2}"),
    })
}

/// Months of history beyond one season that Holt-Winters needs.
pub const HW_EXTRA: usize = 4;

/// Additive Holt-Winters with season `m`; needs a season and [`HW_EXTRA`]
/// months of history.
pub fn holt_winters(y: &[f64], m: usize, h: usize) -> Option<Fit> {
    let n = y.len();
    if m < 2 || n < m + HW_EXTRA {
        return None;
    }
    // The initial trend compares the same calendar months one season apart:
    // the first k months of the second season against the first k of the
    // first (k = m, the two whole seasons, once there are two).
    let k = (n - m).min(m);
    let mean1 = y[..m].iter().sum::<f64>() / m as f64;
    let trend0 = (y[m..m + k].iter().sum::<f64>() - y[..k].iter().sum::<f64>()) / (k * m) as f64;
    let run = |a: f64, b: f64, g: f64, keep: bool| -> (f64, f64, f64, Vec<f64>) {
        // Start at the end of the first season: that trend, the level and
        // the seasonal indices detrended.
        let mut t = trend0;
        let mid = (m as f64 - 1.0) / 2.0;
        let mut l = mean1 + t * mid;
        let mut s: Vec<f64> = y[..m]
            .iter()
            .enumerate()
            .map(|(i, v)| v - (mean1 + t * (i as f64 - mid)))
            .collect();
        let mut sse = 0.0;
        for (i, &v) in y.iter().enumerate().skip(m) {
            let season = s[i - m];
            let f = l + t + season;
            sse += (v - f) * (v - f);
            let l1 = a * (v - season) + (1.0 - a) * (l + t);
            let t1 = b * (l1 - l) + (1.0 - b) * t;
            s.push(g * (v - l - t) + (1.0 - g) * season);
            l = l1;
            t = t1;
        }
        if !keep {
            s.clear();
        }
        (sse, l, t, s)
    };
    let mut best = (f64::INFINITY, 0.5, 0.1, 0.1);
    let coarse = grid(0.1);
    for &a in &coarse {
        for &b in &coarse {
            for &g in &coarse {
                let (sse, ..) = run(a, b, g, false);
                if sse < best.0 {
                    best = (sse, a, b, g);
                }
            }
        }
    }
    let (sse, a, b, g) = best;
    let (_, l, t, s) = run(a, b, g, true);
    let dof = ((n - m) as f64 - 3.0).max(1.0);
    let sigma = (sse / dof).sqrt();
    let mut mean = Vec::with_capacity(h);
    let mut sd = Vec::with_capacity(h);
    for step in 1..=h {
        let k = (step - 1) / m;
        let idx = n + step - 1 - m * (k + 1);
        mean.push(l + step as f64 * t + s[idx]);
        let hf = step as f64;
        let kf = k as f64;
        let var = 1.0
            + (hf - 1.0) * (a * a + a * b * hf + b * b * hf * (2.0 * hf - 1.0) / 6.0)
            + g * kf * (2.0 * a + g + b * m as f64 * (kf + 1.0));
        sd.push(sigma * var.max(0.0).sqrt());
    }
    Some(Fit {
        mean,
        sd,
        sigma,
        params: format!("alpha={a:.1} beta={b:.1} gamma={g:.1}"),
    })
}

/// Rolling-origin backtest: each of the last origins fits on the months
/// before it and forecasts up to `h` months ahead inside the history.
pub fn backtest(model: Model, y: &[f64], h: usize) -> Backtest {
    let n = y.len();
    let m = if n > SEASON { SEASON } else { 1 };
    let scale = if n > m {
        (m..n).map(|t| (y[t] - y[t - m]).abs()).sum::<f64>() / (n - m) as f64
    } else {
        0.0
    };
    let first = n.saturating_sub(BACKTEST_ORIGINS).max(model.min_len());
    let (mut origins, mut count, mut abs, mut smape) = (0u32, 0u32, 0.0, 0.0);
    for origin in first..n {
        let steps = h.min(n - origin);
        let Some(fit) = model.fit(&y[..origin], steps) else {
            continue;
        };
        origins += 1;
        for (j, f) in fit.mean.iter().enumerate() {
            let f = f.max(0.0);
            let actual = y[origin + j];
            let e = (actual - f).abs();
            abs += e;
            let d = actual.abs() + f.abs();
            if d > 0.0 {
                smape += 200.0 * e / d;
            }
            count += 1;
        }
    }
    let mean_abs = (count > 0).then(|| abs / count as f64);
    Backtest {
        origins,
        errors: count,
        mase: mean_abs.filter(|_| scale > 0.0).map(|e| e / scale),
        smape: (count > 0).then(|| smape / count as f64),
    }
}

fn points(fit: &Fit, months: &[String]) -> Vec<ForecastPoint> {
    let c = |v: f64| v.max(0.0).round() as i64;
    fit.mean
        .iter()
        .zip(&fit.sd)
        .zip(months)
        .map(|((&m, &sd), month)| ForecastPoint {
            month: month.clone(),
            mean: c(m),
            lo80: c(m - Z80 * sd),
            hi80: c(m + Z80 * sd),
            lo95: c(m - Z95 * sd),
            hi95: c(m + Z95 * sd),
        })
        .collect()
}

/// Forecast one series with every model that fits its length.
pub fn forecast_series(name: &str, history: &[i64], months: &[String]) -> SeriesForecast {
    let y: Vec<f64> = history.iter().map(|&v| v as f64).collect();
    let h = months.len();
    let mut models = Vec::new();
    for model in [Model::SeasonalNaive, Model::Holt, Model::HoltWinters] {
        if let Some(fit) = model.fit(&y, h) {
            models.push(ModelForecast {
                model: model.name().into(),
                params: fit.params.clone(),
                sigma: fit.sigma,
                points: points(&fit, months),
                backtest: backtest(model, &y, h),
            });
        }
    }
    let best = models
        .iter()
        .filter_map(|m| m.backtest.mase.map(|e| (e, m.model.clone())))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name);
    SeriesForecast {
        series: name.into(),
        history: history.to_vec(),
        models,
        best,
    }
}

/// The pipeline view from the stage roll-up.
pub fn pipeline(conn: &Connection) -> Result<Pipeline> {
    let mut stages = Vec::new();
    let mut s = conn.prepare_cached("SELECT stage, open_leads, open_value, won, lost FROM analytics_stages")?;
    let mut rows: Vec<(LeadStatus, i64, i64, i64, i64)> = Vec::new();
    for r in s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))? {
        rows.push(r?);
    }
    rows.sort_by_key(|r| r.0.stage());
    for (stage, open_leads, open_value, won, lost) in rows {
        let win_rate = (won + lost > 0).then(|| won as f64 / (won + lost) as f64);
        stages.push(StageRow {
            stage,
            open_leads,
            open_value,
            won,
            lost,
            win_rate,
            expected_value: (open_value as f64 * win_rate.unwrap_or(0.0)).round() as i64,
        });
    }
    let (won, comm): (i64, i64) = conn.query_row(
        "SELECT coalesce(sum(won_value), 0), coalesce(sum(commission), 0) FROM analytics_tiers",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let average_rate = if won > 0 {
        (comm as f64 * 10_000.0 / won as f64).round() as i64
    } else {
        0
    };
    let expected_value: i64 = stages.iter().map(|s| s.expected_value).sum();
    Ok(Pipeline {
        open_leads: stages.iter().map(|s| s.open_leads).sum(),
        open_value: stages.iter().map(|s| s.open_value).sum(),
        expected_value,
        average_rate,
        expected_commission: (expected_value as f64 * average_rate as f64 / 10_000.0).round() as i64,
        stages,
        formula:
            "win rate(stage) = closed leads that were ever in the stage and were won / all closed leads that were \
                  ever in it; expected value = sum over stages of open value x win rate; expected commission = \
                  expected value x (commissions / won value in history)"
                .into(),
    })
}

/// The monthly totals of the roll-ups from the first cohort's month to the
/// last complete month before `current`: (months, won value, commission).
pub fn monthly_history(conn: &Connection, current: i64) -> Result<(Vec<String>, Vec<i64>, Vec<i64>)> {
    let first: Option<String> = conn.query_row("SELECT min(cohort) FROM analytics_cohorts", [], |r| r.get(0))?;
    let Some(first) = first else {
        return Ok((Vec::new(), Vec::new(), Vec::new()));
    };
    let start = index_of(&first)?;
    let len = (current - start).max(0) as usize;
    let mut won = vec![0; len];
    let mut comm = vec![0; len];
    let mut s = conn.prepare_cached(
        "SELECT month, sum(won_value), sum(commission) FROM analytics_cohort_months WHERE month < ?1 GROUP BY month",
    )?;
    for r in s.query_map([text_of(current)], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
    })? {
        let (m, w, c) = r?;
        let k = index_of(&m)? - start;
        if k >= 0 && (k as usize) < len {
            won[k as usize] = w;
            comm[k as usize] = c;
        }
    }
    Ok(((start..current).map(text_of).collect(), won, comm))
}

/// Forecast the next `months` (1..=12) months, the current one first.
pub fn forecast(conn: &Connection, months: u32, now: DateTime<Utc>) -> Result<Forecast> {
    if !(1..=MAX_HORIZON).contains(&months) {
        return Err(Error::validation(
            "months",
            format!("must be between 1 and {MAX_HORIZON}"),
        ));
    }
    let current = index_at(now);
    let (history_months, won, comm) = monthly_history(conn, current)?;
    let ahead: Vec<String> = (0..months as i64).map(|k| text_of(current + k)).collect();
    Ok(Forecast {
        horizon: months,
        series: vec![
            forecast_series("won_revenue", &won, &ahead),
            forecast_series("commission_liability", &comm, &ahead),
        ],
        history_months,
        months: ahead,
        pipeline: pipeline(conn)?,
        formula: FORMULA.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasonal_naive_repeats_last_season() {
        let y: Vec<f64> = (0..24).map(|i| (i % 12) as f64).collect();
        let f = seasonal_naive(&y, 12, 14).unwrap();
        assert_eq!(f.mean[0], 0.0);
        assert_eq!(f.mean[11], 11.0);
        assert_eq!(f.mean[12], 0.0);
        assert_eq!(f.mean[13], 1.0);
        assert_eq!(f.sigma, 0.0);
        // below one season: the naive forecast
        let f = seasonal_naive(&[1.0, 2.0, 5.0], 12, 2).unwrap();
        assert_eq!(f.mean, vec![5.0, 5.0]);
    }
}
