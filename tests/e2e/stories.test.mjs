// End-to-end stories in the real app window, each on its own database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, tempDb, go, waitText, type, limits } from "./harness.mjs";

async function withApp(fn) {
  const t = tempDb();
  const app = await launch(t.db);
  try {
    await app.browser.$("[data-screen=dashboard]").waitForDisplayed({ timeout: 30000 });
    await fn(app.browser);
  } catch (e) {
    await app.browser.saveScreenshot(`/tmp/e2e-failure-${Date.now()}.png`).catch(() => undefined);
    throw e;
  } finally {
    await app.stop();
    t.cleanup();
  }
}

async function apply(b, name, email) {
  await go(b, "Applications");
  await b.$("button=New application").click();
  await type(b, "form[data-form=application] input[name=name]", name);
  await type(b, "form[data-form=application] input[name=email]", email);
  await type(b, "form[data-form=application] input[name=company]", `${name} Partners`);
  await b.$("button=Save application").click();
  await b.$("[data-detail=application]").waitForDisplayed({ timeout: 10000 });
  await waitText(b, "[data-detail=application]", name);
}

async function approveShown(b) {
  const approve = await b.$("[data-detail=application]").$("button=Approve");
  await approve.click();
  await b.$("[data-screen=partner]").waitForDisplayed({ timeout: 10000 });
}

test("apply, approve: the partner appears", limits, async () => {
  await withApp(async (b) => {
    await apply(b, "Grace Hopper", "grace@example.com");
    await approveShown(b);
    await waitText(b, "[data-screen=partner] h1", "Grace Hopper");
    await go(b, "Partners");
    await waitText(b, "table[aria-label=Partners]", "Grace Hopper");
    await waitText(b, "table[aria-label=Partners]", "grace@example.com");
    await go(b, "Dashboard");
    await waitText(b, "[data-kpi=active-partners] .tile-value", "1");
  });
});

test("lead to won to pending commission, approved, paid", limits, async () => {
  await withApp(async (b) => {
    await apply(b, "Linus Referrer", "linus@example.com");
    await approveShown(b);

    // Add a lead, picking the partner by search.
    await go(b, "Leads");
    await b.$("button=New lead").click();
    await type(b, "form[data-form=lead] input[name=partner_search]", "Linus");
    const option = await b.$("[data-partner-option='Linus Referrer']");
    await option.waitForClickable({ timeout: 10000 });
    await option.click();
    await type(b, "form[data-form=lead] input[name=client_name]", "Acme Buyer");
    await type(b, "form[data-form=lead] input[name=client_email]", "buyer@acme.example");
    await type(b, "form[data-form=lead] input[name=business_name]", "Acme");
    // An amount is read back before it is saved; a decimal comma is refused, not read as ten times more.
    await type(b, "form[data-form=lead] input[name=estimated_value]", "1,5");
    await waitText(b, "form[data-form=lead] [data-amount-echo=estimated_value]", "ambiguous: write 1.5");
    await type(b, "form[data-form=lead] input[name=estimated_value]", "8,000");
    await waitText(b, "form[data-form=lead] [data-amount-echo=estimated_value]", "Reads as 8,000.00");
    await b.$("button=Save lead").click();
    const card = await b.$("[data-column=prospect] [data-client='Acme Buyer']");
    await card.waitForDisplayed({ timeout: 10000 });

    // Move it along with its menu, then close as won with a value.
    await b.$("[data-column=prospect] select[aria-label='Move Acme Buyer']").selectByAttribute("value", "qualified");
    await b.$("[data-column=qualified] [data-client='Acme Buyer']").waitForDisplayed({ timeout: 10000 });
    await b.$("[data-column=qualified] select[aria-label='Move Acme Buyer']").selectByAttribute("value", "closed_won");
    await type(b, "form[data-form=win] input[name=project_value]", "12,500");
    await waitText(b, "form[data-form=win] [data-amount-echo=project_value]", "Reads as 12,500.00");
    await b.$("button=Close as won").click();
    await b.$("[data-column=closed_won] [data-client='Acme Buyer']").waitForDisplayed({ timeout: 10000 });

    // 10% (bronze) of 12,500.00 = 1,250.00, pending.
    await go(b, "Commissions");
    await waitText(b, "table[aria-label=Commissions]", "1,250.00");
    await waitText(b, "table[aria-label=Commissions]", "pending");
    await go(b, "Partners");
    await b.$("a=Linus Referrer").click();
    await waitText(b, "[data-total=pending]", "1,250.00");
    await waitText(b, "table[aria-label='Partner commissions']", "pending");

    // Approve (bulk), then pay with the confirmation showing the total.
    await go(b, "Commissions");
    await b.$("table[aria-label=Commissions] input[aria-label='Select all']").click();
    await b.$("button=Approve selected").click();
    await waitText(b, "table[aria-label=Commissions]", "approved");
    await b.$("input[aria-label='Pay Linus Referrer']").click();
    await b.$("button=Pay chosen partners…").click();
    await waitText(b, "[data-payout-total]", "1,250.00");
    await b.$("[data-payout=confirm]").$("button*=Pay ").click();
    await waitText(b, "[data-payout=done]", "Paid 1 commissions");
    await b.$("[data-payout=done]").$("button=Close").click();
    await waitText(b, "table[aria-label=Commissions]", "paid");
    await go(b, "Partners");
    await b.$("a=Linus Referrer").click();
    await waitText(b, "[data-total=paid]", "1,250.00");
  });
});

test("bad input shows the core's message next to the field and saves nothing", limits, async () => {
  await withApp(async (b) => {
    await go(b, "Applications");
    await b.$("button=New application").click();
    await type(b, "form[data-form=application] input[name=name]", "No Mail");
    await type(b, "form[data-form=application] input[name=email]", "not-an-email");
    await b.$("button=Save application").click();
    const err = await b.$("[data-error-for=email]");
    await err.waitForDisplayed({ timeout: 10000 });
    assert.match(await err.getText(), /^email/);
    // The form is still open; close it: nothing was saved.
    await b.keys("Escape");
    await waitText(b, "[data-screen=applications]", "No application yet.");
    await go(b, "Data");
    await waitText(b, "table[aria-label='Row counts']", "Applications");
    const rows = await b.$$("table[aria-label='Row counts'] tr");
    assert.match(await rows[0].getText(), /^Applications\s*0$/);
  });
});

test("the pipeline board moves a lead with the keyboard (focused card, right arrow)", limits, async () => {
  await withApp(async (b) => {
    await apply(b, "Kay Board", "kay@example.com");
    await approveShown(b);
    await go(b, "Leads");
    await b.$("[data-screen=leads]").waitForDisplayed({ timeout: 10000 });
    await b.keys("n"); // the shortcut opens the new-lead form
    await type(b, "form[data-form=lead] input[name=partner_search]", "Kay");
    await b.$("[data-partner-option='Kay Board']").click();
    await type(b, "form[data-form=lead] input[name=client_name]", "Keyboard Client");
    await type(b, "form[data-form=lead] input[name=client_email]", "kc@client.example");
    await b.$("button=Save lead").click();
    const card = await b.$("[data-column=prospect] [data-client='Keyboard Client']");
    await card.waitForDisplayed({ timeout: 10000 });
    // Focus the card and press the right arrow: next stage.
    await b.execute((el) => el.focus(), card);
    await b.keys("ArrowRight");
    const moved = await b.$("[data-column=qualified] [data-client='Keyboard Client']");
    await moved.waitForDisplayed({ timeout: 10000 });
    await waitText(b, "[data-count=qualified]", "1");
    await waitText(b, "[data-count=prospect]", "0");

  });
});
