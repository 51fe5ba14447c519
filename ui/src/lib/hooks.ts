import { useCallback, useEffect, useState, type DependencyList } from "react";
import { ApiError } from "./api";
import { useTags, type Tag } from "./invalidate";

const NO_TAGS: readonly Tag[] = [];

/** The same dependencies (each compared as useEffect does). */
function same(a: readonly unknown[] | null, b: readonly unknown[]): boolean {
  return a !== null && a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

/**
 * Load data with `fn` whenever `deps` change, and again whenever one of `tags`
 * is invalidated (a command changed that data: lib/invalidate.ts); `reload()`
 * loads again. Only the newest load's answer is kept; the data shown stays
 * until the next answer, and `loading` says a newer one is on its way.
 */
export function useLoad<T>(fn: () => Promise<T>, deps: DependencyList, tags: readonly Tag[] = NO_TAGS) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [answered, setAnswered] = useState<readonly unknown[] | null>(null);
  const [reloads, setReloads] = useState(0);
  const version = useTags(tags);
  const key = [...deps, version, reloads];
  useEffect(
    () => {
      let live = true;
      fn().then(
        (d) => {
          if (live) {
            setData(d);
            setError(null);
            setAnswered(key);
          }
        },
        (e: unknown) => {
          if (live) {
            setError(e instanceof ApiError ? e : new ApiError({ kind: "io", field: null, message: String(e) }));
            setAnswered(key);
          }
        },
      );
      return () => {
        live = false;
      };
    },
    // The caller's `deps` stand for `fn` (they are checked at each call site: eslint.config.js
    // names useLoad to the exhaustive-deps rule), then the tags' version and reload().
    // eslint-disable-next-line react-hooks/exhaustive-deps
    key,
  );
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { data, error, loading: !same(answered, key), reload };
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
