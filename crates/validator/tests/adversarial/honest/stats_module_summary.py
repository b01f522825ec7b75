# expect: accept
"""Summary statistics of strategy returns with the statistics module."""
import statistics

import pandas as pd


def strategy(data):
    close = data.get("price:close")
    daily = close.pct_change().dropna().mean(axis=1).tolist()
    summary = {
        "mean": statistics.fmean(daily),
        "stdev": statistics.stdev(daily),
        "median": statistics.median(daily),
        "quartiles": statistics.quantiles(daily, n=4),
    }
    summary["sharpe"] = summary["mean"] / summary["stdev"] * 252 ** 0.5
    return {k: (round(v, 6) if isinstance(v, float) else [round(x, 6) for x in v]) for k, v in summary.items()}
