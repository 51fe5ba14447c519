// The Import wizard: 1 table + file, 2 mapping, 3 dry run report, 4 import.
import { useMemo, useState } from "react";
import { dataApi, invalid } from "../../lib/api";
import type { ImportPreview } from "../../lib/bindings/ImportPreview";
import type { ImportReport } from "../../lib/bindings/ImportReport";
import type { ImportTable } from "../../lib/bindings/ImportTable";
import type { DecimalMark } from "../../lib/bindings/DecimalMark";
import { fieldError } from "../../lib/hooks";
import { Field } from "../../components/ui";
import { errorOf, OutcomeBanner, PathField, toError, type Ops, type Outcome } from "./shared";

export const TABLES: { value: ImportTable; label: string }[] = [
  { value: "applications", label: "Applications" },
  { value: "partners", label: "Partners" },
  { value: "leads", label: "Leads" },
];

export function ImportCard(props: { ops: Ops }) {
  const [table, setTable] = useState<ImportTable>("applications");
  const [path, setPath] = useState("");
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [update, setUpdate] = useState(false);
  const [decimalMark, setDecimalMark] = useState<DecimalMark>("dot");
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
        dataApi.importRun(table, path.trim(), mapping, { dry_run: dryRun, update, decimal_mark: decimalMark }, op),
      );
      if (dryRun || r.bad_rows.length > 0) {
        setReport(r);
      } else {
        setDone(r);
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
          <fieldset className="import-options">
            <legend>How to read the file</legend>
            <label>
              <input
                type="checkbox"
                name="decimal-comma"
                checked={decimalMark === "comma"}
                onChange={(e) => setDecimalMark(e.target.checked ? "comma" : "dot")}
              />{" "}
              Amounts use a decimal comma (<code>1.234,50</code>), as spreadsheets in most of Europe write them
            </label>
            <label>
              <input
                type="checkbox"
                name="import-update"
                checked={update}
                onChange={(e) => setUpdate(e.target.checked)}
              />{" "}
              A row whose <code>id</code> is already here updates that record (the dry run lists each change)
            </label>
          </fieldset>
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
            {report.updated > 0 && (
              <>
                <dt>Updates</dt>
                <dd data-report="updated">{report.updated}</dd>
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
          {report.updates.length > 0 && (
            <table className="table" aria-label="Changes">
              <thead>
                <tr>
                  <th className="num">Line</th>
                  <th>Record</th>
                  <th>Field</th>
                  <th>Now</th>
                  <th>After the import</th>
                </tr>
              </thead>
              <tbody>
                {report.updates.flatMap((u) =>
                  u.changes.map((c) => (
                    <tr key={`${u.line}-${c.field}`} data-change={`${u.line}:${c.field}`}>
                      <td className="num">{u.line}</td>
                      <td>
                        <code>{u.id.slice(0, 8)}</code>
                      </td>
                      <td>{c.field}</td>
                      <td>{c.old ?? ""}</td>
                      <td>{c.new ?? ""}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
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
            {done.updated > 0 ? ` (${done.updated} updated)` : ""}
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
