import { useState } from "react";
import { api } from "../../lib/api";
import type { Partner } from "../../lib/bindings/Partner";
import { money, percent, useCurrency } from "../../lib/format";
import { fieldError, formError, useAction, useLoad } from "../../lib/hooks";
import { Field, FormError } from "../../components/ui";

/**
 * The partner's rules: their group (which tier table applies), the override in
 * force (it comes before any tier rate) and a form to set or clear it.
 */
export function PartnerRules(props: { partner: Partner }) {
  const p = props.partner;
  const cur = useCurrency();
  const rules = useLoad(() => api.partnerRules(p.id), [p.id], ["partners", "settings"]);
  const groups = useLoad(() => api.groups(), [], ["settings"]);
  const act = useAction();
  const [kind, setKind] = useState<"rate" | "flat">("rate");
  const [value, setValue] = useState("");
  const [until, setUntil] = useState("");
  const o = rules.data?.override_in_force ?? null;

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    await act.run(async () => {
      const parsed = await api.amountParse(kind, value);
      await api.partnerSetOverride(p.id, {
        rate_bp: kind === "rate" ? parsed : null,
        flat: kind === "flat" ? parsed : null,
        until: until || null,
        from: null,
        scope: null,
      });
      setValue("");
      setUntil("");
    });
  };

  return (
    <div className="card" data-card="partner-rules">
      <h3>Commission rules</h3>
      {rules.error && <div className="banner error">{rules.error.message}</div>}
      <dl className="props">
        <dt>Group</dt>
        <dd>
          <select
            aria-label="Set group"
            value={p.group_id}
            onChange={(e) => act.run(() => api.partnerSetGroup(p.id, e.target.value))}
          >
            {groups.data?.map((g) => (
              <option key={g.group.id} value={g.group.id}>
                {g.group.name}
              </option>
            ))}
          </select>
        </dd>
        <dt>Tier table</dt>
        <dd data-tier-table>
          {rules.data &&
            `${rules.data.in_force.kind === "group_tier" ? "the group's own" : "the default"}, version ${rules.data.in_force.version}`}
        </dd>
        <dt>Override</dt>
        <dd data-override>
          {o
            ? `${o.override_rate !== null ? percent(o.override_rate) : `${money(o.override_flat ?? 0, cur)} per won deal`}` +
              ` (version ${o.version}, from ${o.effective_from}${o.override_until ? ` until ${o.override_until}` : ""})`
            : "none"}
          {o && (
            <button type="button" className="link" onClick={() => act.run(() => api.partnerClearOverride(p.id))}>
              Clear
            </button>
          )}
        </dd>
      </dl>
      <p className="muted">
        Which rule pays a won deal: the override, else the group&apos;s tier rate, else the default.
      </p>
      {rules.data && rules.data.override_versions.length > 0 && (
        <ul className="list" aria-label="Override versions">
          {rules.data.override_versions.map((v) => (
            <li key={v.version} data-version={v.version}>
              Version {v.version} from {v.effective_from}:{" "}
              {v.override_rate !== null
                ? percent(v.override_rate)
                : v.override_flat !== null
                  ? `${money(v.override_flat, cur)} per won deal`
                  : "cleared"}
              {v.override_until ? ` until ${v.override_until}` : ""}
              {v.scope === "pending" ? " (also re-rated pending commissions)" : ""}
            </li>
          ))}
        </ul>
      )}
      <form className="inline-form" onSubmit={save} aria-label="Set override">
        <select aria-label="Override kind" value={kind} onChange={(e) => setKind(e.target.value as "rate" | "flat")}>
          <option value="rate">Rate (%)</option>
          <option value="flat">Flat per won deal</option>
        </select>
        <Field label={kind === "rate" ? "Rate %" : "Amount"} name={kind} error={fieldError(act.error, kind)}>
          <input name={kind} value={value} onChange={(e) => setValue(e.target.value)} />
        </Field>
        <Field label="Until (optional)" name="until" error={fieldError(act.error, "until")}>
          <input name="until" type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
        </Field>
        <button type="submit" disabled={act.busy || !value}>
          Set override
        </button>
      </form>
      <FormError message={formError(act.error, [kind, "until"])} />
      <Bonus partner={p} />
    </div>
  );
}

/** A one-off bonus (positive) or adjustment (negative) with its reason, not tied to a lead. */
function Bonus(props: { partner: Partner }) {
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const act = useAction();
  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    // A leading minus makes an adjustment; the amount itself is read by core's parser.
    const text = amount.trim();
    const negative = text.startsWith("-");
    const done = await act.run(async () => {
      const cents = await api.amountParse("amount", negative ? text.slice(1) : text);
      return api.commissionBonus(props.partner.id, negative ? -cents : cents, reason);
    });
    if (done) {
      setAmount("");
      setReason("");
    }
  };
  return (
    <form className="inline-form" onSubmit={add} aria-label="Bonus or adjustment">
      <Field
        label="Bonus or adjustment"
        name="amount"
        error={fieldError(act.error, "amount")}
        hint="negative to correct"
      >
        <input name="amount" value={amount} onChange={(e) => setAmount(e.target.value)} />
      </Field>
      <Field label="Reason" name="reason" error={fieldError(act.error, "reason")}>
        <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      </Field>
      <button type="submit" disabled={act.busy || !amount}>
        Add
      </button>
      <FormError message={formError(act.error, ["amount", "reason"])} />
    </form>
  );
}
