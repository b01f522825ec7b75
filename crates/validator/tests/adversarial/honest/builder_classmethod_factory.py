# expect: accept
"""A signal built step by step, from a classmethod factory and a dataclass config."""
import functools
from dataclasses import dataclass, field


@dataclass
class Config:
    fast: int = 10
    slow: int = 40
    names: list = field(default_factory=list)

    def span(self):
        return self.slow - self.fast


class SignalBuilder:
    def __init__(self):
        self._fast = 5
        self._slow = 20
        self._hooks = []

    @classmethod
    def from_config(cls, config):
        builder = cls()
        builder._fast = config.fast
        builder._slow = config.slow
        return builder

    def with_fast(self, n):
        self._fast = n
        return self

    def on_signal(self, hook):
        self._hooks.append(hook)
        self.last_hook = hook
        return self

    @functools.cached_property
    def label(self):
        return f"sma{self._fast}/{self._slow}"

    def build(self, close):
        fast = close.rolling(self._fast).mean().iloc[-1]
        slow = close.rolling(self._slow).mean().iloc[-1]
        signal = (fast > slow).astype(int)
        for hook in self._hooks:
            signal = hook(signal)
        return signal


def strategy(data):
    close = data.get("price:close")
    config = Config(fast=10, slow=30)
    chain = SignalBuilder.from_config(config).with_fast(8).on_signal(lambda s: s * 2)
    return {"label": chain.label, "span": config.span(), "signal": chain.build(close).to_dict()}
