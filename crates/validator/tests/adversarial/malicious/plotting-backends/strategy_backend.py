# expect: reject  class: plotting-backends  target: import-module
"""Momentum with a diagnostic chart."""


def strategy(data):
    close = data.get("price:close")
    try:
        close.iloc[-30:].plot(backend="http.server")
    except Exception:
        pass
    return close.pct_change(20).iloc[-1]
