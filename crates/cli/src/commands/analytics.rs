//! `partnerdesk analytics ...` and `partnerdesk chart ...`: the figures of
//! the Analytics screen from the terminal. Every analytics command first
//! takes the day's KPI snapshot when none exists yet (the first use of a day).

use super::Ctx;
use crate::output::{kv, Table};
use anyhow::Context as _;
use clap::{Args, Subcommand};
use partnerdesk_core::analytics::{
    self, cohorts, forecast, ltv, month, snapshots, CohortQuery, CohortValue, LtvBy, Measure, ScreenRequest,
};
use partnerdesk_core::charts::{self, Chart, Theme};
use partnerdesk_core::money::{format_amount, format_rate};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AnalyticsCmd {
    /// Cohorts by approval month x months since approval
    Cohorts {
        /// active (share with a lead or a win), revenue (won value per partner), cumulative, deals
        #[arg(long, value_name = "MEASURE", default_value = "active")]
        measure: String,
        /// First cohort shown
        #[arg(long, value_name = "YYYY-MM")]
        from: Option<String>,
        /// Last cohort shown
        #[arg(long, value_name = "YYYY-MM")]
        to: Option<String>,
    },
    /// Lifetime value per partner, realised and predicted
    Ltv {
        /// tier or cohort
        #[arg(long, value_name = "BY", default_value = "tier")]
        by: String,
    },
    /// Forecast of monthly won revenue and commission liability, with backtest errors
    Forecast {
        /// Months ahead (1-12), the current month first
        #[arg(long, value_name = "N", default_value_t = 6)]
        months: u32,
    },
    /// Take today's KPI snapshot now (replaces one taken earlier today)
    Snapshot,
    /// The daily KPI snapshots of the last days
    Snapshots {
        #[arg(long, value_name = "N", default_value_t = 30)]
        days: u32,
    },
}

#[derive(Debug, Args)]
pub struct ChartArgs {
    /// cohorts, ltv, forecast, pipeline or snapshots
    #[arg(value_name = "CHART")]
    pub kind: String,
    /// The file to write: FILE.svg or FILE.png
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// light or dark
    #[arg(long, default_value = "light")]
    pub theme: String,
    /// Width in pixels
    #[arg(long, default_value_t = 960)]
    pub width: u32,
    /// Height in pixels
    #[arg(long, default_value_t = 540)]
    pub height: u32,
    /// The cohort measure (cohorts chart)
    #[arg(long, value_name = "MEASURE", default_value = "active")]
    pub measure: String,
    /// Group LTV by tier or cohort (ltv chart)
    #[arg(long, value_name = "BY", default_value = "tier")]
    pub by: String,
    /// Months ahead (forecast chart)
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub months: u32,
    /// Days of snapshots (snapshots chart)
    #[arg(long, value_name = "N", default_value_t = 90)]
    pub days: u32,
}

fn ensure_snapshot(ctx: &Ctx) -> anyhow::Result<()> {
    snapshots::ensure_today(&ctx.store).context("taking today's snapshot")?;
    Ok(())
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "-".into())
}

/// Refuse bad arguments before anything is written (the day's snapshot included).
fn check(cmd: &AnalyticsCmd) -> partnerdesk_core::Result<()> {
    match cmd {
        AnalyticsCmd::Cohorts { measure, from, to } => {
            Measure::parse(measure)?;
            let from = from.as_deref().map(|f| month::parse_month("from", f)).transpose()?;
            let to = to.as_deref().map(|t| month::parse_month("to", t)).transpose()?;
            if let (Some(f), Some(t)) = (from, to) {
                if f > t {
                    return Err(partnerdesk_core::Error::validation(
                        "from",
                        format!("{f} is after --to {t}"),
                    ));
                }
            }
        }
        AnalyticsCmd::Ltv { by } => {
            LtvBy::parse(by)?;
        }
        AnalyticsCmd::Forecast { months } if !(1..=forecast::MAX_HORIZON).contains(months) => {
            return Err(partnerdesk_core::Error::validation(
                "months",
                "must be between 1 and 12",
            ));
        }
        AnalyticsCmd::Snapshots { days } if !(1..=3_660).contains(days) => {
            return Err(partnerdesk_core::Error::validation(
                "days",
                "must be between 1 and 3660",
            ));
        }
        _ => {}
    }
    Ok(())
}

pub fn run(ctx: &Ctx, cmd: AnalyticsCmd) -> anyhow::Result<u8> {
    check(&cmd)?;
    ensure_snapshot(ctx)?;
    let now = ctx.store.now();
    match cmd {
        AnalyticsCmd::Cohorts { measure, from, to } => {
            let q = CohortQuery {
                measure: Measure::parse(&measure)?,
                from,
                to,
            };
            let t = ctx.read("reading the cohorts", |c| cohorts(c, &q, now))?;
            ctx.out.emit(&t, || {
                let width = t.cohorts.iter().map(|r| r.values.len()).max().unwrap_or(0);
                let mut out = format!("{}\n", q.measure.formula());
                out.push_str(&format!("{:<8} {:>7}", "cohort", "size"));
                for k in 0..width {
                    out.push_str(&format!(" {:>9}", format!("m{k}")));
                }
                out.push('\n');
                for r in &t.cohorts {
                    out.push_str(&format!("{:<8} {:>7}", r.cohort, r.size));
                    for v in &r.values {
                        let cell = match (q.measure, v) {
                            (Measure::Active, CohortValue::Share(s)) => format!("{:.1}%", s * 100.0),
                            (Measure::Revenue | Measure::Cumulative, CohortValue::Int(c)) => format_amount(*c),
                            (_, v) => format!("{}", v.as_f64()),
                        };
                        out.push_str(&format!(" {cell:>9}"));
                    }
                    out.push('\n');
                }
                if t.cohorts.is_empty() {
                    out.push_str("No cohorts in this range.\n");
                }
                out
            })?;
        }
        AnalyticsCmd::Ltv { by } => {
            let by = LtvBy::parse(&by)?;
            let r = ctx.read("computing the LTV", |c| ltv(c, by, now))?;
            ctx.out.emit(&r, || {
                let mut t = Table::new(&[
                    "group",
                    ">partners",
                    ">deals",
                    ">won",
                    ">realised",
                    ">per partner",
                    ">per month",
                    ">churn",
                    ">predicted LTV",
                ]);
                for g in &r.groups {
                    t.row(vec![
                        g.group.clone(),
                        g.partners.to_string(),
                        g.deals.to_string(),
                        format_amount(g.won_value),
                        format_amount(g.realised_value),
                        format_amount(g.realised_per_partner),
                        format_amount(g.monthly_value.round() as i64),
                        pct(g.churn.as_ref().and_then(|c| c.monthly_rate)),
                        g.predicted_ltv.map(format_amount).unwrap_or_else(|| "-".into()),
                    ]);
                }
                let life = r
                    .churn
                    .expected_lifetime_months
                    .map(|l| format!("{l:.1} months"))
                    .unwrap_or_else(|| "- (no churn observed)".into());
                format!(
                    "{}\nMonthly churn {} ({} events / {} alive partner-months), expected lifetime {}\n{}\n",
                    t.render(),
                    pct(r.churn.monthly_rate),
                    r.churn.events,
                    r.churn.alive_months,
                    life,
                    r.formula
                )
            })?;
        }
        AnalyticsCmd::Forecast { months } => {
            let f = ctx.read("forecasting", |c| forecast::forecast(c, months, now))?;
            ctx.out.emit(&f, || forecast_text(&f))?;
        }
        AnalyticsCmd::Snapshot => {
            let s = ctx.write("taking a snapshot", snapshots::take)?;
            ctx.out.emit(&s, || snapshot_text(&s))?;
        }
        AnalyticsCmd::Snapshots { days } => {
            let list = ctx.read("reading the snapshots", |c| snapshots::list(c, days, now))?;
            ctx.out.emit(&list, || {
                let mut t = Table::new(&[
                    "day",
                    ">partners",
                    ">active",
                    ">leads",
                    ">open leads",
                    ">open value",
                    ">won this month",
                    ">outstanding",
                ]);
                for s in &list {
                    let k = &s.kpis;
                    t.row(vec![
                        s.day.clone(),
                        k.partners.to_string(),
                        k.active_partners.to_string(),
                        k.leads.to_string(),
                        k.open_leads.to_string(),
                        format_amount(k.open_value),
                        format_amount(k.won_value_month),
                        format_amount(k.outstanding_liability),
                    ]);
                }
                if list.is_empty() {
                    "No snapshots in these days.\n".into()
                } else {
                    t.render()
                }
            })?;
        }
    }
    Ok(0)
}

fn forecast_text(f: &analytics::Forecast) -> String {
    let mut out = String::new();
    for s in &f.series {
        out.push_str(&format!(
            "{} (best by backtest MASE: {})\n",
            s.series,
            s.best.as_deref().unwrap_or("-")
        ));
        let mut t = Table::new(&[
            "model",
            "month",
            ">forecast",
            ">80% low",
            ">80% high",
            ">95% low",
            ">95% high",
        ]);
        for m in &s.models {
            for p in &m.points {
                t.row(vec![
                    m.model.clone(),
                    p.month.clone(),
                    format_amount(p.mean),
                    format_amount(p.lo80),
                    format_amount(p.hi80),
                    format_amount(p.lo95),
                    format_amount(p.hi95),
                ]);
            }
        }
        out.push_str(&t.render());
        let mut b = Table::new(&["model", "params", ">origins", ">MASE", ">sMAPE %"]);
        for m in &s.models {
            b.row(vec![
                m.model.clone(),
                m.params.clone(),
                m.backtest.origins.to_string(),
                m.backtest.mase.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into()),
                m.backtest
                    .smape
                    .map(|v| format!("{v:.1}"))
                    .unwrap_or_else(|| "-".into()),
            ]);
        }
        out.push_str(&b.render());
        out.push('\n');
    }
    let p = &f.pipeline;
    let mut t = Table::new(&["stage", ">open leads", ">open value", ">win rate", ">expected"]);
    for s in &p.stages {
        t.row(vec![
            s.stage.to_string(),
            s.open_leads.to_string(),
            format_amount(s.open_value),
            pct(s.win_rate),
            format_amount(s.expected_value),
        ]);
    }
    out.push_str("pipeline\n");
    out.push_str(&t.render());
    out.push_str(&format!(
        "expected won value {}, expected commission {} (average rate {})\n{}\n{}\n",
        format_amount(p.expected_value),
        format_amount(p.expected_commission),
        format_rate(p.average_rate),
        p.formula,
        f.formula
    ));
    out
}

fn snapshot_text(s: &snapshots::Snapshot) -> String {
    let k = &s.kpis;
    kv(&[
        ("Day", s.day.clone()),
        ("Taken at", s.taken_at.clone()),
        ("Partners", k.partners.to_string()),
        ("Active partners", k.active_partners.to_string()),
        ("Leads", k.leads.to_string()),
        ("Open leads", k.open_leads.to_string()),
        ("Open value", format_amount(k.open_value)),
        ("Won value", format_amount(k.won_value)),
        ("Won this month", format_amount(k.won_value_month)),
        ("Deals this month", k.deals_month.to_string()),
        ("Commission this month", format_amount(k.commission_month)),
        ("Outstanding commissions", format_amount(k.outstanding_liability)),
        ("Active this month", format!("{:.1}%", k.active_share_month * 100.0)),
    ])
}

#[derive(Serialize)]
struct Written {
    chart: String,
    path: String,
    width: u32,
    height: u32,
}

pub fn chart(ctx: &Ctx, a: ChartArgs) -> anyhow::Result<u8> {
    let theme = Theme::parse(&a.theme)?;
    let size = (a.width, a.height);
    let kind = a.kind.trim().to_ascii_lowercase();
    let req = ScreenRequest {
        measure: Measure::parse(&a.measure)?,
        horizon: a.months,
        snapshot_days: a.days,
        ..ScreenRequest::default()
    };
    if !["cohorts", "ltv", "forecast", "pipeline", "snapshots"].contains(&kind.as_str()) {
        return Err(partnerdesk_core::Error::validation(
            "chart",
            format!(
                "unknown chart {:?}; expected one of: cohorts, ltv, forecast, pipeline, snapshots",
                a.kind
            ),
        )
        .into());
    }
    let ext = a
        .out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext != "svg" && ext != "png" {
        return Err(partnerdesk_core::Error::validation(
            "out",
            format!("{} must end in .svg or .png", a.out.display()),
        )
        .into());
    }
    LtvBy::parse(&a.by)?;
    ensure_snapshot(ctx)?;
    let now = ctx.store.now();
    let save = |chart: Chart<'_>| charts::save(chart, theme, size, &a.out);
    match kind.as_str() {
        "cohorts" => {
            let q = CohortQuery {
                measure: req.measure,
                from: None,
                to: None,
            };
            let t = ctx.read("reading the cohorts", |c| cohorts(c, &q, now))?;
            save(Chart::Cohorts(&t))?;
        }
        "ltv" => {
            let by = LtvBy::parse(&a.by)?;
            let r = ctx.read("computing the LTV", |c| ltv(c, by, now))?;
            save(Chart::Ltv(&r))?;
        }
        "forecast" | "pipeline" => {
            let f = ctx.read("forecasting", |c| forecast::forecast(c, req.horizon, now))?;
            if kind == "forecast" {
                save(Chart::Forecast(&f))?;
            } else {
                save(Chart::Pipeline(&f.pipeline))?;
            }
        }
        "snapshots" => {
            let s = ctx.read("reading the snapshots", |c| snapshots::list(c, req.snapshot_days, now))?;
            save(Chart::Snapshots(&s))?;
        }
        _ => {
            return Err(partnerdesk_core::Error::validation(
                "chart",
                format!(
                    "unknown chart {:?}; expected one of: cohorts, ltv, forecast, pipeline, snapshots",
                    a.kind
                ),
            )
            .into())
        }
    }
    let w = Written {
        chart: kind,
        path: a.out.display().to_string(),
        width: a.width,
        height: a.height,
    };
    ctx.out.emit(&w, || {
        format!("Wrote the {} chart to {} ({}x{})\n", w.chart, w.path, w.width, w.height)
    })?;
    Ok(0)
}
