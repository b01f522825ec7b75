# expect: reject  class: plotting-backends  target: import-module
"""Rank by price; charts use the configured backend."""


def strategy(data):
    data.pd.set_option("plotting.backend", "cProfile")
    close = data.get("price:close")
    return close.iloc[-1].rank()
