// Shared helpers for the browser tests: Debian's Chromium through playwright-core, a static
// server for web/dist, the wasm validator under node (to know what the page must show), and
// the artifacts folder for screenshots and measured figures.

import { createServer } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const dist = join(root, "web/dist");
export const artifacts = join(root, "target/browser-artifacts");
mkdirSync(artifacts, { recursive: true });

// playwright-core is a dev dependency of web/ (installed by scripts/build-web.sh's npm ci).
const require = createRequire(join(root, "web/package.json"));
const { chromium } = require("playwright-core");

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Launches Debian's Chromium with a fresh profile; never a downloaded browser. */
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "stockade-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

/** Serves web/dist on 127.0.0.1 (a free port). Nothing else answers: /v1/* is a 404. */
export function serveDist() {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = normalize(join(dist, path === "/" ? "index.html" : path));
    if (!file.startsWith(dist + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, "index.html");
      const body = readFileSync(file);
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
  return new Promise((ok) => {
    server.listen(0, "127.0.0.1", () => ok({ url: `http://127.0.0.1:${server.address().port}`, server }));
  });
}

/** The wasm validator under node, to compute what the page must show for a given source. */
export async function nodeValidator() {
  const pkg = join(root, "web/pkg");
  const mod = await import(join(pkg, "stockade_wasm.js"));
  mod.initSync({ module: readFileSync(join(pkg, "stockade_wasm_bg.wasm")) });
  return mod;
}

/** Saves a screenshot under target/browser-artifacts/ and returns its path. */
export async function screenshot(page, name) {
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

export function saveFigure(name, value) {
  const path = join(artifacts, `${name}.json`);
  writeFileSync(path, JSON.stringify(value, null, 2) + "\n");
  return path;
}

/** Replaces the editor's whole text (select all, delete, then one paste-like insertion). */
export async function setEditorText(page, text) {
  await page.click(".cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  if (text) await page.keyboard.insertText(text);
}

export async function waitReady(page) {
  await page.waitForFunction(() => window.__stockade && window.__stockade.ready === true);
}

/** Waits until the findings panel shows exactly `codes` (in order). */
export async function waitForCodes(page, codes, timeout = 5000) {
  await page.waitForFunction(
    (want) => {
      const got = [...document.querySelectorAll("#findings button.finding")].map((b) => b.dataset.code);
      return JSON.stringify(got) === JSON.stringify(want);
    },
    codes,
    { timeout },
  );
}

/** The code of an example strategy from web/examples/ (the editor's examples menu). */
export function example(id) {
  return readFileSync(join(root, "web/examples", `${id.replaceAll("-", "_")}.py`), "utf8");
}
