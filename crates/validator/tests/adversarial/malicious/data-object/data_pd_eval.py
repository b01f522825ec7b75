# expect: reject  class: data-object  target: os-system
"""Evaluate a composite factor expression."""


def strategy(data):
    close = data.get("price:close")
    score = data.pd.eval("lib.io.common.os.system('id')", local_dict={"lib": data.pd}, engine="python")
    return close.iloc[-1] * 0 + score
