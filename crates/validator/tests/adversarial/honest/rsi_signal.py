# expect: accept
"""RSI oversold/overbought signal."""
import pandas as pd


def rsi(close, period=14):
    delta = close.diff()
    gain = delta.clip(lower=0).ewm(alpha=1 / period, adjust=False).mean()
    loss = -delta.clip(upper=0).ewm(alpha=1 / period, adjust=False).mean()
    rs = gain / loss
    return 100 - 100 / (1 + rs)


def strategy(data):
    close = data.get("price:close")
    value = rsi(close)
    last = value.iloc[-1]
    signal = pd.Series(0, index=last.index)
    signal[last < 30] = 1
    signal[last > 70] = -1
    return {"rsi": last.round(1).to_dict(), "signal": signal.to_dict()}
