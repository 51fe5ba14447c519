// The Analytics screen: cohorts, LTV, the forecast with its backtest and the
// pipeline, and the daily KPI snapshots. All figures come from ONE command
// (analytics_screen); each chart is an SVG drawn by the core for the same
// request and the OS colour scheme, with its numbers in a table beside it and
// its formula under it. Definitions: docs/analytics.md.
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode, type RefObject } from "react";
import DOMPurify from "dompurify";
import { save as saveDialog } from "@tauri-apps/plugin-dialog";
import { analyticsApi, ApiError } from "../lib/api";
import type { CohortValue } from "../lib/bindings/CohortValue";
import type { LtvReport } from "../lib/bindings/LtvReport";
import type { Measure } from "../lib/bindings/Measure";
import type { ScreenChart } from "../lib/bindings/ScreenChart";
import type { ScreenData } from "../lib/bindings/ScreenData";
import type { ScreenRequest } from "../lib/bindings/ScreenRequest";
import type { Theme } from "../lib/bindings/Theme";
import { dateTime, label, money, useCurrency } from "../lib/format";
import { fieldError, useAction, useLoad } from "../lib/hooks";
import { Empty } from "../components/ui";

const MEASURES: [Measure, string][] = [
  ["active", "Active share"],
  ["revenue", "Revenue per partner"],
  ["cumulative", "Cumulative revenue per partner"],
  ["deals", "Deals"],
];
const MODEL_NAMES: Record<string, string> = {
  seasonal_naive: "Seasonal naive",
  holt: "Holt",
  holt_winters: "Holt-Winters",
};
const MODELS = ["seasonal_naive", "holt", "holt_winters"];
const SNAPSHOT_DAYS = 90;
const MONTH = /^\d{4}-\d{2}$/;
/** The size of a saved chart (the on-screen one follows the window). */
const SAVE_SIZE: [number, number] = [1280, 720];

/** The OS colour scheme, following changes while the screen is open. */
function useTheme(): Theme {
  const query = useMemo(() => window.matchMedia("(prefers-color-scheme: dark)"), []);
  const [dark, setDark] = useState(query.matches);
  useEffect(() => {
    const on = (e: MediaQueryListEvent) => setDark(e.matches);
    query.addEventListener("change", on);
    return () => query.removeEventListener("change", on);
  }, [query]);
  return dark ? "dark" : "light";
}

/** The width of an element in steps of 40 px (so resizing redraws rarely). */
function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [w, setW] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let t: ReturnType<typeof setTimeout> | undefined;
    const measure = () => setW(Math.max(400, Math.min(1600, Math.floor(el.clientWidth / 40) * 40)));
    measure();
    const ro = new ResizeObserver(() => {
      clearTimeout(t);
      t = setTimeout(measure, 150);
    });
    ro.observe(el);
    return () => {
      clearTimeout(t);
      ro.disconnect();
    };
  }, [ref]);
  return w;
}

const pct = (v: number | null | undefined, digits = 1) => (v == null ? "—" : `${(v * 100).toFixed(digits)}%`);
const num = (v: number | null | undefined, digits: number) => (v == null ? "—" : v.toFixed(digits));

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
  const [version, setVersion] = useState(0);
  const [loadMs, setLoadMs] = useState<number | null>(null);
  const d = useLoad(async () => {
    const t0 = performance.now();
    const r = await analyticsApi.screen(req);
    setLoadMs(Math.round(performance.now() - t0));
    return r;
  }, [req, version]);
  const theme = useTheme();
  const snap = useAction();
  const data = d.data;
  const monthError = (text: string, field: string) =>
    text.trim() !== "" && !MONTH.test(text.trim())
      ? "Write the month as YYYY-MM, e.g. 2026-03."
      : fieldError(d.error, field);
  const otherError = d.error && !["from", "to"].includes(d.error.field ?? "") ? d.error.message : null;

  const takeSnapshot = async () => {
    const s = await snap.run(() => analyticsApi.snapshotTake());
    if (s) setVersion((v) => v + 1);
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

function MonthInput(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  error: string | null;
}) {
  return (
    <label className={props.error ? "control invalid" : "control"} data-field={props.name}>
      <span>{props.label}</span>
      <input
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        placeholder="YYYY-MM"
        size={9}
        inputMode="numeric"
        data-control={props.name}
        aria-invalid={!!props.error}
      />
      {props.error && (
        <span className="field-error" role="alert" data-error-for={props.name}>
          {props.error}
        </span>
      )}
    </label>
  );
}

function KeyFigures({ data }: { data: ScreenData }) {
  const cur = useCurrency();
  const k = data.kpis;
  const tiles: [string, string, string][] = [
    ["partners", "Partners", `${k.partners.toLocaleString()} (${k.active_partners.toLocaleString()} active)`],
    ["open-pipeline", "Open pipeline", `${money(k.open_value, cur)} in ${k.open_leads.toLocaleString()} leads`],
    ["won-month", "Won this month", `${money(k.won_value_month, cur)} · ${k.deals_month} deals`],
    ["outstanding", "Outstanding commissions", money(k.outstanding_liability, cur)],
    ["active-share", "Active this month", pct(k.active_share_month)],
  ];
  return (
    <div className="kpi-strip">
      {tiles.map(([key, l, v]) => (
        <div className="tile" key={key} data-kpi={key}>
          <div className="tile-label">{l}</div>
          <div className="kpi-value">{v}</div>
        </div>
      ))}
    </div>
  );
}

/**
 * One chart with its numbers: the SVG from the core (for this request, theme
 * and width), a table, toggles for each, the save actions and the formula.
 */
function Figure(props: {
  kind: ScreenChart;
  title: string;
  req: ScreenRequest;
  theme: Theme;
  version: number;
  table: ReactNode;
  formula: string;
  height?: (width: number) => number;
}) {
  const [showChart, setShowChart] = useState(true);
  const [showTable, setShowTable] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const height = Math.round(props.height ? props.height(width) : Math.max(260, Math.min(480, width * 0.45)));
  const [svg, setSvg] = useState<{ html: string; key: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Redraw only when what this chart shows changes.
  const r = props.req;
  const depends =
    props.kind === "cohorts"
      ? [r.measure, r.from, r.to]
      : props.kind === "forecast"
        ? [r.horizon]
        : props.kind === "snapshots"
          ? [props.version]
          : [];
  const key = JSON.stringify([props.kind, depends, props.theme, width, height]);
  useEffect(() => {
    if (!showChart || width === 0) return;
    let live = true;
    analyticsApi.chart(props.kind, props.req, props.theme, width, height).then(
      (text) => {
        if (!live) return;
        setSvg({ html: DOMPurify.sanitize(text, { USE_PROFILES: { svg: true } }), key });
        setError(null);
      },
      (e: unknown) => live && setError(e instanceof ApiError ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, showChart]);
  const toggle = (which: "chart" | "table") => {
    // One of the two stays shown.
    if (which === "chart") {
      setShowChart(!showChart);
      if (showChart && !showTable) setShowTable(true);
    } else {
      setShowTable(!showTable);
      if (showTable && !showChart) setShowChart(true);
    }
  };
  const [saveW, saveH] = props.height ? [SAVE_SIZE[0], Math.round(props.height(SAVE_SIZE[0]))] : SAVE_SIZE;
  return (
    <figure className="figure" data-figure={props.kind}>
      <figcaption className="figure-head">
        <strong>{props.title}</strong>
        <div className="segmented" role="group" aria-label={`Show the ${props.title.toLowerCase()} as`}>
          <button
            aria-pressed={showChart}
            className={showChart ? "on" : undefined}
            onClick={() => toggle("chart")}
            data-toggle="chart"
          >
            Chart
          </button>
          <button
            aria-pressed={showTable}
            className={showTable ? "on" : undefined}
            onClick={() => toggle("table")}
            data-toggle="table"
          >
            Table
          </button>
        </div>
        <SaveChart kind={props.kind} req={props.req} theme={props.theme} size={[saveW, Math.min(8000, saveH)]} />
      </figcaption>
      <div ref={box} className="figure-body">
        {showChart && (
          <div className="chart-box" style={{ minHeight: height }}>
            {error ? (
              <div className="banner error" role="alert">
                {error}
              </div>
            ) : svg ? (
              <div
                className="chart"
                role="img"
                aria-label={props.title}
                data-chart={props.kind}
                data-ready={svg.key === key ? "true" : "false"}
                dangerouslySetInnerHTML={{ __html: svg.html }}
              />
            ) : (
              <p className="muted">Drawing…</p>
            )}
          </div>
        )}
        {showTable && <div className="figure-table">{props.table}</div>}
      </div>
      <p className="formula" data-formula={props.kind}>
        <span className="muted">Formula:</span> <code>{props.formula}</code>
      </p>
    </figure>
  );
}

/**
 * "Save chart…" opens the native save dialog and saves to the chosen file.
 * "Type a path…" opens a small form for a typed path (the route keyboard
 * users, scripts and the end-to-end tests take; WebDriver cannot drive
 * native dialogs); a path chosen in the dialog is shown there too.
 */
function SaveChart(props: { kind: ScreenChart; req: ScreenRequest; theme: Theme; size: [number, number] }) {
  const [open, setOpen] = useState(false);
  const [path, setPath] = useState("");
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const k = props.kind;
  const doSave = async (p: string) => {
    setBusy(true);
    setStatus(null);
    try {
      await analyticsApi.chartSave(k, props.req, props.theme, props.size[0], props.size[1], p);
      setStatus({ ok: true, text: `Saved to ${p}` });
    } catch (e) {
      setStatus({ ok: false, text: e instanceof ApiError ? e.message : String(e) });
      setOpen(true);
    } finally {
      setBusy(false);
    }
  };
  const browse = async () => {
    let chosen: string | null;
    try {
      chosen = await saveDialog({
        title: "Save chart",
        defaultPath: path || `${k}.png`,
        filters: [
          { name: "PNG image", extensions: ["png"] },
          { name: "SVG image", extensions: ["svg"] },
        ],
      });
    } catch (e) {
      setOpen(true);
      setStatus({ ok: false, text: `The save dialog is not available (${String(e)}); type a path instead.` });
      return;
    }
    if (!chosen) return;
    setPath(chosen);
    await doSave(chosen);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void doSave(path.trim());
  };
  return (
    <div className="save-chart">
      <button onClick={browse} disabled={busy} data-action={`save-${k}`}>
        Save chart…
      </button>
      <button
        className="link small"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        data-testid={`save-path-open-${k}`}
      >
        Type a path…
      </button>
      {open && (
        <form className="save-popover" onSubmit={submit} data-testid={`save-form-${k}`}>
          <label>
            <span className="small muted">Full path ending in .png or .svg</span>
            <input
              value={path}
              onChange={(e) => setPath(e.target.value)}
              placeholder={`/home/me/${k}.png`}
              size={40}
              data-testid={`save-path-${k}`}
              autoFocus
            />
          </label>
          <div className="buttons">
            <button type="button" onClick={() => setOpen(false)}>
              Close
            </button>
            <button
              className="primary"
              type="submit"
              disabled={busy || path.trim() === ""}
              data-testid={`save-submit-${k}`}
            >
              Save
            </button>
          </div>
        </form>
      )}
      {status && (
        <span
          className={status.ok ? "ok small" : "inline-error small"}
          role="status"
          data-testid={`save-status-${k}`}
          data-ok={status.ok}
        >
          {status.text}
        </span>
      )}
    </div>
  );
}

function cell(v: CohortValue, measure: Measure, cur: string): string {
  switch (measure) {
    case "active":
      return pct(v, 0);
    case "revenue":
    case "cumulative":
      return money(v, cur);
    default:
      return v.toLocaleString();
  }
}

function CohortTableView({ data }: { data: ScreenData }) {
  const cur = useCurrency();
  const t = data.cohorts;
  const cols = Math.max(0, ...t.cohorts.map((r) => r.values.length));
  if (t.cohorts.length === 0) return <Empty title="No cohorts in these months." />;
  return (
    <div className="scroll-x">
      <table className="table compact" aria-label="Cohorts" data-table="cohorts" data-measure={t.measure}>
        <thead>
          <tr>
            <th>Cohort</th>
            <th className="num">Size</th>
            {Array.from({ length: cols }, (_, k) => (
              <th key={k} className="num" title={`${k} months since approval`}>
                m{k}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {t.cohorts.map((r) => (
            <tr key={r.cohort}>
              <td className="nowrap">{r.cohort}</td>
              <td className="num">{r.size.toLocaleString()}</td>
              {Array.from({ length: cols }, (_, k) => (
                <td key={k} className="num nowrap">
                  {k < r.values.length ? cell(r.values[k], t.measure, cur) : ""}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Churn({ report }: { report: LtvReport }) {
  const c = report.churn;
  return (
    <p className="small" data-figure="churn">
      Monthly churn <strong>{pct(c.monthly_rate, 2)}</strong> ({c.events.toLocaleString()} churn events /{" "}
      {c.alive_months.toLocaleString()} alive partner-months); expected lifetime{" "}
      <strong>
        {c.expected_lifetime_months == null
          ? "— (no churn observed)"
          : `${c.expected_lifetime_months.toFixed(1)} months`}
      </strong>
      .
    </p>
  );
}

function LtvTable(props: { report: LtvReport; name: string; groupLabel: string }) {
  const cur = useCurrency();
  const r = props.report;
  return (
    <div className="scroll-x">
      <table className="table compact" aria-label={`LTV by ${props.groupLabel.toLowerCase()}`} data-table={props.name}>
        <thead>
          <tr>
            <th>{props.groupLabel}</th>
            <th className="num">Partners</th>
            <th className="num">Deals</th>
            <th className="num">Won value</th>
            <th className="num">Realised</th>
            <th className="num">Realised / partner</th>
            <th className="num">Per partner-month</th>
            {r.by === "cohort" && <th className="num">Churn / month</th>}
            <th className="num">Predicted LTV</th>
          </tr>
        </thead>
        <tbody>
          {r.groups.map((g) => (
            <tr key={g.group}>
              <td>{r.by === "tier" ? label(g.group) : g.group}</td>
              <td className="num">{g.partners.toLocaleString()}</td>
              <td className="num">{g.deals.toLocaleString()}</td>
              <td className="num">{money(g.won_value, cur)}</td>
              <td className="num">{money(g.realised_value, cur)}</td>
              <td className="num">{money(g.realised_per_partner, cur)}</td>
              <td className="num">{money(Math.round(g.monthly_value), cur)}</td>
              {r.by === "cohort" && <td className="num">{pct(g.churn?.monthly_rate, 1)}</td>}
              <td className="num">{g.predicted_ltv == null ? "—" : money(g.predicted_ltv, cur)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ForecastTables({ data }: { data: ScreenData }) {
  const cur = useCurrency();
  const f = data.forecast;
  const [won, comm] = f.series;
  const best = won?.models.find((m) => m.model === won.best) ?? won?.models[0];
  const commBest = comm?.models.find((m) => m.model === comm.best) ?? comm?.models[0];
  const present = MODELS.filter((m) => won?.models.some((x) => x.model === m));
  const bestName = best ? (MODEL_NAMES[best.model] ?? best.model) : "—";
  return (
    <>
      <div className="scroll-x">
        <table className="table compact" aria-label="Forecast" data-table="forecast">
          <thead>
            <tr>
              <th>Month</th>
              {present.map((m) => (
                <th key={m} className="num">
                  {MODEL_NAMES[m]}
                  {m === won?.best ? " (best)" : ""}
                </th>
              ))}
              <th className="num">80% interval ({bestName})</th>
              <th className="num">95% interval ({bestName})</th>
              <th className="num">
                Commission liability ({commBest ? (MODEL_NAMES[commBest.model] ?? commBest.model) : "—"})
              </th>
            </tr>
          </thead>
          <tbody>
            {f.months.map((month, i) => {
              const b = best?.points[i];
              return (
                <tr key={month}>
                  <td className="nowrap">{month}</td>
                  {present.map((m) => {
                    const p = won.models.find((x) => x.model === m)?.points[i];
                    return (
                      <td key={m} className="num nowrap">
                        {p ? money(p.mean, cur) : "—"}
                      </td>
                    );
                  })}
                  <td className="num nowrap">{b ? `${money(b.lo80, cur)} – ${money(b.hi80, cur)}` : "—"}</td>
                  <td className="num nowrap">{b ? `${money(b.lo95, cur)} – ${money(b.hi95, cur)}` : "—"}</td>
                  <td className="num nowrap">{commBest?.points[i] ? money(commBest.points[i].mean, cur) : "—"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {f.history_months.length > 0 && (
        <details className="history">
          <summary>History: {f.history_months.length} complete months</summary>
          <div className="scroll-x">
            <table className="table compact" aria-label="Forecast history" data-table="forecast-history">
              <thead>
                <tr>
                  <th>Month</th>
                  <th className="num">Won revenue</th>
                  <th className="num">Commission liability</th>
                </tr>
              </thead>
              <tbody>
                {f.history_months.map((m, i) => (
                  <tr key={m}>
                    <td>{m}</td>
                    <td className="num">{money(won?.history[i] ?? 0, cur)}</td>
                    <td className="num">{money(comm?.history[i] ?? 0, cur)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </>
  );
}

function ModelTable({ data }: { data: ScreenData }) {
  const series = data.forecast.series;
  return (
    <>
      <div className="scroll-x">
        <table className="table compact" aria-label="Model comparison" data-table="models">
          <thead>
            <tr>
              <th>Series</th>
              <th>Model</th>
              <th>Parameters</th>
              <th className="num">Origins</th>
              <th className="num">Errors</th>
              <th className="num">MASE</th>
              <th className="num">sMAPE</th>
            </tr>
          </thead>
          <tbody>
            {series.flatMap((s) =>
              s.models.map((m) => (
                <tr key={`${s.series}-${m.model}`} data-series={s.series} data-model={m.model}>
                  <td>{label(s.series)}</td>
                  <td>
                    {MODEL_NAMES[m.model] ?? m.model}
                    {s.best === m.model && <span className="badge b-active best">best</span>}
                  </td>
                  <td className="small nowrap">{m.params}</td>
                  <td className="num">{m.backtest.origins}</td>
                  <td className="num">{m.backtest.errors}</td>
                  <td className="num" data-metric="mase">
                    {num(m.backtest.mase, 3)}
                  </td>
                  <td className="num" data-metric="smape">
                    {m.backtest.smape == null ? "—" : `${m.backtest.smape.toFixed(1)}%`}
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      <p className="small muted">
        Each of the last 12 months is a forecast origin: the model is fitted on the months before it and forecasts up to
        the horizon ahead; the errors are averaged. The best model has the lowest MASE (below 1 beats the in-sample
        seasonal-naive error). “—”: no origin had enough history for the model (Holt-Winters needs 24 months before an
        origin).
      </p>
    </>
  );
}

function PipelineTable({ data }: { data: ScreenData }) {
  const cur = useCurrency();
  const p = data.forecast.pipeline;
  return (
    <div className="scroll-x">
      <table className="table compact" aria-label="Pipeline" data-table="pipeline">
        <thead>
          <tr>
            <th>Stage</th>
            <th className="num">Open leads</th>
            <th className="num">Open value</th>
            <th className="num">Won / lost</th>
            <th className="num">Win rate</th>
            <th className="num">Expected value</th>
          </tr>
        </thead>
        <tbody>
          {p.stages.map((s) => (
            <tr key={s.stage}>
              <td>{label(s.stage)}</td>
              <td className="num">{s.open_leads.toLocaleString()}</td>
              <td className="num">{money(s.open_value, cur)}</td>
              <td className="num">
                {s.won.toLocaleString()} / {s.lost.toLocaleString()}
              </td>
              <td className="num">{pct(s.win_rate)}</td>
              <td className="num">{money(s.expected_value, cur)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th>Total</th>
            <th className="num">{p.open_leads.toLocaleString()}</th>
            <th className="num">{money(p.open_value, cur)}</th>
            <th />
            <th />
            <th className="num">{money(p.expected_value, cur)}</th>
          </tr>
        </tfoot>
      </table>
      <p className="small">
        Expected commission <strong>{money(p.expected_commission, cur)}</strong> at the historical average rate of{" "}
        {(p.average_rate / 100).toFixed(2)}% of won value.
      </p>
    </div>
  );
}

function SnapshotTable({ data }: { data: ScreenData }) {
  const cur = useCurrency();
  const rows = [...data.snapshots].reverse();
  if (rows.length === 0) return <Empty title="No snapshots in the last days." />;
  return (
    <div className="scroll-x">
      <table className="table compact" aria-label="Snapshots" data-table="snapshots">
        <thead>
          <tr>
            <th>Day</th>
            <th>Taken at</th>
            <th className="num">Partners</th>
            <th className="num">Active</th>
            <th className="num">Leads</th>
            <th className="num">Open leads</th>
            <th className="num">Open pipeline</th>
            <th className="num">Won this month</th>
            <th className="num">Outstanding commissions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.day} data-day={s.day} data-taken-at={s.taken_at}>
              <td className="nowrap">{s.day}</td>
              <td className="nowrap">{dateTime(s.taken_at)}</td>
              <td className="num">{s.kpis.partners.toLocaleString()}</td>
              <td className="num">{s.kpis.active_partners.toLocaleString()}</td>
              <td className="num">{s.kpis.leads.toLocaleString()}</td>
              <td className="num">{s.kpis.open_leads.toLocaleString()}</td>
              <td className="num">{money(s.kpis.open_value, cur)}</td>
              <td className="num">{money(s.kpis.won_value_month, cur)}</td>
              <td className="num">{money(s.kpis.outstanding_liability, cur)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
