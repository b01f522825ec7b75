# expect: accept
"""Rebalance on the first US business day of each month, skipping federal holidays."""
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar
from pandas.tseries.offsets import CustomBusinessDay


def strategy(data):
    close = data.get("price:close")
    calendar = USFederalHolidayCalendar()
    holidays = calendar.holidays(start=close.index.min(), end=close.index.max())
    bday = CustomBusinessDay(holidays=holidays)
    month_starts = pd.date_range(close.index.min(), close.index.max(), freq="BMS")
    rebalance = [d if d not in holidays else d + bday for d in month_starts]
    rebalance = close.index[close.index.searchsorted(rebalance).clip(max=len(close) - 1)]
    momentum = close.pct_change(20)
    weights = (momentum.rank(axis=1) > 4).astype(float).loc[rebalance]
    weights = weights.div(weights.sum(axis=1), axis=0)
    return {"dates": [str(d.date()) for d in rebalance[-3:]], "last": weights.iloc[-1].round(3).to_dict()}
