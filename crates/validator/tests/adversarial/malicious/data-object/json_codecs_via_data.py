# expect: reject  class: data-object  target: read-host-file
"""Read the run configuration."""


def strategy(data):
    close = data.get("price:close")
    cfg = data.json.codecs.open("/etc/hostname", encoding="utf-8").read()
    return {"cfg": cfg.strip(), "last": float(close.iloc[-1].mean())}
