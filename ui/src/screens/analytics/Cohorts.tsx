// The cohort section of the Analytics screen: its month inputs and the heat map's table.
import type { CohortValue } from "../../lib/bindings/CohortValue";
import type { Measure } from "../../lib/bindings/Measure";
import type { ScreenData } from "../../lib/bindings/ScreenData";
import { money, useCurrency } from "../../lib/format";
import { Empty } from "../../components/ui";
import { pct } from "./numbers";

export function MonthInput(props: {
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

export function cell(v: CohortValue, measure: Measure, cur: string): string {
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

export function CohortTableView({ data }: { data: ScreenData }) {
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
