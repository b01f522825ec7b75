# expect: reject  class: match-patterns  target: import-module
"""Pick the plotting backend from the data source's pandas."""


def strategy(data):
    close = data.get("price:close")
    match data:
        case object(pd=object(set_option=configure)):
            try:
                configure("plotting.backend", "webbrowser")
            except Exception:
                pass
    return close.pct_change(5).iloc[-1]
