import { Link } from "react-router";
import { api } from "../lib/api";
import { label, money, useCurrency } from "../lib/format";
import { useLoad } from "../lib/hooks";

/** The key figures as they stand; cohorts, LTV and forecasts are added by the analytics work. */
export function AnalyticsScreen() {
  const d = useLoad(() => api.dashboard(), []);
  const cur = useCurrency();
  const data = d.data;
  const max = data ? Math.max(1, ...data.active_by_tier.map((t) => t.count)) : 1;
  return (
    <section className="screen" data-screen="analytics">
      <header className="screen-head">
        <h1>Analytics</h1>
      </header>
      {d.error && <div className="banner error">{d.error.message}</div>}
      {data && (
        <div className="columns">
          <div className="card">
            <h3>Active partners by tier</h3>
            <table className="table bars">
              <tbody>
                {data.active_by_tier.map((t) => (
                  <tr key={t.tier}>
                    <td>{label(t.tier)}</td>
                    <td className="bar-cell">
                      <div className={`bar t-${t.tier}`} style={{ width: `${(100 * t.count) / max}%` }} />
                    </td>
                    <td className="num">{t.count.toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="card">
            <h3>Key figures</h3>
            <dl className="props">
              <dt>Open pipeline</dt>
              <dd>
                {money(data.open_pipeline_value, cur)} in {data.open_leads.toLocaleString()} leads
              </dd>
              <dt>Won this month</dt>
              <dd>
                {money(data.won_this_month_value, cur)} in {data.won_this_month_count} deals
              </dd>
              <dt>Commissions pending</dt>
              <dd>{money(data.commissions_pending, cur)}</dd>
              <dt>Commissions approved</dt>
              <dd>{money(data.commissions_approved, cur)}</dd>
              <dt>Leads untouched 14 days</dt>
              <dd>
                <Link to="/">{data.untouched_leads_count.toLocaleString()}</Link>
              </dd>
            </dl>
          </div>
        </div>
      )}
    </section>
  );
}
