import { useState } from "react";
import { AmountEcho } from "../components/AmountEcho";
import { api } from "../lib/api";
import type { SettingEntry } from "../lib/bindings/SettingEntry";
import { useAction, useLoad } from "../lib/hooks";
import { Diagnostics } from "./settings/Diagnostics";
import { SecurityCard } from "./settings/Security";
import { RulesPanel } from "./rules/RulesPanel";

export function SettingsScreen() {
  const entries = useLoad(() => api.settingEntries(), [], ["settings"]);
  return (
    <section className="screen" data-screen="settings">
      <header className="screen-head">
        <h1>Settings</h1>
      </header>
      <p className="muted">
        The currency of this database, backups, and the commission rules: a partner reaches a tier with either its won
        deals or its won revenue; promotion happens when a deal closes, demotion only by hand on the partner page.
      </p>
      {entries.error && <div className="banner error">{entries.error.message}</div>}
      <div className="card settings">
        {entries.data
          ?.filter((e) => !e.key.startsWith("tier."))
          .map((e) => (
            <SettingRow key={e.key} entry={e} />
          ))}
      </div>
      <SecurityCard />
      <h2>Commission rules</h2>
      <RulesPanel />
      <Diagnostics />
    </section>
  );
}

function SettingRow(props: { entry: SettingEntry }) {
  const [value, setValue] = useState(props.entry.value);
  const [saved, setSaved] = useState(false);
  const act = useAction();
  const dirty = value !== props.entry.value;
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(false);
    if (await act.run(() => api.settingSet(props.entry.key, value))) {
      setSaved(true);
    }
  };
  return (
    <form className={act.error ? "setting invalid" : "setting"} onSubmit={save} data-setting={props.entry.key}>
      <label>
        <code>{props.entry.key}</code>
        <span className="muted">{props.entry.description}</span>
      </label>
      <input name={props.entry.key} value={value} onChange={(e) => (setValue(e.target.value), setSaved(false))} />
      <button type="submit" disabled={!dirty || act.busy}>
        Save
      </button>
      {dirty && props.entry.key.endsWith(".min_revenue") && <AmountEcho field={props.entry.key} text={value} />}
      {saved && !dirty && <span className="ok">Saved</span>}
      {act.error && (
        <span className="field-error" role="alert" data-error-for={props.entry.key}>
          {act.error.message}
        </span>
      )}
    </form>
  );
}
