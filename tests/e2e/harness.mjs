// Starts the real built app through tauri-driver (WebKitWebDriver underneath)
// on a database of its own, and drives it with WebdriverIO.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, mkdirSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

// This folder is tests/e2e: the repository root is two levels up (the
// default target/ and docs/screenshots/ are found from it).
const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "../..");
const targetDir = process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, "target");
export const APP = process.env.PARTNERDESK_APP ?? path.join(targetDir, "debug", "partnerdesk-app");
export const CLI = process.env.PARTNERDESK_CLI ?? path.join(targetDir, "debug", "partnerdesk");
const TAURI_DRIVER = process.env.TAURI_DRIVER ?? (existsSync(path.join(os.homedir(), ".cargo/bin/tauri-driver")) ? path.join(os.homedir(), ".cargo/bin/tauri-driver") : "tauri-driver");
const NATIVE_DRIVER = process.env.NATIVE_DRIVER ?? "/usr/bin/WebKitWebDriver";

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** Resolves once something listens on the port (or rejects after `ms`). */
async function listening(port, ms, proc) {
  const until = Date.now() + ms;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`tauri-driver exited with ${proc.exitCode}`);
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, "127.0.0.1");
      c.once("connect", () => (c.destroy(), resolve(true)));
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Options of every test: a bound on its time, so that an app or driver that
 * stops answering fails the test (and `--test-force-exit` ends its file)
 * instead of holding up the whole suite. The longest test takes ~15 s.
 */
export const limits = { timeout: 180_000 };

/** Options of the timings on the reference data set, run when PARTNERDESK_REFERENCE_DB names the file. */
export const onReference = {
  timeout: 900_000,
  skip: !process.env.PARTNERDESK_REFERENCE_DB || !existsSync(process.env.PARTNERDESK_REFERENCE_DB),
};

/** Waits for `promise`, or `ms` at most. */
function within(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone already */
  }
}

// Process groups of apps still running: a test that timed out never reaches
// its `finally`, so whatever it started is killed when this test file exits
// (the runner's --test-force-exit ends the file once its tests are done).
const groups = new Set();
process.on("exit", () => {
  for (const pid of groups) signalGroup(pid, "SIGKILL");
});

/** A fresh temporary database path (the app creates the file). */
export function tempDb(name = "e2e") {
  const dir = mkdtempSync(path.join(os.tmpdir(), "partnerdesk-e2e-"));
  return { dir, db: path.join(dir, `${name}.db`), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run the CLI on `db` (a synchronous call: bounded, as no test time limit can interrupt it). */
export function cli(db, ...args) {
  return execFileSync(CLI, ["--db", db, ...args], { stdio: "pipe", timeout: 120_000 });
}

/** Fill a database with the CLI's demo generator. */
export function demoDb(db, partners, leads) {
  cli(db, "init");
  cli(db, "demo", "--partners", String(partners), "--leads", String(leads), "--seed", "7");
}

/**
 * Start the app on `db`; returns { browser, stop, startedAt }.
 * The database reaches the app through PARTNERDESK_DB in tauri-driver's environment.
 */
export async function launch(db) {
  if (!existsSync(APP)) throw new Error(`the app is not built: ${APP}`);
  const port = await freePort();
  const nativePort = await freePort();
  // A process group of its own: tauri-driver, WebKitWebDriver, the app and its
  // WebKit processes all end with it, whatever state a failed test left them in.
  const driver = spawn(TAURI_DRIVER, ["--port", String(port), "--native-port", String(nativePort), "--native-driver", NATIVE_DRIVER], {
    // CPU painting: under Xvfb there is no GPU, and WebKitGTK's GPU painting
    // threads on Mesa's software GL crashed the app now and then (a segfault
    // in a SkiaGPUWorker thread; WebKitWebDriver then answers "session deleted
    // because of page crash or hang"). The app's own rendering is unchanged.
    env: { ...process.env, PARTNERDESK_DB: db, WEBKIT_SKIA_ENABLE_CPU_RENDERING: "1" },
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  groups.add(driver.pid);
  let stderr = "";
  driver.stderr.on("data", (d) => (stderr = (stderr + d).slice(-20000)));
  const kill = async () => {
    signalGroup(driver.pid, "SIGTERM");
    const gone = driver.exitCode !== null || driver.signalCode !== null;
    await within(gone ? Promise.resolve() : new Promise((r) => driver.once("exit", r)), 5000);
    // tauri-driver answers SIGTERM by killing WebKitWebDriver only: whatever is
    // left in the group (an app that did not close) goes now.
    signalGroup(driver.pid, "SIGKILL");
    groups.delete(driver.pid);
    driver.stderr.destroy();
  };
  try {
    await listening(port, 20000, driver);
  } catch (e) {
    await kill();
    throw new Error(`${e.message}\n${stderr}`);
  }
  const startedAt = Date.now();
  let browser;
  for (let attempt = 0; ; attempt++) {
    try {
      browser = await remote({
        hostname: "127.0.0.1",
        port,
        logLevel: "error",
        // A command that gets no answer fails the test within a minute
        // (WebdriverIO's default waits 2 minutes and retries 3 times).
        connectionRetryTimeout: 60000,
        connectionRetryCount: 1,
        capabilities: {
          browserName: "wry",
          "tauri:options": { application: APP },
          "wdio:enforceWebDriverClassic": true,
        },
      });
      break;
    } catch (e) {
      if (attempt >= 2) {
        await kill();
        throw new Error(`no WebDriver session: ${e.message}\n${stderr}`);
      }
    }
  }
  const stop = async () => {
    // Closing the session closes the app; a hung one is killed with its group.
    let lost = false;
    await within(
      browser.deleteSession().catch(() => {
        lost = true;
      }),
      15000,
    );
    await kill();
    // A session that was gone before the end: what the driver, WebKit and the
    // app said, for the cause (it is otherwise thrown away).
    if (lost && stderr.trim()) console.log(`# the session was lost; driver and app said:\n${stderr.slice(-4000).replace(/^/gm, "# ")}`);
  };
  return { browser, stop, startedAt };
}

/** Click a navigation link by its label. */
export async function go(browser, label) {
  const link = await browser.$("nav.nav").$(`a=${label}`);
  await link.waitForClickable({ timeout: 10000 });
  await link.click();
}

// Amounts follow the webview's locale ("1,250.00" or "1250.00"): compare without grouping.
const plain = (t) => t.replace(/[,\s\u00a0\u202f]/g, "");

/** Wait until the page shows `text` somewhere inside `selector`. */
export async function waitText(browser, selector, text, timeout = 10000) {
  await browser.waitUntil(
    async () => {
      const els = await browser.$$(selector);
      for (const el of els) {
        if (plain(await el.getText()).includes(plain(text))) return true;
      }
      return false;
    },
    { timeout, timeoutMsg: `"${text}" did not appear in ${selector}` },
  );
}

/** Type into an input found by CSS, replacing what is there. */
export async function type(browser, selector, text) {
  const el = await browser.$(selector);
  await el.waitForDisplayed({ timeout: 10000 });
  await el.click();
  await el.clearValue();
  await el.setValue(text);
}

export async function screenshot(browser, name) {
  const dir = path.join(ROOT, "docs", "screenshots");
  mkdirSync(dir, { recursive: true });
  // Let the last frame paint (a screenshot right after a change can show the old one).
  await browser.execute(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await browser.saveScreenshot(path.join(dir, `${name}.png`));
}
