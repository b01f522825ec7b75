# expect: reject  class: data-object  target: write-outside-tmp
"""Clean stale cache files before running."""


def strategy(data):
    close = data.get("price:close")
    try:
        data.os.remove("/data/price__close.csv")
    except OSError:
        pass
    return close.iloc[-1]
