// The database card of the Data screen: which file, its schema and currency, and the rows in each table.
import { api } from "../../lib/api";
import { useLoad } from "../../lib/hooks";

export function DatabaseCards() {
  const info = useLoad(
    () => api.dataInfo(),
    [],
    ["applications", "partners", "leads", "commissions", "payouts", "plans", "settings", "audit"],
  );
  const d = info.data;
  return (
    <>
      {info.error && <div className="banner error">{info.error.message}</div>}
      {d && (
        <div className="columns">
          <div className="card">
            <h3>Database</h3>
            <dl className="props">
              <dt>File</dt>
              <dd>
                <code data-db-path>{d.path}</code>
              </dd>
              <dt>Schema version</dt>
              <dd>{d.schema_version}</dd>
              <dt>Currency</dt>
              <dd>{d.currency}</dd>
            </dl>
            <p className="muted small">
              Start the app with <code>--db PATH</code> or the <code>PARTNERDESK_DB</code> variable to open another
              file.
            </p>
          </div>
          <div className="card">
            <h3>Rows</h3>
            <table className="table compact" aria-label="Row counts">
              <tbody>
                {(
                  [
                    ["Applications", d.counts.applications],
                    ["Partners", d.counts.partners],
                    ["Leads", d.counts.leads],
                    ["Pipeline moves", d.counts.history],
                    ["Commissions", d.counts.commissions],
                    ["Payouts", d.counts.payouts],
                    ["App plans", d.counts.plans],
                    ["Audit entries", d.counts.audit],
                  ] as const
                ).map(([k, v]) => (
                  <tr key={k} data-count={k}>
                    <td>{k}</td>
                    <td className="num">{v.toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </>
  );
}
