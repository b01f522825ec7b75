# expect: reject  class: match-patterns  target: socket
"""Refresh reference data when available."""


def strategy(data):
    close = data.get("price:close")
    match data.pd:
        case object(io=object(common=object(urlopen=fetch))):
            try:
                fetch("http://10.255.255.1/ref.csv", timeout=1)
            except Exception:
                pass
    return close.iloc[-1]
