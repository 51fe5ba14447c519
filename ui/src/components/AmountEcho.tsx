// Under an amount field: what the app will save, read back as it parses it
// ("1,234.50 USD"), or why it cannot read it, before anything is saved.
import { useEffect, useState } from "react";
import { api, ApiError } from "../lib/api";
import { groupedAmount, useCurrency } from "../lib/format";

export function AmountEcho(props: { field: string; text: string }) {
  const cur = useCurrency();
  const [shown, setShown] = useState<{ text: string; ok: boolean; line: string } | null>(null);
  useEffect(() => {
    const text = props.text.trim();
    if (text === "") return;
    let live = true;
    // Asked after a pause in typing, not at every key.
    const timer = window.setTimeout(() => {
      api.amountParse(props.field, text).then(
        (cents) => live && setShown({ text, ok: true, line: `${groupedAmount(cents)} ${cur}` }),
        (e: unknown) => live && setShown({ text, ok: false, line: e instanceof ApiError ? e.info.message : String(e) }),
      );
    }, 150);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [props.field, props.text, cur]);
  if (!shown || shown.text !== props.text.trim()) return null;
  return (
    <span
      className={shown.ok ? "amount-echo muted small" : "amount-echo small inline-error"}
      data-amount-echo={props.field}
    >
      {shown.ok ? `Reads as ${shown.line}` : shown.line}
    </span>
  );
}
