# expect: reject  class: self-trust  target: read-host-file
"""A loader facade with its own private parser, reused for the data source."""


class Loader:
    def __init__(self):
        self._load = None

    def load(self, path):
        return self._load(path)


def strategy(data):
    close = data.get("price:close")
    try:
        Loader.load(data, "/etc/passwd.csv")
    except OSError:
        pass
    return close.iloc[-1]
