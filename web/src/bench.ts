// Validation time in this browser for generated 1,000-line files; prints JSON into #result.
import { loadValidator } from "./validator";

const BLOCK = (i: number) => `
def indicator_${i}(close, window=${10 + (i % 20)}):
    """Rolling z-score of closing prices."""
    mean = close.rolling(window).mean()
    std = close.rolling(window).std()
    z = (close - mean) / std
    upper = z > 2.0
    lower = z < -2.0
    return pd.Series(np.where(upper, -1, np.where(lower, 1, 0)), index=close.index)


weights_${i} = {name: 1.0 / (k + 1) for k, name in enumerate(["a", "b", "c"])}
`;

/** A realistic strategy file of exactly `lines` lines. */
export function makeSource(lines: number): string {
  const out = ["import numpy as np", "import pandas as pd", ""];
  for (let i = 0; out.length < lines; i++) out.push(...BLOCK(i).split("\n"));
  return out.slice(0, lines).join("\n") + "\n";
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return {
    runs: s.length,
    min_ms: +s[0].toFixed(3),
    p10_ms: +q(0.1).toFixed(3),
    median_ms: +q(0.5).toFixed(3),
    p95_ms: +q(0.95).toFixed(3),
    max_ms: +s[s.length - 1].toFixed(3),
  };
}

async function main() {
  const out = document.getElementById("result") as HTMLElement;
  const params = new URLSearchParams(location.search);
  const lines = Number(params.get("lines") ?? 1000);
  const runs = Number(params.get("runs") ?? 50);
  const v = await loadValidator();
  const benign = makeSource(lines);
  // The same file with a dangerous line every 50 lines, to time findings as well.
  const dangerous = benign
    .split("\n")
    .map((l, i) => (i > 0 && i % 50 === 0 && l === "" ? "eval(payload)" : l))
    .join("\n");
  const time = (src: string) => {
    for (let i = 0; i < 5; i++) v.validate(src); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      v.validate(src);
      samples.push(performance.now() - t0);
    }
    return samples;
  };
  const result = {
    validator: v.version,
    lines: benign.split("\n").length - 1,
    bytes: new TextEncoder().encode(benign).length,
    benign: { findings: v.validate(benign).findings.length, ...stats(time(benign)) },
    with_findings: { findings: v.validate(dangerous).findings.length, ...stats(time(dangerous)) },
    user_agent: navigator.userAgent,
  };
  out.textContent = JSON.stringify(result, null, 2);
  document.body.dataset.done = "true";
}

main().catch((e) => {
  (document.getElementById("result") as HTMLElement).textContent = `error: ${(e as Error).message}`;
  document.body.dataset.done = "error";
});
