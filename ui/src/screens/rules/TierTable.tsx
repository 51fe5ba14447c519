import type { TierRule } from "../../lib/bindings/TierRule";
import { label, money, percent, useCurrency } from "../../lib/format";

/** A tier table: tiers as rows; rate, deals and revenue as columns. */
export function TierTable(props: { tiers: TierRule[]; caption: string }) {
  const cur = useCurrency();
  return (
    <table className="table" aria-label={props.caption} data-tier-table>
      <thead>
        <tr>
          <th>Tier</th>
          <th className="num">Rate</th>
          <th className="num">Won deals</th>
          <th className="num">Won revenue</th>
        </tr>
      </thead>
      <tbody>
        {props.tiers.map((t) => (
          <tr key={t.tier} data-tier={t.tier}>
            <td>{label(t.tier)}</td>
            <td className="num">{percent(t.rate_bp)}</td>
            <td className="num">{t.tier === "bronze" ? "—" : t.min_deals}</td>
            <td className="num">{t.tier === "bronze" ? "—" : money(t.min_revenue, cur)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
