import { useState } from "react";
import { AmountEcho } from "../components/AmountEcho";
import { api, ApiError, securityApi } from "../lib/api";
import type { SettingEntry } from "../lib/bindings/SettingEntry";
import { useAction, useLoad } from "../lib/hooks";
import { Diagnostics } from "./settings/Diagnostics";
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

/** Settings → Security: encrypt the database with a passphrase, change it, decrypt, lock now. */
function SecurityCard() {
  const st = useLoad(() => securityApi.state(), [], ["settings"]);
  const [pass, setPass] = useState("");
  const [again, setAgain] = useState("");
  const [current, setCurrent] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const act = useAction();
  const encrypted = st.data?.encrypted ?? false;
  const clear = () => (setPass(""), setAgain(""), setCurrent(""));
  const submit = async (e: React.FormEvent, what: "encrypt" | "change" | "decrypt") => {
    e.preventDefault();
    setDone(null);
    if (what !== "decrypt" && pass !== again) {
      act.setError(
        new ApiError({ kind: "validation", field: "passphrase", message: "passphrase: the two passphrases differ" }),
      );
      return;
    }
    const ok = await act.run(async () => {
      if (what === "encrypt") await securityApi.encrypt(pass);
      else if (what === "change") await securityApi.changePassphrase(current, pass);
      else await securityApi.decrypt(current);
      return true;
    });
    if (ok) {
      clear();
      setDone(
        what === "encrypt"
          ? "Encrypted, with its backups. Keep the passphrase safe: without it nothing can be read."
          : what === "change"
            ? "The passphrase is changed (backups too)."
            : "Decrypted: the file and its backups are plain again.",
      );
      st.reload();
    }
  };
  const lockNow = async () => {
    if (await act.run(() => securityApi.lock())) window.location.reload();
  };
  return (
    <div className="card" data-section="security">
      <h3>Security</h3>
      <p data-encrypted={encrypted ? "yes" : "no"}>
        {encrypted
          ? "This database and its backups are encrypted (SQLCipher, AES-256). The passphrase is asked for at every start."
          : "This database is a plain file: anyone who can read the file can read its data. Encrypt it with a passphrase."}{" "}
        Exports stay plain files by design.
      </p>
      {encrypted ? (
        <>
          <form onSubmit={(e) => void submit(e, "change")} className="columns" data-form="change-passphrase">
            <input
              type="password"
              name="current-passphrase"
              placeholder="Current passphrase"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
              autoComplete="current-password"
            />
            <input
              type="password"
              name="new-passphrase"
              placeholder="New passphrase (8+ characters)"
              value={pass}
              onChange={(e) => setPass(e.target.value)}
              autoComplete="new-password"
            />
            <input
              type="password"
              name="new-passphrase-again"
              placeholder="The same again"
              value={again}
              onChange={(e) => setAgain(e.target.value)}
              autoComplete="new-password"
            />
            <button type="submit" disabled={act.busy || !current || !pass} data-action="change-passphrase">
              Change passphrase
            </button>
          </form>
          <div className="buttons">
            <button type="button" onClick={() => void lockNow()} disabled={act.busy} data-action="lock">
              Lock now
            </button>
            <button
              type="button"
              onClick={async () => {
                const forgot = await act.run(() => securityApi.forgetPassphrase());
                if (forgot !== undefined)
                  setDone(
                    forgot
                      ? "The keyring no longer remembers the passphrase."
                      : "The keyring remembered no passphrase.",
                  );
              }}
              disabled={act.busy}
              data-action="forget-passphrase"
            >
              Forget the remembered passphrase
            </button>
            <button
              type="button"
              onClick={(e) => void submit(e, "decrypt")}
              disabled={act.busy || !current}
              data-action="decrypt"
              title="Uses the current passphrase typed above"
            >
              Decrypt…
            </button>
          </div>
          <p className="muted small">
            The app locks after <code>security.lock_minutes</code> minutes without input (0: never; set above).
          </p>
        </>
      ) : (
        <form onSubmit={(e) => void submit(e, "encrypt")} className="columns" data-form="encrypt">
          <input
            type="password"
            name="new-passphrase"
            placeholder="Passphrase (8+ characters)"
            value={pass}
            onChange={(e) => setPass(e.target.value)}
            autoComplete="new-password"
          />
          <input
            type="password"
            name="new-passphrase-again"
            placeholder="The same again"
            value={again}
            onChange={(e) => setAgain(e.target.value)}
            autoComplete="new-password"
          />
          <button type="submit" className="primary" disabled={act.busy || !pass} data-action="encrypt">
            Encrypt
          </button>
        </form>
      )}
      {act.error && (
        <div className="field-error" role="alert" data-error-for="passphrase">
          {act.error.message}
        </div>
      )}
      {done && (
        <div className="banner ok-banner" role="status" data-result="security">
          {done}
        </div>
      )}
    </div>
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
