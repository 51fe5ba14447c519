import { useState } from "react";
import { api, ApiError, browse } from "../../lib/api";
import type { BundleReport } from "../../lib/bindings/BundleReport";
import type { Diagnostics as Report } from "../../lib/bindings/Diagnostics";

/**
 * Settings → Diagnostics: what `partnerdesk doctor --bundle` holds (gathered on demand: the checks read the whole
 * database), and a button that saves that bundle.
 */
export function Diagnostics() {
  const [x, setX] = useState<Report | null>(null);
  const [checking, setChecking] = useState(false);
  const [saved, setSaved] = useState<BundleReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const check = async () => {
    setError(null);
    setChecking(true);
    try {
      setX(await api.diagnostics());
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setChecking(false);
    }
  };
  const save = async () => {
    setError(null);
    setSaved(null);
    try {
      const path = await browse({
        mode: "save",
        title: "Save the diagnostics bundle",
        extensions: ["zip"],
        current: "partnerdesk-diagnostics.zip",
      });
      if (!path) return;
      setBusy(true);
      setSaved(await api.diagnosticsBundle(path));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card" data-section="diagnostics">
      <div className="card-head">
        <h3>Diagnostics</h3>
        <div className="toolbar">
          <button type="button" onClick={check} disabled={checking} data-diagnostics-run>
            {checking ? "Checking…" : "Run the checks"}
          </button>
          <button type="button" onClick={save} disabled={busy} data-diagnostics-save>
            {busy ? "Saving…" : "Save diagnostics bundle…"}
          </button>
        </div>
      </div>
      <p className="muted">
        Versions, settings, database statistics, the checks of <code>partnerdesk doctor</code> and the recent logs. It
        holds no names, e-mails or other personal data: records appear as counts.
      </p>
      {error && <div className="banner error">{error}</div>}
      {saved && (
        <div className="banner ok-banner" role="status" data-result="diagnostics-bundle">
          Saved {saved.path} ({saved.files.length} files, {saved.bytes} bytes).
        </div>
      )}
      {x && (
        <dl className="facts">
          <dt>Partnerdesk</dt>
          <dd>
            {x.versions.partnerdesk} (schema {x.versions.schema}, SQLite {x.versions.sqlite}, {x.versions.os}/
            {x.versions.arch})
          </dd>
          <dt>Database</dt>
          <dd>
            {x.database.file_name}: {x.database.file_bytes} bytes, {x.database.page_count} pages,{" "}
            {x.database.freelist_pages} free; write-ahead log {x.database.wal_bytes} bytes
          </dd>
          <dt>Records</dt>
          <dd>
            {x.database.counts.partners} partners, {x.database.counts.leads} leads, {x.database.counts.commissions}{" "}
            commissions, {x.database.counts.audit} audit entries
          </dd>
          <dt>File integrity</dt>
          <dd>{x.integrity}</dd>
          <dt>Rules</dt>
          <dd>{x.problems.length === 0 ? "all hold" : x.problems.join("; ")}</dd>
          <dt>Audit chain</dt>
          <dd data-audit-chain={x.audit.ok ? "ok" : "broken"}>
            {x.audit.ok ? `intact (${x.audit.rows} rows)` : x.audit.problem?.message}
          </dd>
          <dt>Backups</dt>
          <dd>
            {x.backups}
            {x.newest_backup && <> (newest {x.newest_backup})</>}
          </dd>
          <dt>Logs</dt>
          <dd>
            {x.log_dir}: {x.logs.length} files
          </dd>
        </dl>
      )}
    </div>
  );
}
