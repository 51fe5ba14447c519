import { useEffect, useRef, useState } from "react";
import { NavLink, Outlet, useNavigate } from "react-router";
import { api } from "../lib/api";
import { CurrencyContext } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { Modal } from "./ui";
import { OutboxStatus } from "./OutboxStatus";

export const SCREENS = [
  { path: "/", label: "Dashboard", key: "d" },
  { path: "/applications", label: "Applications", key: "a" },
  { path: "/partners", label: "Partners", key: "p" },
  { path: "/leads", label: "Leads", key: "l" },
  { path: "/commissions", label: "Commissions", key: "c" },
  { path: "/plans", label: "App plans", key: "m" },
  { path: "/analytics", label: "Analytics", key: "y" },
  { path: "/data", label: "Data", key: "t" },
  { path: "/settings", label: "Settings", key: "s" },
  { path: "/audit", label: "Audit log", key: "u" },
  { path: "/automation", label: "Automation", key: "o" },
] as const;

/** Screens listen for this to open their "new" form (shortcut `n`). */
export const NEW_ITEM_EVENT = "partnerdesk:new-item";

function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

export function Layout() {
  const navigate = useNavigate();
  const [help, setHelp] = useState(false);
  const pendingG = useRef(false);
  // The currency: read again when a setting, a restore or a sync changes it.
  const settings = useLoad(() => api.settings(), [], ["settings"]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && !e.ctrlKey && !e.metaKey && /^Digit[0-9]$/.test(e.code)) {
        const n = Number(e.code.slice(5));
        const s = SCREENS[n === 0 ? 9 : n - 1];
        e.preventDefault();
        navigate(s.path);
        return;
      }
      if (e.key === "Escape") {
        setHelp(false);
        return;
      }
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (pendingG.current) {
        pendingG.current = false;
        const s = SCREENS.find((s) => s.key === e.key);
        if (s) {
          e.preventDefault();
          navigate(s.path);
        }
        return;
      }
      if (e.key === "g") {
        pendingG.current = true;
        setTimeout(() => (pendingG.current = false), 1500);
      } else if (e.key === "?") {
        setHelp((h) => !h);
      } else if (e.key === "/") {
        const el = document.querySelector<HTMLElement>("[data-search]");
        if (el) {
          e.preventDefault();
          el.focus();
        }
      } else if (e.key === "n") {
        e.preventDefault();
        window.dispatchEvent(new CustomEvent(NEW_ITEM_EVENT));
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [navigate]);

  const currency = settings.data?.currency ?? "USD";
  return (
    <CurrencyContext.Provider value={currency}>
      <div className="app">
        <nav className="nav" aria-label="Screens">
          <div className="brand">
            <img src="/icon.svg" alt="" width={28} height={28} />
            <span>Partnerdesk</span>
          </div>
          {SCREENS.map((s, i) => (
            <NavLink
              key={s.path}
              to={s.path}
              end={s.path === "/"}
              title={i < 10 ? `g ${s.key} · Alt+${(i + 1) % 10}` : `g ${s.key}`}
            >
              {s.label}
            </NavLink>
          ))}
          <button className="link help-button" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
            Shortcuts <kbd>?</kbd>
          </button>
          <OutboxStatus />
        </nav>
        <main className="main">
          {settings.error && (
            <div className="banner error" role="alert">
              The database could not be opened: {settings.error.message}
            </div>
          )}
          <Outlet />
        </main>
      </div>
      {help && (
        <Modal title="Keyboard shortcuts" onClose={() => setHelp(false)}>
          <table className="shortcuts">
            <tbody>
              <tr>
                <td>
                  <kbd>/</kbd>
                </td>
                <td>Focus the search box of the screen</td>
              </tr>
              <tr>
                <td>
                  <kbd>n</kbd>
                </td>
                <td>New item (application, lead, plan) on the screen</td>
              </tr>
              <tr>
                <td>
                  <kbd>?</kbd>
                </td>
                <td>Show or hide this help</td>
              </tr>
              <tr>
                <td>
                  Task: <kbd>x</kbd> <kbd>z</kbd>
                </td>
                <td>Mark the focused task done / snooze it until tomorrow</td>
              </tr>
              <tr>
                <td>
                  <kbd>Esc</kbd>
                </td>
                <td>Close a dialog</td>
              </tr>
              <tr>
                <td>
                  Lead card: <kbd>←</kbd> <kbd>→</kbd>
                </td>
                <td>Move the focused lead to the previous / next column of the board</td>
              </tr>
              {SCREENS.map((s, i) => (
                <tr key={s.path}>
                  <td>
                    <kbd>g</kbd> <kbd>{s.key}</kbd>
                    {i < 10 && (
                      <>
                        {" "}
                        or <kbd>Alt+{(i + 1) % 10}</kbd>
                      </>
                    )}
                  </td>
                  <td>Go to {s.label}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Modal>
      )}
    </CurrencyContext.Provider>
  );
}
