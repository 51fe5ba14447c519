import { Link, useParams } from "react-router";
import { api } from "../lib/api";
import type { PartnerStatus } from "../lib/bindings/PartnerStatus";
import type { Tier } from "../lib/bindings/Tier";
import { date, dateTime, label, money, percent, ruleLabel, useCurrency } from "../lib/format";
import { useAction, useLoad } from "../lib/hooks";
import { Badge, Empty } from "../components/ui";
import { PARTNER_STATUSES, TIERS } from "../lib/enums";
import { PartnerRules } from "./partner/PartnerRules";
import { Tasks } from "../components/Tasks";
import { PartnerPayouts } from "./partner/PartnerPayouts";

export function PartnerPage() {
  const { id } = useParams();
  const cur = useCurrency();
  const d = useLoad(() => api.partner(id!), [id], ["partners", "leads", "commissions", "payouts"]);
  const act = useAction();
  if (d.error) return <div className="banner error">{d.error.message}</div>;
  if (!d.data) return <p className="muted">Loading…</p>;
  const { partner: p } = d.data;
  const change = async (fn: () => Promise<unknown>) => {
    await act.run(fn);
  };
  return (
    <section className="screen" data-screen="partner">
      <header className="screen-head">
        <h1>
          {p.name} <Badge value={p.tier} /> <Badge value={p.status} />
        </h1>
        <Link to="/partners">All partners</Link>
      </header>
      <div className="columns">
        <div className="card">
          <h3>Profile</h3>
          <dl className="props">
            <dt>E-mail</dt>
            <dd>{p.email}</dd>
            <dt>Phone</dt>
            <dd>{p.phone ?? "—"}</dd>
            <dt>Company</dt>
            <dd>{p.company ?? "—"}</dd>
            <dt>Partner since</dt>
            <dd>{date(p.created_at)}</dd>
            {p.application_id && (
              <>
                <dt>Application</dt>
                <dd>
                  <Link to={`/applications/${p.application_id}`}>open</Link>
                </dd>
              </>
            )}
          </dl>
          <div className="inline-form">
            <label>
              Status{" "}
              <select
                aria-label="Set status"
                value={p.status}
                onChange={(e) => change(() => api.partnerSetStatus(p.id, e.target.value as PartnerStatus))}
              >
                {PARTNER_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {label(s)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Tier{" "}
              <select
                aria-label="Set tier"
                value={p.tier}
                onChange={(e) => change(() => api.partnerSetTier(p.id, e.target.value as Tier))}
              >
                {TIERS.map((t) => (
                  <option key={t} value={t}>
                    {label(t)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {act.error && (
            <div className="inline-error" role="alert">
              {act.error.message}
            </div>
          )}
        </div>
        <div className="card">
          <h3>Totals</h3>
          <dl className="props totals" data-totals>
            <dt>Won deals</dt>
            <dd>{p.total_deals}</dd>
            <dt>Won revenue</dt>
            <dd>{money(d.data.won_revenue, cur)}</dd>
            <dt>Earnings</dt>
            <dd>{money(p.total_earnings, cur)}</dd>
            <dt>Pending</dt>
            <dd data-total="pending">{money(d.data.pending, cur)}</dd>
            <dt>Approved</dt>
            <dd data-total="approved">{money(d.data.approved, cur)}</dd>
            <dt>Paid</dt>
            <dd data-total="paid">{money(d.data.paid, cur)}</dd>
            <dt>Open leads</dt>
            <dd>{d.data.open_leads}</dd>
          </dl>
        </div>
      </div>
      <Tasks record={p.id} title="Tasks" />
      <PartnerPayouts partner={p} />
      <PartnerRules partner={p} />
      <div className="card">
        <h3>Leads</h3>
        {d.data.recent_leads.length === 0 ? (
          <Empty title="No lead from this partner yet.">
            Add one on <Link to={`/leads?new=${p.id}`}>Leads</Link>.
          </Empty>
        ) : (
          <table className="table" aria-label="Partner leads">
            <thead>
              <tr>
                <th>Client</th>
                <th>Business</th>
                <th>Status</th>
                <th className="num">Estimated</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {d.data.recent_leads.map((l) => (
                <tr key={l.id}>
                  <td>
                    <Link to={`/leads/${l.id}`}>{l.client_name}</Link>
                  </td>
                  <td>{l.business_name ?? ""}</td>
                  <td>
                    <Badge value={l.status} />
                  </td>
                  <td className="num">{money(l.estimated_value, cur)}</td>
                  <td>{date(l.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="card">
        <h3>Commissions</h3>
        {d.data.recent_commissions.length === 0 ? (
          <Empty title="No commission yet.">
            A commission is created when one of this partner's leads closes as won.
          </Empty>
        ) : (
          <table className="table" aria-label="Partner commissions">
            <thead>
              <tr>
                <th>Created</th>
                <th>Kind</th>
                <th className="num">Project value</th>
                <th className="num">Rate</th>
                <th className="num">Amount</th>
                <th>Status</th>
                <th>Rule</th>
              </tr>
            </thead>
            <tbody>
              {d.data.recent_commissions.map((c) => (
                <tr key={c.id} data-commission={c.id}>
                  <td>{date(c.created_at)}</td>
                  <td>{c.kind}</td>
                  <td className="num">{money(c.project_value, cur)}</td>
                  <td className="num">{percent(c.commission_rate)}</td>
                  <td className="num">{money(c.commission_amount, cur)}</td>
                  <td>
                    <Badge value={c.status} />
                  </td>
                  <td data-rule={c.rule.kind}>{c.reason ? `${ruleLabel(c.rule)}: ${c.reason}` : ruleLabel(c.rule)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Link to={`/commissions?partner=${p.id}`}>All commissions of {p.name}</Link>
      </div>
      <div className="card">
        <h3>Tier and status history</h3>
        <ul className="list">
          {d.data.history.map((h) => (
            <li key={h.seq}>
              <span className="muted">{dateTime(h.at)}</span> {describe(h.action, h.before, h.after)}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}

function describe(action: string, before: unknown, after: unknown): string {
  const get = (v: unknown, k: string) =>
    v && typeof v === "object" ? String((v as Record<string, unknown>)[k] ?? "") : "";
  switch (action) {
    case "create":
      return `Became a partner (${get(after, "tier")}, ${get(after, "status")})`;
    case "status":
      return `Status ${get(before, "status")} → ${get(after, "status")}`;
    case "tier":
      return `Tier set by hand ${get(before, "tier")} → ${get(after, "tier")}`;
    case "promote":
      return `Promoted ${get(before, "tier")} → ${get(after, "tier")}`;
    case "group":
      return "Moved to another group";
    default:
      return action;
  }
}
