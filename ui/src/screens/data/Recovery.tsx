// The database could not be opened: say why, and offer the newest good backup.
import { useEffect, useState } from "react";
import { dataApi, securityApi } from "../../lib/api";
import type { BackupInfo } from "../../lib/bindings/BackupInfo";
import { dateTime } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import { Modal } from "../../components/ui";
import { OutcomeBanner, ProgressBar, size, toError, useLongOps, type Outcome } from "./shared";

/** The passphrase of an encrypted database; the window starts afresh once it opens. */
function Unlock(props: { database: string }) {
  const [pass, setPass] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await securityApi.unlock(pass);
      window.location.reload();
    } catch (err) {
      setError(toError(err).message);
      setBusy(false);
    }
  };
  return (
    <form className="card unlock" onSubmit={submit} data-unlock>
      <p>
        <code>{props.database}</code> is encrypted. Type its passphrase to open it.
      </p>
      <label>
        Passphrase{" "}
        <input
          type="password"
          name="passphrase"
          autoFocus
          autoComplete="current-password"
          value={pass}
          onChange={(e) => setPass(e.target.value)}
        />
      </label>{" "}
      <button type="submit" className="primary" disabled={busy || !pass} data-action="unlock">
        {busy ? "Opening…" : "Unlock"}
      </button>
      {error && (
        <div className="field-error" role="alert" data-error-for="passphrase">
          {error}
        </div>
      )}
    </form>
  );
}

export function RecoveryScreen() {
  const rec = useLoad(() => dataApi.recovery(), []);
  const backups = useLoad(() => dataApi.backups(), []);
  const ops = useLongOps();
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [confirm, setConfirm] = useState<BackupInfo | null>(null);
  const r = rec.data;
  useEffect(() => {
    document.title = "Partnerdesk: the database cannot be opened";
  }, []);
  const restore = async (b: BackupInfo) => {
    setConfirm(null);
    setOutcome(null);
    try {
      await ops.run("Restoring a backup", (op) => dataApi.backupRestore(b.path, op));
      // The store is open again: start the window afresh.
      window.location.reload();
    } catch (e) {
      setOutcome({ error: toError(e) });
    }
  };
  if (!r) return rec.error ? <div className="banner error">{rec.error.message}</div> : null;
  const locked = r.error.kind === "locked";
  return (
    <section className="screen recovery" data-screen="recovery">
      <header className="screen-head">
        <h1>{locked ? "The database is encrypted" : "The database cannot be opened"}</h1>
      </header>
      {locked && <Unlock database={r.database} />}
      {ops.running && <ProgressBar running={ops.running} onCancel={ops.cancel} />}
      <div className="banner error" role="alert" data-recovery-error={r.error.kind}>
        {r.error.message}
      </div>
      <div className="card">
        <p>
          File: <code data-db-path>{r.database}</code>
        </p>
        <p>Nothing has been written to it: it is left exactly as it was.</p>
        {r.restorable ? (
          r.newest_good ? (
            <div data-newest-good={r.newest_good.file_name}>
              <p>
                The newest good backup is <code>{r.newest_good.file_name}</code>, taken{" "}
                {dateTime(r.newest_good.taken_at)} UTC ({size(r.newest_good.size)}). Restoring it keeps the damaged file
                aside as a <em>pre-restore</em> backup.
              </p>
              <div className="buttons">
                <button
                  type="button"
                  className="primary"
                  onClick={() => setConfirm(r.newest_good)}
                  disabled={!!ops.running}
                  data-action="restore-newest"
                >
                  Restore the newest good backup…
                </button>
              </div>
            </div>
          ) : (
            <p data-no-backup>
              There is no good backup of this database in <code>{r.backup_dir}</code>. Start Partnerdesk on another file
              with <code>--db PATH</code>.
            </p>
          )
        ) : (
          <p className="muted">Restoring a backup would not help here; see the message above.</p>
        )}
        <OutcomeBanner outcome={outcome} name="recovery" />
      </div>
      {r.restorable && backups.data && backups.data.length > 1 && (
        <div className="card">
          <h3>Other backups</h3>
          <table className="table" aria-label="Backups">
            <tbody>
              {backups.data.map((b) => (
                <tr key={b.path} data-backup={b.file_name}>
                  <td>
                    <code>{b.file_name}</code>
                  </td>
                  <td>{b.kind}</td>
                  <td>{dateTime(b.taken_at)}</td>
                  <td className="num">{size(b.size)}</td>
                  <td>
                    <button type="button" onClick={() => setConfirm(b)} disabled={!!ops.running}>
                      Restore…
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirm && (
        <Modal title="Restore this backup?" onClose={() => setConfirm(null)}>
          <p>
            The database file will be replaced by <code>{confirm.file_name}</code>. The current (damaged) file is kept
            aside first, as a <em>pre-restore</em> backup.
          </p>
          <div className="buttons">
            <button type="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
            <button type="button" className="primary" onClick={() => restore(confirm)} data-action="confirm-restore">
              Restore
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}
