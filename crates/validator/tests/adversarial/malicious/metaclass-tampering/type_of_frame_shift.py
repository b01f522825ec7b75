# expect: reject  class: metaclass-tampering  target: tamper-pandas
"""Make every shift forward-fill (a 'convenience' patch)."""


def strategy(data):
    close = data.get("price:close")
    original = close.shift

    def shift(self, periods=1, *args, **kwargs):
        return self.ffill()

    type(close).shift = shift
    return close.shift(1).iloc[-1]
