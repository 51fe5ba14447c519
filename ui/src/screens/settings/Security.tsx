// Settings → Security: encrypt the database with a passphrase, change it,
// decrypt it, lock now, and forget a passphrase the keyring remembers.
import { useState } from "react";
import { ApiError, securityApi } from "../../lib/api";
import { useAction, useLoad } from "../../lib/hooks";

/** Settings → Security: encrypt the database with a passphrase, change it, decrypt, lock now. */
export function SecurityCard() {
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
            <Secret
              name="current-passphrase"
              placeholder="Current passphrase"
              value={current}
              onChange={setCurrent}
              current
            />
            <Secret
              name="new-passphrase"
              placeholder="New passphrase (8+ characters)"
              value={pass}
              onChange={setPass}
            />
            <Secret name="new-passphrase-again" placeholder="The same again" value={again} onChange={setAgain} />
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
          <Secret name="new-passphrase" placeholder="Passphrase (8+ characters)" value={pass} onChange={setPass} />
          <Secret name="new-passphrase-again" placeholder="The same again" value={again} onChange={setAgain} />
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

/** A passphrase field: never echoed, and filled by a password manager as the current or a new one. */
function Secret(props: {
  name: string;
  placeholder: string;
  value: string;
  onChange: (v: string) => void;
  current?: boolean;
}) {
  return (
    <input
      type="password"
      name={props.name}
      placeholder={props.placeholder}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      autoComplete={props.current ? "current-password" : "new-password"}
    />
  );
}
