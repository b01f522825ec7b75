# expect: reject  class: metaclass-tampering  target: tamper-pandas
"""Patch the rolling window's mean to ignore NaN handling."""


def strategy(data):
    close = data.get("price:close")
    window = close.rolling(5)
    klass = type(window)
    klass.mean = lambda self, *a, **k: self.sum() / 5
    return window.mean().iloc[-1]
