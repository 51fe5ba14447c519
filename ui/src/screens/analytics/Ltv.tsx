// The lifetime value section of the Analytics screen: churn, and LTV by tier or cohort.
import type { LtvReport } from "../../lib/bindings/LtvReport";
import { label, money, useCurrency } from "../../lib/format";
import { pct } from "./numbers";

export function Churn({ report }: { report: LtvReport }) {
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

export function LtvTable(props: { report: LtvReport; name: string; groupLabel: string }) {
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
