//! The drawing of each chart on any plotters backend.

use super::{Chart, Theme, FAMILY};
use crate::analytics::month::{index_of, text_of};
use crate::analytics::{CohortTable, Forecast, LtvReport, Measure, Pipeline, Snapshot};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

struct Palette {
    bg: RGBColor,
    fg: RGBColor,
    muted: RGBColor,
    grid: RGBColor,
    series: [RGBColor; 4],
    heat_lo: RGBColor,
    heat_hi: RGBColor,
}

fn palette(theme: Theme) -> Palette {
    match theme {
        Theme::Light => Palette {
            bg: RGBColor(255, 255, 255),
            fg: RGBColor(33, 37, 41),
            muted: RGBColor(108, 117, 125),
            grid: RGBColor(222, 226, 230),
            series: [
                RGBColor(13, 110, 253),
                RGBColor(214, 51, 132),
                RGBColor(25, 135, 84),
                RGBColor(253, 126, 20),
            ],
            heat_lo: RGBColor(239, 246, 255),
            heat_hi: RGBColor(8, 69, 148),
        },
        Theme::Dark => Palette {
            bg: RGBColor(24, 26, 31),
            fg: RGBColor(230, 232, 235),
            muted: RGBColor(160, 166, 173),
            grid: RGBColor(58, 62, 70),
            series: [
                RGBColor(110, 168, 254),
                RGBColor(240, 120, 180),
                RGBColor(99, 210, 150),
                RGBColor(255, 170, 80),
            ],
            heat_lo: RGBColor(34, 40, 52),
            heat_hi: RGBColor(120, 190, 255),
        },
    }
}

fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let c = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    RGBColor(c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
}

/// Black or white text, whichever reads on `bg`.
fn ink_on(bg: RGBColor) -> RGBColor {
    let l = 0.299 * bg.0 as f64 + 0.587 * bg.1 as f64 + 0.114 * bg.2 as f64;
    if l > 140.0 {
        RGBColor(20, 20, 20)
    } else {
        RGBColor(245, 245, 245)
    }
}

/// Cents as a short amount: 1234567 -> "12.3k".
pub fn money(cents: f64) -> String {
    let v = cents / 100.0;
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}B", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn style(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&color)
}

pub fn chart<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: Chart<'_>, theme: Theme) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let p = palette(theme);
    root.fill(&p.bg)?;
    match chart {
        Chart::Cohorts(t) => cohorts(root, t, &p),
        Chart::Ltv(r) => ltv(root, r, &p),
        Chart::Forecast(f) => forecast(root, f, &p),
        Chart::Pipeline(pl) => pipeline(root, pl, &p),
        Chart::Snapshots(s) => snapshots(root, s, &p),
    }
}

fn title<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, text: &str, p: &Palette) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.draw(&Text::new(text.to_owned(), (16, 10), style(18.0, p.fg)))?;
    Ok(())
}

fn empty<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, text: &str, p: &Palette) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (w, h) = root.dim_in_pixel();
    let s = style(16.0, p.muted).pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new(text.to_owned(), (w as i32 / 2, h as i32 / 2), s))?;
    Ok(())
}

fn cohorts<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, t: &CohortTable, p: &Palette) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let name = match t.measure {
        Measure::Active => "active share",
        Measure::Revenue => "won revenue per partner",
        Measure::Cumulative => "cumulative revenue per partner",
        Measure::Deals => "deals",
    };
    title(root, &format!("Cohorts by approval month: {name}"), p)?;
    let rows = t.cohorts.len();
    let cols = t.cohorts.iter().map(|c| c.values.len()).max().unwrap_or(0);
    if rows == 0 || cols == 0 {
        return empty(root, "No cohorts yet", p);
    }
    let (w, h) = root.dim_in_pixel();
    let (left, top, right, bottom) = (150i32, 64i32, 16i32, 16i32);
    let cw = ((w as i32 - left - right) as f64 / cols as f64).max(1.0);
    let ch = ((h as i32 - top - bottom) as f64 / rows as f64).max(1.0);
    let (lo, hi) = t
        .cohorts
        .iter()
        .flat_map(|c| c.values.iter().map(|v| v.as_f64()))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let font = (ch * 0.45).clamp(6.0, 13.0).min(cw * 0.28);
    let header = style(11.0, p.muted).pos(Pos::new(HPos::Center, VPos::Bottom));
    for k in 0..cols {
        if cols <= 24 || k % 2 == 0 {
            let x = left + (cw * (k as f64 + 0.5)) as i32;
            root.draw(&Text::new(format!("{k}"), (x, top - 4), header.clone()))?;
        }
    }
    root.draw(&Text::new(
        "months since approval".to_owned(),
        (left, top - 22),
        style(11.0, p.muted),
    ))?;
    let label = style(font.clamp(9.0, 12.0), p.fg).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, row) in t.cohorts.iter().enumerate() {
        let y0 = top + (ch * i as f64) as i32;
        let y1 = top + (ch * (i + 1) as f64) as i32;
        root.draw(&Text::new(
            format!("{} ({})", row.cohort, row.size),
            (left - 6, (y0 + y1) / 2),
            label.clone(),
        ))?;
        for (k, v) in row.values.iter().enumerate() {
            let x0 = left + (cw * k as f64) as i32;
            let x1 = left + (cw * (k + 1) as f64) as i32;
            let value = v.as_f64();
            let fill = mix(p.heat_lo, p.heat_hi, (value - lo) / span);
            root.draw(&Rectangle::new([(x0, y0), (x1 - 1, y1 - 1)], fill.filled()))?;
            if font >= 6.0 {
                let text = match t.measure {
                    Measure::Active => format!("{:.0}%", value * 100.0),
                    Measure::Revenue | Measure::Cumulative => money(value),
                    Measure::Deals => format!("{value:.0}"),
                };
                let s = style(font, ink_on(fill)).pos(Pos::new(HPos::Center, VPos::Center));
                root.draw(&Text::new(text, ((x0 + x1) / 2, (y0 + y1) / 2), s))?;
            }
        }
    }
    Ok(())
}

/// Vertical grouped bars with a value axis; `groups[i] = (label, values)`.
fn bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    groups: &[(String, Vec<f64>)],
    legend: &[&str],
    p: &Palette,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let n = groups.len();
    let k = legend.len().max(1);
    let max = groups
        .iter()
        .flat_map(|g| g.1.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1.0);
    let min = groups.iter().flat_map(|g| g.1.iter().copied()).fold(0.0f64, f64::min);
    let area = root.margin(40, 10, 10, 20);
    let mut c = ChartBuilder::on(&area)
        .x_label_area_size(if n > 8 { 56 } else { 28 })
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), min * 1.1..max * 1.15)?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_label_formatter(&|v| money(*v))
        .y_label_style(style(11.0, p.muted))
        .axis_style(p.muted)
        .light_line_style(p.grid)
        .bold_line_style(p.grid)
        .draw()?;
    let width = 0.8 / k as f64;
    for (gi, (_, vals)) in groups.iter().enumerate() {
        for (si, v) in vals.iter().enumerate() {
            let x0 = gi as f64 - 0.4 + width * si as f64;
            let color = p.series[si % p.series.len()];
            c.draw_series(std::iter::once(Rectangle::new(
                [(x0, 0.0), (x0 + width * 0.92, *v)],
                color.filled(),
            )))?;
        }
    }
    let every = n.div_ceil(24).max(1);
    for (gi, (label, _)) in groups.iter().enumerate() {
        if gi % every != 0 {
            continue;
        }
        let (x, y) = c.backend_coord(&(gi as f64, min * 1.1));
        let s = style(11.0, p.fg).pos(Pos::new(HPos::Center, VPos::Top));
        let text = if n > 8 && label.len() > 4 {
            label[2..].to_owned()
        } else {
            label.clone()
        };
        area.draw(&Text::new(text, (x, y + 6), s))?;
    }
    let keys: Vec<(&str, RGBColor)> = legend
        .iter()
        .enumerate()
        .map(|(i, l)| (*l, p.series[i % p.series.len()]))
        .collect();
    legend_row(root, &keys, p)
}

fn legend_row<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, legend: &[(&str, RGBColor)], p: &Palette) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (w, _) = root.dim_in_pixel();
    let mut x = w as i32 - 16 - legend.iter().map(|l| 26 + 7 * l.0.len() as i32).sum::<i32>();
    for &(l, color) in legend {
        root.draw(&Rectangle::new([(x, 14), (x + 12, 26)], color.filled()))?;
        root.draw(&Text::new(l.to_string(), (x + 16, 13), style(12.0, p.fg)))?;
        x += 26 + 7 * l.len() as i32;
    }
    Ok(())
}

fn ltv<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &LtvReport, p: &Palette) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let life = r
        .churn
        .expected_lifetime_months
        .map(|l| format!("{l:.1} months"))
        .unwrap_or_else(|| "n/a".into());
    title(
        root,
        &format!("LTV per partner by {} (expected lifetime {life})", r.by),
        p,
    )?;
    if r.groups.is_empty() {
        return empty(root, "No partners yet", p);
    }
    let groups: Vec<(String, Vec<f64>)> = r
        .groups
        .iter()
        .map(|g| {
            (
                g.group.clone(),
                vec![g.realised_per_partner as f64, g.predicted_ltv.unwrap_or(0) as f64],
            )
        })
        .collect();
    bars(root, &groups, &["realised", "predicted"], p)
}

fn pipeline<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, pl: &Pipeline, p: &Palette) -> DrawResult
where
    DB::ErrorType: 'static,
{
    title(
        root,
        &format!(
            "Open pipeline: {} leads, {} open, {} expected",
            pl.open_leads,
            money(pl.open_value as f64),
            money(pl.expected_value as f64)
        ),
        p,
    )?;
    let (w, h) = root.dim_in_pixel();
    let n = pl.stages.len().max(1) as i32;
    let max = pl.stages.iter().map(|s| s.open_value).max().unwrap_or(0).max(1) as f64;
    let (top, bottom) = (56, 20);
    let band = (h as i32 - top - bottom) / n;
    let cx = w as i32 / 2 + 60;
    let half = (w as i32 / 2 - 90) as f64;
    for (i, s) in pl.stages.iter().enumerate() {
        let y0 = top + band * i as i32 + 4;
        let y1 = y0 + band - 8;
        let hw = (half * s.open_value as f64 / max).max(2.0) as i32;
        root.draw(&Rectangle::new(
            [(cx - hw, y0), (cx + hw, y1)],
            p.series[0].mix(0.35).filled(),
        ))?;
        let ew = (half * s.expected_value as f64 / max).max(1.0) as i32;
        root.draw(&Rectangle::new([(cx - ew, y0), (cx + ew, y1)], p.series[2].filled()))?;
        let label = style(12.0, p.fg).pos(Pos::new(HPos::Left, VPos::Center));
        root.draw(&Text::new(
            format!("{} ({})", s.stage, s.open_leads),
            (12, (y0 + y1) / 2 - 8),
            label.clone(),
        ))?;
        let rate = s
            .win_rate
            .map(|r| format!("{:.1}%", r * 100.0))
            .unwrap_or_else(|| "n/a".into());
        root.draw(&Text::new(
            format!(
                "{} x {rate} = {}",
                money(s.open_value as f64),
                money(s.expected_value as f64)
            ),
            (12, (y0 + y1) / 2 + 8),
            style(11.0, p.muted).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    legend_row(root, &[("open value", p.series[0]), ("expected", p.series[2])], p)
}

fn forecast<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &Forecast, p: &Palette) -> DrawResult
where
    DB::ErrorType: 'static,
{
    title(root, "Monthly won revenue: history and forecast", p)?;
    let Some(series) = f.series.first() else {
        return empty(root, "No data", p);
    };
    if f.months.is_empty() || f.history_months.is_empty() {
        return empty(root, "Not enough history to forecast", p);
    }
    let start = index_of(&f.history_months[0]).map_err(|e| e.to_string())?;
    let end = index_of(&f.months[f.months.len() - 1]).map_err(|e| e.to_string())?;
    let best = series
        .best
        .as_deref()
        .and_then(|b| series.models.iter().find(|m| m.model == b))
        .or_else(|| series.models.first());
    let mut hi = series.history.iter().copied().max().unwrap_or(0) as f64;
    for m in &series.models {
        for pt in &m.points {
            hi = hi.max(pt.mean as f64);
        }
    }
    if let Some(b) = best {
        for pt in &b.points {
            hi = hi.max(pt.hi95 as f64);
        }
    }
    let area = root.margin(40, 10, 10, 20);
    let mut c = ChartBuilder::on(&area)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(start..end + 1, 0f64..hi.max(1.0) * 1.08)?;
    c.configure_mesh()
        .x_labels(12)
        .x_label_formatter(&|m| text_of(*m))
        .y_label_formatter(&|v| money(*v))
        .x_label_style(style(10.0, p.muted))
        .y_label_style(style(11.0, p.muted))
        .axis_style(p.muted)
        .light_line_style(p.grid)
        .bold_line_style(p.grid)
        .draw()?;
    let first_ahead = index_of(&f.months[0]).map_err(|e| e.to_string())?;
    if let Some(b) = best {
        for (alpha, lo_hi) in [(0.18, true), (0.32, false)] {
            let mut poly: Vec<(i64, f64)> = Vec::new();
            for (i, pt) in b.points.iter().enumerate() {
                poly.push((first_ahead + i as i64, if lo_hi { pt.hi95 } else { pt.hi80 } as f64));
            }
            for (i, pt) in b.points.iter().enumerate().rev() {
                poly.push((first_ahead + i as i64, if lo_hi { pt.lo95 } else { pt.lo80 } as f64));
            }
            c.draw_series(std::iter::once(Polygon::new(poly, p.series[0].mix(alpha).filled())))?;
        }
    }
    let fg = p.fg;
    c.draw_series(LineSeries::new(
        series
            .history
            .iter()
            .enumerate()
            .map(|(i, v)| (start + i as i64, *v as f64)),
        p.fg.stroke_width(2),
    ))?
    .label("history")
    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], fg.stroke_width(2)));
    for (mi, m) in series.models.iter().enumerate() {
        let color = p.series[mi % p.series.len()];
        let is_best = best.map(|b| b.model == m.model).unwrap_or(false);
        let label = match (m.backtest.mase, is_best) {
            (Some(e), true) => format!("{} (MASE {e:.2}, best; bands 80/95%)", m.model),
            (Some(e), false) => format!("{} (MASE {e:.2})", m.model),
            (None, _) => m.model.clone(),
        };
        c.draw_series(LineSeries::new(
            m.points
                .iter()
                .enumerate()
                .map(|(i, pt)| (first_ahead + i as i64, pt.mean as f64)),
            color.stroke_width(if is_best { 3 } else { 2 }),
        ))?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3)));
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(p.bg.mix(0.85))
        .border_style(p.grid)
        .label_font(style(11.0, p.fg))
        .draw()?;
    Ok(())
}

fn snapshots<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &[Snapshot], p: &Palette) -> DrawResult
where
    DB::ErrorType: 'static,
{
    title(root, "Daily KPI snapshots", p)?;
    if s.is_empty() {
        return empty(root, "No snapshots yet", p);
    }
    type Kpi = fn(&Snapshot) -> i64;
    let pick: [(&str, Kpi); 3] = [
        ("open pipeline", |x| x.kpis.open_value),
        ("won this month", |x| x.kpis.won_value_month),
        ("outstanding commissions", |x| x.kpis.outstanding_liability),
    ];
    let hi = s
        .iter()
        .flat_map(|x| pick.iter().map(move |(_, f)| f(x)))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = s.len() as i64;
    let area = root.margin(40, 10, 10, 20);
    let mut c = ChartBuilder::on(&area)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(0i64..n.max(2) - 1, 0f64..hi * 1.1)?;
    let days: Vec<String> = s.iter().map(|x| x.day.clone()).collect();
    c.configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|i| days.get(*i as usize).cloned().unwrap_or_default())
        .y_label_formatter(&|v| money(*v))
        .x_label_style(style(10.0, p.muted))
        .y_label_style(style(11.0, p.muted))
        .axis_style(p.muted)
        .light_line_style(p.grid)
        .bold_line_style(p.grid)
        .draw()?;
    for (i, (name, f)) in pick.iter().enumerate() {
        let color = p.series[i % p.series.len()];
        c.draw_series(LineSeries::new(
            s.iter().enumerate().map(|(k, x)| (k as i64, f(x) as f64)),
            color.stroke_width(2),
        ))?;
        c.draw_series(
            s.iter()
                .enumerate()
                .map(|(k, x)| Circle::new((k as i64, f(x) as f64), 3, color.filled())),
        )?
        .label(*name)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3)));
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(p.bg.mix(0.85))
        .border_style(p.grid)
        .label_font(style(11.0, p.fg))
        .draw()?;
    Ok(())
}
