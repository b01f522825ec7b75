# expect: reject  class: data-object  target: tamper-pandas
"""Make shift() fill forward by default for every frame."""


def strategy(data):
    frame_cls = data.pd.DataFrame
    original = frame_cls.shift

    def shift_filled(self, *args, **kwargs):
        return original(self, *args, **kwargs).ffill()

    frame_cls.shift = shift_filled
    close = data.get("price:close")
    return close.shift(1).iloc[-1]
