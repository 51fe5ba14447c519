// Workflow automation in the real app window: switch the onboarding
// checklist on, approve an application and see its e-mails queued in the
// outbox (the approval and the first welcome e-mail) and its checklist on the
// partner page, complete a task with one click, preview a template with the
// partner, and see an unknown merge field refused where it is typed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, launch, tempDb, go, waitText, type, limits } from "./harness.mjs";

const json = (db, ...args) => JSON.parse(cli(db, ...args, "--json").toString());

test("automation: approval queues the welcome e-mail, a template preview, a task completed", limits, async () => {
  const t = tempDb("automation");
  cli(t.db, "init");
  cli(t.db, "settings", "set", "smtp.from", "Agency Partners <partners@agency.example>");
  const application = json(t.db, "application", "add", "--name", "Wren Welcome", "--email", "wren@welcome.example");

  const app = await launch(t.db);
  const b = app.browser;
  try {
    await b.$("[data-screen=dashboard]").waitForDisplayed({ timeout: 30000 });
    // The acknowledgement of the application is queued: the status line says so.
    await waitText(b, "[data-status=outbox]", "1 e-mail queued", 15000);

    // 1. The onboarding checklist, switched on in the Automation screen.
    await go(b, "Automation");
    await b.$("[data-screen=automation]").waitForDisplayed({ timeout: 15000 });
    const onboarding = b.$("tr[data-rule=onboarding_checklist] input[type=checkbox]");
    await onboarding.waitForDisplayed({ timeout: 10000 });
    await onboarding.click();
    await b.waitUntil(async () => json(t.db, "automation", "list").find((r) => r.name === "onboarding_checklist").enabled, {
      timeout: 10000,
      timeoutMsg: "the onboarding checklist was not switched on",
    });

    // 2. Approve: the partner page shows the checklist's tasks.
    await go(b, "Applications");
    await b.$("button=Approve").waitForClickable({ timeout: 15000 });
    await b.$("button=Approve").click();
    await b.$("[data-screen=partner]").waitForDisplayed({ timeout: 15000 });
    await b.waitUntil(async () => (await b.$$("[data-section=tasks] li[data-task]")).length === 3, {
      timeout: 15000,
      timeoutMsg: "the onboarding checklist's three tasks are not on the partner page",
    });
    await waitText(b, "[data-section=tasks]", "Onboarding: Welcome sent");

    // 3. Complete a task with one click.
    await b.$("[data-section=tasks] li[data-task] button[data-action=done]").click();
    await b.waitUntil(async () => (await b.$$("[data-section=tasks] li[data-task]")).length === 2, {
      timeout: 10000,
      timeoutMsg: "the task did not leave the open list",
    });
    const all = json(t.db, "task", "list", "--all");
    assert.equal(all.filter((x) => x.state === "done").length, 1);

    // 4. The welcome e-mail (and the approval) queued in the outbox.
    const partner = json(t.db, "partner", "list").items.find((p) => p.email === "wren@welcome.example");
    assert.ok(partner, "the partner exists");
    await go(b, "Automation");
    await b.$("button[data-tab=outbox]").click();
    await b.$("tr[data-event=welcome_day0][data-status=queued]").waitForDisplayed({ timeout: 15000 });
    await b.$("tr[data-event=application_approved][data-status=queued]").waitForDisplayed({ timeout: 5000 });
    await waitText(b, "tr[data-event=welcome_day0]", "wren@welcome.example");
    await waitText(b, "[data-status=outbox]", "3 e-mails queued", 15000);

    // 5. A template previewed with the partner; an unknown merge field refused at save.
    await b.$("button[data-tab=templates]").click();
    await b.$("button[data-template=application_approved]").click();
    await b.$("[data-editor=application_approved]").waitForDisplayed({ timeout: 10000 });
    await type(b, "[data-editor=application_approved] input[name=record]", partner.id);
    await b.$("[data-editor=application_approved]").$("button=Preview").click();
    await waitText(b, "[data-preview-subject]", "Welcome aboard, Wren Welcome", 10000);
    await waitText(b, "[data-preview-body]", "bronze partner in the Standard group");
    await type(b, "[data-editor=application_approved] input[name=subject]", "Hello {{first_name}}");
    await b.$("[data-editor=application_approved]").$("button=Save template").click();
    await waitText(b, "[data-error-for=subject]", "unknown merge field {{first_name}}", 10000);
    assert.equal(json(t.db, "template", "show", "application_approved").custom, false, "nothing saved");
    assert.equal(application.status, "pending");
  } finally {
    await app.stop();
    t.cleanup();
  }
});
