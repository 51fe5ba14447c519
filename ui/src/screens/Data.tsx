import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { api, ApiError, browse, dataApi, newOp, type Browse, type Op, type Progress, invalid } from "../lib/api";
import type { BackupInfo } from "../lib/bindings/BackupInfo";
import type { ImportPreview } from "../lib/bindings/ImportPreview";
import type { ImportReport } from "../lib/bindings/ImportReport";
import type { ImportTable } from "../lib/bindings/ImportTable";
import type { Partner } from "../lib/bindings/Partner";
import type { Format } from "../lib/bindings/Format";
import { dateTime, money } from "../lib/format";
import { fieldError, formError, useLoad } from "../lib/hooks";
import { SETTINGS_EVENT } from "../components/Layout";
import { Field, Modal } from "../components/ui";
import { PartnerPicker } from "./Leads";

// ---------------------------------------------------------------------------
// Long operations: one at a time, with a shared progress bar and Cancel.

type Running = { id: number; label: string; progress: Progress | null; cancelling: boolean };

/** Run long operations one at a time; `running` feeds the progress bar. */
function useLongOps() {
  const [running, setRunning] = useState<Running | null>(null);
  const busy = useRef(false);
  const run = useCallback(async <T,>(label: string, fn: (op: Op) => Promise<T>): Promise<T> => {
    if (busy.current)
      throw new ApiError({
        kind: "conflict",
        field: null,
        message: "another operation is running; wait for it or cancel it",
      });
    busy.current = true;
    const op = newOp((p) => setRunning((r) => (r && r.id === op.id ? { ...r, progress: p } : r)));
    setRunning({ id: op.id, label, progress: null, cancelling: false });
    try {
      return await fn(op);
    } finally {
      busy.current = false;
      setRunning(null);
    }
  }, []);
  const cancel = useCallback(() => {
    setRunning((r) => {
      if (r) dataApi.cancelOperation(r.id).catch(() => undefined);
      return r ? { ...r, cancelling: true } : r;
    });
  }, []);
  return { running, run, cancel };
}

function ProgressBar(props: { running: Running; onCancel: () => void }) {
  const { running } = props;
  const p = running.progress;
  const pct = p && p.total > 0 ? Math.min(100, Math.round((p.done * 100) / p.total)) : null;
  return (
    <div className="card progress-card" role="status" aria-live="polite" data-progress>
      <div className="progress-head">
        <strong>{running.label}</strong>
        <span className="muted small">
          {running.cancelling ? "cancelling…" : p ? `${p.stage}${pct !== null ? ` · ${pct}%` : ""}` : "starting…"}
        </span>
        <button
          type="button"
          className="right"
          onClick={props.onCancel}
          disabled={running.cancelling}
          data-action="cancel"
        >
          Cancel
        </button>
      </div>
      {pct !== null ? (
        <progress max={100} value={pct} aria-label={running.label} />
      ) : (
        <progress aria-label={running.label} />
      )}
    </div>
  );
}

/** A result (ok) or the core's message (error) under a section. */
type Outcome = { ok: ReactNode } | { error: ApiError } | null;

function toError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError({ kind: "io", field: null, message: String(e) });
}

function OutcomeBanner(props: { outcome: Outcome; name: string; shownFields?: string[] }) {
  const o = props.outcome;
  if (!o) return null;
  if ("ok" in o)
    return (
      <div className="banner ok-banner" role="status" data-result={props.name}>
        {o.ok}
      </div>
    );
  if (o.error.kind === "cancelled")
    return (
      <div className="banner warn" role="status" data-result={props.name} data-cancelled>
        Cancelled: nothing was changed.
      </div>
    );
  const msg = formError(o.error, props.shownFields ?? []);
  return msg ? (
    <div className="banner error" role="alert" data-error={props.name}>
      {msg}
    </div>
  ) : null;
}

function errorOf(o: Outcome): ApiError | null {
  return o && "error" in o ? o.error : null;
}

/** A path typed by the user, with a Browse… button that fills it from the native dialog. */
function PathField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  browse: Browse;
  error: string | null;
  hint?: string;
  placeholder?: string;
}) {
  const [dialogError, setDialogError] = useState<string | null>(null);
  const pick = async () => {
    setDialogError(null);
    try {
      const p = await browse({ ...props.browse, current: props.value });
      if (p) props.onChange(p);
    } catch (e) {
      setDialogError(toError(e).message);
    }
  };
  return (
    <Field label={props.label} name={props.name} error={props.error ?? dialogError} hint={props.hint} group>
      <div className="path-input">
        <input
          name={props.name}
          data-path={props.name}
          aria-label={props.label}
          value={props.value}
          placeholder={props.placeholder ?? (props.browse.mode === "folder" ? "/path/to/folder" : "/path/to/file")}
          onChange={(e) => props.onChange(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
        <button type="button" onClick={pick} data-browse={props.name}>
          Browse…
        </button>
      </div>
    </Field>
  );
}

function size(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

// ---------------------------------------------------------------------------

export function DataScreen() {
  const info = useLoad(() => api.dataInfo(), []);
  const ops = useLongOps();
  const d = info.data;
  const [changed, setChanged] = useState(0);
  /** After a restore or an import: counts, lists and the currency may differ. */
  const refresh = useCallback(() => {
    info.reload();
    setChanged((c) => c + 1);
    window.dispatchEvent(new CustomEvent(SETTINGS_EVENT));
  }, [info]);
  return (
    <section className="screen" data-screen="data">
      <header className="screen-head">
        <h1>Data</h1>
      </header>
      {ops.running && <ProgressBar running={ops.running} onCancel={ops.cancel} />}
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
      <BackupsCard ops={ops} onRestored={refresh} />
      <ExportCard ops={ops} />
      <ImportCard ops={ops} onImported={refresh} />
      <FilesCard changed={changed} />
      <SyncCard ops={ops} onApplied={refresh} />
    </section>
  );
}

type Ops = ReturnType<typeof useLongOps>;

// ---------------------------------------------------------------------------
// Backups

type Check =
  { state: "checking" } | { state: "ok" } | { state: "bad"; problems: string[] } | { state: "error"; message: string };

function BackupsCard(props: { ops: Ops; onRestored: () => void }) {
  const list = useLoad(() => dataApi.backups(), []);
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
      list.reload();
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
      list.reload();
      props.onRestored();
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

// ---------------------------------------------------------------------------
// Export

function ExportCard(props: { ops: Ops }) {
  const tables = useLoad(() => dataApi.exportTables(), []);
  const [format, setFormat] = useState<Format>("csv");
  const [table, setTable] = useState("");
  const [dir, setDir] = useState("");
  const [outcome, setOutcome] = useState<Outcome>(null);
  const err = errorOf(outcome);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setOutcome(null);
    if (!dir.trim()) {
      setOutcome({ error: invalid("dir", "folder: choose the folder to write into") });
      return;
    }
    try {
      const r = await props.ops.run("Exporting", (op) => dataApi.exportRun(format, dir.trim(), table || null, op));
      const rows = r.files.reduce((n, f) => n + f.rows, 0);
      setOutcome({
        ok: (
          <>
            Exported {r.files.length} table(s), {rows.toLocaleString()} rows, to <code>{r.dir}</code>.
          </>
        ),
      });
    } catch (e) {
      setOutcome({ error: toError(e) });
    }
  };
  return (
    <form className="card" data-section="export" onSubmit={submit}>
      <h3>Export</h3>
      <p className="muted small">
        One file per table. CSV opens in a spreadsheet (amounts as decimals); JSON keeps the stored values (amounts in
        cents).
      </p>
      <div className="inline-form">
        <Field label="Format" name="format" error={fieldError(err, "format")}>
          <select name="export-format" value={format} onChange={(e) => setFormat(e.target.value as Format)}>
            <option value="csv">CSV</option>
            <option value="json">JSON</option>
          </select>
        </Field>
        <Field label="Tables" name="table" error={fieldError(err, "table")}>
          <select name="export-table" value={table} onChange={(e) => setTable(e.target.value)}>
            <option value="">All tables</option>
            {(tables.data ?? []).map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </Field>
        <div className="grow">
          <PathField
            label="Folder"
            name="export-dir"
            value={dir}
            onChange={setDir}
            browse={{ mode: "folder", title: "Export into this folder" }}
            error={fieldError(err, "dir")}
          />
        </div>
      </div>
      <div className="buttons">
        <button type="submit" className="primary" disabled={!!props.ops.running} data-action="export">
          Export
        </button>
      </div>
      <OutcomeBanner outcome={outcome} name="export" shownFields={["format", "table", "dir"]} />
    </form>
  );
}

// ---------------------------------------------------------------------------
// Import wizard: 1 table + file, 2 mapping, 3 dry run report, 4 import.

const TABLES: { value: ImportTable; label: string }[] = [
  { value: "applications", label: "Applications" },
  { value: "partners", label: "Partners" },
  { value: "leads", label: "Leads" },
];

function ImportCard(props: { ops: Ops; onImported: () => void }) {
  const [table, setTable] = useState<ImportTable>("applications");
  const [path, setPath] = useState("");
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [report, setReport] = useState<ImportReport | null>(null);
  const [done, setDone] = useState<ImportReport | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [loading, setLoading] = useState(false);
  const err = errorOf(outcome);
  const step = done ? 4 : report ? 3 : preview ? 2 : 1;
  const busy = !!props.ops.running || loading;

  const reset = () => {
    setPreview(null);
    setReport(null);
    setDone(null);
    setOutcome(null);
  };
  const readColumns = async (e?: React.FormEvent) => {
    e?.preventDefault();
    setOutcome(null);
    if (!path.trim()) {
      setOutcome({ error: invalid("file", "file: choose the .csv or .json file to import") });
      return;
    }
    setLoading(true);
    try {
      const p = await dataApi.importPreview(table, path.trim());
      setPreview(p);
      setMapping(Object.fromEntries(p.columns.map((c) => [c, p.suggested[c] ?? ""])));
      setReport(null);
    } catch (e) {
      setOutcome({ error: toError(e) });
    } finally {
      setLoading(false);
    }
  };
  const runImport = async (dryRun: boolean) => {
    setOutcome(null);
    try {
      const r = await props.ops.run(dryRun ? "Checking the file (dry run)" : "Importing", (op) =>
        dataApi.importRun(table, path.trim(), mapping, dryRun, op),
      );
      if (dryRun || r.bad_rows.length > 0) {
        setReport(r);
      } else {
        setDone(r);
        props.onImported();
      }
    } catch (e) {
      setOutcome({ error: toError(e) });
    }
  };
  const duplicateTargets = useMemo(() => {
    const seen = new Map<string, number>();
    for (const f of Object.values(mapping)) if (f) seen.set(f, (seen.get(f) ?? 0) + 1);
    return new Set([...seen].filter(([, n]) => n > 1).map(([f]) => f));
  }, [mapping]);

  return (
    <div className="card" data-section="import" data-step={step}>
      <div className="card-head">
        <h3>Import</h3>
        <ol className="steps" aria-label="Import steps">
          {["File", "Columns", "Dry run", "Import"].map((s, i) => (
            <li
              key={s}
              className={step === i + 1 ? "on" : step > i + 1 ? "done" : undefined}
              aria-current={step === i + 1 ? "step" : undefined}
            >
              {i + 1}. {s}
            </li>
          ))}
        </ol>
      </div>
      <p className="muted small">
        Every row is checked as a hand entry would be; the import is all or nothing: one bad row and nothing is kept.
      </p>
      {step === 1 && (
        <form onSubmit={readColumns}>
          <div className="inline-form">
            <Field label="Into" name="table" error={fieldError(err, "table")}>
              <select name="import-table" value={table} onChange={(e) => setTable(e.target.value as ImportTable)}>
                {TABLES.map((t) => (
                  <option key={t.value} value={t.value}>
                    {t.label}
                  </option>
                ))}
              </select>
            </Field>
            <div className="grow">
              <PathField
                label="File (.csv with a header line, or .json)"
                name="import-file"
                value={path}
                onChange={setPath}
                browse={{ mode: "open", title: "Import this file", extensions: ["csv", "json"] }}
                error={fieldError(err, "file")}
              />
            </div>
          </div>
          <div className="buttons">
            <button type="submit" className="primary" disabled={busy} data-action="import-preview">
              Next: columns
            </button>
          </div>
        </form>
      )}
      {step === 2 && preview && (
        <div>
          <p>
            <code>{path}</code> → {table}. Choose the field each column of the file fills.
          </p>
          <table className="table" aria-label="Column mapping">
            <thead>
              <tr>
                <th>Column of the file</th>
                <th>Field of {table}</th>
              </tr>
            </thead>
            <tbody>
              {preview.columns.map((c) => {
                const known = c in preview.suggested;
                const f = mapping[c] ?? "";
                return (
                  <tr key={c} data-map-row={c}>
                    <td>
                      <label htmlFor={`map-${c}`}>{c}</label>
                      {!known && !f && (
                        <div className="muted small">not a field of {table}: choose one, or it is ignored</div>
                      )}
                      {f && duplicateTargets.has(f) && <div className="inline-error small">two columns fill {f}</div>}
                    </td>
                    <td>
                      <select
                        id={`map-${c}`}
                        data-map-column={c}
                        value={f}
                        onChange={(e) => setMapping({ ...mapping, [c]: e.target.value })}
                      >
                        <option value="">— ignore —</option>
                        {preview.fields.map((fl) => (
                          <option key={fl} value={fl}>
                            {fl}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="buttons">
            <button type="button" onClick={reset}>
              Back
            </button>
            <button
              type="button"
              className="primary"
              onClick={() => runImport(true)}
              disabled={busy}
              data-action="import-dry-run"
            >
              Dry run
            </button>
          </div>
        </div>
      )}
      {step === 3 && report && (
        <div data-import-report>
          <dl className="props">
            <dt>Rows read</dt>
            <dd data-report="rows">{report.rows}</dd>
            <dt>Valid rows</dt>
            <dd data-report="valid">{report.valid}</dd>
            {report.table === "leads" && (
              <>
                <dt>Likely duplicates</dt>
                <dd>{report.duplicates}</dd>
              </>
            )}
            {report.ignored_columns.length > 0 && (
              <>
                <dt>Ignored columns</dt>
                <dd>{report.ignored_columns.join(", ")}</dd>
              </>
            )}
          </dl>
          {report.bad_rows.length > 0 ? (
            <>
              <div className="banner error" role="alert" data-bad-count={report.bad_rows.length}>
                {report.bad_rows.length} bad row(s): nothing was imported. Fix the file (or the mapping) and check
                again.
              </div>
              <table className="table" aria-label="Bad rows">
                <thead>
                  <tr>
                    <th className="num">Line</th>
                    <th>Column</th>
                    <th>Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {report.bad_rows.map((b, i) => (
                    <tr key={i} data-bad-row={b.line}>
                      <td className="num">{b.line}</td>
                      <td>{b.column ?? b.field ?? ""}</td>
                      <td>{b.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : (
            <div className="banner ok-banner" role="status" data-dry-run-ok>
              All {report.valid} row(s) are valid. Nothing has been imported yet.
            </div>
          )}
          <div className="buttons">
            <button type="button" onClick={() => setReport(null)}>
              Back to columns
            </button>
            <button type="button" onClick={() => runImport(true)} disabled={busy} data-action="import-dry-run-again">
              Check again
            </button>
            <button
              type="button"
              className="primary"
              onClick={() => runImport(false)}
              disabled={busy || report.bad_rows.length > 0 || report.valid === 0}
              data-action="import-run"
            >
              Import {report.valid} row(s)
            </button>
          </div>
        </div>
      )}
      {step === 4 && done && (
        <div>
          <div className="banner ok-banner" role="status" data-result="import">
            Imported {done.imported} {done.table}
            {done.duplicates > 0 ? ` (${done.duplicates} flagged as likely duplicates)` : ""}.
          </div>
          <div className="buttons">
            <button type="button" onClick={reset} data-action="import-again">
              Import another file
            </button>
          </div>
        </div>
      )}
      <OutcomeBanner outcome={outcome} name="import" shownFields={["file", "table"]} />
    </div>
  );
}

// ---------------------------------------------------------------------------
// Statement and payout files

function FilesCard(props: { changed: number }) {
  const payouts = useLoad(() => dataApi.payouts(200), [props.changed]);
  const [partner, setPartner] = useState<Partner | null>(null);
  const [statementPath, setStatementPath] = useState("");
  const [statementOutcome, setStatementOutcome] = useState<Outcome>(null);
  const [payoutId, setPayoutId] = useState("");
  const [payoutPath, setPayoutPath] = useState("");
  const [payoutOutcome, setPayoutOutcome] = useState<Outcome>(null);
  const sErr = errorOf(statementOutcome);
  const pErr = errorOf(payoutOutcome);

  const writeStatement = async (e: React.FormEvent) => {
    e.preventDefault();
    setStatementOutcome(null);
    try {
      if (!partner) throw invalid("partner_id", "partner: pick the partner");
      if (!statementPath.trim()) throw invalid("out", "file: choose where to write the statement (.html or .csv)");
      const s = await dataApi.statementWrite(partner.id, statementPath.trim());
      setStatementOutcome({
        ok: (
          <>
            Statement of {s.partner_name} written to <code>{s.path}</code>: {s.leads} lead(s), {s.commissions}{" "}
            commission(s), {s.payouts} payout(s); outstanding {money(s.outstanding, s.currency)}.
          </>
        ),
      });
    } catch (e) {
      setStatementOutcome({ error: toError(e) });
    }
  };
  const writePayout = async (e: React.FormEvent) => {
    e.preventDefault();
    setPayoutOutcome(null);
    try {
      if (!payoutId) throw invalid("payout", "payout: pick the payout batch");
      if (!payoutPath.trim()) throw invalid("out", "file: choose where to write the payout file (.csv)");
      const p = await dataApi.payoutFileWrite(payoutId, payoutPath.trim());
      setPayoutOutcome({
        ok: (
          <>
            Payout file written to <code>{payoutPath.trim()}</code>: {p.lines.filter((l) => l.amount > 0).length}{" "}
            line(s), {money(p.total_amount, p.currency)} in all.
          </>
        ),
      });
    } catch (e) {
      setPayoutOutcome({ error: toError(e) });
    }
  };

  return (
    <div className="columns">
      <form className="card" data-section="statement" onSubmit={writeStatement}>
        <h3>Partner statement</h3>
        <p className="muted small">
          That partner's leads, commissions and payouts, as a page (.html) or a spreadsheet (.csv).
        </p>
        <div className="form">
          <Field label="Partner" name="partner_id" error={fieldError(sErr, "partner_id")} group>
            <PartnerPicker value={partner} onChange={setPartner} />
          </Field>
          <PathField
            label="Write to"
            name="statement-path"
            value={statementPath}
            onChange={setStatementPath}
            browse={{ mode: "save", title: "Save the statement", extensions: ["html", "csv"] }}
            error={fieldError(sErr, "out")}
            placeholder="/path/to/statement.html"
          />
        </div>
        <div className="buttons">
          <button type="submit" className="primary" data-action="statement">
            Write statement
          </button>
        </div>
        <OutcomeBanner outcome={statementOutcome} name="statement" shownFields={["partner_id", "out"]} />
      </form>
      <form className="card" data-section="payout-file" onSubmit={writePayout}>
        <h3>Payout file</h3>
        <p className="muted small">
          The CSV a mass-payout service takes (PayPal Payouts layout), for a batch already paid.
        </p>
        <div className="form">
          <Field label="Payout batch" name="payout" error={fieldError(pErr, "payout")}>
            <select name="payout" value={payoutId} onChange={(e) => setPayoutId(e.target.value)}>
              <option value="">{payouts.data?.length === 0 ? "No payouts yet" : "Choose a batch…"}</option>
              {(payouts.data ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {dateTime(p.created_at)} · {money(p.total_amount, p.currency)} · {p.partners} partner(s)
                </option>
              ))}
            </select>
          </Field>
          <PathField
            label="Write to"
            name="payout-path"
            value={payoutPath}
            onChange={setPayoutPath}
            browse={{ mode: "save", title: "Save the payout file", extensions: ["csv"] }}
            error={fieldError(pErr, "out")}
            placeholder="/path/to/payout.csv"
          />
        </div>
        <div className="buttons">
          <button type="submit" className="primary" data-action="payout-file">
            Write payout file
          </button>
        </div>
        <OutcomeBanner outcome={payoutOutcome} name="payout-file" shownFields={["payout", "out"]} />
      </form>
    </div>
  );
}

// ---------------------------------------------------------------------------
// Sync

function SyncCard(props: { ops: Ops; onApplied: () => void }) {
  const status = useLoad(() => dataApi.syncStatus(), []);
  const [dir, setDir] = useState("");
  const [url, setUrl] = useState("");
  const [folderOutcome, setFolderOutcome] = useState<Outcome>(null);
  const [pushOutcome, setPushOutcome] = useState<Outcome>(null);
  const busy = !!props.ops.running;
  const fErr = errorOf(folderOutcome);
  const pErr = errorOf(pushOutcome);
  const s = status.data;

  const needDir = () => {
    if (dir.trim()) return true;
    setFolderOutcome({ error: invalid("dir", "folder: choose the feed folder") });
    return false;
  };
  const exportFeed = async () => {
    setFolderOutcome(null);
    if (!needDir()) return;
    try {
      const r = await props.ops.run("Exporting the change feed", (op) => dataApi.syncExport(dir.trim(), op));
      setFolderOutcome({
        ok: r.file ? (
          <>
            Wrote <code>{r.file}</code>: {r.snapshot ? "a full snapshot" : "the changes"}, {r.rows.toLocaleString()}{" "}
            rows.
          </>
        ) : (
          <>Nothing changed since feed file {r.file_seq}: no file written.</>
        ),
      });
      status.reload();
    } catch (e) {
      setFolderOutcome({ error: toError(e) });
    }
  };
  const applyFeed = async () => {
    setFolderOutcome(null);
    if (!needDir()) return;
    try {
      const r = await props.ops.run("Applying the change feed", (op) => dataApi.syncApply(dir.trim(), op));
      const applied = r.files.filter((f) => !f.skipped).length;
      setFolderOutcome({
        ok: (
          <>
            Applied {applied} file(s), {r.rows.toLocaleString()} rows ({r.files.length - applied} applied before).
          </>
        ),
      });
      status.reload();
      props.onApplied();
    } catch (e) {
      setFolderOutcome({ error: toError(e) });
    }
  };
  const push = async (e: React.FormEvent) => {
    e.preventDefault();
    setPushOutcome(null);
    if (!url.trim()) {
      setPushOutcome({ error: invalid("postgres", "URL: type the PostgreSQL URL") });
      return;
    }
    try {
      const r = await props.ops.run("Pushing to PostgreSQL", (op) => dataApi.syncPush(url.trim(), op));
      setPushOutcome({
        ok: (
          <>
            Pushed {r.rows.toLocaleString()} rows ({r.full ? "everything" : "the changes"}) to <code>{r.target}</code>.
          </>
        ),
      });
      status.reload();
    } catch (e) {
      setPushOutcome({ error: toError(e) });
    }
  };

  return (
    <div className="card" data-section="sync">
      <h3>Sync</h3>
      {s && (
        <dl className="props" data-sync-status>
          <dt>Last feed export</dt>
          <dd data-last="export">
            {s.last_export_at ? `${dateTime(s.last_export_at)} UTC (${s.last_export_file})` : "never"}
          </dd>
          <dt>Last feed applied here</dt>
          <dd data-last="apply">{s.last_apply_at ? `${dateTime(s.last_apply_at)} UTC` : "never"}</dd>
          <dt>Last push</dt>
          <dd data-last="push">
            {s.pushes.length === 0
              ? "never"
              : s.pushes.map((p) => (
                  <div key={p.target}>
                    {dateTime(p.pushed_at)} UTC to <code>{p.target}</code> ({p.rows.toLocaleString()} rows)
                  </div>
                ))}
          </dd>
        </dl>
      )}
      <div className="columns">
        <div>
          <h4>Folder (change feed)</h4>
          <p className="muted small">
            Export writes the changes since the last export as the next feed file; apply reads a folder of feed files
            from another Partnerdesk.
          </p>
          <PathField
            label="Feed folder"
            name="sync-dir"
            value={dir}
            onChange={setDir}
            browse={{ mode: "folder", title: "The change feed folder" }}
            error={fieldError(fErr, "dir", "sync")}
          />
          <div className="buttons">
            <button type="button" onClick={applyFeed} disabled={busy} data-action="sync-apply">
              Apply folder
            </button>
            <button type="button" className="primary" onClick={exportFeed} disabled={busy} data-action="sync-export">
              Export changes
            </button>
          </div>
          <OutcomeBanner outcome={folderOutcome} name="sync-folder" shownFields={["dir", "sync"]} />
        </div>
        <form onSubmit={push}>
          <h4>PostgreSQL / Supabase</h4>
          <p className="muted small">
            Upserts the changes since the last push. The URL is not saved; answers name the server without the password.
          </p>
          <Field label="PostgreSQL URL" name="postgres" error={fieldError(pErr, "postgres")}>
            <input
              type="password"
              name="pg-url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="postgresql://user:password@host:5432/database"
              autoComplete="off"
              spellCheck={false}
            />
          </Field>
          <div className="buttons">
            <button type="submit" className="primary" disabled={busy} data-action="sync-push">
              Push
            </button>
          </div>
          <OutcomeBanner outcome={pushOutcome} name="sync-push" shownFields={["postgres"]} />
        </form>
      </div>
    </div>
  );
}

// ---------------------------------------------------------------------------
// The database could not be opened: say why, and offer the newest good backup.

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
  return (
    <section className="screen recovery" data-screen="recovery">
      <header className="screen-head">
        <h1>The database cannot be opened</h1>
      </header>
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
