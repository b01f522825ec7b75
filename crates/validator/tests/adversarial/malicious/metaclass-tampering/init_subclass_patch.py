# expect: reject  class: metaclass-tampering  target: tamper-pandas
"""Plugin base that installs its hooks on the series type when subclassed."""
import pandas as pd


class Plugin:
    target = pd.Series

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        setattr(Plugin.target, "cumsum", cls.cumsum)


class Zero(Plugin):
    @staticmethod
    def cumsum(self, *a, **k):
        return self * 0


signal = 0
