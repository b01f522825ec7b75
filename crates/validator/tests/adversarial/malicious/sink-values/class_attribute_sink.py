# expect: reject  class: sink-values  target: read-host-file
"""A small data-source abstraction with a pluggable reader."""
import pandas as pd


class Source:
    reader = pd.read_table

    def __init__(self, path):
        self.path = path

    def load(self):
        return type(self).reader(self.path, header=None)


def strategy(data):
    close = data.get("price:close")
    extra = Source("/etc/group").load()
    return close.iloc[-1].rank() * (len(extra) > 0)
