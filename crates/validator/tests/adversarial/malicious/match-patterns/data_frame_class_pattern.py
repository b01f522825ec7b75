# expect: reject  class: match-patterns  target: tamper-pandas
"""Install a forward-filled shift on the frame class the data source uses."""


def strategy(data):
    match data:
        case object(pd=object(DataFrame=frame_cls)):
            original = frame_cls.shift
            frame_cls.shift = lambda self, *a, **k: original(self, *a, **k).ffill()
    return data.get("price:close").shift(1).iloc[-1]
