# expect: accept
"""Long/wide reshaping: melt, compute per-ticker stats, pivot back."""
import pandas as pd


def strategy(data):
    close = data.get("price:close").iloc[-40:]
    long = close.reset_index().melt(id_vars="date", var_name="ticker", value_name="close")
    long["ret"] = long.sort_values("date").groupby("ticker")["close"].pct_change()
    long["week"] = pd.to_datetime(long["date"]).dt.isocalendar().week.astype(int)
    weekly = long.pivot_table(index="week", columns="ticker", values="ret", aggfunc="sum")
    return weekly.tail(3).round(4)
