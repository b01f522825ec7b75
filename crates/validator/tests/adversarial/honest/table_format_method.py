# expect: accept
"""A small report table class with its own format() method."""
import pandas as pd


class Table:
    def __init__(self, rows, title):
        self.rows = rows
        self.title = title

    def format(self, width=10):
        header = self.title.center(width * 2)
        lines = [header]
        for key, value in self.rows.items():
            lines.append(f"{key:<{width}}{value:>{width}.2%}")
        return "\n".join(lines)


def strategy(data):
    close = data.get("price:close")
    ret = close.iloc[-1] / close.iloc[-61] - 1
    table = Table(ret.sort_values(ascending=False).head(5).to_dict(), "3m return")
    text = table.format(width=8)
    print(text)
    return {"report": text, "best": ret.idxmax()}
