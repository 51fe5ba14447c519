import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { createHashRouter, RouterProvider } from "react-router";
import { Layout } from "./components/Layout";
import { DashboardScreen } from "./screens/Dashboard";
import { ApplicationsScreen } from "./screens/Applications";
import { PartnersScreen } from "./screens/Partners";
import { PartnerPage } from "./screens/PartnerPage";
import { LeadsScreen } from "./screens/Leads";
import { CommissionsScreen } from "./screens/Commissions";
import { PlansScreen } from "./screens/Plans";
import { AnalyticsScreen } from "./screens/Analytics";
import { DataScreen } from "./screens/Data";
import { RecoveryScreen } from "./screens/data/Recovery";
import { dataApi, securityApi } from "./lib/api";
import { SettingsScreen } from "./screens/Settings";
import { SimulatorScreen } from "./screens/Simulator";
import { AuditScreen } from "./screens/Audit";
import { AutomationScreen } from "./screens/Automation";
import "./styles.css";

// Launch timing marks, read by the e2e launch measurement (tests/e2e/screens.test.mjs).
performance.mark("pd:script");

const router = createHashRouter([
  {
    path: "/",
    element: <Layout />,
    children: [
      { index: true, element: <DashboardScreen /> },
      { path: "applications", element: <ApplicationsScreen /> },
      { path: "applications/:id", element: <ApplicationsScreen /> },
      { path: "partners", element: <PartnersScreen /> },
      { path: "partners/:id", element: <PartnerPage /> },
      { path: "leads", element: <LeadsScreen /> },
      { path: "leads/:id", element: <LeadsScreen /> },
      { path: "commissions", element: <CommissionsScreen /> },
      { path: "plans", element: <PlansScreen /> },
      { path: "plans/:id", element: <PlansScreen /> },
      { path: "analytics", element: <AnalyticsScreen /> },
      { path: "data", element: <DataScreen /> },
      { path: "settings", element: <SettingsScreen /> },
      { path: "settings/simulator", element: <SimulatorScreen /> },
      { path: "audit", element: <AuditScreen /> },
      { path: "automation", element: <AutomationScreen /> },
    ],
  },
]);

/** A database that cannot be opened gets the recovery screen instead of the app. */
function Root() {
  const [state, setState] = useState<"loading" | "recovery" | "app">("loading");
  useEffect(() => {
    dataApi.recovery().then(
      (r) => {
        performance.mark("pd:opened");
        setState(r ? "recovery" : "app");
      },
      () => setState("app"),
    );
  }, []);
  if (state === "loading") return null;
  if (state === "recovery")
    return (
      <main className="main recovery-main">
        <RecoveryScreen />
      </main>
    );
  return (
    <>
      <IdleLock />
      <RouterProvider router={router} />
    </>
  );
}

/** Lock an encrypted database after `security.lock_minutes` minutes without input (0: never). */
function IdleLock() {
  const [minutes, setMinutes] = useState(0);
  useEffect(() => {
    securityApi.state().then(
      (s) => setMinutes(s.encrypted ? s.lock_minutes : 0),
      () => undefined,
    );
  }, []);
  useEffect(() => {
    if (minutes <= 0) return;
    let timer = 0;
    const arm = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        securityApi.lock().then(
          () => window.location.reload(),
          () => arm(),
        );
      }, minutes * 60_000);
    };
    const events = ["keydown", "pointerdown", "pointermove", "wheel"] as const;
    events.forEach((ev) => window.addEventListener(ev, arm, { passive: true }));
    arm();
    return () => {
      window.clearTimeout(timer);
      events.forEach((ev) => window.removeEventListener(ev, arm));
    };
  }, [minutes]);
  return null;
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
