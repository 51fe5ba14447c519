// Commission rules in the real app window: create a group, move a partner
// into it, give the group its own rate (a change previewed by the simulator
// before it is saved, re-rating the pending commission), win a deal and see
// the group's rate and its trace on the partner page; a dated change for new
// deals only; and a simulation of a draft.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, launch, tempDb, go, waitText, type, limits } from "./harness.mjs";

const json = (db, ...args) => JSON.parse(cli(db, ...args, "--json").toString());

test("rules: a group with its own rate, the trace of each commission, both scopes, a simulation", limits, async () => {
  const t = tempDb("rules");
  cli(t.db, "init");
  const app0 = json(t.db, "application", "add", "--name", "Gina Group", "--email", "gina@group.example");
  const partner = json(t.db, "application", "approve", app0.id).partner;
  const lead = (email, value) =>
    json(t.db, "lead", "add", "--partner", partner.id, "--client-name", `Client ${email}`, "--client-email", email, "--estimated-value", value).lead.id;
  const early = lead("early@client.example", "1000");
  const later = lead("later@client.example", "2000");
  // Won under the default table (bronze 10 %): a pending commission.
  json(t.db, "lead", "move", early, "closed_won");

  const app = await launch(t.db);
  const b = app.browser;
  const partnerPage = async () => {
    await b.execute((id) => {
      window.location.hash = `#/partners/${id}`;
    }, partner.id);
    await b.$("[data-card=partner-rules]").waitForDisplayed({ timeout: 15000 });
  };
  try {
    await b.$("[data-screen=dashboard]").waitForDisplayed({ timeout: 30000 });

    // 1. A group, and the partner moved into it.
    await go(b, "Settings");
    await b.$("[data-section=rules]").waitForDisplayed({ timeout: 15000 });
    await type(b, "form[aria-label='Add group'] input[name=name]", "Agencies");
    await b.$("form[aria-label='Add group'] button[type=submit]").click();
    await b.$("tr[data-group=Agencies]").waitForDisplayed({ timeout: 10000 });
    await partnerPage();
    const agencies = await b.$("select[aria-label='Set group']").$("option=Agencies");
    await b.$("select[aria-label='Set group']").selectByVisibleText("Agencies");
    const groupId = await agencies.getAttribute("value");
    await b.waitUntil(async () => json(t.db, "partner", "show", partner.id).partner?.group_id === groupId || json(t.db, "partner", "show", partner.id).group_id === groupId, {
      timeout: 10000,
      timeoutMsg: "the partner did not move into the group",
    });

    // 2. The group's own bronze rate, 20 %, also for pending commissions:
    //    previewed with the simulator, then saved.
    await go(b, "Settings");
    await b.$("select[aria-label='Table of']").waitForDisplayed({ timeout: 10000 });
    await b.$("select[aria-label='Table of']").selectByVisibleText("group Agencies");
    await waitText(b, "form[aria-label='Change a tier'] h4", "of Agencies");
    const form = "form[aria-label='Change a tier']";
    await b.$(`${form} select[name=tier]`).selectByAttribute("value", "bronze");
    await type(b, `${form} input[name=rate]`, "20");
    await b.$(`${form} select[name=scope]`).selectByAttribute("value", "pending");
    await b.$(form).$("button=Preview cost").click();
    await b.$(`${form} [data-preview]`).waitForDisplayed({ timeout: 30000 });
    await waitText(b, `${form} [data-preview]`, "with this change");
    await b.$(form).$("button=Save version").click();
    await waitText(b, "table[aria-label='Rule versions']", "also pending commissions", 15000);

    // The pending commission was re-rated; a deal won now gets the group's rate.
    json(t.db, "lead", "move", later, "closed_won");
    await partnerPage();
    await b.waitUntil(async () => (await b.$$("tr[data-commission] td[data-rule=group_tier]")).length === 2, {
      timeout: 15000,
      timeoutMsg: "the two commissions do not show the group's tier rule",
    });
    await waitText(b, "table[aria-label='Partner commissions']", "20%");
    await waitText(b, "table[aria-label='Partner commissions']", "group tier");
    const rows = json(t.db, "commission", "list", "--partner", partner.id);
    const items = rows.items ?? rows;
    assert.deepEqual(
      items.map((c) => [c.commission_rate, c.rule.kind]).sort(),
      [
        [2000, "group_tier"],
        [2000, "group_tier"],
      ],
    );

    // 3. A change for new deals only: the versions list says so.
    await go(b, "Settings");
    await b.$("select[aria-label='Table of']").selectByVisibleText("group Agencies");
    await b.$(`${form} select[name=tier]`).selectByAttribute("value", "silver");
    await type(b, `${form} input[name=rate]`, "14");
    await b.$(`${form} select[name=scope]`).selectByAttribute("value", "new");
    await b.$(form).$("button=Preview cost").click();
    await b.$(`${form} [data-preview]`).waitForDisplayed({ timeout: 30000 });
    await b.$(form).$("button=Save version").click();
    await b.waitUntil(async () => (await b.$$("table[aria-label='Rule versions'] tr[data-version]")).length >= 3, {
      timeout: 15000,
      timeoutMsg: "the new version is not listed",
    });
    await waitText(b, "table[aria-label='Rule versions']", "new deals");

    // 3b. The group goes back to the default table: a new version that says so.
    const back = "form[aria-label='Use the default table']";
    await b.$(back).$("button=Agencies uses the default table").click();
    await waitText(b, "table[aria-label='Rule versions']", "the default table", 15000);
    await b.$(back).waitForDisplayed({ reverse: true, timeout: 15000 });

    // 4. A simulation of a draft: the cost per month and per partner.
    await b.execute(() => {
      window.location.hash = "#/settings/simulator";
    });
    await b.$("[data-screen=simulator]").waitForDisplayed({ timeout: 15000 });
    await type(b, "textarea[name=draft]", '{"groups": {"Agencies": {"tiers": [{"tier": "bronze", "rate": 25}]}}}');
    await b.$("form[aria-label=Simulate] button[type=submit]").click();
    await b.$("[data-simulation]").waitForDisplayed({ timeout: 30000 });
    await waitText(b, "table[aria-label='Per partner']", "Gina Group", 15000);
  } catch (e) {
    await b.saveScreenshot(`/tmp/e2e-rules-failure-${Date.now()}.png`).catch(() => undefined);
    throw e;
  } finally {
    await app.stop();
    t.cleanup();
  }
});
