// Parity: the validator compiled to WebAssembly must report exactly what the native build
// reports (same codes, severities, byte spans, lines and columns) for every corpus file.
//
// Run: node --test tests/wasm_parity/   (after scripts/build-web.sh has built web/pkg/)
// Native side: the `native_findings` example of crates/wasm (built with cargo on first use), or
// the binary named by STOCKADE_NATIVE_FINDINGS. When the `stockade` CLI has
// `validate --format json`, its codes and spans are compared too.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const pkg = join(root, "web/pkg");

function pyFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return pyFiles(p);
    return name.endsWith(".py") ? [p] : [];
  });
}

// The validator's corpus, edge cases of our own (CRLF, astral characters, tabs, syntax errors
// at EOF, deep nesting), and the editor's example strategies.
const files = [
  ...pyFiles(join(root, "crates/validator/tests/corpus")),
  ...pyFiles(join(root, "tests/wasm_parity/fixtures")),
  ...pyFiles(join(root, "web/examples")),
];

async function loadWasm() {
  const js = join(pkg, "stockade_wasm.js");
  assert.ok(existsSync(js), `${relative(root, js)} is missing: run scripts/build-web.sh first`);
  const mod = await import(js);
  mod.initSync({ module: readFileSync(join(pkg, "stockade_wasm_bg.wasm")) });
  return mod;
}

function nativeFindings(paths) {
  const bin = process.env.STOCKADE_NATIVE_FINDINGS;
  const [cmd, args] = bin
    ? [bin, paths]
    : ["cargo", ["run", "--quiet", "-p", "stockade-wasm", "--example", "native_findings", "--", ...paths]];
  const run = spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, `native_findings failed: ${run.stderr}`);
  const byPath = new Map();
  for (const line of run.stdout.split("\n").filter(Boolean)) {
    const rec = JSON.parse(line);
    byPath.set(rec.path, rec.findings);
  }
  return byPath;
}

/**
 * Findings of `stockade validate --format json` for every path (a flat array of findings, each
 * with its `path`), when the CLI is built and has that subcommand; undefined otherwise.
 */
function cliFindings(paths) {
  const bin = process.env.STOCKADE_BIN ?? join(root, "target/debug/stockade");
  if (!existsSync(bin)) return undefined;
  if (spawnSync(bin, ["validate", "--help"], { encoding: "utf8" }).status !== 0) return undefined;
  const run = spawnSync(bin, ["validate", "--format", "json", ...paths], { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.ok(run.status === 0 || run.status === 1, `stockade validate failed (${run.status}): ${run.stderr}`);
  const byPath = new Map(paths.map((p) => [p, []]));
  for (const f of JSON.parse(run.stdout)) {
    byPath.get(f.path)?.push({
      code: f.code,
      severity: f.severity,
      span: f.span,
      line: f.start.line,
    });
  }
  return byPath;
}

const wasm = await loadWasm();
const native = nativeFindings(files);
const cli = cliFindings(files);

test("native sides found", () => {
  assert.equal(native.size, files.length);
  if (cli === undefined) console.log("# stockade validate not built: compared with the native_findings example only");
});

test("the corpus is not empty", () => {
  assert.ok(files.length >= 20, `only ${files.length} files found`);
});

for (const path of files) {
  test(`parity: ${relative(root, path)}`, () => {
    const source = readFileSync(path, "utf8");
    const result = wasm.validate(source, undefined);
    const fromWasm = result.findings.map(({ code, severity, span, start, end }) => ({ code, severity, span, start, end }));
    assert.deepEqual(fromWasm, native.get(path), "wasm and native findings differ");
    assert.equal(result.accepted, !result.findings.some((f) => f.severity === "error"));
    // The UTF-16 offsets point at the same text as the byte span.
    for (const f of result.findings) {
      assert.equal(Buffer.byteLength(source.slice(0, f.utf16.start)), f.span.start, `${f.code} utf16.start`);
      assert.equal(Buffer.byteLength(source.slice(0, f.utf16.end)), Math.min(f.span.end, Buffer.byteLength(source)), `${f.code} utf16.end`);
    }
    if (cli !== undefined) {
      // Code, severity, byte span and line. (Columns are compared with the native build above;
      // the CLI counts them in its display text, which drops a byte-order mark.)
      const brief = fromWasm.map(({ code, severity, span, start }) => ({ code, severity, span, line: start.line }));
      assert.deepEqual(brief, cli.get(path), "wasm and `stockade validate --format json` differ");
    }
  });
}

test("syntax errors are findings, not exceptions", () => {
  const result = wasm.validate("def f(:\n    pass\n", undefined);
  assert.equal(result.accepted, false);
  assert.equal(result.findings[0].code, "SBX001");
  assert.equal(result.findings[0].start.line, 1);
});

test("a bad policy is a clear JS error", () => {
  assert.throws(() => wasm.validate("x = 1\n", { no_such_key: true }), /invalid policy.*no_such_key/);
  assert.throws(() => wasm.validate("x = 1\n", { max_nesting_depth: 0 }), /max_nesting_depth/);
  assert.throws(() => wasm.validate("x = 1\n", "strict"), /invalid policy: expected an object/);
  assert.equal(wasm.validate("x = 1\n", { max_nesting_depth: 50 }).accepted, true);
});

test("rules carry their docs, and version is the crate's", () => {
  const rules = wasm.rules();
  assert.ok(rules.length >= 1);
  for (const r of rules) {
    assert.match(r.code, /^SBX\d{3}$/);
    assert.ok(r.doc.length > 0 && r.summary.length > 0, `${r.code} is undocumented`);
  }
  const cargo = readFileSync(join(root, "Cargo.toml"), "utf8");
  assert.equal(wasm.version(), /\[workspace\.package\][^[]*?version = "([^"]+)"/.exec(cargo)[1]);
});

test("\\N{...} outside the browser build's name subset fails closed (documented divergence)", () => {
  // The wasm build carries only a subset of Unicode names (crates/wasm/unicode-names-subset):
  // a name outside it makes the string a syntax error there, where native decodes it.
  const result = wasm.validate('x = "\\N{SNOWMAN}"\n', undefined);
  assert.deepEqual(result.findings.map((f) => f.code), ["SBX001"]);
  assert.equal(wasm.validate('x = "\\N{BULLET}"\n', undefined).accepted, true);
});
