// The Export card: one file per table, CSV or JSON, into a folder.
import { useState } from "react";
import { dataApi, invalid, securityApi } from "../../lib/api";
import type { Format } from "../../lib/bindings/Format";
import { fieldError, useLoad } from "../../lib/hooks";
import { Field } from "../../components/ui";
import { errorOf, OutcomeBanner, PathField, toError, type Ops, type Outcome } from "./shared";

export function ExportCard(props: { ops: Ops }) {
  const tables = useLoad(() => dataApi.exportTables(), []);
  const [format, setFormat] = useState<Format>("csv");
  const [table, setTable] = useState("");
  const [dir, setDir] = useState("");
  const [outcome, setOutcome] = useState<Outcome>(null);
  const security = useLoad(() => securityApi.state(), [], ["settings"]);
  const encrypted = security.data?.encrypted ?? false;
  // An encrypted database's export is plain: the first click says so, the second writes.
  const [warned, setWarned] = useState(false);
  const err = errorOf(outcome);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setOutcome(null);
    if (!dir.trim()) {
      setOutcome({ error: invalid("dir", "folder: choose the folder to write into") });
      return;
    }
    if (encrypted && !warned) {
      setWarned(true);
      return;
    }
    setWarned(false);
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
      {encrypted && warned && (
        <div className="banner warn" role="alert" data-export-plain>
          This database is encrypted, but exported files are plain: anyone who can read them can read the data. Keep
          them somewhere safe, or delete them after use. Press Export again to write them.
        </div>
      )}
      <div className="buttons">
        <button type="submit" className="primary" disabled={!!props.ops.running} data-action="export">
          {encrypted && warned ? "Export anyway" : "Export"}
        </button>
      </div>
      <OutcomeBanner outcome={outcome} name="export" shownFields={["format", "table", "dir"]} />
    </form>
  );
}
