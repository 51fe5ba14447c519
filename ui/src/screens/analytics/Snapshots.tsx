// The daily KPI snapshots of the Analytics screen, as a table, and the key figures on top.
import type { ScreenData } from "../../lib/bindings/ScreenData";
import { dateTime, money, useCurrency } from "../../lib/format";
import { Empty } from "../../components/ui";
import { pct } from "./numbers";

export function KeyFigures({ data }: { data: ScreenData }) {
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

export function SnapshotTable({ data }: { data: ScreenData }) {
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
