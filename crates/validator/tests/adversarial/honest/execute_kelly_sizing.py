# expect: accept
"""Execute mode: Kelly fraction from simulated trade outcomes."""
import numpy as np
import pandas as pd

rng = np.random.default_rng(11)
outcomes = pd.Series(rng.choice([1.5, -1.0], size=500, p=[0.45, 0.55]))
wins = outcomes[outcomes > 0]
losses = outcomes[outcomes < 0]
p = len(wins) / len(outcomes)
b = wins.mean() / abs(losses.mean())
kelly = p - (1 - p) / b
signal = {"p": round(p, 3), "b": round(float(b), 3), "kelly": round(float(kelly), 4),
          "half_kelly": round(float(kelly) / 2, 4)}
