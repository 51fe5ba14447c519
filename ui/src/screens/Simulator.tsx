import { useState } from "react";
import { Link } from "react-router";
import { api } from "../lib/api";
import type { Draft } from "../lib/bindings/Draft";
import type { Simulation } from "../lib/bindings/Simulation";
import { label, money, useCurrency } from "../lib/format";
import { useAction } from "../lib/hooks";
import { FormError } from "../components/ui";

const EXAMPLE = `{
  "default": {"tiers": [{"tier": "silver", "rate": 13, "deals": 4, "revenue": "12000.00"}]},
  "groups": {},
  "overrides": {}
}`;

/**
 * The what-if simulator: a draft rule set (JSON, the format of
 * `partnerdesk rules simulate`) replayed over the won deals of a period; its
 * cost against today's rules per month (chart) and per partner (table).
 * It writes nothing.
 */
export function SimulatorScreen() {
  const [text, setText] = useState(EXAMPLE);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [result, setResult] = useState<Simulation | null>(null);
  const act = useAction();
  const run = async (e: React.FormEvent) => {
    e.preventDefault();
    const s = await act.run(async () => {
      let draft: Draft;
      try {
        draft = JSON.parse(text) as Draft;
      } catch (err) {
        throw new Error(`draft: not valid JSON (${String(err)})`);
      }
      return api.rulesSimulate(draft, from || null, to || null);
    });
    if (s) setResult(s);
  };
  return (
    <section className="screen" data-screen="simulator">
      <header className="screen-head">
        <h1>Simulator</h1>
        <Link to="/settings">Rules</Link>
      </header>
      <p className="muted">
        A draft rule set replayed over the won deals, in the order they were won, with promotions as each side&apos;s
        thresholds give them. Rates in percent, amounts as decimals; whatever the draft does not name stays as it is.
      </p>
      <form className="card" onSubmit={run} aria-label="Simulate">
        <label className="field" data-field="draft">
          <span className="field-label">Draft</span>
          <textarea name="draft" rows={8} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
        </label>
        <div className="inline-form">
          <label>
            From <input name="from" type="month" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To <input name="to" type="month" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button type="submit" disabled={act.busy}>
            {act.busy ? "Replaying…" : "Simulate"}
          </button>
        </div>
        <FormError message={act.error?.message ?? null} />
      </form>
      {result && <Result s={result} />}
    </section>
  );
}

function Result(props: { s: Simulation }) {
  const { s } = props;
  const cur = useCurrency();
  const diff = s.draft - s.current;
  return (
    <>
      <div className="card" data-simulation>
        <h3>Cost</h3>
        <p>
          {s.deals} won deals: <strong>{money(s.current, cur)}</strong> under today&apos;s rules,{" "}
          <strong data-draft-total>{money(s.draft, cur)}</strong> under the draft ({diff >= 0 ? "+" : ""}
          {money(diff, cur)}). {s.tier_changes} partners would sit in another tier.
        </p>
        <MonthChart s={s} />
      </div>
      <div className="card">
        <h3>Per partner, the largest difference first</h3>
        <table className="table" aria-label="Per partner">
          <thead>
            <tr>
              <th>Partner</th>
              <th className="num">Today&apos;s rules</th>
              <th className="num">Draft</th>
              <th className="num">Difference</th>
              <th>Tier now</th>
              <th>Tier under the draft</th>
            </tr>
          </thead>
          <tbody>
            {s.partners.slice(0, 200).map((p) => (
              <tr key={p.partner_id} className={p.tier_now !== p.tier_draft ? "changed" : undefined}>
                <td>
                  <Link to={`/partners/${p.partner_id}`}>{p.name}</Link>
                </td>
                <td className="num">{money(p.current, cur)}</td>
                <td className="num">{money(p.draft, cur)}</td>
                <td className="num">{money(p.draft - p.current, cur)}</td>
                <td>{label(p.tier_now)}</td>
                <td>{label(p.tier_draft)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {s.partners.length > 200 && <p className="muted">… and {s.partners.length - 200} more partners.</p>}
      </div>
    </>
  );
}

/** Bars per month: today's rules and the draft side by side. */
function MonthChart(props: { s: Simulation }) {
  const months = props.s.months;
  const cur = useCurrency();
  if (months.length === 0) return <p className="muted">No won deal in this period.</p>;
  const max = Math.max(1, ...months.map((m) => Math.max(m.current, m.draft)));
  const w = Math.max(8, Math.min(40, Math.floor(720 / months.length)));
  const h = 160;
  return (
    <svg
      className="sim-chart"
      role="img"
      aria-label="Cost per month: today's rules and the draft"
      width={months.length * w + 8}
      height={h + 20}
    >
      {months.map((m, i) => {
        const hc = Math.round((m.current / max) * h);
        const hd = Math.round((m.draft / max) * h);
        const x = 4 + i * w;
        const bar = Math.max(2, Math.floor(w / 2) - 1);
        return (
          <g key={m.month}>
            <title>{`${m.month}: ${money(m.current, cur)} today, ${money(m.draft, cur)} draft`}</title>
            <rect x={x} y={h - hc} width={bar} height={hc} className="bar-current" />
            <rect x={x + bar} y={h - hd} width={bar} height={hd} className="bar-draft" />
            {(i === 0 || i === months.length - 1) && (
              <text x={x} y={h + 14} className="axis">
                {m.month}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
