// How the Analytics screen writes shares, plain numbers and forecast model names.

export const pct = (v: number | null | undefined, digits = 1) => (v == null ? "—" : `${(v * 100).toFixed(digits)}%`);
export const num = (v: number | null | undefined, digits: number) => (v == null ? "—" : v.toFixed(digits));

export const MODEL_NAMES: Record<string, string> = {
  seasonal_naive: "Seasonal naive",
  holt: "Holt",
  holt_winters: "Holt-Winters",
};
export const MODELS = ["seasonal_naive", "holt", "holt_winters"];
