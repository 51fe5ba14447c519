// The forecast section of the Analytics screen: the forecast, the backtest of its models, the pipeline.
import type { ScreenData } from "../../lib/bindings/ScreenData";
import { label, money, useCurrency } from "../../lib/format";
import { MODEL_NAMES, MODELS, num, pct } from "./numbers";

export function ForecastTables({ data }: { data: ScreenData }) {
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

export function ModelTable({ data }: { data: ScreenData }) {
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

export function PipelineTable({ data }: { data: ScreenData }) {
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
