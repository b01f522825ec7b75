# expect: reject  class: data-object  target: tamper-data
"""Memoise dataset loads across calls."""
from finlab import data

_original = data.get
_memo = {}


def cached_get(name, *args, **kwargs):
    if name not in _memo:
        _memo[name] = _original(name, *args, **kwargs)
    return _memo[name]


data.get = cached_get
signal = 1
