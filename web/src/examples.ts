// Strategies to load from the examples menu: honest ones, and abusive ones that show what the
// validator and the sandbox do with them.

export interface Example {
  id: string;
  title: string;
  mode: "execute" | "strategy";
  code: string;
}

export const EXAMPLES: Example[] = [
  {
    id: "ma-crossover",
    title: "Moving-average crossover",
    mode: "execute",
    code: `import numpy as np
import pandas as pd

# Synthetic prices: a random walk over one year of business days.
rng = np.random.default_rng(7)
index = pd.date_range("2024-01-01", periods=250, freq="B")
close = pd.Series(100 + rng.normal(0, 1, len(index)).cumsum(), index=index, name="close")

fast = close.rolling(10).mean()
slow = close.rolling(30).mean()
position = (fast > slow).astype(int)

print(f"days long: {int(position.sum())} of {len(position)}")
signal = pd.DataFrame(
    {"close": close, "fast": fast, "slow": slow, "position": position}
).dropna().tail(15).round(2)
`,
  },
  {
    id: "rsi",
    title: "RSI reversal (Series)",
    mode: "execute",
    code: `import numpy as np
import pandas as pd

rng = np.random.default_rng(42)
close = pd.Series(50 + rng.normal(0, 1, 120).cumsum(), name="close")

delta = close.diff()
gain = delta.clip(lower=0).rolling(14).mean()
loss = (-delta.clip(upper=0)).rolling(14).mean()
rsi = 100 - 100 / (1 + gain / loss)

# +1 when oversold, -1 when overbought, 0 otherwise.
signal = pd.Series(np.where(rsi < 30, 1, np.where(rsi > 70, -1, 0)), name="rsi_signal").tail(20)
print("latest RSI:", round(float(rsi.iloc[-1]), 2))
`,
  },
  {
    id: "strategy-mode",
    title: "strategy(data) with the sample dataset",
    mode: "strategy",
    code: `import pandas as pd


def strategy(data):
    close = data.get("price:close")
    momentum = close.pct_change(20)
    # Hold the three names with the best 20-day momentum.
    ranks = momentum.rank(axis=1, ascending=False)
    return (ranks <= 3).astype(int).tail(10)
`,
  },
  {
    id: "dangerous",
    title: "Rejected: shell command",
    mode: "execute",
    code: `import os

os.system("cat /etc/passwd")
signal = eval("1 + 1")
`,
  },
  {
    id: "timeout",
    title: "Abusive: endless loop (timeout)",
    mode: "execute",
    code: `# Passes validation, but never finishes: the runner kills it at the timeout.
total = 0
while True:
    total += 1
`,
  },
  {
    id: "memory",
    title: "Abusive: memory bomb (OOM)",
    mode: "execute",
    code: `# Allocates until the container's memory limit stops it.
chunks = []
while True:
    chunks.append(bytearray(50 * 1024 * 1024))
`,
  },
];
