// The payout run, as one dialog: the preview (who is paid, who is skipped
// and why, the total), the confirmation, then the payout file (PayPal or Wise
// layout) saved through the native dialog, and each paid partner's
// self-billing statement.
import { useState } from "react";
import { browse, invalid, payoutsApi, ApiError } from "../../lib/api";
import type { PayoutCandidate } from "../../lib/bindings/PayoutCandidate";
import type { PayoutFormat } from "../../lib/bindings/PayoutFormat";
import type { PayoutPlan } from "../../lib/bindings/PayoutPlan";
import { money, useCurrency } from "../../lib/format";
import { fieldError, useAction, useLoad } from "../../lib/hooks";
import { Empty, Field, Modal } from "../../components/ui";

/** A skipped partner's reason, as people read it. */
export function skipReason(c: PayoutCandidate, cur: string): string {
  switch (c.reason) {
    case "negative_balance":
      return `negative balance ${money(c.balance, cur)}, carried forward`;
    case "below_minimum":
      return `${money(c.balance, cur)} is below the minimum ${money(c.minimum, cur)}, carried forward`;
    case "nothing_due":
      return "no approved commissions";
    default:
      return "paid";
  }
}

/** A path with a Browse… button (the native save dialog fills it). */
function SavePath(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  extensions: string[];
  error: string | null;
}) {
  const [dialogError, setDialogError] = useState<string | null>(null);
  return (
    <Field label={props.label} name={props.name} error={props.error ?? dialogError} group>
      <div className="path-input">
        <input
          name={props.name}
          data-path={props.name}
          aria-label={props.label}
          value={props.value}
          placeholder={`/path/to/file.${props.extensions[0]}`}
          onChange={(e) => props.onChange(e.target.value)}
        />
        <button
          type="button"
          onClick={async () => {
            setDialogError(null);
            try {
              const p = await browse({
                mode: "save",
                title: props.label,
                extensions: props.extensions,
                current: props.value,
              });
              if (p) props.onChange(p);
            } catch (e) {
              setDialogError(e instanceof ApiError ? e.message : String(e));
            }
          }}
        >
          Browse…
        </button>
      </div>
    </Field>
  );
}

function Skipped(props: { plan: PayoutPlan; cur: string }) {
  if (props.plan.skipped.length === 0) return null;
  return (
    <>
      <h3>Skipped</h3>
      <table className="table" data-payout-skipped>
        <tbody>
          {props.plan.skipped.map((c) => (
            <tr key={c.partner_id} data-skipped={c.reason ?? ""}>
              <td>{c.partner_name}</td>
              <td className="num">{money(c.balance, props.cur)}</td>
              <td>{skipReason(c, props.cur)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function PayoutRunDialog(props: { partnerIds: string[]; onClose: () => void; onPaid: () => void }) {
  const cur = useCurrency();
  const preview = useLoad(() => payoutsApi.preview(props.partnerIds), [props.partnerIds]);
  const act = useAction();
  const [done, setDone] = useState<PayoutPlan | null>(null);
  const plan = done ?? preview.data;
  const count = (plan?.paid ?? []).reduce((a, c) => a + c.commission_count, 0);
  return (
    <Modal title={done ? "Payout done" : "Confirm payout"} onClose={props.onClose} wide>
      {preview.error && <div className="banner error">{preview.error.message}</div>}
      {plan && !done && (
        <div data-payout="confirm">
          {plan.paid.length === 0 ? (
            <Empty title="Nobody would be paid.">
              No chosen partner has a balance at or above their payout minimum.
            </Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Partner</th>
                  <th className="num">Commissions</th>
                  <th className="num">Brought forward</th>
                  <th className="num">Amount</th>
                </tr>
              </thead>
              <tbody>
                {plan.paid.map((c) => (
                  <tr key={c.partner_id}>
                    <td>{c.partner_name}</td>
                    <td className="num">{c.commission_count}</td>
                    <td className="num">{money(c.brought_forward, cur)}</td>
                    <td className="num">{money(c.balance, cur)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th>Total</th>
                  <th className="num">{count}</th>
                  <th />
                  <th className="num" data-payout-total>
                    {money(plan.total, cur)}
                  </th>
                </tr>
              </tfoot>
            </table>
          )}
          <Skipped plan={plan} cur={cur} />
          {act.error && (
            <div className="banner error" role="alert">
              {act.error.message}
            </div>
          )}
          <div className="buttons">
            <button onClick={props.onClose}>Cancel</button>
            <button
              className="primary"
              disabled={act.busy || plan.paid.length === 0}
              onClick={async () => {
                const r = await act.run(() => payoutsApi.run(props.partnerIds));
                if (r) {
                  setDone(r);
                  props.onPaid();
                }
              }}
            >
              Pay {money(plan.total, cur)}
            </button>
          </div>
        </div>
      )}
      {done && <PayoutDone plan={done} count={count} onClose={props.onClose} />}
    </Modal>
  );
}

function PayoutDone(props: { plan: PayoutPlan; count: number; onClose: () => void }) {
  const { plan } = props;
  const cur = plan.currency;
  const [format, setFormat] = useState<PayoutFormat>("paypal");
  const [path, setPath] = useState("");
  const file = useAction();
  const [written, setWritten] = useState<string | null>(null);
  return (
    <div data-payout="done">
      <p>
        Paid {props.count} commissions, {money(plan.total, cur)} in all, to {plan.paid.length} partners
        {plan.skipped.length > 0 && `; ${plan.skipped.length} skipped`}.
      </p>
      <Skipped plan={plan} cur={cur} />
      {plan.payout_id && (
        <form
          className="form"
          data-section="run-file"
          onSubmit={async (e) => {
            e.preventDefault();
            setWritten(null);
            const r = await file.run(async () => {
              if (!path.trim()) throw invalid("out", "file: choose where to write the payout file (.csv)");
              return payoutsApi.fileSave(plan.payout_id!, path.trim(), format);
            });
            if (r) setWritten(path.trim());
          }}
        >
          <h3>Payout file</h3>
          <Field label="Layout" name="format" error={fieldError(file.error, "format")}>
            <select name="format" value={format} onChange={(e) => setFormat(e.target.value as PayoutFormat)}>
              <option value="paypal">PayPal Payouts</option>
              <option value="wise">Wise batch (e-mail recipients)</option>
            </select>
          </Field>
          <SavePath
            label="Save the payout file"
            name="run-file-path"
            value={path}
            onChange={setPath}
            extensions={["csv"]}
            error={fieldError(file.error, "out")}
          />
          {file.error && !["out", "format"].includes(file.error.field ?? "") && (
            <div className="banner error" role="alert">
              {file.error.message}
            </div>
          )}
          <div className="buttons">
            <button type="submit" className="primary" data-action="run-file" disabled={file.busy}>
              Write payout file
            </button>
          </div>
          {written && (
            <div className="banner ok-banner" role="status" data-result="run-file">
              Payout file written to <code>{written}</code>.
            </div>
          )}
        </form>
      )}
      {plan.payout_id && (
        <>
          <h3>Self-billing statements</h3>
          <ul className="list" data-section="statements">
            {plan.paid.map((c) => (
              <StatementRow key={c.partner_id} payoutId={plan.payout_id!} c={c} cur={cur} />
            ))}
          </ul>
        </>
      )}
      <div className="buttons">
        <button className="primary" onClick={props.onClose}>
          Close
        </button>
      </div>
    </div>
  );
}

function StatementRow(props: { payoutId: string; c: PayoutCandidate; cur: string }) {
  const { c } = props;
  const [path, setPath] = useState("");
  const act = useAction();
  const [written, setWritten] = useState<string | null>(null);
  return (
    <li data-statement={c.document_number ?? ""}>
      <strong>{c.document_number}</strong> {c.partner_name} · {money(c.balance, props.cur)}
      <form
        className="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setWritten(null);
          const r = await act.run(async () => {
            if (!path.trim()) throw invalid("out", "file: choose where to write the statement (.html or .csv)");
            return payoutsApi.selfBilling(props.payoutId, c.partner_id, path.trim());
          });
          if (r) setWritten(`Statement ${r.number} written to ${r.path}.`);
        }}
      >
        <SavePath
          label={`Save the statement of ${c.partner_name}`}
          name={`statement-path-${c.document_number}`}
          value={path}
          onChange={setPath}
          extensions={["html", "csv"]}
          error={fieldError(act.error, "out")}
        />
        <button type="submit" data-action="statement">
          Write statement
        </button>
        {act.error && act.error.field !== "out" && (
          <span className="inline-error" role="alert">
            {act.error.message}
          </span>
        )}
        {written && (
          <span className="ok" role="status" data-result="statement">
            {written}
          </span>
        )}
      </form>
    </li>
  );
}
