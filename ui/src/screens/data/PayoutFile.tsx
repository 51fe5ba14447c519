// The payout file card: the CSV of a payout batch for a mass-payout service.
import { useState } from "react";
import { dataApi, invalid } from "../../lib/api";
import { dateTime, money } from "../../lib/format";
import { fieldError, useLoad } from "../../lib/hooks";
import { Field } from "../../components/ui";
import { errorOf, OutcomeBanner, PathField, toError, type Outcome } from "./shared";

export function PayoutFileCard() {
  const payouts = useLoad(() => dataApi.payouts(200), [], ["payouts"]);
  const [payoutId, setPayoutId] = useState("");
  const [payoutPath, setPayoutPath] = useState("");
  const [payoutOutcome, setPayoutOutcome] = useState<Outcome>(null);
  const pErr = errorOf(payoutOutcome);

  const writePayout = async (e: React.FormEvent) => {
    e.preventDefault();
    setPayoutOutcome(null);
    try {
      if (!payoutId) throw invalid("payout", "payout: pick the payout batch");
      if (!payoutPath.trim()) throw invalid("out", "file: choose where to write the payout file (.csv)");
      const p = await dataApi.payoutFileWrite(payoutId, payoutPath.trim());
      setPayoutOutcome({
        ok: (
          <>
            Payout file written to <code>{payoutPath.trim()}</code>: {p.lines.filter((l) => l.amount > 0).length}{" "}
            line(s), {money(p.total_amount, p.currency)} in all.
          </>
        ),
      });
    } catch (e) {
      setPayoutOutcome({ error: toError(e) });
    }
  };

  return (
    <form className="card" data-section="payout-file" onSubmit={writePayout}>
      <h3>Payout file</h3>
      <p className="muted small">
        The CSV a mass-payout service takes (PayPal Payouts layout), for a batch already paid.
      </p>
      <div className="form">
        <Field label="Payout batch" name="payout" error={fieldError(pErr, "payout")}>
          <select name="payout" value={payoutId} onChange={(e) => setPayoutId(e.target.value)}>
            <option value="">{payouts.data?.length === 0 ? "No payouts yet" : "Choose a batch…"}</option>
            {(payouts.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {dateTime(p.created_at)} · {money(p.total_amount, p.currency)} · {p.partners} partner(s)
              </option>
            ))}
          </select>
        </Field>
        <PathField
          label="Write to"
          name="payout-path"
          value={payoutPath}
          onChange={setPayoutPath}
          browse={{ mode: "save", title: "Save the payout file", extensions: ["csv"] }}
          error={fieldError(pErr, "out")}
          placeholder="/path/to/payout.csv"
        />
      </div>
      <div className="buttons">
        <button type="submit" className="primary" data-action="payout-file">
          Write payout file
        </button>
      </div>
      <OutcomeBanner outcome={payoutOutcome} name="payout-file" shownFields={["payout", "out"]} />
    </form>
  );
}
