import { useState } from "react";
import { api } from "../lib/api";
import type { Partner } from "../lib/bindings/Partner";
import { useDebounced, useLoad } from "../lib/hooks";

/** Pick a partner by typing part of the name, e-mail or company. */
export function PartnerPicker(props: {
  value: Partner | null;
  onChange: (p: Partner | null) => void;
  activeOnly?: boolean;
}) {
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 150);
  const found = useLoad(
    () =>
      q
        ? api.partners({
            search: q,
            status: props.activeOnly ? "active" : null,
            tier: null,
            sort: "name",
            desc: false,
            limit: 8,
            offset: 0,
          })
        : Promise.resolve(null),
    [q, props.activeOnly],
  );
  if (props.value)
    return (
      <div className="picked">
        <strong>{props.value.name}</strong> <span className="muted">{props.value.email}</span>{" "}
        <button type="button" className="link" onClick={() => props.onChange(null)}>
          change
        </button>
      </div>
    );
  return (
    <div className="picker">
      <input
        name="partner_search"
        placeholder="Type a partner's name, e-mail or company"
        value={text}
        onChange={(e) => setText(e.target.value)}
        autoComplete="off"
      />
      {found.data && (
        <ul className="options" role="listbox">
          {found.data.items.length === 0 && (
            <li className="muted">No {props.activeOnly ? "active " : ""}partner matches.</li>
          )}
          {found.data.items.map((p) => (
            <li key={p.id}>
              <button
                type="button"
                role="option"
                aria-selected={false}
                onClick={() => props.onChange(p)}
                data-partner-option={p.name}
              >
                {p.name} <span className="muted">{p.company ?? p.email}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
