// The Backups card: verified copies next to the database; take, verify, restore.
import { useState } from "react";
import { dataApi } from "../../lib/api";
import type { BackupInfo } from "../../lib/bindings/BackupInfo";
import { dateTime } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import { Modal } from "../../components/ui";
import { OutcomeBanner, size, toError, type Ops, type Outcome } from "./shared";

export type Check =
  { state: "checking" } | { state: "ok" } | { state: "bad"; problems: string[] } | { state: "error"; message: string };

export function BackupsCard(props: { ops: Ops }) {
  const list = useLoad(() => dataApi.backups(), [], ["backups"]);
  const [checks, setChecks] = useState<Record<string, Check>>({});
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [confirm, setConfirm] = useState<BackupInfo | null>(null);
  const busy = !!props.ops.running;

  const verify = async (b: BackupInfo) => {
    setChecks((c) => ({ ...c, [b.path]: { state: "checking" } }));
    try {
      const v = await dataApi.backupVerify(b.path);
      setChecks((c) => ({ ...c, [b.path]: v.ok ? { state: "ok" } : { state: "bad", problems: v.problems } }));
    } catch (e) {
      setChecks((c) => ({ ...c, [b.path]: { state: "error", message: toError(e).message } }));
    }
  };
  const verifyAll = async () => {
    for (const b of list.data ?? []) await verify(b);
  };
  const create = async () => {
    setOutcome(null);
    try {
      const b = await props.ops.run("Taking a backup", (op) => dataApi.backupCreate(op));
      // The copy passed its integrity check before it was named.
      setChecks((c) => ({ ...c, [b.path]: { state: "ok" } }));
      setOutcome({
        ok: (
          <>
            Backup taken and verified: <code>{b.file_name}</code> ({size(b.size)}).
          </>
        ),
      });
    } catch (e) {
      setOutcome({ error: toError(e) });
    }
  };
  const restore = async (b: BackupInfo) => {
    setConfirm(null);
    setOutcome(null);
    try {
      const r = await props.ops.run("Restoring a backup", (op) => dataApi.backupRestore(b.path, op));
      setOutcome({
        ok: (
          <>
            Restored <code>{r.database}</code> from <code>{b.file_name}</code>.
            {r.set_aside && (
              <>
                {" "}
                The previous database was kept as <code>{r.set_aside}</code>: restore it to undo.
              </>
            )}
          </>
        ),
      });
    } catch (e) {
      setOutcome({ error: toError(e) });
    }
  };

  return (
    <div className="card" data-section="backups">
      <div className="card-head">
        <h3>Backups</h3>
        <div className="toolbar">
          <button type="button" onClick={verifyAll} disabled={busy || !list.data?.length} data-action="verify-all">
            Verify all
          </button>
          <button type="button" className="primary" onClick={create} disabled={busy} data-action="backup-create">
            Create backup
          </button>
        </div>
      </div>
      <p className="muted small">
        Verified copies in the <code>backups</code> folder next to the database. One is taken before every migration; a
        restore first keeps the current file as a <em>pre-restore</em> backup.
      </p>
      <OutcomeBanner outcome={outcome} name="backups" />
      {list.error && <div className="banner error">{list.error.message}</div>}
      {list.data && list.data.length === 0 && (
        <p className="muted" data-empty="backups">
          No backups yet.
        </p>
      )}
      {list.data && list.data.length > 0 && (
        <table className="table" aria-label="Backups">
          <thead>
            <tr>
              <th>File</th>
              <th>Kind</th>
              <th>Taken (UTC)</th>
              <th className="num">Size</th>
              <th>Check</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.map((b) => {
              const c = checks[b.path];
              return (
                <tr key={b.path} data-backup={b.file_name}>
                  <td>
                    <code>{b.file_name}</code>
                  </td>
                  <td>{b.kind}</td>
                  <td className="nowrap">{dateTime(b.taken_at)}</td>
                  <td className="num nowrap" data-size>
                    {size(b.size)}
                  </td>
                  <td data-verify={c ? c.state : "unchecked"}>
                    {!c && <span className="muted">not checked</span>}
                    {c?.state === "checking" && <span className="muted">checking…</span>}
                    {c?.state === "ok" && <span className="ok">✓ ok</span>}
                    {c?.state === "bad" && <span className="inline-error">damaged: {c.problems.join("; ")}</span>}
                    {c?.state === "error" && <span className="inline-error">{c.message}</span>}
                  </td>
                  <td className="nowrap">
                    <span className="row-actions">
                      <button
                        type="button"
                        onClick={() => verify(b)}
                        disabled={c?.state === "checking"}
                        data-action="verify"
                      >
                        Verify
                      </button>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => setConfirm(b)}
                        disabled={busy}
                        data-action="restore"
                      >
                        Restore…
                      </button>
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {confirm && (
        <Modal title="Restore this backup?" onClose={() => setConfirm(null)}>
          <div data-confirm="restore">
            <p>
              The database will be replaced by <code>{confirm.file_name}</code>, taken {dateTime(confirm.taken_at)} UTC.
              Changes made since then will no longer be in the database.
            </p>
            <p>
              The current file is kept aside first, as a <em>pre-restore</em> backup in the same list, so this can be
              undone by restoring that one.
            </p>
            <div className="buttons">
              <button type="button" onClick={() => setConfirm(null)}>
                Keep the current database
              </button>
              <button type="button" className="primary" onClick={() => restore(confirm)} data-action="confirm-restore">
                Restore
              </button>
            </div>
          </div>
        </Modal>
      )}
    </div>
  );
}
