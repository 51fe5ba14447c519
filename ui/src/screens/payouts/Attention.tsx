// The dashboard's payout items: the scheduled payout run that is due (with
// its total), and the queue of attribution conflicts, each decided here
// (keep the client with the first partner or give it to the new one, with a
// reason).
import { useState } from "react";
import { Link } from "react-router";
import { payoutsApi } from "../../lib/api";
import type { ConflictView } from "../../lib/bindings/ConflictView";
import type { DuePayout } from "../../lib/bindings/DuePayout";
import type { Keep } from "../../lib/bindings/Keep";
import { date, money } from "../../lib/format";
import { fieldError, useAction } from "../../lib/hooks";
import { Empty, Field } from "../../components/ui";

export function PayoutDueCard(props: { due: DuePayout | null; cur: string }) {
  const d = props.due;
  return (
    <div className="card" data-card="payout-due">
      <h3>Payout run due</h3>
      {d ? (
        <p>
          Due since {date(d.due_on)}: {d.partners} partners,{" "}
          <strong data-payout-due-total>{money(d.total, props.cur)}</strong>.{" "}
          <Link to="/commissions?run=1">Open the payout run</Link>
        </p>
      ) : (
        <Empty title="No payout run is due.">A group's payout day puts its run here when it comes.</Empty>
      )}
    </div>
  );
}

export function ConflictsCard(props: { count: number; items: ConflictView[] }) {
  return (
    <div className="card" data-card="conflicts">
      <h3>
        Attribution conflicts <span className="count">{props.count}</span>
      </h3>
      {props.items.length === 0 ? (
        <Empty title="No attribution conflict.">
          A lead whose client already belongs to another partner is held here until you decide.
        </Empty>
      ) : (
        <ul className="list">
          {props.items.map((c) => (
            <ConflictItem key={c.conflict.lead_id} c={c} />
          ))}
        </ul>
      )}
    </div>
  );
}

function ConflictItem(props: { c: ConflictView }) {
  const { c } = props;
  const [keep, setKeep] = useState<Keep>(c.suggested);
  const [reason, setReason] = useState("");
  const act = useAction();
  const id = c.conflict.lead_id;
  return (
    <li data-conflict={id}>
      <div>
        <Link to={`/leads/${id}`}>{c.client_name}</Link>
        {c.business_name && <span className="muted"> ({c.business_name})</span>}: brought by{" "}
        <Link to={`/partners/${c.new_partner_id}`}>{c.new_partner_name}</Link>, already{" "}
        <Link to={`/leads/${c.conflict.first_lead_id}`}>{c.first_partner_name}'s</Link>{" "}
        <span className="muted">
          (same {c.conflict.matched_on.replace("_", " ")}, {date(c.conflict.created_at)})
        </span>
      </div>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          act.run(() => payoutsApi.resolve(id, keep, reason));
        }}
      >
        <Field label="Keep with" name="keep" error={fieldError(act.error, "keep")}>
          <select name="keep" value={keep} onChange={(e) => setKeep(e.target.value as Keep)}>
            <option value="first">{c.first_partner_name} (first touch)</option>
            <option value="new">{c.new_partner_name} (last touch)</option>
          </select>
        </Field>
        <Field label="Reason" name="reason" error={fieldError(act.error, "reason")}>
          <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <button type="submit" className="primary" disabled={act.busy} data-action="resolve">
          Decide
        </button>
        {act.error && !["keep", "reason"].includes(act.error.field ?? "") && (
          <span className="inline-error" role="alert">
            {act.error.message}
          </span>
        )}
      </form>
    </li>
  );
}
