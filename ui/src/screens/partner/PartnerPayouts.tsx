// The partner page's payout card: the payable balance (approved, net of
// clawbacks and adjustments), what is pending in its hold, what was paid,
// what the last run carried forward, and the tax form on file (editable).
import { useState } from "react";
import { payoutsApi } from "../../lib/api";
import type { Partner } from "../../lib/bindings/Partner";
import type { PartnerTax } from "../../lib/bindings/PartnerTax";
import type { TaxForm } from "../../lib/bindings/TaxForm";
import { TAX_FORMS } from "../../lib/enums";
import { date, money, useCurrency } from "../../lib/format";
import { fieldError, useAction, useLoad } from "../../lib/hooks";
import { Field } from "../../components/ui";

const FORM_NAMES: Record<TaxForm, string> = { none: "None", w9: "W-9", w8ben: "W-8BEN", other: "Other" };

export function PartnerPayouts(props: { partner: Partner }) {
  const cur = useCurrency();
  const b = useLoad(
    () => payoutsApi.balance(props.partner.id),
    [props.partner.id],
    ["partners", "commissions", "payouts"],
  );
  if (b.error) return <div className="banner error">{b.error.message}</div>;
  if (!b.data) return null;
  const d = b.data;
  return (
    <div className="columns">
      <div className="card" data-card="balance">
        <h3>Balance</h3>
        <dl className="props">
          <dt>Payable balance</dt>
          <dd className="num" data-balance>
            {money(d.balance, cur)} <span className="muted">({d.approved_count} approved)</span>
          </dd>
          <dt>Payout minimum</dt>
          <dd className="num">{money(d.minimum, cur)}</dd>
          <dt>Pending</dt>
          <dd className="num">
            {money(d.pending, cur)}{" "}
            <span className="muted">
              ({d.pending_count}; {d.hold_days > 0 ? `hold of ${d.hold_days} days` : "approval by hand"})
            </span>
          </dd>
          <dt>Paid</dt>
          <dd className="num">{money(d.paid, cur)}</dd>
          <dt>Carried forward</dt>
          <dd className="num" data-carried>
            {money(d.carried_forward, cur)}
            {d.last_run_at && <span className="muted"> (run of {date(d.last_run_at)})</span>}
          </dd>
        </dl>
      </div>
      <TaxCard tax={d.tax} />
    </div>
  );
}

function TaxCard(props: { tax: PartnerTax }) {
  const t = props.tax;
  const [form, setForm] = useState<TaxForm>(t.tax_form);
  const [received, setReceived] = useState(t.tax_form_received ?? "");
  const [taxId, setTaxId] = useState(t.tax_id ?? "");
  const act = useAction();
  return (
    <form
      className="card"
      data-card="tax"
      onSubmit={(e) => {
        e.preventDefault();
        act.run(() => payoutsApi.setTax(t.partner_id, form, received.trim(), taxId.trim()));
      }}
    >
      <h3>Tax form</h3>
      <p className="muted small" data-tax-status>
        On file: {FORM_NAMES[t.tax_form]}
        {t.tax_form_received && `, received ${t.tax_form_received}`}
        {t.tax_id && ` · tax id ${t.tax_id}`}
      </p>
      <div className="form">
        <Field label="Form" name="form" error={fieldError(act.error, "form")}>
          <select name="form" value={form} onChange={(e) => setForm(e.target.value as TaxForm)}>
            {TAX_FORMS.map((f) => (
              <option key={f} value={f}>
                {FORM_NAMES[f]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Received (YYYY-MM-DD)" name="received" error={fieldError(act.error, "received")}>
          <input
            name="received"
            value={received}
            placeholder="2026-01-31"
            onChange={(e) => setReceived(e.target.value)}
          />
        </Field>
        <Field label="Tax id" name="tax_id" error={fieldError(act.error, "tax_id")}>
          <input name="tax_id" value={taxId} onChange={(e) => setTaxId(e.target.value)} />
        </Field>
      </div>
      {act.error && !["form", "received", "tax_id"].includes(act.error.field ?? "") && (
        <div className="banner error" role="alert">
          {act.error.message}
        </div>
      )}
      <div className="buttons">
        <button type="submit" className="primary" disabled={act.busy} data-action="save-tax">
          Save tax form
        </button>
      </div>
    </form>
  );
}
