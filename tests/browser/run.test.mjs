// Running code from the editor through a real `stockade serve` (Docker sandbox): a benign
// strategy's output and result table; abusive programs and how the sandbox contained them.
//
// Needs STOCKADE_URL + STOCKADE_TOKEN (tests/browser/run.mjs starts the server when the
// stockade binary is built). Without them these tests are reported as skipped, with the reason,
// unless STOCKADE_REQUIRE_SERVER=1, which makes that a failure.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, screenshot, waitReady } from "./lib.mjs";

const URL_ = process.env.STOCKADE_URL;
const TOKEN = process.env.STOCKADE_TOKEN;
const pending = URL_ && TOKEN ? false : (process.env.STOCKADE_SERVER_NOTE ?? "pending on the server: STOCKADE_URL and STOCKADE_TOKEN are not set");
if (pending && process.env.STOCKADE_REQUIRE_SERVER === "1") {
  throw new Error(`STOCKADE_REQUIRE_SERVER=1 but no server: ${pending}`);
}

let browser;
let info;
before(async () => {
  if (pending) return;
  browser = await launch();
  info = await (await fetch(`${URL_}/v1/info`)).json();
});
after(async () => {
  await browser?.close();
});

async function openEditor() {
  const page = await browser.context.newPage();
  await page.goto(`${URL_}/?token=${TOKEN}`);
  await waitReady(page);
  await page.waitForFunction(() => window.__stockade.runnerReachable === true);
  return page;
}

async function runAndWait(page) {
  await page.click("#run");
  const outcome = page.locator("#outcome [data-outcome]");
  await outcome.waitFor({ timeout: 120_000 });
  return { kind: await outcome.getAttribute("data-outcome"), text: await outcome.innerText() };
}

test("settings follow /v1/info", { skip: pending }, async () => {
  const page = await openEditor();
  assert.equal(await page.locator("#settings-card").isVisible(), true);
  assert.equal(await page.locator("#timeout").getAttribute("max"), String(info.limits.max_timeout_seconds));
  assert.equal(await page.locator("#memory").getAttribute("max"), String(info.limits.max_memory_mb));
  const runtimes = await page.locator("#runtime option").allInnerTexts();
  assert.deepEqual(runtimes, info.runtimes);
  const images = await page.locator("#image option").allInnerTexts();
  assert.deepEqual(images, info.images);
  assert.equal(await page.locator("#image").inputValue(), info.default_image);
  assert.equal(await page.locator("#unvalidated-label").isVisible(), info.allow_unvalidated);
  assert.equal(await page.locator('[data-banner="runner"]').count(), 0);
  await page.close();
});

test("a benign strategy runs: stdout, a result table, time and memory", { skip: pending }, async () => {
  const page = await openEditor();
  await page.selectOption("#examples", "ma-crossover");
  const { kind, text } = await runAndWait(page);
  assert.equal(kind, "ok", text);
  assert.match(text, /Finished in \d+\.\d s/);
  assert.match(await page.locator("#stdout").innerText(), /days long: \d+ of 250/);
  const table = page.locator("#result table.signal-table");
  await table.waitFor();
  assert.equal(await table.locator("tbody tr").count(), 15);
  assert.deepEqual(await table.locator("thead th").allInnerTexts(), ["", "close", "fast", "slow", "position"]);
  assert.match(await page.locator("#facts").innerText(), /Execution time\s+\d+\.\d+ s/);
  assert.match(await page.locator("#facts").innerText(), /Peak memory/);
  await screenshot(page, "run-benign");
  await page.close();
});

test("code the validator rejects never runs", { skip: pending }, async () => {
  const page = await openEditor();
  await page.click(".cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText("def f(:\n    pass\n");
  const { kind, text } = await runAndWait(page);
  assert.equal(kind, "contained", text);
  assert.match(text, /Rejected by the validator/);
  assert.match(await page.locator("#error").innerText(), /SBX001/);
  await page.close();
});

test("an endless loop, unvalidated, is killed at the timeout and the page says so", { skip: pending }, async () => {
  const page = await openEditor();
  await page.selectOption("#examples", "timeout");
  await page.fill("#timeout", "2");
  if (info.allow_unvalidated) await page.check("#unvalidated");
  const { kind, text } = await runAndWait(page);
  assert.equal(kind, "contained", text);
  assert.match(text, /Contained: killed after 2\.0 s timeout/);
  assert.match(await page.locator("#facts").innerText(), /Timed out\s+yes/);
  const stats = await page.evaluate(() => window.__stockade.statsEvents);
  assert.ok(stats >= 1, "no stats event reached the chart during a 2 s run");
  assert.match(await page.locator(".chart-cpu").getAttribute("aria-label"), /CPU over time, latest \d/);
  await screenshot(page, "run-timeout-contained");
  await page.close();
});

test("a memory bomb is killed at the memory limit and the page says so", { skip: pending }, async () => {
  const page = await openEditor();
  await page.selectOption("#examples", "memory");
  await page.fill("#memory", "128");
  await page.fill("#timeout", "20");
  if (info.allow_unvalidated) await page.check("#unvalidated");
  const { kind, text } = await runAndWait(page);
  assert.equal(kind, "contained", text);
  assert.match(text, /Contained: killed for running out of memory|Contained: killed by the monitor/);
  await screenshot(page, "run-oom-contained");
  await page.close();
});
