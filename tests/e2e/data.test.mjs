// The Data screen in the real app window: backups, export, the import
// wizard, a statement, a sync export and a restore, on a demo database; and
// the recovery screen when the database file is damaged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { cli, launch, tempDb, demoDb, go, waitText, type, limits } from "./harness.mjs";

async function failureShot(b) {
  await b.saveScreenshot(`/tmp/e2e-data-failure-${Date.now()}.png`).catch(() => undefined);
}

const htmlEscape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

test("backups, export, import wizard, statement, sync and restore on the Data screen", limits, async () => {
  const t = tempDb("data");
  demoDb(t.db, 50, 500);
  const work = path.join(t.dir, "work");
  mkdirSync(work);
  const app = await launch(t.db);
  const b = app.browser;
  try {
    await b.setWindowSize(1280, 900).catch(() => undefined);
    await b.$("[data-screen=dashboard]").waitForDisplayed({ timeout: 30000 });
    await go(b, "Data");
    await b.$("[data-screen=data] [data-section=backups]").waitForDisplayed({ timeout: 15000 });

    // 1. A manual backup: listed with a size, verified.
    await b.$("[data-action=backup-create]").click();
    await waitText(b, "[data-result=backups]", "Backup taken and verified", 30000);
    const row = await b.$("[data-backup$='-manual.db']");
    await row.waitForDisplayed({ timeout: 10000 });
    const backupName = await row.getAttribute("data-backup");
    assert.match(await row.$("[data-size]").getText(), /^\d+(\.\d)? (B|KiB|MiB|GiB)$/);
    await row.$("[data-action=verify]").click();
    await b.waitUntil(async () => (await row.$("[data-verify]").getAttribute("data-verify")) === "ok", {
      timeout: 20000,
      timeoutMsg: "the backup did not verify ok",
    });
    assert.ok(existsSync(path.join(t.dir, "backups", backupName)));

    // 2. Export every table as CSV into a new folder.
    const exportDir = path.join(work, "export");
    await type(b, "input[data-path=export-dir]", exportDir);
    await b.$("[data-action=export]").click();
    await waitText(b, "[data-result=export]", "Exported", 30000);
    for (const f of ["partners.csv", "client_leads.csv", "partner_applications.csv"]) {
      assert.ok(existsSync(path.join(exportDir, f)), `${f} was exported`);
    }
    assert.match(readFileSync(path.join(exportDir, "partners.csv"), "utf8"), /email/);

    // 3. Import applications: one bad row -> the dry run names its line, nothing is imported.
    const csv = path.join(work, "applications.csv");
    writeFileSync(
      csv,
      "name,email,experience_level,Referrals\nZed Importer,zed.importer@example.com,expert,3\nYan Importer,not-an-email,beginner,2\n",
    );
    await b.$("select[name=import-table]").selectByAttribute("value", "applications");
    await type(b, "input[data-path=import-file]", csv);
    await b.$("[data-action=import-preview]").click();
    const refs = await b.$("select[data-map-column=Referrals]");
    await refs.waitForDisplayed({ timeout: 10000 });
    assert.equal(await b.$("select[data-map-column=email]").getValue(), "email", "same-name columns map by default");
    assert.equal(await refs.getValue(), "", "an unknown column starts ignored");
    await refs.selectByAttribute("value", "expected_referrals");
    await b.$("[data-action=import-dry-run]").click();
    const bad = await b.$("[data-bad-row='3']");
    await bad.waitForDisplayed({ timeout: 20000 });
    assert.match(await bad.getText(), /email/i);
    assert.equal(await b.$("[data-action=import-run]").isEnabled(), false);
    await waitText(b, "[data-section=import]", "nothing was imported");

    // Fixed file: the dry run passes, then the import.
    writeFileSync(
      csv,
      "name,email,experience_level,Referrals\nZed Importer,zed.importer@example.com,expert,3\nYan Importer,yan.importer@example.com,beginner,2\n",
    );
    await b.$("[data-action=import-dry-run-again]").click();
    await b.$("[data-dry-run-ok]").waitForDisplayed({ timeout: 20000 });
    await b.$("[data-action=import-run]").click();
    await waitText(b, "[data-result=import]", "Imported 2 applications", 20000);

    // An exported file edited in a spreadsheet comes back as an update: the dry run lists the one change.
    const edited = path.join(work, "partners-edited.csv");
    const lines = readFileSync(path.join(exportDir, "partners.csv"), "utf8").split("\r\n");
    const oldName = lines[1].split(",")[2];
    lines[1] = lines[1].replace(`,${oldName},`, ",Renamed In Sheet,");
    writeFileSync(edited, lines.join("\r\n"));
    await b.$("[data-action=import-again]").click();
    await b.$("select[name=import-table]").selectByAttribute("value", "partners");
    await type(b, "input[data-path=import-file]", edited);
    await b.$("[data-action=import-preview]").click();
    await b.$("input[name=import-update]").waitForDisplayed({ timeout: 10000 });
    await b.$("input[name=import-update]").click();
    await b.$("[data-action=import-dry-run]").click();
    const change = await b.$("[data-change='2:name']");
    await change.waitForDisplayed({ timeout: 20000 });
    assert.match(await change.getText(), new RegExp(`${oldName}.*Renamed In Sheet`));
    await b.$("[data-action=import-run]").click();
    await waitText(b, "[data-result=import]", "updated", 20000);

    // 4. A statement of a partner picked by search.
    await type(b, "[data-section=statement] input[name=partner_search]", "a");
    const option = await b.$("[data-section=statement] [data-partner-option]");
    await option.waitForDisplayed({ timeout: 10000 });
    const partnerName = await option.getAttribute("data-partner-option");
    await option.click();
    const statement = path.join(work, "statement.html");
    await type(b, "input[data-path=statement-path]", statement);
    await b.$("[data-action=statement]").click();
    await waitText(b, "[data-result=statement]", "Statement of", 20000);
    const html = readFileSync(statement, "utf8");
    assert.ok(html.includes(partnerName) || html.includes(htmlEscape(partnerName)), `the statement names ${partnerName}`);

    // 5. A payout file, when the demo made payouts.
    const payouts = await b.$$("select[name=payout] option");
    if (payouts.length > 1) {
      await b.$("select[name=payout]").selectByIndex(1);
      const payoutFile = path.join(work, "payout.csv");
      await type(b, "input[data-path=payout-path]", payoutFile);
      await b.$("[data-action=payout-file]").click();
      await waitText(b, "[data-result=payout-file]", "Payout file written", 20000);
      assert.ok(readFileSync(payoutFile, "utf8").includes("PAYPAL"));
    }

    // 6. Sync export to a folder: the first feed file is there, and the last sync time shows.
    const feed = path.join(work, "feed");
    await type(b, "input[data-path=sync-dir]", feed);
    await b.$("[data-action=sync-export]").click();
    await waitText(b, "[data-result=sync-folder]", "feed-000001.jsonl", 30000);
    assert.deepEqual(readdirSync(feed).filter((f) => f.endsWith(".jsonl")), ["feed-000001.jsonl"]);
    await waitText(b, "[data-last=export]", "feed-000001.jsonl");

    // 7. Restore the backup taken before the import: the imported applications are gone.
    await go(b, "Applications");
    await waitText(b, "[data-screen=applications]", "Zed Importer", 15000);
    await go(b, "Data");
    const again = await b.$(`[data-backup='${backupName}']`);
    await again.waitForDisplayed({ timeout: 15000 });
    await again.$("[data-action=restore]").click();
    await waitText(b, "[data-confirm=restore]", "kept aside");
    await b.$("[data-action=confirm-restore]").click();
    await waitText(b, "[data-result=backups]", "Restored", 30000);
    await b.$("[data-backup$='-pre-restore.db']").waitForDisplayed({ timeout: 10000 });
    await go(b, "Applications");
    await b.$("[data-screen=applications] table tbody tr").waitForDisplayed({ timeout: 15000 });
    const text = await b.$("[data-screen=applications]").getText();
    assert.ok(!text.includes("Zed Importer"), "the import made after the backup is gone");
  } catch (e) {
    await failureShot(b);
    throw e;
  } finally {
    await app.stop();
    t.cleanup();
  }
});

test("a damaged database file: the app says so, writes nothing, and restores the newest good backup", limits, async () => {
  const t = tempDb("broken");
  demoDb(t.db, 5, 20);
  // A verified manual backup besides the CLI's daily one.
  cli(t.db, "backup", "create");
  const garbage = Buffer.alloc(64 * 1024);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 13;
  writeFileSync(t.db, garbage);
  for (const side of ["-wal", "-shm"]) rmSync(t.db + side, { force: true });
  const app = await launch(t.db);
  const b = app.browser;
  try {
    await b.$("[data-screen=recovery]").waitForDisplayed({ timeout: 30000 });
    // Whole pages of random bytes cannot be told from an encrypted database:
    // the screen asks for a passphrase and offers the backups all the same.
    await waitText(b, "[data-recovery-error=locked]", "or the file is damaged");
    await b.$("[data-unlock] input[name=passphrase]").waitForDisplayed({ timeout: 10000 });
    await waitText(b, "[data-screen=recovery]", "Nothing has been written to it");
    await b.$("[data-newest-good$='-manual.db']").waitForDisplayed({ timeout: 10000 });
    assert.ok(readFileSync(t.db).equals(garbage), "the damaged file is left as it was");

    await b.$("[data-action=restore-newest]").click();
    await b.$("[data-action=confirm-restore]").click();
    await b.$("[data-screen=dashboard]").waitForDisplayed({ timeout: 30000 });
    const aside = readdirSync(path.join(t.dir, "backups")).find((f) => f.endsWith("-pre-restore.db"));
    assert.ok(aside, "the damaged file was kept aside");
    assert.ok(readFileSync(path.join(t.dir, "backups", aside)).equals(garbage));
  } catch (e) {
    await failureShot(b);
    throw e;
  } finally {
    await app.stop();
    t.cleanup();
  }
});
