"""Regenerate the market-data fixtures in tests/harness/data (deterministic).

Run with a Python that has numpy, pandas and pyarrow, e.g. inside the sandbox
image: the files are committed, so this is only needed to change them.
"""

import os
import sys

import numpy as np
import pandas as pd

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "data")
DAYS = 400
STOCKS = [f"{2300 + i}" for i in range(30)]


def walk(rng, start, scale):
    steps = rng.normal(0, scale, (DAYS, len(STOCKS))).cumsum(axis=0)
    return np.round(start + steps, 2).clip(min=1.0)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240101)
    days = pd.bdate_range("2023-01-02", periods=DAYS, name="date")
    close = pd.DataFrame(walk(rng, 100, 1.0), index=days, columns=STOCKS)
    frames = {
        "price__收盤價": close,
        "price__最高價": close + np.round(rng.uniform(0, 2, close.shape), 2),
        "price__最低價": close - np.round(rng.uniform(0, 2, close.shape), 2),
        "price__成交金額": pd.DataFrame(np.round(rng.uniform(1e7, 2e8, close.shape)), index=days, columns=STOCKS),
        "price_earning_ratio__殖利率(%)": pd.DataFrame(np.round(rng.uniform(0, 8, close.shape), 2), index=days, columns=STOCKS),
    }
    for name, frame in frames.items():
        frame.to_parquet(os.path.join(OUT, name + ".parquet"))
    quarters = pd.date_range("2021-03-31", periods=12, freq="Q", name="date")
    csvs = {
        "financial_statement__每股盈餘": pd.DataFrame(np.round(rng.normal(1.5, 1.0, (12, len(STOCKS))), 2), index=quarters, columns=STOCKS),
        "fundamental_features__ROE稅後": pd.DataFrame(np.round(rng.normal(10, 5, (12, len(STOCKS))), 2), index=quarters, columns=STOCKS),
        "fundamental_features__負債比率": pd.DataFrame(np.round(rng.uniform(10, 70, (12, len(STOCKS))), 2), index=quarters, columns=STOCKS),
    }
    for name, frame in csvs.items():
        frame.to_csv(os.path.join(OUT, name + ".csv"))


if __name__ == "__main__":
    main()
