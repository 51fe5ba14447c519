import { useState } from "react";
import { useSearchParams } from "react-router";
import { api, ApiError } from "../lib/api";
import type { AuditVerification } from "../lib/bindings/AuditVerification";
import type { Entity } from "../lib/bindings/Entity";
import { ENTITIES } from "../lib/enums";
import { dateTime, label } from "../lib/format";
import { useDebounced, useLoad } from "../lib/hooks";
import { Empty } from "../components/ui";

const LIMIT = 100;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The fields that changed between before and after, or every field of a create/delete. */
function Changes(props: { before: Json | null; after: Json | null }) {
  const obj = (v: Json | null) => (v && typeof v === "object" && !Array.isArray(v) ? v : null);
  const b = obj(props.before);
  const a = obj(props.after);
  const show = (v: Json | undefined) =>
    v === undefined || v === null ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v);
  if (!b && !a) {
    const v = props.after ?? props.before;
    return <code>{v === null ? "" : JSON.stringify(v)}</code>;
  }
  const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])];
  const changed = b && a ? keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])) : keys;
  return (
    <table className="changes">
      <tbody>
        {changed.map((k) => (
          <tr key={k}>
            <th>{k}</th>
            {b && <td className="before">{show(b[k])}</td>}
            {b && a && <td>→</td>}
            {a && <td className="after">{show(a[k])}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The "Verify" button: walks the hash chain and says whether it holds, or names the first row that does not. */
function VerifyChain() {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<AuditVerification | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.auditVerify());
    } catch (e) {
      setResult(null);
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button onClick={run} disabled={busy} data-audit-verify>
        {busy ? "Verifying…" : "Verify chain"}
      </button>
      {error && <div className="banner error">{error}</div>}
      {result?.ok && (
        <div className="banner ok-banner" role="status" data-result="audit-verify">
          The audit log is intact: {result.rows} rows checked
          {result.head_seq !== null && <>, chain head row {result.head_seq}</>}.
        </div>
      )}
      {result && !result.ok && (
        <div className="banner error" role="alert" data-result="audit-verify">
          The audit log does not verify: {result.problem?.message}
        </div>
      )}
    </>
  );
}

export function AuditScreen() {
  const [params] = useSearchParams();
  const [entity, setEntity] = useState<Entity | "">((params.get("entity") as Entity | null) ?? "");
  const [idText, setIdText] = useState(params.get("id") ?? "");
  const id = useDebounced(idText.trim(), 250);
  const [offset, setOffset] = useState(0);
  const list = useLoad(() => api.audit(entity || null, id || null, LIMIT, offset), [entity, id, offset], ["audit"]);
  return (
    <section className="screen" data-screen="audit">
      <header className="screen-head">
        <h1>Audit log</h1>
        <div className="toolbar">
          <select
            aria-label="Entity"
            value={entity}
            onChange={(e) => (setEntity(e.target.value as Entity | ""), setOffset(0))}
          >
            <option value="">Every kind of record</option>
            {ENTITIES.map((e) => (
              <option key={e} value={e}>
                {label(e)}
              </option>
            ))}
          </select>
          <input
            type="search"
            data-search
            aria-label="Record id"
            placeholder="Record id ( / )"
            value={idText}
            onChange={(e) => (setIdText(e.target.value), setOffset(0))}
          />
        </div>
      </header>
      <VerifyChain />
      {list.error && <div className="banner error">{list.error.message}</div>}
      {list.data && list.data.length === 0 ? (
        <Empty title="No change recorded for this filter.">Every change made in the app or the CLI appears here.</Empty>
      ) : (
        <table className="table audit" aria-label="Audit log">
          <thead>
            <tr>
              <th>When</th>
              <th>Record</th>
              <th>Action</th>
              <th>Change</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.map((e) => (
              <tr key={e.seq}>
                <td className="nowrap">{dateTime(e.at)}</td>
                <td className="nowrap">
                  {e.entity} <code title={e.entity_id}>{e.entity_id.slice(0, 8)}</code>
                </td>
                <td>{e.action}</td>
                <td>
                  <Changes before={e.before as Json | null} after={e.after as Json | null} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - LIMIT))}>
          ‹ Newer
        </button>
        <button disabled={(list.data?.length ?? 0) < LIMIT} onClick={() => setOffset(offset + LIMIT)}>
          Older ›
        </button>
      </div>
    </section>
  );
}
