# expect: accept
"""Align sparse events to prices with merge_asof."""
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    prices = close["TSLA"].rename("px").reset_index()
    events = pd.DataFrame({
        "date": pd.to_datetime(["2024-03-15", "2024-06-14", "2024-09-13"]),
        "event": ["q1", "q2", "q3"],
    })
    aligned = pd.merge_asof(events, prices, on="date", direction="backward")
    after = pd.merge_asof(events, prices, on="date", direction="forward", allow_exact_matches=False)
    aligned["next_px"] = after["px"]
    aligned["jump"] = aligned["next_px"] / aligned["px"] - 1
    aligned["date"] = aligned["date"].dt.strftime("%Y-%m-%d")
    return aligned.round(4)
