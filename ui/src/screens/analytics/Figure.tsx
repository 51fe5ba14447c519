// One chart of the Analytics screen with its numbers, and its save actions.
import { useEffect, useEffectEvent, useRef, useState, type FormEvent, type ReactNode } from "react";
import DOMPurify from "dompurify";
import { save as saveDialog } from "@tauri-apps/plugin-dialog";
import { analyticsApi, ApiError } from "../../lib/api";
import type { ScreenChart } from "../../lib/bindings/ScreenChart";
import type { ScreenRequest } from "../../lib/bindings/ScreenRequest";
import type { Theme } from "../../lib/bindings/Theme";
import { useWidth } from "./hooks";

/** The size of a saved chart (the on-screen one follows the window). */
export const SAVE_SIZE: [number, number] = [1280, 720];

/**
 * One chart with its numbers: the SVG from the core (for this request, theme
 * and width), a table, toggles for each, the save actions and the formula.
 */
export function Figure(props: {
  kind: ScreenChart;
  title: string;
  req: ScreenRequest;
  theme: Theme;
  version: number;
  table: ReactNode;
  formula: string;
  height?: (width: number) => number;
}) {
  const [showChart, setShowChart] = useState(true);
  const [showTable, setShowTable] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const height = Math.round(props.height ? props.height(width) : Math.max(260, Math.min(480, width * 0.45)));
  const [svg, setSvg] = useState<{ html: string; key: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Redraw only when what this chart shows changes.
  const r = props.req;
  const depends =
    props.kind === "cohorts"
      ? [r.measure, r.from, r.to]
      : props.kind === "forecast"
        ? [r.horizon]
        : props.kind === "snapshots"
          ? [props.version]
          : [];
  const key = JSON.stringify([props.kind, depends, props.theme, width, height]);
  const draw = useEffectEvent((live: () => boolean) => {
    analyticsApi.chart(props.kind, props.req, props.theme, width, height).then(
      (text) => {
        if (!live()) return;
        setSvg({ html: DOMPurify.sanitize(text, { USE_PROFILES: { svg: true } }), key });
        setError(null);
      },
      (e: unknown) => live() && setError(e instanceof ApiError ? e.message : String(e)),
    );
  });
  useEffect(() => {
    if (!showChart || width === 0) return;
    let live = true;
    draw(() => live);
    return () => {
      live = false;
    };
  }, [key, showChart, width]);
  const toggle = (which: "chart" | "table") => {
    // One of the two stays shown.
    if (which === "chart") {
      setShowChart(!showChart);
      if (showChart && !showTable) setShowTable(true);
    } else {
      setShowTable(!showTable);
      if (showTable && !showChart) setShowChart(true);
    }
  };
  const [saveW, saveH] = props.height ? [SAVE_SIZE[0], Math.round(props.height(SAVE_SIZE[0]))] : SAVE_SIZE;
  return (
    <figure className="figure" data-figure={props.kind}>
      <figcaption className="figure-head">
        <strong>{props.title}</strong>
        <div className="segmented" role="group" aria-label={`Show the ${props.title.toLowerCase()} as`}>
          <button
            aria-pressed={showChart}
            className={showChart ? "on" : undefined}
            onClick={() => toggle("chart")}
            data-toggle="chart"
          >
            Chart
          </button>
          <button
            aria-pressed={showTable}
            className={showTable ? "on" : undefined}
            onClick={() => toggle("table")}
            data-toggle="table"
          >
            Table
          </button>
        </div>
        <SaveChart kind={props.kind} req={props.req} theme={props.theme} size={[saveW, Math.min(8000, saveH)]} />
      </figcaption>
      <div ref={box} className="figure-body">
        {showChart && (
          <div className="chart-box" style={{ minHeight: height }}>
            {error ? (
              <div className="banner error" role="alert">
                {error}
              </div>
            ) : svg ? (
              <div
                className="chart"
                role="img"
                aria-label={props.title}
                data-chart={props.kind}
                data-ready={svg.key === key ? "true" : "false"}
                dangerouslySetInnerHTML={{ __html: svg.html }}
              />
            ) : (
              <p className="muted">Drawing…</p>
            )}
          </div>
        )}
        {showTable && <div className="figure-table">{props.table}</div>}
      </div>
      <p className="formula" data-formula={props.kind}>
        <span className="muted">Formula:</span> <code>{props.formula}</code>
      </p>
    </figure>
  );
}

/**
 * "Save chart…" opens the native save dialog and saves to the chosen file.
 * "Type a path…" opens a small form for a typed path (the route keyboard
 * users, scripts and the end-to-end tests take; WebDriver cannot drive
 * native dialogs); a path chosen in the dialog is shown there too.
 */
export function SaveChart(props: { kind: ScreenChart; req: ScreenRequest; theme: Theme; size: [number, number] }) {
  const [open, setOpen] = useState(false);
  const [path, setPath] = useState("");
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const k = props.kind;
  const doSave = async (p: string) => {
    setBusy(true);
    setStatus(null);
    try {
      await analyticsApi.chartSave(k, props.req, props.theme, props.size[0], props.size[1], p);
      setStatus({ ok: true, text: `Saved to ${p}` });
    } catch (e) {
      setStatus({ ok: false, text: e instanceof ApiError ? e.message : String(e) });
      setOpen(true);
    } finally {
      setBusy(false);
    }
  };
  const browse = async () => {
    let chosen: string | null;
    try {
      chosen = await saveDialog({
        title: "Save chart",
        defaultPath: path || `${k}.png`,
        filters: [
          { name: "PNG image", extensions: ["png"] },
          { name: "SVG image", extensions: ["svg"] },
        ],
      });
    } catch (e) {
      setOpen(true);
      setStatus({ ok: false, text: `The save dialog is not available (${String(e)}); type a path instead.` });
      return;
    }
    if (!chosen) return;
    setPath(chosen);
    await doSave(chosen);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void doSave(path.trim());
  };
  return (
    <div className="save-chart">
      <button onClick={browse} disabled={busy} data-action={`save-${k}`}>
        Save chart…
      </button>
      <button
        className="link small"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        data-testid={`save-path-open-${k}`}
      >
        Type a path…
      </button>
      {open && (
        <form className="save-popover" onSubmit={submit} data-testid={`save-form-${k}`}>
          <label>
            <span className="small muted">Full path ending in .png or .svg</span>
            <input
              value={path}
              onChange={(e) => setPath(e.target.value)}
              placeholder={`/home/me/${k}.png`}
              size={40}
              data-testid={`save-path-${k}`}
              autoFocus
            />
          </label>
          <div className="buttons">
            <button type="button" onClick={() => setOpen(false)}>
              Close
            </button>
            <button
              className="primary"
              type="submit"
              disabled={busy || path.trim() === ""}
              data-testid={`save-submit-${k}`}
            >
              Save
            </button>
          </div>
        </form>
      )}
      {status && (
        <span
          className={status.ok ? "ok small" : "inline-error small"}
          role="status"
          data-testid={`save-status-${k}`}
          data-ok={status.ok}
        >
          {status.text}
        </span>
      )}
    </div>
  );
}
