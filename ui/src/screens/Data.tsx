import { api } from "../lib/api";
import { useLoad } from "../lib/hooks";

export function DataScreen() {
  const info = useLoad(() => api.dataInfo(), []);
  const d = info.data;
  return (
    <section className="screen" data-screen="data">
      <header className="screen-head">
        <h1>Data</h1>
      </header>
      {info.error && <div className="banner error">{info.error.message}</div>}
      {d && (
        <>
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
              Start the app with <code>--db PATH</code> or the <code>PARTNERDESK_DB</code> variable to open another file.
            </p>
          </div>
          <div className="card">
            <h3>Rows</h3>
            <table className="table" aria-label="Row counts">
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
                  <tr key={k}>
                    <td>{k}</td>
                    <td className="num">{v.toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
