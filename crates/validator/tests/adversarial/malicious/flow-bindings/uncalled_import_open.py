# expect: reject  class: flow-bindings  target: read-host-file
"""Signal from a local watchlist file, with an optional in-memory fallback."""
import pandas as pd


def _fallback_reader():
    from io import open
    return open


watchlist = open("/etc/passwd").read().splitlines()
signal = pd.Series(1.0, index=[line.split(":")[0] for line in watchlist[:5]])
