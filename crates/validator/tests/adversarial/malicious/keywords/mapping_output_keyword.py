# expect: reject  class: keywords  target: write-outside-tmp
"""Export the latest ranks; the destination is configured by keyword."""
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    ranks = close.iloc[-1].rank(ascending=False).to_frame("rank")
    export = {"path_or_buf": "/etc/ranks.csv"}
    ranks.to_csv(**export)
    return ranks["rank"]
