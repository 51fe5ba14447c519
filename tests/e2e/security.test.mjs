// Encryption at rest in the real app window: a demo database encrypted with
// the CLI opens on the unlock screen; a wrong passphrase is refused there, the
// right one opens the dashboard; Settings → Security says it is encrypted and
// locks it again; an export warns that its files are plain.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { CLI, launch, tempDb, demoDb, go, waitText, type, limits } from "./harness.mjs";

const PASS = "a long e2e passphrase";

test("an encrypted database: unlock, lock, and the plain-export warning", limits, async () => {
  const t = tempDb("secure");
  demoDb(t.db, 20, 200);
  execFileSync(CLI, ["--db", t.db, "encrypt"], { env: { ...process.env, PARTNERDESK_PASSPHRASE: PASS }, stdio: "pipe", timeout: 120_000 });
  assert.ok(!readFileSync(t.db).subarray(0, 16).toString("latin1").startsWith("SQLite format 3"));
  const app = await launch(t.db);
  const b = app.browser;
  try {
    await b.$("[data-unlock]").waitForDisplayed({ timeout: 30000 });
    await waitText(b, "[data-screen=recovery]", "is encrypted");
    await type(b, "input[name=passphrase]", "not the passphrase");
    await b.keys("Enter");
    await waitText(b, "[data-error-for=passphrase]", "passphrase", 30000);
    await type(b, "input[name=passphrase]", PASS);
    await b.$("[data-action=unlock]").click();
    await b.$("[data-screen=dashboard]").waitForDisplayed({ timeout: 60000 });

    await go(b, "Settings");
    const sec = await b.$("[data-section=security]");
    await sec.waitForDisplayed({ timeout: 15000 });
    await b.waitUntil(async () => (await b.$("[data-encrypted]").getAttribute("data-encrypted")) === "yes", {
      timeout: 15000,
      timeoutMsg: "Settings does not say the database is encrypted",
    });

    await go(b, "Data");
    await type(b, "input[data-path=export-dir]", `${t.dir}/export`);
    await b.$("[data-action=export]").click();
    await waitText(b, "[data-export-plain]", "exported files are plain", 15000);

    await go(b, "Settings");
    await b.$("[data-action=lock]").waitForClickable({ timeout: 15000 });
    await b.$("[data-action=lock]").click();
    await b.$("[data-unlock]").waitForDisplayed({ timeout: 30000 });
  } catch (e) {
    await b.saveScreenshot(`/tmp/e2e-security-failure-${Date.now()}.png`).catch(() => undefined);
    throw e;
  } finally {
    await app.stop();
    t.cleanup();
  }
});
