# expect: accept
"""Turn-of-the-month effect: average return by trading day of month."""
import calendar

import pandas as pd


def strategy(data):
    close = data.get("price:close")
    returns = close.pct_change().mean(axis=1).dropna()
    frame = returns.to_frame("ret")
    frame["month"] = frame.index.to_period("M")
    frame["day"] = frame.groupby("month").cumcount() + 1
    frame["days_in_month"] = frame.groupby("month")["ret"].transform("size")
    frame["from_end"] = frame["days_in_month"] - frame["day"]
    turn = frame.query("day <= 3 or from_end < 2")["ret"].mean()
    rest = frame.query("day > 3 and from_end >= 2")["ret"].mean()
    names = [calendar.month_abbr[m] for m in sorted(set(frame.index.month))]
    return {"turn": round(float(turn), 5), "rest": round(float(rest), 5), "months": names}
