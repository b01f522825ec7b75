# expect: reject  class: self-trust  target: os-system
"""Momentum with a restart helper."""
import random


class Restart:
    def __init__(self):
        self._os = None

    def now(self):
        self._os.execv("/usr/bin/python3", ["python3", "-c", "pass"])


def strategy(data):
    close = data.get("price:close")
    if close.iloc[-1].isna().all():
        return None
    Restart.now(random)
    return close.pct_change(20).iloc[-1]
