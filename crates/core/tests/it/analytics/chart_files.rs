//! Charts: every chart in SVG and PNG and both themes; the screen as the app
//! opens it, and its charts one by one.

use super::*;

fn png_size(path: &std::path::Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    assert_eq!(&b[12..16], b"IHDR");
    (
        u32::from_be_bytes([b[16], b[17], b[18], b[19]]),
        u32::from_be_bytes([b[20], b[21], b[22], b[23]]),
    )
}

#[test]
fn every_chart_renders_svg_and_png_in_both_themes() {
    let (w, _) = fixture();
    let now = at(2026, 7, 15);
    snapshots::ensure_today(&w.store).unwrap();
    let data = w
        .store
        .read(|c| analytics::screen(c, &analytics::ScreenRequest::default(), now))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let charts = [
        ("cohorts", Chart::Cohorts(&data.cohorts)),
        ("ltv", Chart::Ltv(&data.ltv_by_tier)),
        ("ltv_cohort", Chart::Ltv(&data.ltv_by_cohort)),
        ("forecast", Chart::Forecast(&data.forecast)),
        ("pipeline", Chart::Pipeline(&data.forecast.pipeline)),
        ("snapshots", Chart::Snapshots(&data.snapshots)),
    ];
    for (name, chart) in charts {
        for theme in [Theme::Light, Theme::Dark] {
            let svg = charts::svg(chart, theme, (800, 450)).unwrap();
            assert!(
                svg.starts_with("<svg") || svg.starts_with("<?xml"),
                "{name}: {}",
                &svg[..40]
            );
            assert!(svg.trim_end().ends_with("</svg>"), "{name}");
            assert!(
                svg.contains("width=\"800\"") && svg.contains("height=\"450\""),
                "{name}"
            );
            assert!(svg.contains("<text"), "{name} has text");
            let png = dir.path().join(format!("{name}-{theme}.png"));
            charts::save(chart, theme, (640, 360), &png).unwrap();
            assert_eq!(png_size(&png), (640, 360), "{name}");
        }
    }
    // the heat map shows the numbers and the cohort sizes
    let svg = charts::svg(Chart::Cohorts(&data.cohorts), Theme::Light, (800, 450)).unwrap();
    assert!(svg.contains("50%") && svg.contains("2026-01 (2)"), "cells and sizes");
    let bad = charts::save(
        Chart::Cohorts(&data.cohorts),
        Theme::Light,
        (640, 360),
        &dir.path().join("x.gif"),
    );
    assert_eq!(bad.unwrap_err().field(), Some("out"));
}

// ---- the screen as the app opens it, and its charts one by one ----

#[test]
fn screen_open_checks_the_request_then_takes_the_days_snapshot() {
    let (w, _) = fixture();
    let bad = |req: analytics::ScreenRequest| analytics::screen::open(&w.store, &req).unwrap_err();
    let d = analytics::ScreenRequest::default;
    assert_eq!(
        bad(analytics::ScreenRequest { horizon: 0, ..d() }).field(),
        Some("horizon")
    );
    assert_eq!(
        bad(analytics::ScreenRequest { horizon: 13, ..d() }).field(),
        Some("horizon")
    );
    assert_eq!(
        bad(analytics::ScreenRequest {
            snapshot_days: 0,
            ..d()
        })
        .field(),
        Some("snapshot_days")
    );
    assert_eq!(
        bad(analytics::ScreenRequest {
            from: Some("2026/01".into()),
            ..d()
        })
        .field(),
        Some("from")
    );
    assert_eq!(
        bad(analytics::ScreenRequest {
            from: Some("2026-03".into()),
            to: Some("2026-02".into()),
            ..d()
        })
        .field(),
        Some("from")
    );
    let none: i64 = w
        .store
        .read(|c| Ok(c.query_row("SELECT count(*) FROM analytics_snapshots", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(none, 0, "a refused request writes nothing");

    let data = analytics::screen::open(
        &w.store,
        &analytics::ScreenRequest {
            measure: Measure::Revenue,
            from: Some("2026-02".into()),
            horizon: 3,
            ..d()
        },
    )
    .unwrap();
    assert_eq!(data.cohorts.measure, Measure::Revenue);
    assert_eq!(data.cohorts.cohorts.len(), 1, "from 2026-02: only C's cohort");
    assert_eq!(data.forecast.months.len(), 3);
    assert_eq!(
        data.snapshots.iter().map(|s| s.day.as_str()).collect::<Vec<_>>(),
        ["2026-07-15"],
        "the first use of the day took the snapshot, and the screen shows it"
    );
    let again = analytics::screen::open(&w.store, &d()).unwrap();
    assert_eq!(again.snapshots.len(), 1, "once a day");
    assert_eq!(again.snapshots[0].taken_at, data.snapshots[0].taken_at);
}

#[test]
fn every_screen_chart_draws_and_saves_by_extension() {
    use partnerdesk_core::charts::screen::{chart_save, chart_svg};
    use partnerdesk_core::charts::ScreenChart;
    let (w, _) = fixture();
    snapshots::ensure_today(&w.store).unwrap();
    let now = at(2026, 7, 15);
    let req = analytics::ScreenRequest::default();
    let dir = tempfile::tempdir().unwrap();
    for &kind in ScreenChart::ALL {
        for theme in [Theme::Light, Theme::Dark] {
            let svg = w
                .store
                .read(|c| chart_svg(c, kind, &req, now, theme, (700, 400)))
                .unwrap();
            assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"), "{kind}");
            assert!(svg.contains("width=\"700\""), "{kind}");
        }
        let png = dir.path().join(format!("{kind}.png"));
        w.store
            .read(|c| chart_save(c, kind, &req, now, Theme::Dark, (640, 360), &png))
            .unwrap();
        assert_eq!(png_size(&png), (640, 360), "{kind}");
        let svg = dir.path().join(format!("{kind}.SVG"));
        w.store
            .read(|c| chart_save(c, kind, &req, now, Theme::Light, (640, 360), &svg))
            .unwrap();
        assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"), "{kind}");
    }
    // The heat map follows the request's measure and months.
    let rev = analytics::ScreenRequest {
        measure: Measure::Revenue,
        ..analytics::ScreenRequest::default()
    };
    let svg = w
        .store
        .read(|c| chart_svg(c, ScreenChart::Cohorts, &rev, now, Theme::Light, (800, 450)))
        .unwrap();
    assert!(svg.contains("won revenue per partner"));
    // Refusals: extension, relative path, missing folder, bad request, bad size.
    let err = |kind, req: &analytics::ScreenRequest, path: &std::path::Path| {
        w.store
            .read(|c| chart_save(c, kind, req, now, Theme::Light, (640, 360), path))
            .unwrap_err()
    };
    assert_eq!(
        err(ScreenChart::LtvTier, &req, &dir.path().join("x.gif")).field(),
        Some("path")
    );
    assert_eq!(
        err(ScreenChart::LtvTier, &req, std::path::Path::new("x.png")).field(),
        Some("path")
    );
    assert_eq!(
        err(ScreenChart::LtvTier, &req, &dir.path().join("no/such/x.png")).field(),
        Some("path")
    );
    let bad = analytics::ScreenRequest {
        horizon: 20,
        ..analytics::ScreenRequest::default()
    };
    assert_eq!(
        err(ScreenChart::Forecast, &bad, &dir.path().join("f.png")).field(),
        Some("horizon")
    );
    assert!(!dir.path().join("x.gif").exists() && !dir.path().join("f.png").exists());
    let small = w
        .store
        .read(|c| chart_svg(c, ScreenChart::Pipeline, &req, now, Theme::Light, (10, 10)))
        .unwrap_err();
    assert_eq!(small.field(), Some("size"));
    assert_eq!(ScreenChart::parse("ltv-tier").unwrap(), ScreenChart::LtvTier);
    assert_eq!(ScreenChart::parse("pie").unwrap_err().field(), Some("chart"));
}
