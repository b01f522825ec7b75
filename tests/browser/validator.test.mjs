// The editor as a validator alone (no runner): findings as you type, the panel, the tooltip,
// the "validation only" banner, light and dark mode, keyboard use, and the figures the project
// reports (validation time for 1,000 lines, keystroke-to-diagnostic time).
//
// BASE_URL: where web/dist is served (tests/browser/run.mjs sets it).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  example,
  launch,
  nodeValidator,
  saveFigure,
  screenshot,
  setEditorText,
  waitForCodes,
  waitReady,
} from "./lib.mjs";

const BASE = process.env.BASE_URL;
assert.ok(BASE, "BASE_URL is not set: run node tests/browser/run.mjs");

let browser;
let wasm;
const codes = (src) => wasm.validate(src, undefined).findings.map((f) => f.code);

before(async () => {
  wasm = await nodeValidator();
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function openEditor(query = "") {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${BASE}/${query}`);
  await waitReady(page);
  return { page, errors };
}

test("without a runner the page is a validator alone, with a clear banner", async () => {
  const { page, errors } = await openEditor("?token=secret-token-123");
  await page.waitForFunction(() => window.__stockade.runnerReachable === false);
  const banner = page.locator('[data-banner="runner"]');
  assert.match(await banner.innerText(), /Runner not reachable: validation only/);
  assert.equal(await page.locator("#run").isDisabled(), true);
  assert.equal(await page.locator("#settings-card").isHidden(), true);
  // The token moved from the address bar into the tab's session storage.
  assert.equal(new URL(page.url()).searchParams.get("token"), null);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("stockade.token")), "secret-token-123");
  // The first example is accepted: the panel says so.
  await waitForCodes(page, codes(example("ma-crossover")));
  await screenshot(page, "validator-only-light");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a dangerous line gets a diagnostic with the validator's code; fixing it clears it", async () => {
  const { page } = await openEditor();
  await setEditorText(page, "import pandas as pd\n\n");
  await waitForCodes(page, []);
  // Type, key by key, a line that calls eval; mid-way it does not parse (SBX001).
  await page.keyboard.type("signal = eval(x", { delay: 20 });
  // CodeMirror closes the bracket itself; the text is now complete.
  const dangerous = "import pandas as pd\n\nsignal = eval(x)";
  assert.equal(await page.evaluate(() => window.__stockade.doc()), dangerous);
  const expected = codes(dangerous);
  if (wasm.rules().length > 1) {
    // Once the validator has rules beyond syntax, eval must be among what it flags.
    assert.ok(expected.length > 0, "the validator accepts eval(x)");
  }
  await waitForCodes(page, expected);
  if (expected.length > 0) {
    await page.waitForSelector(".cm-lintRange-error, .cm-lintRange-warning");
    await page.waitForSelector(".cm-lint-marker");
  }
  await screenshot(page, "dangerous-line");

  // Break the syntax: a parse error is a finding (SBX001), underlined and in the gutter.
  await page.keyboard.press("End");
  await page.keyboard.type(" +", { delay: 20 });
  await waitForCodes(page, ["SBX001"]);
  await page.waitForSelector(".cm-lintRange-error, .cm-lintPoint-error");
  await page.waitForSelector(".cm-lint-marker-error");

  // Fix it: the diagnostics go away.
  await setEditorText(page, "import pandas as pd\n\nsignal = pd.Series([1.0, 2.0])\n");
  await waitForCodes(page, codes("import pandas as pd\n\nsignal = pd.Series([1.0, 2.0])\n"));
  assert.equal(await page.locator(".cm-lintRange-error").count(), 0);
  assert.equal(await page.locator(".cm-lint-marker-error").count(), 0);
  assert.equal(await page.locator("#findings-count").innerText(), "0");
  await page.close();
});

test("hovering a diagnostic shows the message, how to fix it, and the rule's doc", async () => {
  const { page } = await openEditor();
  await setEditorText(page, "x = 1\ndef f(:\n    pass\n");
  await waitForCodes(page, ["SBX001"]);
  // The syntax error's empty span is widened to one character, so it can be hovered.
  const mark = page.locator(".cm-lintRange-error").first();
  await mark.hover();
  const tip = page.locator(".cm-tooltip-lint .finding-detail");
  await tip.waitFor();
  assert.match(await tip.innerText(), /SBX001/);
  assert.match(await tip.innerText(), /How to fix:/);
  const rule = wasm.rules().find((r) => r.code === "SBX001");
  const details = tip.locator("details.rule-doc");
  await details.locator("summary").click();
  assert.match(await details.innerText(), new RegExp(rule.name));
  await screenshot(page, "tooltip");
  await page.close();
});

// The rules added with the semantic model explain themselves in the editor like the others:
// the finding names the rule, and the tooltip carries its doc from the same wasm module.
for (const [code, src] of [
  ["SBX604", "import pandas as pd\nreader = pd.read_csv\n"],
  ["SBX105", 'import pandas as pd\ndf = pd.DataFrame({"a": [1]})\ndf.plot(backend="x")\n'],
  ["SBX704", "import pandas as pd\nclass A:\n    def f(self):\n        return 1\nA.f(pd.DataFrame())\n"],
]) {
  test(`the editor explains ${code} with its rule's doc`, async () => {
    assert.deepEqual(codes(src), [code]);
    const { page } = await openEditor();
    await setEditorText(page, src);
    await waitForCodes(page, [code]);
    await page.locator(".cm-lintRange-error").first().hover();
    const tip = page.locator(".cm-tooltip-lint .finding-detail");
    await tip.waitFor();
    assert.match(await tip.innerText(), new RegExp(code));
    const rule = wasm.rules().find((r) => r.code === code);
    const details = tip.locator("details.rule-doc");
    await details.locator("summary").click();
    const text = await details.innerText();
    assert.match(text, new RegExp(rule.name));
    assert.match(text, /Why is this bad\?/);
    await page.close();
  });
}

test("findings panel items are buttons that move the cursor to the finding", async () => {
  const { page } = await openEditor();
  const src = "a = 1\nb = (2 +* 3)\nc = 3\n";
  await setEditorText(page, src);
  const f = wasm.validate(src, undefined).findings[0];
  await waitForCodes(page, codes(src));
  const button = page.locator("#findings button.finding").first();
  await button.focus();
  assert.equal(await page.evaluate(() => document.activeElement?.matches("#findings button.finding")), true);
  // A visible focus ring (not outline: none) on the focused button.
  assert.notEqual(await button.evaluate((b) => getComputedStyle(b).outlineStyle), "none");
  // Keyboard only: Enter activates it.
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains("cm-content")), true);
  const sel = await page.evaluate(() => window.__stockade.selection());
  assert.deepEqual(sel, { anchor: f.utf16.start, head: f.utf16.end });
  assert.equal(f.start.line, 2);
  await page.close();
});

test("every control is reachable with Tab and has a name", async () => {
  const { page } = await openEditor();
  await page.waitForFunction(() => window.__stockade.runnerReachable === false);
  const seen = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    seen.push(
      await page.evaluate(() => {
        const el = document.activeElement;
        if (!el) return "";
        const name = el.getAttribute("aria-label") || el.textContent?.trim().slice(0, 30) || "";
        return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className ? "." + String(el.className).split(" ")[0] : ""}|${name}`;
      }),
    );
  }
  const all = seen.join("\n");
  assert.match(all, /select#examples\|Load an example strategy/);
  assert.match(all, /div\.cm-content\|Python strategy code/);
  assert.ok(seen.every((s) => s.split("|")[1] !== ""), `a focusable without a name:\n${all}`);
  await page.close();
});

test("loading an example replaces the code and validates it", async () => {
  const { page } = await openEditor();
  await page.selectOption("#examples", "dangerous");
  await waitForCodes(page, codes(example("dangerous")));
  await page.selectOption("#examples", "rsi");
  await waitForCodes(page, codes(example("rsi")));
  await page.close();
});

test("dark mode uses the dark palette", async () => {
  const page = await browser.context.newPage();
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`${BASE}/`);
  await waitReady(page);
  await page.waitForFunction(() => window.__stockade.runnerReachable === false);
  await page.selectOption("#examples", "dangerous");
  await waitForCodes(page, codes(example("dangerous")));
  await page.locator(".cm-lintRange-error").first().hover();
  await page.locator(".cm-tooltip-lint").waitFor();
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const fg = await page.evaluate(() => getComputedStyle(document.body).color);
  const lum = (c) => {
    const [r, g, b] = c.match(/\d+/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  };
  assert.ok(lum(bg) < 0.2 && lum(fg) > 0.8, `dark mode: bg ${bg}, fg ${fg}`);
  await screenshot(page, "validator-only-dark");
  await page.close();
});

test("bench page: validation time of a 1,000-line file in Chromium", async () => {
  const page = await browser.context.newPage();
  await page.goto(`${BASE}/bench.html?lines=1000&runs=100`);
  await page.waitForSelector("body[data-done]", { timeout: 60_000 });
  assert.equal(await page.getAttribute("body", "data-done"), "true", await page.locator("#result").innerText());
  const result = JSON.parse(await page.locator("#result").innerText());
  assert.equal(result.lines, 1000);
  assert.equal(result.benign.runs, 100);
  assert.ok(result.benign.median_ms > 0);
  const path = saveFigure("bench-validate-1000-lines", result);
  console.log(`# validation of 1,000 lines in Chromium: min ${result.benign.min_ms} ms, p10 ${result.benign.p10_ms} ms, median ${result.benign.median_ms} ms, p95 ${result.benign.p95_ms} ms (${path})`);
  await page.close();
});

test("time from keystroke to rendered diagnostic", async () => {
  const { page } = await openEditor();
  const samples = [];
  for (let i = 0; i < 5; i++) {
    await setEditorText(page, `x = ${i}\n`);
    await waitForCodes(page, codes(`x = ${i}\n`));
    // One keystroke that breaks the syntax: "(" would be auto-closed, so type an operator.
    await page.keyboard.press("End");
    const lintRuns = await page.evaluate(() => window.__stockade.lintRuns);
    await page.keyboard.type("+");
    await waitForCodes(page, ["SBX001"]);
    await page.waitForFunction((n) => window.__stockade.lintRuns > n && window.__stockade.lastFindingsRenderedAt > window.__stockade.lastEditAt, lintRuns);
    samples.push(await page.evaluate(() => window.__stockade.lastFindingsRenderedAt - window.__stockade.lastEditAt));
  }
  samples.sort((a, b) => a - b);
  const figure = { debounce_ms: 150, samples_ms: samples.map((s) => +s.toFixed(1)), median_ms: +samples[2].toFixed(1) };
  const path = saveFigure("keystroke-to-diagnostic", figure);
  console.log(`# keystroke to diagnostic: median ${figure.median_ms} ms (debounce 150 ms) (${path})`);
  // A figure, not an assertion on time (timers and the page's clock vary with the load); the
  // waits above fail the test if a keystroke never produces its diagnostic.
  await page.close();
});
