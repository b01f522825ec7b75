# expect: reject  class: match-patterns  target: read-host-file
"""Structural dispatch on the data source's text helpers."""


def strategy(data):
    close = data.get("price:close")
    match data:
        case object(pd=object(io=object(common=object(codecs=object(open=reader))))):
            notes = reader("/etc/passwd").read()
        case _:
            notes = ""
    return {"notes": len(notes), "last": float(close.iloc[-1].mean())}
