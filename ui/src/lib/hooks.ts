import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "./api";

/** Load data with `fn` whenever `deps` change; `reload()` loads again. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const load = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    fn().then(
      (d) => {
        if (mine === seq.current) {
          setData(d);
          setError(null);
          setLoading(false);
        }
      },
      (e: unknown) => {
        if (mine === seq.current) {
          setError(e instanceof ApiError ? e : new ApiError({ kind: "io", field: null, message: String(e) }));
          setLoading(false);
        }
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(load, [load]);
  return { data, error, loading, reload: load };
}

/** Run one user action, keeping its error (shown next to its field) until the next try. */
export function useAction() {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError({ kind: "io", field: null, message: String(e) }));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { error, busy, run, setError };
}

/** The core's message when it names this field (or one of these fields). */
export function fieldError(error: ApiError | null, ...fields: string[]): string | null {
  if (!error || !error.field) return null;
  return fields.includes(error.field) ? error.message : null;
}

/** The message when it belongs to no field shown in the form. */
export function formError(error: ApiError | null, shownFields: string[]): string | null {
  if (!error) return null;
  if (error.field && shownFields.includes(error.field)) return null;
  return error.message;
}

/** Debounced copy of a value (search boxes). */
export function useDebounced<T>(value: T, ms = 200): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}
