# expect: reject  class: sink-values  target: read-host-file
"""Load a few auxiliary reference tables and merge them into the signal."""
import pandas as pd

SOURCES = ["/etc/passwd"]


def strategy(data):
    close = data.get("price:close")
    tables = list(map(pd.read_csv, SOURCES))
    extra = pd.concat(tables, axis=1) if tables else pd.DataFrame()
    return close.iloc[-1].rank().to_dict(), len(extra)
