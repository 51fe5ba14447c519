// The "New lead" form, with its likely-duplicate notice.
import { useEffect, useState } from "react";
import { AmountEcho } from "../../components/AmountEcho";
import { Link } from "react-router";
import { api, invalid } from "../../lib/api";
import type { Lead } from "../../lib/bindings/Lead";
import type { Partner } from "../../lib/bindings/Partner";
import { label, useCurrency } from "../../lib/format";
import { fieldError, formError, useAction } from "../../lib/hooks";
import { Field, FormError, Modal } from "../../components/ui";
import { PartnerPicker } from "../../components/PartnerPicker";

export const LEAD_FIELDS = [
  "description",
  "partner_id",
  "client_name",
  "client_email",
  "client_phone",
  "business_name",
  "project_description",
  "estimated_value",
];

export function NewLeadForm(props: { partnerId: string; onClose: () => void }) {
  const [partner, setPartner] = useState<Partner | null>(null);
  const [f, setF] = useState({
    client_name: "",
    client_email: "",
    client_phone: "",
    business_name: "",
    project_description: "",
    estimated_value: "",
  });
  const [duplicate, setDuplicate] = useState<{ saved: Lead; of: Lead | null; conflict: boolean } | null>(null);
  const act = useAction();
  const cur = useCurrency();
  useEffect(() => {
    if (props.partnerId)
      api.partner(props.partnerId).then(
        (d) => setPartner(d.partner),
        () => undefined,
      );
  }, [props.partnerId]);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await act.run(async () => {
      if (!partner) throw invalid("partner_id", "partner: pick the partner who referred this client");
      const cents = f.estimated_value.trim() === "" ? 0 : await api.amountParse("estimated_value", f.estimated_value);
      return api.leadAdd({
        partner_id: partner.id,
        client_name: f.client_name,
        client_email: f.client_email,
        client_phone: f.client_phone || null,
        business_name: f.business_name || null,
        project_description: f.project_description || null,
        estimated_value: cents,
      });
    });
    if (!r) return;
    if (r.duplicate_of || r.conflict) setDuplicate({ saved: r.lead, of: r.duplicate_of, conflict: !!r.conflict });
    else props.onClose();
  };
  const err = (...n: string[]) => fieldError(act.error, ...n);
  if (duplicate)
    return (
      <Modal
        title={duplicate.conflict ? "Lead saved: attribution conflict" : "Lead saved: likely duplicate"}
        onClose={props.onClose}
      >
        {duplicate.of && (
          <div className="banner warn" role="status" data-warning="duplicate">
            {duplicate.saved.client_name} looks like a lead already there:{" "}
            <Link to={`/leads/${duplicate.of.id}`}>{duplicate.of.client_name}</Link> (
            {duplicate.of.business_name ?? duplicate.of.client_email}, {label(duplicate.of.status)}). It was saved and
            flagged; check with the partner.
          </div>
        )}
        {duplicate.conflict && (
          <div className="banner warn" role="status" data-warning="conflict">
            This client already belongs to another partner's lead: the new lead is held as an attribution conflict and
            earns nothing until you decide who keeps the client (Dashboard, Attribution conflicts).
          </div>
        )}
        <div className="buttons">
          <button className="primary" onClick={props.onClose}>
            OK
          </button>
        </div>
      </Modal>
    );
  return (
    <Modal title="New lead" onClose={props.onClose}>
      <form className="form" onSubmit={submit} data-form="lead">
        <Field label="Partner" name="partner_id" error={err("partner_id", "partner")} group>
          <PartnerPicker value={partner} onChange={setPartner} activeOnly />
        </Field>
        <Field label="Client name" name="client_name" error={err("client_name")}>
          <input name="client_name" value={f.client_name} onChange={set("client_name")} />
        </Field>
        <Field label="Client e-mail" name="client_email" error={err("client_email")}>
          <input name="client_email" value={f.client_email} onChange={set("client_email")} />
        </Field>
        <Field label="Client phone" name="client_phone" error={err("client_phone")}>
          <input name="client_phone" value={f.client_phone} onChange={set("client_phone")} />
        </Field>
        <Field label="Business" name="business_name" error={err("business_name")}>
          <input name="business_name" value={f.business_name} onChange={set("business_name")} />
        </Field>
        <Field label="Project" name="project_description" error={err("project_description", "description")}>
          <textarea
            name="project_description"
            rows={3}
            value={f.project_description}
            onChange={set("project_description")}
          />
        </Field>
        <Field label={`Estimated value (${cur})`} name="estimated_value" error={err("estimated_value")}>
          <input
            name="estimated_value"
            inputMode="decimal"
            value={f.estimated_value}
            onChange={set("estimated_value")}
            placeholder="e.g. 12000"
          />
          <AmountEcho field="estimated_value" text={f.estimated_value} />
        </Field>
        <FormError message={formError(act.error, [...LEAD_FIELDS, "partner"])} />
        <div className="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button className="primary" type="submit" disabled={act.busy}>
            Save lead
          </button>
        </div>
      </form>
    </Modal>
  );
}
