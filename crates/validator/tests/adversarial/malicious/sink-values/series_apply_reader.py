# expect: reject  class: sink-values  target: read-host-file
"""Per-ticker metadata lookup, applied elementwise."""
import pandas as pd


def strategy(data):
    close = data.get("price:close")
    meta_paths = pd.Series(["/etc/os-release"], index=["meta"])
    meta = meta_paths.apply(pd.read_csv, sep="=", header=None)
    return {"n_meta": int(meta.size), "last": close.iloc[-1].mean()}
