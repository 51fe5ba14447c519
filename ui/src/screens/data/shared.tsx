// Pieces the cards of the Data screen (and the recovery screen) share: long
// operations run one at a time with a progress bar and Cancel, the outcome
// banner under a section, and a path field with a Browse… button.
import { useCallback, useRef, useState, type ReactNode } from "react";
import { ApiError, browse, dataApi, newOp, type Browse, type Op, type Progress } from "../../lib/api";
import { formError } from "../../lib/hooks";
import { Field } from "../../components/ui";

export type Running = { id: number; label: string; progress: Progress | null; cancelling: boolean };

/** Run long operations one at a time; `running` feeds the progress bar. */
export function useLongOps() {
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

export type Ops = ReturnType<typeof useLongOps>;

export function ProgressBar(props: { running: Running; onCancel: () => void }) {
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
export type Outcome = { ok: ReactNode } | { error: ApiError } | null;

export function toError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError({ kind: "io", field: null, message: String(e) });
}

export function OutcomeBanner(props: { outcome: Outcome; name: string; shownFields?: string[] }) {
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

export function errorOf(o: Outcome): ApiError | null {
  return o && "error" in o ? o.error : null;
}

/** A path typed by the user, with a Browse… button that fills it from the native dialog. */
export function PathField(props: {
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

export function size(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
