// The Analytics screen on a demo database: the heat map and its table follow
// the measure, the forecast table follows the horizon, the model comparison
// lists the three models with their backtest errors, charts save as PNG and
// SVG through the typed-path route (WebDriver cannot drive the native save
// dialog), and snapshots are taken automatically and on demand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { launch, tempDb, demoDb, go, type, limits, onReference } from "./harness.mjs";

const rowsOf = async (b, table) => (await b.$$(`table[data-table=${table}] tbody tr`)).length;
const html = (b, selector) => b.execute((s) => document.querySelector(s)?.innerHTML ?? "", selector);

async function saveTyped(b, kind, file) {
  const form = await b.$(`[data-testid=save-form-${kind}]`);
  if (!(await form.isExisting())) await b.$(`[data-testid=save-path-open-${kind}]`).click();
  await type(b, `[data-testid=save-path-${kind}]`, file);
  await b.$(`[data-testid=save-submit-${kind}]`).click();
  const status = await b.$(`[data-testid=save-status-${kind}]`);
  await status.waitForExist({ timeout: 20000 });
  return { ok: (await status.getAttribute("data-ok")) === "true", text: await status.getText() };
}

test("analytics on the demo data set: heat map, measure, horizon, models, saving, snapshots", limits, async () => {
  const t = tempDb("analytics");
  demoDb(t.db, 200, 3000);
  const app = await launch(t.db);
  const b = app.browser;
  try {
    await b.setWindowSize(1280, 800).catch(() => undefined);
    await go(b, "Analytics");
    await b.$("[data-screen=analytics]").waitForDisplayed({ timeout: 15000 });

    // The heat map (an SVG from the core) and the cohort table with a size per row.
    await b.$("[data-chart=cohorts][data-ready=true] svg").waitForExist({ timeout: 30000 });
    assert.match(await html(b, "[data-chart=cohorts]"), /Cohorts by approval month: active share/);
    const loadMs = Number(await b.$("[data-load-ms]").getAttribute("data-load-ms"));
    console.log(`analytics_screen round trip from the page (200 partners, 3000 leads): ${loadMs} ms`);
    const cohortRows = await rowsOf(b, "cohorts");
    assert.ok(cohortRows >= 20, `a row per approval month, got ${cohortRows}`);
    const header = await b.$("table[data-table=cohorts] thead").getText();
    assert.match(header, /size/i);
    const activeText = await b.$("table[data-table=cohorts] tbody").getText();
    assert.match(activeText, /%/, "the active measure is a share");
    assert.match(await b.$("[data-formula=cohorts]").getText(), /active\[c\]\[k\]/);

    // Measure: revenue changes the table's values, the formula and the heat map.
    await b.$("select[data-control=measure]").selectByAttribute("value", "revenue");
    await b.waitUntil(async () => (await b.$("table[data-table=cohorts]").getAttribute("data-measure")) === "revenue", {
      timeout: 10000,
      timeoutMsg: "the cohort table did not switch to revenue",
    });
    const revenueText = await b.$("table[data-table=cohorts] tbody").getText();
    assert.notEqual(revenueText, activeText);
    assert.doesNotMatch(revenueText, /%/, "revenue cells are amounts");
    assert.match(await b.$("[data-formula=cohorts]").getText(), /revenue\[c\]\[k\]/);
    await b.waitUntil(async () => (await html(b, "[data-chart=cohorts]")).includes("won revenue per partner"), {
      timeout: 15000,
      timeoutMsg: "the heat map was not redrawn for revenue",
    });

    // A month range narrows the cohorts; a bad month is refused at the field.
    await type(b, "input[data-control=from]", "2030-01");
    await b.waitUntil(async () => (await b.$$("table[data-table=cohorts] tbody tr")).length === 0 || (await b.$("[data-section=cohorts] .empty").isExisting()), {
      timeout: 10000,
      timeoutMsg: "a range after every cohort did not empty the table",
    });
    await type(b, "input[data-control=from]", "2030/01");
    await b.$("[data-error-for=from]").waitForDisplayed({ timeout: 5000 });
    await type(b, "input[data-control=from]", "2000-01");
    await b.waitUntil(async () => (await rowsOf(b, "cohorts")) === cohortRows, { timeout: 10000 });

    // LTV: both tables and charts, with the formula.
    assert.equal(await rowsOf(b, "ltv-tier"), 4);
    assert.ok((await rowsOf(b, "ltv-cohort")) >= 20);
    await b.$("[data-chart=ltv_tier][data-ready=true] svg").waitForExist({ timeout: 20000 });
    await b.$("[data-chart=ltv_cohort][data-ready=true] svg").waitForExist({ timeout: 20000 });
    assert.match(await b.$("[data-formula=ltv_tier]").getText(), /predicted LTV/);

    // Forecast: one row per month of the horizon.
    await b.$("[data-chart=forecast][data-ready=true] svg").waitForExist({ timeout: 20000 });
    assert.equal(await rowsOf(b, "forecast"), 6);
    for (const h of [3, 12, 1]) {
      await b.$("select[data-control=horizon]").selectByAttribute("value", String(h));
      await b.waitUntil(async () => (await rowsOf(b, "forecast")) === h, {
        timeout: 10000,
        timeoutMsg: `the forecast table did not show ${h} rows`,
      });
    }
    await b.$("[data-chart=forecast][data-ready=true] svg").waitForExist({ timeout: 20000 });

    // The model comparison: three models per series, with MASE and sMAPE numbers.
    const models = await b.$$("table[data-table=models] tbody tr[data-series=won_revenue]");
    const names = [];
    for (const r of models) names.push(await r.getAttribute("data-model"));
    assert.deepEqual(names, ["seasonal_naive", "holt", "holt_winters"]);
    // Every model is scored on the demo's 24 months (Holt-Winters fits from 16).
    for (const r of models) {
      const mase = await r.$("[data-metric=mase]").getText();
      const smape = await r.$("[data-metric=smape]").getText();
      assert.match(mase, /^\d+\.\d{3}$/, `MASE of ${await r.getAttribute("data-model")}`);
      assert.match(smape, /^\d+\.\d%$/);
    }
    assert.equal((await b.$$("table[data-table=models] .best")).length, 2, "a best model per series");
    assert.ok((await rowsOf(b, "pipeline")) >= 4);
    await b.$("[data-chart=pipeline][data-ready=true] svg").waitForExist({ timeout: 20000 });

    // Table/chart toggles are buttons: the keyboard reaches and presses them.
    const toggle = await b.$("[data-figure=ltv_tier] [data-toggle=table]");
    await b.execute((el) => el.focus(), toggle);
    await b.keys("Enter");
    await b.waitUntil(async () => !(await b.$("table[data-table=ltv-tier]").isExisting()), { timeout: 5000 });
    assert.equal(await toggle.getAttribute("aria-pressed"), "false");
    await b.keys(" ");
    await b.$("table[data-table=ltv-tier]").waitForExist({ timeout: 5000 });

    // Saving through a typed path: a PNG (magic bytes) and an SVG; a bad extension is refused.
    const png = path.join(t.dir, "forecast.png");
    let r = await saveTyped(b, "forecast", png);
    assert.ok(r.ok, r.text);
    assert.ok(existsSync(png));
    assert.deepEqual([...readFileSync(png).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const svg = path.join(t.dir, "cohorts.svg");
    r = await saveTyped(b, "cohorts", svg);
    assert.ok(r.ok, r.text);
    const svgText = readFileSync(svg, "utf8");
    assert.ok(svgText.startsWith("<svg") && svgText.trimEnd().endsWith("</svg>"));
    assert.match(svgText, /won revenue per partner/, "the saved heat map is the one on screen");
    r = await saveTyped(b, "snapshots", path.join(t.dir, "trend.gif"));
    assert.ok(!r.ok);
    assert.match(r.text, /\.png or \.svg/);
    assert.ok(!existsSync(path.join(t.dir, "trend.gif")));

    // Snapshots: the first use of the day took today's; "Take snapshot now" replaces it.
    await b.$("[data-chart=snapshots][data-ready=true] svg").waitForExist({ timeout: 20000 });
    assert.equal(await rowsOf(b, "snapshots"), 1, "the automatic snapshot of today");
    const today = new Date().toISOString().slice(0, 10);
    const first = await b.$("table[data-table=snapshots] tbody tr");
    assert.equal(await first.getAttribute("data-day"), today);
    const takenBefore = await first.getAttribute("data-taken-at");
    await b.pause(1100); // the taken-at time has millisecond text; make the difference plain
    await b.$("[data-action=take-snapshot]").click();
    await b.waitUntil(
      async () => (await b.$("table[data-table=snapshots] tbody tr").getAttribute("data-taken-at")) !== takenBefore,
      { timeout: 10000, timeoutMsg: "taking a snapshot did not update today's row" },
    );
    assert.equal(await rowsOf(b, "snapshots"), 1, "one row per day");
  } finally {
    await app.stop();
    t.cleanup();
  }
});

test("analytics on an empty database says how to get data", limits, async () => {
  const t = tempDb("empty");
  const app = await launch(t.db);
  const b = app.browser;
  try {
    await go(b, "Analytics");
    await b.$("[data-screen=analytics] .empty").waitForDisplayed({ timeout: 15000 });
    assert.match(await b.$("[data-screen=analytics] .empty").getText(), /No partners yet/);
    assert.equal((await b.$$("[data-section]")).length, 0);
  } finally {
    await app.stop();
    t.cleanup();
  }
});

// The reference data set (100k partners, 2M leads) when one is at hand:
// PARTNERDESK_REFERENCE_DB=/tmp/partnerdesk-reference.db (see `make demo-reference`).
// The app takes the day's snapshot in it, so point it at a copy.
test("analytics timings on the reference data set", onReference, async () => {
  const app = await launch(process.env.PARTNERDESK_REFERENCE_DB);
  const b = app.browser;
  try {
    await b.setWindowSize(1280, 800).catch(() => undefined);
    await b.$("[data-kpi=open-pipeline] .tile-value").waitForDisplayed({ timeout: 120000 });
    const times = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      await go(b, "Analytics");
      await b.$("[data-load-ms]").waitForExist({ timeout: 60000 });
      const ms = Number(await b.$("[data-load-ms]").getAttribute("data-load-ms"));
      for (const c of ["cohorts", "ltv_tier", "ltv_cohort", "forecast", "pipeline", "snapshots"]) {
        await b.$(`[data-chart=${c}][data-ready=true] svg`).waitForExist({ timeout: 60000 });
      }
      times.push({ data_ms: ms, charts_ms: Date.now() - t0 });
      await go(b, "Dashboard");
      await b.$("[data-screen=dashboard]").waitForDisplayed({ timeout: 60000 });
    }
    console.log(`analytics on the reference data set (page round trip of analytics_screen; until every chart is drawn): ${JSON.stringify(times)}`);
  } finally {
    await app.stop();
  }
});
