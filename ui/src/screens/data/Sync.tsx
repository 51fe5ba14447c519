// The Sync card: the change feed in a folder, and the two-way sync with
// PostgreSQL/Supabase (push, pull, compare) with its conflict log.
import { useState, type ReactNode } from "react";
import type { PullReport } from "../../lib/bindings/PullReport";
import type { PushReport } from "../../lib/bindings/PushReport";
import type { Comparison } from "../../lib/bindings/Comparison";
import { dataApi, invalid } from "../../lib/api";
import { dateTime } from "../../lib/format";
import { fieldError, useLoad } from "../../lib/hooks";
import { Field } from "../../components/ui";
import { errorOf, OutcomeBanner, PathField, toError, type Ops, type Outcome } from "./shared";

export function SyncCard(props: { ops: Ops }) {
  const status = useLoad(() => dataApi.syncStatus(), [], ["sync"]);
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
    } catch (e) {
      setFolderOutcome({ error: toError(e) });
    }
  };
  const needUrl = () => {
    if (url.trim()) return true;
    setPushOutcome({ error: invalid("postgres", "URL: type the PostgreSQL URL") });
    return false;
  };
  const push = async (dryRun: boolean) => {
    setPushOutcome(null);
    if (!needUrl()) return;
    try {
      const r = await props.ops.run(dryRun ? "Checking a push" : "Pushing to PostgreSQL", (op) =>
        dataApi.syncPush(url.trim(), dryRun, op),
      );
      setPushOutcome({ ok: <PushSummary r={r} /> });
    } catch (e) {
      setPushOutcome({ error: toError(e) });
    }
  };
  const pull = async (dryRun: boolean) => {
    setPushOutcome(null);
    if (!needUrl()) return;
    try {
      const r = await props.ops.run(dryRun ? "Checking a pull" : "Pulling from PostgreSQL", (op) =>
        dataApi.syncPull(url.trim(), dryRun, op),
      );
      setPushOutcome({ ok: <PullSummary r={r} /> });
    } catch (e) {
      setPushOutcome({ error: toError(e) });
    }
  };
  const compare = async () => {
    setPushOutcome(null);
    if (!needUrl()) return;
    try {
      const r = await props.ops.run("Comparing both sides", (op) => dataApi.syncCompare(url.trim(), op));
      setPushOutcome({ ok: <CompareTable comparison={r} /> });
    } catch (e) {
      setPushOutcome({ error: toError(e) });
    }
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    void push(false);
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
        <form onSubmit={submit}>
          <h4>PostgreSQL / Supabase</h4>
          <p className="muted small">
            Push sends the changes since the last push (missing tables are created, missing columns added, amounts
            converted to the server&apos;s column types). Pull brings in the applications, partners and leads created or
            changed there. The URL is not saved; answers name the server without the password.
          </p>
          <Field label="PostgreSQL URL" name="postgres" error={fieldError(pErr, "postgres")}>
            <input
              type="password"
              name="pg-url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="postgresql://user:password@host:5432/database?sslmode=require"
              autoComplete="off"
              spellCheck={false}
            />
          </Field>
          <div className="buttons">
            <button type="button" onClick={() => void push(true)} disabled={busy} data-action="sync-push-check">
              Check push
            </button>
            <button type="button" onClick={() => void compare()} disabled={busy} data-action="sync-compare">
              Compare
            </button>
            <button type="button" onClick={() => void pull(false)} disabled={busy} data-action="sync-pull">
              Pull
            </button>
            <button type="submit" className="primary" disabled={busy} data-action="sync-push">
              Push
            </button>
          </div>
          <OutcomeBanner outcome={pushOutcome} name="sync-push" shownFields={["postgres"]} />
        </form>
      </div>
      <ConflictLog />
    </div>
  );
}

function PushSummary(props: { r: PushReport }) {
  const { r } = props;
  const changes: ReactNode[] = [
    ...r.created_tables.map((t) => (
      <li key={`t-${t}`}>
        {r.dry_run ? "would create" : "created"} table {t}
      </li>
    )),
    ...r.added_columns.map((c) => (
      <li key={`c-${c}`}>
        {r.dry_run ? "would add" : "added"} column {c}
      </li>
    )),
  ];
  return (
    <div data-push-report>
      {r.dry_run ? "A push would send" : "Pushed"} {r.rows.toLocaleString()} rows (
      {r.full ? "everything" : "the changes"}) to <code>{r.target}</code>
      {r.dry_run ? "; nothing was written." : "."}
      {changes.length > 0 && <ul className="small">{changes}</ul>}
      {r.tables.length > 0 && (
        <p className="small muted">{r.tables.map((t) => `${t.table} ${t.rows.toLocaleString()}`).join(" · ")}</p>
      )}
    </div>
  );
}

function PullSummary(props: { r: PullReport }) {
  const { r } = props;
  return (
    <div data-pull-report>
      {r.dry_run ? "A pull would take" : "Pulled"} from <code>{r.target}</code>: {r.created} new, {r.updated} updated,{" "}
      {r.unchanged} unchanged, {r.conflicts.length} conflict(s), {r.bad_rows.length} refused
      {r.dry_run ? "; nothing was kept." : "."}
      {r.bad_rows.length > 0 && (
        <ul className="small" data-pull-refused>
          {r.bad_rows.map((b) => (
            <li key={`${b.table}-${b.id}`}>
              {b.table} <code>{b.id}</code>
              {b.field ? ` (${b.field})` : ""}: {b.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function CompareTable(props: { comparison: Comparison }) {
  const cents = (v: number | null) =>
    v === null ? "–" : (v / 100).toLocaleString(undefined, { minimumFractionDigits: 2 });
  return (
    <div data-compare>
      <p>{props.comparison.equal ? "Both sides hold the same rows." : "The sides differ: pull, then push."}</p>
      <table className="table small">
        <thead>
          <tr>
            <th>Table</th>
            <th className="num">Here</th>
            <th className="num">There</th>
            <th className="num">Money here</th>
            <th className="num">Money there</th>
            <th>Same</th>
          </tr>
        </thead>
        <tbody>
          {props.comparison.tables.map((t) => (
            <tr key={t.table} data-compare-table={t.table} data-equal={t.equal ? "yes" : "no"}>
              <td>{t.table}</td>
              <td className="num">{t.local_rows.toLocaleString()}</td>
              <td className="num">{t.remote_rows === null ? "missing" : t.remote_rows.toLocaleString()}</td>
              <td className="num">{cents(t.local_cents)}</td>
              <td className="num">{cents(t.remote_cents)}</td>
              <td>{t.equal ? "yes" : "no"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Records changed on both sides between syncs: who won, and the other side's image. */
function ConflictLog() {
  const list = useLoad(() => dataApi.syncConflicts(50), [], ["sync"]);
  const rows = list.data ?? [];
  return (
    <div data-conflicts>
      <h4>Sync conflicts</h4>
      {rows.length === 0 ? (
        <p className="muted small">
          No conflicts. A record changed both here and on the server between two syncs is listed here: the newer change
          wins and the other is kept.
        </p>
      ) : (
        <table className="table small">
          <thead>
            <tr>
              <th>Detected</th>
              <th>Record</th>
              <th>Kept</th>
              <th>Outvoted side</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.id} data-conflict={c.record_id}>
                <td>{dateTime(c.detected_at)} UTC</td>
                <td>
                  {c.table} <code>{c.record_id}</code>
                </td>
                <td>{c.winner === "remote" ? "the server's change" : "this desk's change"}</td>
                <td>
                  <code className="wrap">{c.winner === "remote" ? c.local_image : c.remote_image}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
