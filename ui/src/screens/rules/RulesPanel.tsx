import { useState } from "react";
import { Link } from "react-router";
import { api } from "../../lib/api";
import type { Draft } from "../../lib/bindings/Draft";
import type { Group } from "../../lib/bindings/Group";
import type { RuleScope } from "../../lib/bindings/RuleScope";
import type { Simulation } from "../../lib/bindings/Simulation";
import type { Tier } from "../../lib/bindings/Tier";
import { label, money, percent, useCurrency } from "../../lib/format";
import { fieldError, formError, useAction, useLoad } from "../../lib/hooks";
import { TIERS } from "../../lib/enums";
import { Field, FormError } from "../../components/ui";
import { TierTable } from "./TierTable";
import { GroupPayouts } from "./GroupPayouts";

/**
 * The commission rules: the groups, the tier table in force of the default or
 * of a group, its dated versions, and a change of one tier that asks for its
 * date and scope and previews its cost with the simulator before it is saved.
 */
export function RulesPanel() {
  const cur = useCurrency();
  const [group, setGroup] = useState<string>("");
  const groups = useLoad(() => api.groups(), [], ["settings", "partners"]);
  const view = useLoad(() => api.rules(group || null), [group], ["settings"]);
  const groupName = groups.data?.find((g) => g.group.id === group)?.group.name ?? null;
  return (
    <div data-section="rules">
      <div className="card">
        <h3>Groups</h3>
        <p className="muted">
          Every partner is in one group. A group uses the default tier table until it gets its own version below. A
          group&apos;s settings change by dated versions too: deals won before the date keep the settings they had.
        </p>
        <table className="table" aria-label="Groups">
          <thead>
            <tr>
              <th>Group</th>
              <th className="num">Partners</th>
              <th>Tier table</th>
              <th className="num">Retainer limit</th>
              <th>Milestone bonus</th>
            </tr>
          </thead>
          <tbody>
            {groups.data?.map((g) => (
              <tr key={g.group.id} data-group={g.group.name}>
                <td>{g.group.name}</td>
                <td className="num">{g.partners}</td>
                <td>
                  {g.in_force.kind === "group_tier" ? "own" : "default"}, version {g.in_force.version}
                </td>
                <td className="num">{g.settings.recurring_limit} months</td>
                <td>
                  {g.settings.milestone_deals !== null && g.settings.milestone_amount !== null
                    ? `${money(g.settings.milestone_amount, cur)} on won deal ${g.settings.milestone_deals}`
                    : "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <AddGroup />
        {groups.data && groups.data.length > 0 && <EditGroup groups={groups.data.map((g) => g.group)} />}
        {groups.data && groups.data.length > 0 && <GroupPayouts groups={groups.data.map((g) => g.group)} />}
      </div>
      <div className="card">
        <h3>Tier table</h3>
        <label className="inline-form">
          Table of{" "}
          <select aria-label="Table of" value={group} onChange={(e) => setGroup(e.target.value)}>
            <option value="">the default</option>
            {groups.data?.map((g) => (
              <option key={g.group.id} value={g.group.id}>
                group {g.group.name}
              </option>
            ))}
          </select>
        </label>
        {view.error && <div className="banner error">{view.error.message}</div>}
        {view.data && (
          <>
            <p className="muted">
              In force today: version {view.data.in_force.version}
              {view.data.group && view.data.in_force.kind === "default_tier" ? " (the default table, inherited)" : ""},
              from{" "}
              {view.data.in_force.effective_from === "0001-01-01" ? "the start" : view.data.in_force.effective_from}.
            </p>
            <TierTable tiers={view.data.in_force.tiers} caption="Tiers in force" />
            <h4>Versions</h4>
            <table className="table" aria-label="Rule versions">
              <thead>
                <tr>
                  <th className="num">Version</th>
                  <th>Of</th>
                  <th>From</th>
                  <th>Scope</th>
                  <th>Rates</th>
                  <th>Group settings</th>
                  <th>Made</th>
                </tr>
              </thead>
              <tbody>
                {view.data.versions.map((v) => (
                  <tr key={v.version} data-version={v.version}>
                    <td className="num">{v.version}</td>
                    <td>{v.subject === "group" ? "group" : "default"}</td>
                    <td>{v.effective_from === "0001-01-01" ? "the start" : v.effective_from}</td>
                    <td>{v.scope === "pending" ? "also pending commissions" : "new deals"}</td>
                    <td>
                      {v.tiers && v.tiers.length === 0
                        ? "the default table"
                        : v.tiers?.map((t) => `${label(t.tier)} ${percent(t.rate_bp)}`).join(", ")}
                    </td>
                    <td>
                      {v.recurring_limit === null
                        ? "—"
                        : `retainer ${v.recurring_limit} months` +
                          (v.milestone_deals !== null && v.milestone_amount !== null
                            ? `, ${money(v.milestone_amount, cur)} on won deal ${v.milestone_deals}`
                            : "")}
                    </td>
                    <td>{v.created_at.slice(0, 10)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <ChangeTier group={group || null} groupName={groupName} />
            {group && view.data.in_force.kind === "group_tier" && (
              <UseDefault group={group} groupName={groupName ?? ""} />
            )}
          </>
        )}
        <p>
          <Link to="/settings/simulator">Open the simulator</Link> to replay the program under a whole draft rule set.
        </p>
      </div>
    </div>
  );
}

function AddGroup() {
  const [name, setName] = useState("");
  const act = useAction();
  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    if (await act.run(() => api.groupAdd(name))) setName("");
  };
  return (
    <form className="inline-form" onSubmit={add} aria-label="Add group">
      <Field label="New group" name="name" error={fieldError(act.error, "name")}>
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <button type="submit" disabled={act.busy || !name.trim()}>
        Add group
      </button>
      <FormError message={formError(act.error, ["name"])} />
    </form>
  );
}

/** A group's settings: the retainer limit and the milestone bonus, as a new version from a date. */
function EditGroup(props: { groups: Group[] }) {
  const [id, setId] = useState(props.groups[0].id);
  const [limit, setLimit] = useState("");
  const [deals, setDeals] = useState("");
  const [amount, setAmount] = useState("");
  const [remove, setRemove] = useState(false);
  const [from, setFrom] = useState("");
  const act = useAction();
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    const done = await act.run(async () =>
      api.groupEdit(id, {
        recurring_limit: limit.trim() ? Number(limit) : null,
        milestone:
          deals.trim() && amount.trim() ? [Number(deals), await api.amountParse("milestone_amount", amount)] : null,
        no_milestone: remove,
        from: from || null,
      }),
    );
    if (done) {
      setLimit("");
      setDeals("");
      setAmount("");
      setRemove(false);
    }
  };
  const fields = ["recurring_limit", "milestone_deals", "milestone_amount", "from"];
  return (
    <form className="inline-form" onSubmit={save} aria-label="Group settings">
      <Field label="Group" name="group" error={null}>
        <select name="group" value={id} onChange={(e) => setId(e.target.value)}>
          {props.groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Retainer limit (months)" name="recurring_limit" error={fieldError(act.error, "recurring_limit")}>
        <input name="recurring_limit" value={limit} onChange={(e) => setLimit(e.target.value)} inputMode="numeric" />
      </Field>
      <Field label="Milestone: won deal N" name="milestone_deals" error={fieldError(act.error, "milestone_deals")}>
        <input name="milestone_deals" value={deals} onChange={(e) => setDeals(e.target.value)} inputMode="numeric" />
      </Field>
      <Field label="Milestone bonus" name="milestone_amount" error={fieldError(act.error, "milestone_amount")}>
        <input name="milestone_amount" value={amount} onChange={(e) => setAmount(e.target.value)} />
      </Field>
      <label>
        <input type="checkbox" checked={remove} onChange={(e) => setRemove(e.target.checked)} /> No milestone bonus
      </label>
      <Field label="From (default today)" name="from" error={fieldError(act.error, "from")}>
        <input name="from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
      </Field>
      <button type="submit" disabled={act.busy}>
        Save group
      </button>
      <FormError message={formError(act.error, fields)} />
    </form>
  );
}

/** One tier's change: a new version from a date, with a scope; previewed before it is saved. */
function ChangeTier(props: { group: string | null; groupName: string | null }) {
  const cur = useCurrency();
  const [tier, setTier] = useState<Tier>("bronze");
  const [rate, setRate] = useState("");
  const [deals, setDeals] = useState("");
  const [revenue, setRevenue] = useState("");
  const [from, setFrom] = useState("");
  const [scope, setScope] = useState<RuleScope>("new");
  const [preview, setPreview] = useState<Simulation | null>(null);
  const act = useAction();
  const fields = ["rate", "deals", "revenue", "from", "scope", "tier", "draft"];

  const draft = (): Draft => {
    const entry = {
      tier,
      rate: rate.trim() || null,
      deals: deals.trim() ? Number(deals) : null,
      revenue: revenue.trim() || null,
    };
    const table = { tiers: [entry] };
    return props.groupName
      ? { default: null, groups: { [props.groupName]: table }, overrides: {} }
      : { default: table, groups: {}, overrides: {} };
  };
  const previewCost = async () => {
    setPreview(null);
    const s = await act.run(() => api.rulesSimulate(draft(), null, null));
    if (s) setPreview(s);
  };
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    const done = await act.run(async () =>
      api.rulesSetTier({
        group: props.group,
        tier,
        rate_bp: rate.trim() ? await api.amountParse("rate", rate) : null,
        min_deals: deals.trim() ? Number(deals) : null,
        min_revenue: revenue.trim() ? await api.amountParse("revenue", revenue) : null,
        from: from || null,
        scope,
      }),
    );
    if (done) {
      setPreview(null);
      setRate("");
      setDeals("");
      setRevenue("");
    }
  };
  return (
    <form className="card-form" onSubmit={save} aria-label="Change a tier">
      <h4>Change a tier {props.groupName ? `of ${props.groupName}` : "of the default table"}</h4>
      <div className="inline-form">
        <Field label="Tier" name="tier" error={fieldError(act.error, "tier")}>
          <select name="tier" value={tier} onChange={(e) => setTier(e.target.value as Tier)}>
            {TIERS.map((t) => (
              <option key={t} value={t}>
                {label(t)}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Rate %" name="rate" error={fieldError(act.error, "rate")}>
          <input name="rate" value={rate} onChange={(e) => setRate(e.target.value)} />
        </Field>
        <Field label="Won deals" name="deals" error={fieldError(act.error, "deals")}>
          <input name="deals" value={deals} onChange={(e) => setDeals(e.target.value)} />
        </Field>
        <Field label="Won revenue" name="revenue" error={fieldError(act.error, "revenue")}>
          <input name="revenue" value={revenue} onChange={(e) => setRevenue(e.target.value)} />
        </Field>
        <Field label="From (default today)" name="from" error={fieldError(act.error, "from")}>
          <input name="from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        <Field label="Scope" name="scope" error={fieldError(act.error, "scope")}>
          <select name="scope" value={scope} onChange={(e) => setScope(e.target.value as RuleScope)}>
            <option value="new">Deals won from that day on</option>
            <option value="pending">Also re-rate pending commissions</option>
          </select>
        </Field>
      </div>
      {preview && (
        <p className="banner" data-preview>
          Replayed over every won deal: {money(preview.current, cur)} under today&apos;s rules,{" "}
          {money(preview.draft, cur)} with this change ({preview.draft >= preview.current ? "+" : ""}
          {money(preview.draft - preview.current, cur)}); {preview.tier_changes} partners would sit in another tier.
        </p>
      )}
      <FormError message={formError(act.error, fields)} />
      {act.error?.field === "draft" && <FormError message={act.error.message} />}
      <div className="inline-form">
        <button type="button" onClick={previewCost} disabled={act.busy}>
          Preview cost
        </button>
        <button type="submit" disabled={act.busy || !preview}>
          Save version
        </button>
      </div>
    </form>
  );
}

/** A group with its own table goes back to the default table: a new version from a date, with a scope. */
function UseDefault(props: { group: string; groupName: string }) {
  const [from, setFrom] = useState("");
  const [scope, setScope] = useState<RuleScope>("new");
  const act = useAction();
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    if (await act.run(() => api.rulesUseDefault(props.group, from || null, scope))) setFrom("");
  };
  return (
    <form className="inline-form" onSubmit={save} aria-label="Use the default table">
      <Field label="From (default today)" name="from" error={fieldError(act.error, "from")}>
        <input name="from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
      </Field>
      <Field label="Scope" name="scope" error={fieldError(act.error, "scope")}>
        <select name="scope" value={scope} onChange={(e) => setScope(e.target.value as RuleScope)}>
          <option value="new">Deals won from that day on</option>
          <option value="pending">Also re-rate pending commissions</option>
        </select>
      </Field>
      <button type="submit" disabled={act.busy}>
        {props.groupName} uses the default table
      </button>
      <FormError message={formError(act.error, ["from", "scope", "group"])} />
    </form>
  );
}
