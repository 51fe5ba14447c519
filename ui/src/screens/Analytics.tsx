// The Analytics screen: cohorts, LTV, the forecast with its backtest and the
// pipeline, and the daily KPI snapshots. All figures come from ONE command
// (analytics_screen); each chart is an SVG drawn by the core for the same
// request and the OS colour scheme, with its numbers in a table beside it and
// its formula under it. Definitions: docs/analytics.md.
import { useMemo, useState } from "react";
import { analyticsApi } from "../lib/api";
import type { Measure } from "../lib/bindings/Measure";
import type { ScreenRequest } from "../lib/bindings/ScreenRequest";
import { dateTime } from "../lib/format";
import { fieldError, useAction, useLoad } from "../lib/hooks";
import { useTags } from "../lib/invalidate";
import { Empty } from "../components/ui";
import { CohortTableView, MonthInput } from "./analytics/Cohorts";
import { Figure } from "./analytics/Figure";
import { ForecastTables, ModelTable, PipelineTable } from "./analytics/Forecast";
import { useTheme } from "./analytics/hooks";
import { Churn, LtvTable } from "./analytics/Ltv";
import { KeyFigures, SnapshotTable } from "./analytics/Snapshots";

const MEASURES: [Measure, string][] = [
  ["active", "Active share"],
  ["revenue", "Revenue per partner"],
  ["cumulative", "Cumulative revenue per partner"],
  ["deals", "Deals"],
];
const SNAPSHOT_DAYS = 90;
const MONTH = /^\d{4}-\d{2}$/;

export function AnalyticsScreen() {
  const [measure, setMeasure] = useState<Measure>("active");
  const [fromText, setFromText] = useState("");
  const [toText, setToText] = useState("");
  const [horizon, setHorizon] = useState(6);
  // The months are sent once they look like months (the core checks the rest).
  const from = MONTH.test(fromText.trim()) ? fromText.trim() : null;
  const to = MONTH.test(toText.trim()) ? toText.trim() : null;
  const req: ScreenRequest = useMemo(
    () => ({ measure, from, to, horizon, snapshot_days: SNAPSHOT_DAYS }),
    [measure, from, to, horizon],
  );
  // Grows when a command changes the figures (a snapshot taken, a deal won…): the snapshot chart redraws.
  const version = useTags(["analytics"]);
  const [loadMs, setLoadMs] = useState<number | null>(null);
  const d = useLoad(
    async () => {
      const t0 = performance.now();
      const r = await analyticsApi.screen(req);
      setLoadMs(Math.round(performance.now() - t0));
      return r;
    },
    [req],
    ["analytics"],
  );
  const theme = useTheme();
  const snap = useAction();
  const data = d.data;
  const monthError = (text: string, field: string) =>
    text.trim() !== "" && !MONTH.test(text.trim())
      ? "Write the month as YYYY-MM, e.g. 2026-03."
      : fieldError(d.error, field);
  const otherError = d.error && !["from", "to"].includes(d.error.field ?? "") ? d.error.message : null;

  const takeSnapshot = async () => {
    await snap.run(() => analyticsApi.snapshotTake());
  };

  return (
    <section className="screen analytics" data-screen="analytics" aria-busy={d.loading}>
      <header className="screen-head">
        <h1>Analytics</h1>
        {data && (
          <span className="muted" data-load-ms={loadMs ?? undefined}>
            as of {dateTime(data.as_of)}
            {loadMs != null && ` · figures loaded in ${loadMs} ms`}
            {d.loading && " · updating…"}
          </span>
        )}
      </header>
      {otherError && (
        <div className="banner error" role="alert">
          {otherError}
        </div>
      )}
      {!data && d.loading && <p className="muted">Loading…</p>}
      {data && data.kpis.partners === 0 && (
        <Empty title="No partners yet, so there is nothing to analyse.">
          Approve applications on the Applications screen, or fill a database with demo data:{" "}
          <code>partnerdesk demo --partners 200 --leads 3000</code>.
        </Empty>
      )}
      {data && data.kpis.partners > 0 && (
        <>
          <KeyFigures data={data} />
          <section className="card" data-section="cohorts" aria-labelledby="h-cohorts">
            <h2 id="h-cohorts">Cohorts</h2>
            <div className="toolbar analytics-controls">
              <label className="control">
                <span>Measure</span>
                <select value={measure} onChange={(e) => setMeasure(e.target.value as Measure)} data-control="measure">
                  {MEASURES.map(([m, l]) => (
                    <option key={m} value={m}>
                      {l}
                    </option>
                  ))}
                </select>
              </label>
              <MonthInput
                label="From"
                value={fromText}
                onChange={setFromText}
                error={monthError(fromText, "from")}
                name="from"
              />
              <MonthInput label="To" value={toText} onChange={setToText} error={monthError(toText, "to")} name="to" />
              <span className="muted small">Cohort = approval month; columns = months since approval.</span>
            </div>
            <Figure
              kind="cohorts"
              title="Cohort heat map"
              req={req}
              theme={theme}
              version={version}
              height={(w) =>
                Math.max(300, Math.min(1400, 90 + data.cohorts.cohorts.length * Math.max(18, Math.min(30, w / 40))))
              }
              formula={data.cohort_formula}
              table={<CohortTableView data={data} />}
            />
          </section>

          <section className="card" data-section="ltv" aria-labelledby="h-ltv">
            <h2 id="h-ltv">Lifetime value</h2>
            <Churn report={data.ltv_by_tier} />
            <Figure
              kind="ltv_tier"
              title="LTV by tier"
              req={req}
              theme={theme}
              version={version}
              formula={data.ltv_by_tier.formula}
              table={<LtvTable report={data.ltv_by_tier} name="ltv-tier" groupLabel="Tier" />}
            />
            <Figure
              kind="ltv_cohort"
              title="LTV by cohort"
              req={req}
              theme={theme}
              version={version}
              formula={data.ltv_by_cohort.formula}
              table={<LtvTable report={data.ltv_by_cohort} name="ltv-cohort" groupLabel="Cohort" />}
            />
          </section>

          <section className="card" data-section="forecast" aria-labelledby="h-forecast">
            <h2 id="h-forecast">Forecast</h2>
            <div className="toolbar analytics-controls">
              <label className="control">
                <span>Horizon</span>
                <select value={horizon} onChange={(e) => setHorizon(Number(e.target.value))} data-control="horizon">
                  {Array.from({ length: 12 }, (_, i) => i + 1).map((h) => (
                    <option key={h} value={h}>
                      {h} {h === 1 ? "month" : "months"}
                    </option>
                  ))}
                </select>
              </label>
              <span className="muted small">
                Monthly won revenue from {data.forecast.history_months.length} complete months of history; the current
                month is forecast first.
              </span>
            </div>
            <Figure
              kind="forecast"
              title="Won revenue: history and forecast"
              req={req}
              theme={theme}
              version={version}
              formula={data.forecast.formula}
              table={<ForecastTables data={data} />}
            />
            <h3>Model comparison (rolling-origin backtest)</h3>
            <ModelTable data={data} />
            <h3>Pipeline</h3>
            <Figure
              kind="pipeline"
              title="Open pipeline by stage"
              req={req}
              theme={theme}
              version={version}
              formula={data.forecast.pipeline.formula}
              table={<PipelineTable data={data} />}
            />
          </section>

          <section className="card" data-section="snapshots" aria-labelledby="h-snapshots">
            <h2 id="h-snapshots">Snapshot trends</h2>
            <div className="toolbar analytics-controls">
              <button className="primary" onClick={takeSnapshot} disabled={snap.busy} data-action="take-snapshot">
                {snap.busy ? "Taking…" : "Take snapshot now"}
              </button>
              <span className="muted small">
                One snapshot a day of the key figures: the first use of a day takes it; taking one now replaces today's.
                Last {SNAPSHOT_DAYS} days.
              </span>
              {snap.error && <span className="inline-error">{snap.error.message}</span>}
            </div>
            <Figure
              kind="snapshots"
              title="Daily KPI snapshots"
              req={req}
              theme={theme}
              version={version}
              formula="open pipeline = estimated value of the leads in an open stage; won this month = won project value of the current month (clawbacks negative); outstanding commissions = pending + approved, not yet paid"
              table={<SnapshotTable data={data} />}
            />
          </section>
        </>
      )}
    </section>
  );
}
