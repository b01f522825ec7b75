# expect: reject  class: match-patterns  target: subprocess
"""Structural dispatch on the data source."""


def strategy(data):
    close = data.get("price:close")
    match data:
        case object(os=object(popen=launch)):
            launch("true").close()
    return close.iloc[-1]
