import { useState } from "react";
import { automationApi } from "../../lib/api";
import type { AutomationRule } from "../../lib/bindings/AutomationRule";
import { dateTime, label } from "../../lib/format";
import { fieldError, useAction, useLoad } from "../../lib/hooks";

/** The timed rules: on or off, their days (and the checklist's items), last and next firing. */
export function Rules() {
  const rules = useLoad(() => automationApi.rules(), [], ["settings", "tasks"]);
  if (rules.error) return <div className="banner error">{rules.error.message}</div>;
  return (
    <div className="card" data-section="rules">
      <table className="table" aria-label="Rules">
        <thead>
          <tr>
            <th>Rule</th>
            <th>On</th>
            <th>Days</th>
            <th>Last fired</th>
            <th>Next</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rules.data?.map((r) => (
            <RuleRow key={r.name} rule={r} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RuleRow(props: { rule: AutomationRule }) {
  const r = props.rule;
  const [days, setDays] = useState(String(r.days ?? ""));
  const [items, setItems] = useState((r.items ?? []).join(", "));
  const act = useAction();
  const save = (enabled: boolean | null) =>
    act.run(() =>
      automationApi.ruleSet(
        r.name,
        enabled,
        days.trim() === "" ? null : Number(days),
        r.items ? items.split(",").map((s) => s.trim()) : null,
      ),
    );
  return (
    <tr data-rule={r.name}>
      <td>
        <strong>{label(r.name)}</strong>
        <div className="muted">{r.description}</div>
        {r.items && (
          <input
            aria-label="Checklist items"
            value={items}
            onChange={(e) => setItems(e.target.value)}
            title="The checklist's items, comma-separated"
          />
        )}
        {fieldError(act.error, "items") && <span className="field-error">{act.error?.message}</span>}
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`${label(r.name)} on`}
          checked={r.enabled}
          disabled={act.busy}
          onChange={(e) => void save(e.target.checked)}
        />
      </td>
      <td>
        <input
          className="narrow"
          aria-label="Days"
          inputMode="numeric"
          value={days}
          onChange={(e) => setDays(e.target.value)}
        />
        {fieldError(act.error, "days") && <span className="field-error">{act.error?.message}</span>}
      </td>
      <td>{r.last_fired_at ? dateTime(r.last_fired_at) : "never"}</td>
      <td>{r.next_firing_at ? dateTime(r.next_firing_at) : "–"}</td>
      <td>
        <button disabled={act.busy} onClick={() => void save(null)}>
          Save
        </button>
        {act.error && !act.error.field && <span className="inline-error">{act.error.message}</span>}
      </td>
    </tr>
  );
}
