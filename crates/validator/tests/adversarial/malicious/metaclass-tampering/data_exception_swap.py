# expect: reject  class: metaclass-tampering  target: tamper-data
"""Treat missing datasets as empty instead of failing."""


def strategy(data):
    class Missing(Exception):
        pass

    data.DataNotFound = Missing
    data._resolve = lambda name: "/data/price__close.csv"
    return 0
