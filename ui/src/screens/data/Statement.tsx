// The partner statement card: one partner's leads, commissions and payouts in a file.
import { useState } from "react";
import { dataApi, invalid } from "../../lib/api";
import type { Partner } from "../../lib/bindings/Partner";
import { money } from "../../lib/format";
import { fieldError } from "../../lib/hooks";
import { Field } from "../../components/ui";
import { PartnerPicker } from "../../components/PartnerPicker";
import { errorOf, OutcomeBanner, PathField, toError, type Outcome } from "./shared";

export function StatementCard() {
  const [partner, setPartner] = useState<Partner | null>(null);
  const [statementPath, setStatementPath] = useState("");
  const [statementOutcome, setStatementOutcome] = useState<Outcome>(null);
  const sErr = errorOf(statementOutcome);

  const writeStatement = async (e: React.FormEvent) => {
    e.preventDefault();
    setStatementOutcome(null);
    try {
      if (!partner) throw invalid("partner_id", "partner: pick the partner");
      if (!statementPath.trim()) throw invalid("out", "file: choose where to write the statement (.html or .csv)");
      const s = await dataApi.statementWrite(partner.id, statementPath.trim());
      setStatementOutcome({
        ok: (
          <>
            Statement of {s.partner_name} written to <code>{s.path}</code>: {s.leads} lead(s), {s.commissions}{" "}
            commission(s), {s.payouts} payout(s); outstanding {money(s.outstanding, s.currency)}.
          </>
        ),
      });
    } catch (e) {
      setStatementOutcome({ error: toError(e) });
    }
  };

  return (
    <form className="card" data-section="statement" onSubmit={writeStatement}>
      <h3>Partner statement</h3>
      <p className="muted small">
        That partner's leads, commissions and payouts, as a page (.html) or a spreadsheet (.csv).
      </p>
      <div className="form">
        <Field label="Partner" name="partner_id" error={fieldError(sErr, "partner_id")} group>
          <PartnerPicker value={partner} onChange={setPartner} />
        </Field>
        <PathField
          label="Write to"
          name="statement-path"
          value={statementPath}
          onChange={setStatementPath}
          browse={{ mode: "save", title: "Save the statement", extensions: ["html", "csv"] }}
          error={fieldError(sErr, "out")}
          placeholder="/path/to/statement.html"
        />
      </div>
      <div className="buttons">
        <button type="submit" className="primary" data-action="statement">
          Write statement
        </button>
      </div>
      <OutcomeBanner outcome={statementOutcome} name="statement" shownFields={["partner_id", "out"]} />
    </form>
  );
}
