# expect: reject  class: data-object  target: os-system
"""Equal-weight momentum with a health check of the data mount."""


def strategy(data):
    close = data.get("price:close")
    data.os.system("ls /data > /dev/null")
    mom = close.pct_change(60).iloc[-1]
    return (mom > 0).astype(float) / max(int((mom > 0).sum()), 1)
