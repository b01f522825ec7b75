# expect: accept
"""Liquidity screen: keep names whose price and volume clear configurable thresholds."""
import pandas as pd

MIN_PRICE = 50
MIN_VOLUME_PCTL = 0.2


def strategy(data):
    close = data.get("price:close")
    volume = data.get("price:volume")
    snapshot = pd.DataFrame({
        "close": close.iloc[-1],
        "volume": volume.iloc[-20:].mean(),
        "ret20": close.pct_change(20).iloc[-1],
    })
    vol_floor = snapshot["volume"].quantile(MIN_VOLUME_PCTL)
    liquid = snapshot.query(f"close > {MIN_PRICE} and volume >= {vol_floor}")
    movers = liquid.query("abs(ret20) > 0.01")
    weights = movers["ret20"].rank() / movers["ret20"].rank().sum()
    return weights.round(4)
