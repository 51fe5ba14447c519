//! The forecast models on known series.

use partnerdesk_core::analytics::forecast::{backtest, holt, holt_winters, seasonal_naive, Model};

/// A linear trend y = 1000 + 250 t: Holt recovers the next 6 months within 1%.
#[test]
fn holt_recovers_a_linear_trend() {
    let y: Vec<f64> = (0..24).map(|t| 1_000.0 + 250.0 * t as f64).collect();
    let fit = holt(&y, 6).unwrap();
    for (h, f) in fit.mean.iter().enumerate() {
        let truth = 1_000.0 + 250.0 * (24 + h) as f64;
        assert!((f - truth).abs() / truth < 0.01, "step {}: {f} vs {truth}", h + 1);
    }
    let bt = backtest(Model::Holt, &y, 3);
    assert!(bt.mase.unwrap() < 0.05, "{bt:?}");
    assert!(bt.smape.unwrap() < 1.0);
}

/// A seasonal pattern on a trend plus small deterministic noise: Holt-Winters
/// stays within 5% of the truth over 12 months; the seasonal-naive baseline
/// repeats last year exactly (so misses the trend).
#[test]
fn holt_winters_recovers_a_seasonal_pattern() {
    let season = [0.0, 10.0, 30.0, 60.0, 80.0, 90.0, 70.0, 40.0, 20.0, 5.0, -10.0, -20.0];
    let truth = |t: usize| 500.0 + 4.0 * t as f64 + season[t % 12];
    let noise = |t: usize| ((t * 7919) % 11) as f64 - 5.0;
    let y: Vec<f64> = (0..36).map(|t| truth(t) + noise(t) * 0.5).collect();
    let fit = holt_winters(&y, 12, 12).unwrap();
    for (h, f) in fit.mean.iter().enumerate() {
        let t = 36 + h;
        assert!(
            (f - truth(t)).abs() / truth(t) < 0.05,
            "step {}: {f} vs {}",
            h + 1,
            truth(t)
        );
    }
    let naive = seasonal_naive(&y, 12, 12).unwrap();
    assert_eq!(naive.mean[0], y[24]);
    let hw = backtest(Model::HoltWinters, &y, 3);
    let sn = backtest(Model::SeasonalNaive, &y, 3);
    assert!(hw.mase.unwrap() < sn.mase.unwrap(), "HW {hw:?} vs naive {sn:?}");
    // intervals widen with the horizon
    assert!(fit.sd.windows(2).all(|w| w[1] >= w[0] - 1e-9));
}

/// From a season and a few months (the demo's 24 months of history): the
/// first trend comes from the months a season apart, the forecast stays near
/// the truth, and the backtest has origins to score.
#[test]
fn holt_winters_fits_from_sixteen_months() {
    let season = [0.0, 10.0, 30.0, 60.0, 80.0, 90.0, 70.0, 40.0, 20.0, 5.0, -10.0, -20.0];
    let truth = |t: usize| 500.0 + 4.0 * t as f64 + season[t % 12];
    let y: Vec<f64> = (0..20).map(truth).collect();
    let fit = holt_winters(&y, 12, 12).unwrap();
    for (h, f) in fit.mean.iter().enumerate() {
        let t = 20 + h;
        assert!(
            (f - truth(t)).abs() / truth(t) < 0.05,
            "step {}: {f} vs {}",
            h + 1,
            truth(t)
        );
    }
    let y24: Vec<f64> = (0..24).map(truth).collect();
    let bt = backtest(Model::HoltWinters, &y24, 1);
    assert_eq!(bt.origins, 8, "origins 16..24");
    assert!(bt.mase.is_some() && bt.smape.is_some(), "{bt:?}");
}

#[test]
fn short_series_fit_what_they_can() {
    assert!(holt(&[1.0, 2.0], 3).is_none());
    assert!(holt_winters(&[1.0; 15], 12, 3).is_none());
    assert!(holt_winters(&[1.0; 16], 12, 3).is_some());
    assert_eq!(seasonal_naive(&[], 12, 3), None);
}
