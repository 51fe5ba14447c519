// A month of payouts in the real app window, with time moved by
// PARTNERDESK_NOW: deals won (and one reopened after it was paid), the hold
// passing (run-due approves the wins whose 30 days are over; a younger one
// shows its release date), an attribution conflict
// decided on the dashboard, the payout run that is due (one partner paid, one
// below the minimum, one with a negative balance), its Wise file and
// self-billing statement, the carried balance on the partner page, and a
// later payout whose statement brings the negative balance forward, and the
// year-end tax report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { cli, launch, tempDb, go, waitText, type, limits } from "./harness.mjs";

const at = (now, db, ...args) => {
  const before = process.env.PARTNERDESK_NOW;
  process.env.PARTNERDESK_NOW = now;
  try {
    return JSON.parse(cli(db, ...args, "--json").toString());
  } finally {
    if (before === undefined) delete process.env.PARTNERDESK_NOW;
    else process.env.PARTNERDESK_NOW = before;
  }
};

test("payouts: hold, conflict, a run with skips, Wise file, statements and the carried balance", limits, async () => {
  const t = tempDb("payouts");
  cli(t.db, "init");
  const d1 = "2026-03-02T10:00:00Z";
  const partner = (name, email) =>
    at(d1, t.db, "application", "approve", at(d1, t.db, "application", "add", "--name", name, "--email", email).id).partner.id;
  const ann = partner("Ann Able", "ann@able.example");
  const bo = partner("Bo Small", "bo@small.example");
  const cy = partner("Cy Minus", "cy@minus.example");
  const lead = (now, p, email, business, value) =>
    at(now, t.db, "lead", "add", "--partner", p, "--client-name", `Client ${business}`, "--client-email", email, "--business", business, "--estimated-value", value);
  const win = (now, id, value) => at(now, t.db, "lead", "move", id, "closed_won", "--value", value).commission.id;

  // Cy was paid 100.00 in March (approval by hand then), and the payout day is the 5th.
  at(d1, t.db, "group", "set", "Standard", "--hold-days", "0");
  const cyLead = lead(d1, cy, "big@cy.example", "Cy Big", "1000").lead.id;
  at(d1, t.db, "commission", "approve", win(d1, cyLead, "1000"));
  at(d1, t.db, "payout", "run", "--partner", cy);
  at(d1, t.db, "group", "set", "Standard", "--hold-days", "30", "--payout-day", "5");

  // The wins of the month, and Cy's deal reopened: a clawback of the paid 100.00.
  const d2 = "2026-03-03T10:00:00Z";
  win(d2, lead(d2, ann, "shop@ann.example", "Ann Shop", "2000").lead.id, "2000");
  win(d2, lead(d2, bo, "tiny@bo.example", "Bo Tiny", "300").lead.id, "300");
  const claw = at(d2, t.db, "lead", "move", cyLead, "negotiating").clawback.id;
  at(d2, t.db, "commission", "approve", claw);
  // Bo brings Ann's client (the same business, other case and accents): a conflict.
  const conflict = lead(d2, bo, "other@ann.example", "ANN SHOP", "500");
  assert.equal(conflict.conflict.matched_on, "business_name");
  // A win a few days before the run: still in its hold then.
  const young = win("2026-03-31T10:00:00Z", lead("2026-03-31T10:00:00Z", ann, "late@ann.example", "Ann Late", "1000").lead.id, "1000");

  // The 5th of April: the wins' 30 days are over. run-due (which the app also
  // runs at start, in the background) approves them, once.
  const d3 = "2026-04-05T09:00:00Z";
  at(d3, t.db, "settings", "set", "tax.threshold", "150");
  const due = at(d3, t.db, "run-due");
  assert.deepEqual([due.released.count, due.released.amount], [2, 23000]);
  process.env.PARTNERDESK_NOW = d3;
  const app = await launch(t.db);
  const b = app.browser;
  const work = t.dir;
  try {
    await b.$("[data-screen=dashboard]").waitForDisplayed({ timeout: 30000 });
    // The run of the 5th is due: 200.00 to Ann.
    await waitText(b, "[data-card=payout-due]", "200.00", 30000);

    // The conflict, decided: the client stays with Ann; Bo's lead is closed as lost.
    const item = `[data-conflict='${conflict.lead.id}']`;
    await b.$(item).waitForDisplayed({ timeout: 10000 });
    await b.$(`${item} button[data-action=resolve]`).click();
    await waitText(b, `${item} [data-error-for=reason]`, "reason");
    await b.$(`${item} select[name=keep]`).selectByAttribute("value", "first");
    await type(b, `${item} input[name=reason]`, "Ann brought them first");
    await b.$(`${item} button[data-action=resolve]`).click();
    await waitText(b, "[data-card=conflicts]", "No attribution conflict.", 15000);
    assert.equal(at(d3, t.db, "lead", "show", conflict.lead.id).lead.status, "closed_lost");

    // The pending win shows the day its hold ends.
    await go(b, "Commissions");
    await b.$("select[aria-label=Status]").selectByAttribute("value", "pending");
    await b.waitUntil(async () => (await b.$$("[data-release]")).length === 1, {
      timeout: 15000,
      timeoutMsg: "the pending commission shows no release date",
    });
    assert.ok((await b.$("[data-release]").getAttribute("data-release")).startsWith("2026-04-30"));
    assert.equal(at(d3, t.db, "commission", "list", "--status", "pending").items[0].id, young);

    // The payout run: Ann paid; Bo below the minimum, Cy with a negative balance.
    await b.$("[data-action=payout-run]").click();
    await waitText(b, "[data-payout-total]", "200.00", 15000);
    await waitText(b, "[data-payout-skipped] tr[data-skipped=below_minimum]", "Bo Small");
    await waitText(b, "[data-payout-skipped] tr[data-skipped=negative_balance]", "Cy Minus");
    await b.$("[data-payout=confirm]").$("button*=Pay ").click();
    await waitText(b, "[data-payout=done]", "Paid 1 commissions", 15000);
    // The Wise file, then Ann's self-billing statement.
    await b.$("[data-payout=done] select[name=format]").selectByAttribute("value", "wise");
    const wise = path.join(work, "april-wise.csv");
    await type(b, "input[data-path=run-file-path]", wise);
    await b.$("[data-action=run-file]").click();
    await waitText(b, "[data-result=run-file]", "Payout file written", 15000);
    const lines = readFileSync(wise, "utf8").trim().split(/\r?\n/);
    assert.equal(lines[0], "name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,sourceCurrency,targetCurrency");
    assert.equal(lines[1], "Ann Able,ann@able.example,SB-2026-000002,PERSON,target,200.00,USD,USD");
    const annDoc = path.join(work, "ann.html");
    const row = "[data-statement='SB-2026-000002']";
    await type(b, `${row} input[data-path]`, annDoc);
    await b.$(`${row} button[data-action=statement]`).click();
    await waitText(b, `${row} [data-result=statement]`, "SB-2026-000002", 15000);
    assert.ok(readFileSync(annDoc, "utf8").includes("Self-billing statement SB-2026-000002"));
    await b.$("[data-payout=done]").$("button=Close").click();

    // Cy's partner page: the negative balance is carried forward.
    await b.execute((id) => {
      window.location.hash = `#/partners/${id}`;
    }, cy);
    await waitText(b, "[data-carried]", "100.00", 15000);
    assert.match(await b.$("[data-carried]").getText(), /^-/, "a negative balance carried");
    // The tax form: a bad day is refused next to its field; then saved.
    await b.$("[data-card=tax] select[name=form]").selectByAttribute("value", "w9");
    await type(b, "[data-card=tax] input[name=received]", "2026-02-30");
    await b.$("[data-action=save-tax]").click();
    await waitText(b, "[data-card=tax] [data-error-for=received]", "YYYY-MM-DD");
    await type(b, "[data-card=tax] input[name=received]", "2026-02-28");
    await type(b, "[data-card=tax] input[name=tax_id]", "98-765");
    await b.$("[data-action=save-tax]").click();
    await waitText(b, "[data-tax-status]", "W-9, received 2026-02-28", 15000);
    assert.equal(at(d3, t.db, "partner", "balance", cy).tax.tax_id, "98-765");

    // A bonus later that day, approved: Cy's next payout nets the carried clawback.
    const later = "2026-04-05T11:00:00Z";
    const bonus = at(later, t.db, "commission", "bonus", cy, "--amount", "300", "--reason", "April campaign");
    at(later, t.db, "commission", "approve", bonus.id);
    await go(b, "Commissions");
    await b.$(`input[aria-label='Pay Cy Minus']`).waitForDisplayed({ timeout: 15000 });
    await b.$(`input[aria-label='Pay Cy Minus']`).click();
    await b.$("button=Pay chosen partners…").click();
    await waitText(b, "[data-payout-total]", "200.00", 15000);
    await b.$("[data-payout=confirm]").$("button*=Pay ").click();
    await waitText(b, "[data-payout=done]", "Paid 2 commissions", 15000);
    const cyDoc = path.join(work, "cy.html");
    const cyRow = "[data-statement='SB-2026-000003']";
    await type(b, `${cyRow} input[data-path]`, cyDoc);
    await b.$(`${cyRow} button[data-action=statement]`).click();
    await waitText(b, `${cyRow} [data-result=statement]`, "SB-2026-000003", 15000);
    const page = readFileSync(cyDoc, "utf8");
    assert.ok(page.includes("Balance brought forward"), page);
    assert.ok(page.includes("-100.00"), page);
    assert.ok(page.includes("Balance carried forward"), page);
    await b.$("[data-payout=done]").$("button=Close").click();

    // The year-end tax report (threshold 150.00): Ann and Cy, not Bo.
    await go(b, "Data");
    const report = path.join(work, "tax-2026.csv");
    await type(b, "[data-section=tax-report] input[name=year]", "2026");
    await type(b, "input[data-path=tax-report-path]", report);
    await b.$("[data-action=tax-report]").click();
    await waitText(b, "[data-result=tax-report]", "2 partner(s)", 15000);
    const csv = readFileSync(report, "utf8");
    assert.ok(csv.includes("Ann Able") && csv.includes("Cy Minus") && !csv.includes("Bo Small"), csv);
  } catch (e) {
    await b.saveScreenshot(`/tmp/e2e-payouts-failure-${Date.now()}.png`).catch(() => undefined);
    throw e;
  } finally {
    delete process.env.PARTNERDESK_NOW;
    await app.stop();
    t.cleanup();
  }
});
