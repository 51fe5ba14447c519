// Display helpers. Amounts are integer cents in the database currency.
import { createContext, useContext } from "react";

export const CurrencyContext = createContext<string>("USD");

export function useCurrency(): string {
  return useContext(CurrencyContext);
}

const formatters = new Map<string, Intl.NumberFormat>();

export function money(cents: number, currency: string): string {
  let f = formatters.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat(undefined, { style: "currency", currency });
    } catch {
      f = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    formatters.set(currency, f);
  }
  return f.format(cents / 100);
}

/** Cents as the plain decimal a user types back ("1234.50"). */
export function plainAmount(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const a = Math.abs(cents);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

export function percent(bp: number): string {
  return `${(bp / 100).toFixed(2).replace(/\.?0+$/, "")}%`;
}

export function date(rfc3339: string | null | undefined): string {
  if (!rfc3339) return "";
  return rfc3339.slice(0, 10);
}

export function dateTime(rfc3339: string | null | undefined): string {
  if (!rfc3339) return "";
  return `${rfc3339.slice(0, 10)} ${rfc3339.slice(11, 16)}`;
}

export function label(snake: string): string {
  const s = snake.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** Cents as the app reads amounts back: "1,234.50" (a comma between groups of three, a dot for decimals). */
export function groupedAmount(cents: number): string {
  const plain = plainAmount(cents);
  const [whole, frac] = plain.replace("-", "").split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${cents < 0 ? "-" : ""}${grouped}.${frac}`;
}

/** "group tier · v2 · silver": the rule behind a commission ("why this rate"). */
export function ruleLabel(rule: { kind: string; version: number | null; tier: string | null }): string {
  return [rule.kind.replace("_", " "), rule.version ? `v${rule.version}` : null, rule.tier].filter(Boolean).join(" · ");
}
