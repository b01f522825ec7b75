# expect: accept
"""Bootstrap confidence interval of the strategy's mean return."""
import random

import numpy as np
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    daily = close.pct_change().dropna().mean(axis=1).to_numpy()
    rng = random.Random(5)
    means = []
    for _ in range(300):
        sample = [daily[rng.randrange(len(daily))] for _ in range(len(daily))]
        means.append(sum(sample) / len(sample))
    lo, hi = np.percentile(means, [2.5, 97.5])
    return {"mean": round(float(daily.mean()), 6), "ci": [round(float(lo), 6), round(float(hi), 6)]}
