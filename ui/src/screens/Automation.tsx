import { useSearchParams } from "react-router";
import { Rules } from "./automation/Rules";
import { Templates } from "./automation/Templates";
import { Outbox } from "./automation/Outbox";

const TABS = [
  ["rules", "Rules"],
  ["templates", "Templates"],
  ["outbox", "Outbox"],
] as const;

/** The automation: timed rules, e-mail templates and the outbox, one tab each. */
export function AutomationScreen() {
  const [params, setParams] = useSearchParams();
  const tab = TABS.find(([k]) => k === params.get("tab"))?.[0] ?? "rules";
  return (
    <section className="screen" data-screen="automation">
      <header className="screen-head">
        <h1>Automation</h1>
      </header>
      <p className="muted">
        Rules make tasks when something waits too long; templates are the e-mails the changes queue; the outbox sends
        them through your SMTP server every minute while the app is open (once a sender, smtp.from, is set in Settings;
        until then they wait, and each can be saved as an .eml file).
      </p>
      <div className="tabs" role="tablist">
        {TABS.map(([k, name]) => (
          <button
            key={k}
            role="tab"
            aria-selected={tab === k}
            className={tab === k ? "tab active" : "tab"}
            data-tab={k}
            onClick={() => setParams({ tab: k })}
          >
            {name}
          </button>
        ))}
      </div>
      {tab === "rules" && <Rules />}
      {tab === "templates" && <Templates />}
      {tab === "outbox" && <Outbox />}
    </section>
  );
}
