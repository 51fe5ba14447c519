// The groups' payout settings: the hold before a pending commission is
// approved by run-due (0: by hand), the payout minimum and the payout day.
import { useState } from "react";
import { api, payoutsApi } from "../../lib/api";
import type { Group } from "../../lib/bindings/Group";
import { money, useCurrency } from "../../lib/format";
import { fieldError, formError, useAction, useLoad } from "../../lib/hooks";
import { Field, FormError } from "../../components/ui";

export function GroupPayouts(props: { groups: Group[] }) {
  const cur = useCurrency();
  const key = props.groups.map((g) => g.id).join(",");
  const settings = useLoad(
    () => Promise.all(key.split(",").map((id) => payoutsApi.groupPayout(id))),
    [key],
    ["settings"],
  );
  const [id, setId] = useState(props.groups[0].id);
  const [hold, setHold] = useState("");
  const [minimum, setMinimum] = useState("");
  const [day, setDay] = useState("");
  const act = useAction();
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    const done = await act.run(async () =>
      payoutsApi.groupPayoutSet(id, {
        hold_days: hold.trim() ? Number(hold) : null,
        payout_minimum: minimum.trim() ? await api.amountParse("payout_minimum", minimum) : null,
        payout_day: day.trim() && day.trim().toLowerCase() !== "none" ? Number(day) : null,
        no_payout_day: day.trim().toLowerCase() === "none",
      }),
    );
    if (done) {
      setHold("");
      setMinimum("");
      setDay("");
    }
  };
  return (
    <>
      <h4>Payouts</h4>
      <table className="table" aria-label="Group payouts">
        <thead>
          <tr>
            <th>Group</th>
            <th className="num">Hold</th>
            <th className="num">Payout minimum</th>
            <th>Payout day</th>
          </tr>
        </thead>
        <tbody>
          {props.groups.map((g, i) => {
            const s = settings.data?.[i];
            return (
              <tr key={g.id} data-group-payout={g.name}>
                <td>{g.name}</td>
                <td className="num">{s ? (s.hold_days === 0 ? "by hand" : `${s.hold_days} days`) : "…"}</td>
                <td className="num">{s ? money(s.payout_minimum, cur) : "…"}</td>
                <td>{s ? (s.payout_day === null ? "none" : `day ${s.payout_day}`) : "…"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <form className="inline-form" onSubmit={save} aria-label="Group payout settings">
        <Field label="Group" name="group" error={null}>
          <select name="group" value={id} onChange={(e) => setId(e.target.value)}>
            {props.groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Hold (days, 0: by hand)" name="hold_days" error={fieldError(act.error, "hold_days")}>
          <input name="hold_days" value={hold} onChange={(e) => setHold(e.target.value)} inputMode="numeric" />
        </Field>
        <Field label="Payout minimum" name="payout_minimum" error={fieldError(act.error, "payout_minimum")}>
          <input name="payout_minimum" value={minimum} onChange={(e) => setMinimum(e.target.value)} />
        </Field>
        <Field label="Payout day (1-28, or none)" name="payout_day" error={fieldError(act.error, "payout_day")}>
          <input name="payout_day" value={day} onChange={(e) => setDay(e.target.value)} />
        </Field>
        <button type="submit" disabled={act.busy}>
          Save payout settings
        </button>
        <FormError message={formError(act.error, ["hold_days", "payout_minimum", "payout_day"])} />
      </form>
    </>
  );
}
