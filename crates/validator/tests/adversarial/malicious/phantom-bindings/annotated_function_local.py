# expect: reject  class: phantom-bindings  target: write-outside-tmp
"""Persist weights from inside the strategy; the opener is declared for type checkers."""
open: "typing.Callable[..., typing.IO]"
sink = open


def strategy(data):
    close = data.get("price:close")
    with sink("/opt/weights.txt", "w") as fh:
        fh.write(close.iloc[-1].to_string())
    return close.iloc[-1]
