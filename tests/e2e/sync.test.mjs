// The two-way sync with PostgreSQL in the real app window: a database with the
// original system's five tables and a web-side partner and lead (made with
// psql on the throw-away server of scripts/with-postgres.sh), then on the Data
// screen: check a push, push, pull, compare, and the conflict log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, launch, tempDb, demoDb, go, waitText, type, limits } from "./harness.mjs";

const PG = process.env.PARTNERDESK_TEST_PG_URL;
const PSQL = process.env.PARTNERDESK_TEST_PSQL;

function psql(url, sql) {
  return execFileSync(PSQL, [url, "-v", "ON_ERROR_STOP=1", "-q", "-t", "-A", "-c", sql], { stdio: "pipe", timeout: 60_000 })
    .toString()
    .trim();
}

const WEB_ROWS = `
insert into partner_applications (id, name, email, status, created_at)
values ('0190c000-0000-7000-8000-000000000002', 'Web Partner', 'partner@web.example', 'approved', '2026-01-11T10:00:00Z');
insert into partners (id, application_id, name, email, status, tier, created_at)
values ('0190c000-0000-7000-8000-000000000010', '0190c000-0000-7000-8000-000000000002', 'Web Partner', 'partner@web.example', 'active', 'Gold', '2026-01-12T10:00:00Z');
insert into client_leads (id, partner_id, client_name, client_email, estimated_value, created_at)
values ('0190c000-0000-7000-8000-000000000020', '0190c000-0000-7000-8000-000000000010', 'Web Client', 'client@web.example', 4321.09, '2026-01-13T10:00:00Z');
`;

test("push into the original schema, pull the web side's rows, compare both sides", limits, async (t) => {
  if (!PG || !PSQL) {
    assert.notEqual(process.env.CI, "true", "PARTNERDESK_TEST_PG_URL/_PSQL are not set: in CI make e2e runs through scripts/with-postgres.sh");
    t.skip("no PostgreSQL server (run through scripts/with-postgres.sh)");
    return;
  }
  const name = `pd_e2e_${process.pid}`;
  psql(PG, `DROP DATABASE IF EXISTS ${name}`);
  psql(PG, `CREATE DATABASE ${name}`);
  const url = `${PG.slice(0, PG.lastIndexOf("/"))}/${name}`;
  psql(url, readFileSync(path.join(ROOT, "crates/core/tests/fixtures/supabase_original.sql"), "utf8"));
  psql(url, WEB_ROWS);
  const d = tempDb("sync");
  demoDb(d.db, 8, 60);
  const app = await launch(d.db);
  const b = app.browser;
  try {
    await b.$("[data-screen=dashboard]").waitForDisplayed({ timeout: 30000 });
    await go(b, "Data");
    await b.$("[data-screen=data] [data-section=sync]").waitForDisplayed({ timeout: 15000 });
    await b.$("[data-conflicts]").scrollIntoView();
    await waitText(b, "[data-conflicts]", "No conflicts");

    // A check writes nothing and names the columns it would add.
    await type(b, "input[name=pg-url]", url);
    await b.$("[data-action=sync-push-check]").click();
    await waitText(b, "[data-result=sync-push]", "would add column commissions.kind", 30000);
    assert.equal(psql(url, "select count(*) from information_schema.columns where table_name = 'commissions' and column_name = 'kind'"), "0");

    // Push (Enter in the URL field), then pull the web side's three rows.
    await b.$("input[name=pg-url]").click();
    await b.keys("Enter");
    await waitText(b, "[data-result=sync-push]", "Pushed", 30000);
    assert.equal(psql(url, "select count(*) from information_schema.columns where table_name = 'commissions' and column_name = 'kind'"), "1");
    await b.$("[data-action=sync-pull]").click();
    await waitText(b, "[data-result=sync-push]", "3 new", 30000);

    // Both sides hold the same five tables.
    await b.$("[data-action=sync-push]").click();
    await waitText(b, "[data-result=sync-push]", "Pushed", 30000);
    await b.$("[data-action=sync-compare]").click();
    await waitText(b, "[data-result=sync-push]", "Both sides hold the same rows", 30000);
    assert.equal((await b.$$("[data-compare-table][data-equal=yes]")).length, 5);

    // The web partner is on the Partners screen, with the tier the server gave.
    await go(b, "Partners");
    await type(b, "input[type=search]", "Web Partner");
    await waitText(b, "[data-screen=partners]", "Web Partner", 15000);
  } catch (e) {
    await b.saveScreenshot(`/tmp/e2e-sync-failure-${Date.now()}.png`).catch(() => undefined);
    throw e;
  } finally {
    await app.stop();
    d.cleanup();
    try {
      psql(PG, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } catch {
      // the server is stopped with the run anyway
    }
  }
});
