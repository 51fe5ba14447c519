// What the charts of the Analytics screen are drawn for: the OS colour scheme and the width on screen.
import { useEffect, useMemo, useState, type RefObject } from "react";
import type { Theme } from "../../lib/bindings/Theme";

/** The OS colour scheme, following changes while the screen is open. */
export function useTheme(): Theme {
  const query = useMemo(() => window.matchMedia("(prefers-color-scheme: dark)"), []);
  const [dark, setDark] = useState(query.matches);
  useEffect(() => {
    const on = (e: MediaQueryListEvent) => setDark(e.matches);
    query.addEventListener("change", on);
    return () => query.removeEventListener("change", on);
  }, [query]);
  return dark ? "dark" : "light";
}

/** The width of an element in steps of 40 px (so resizing redraws rarely). */
export function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [w, setW] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let t: ReturnType<typeof setTimeout> | undefined;
    const measure = () => setW(Math.max(400, Math.min(1600, Math.floor(el.clientWidth / 40) * 40)));
    measure();
    const ro = new ResizeObserver(() => {
      clearTimeout(t);
      t = setTimeout(measure, 150);
    });
    ro.observe(el);
    return () => {
      clearTimeout(t);
      ro.disconnect();
    };
  }, [ref]);
  return w;
}
