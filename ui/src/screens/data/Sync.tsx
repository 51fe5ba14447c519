// The Sync card: the change feed in a folder, and the push to PostgreSQL.
import { useState } from "react";
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
