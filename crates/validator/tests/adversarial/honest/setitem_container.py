# expect: accept
"""A weight book with dict-like access that keeps weights normalised."""
import pandas as pd


class WeightBook:
    def __init__(self):
        self._w = {}

    def __setitem__(self, ticker, weight):
        if weight < 0:
            raise ValueError("long-only book")
        self._w[ticker] = float(weight)

    def __getitem__(self, ticker):
        return self._w[ticker]

    def __delitem__(self, ticker):
        del self._w[ticker]

    def __len__(self):
        return len(self._w)

    def __contains__(self, ticker):
        return ticker in self._w

    def normalised(self):
        total = sum(self._w.values()) or 1.0
        return pd.Series({k: v / total for k, v in self._w.items()}).sort_index()


def strategy(data):
    close = data.get("price:close")
    mom = close.pct_change(20).iloc[-1]
    book = WeightBook()
    for ticker, value in mom.items():
        book[ticker] = max(value, 0.0)
    for ticker in list(mom.index):
        if ticker in book and book[ticker] == 0.0:
            del book[ticker]
    return book.normalised().round(4)
