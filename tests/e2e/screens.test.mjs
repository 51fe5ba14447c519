// Every screen on a demo database: a screenshot of each into docs/screenshots/,
// and the time from launch to a usable dashboard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, tempDb, demoDb, go, screenshot, waitText, limits, onReference } from "./harness.mjs";

const SCREENS = [
  ["Dashboard", "dashboard"],
  ["Applications", "applications"],
  ["Partners", "partners"],
  ["Leads", "leads"],
  ["Commissions", "commissions"],
  ["App plans", "plans"],
  ["Analytics", "analytics"],
  ["Data", "data"],
  ["Settings", "settings"],
  ["Audit log", "audit"],
];

/**
 * Launch on `db` and time until the dashboard shows its figures; `parts` says
 * where the time went, from the page's own clock (same system clock as ours):
 * until the page's navigation starts (WebDriver session, app process, WebKit),
 * the script evaluated, the database opened (first command), the dashboard's
 * figures rendered.
 */
async function timedLaunch(db) {
  const app = await launch(db);
  await app.browser.$("[data-kpi=open-pipeline] .tile-value").waitForDisplayed({ timeout: 60000 });
  const ms = Date.now() - app.startedAt;
  // The page marks the figures once they are painted (two frames later).
  await app.browser.waitUntil(() => app.browser.execute(() => performance.getEntriesByName("pd:dashboard").length > 0), {
    timeout: 10000,
    timeoutMsg: "the dashboard never marked its figures shown",
  });
  const page = await app.browser.execute(() => ({
    origin: performance.timeOrigin,
    marks: Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, m.startTime])),
  }));
  const at = (name) => Math.round(page.marks[name] ?? NaN);
  const parts = `navigation starts ${Math.round(page.origin - app.startedAt)} ms; then script ${at("pd:script")}, database open ${at("pd:opened")}, figures shown ${at("pd:dashboard")} ms`;
  return { app, ms, parts };
}

test("every screen on the demo data set, with screenshots", limits, async () => {
  const t = tempDb("demo");
  demoDb(t.db, 200, 3000);
  const { app, ms, parts } = await timedLaunch(t.db);
  console.log(`launch to usable dashboard (200 partners, 3000 leads): ${ms} ms (${parts})`);
  const b = app.browser;
  try {
    await b.setWindowSize(1280, 800).catch(() => undefined);
    for (const [label, key] of SCREENS) {
      await go(b, label);
      await b.$(`[data-screen=${key}]`).waitForDisplayed({ timeout: 15000 });
      await b.waitUntil(async () => !(await b.$("p=Loading…").isExisting()), { timeout: 15000 });
      if (key === "leads") await b.$("[data-column=prospect] .lead-card").waitForDisplayed({ timeout: 15000 });
      if (key === "analytics") {
        // The charts arrive after the figures: wait for the heat map and the forecast.
        for (const chart of ["cohorts", "forecast"]) await b.$(`[data-chart=${chart}][data-ready=true] svg`).waitForExist({ timeout: 30000 });
      }
      if (key === "partners") await b.$("table[aria-label=Partners] tbody tr").waitForDisplayed({ timeout: 15000 });
      if (key === "data") await b.$("[data-section=backups] table, [data-empty=backups]").waitForDisplayed({ timeout: 15000 });
      if (key === "plans") {
        const first = await b.$(".plan-list a");
        if (await first.isExisting()) {
          await first.click();
          await b.$("[data-detail=plan]").waitForDisplayed({ timeout: 15000 });
        }
      }
      await screenshot(b, `${String(SCREENS.findIndex((s) => s[1] === key) + 1).padStart(2, "0")}-${key}`);
    }
    // The partner page of the first partner, the lead table and the help overlay.
    await go(b, "Partners");
    await b.$("table[aria-label=Partners] tbody tr a").click();
    await b.$("[data-screen=partner]").waitForDisplayed({ timeout: 15000 });
    await screenshot(b, "11-partner-page");
    await go(b, "Leads");
    await b.$("button=Table").click();
    await b.$("table[aria-label=Leads] tbody tr").waitForDisplayed({ timeout: 15000 });
    await screenshot(b, "12-leads-table");
    // Search (the full-text index): the first lead is found by its client's
    // name, and the table says how the results are ordered.
    const firstClient = await b.$("table[aria-label=Leads] tbody tr td a").getText();
    assert.equal(await b.$("[data-order]").getText(), "Newest first");
    await b.$("input[data-search]").setValue(firstClient);
    await waitText(b, "[data-order]", "Newest added first");
    await b.waitUntil(
      async () => {
        const names = [];
        for (const a of await b.$$("table[aria-label=Leads] tbody tr td:first-child a")) names.push(await a.getText());
        return names.length > 0 && names.every((n) => n === firstClient);
      },
      { timeout: 10000, timeoutMsg: `searching "${firstClient}" lists that client's leads` },
    );
    await go(b, "Dashboard");
    await b.$("[data-screen=dashboard]").waitForDisplayed();
    await b.keys("?");
    await waitText(b, "[role=dialog]", "Keyboard shortcuts");
    await screenshot(b, "13-shortcuts");
    await b.keys("Escape");
    // g p goes to Partners, / focuses its search.
    await b.keys(["g"]);
    await b.keys(["p"]);
    await b.$("[data-screen=partners]").waitForDisplayed({ timeout: 10000 });
    await b.keys("/");
    const focused = await b.execute(() => document.activeElement?.getAttribute("aria-label"));
    assert.equal(focused, "Search partners");
  } finally {
    await app.stop();
    t.cleanup();
  }
});

// The reference data set (100k partners, 2M leads) when one is at hand:
// PARTNERDESK_REFERENCE_DB=/tmp/partnerdesk-reference.db (see `make demo-reference`).
test("launch to dashboard on the reference data set", onReference, async () => {
  const { app, ms, parts } = await timedLaunch(process.env.PARTNERDESK_REFERENCE_DB);
  console.log(`launch to usable dashboard (reference data set): ${ms} ms (${parts})`);
  await app.stop();
});
