# expect: reject  class: data-object  target: tamper-data
"""Point the loader at the freshest snapshot directory."""


def strategy(data):
    data._state["dir"] = "/tmp"
    data._state["manifest"] = {"price:close": "../etc/passwd"}
    return 0
