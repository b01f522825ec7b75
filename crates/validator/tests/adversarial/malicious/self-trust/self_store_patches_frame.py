# expect: reject  class: self-trust  target: tamper-pandas
"""Mixin that installs a forward-filled shift on whatever it is given."""
import pandas as pd


class FillMixin:
    def install(self):
        original = self.shift
        self.shift = lambda frame, *a, **k: original(frame, *a, **k).ffill()


FillMixin.install(pd.DataFrame)
signal = pd.DataFrame({"a": [1.0, None]}).shift(1)
