#!/usr/bin/env node
// Runs the browser tests: serves web/dist on loopback for the validator-only tests, starts
// `stockade serve` (target/debug or target/release) for the run tests when it is built, and
// runs tests/browser/*.test.mjs with node's test runner against Debian's Chromium.
//
//   node tests/browser/run.mjs            (after scripts/build-web.sh and scripts/setup-browser.sh)
//
// Environment:
//   STOCKADE_URL + STOCKADE_TOKEN   use an already running `stockade serve` for the run tests
//   STOCKADE_BIN                    the stockade binary to start (default: target/{debug,release}/stockade)
//   STOCKADE_REQUIRE_SERVER=1       fail, instead of leaving the run tests pending, without a server
//
// Screenshots and measured figures go to target/browser-artifacts/.

import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { artifacts, CHROMIUM, dist, root, serveDist } from "./lib.mjs";

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(2);
}

if (!existsSync(join(dist, "index.html"))) fail("web/dist is missing: run scripts/build-web.sh");
if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: run scripts/setup-browser.sh`);

function freePort() {
  return new Promise((ok, ko) => {
    const s = createServer();
    s.once("error", ko);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function findStockade() {
  const candidates = process.env.STOCKADE_BIN
    ? [process.env.STOCKADE_BIN]
    : [join(root, "target/debug/stockade"), join(root, "target/release/stockade")];
  return candidates.find(
    (bin) => existsSync(bin) && spawnSync(bin, ["serve", "--help"], { stdio: "ignore" }).status === 0,
  );
}

/** Starts `stockade serve` on a free loopback port; resolves once /readyz answers 200. */
async function startServer(bin) {
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    bin,
    ["serve", "--listen", `127.0.0.1:${port}`, "--metrics-port", "0", "--web-dir", dist, "--allow-unvalidated", "--pool-size", "1"],
    { cwd: root, env: { ...process.env, STOCKADE_TOKEN: token }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = false;
  child.on("exit", () => (exited = true));
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return { child, url, token };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill("SIGTERM");
  return { error: `stockade serve did not become ready:\n${log.slice(-2000)}` };
}

const site = await serveDist();
let server;
const env = { ...process.env, BASE_URL: site.url };
if (!env.STOCKADE_URL) {
  const bin = findStockade();
  if (!bin) {
    env.STOCKADE_SERVER_NOTE = "pending on the server: no stockade binary with `serve` is built";
  } else {
    console.log(`# starting ${bin} serve`);
    server = await startServer(bin);
    if (server.error) {
      env.STOCKADE_SERVER_NOTE = server.error;
      console.log(server.error.replace(/^/gm, "# "));
    } else {
      env.STOCKADE_URL = server.url;
      env.STOCKADE_TOKEN = server.token;
    }
  }
}

const files = readdirSync(join(root, "tests/browser"))
  .filter((f) => f.endsWith(".test.mjs"))
  .map((f) => join(root, "tests/browser", f));
const run = spawn(process.execPath, ["--test", "--test-concurrency=1", ...files], { env, stdio: "inherit" });
const code = await new Promise((ok) => run.on("exit", (c) => ok(c ?? 1)));

site.server.close();
if (server?.child) {
  server.child.kill("SIGTERM");
  await new Promise((ok) => server.child.on("exit", ok));
}
console.log(`# artifacts: ${artifacts}`);
process.exit(code);
