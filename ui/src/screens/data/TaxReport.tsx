// The year-end tax report card: every partner paid at least the threshold
// (setting tax.threshold) in a calendar year, with their tax form, as CSV.
import { useState } from "react";
import { invalid, payoutsApi } from "../../lib/api";
import { money } from "../../lib/format";
import { fieldError } from "../../lib/hooks";
import { Field } from "../../components/ui";
import { errorOf, OutcomeBanner, PathField, toError, type Outcome } from "./shared";

export function TaxReportCard() {
  const [year, setYear] = useState(String(new Date().getFullYear() - 1));
  const [path, setPath] = useState("");
  const [outcome, setOutcome] = useState<Outcome>(null);
  const err = errorOf(outcome);

  const write = async (e: React.FormEvent) => {
    e.preventDefault();
    setOutcome(null);
    try {
      const y = Number(year.trim());
      if (!Number.isInteger(y) || year.trim() === "") throw invalid("year", "year: write a year like 2026");
      if (!path.trim()) throw invalid("out", "file: choose where to write the report (.csv)");
      const r = await payoutsApi.taxReport(y, path.trim());
      setOutcome({
        ok: (
          <>
            Tax report {r.year} written to <code>{r.path}</code>: {r.rows.length} partner(s) paid at least{" "}
            {money(r.threshold, r.currency)}; {r.missing_forms} without a tax form.
          </>
        ),
      });
    } catch (e) {
      setOutcome({ error: toError(e) });
    }
  };

  return (
    <form className="card" data-section="tax-report" onSubmit={write}>
      <h3>Tax report</h3>
      <p className="muted small">
        The partners paid at least the threshold (Settings: tax.threshold) in a calendar year, with their totals and tax
        form, as a spreadsheet (.csv).
      </p>
      <div className="form">
        <Field label="Year" name="year" error={fieldError(err, "year")}>
          <input name="year" value={year} onChange={(e) => setYear(e.target.value)} inputMode="numeric" />
        </Field>
        <PathField
          label="Write to"
          name="tax-report-path"
          value={path}
          onChange={setPath}
          browse={{ mode: "save", title: "Save the tax report", extensions: ["csv"] }}
          error={fieldError(err, "out")}
          placeholder="/path/to/tax-report.csv"
        />
      </div>
      <div className="buttons">
        <button type="submit" className="primary" data-action="tax-report">
          Write tax report
        </button>
      </div>
      <OutcomeBanner outcome={outcome} name="tax-report" shownFields={["year", "out"]} />
    </form>
  );
}
