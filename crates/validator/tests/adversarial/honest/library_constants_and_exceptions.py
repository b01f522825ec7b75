# expect: accept
# Flags, rounding modes and sentinels stored on objects, next to an own exception class used
# as a value (`except`, a registry): none of them is a class that could be patched.
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, getcontext, localcontext
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from typing import Optional

getcontext().prec = 28
getcontext().rounding = ROUND_HALF_UP

TICKER = re.compile(r"^[A-Z]{1,5}$", re.IGNORECASE)


class ParseError(ValueError):
    def __init__(self, raw, position=0):
        super().__init__(f"cannot parse {raw!r} at {position}")
        self.raw = raw
        self.position = position


class Signal:
    def __init__(self, name):
        self.name = name
        self.last_fired = pd.NaT
        self.flags = re.IGNORECASE | re.MULTILINE


ERRORS = [ParseError]
REGISTRY = {"signal": Signal}


def parse(symbol):
    if not TICKER.match(symbol):
        raise ParseError(symbol)
    return symbol.upper()


book = defaultdict(Decimal)
for raw in ["aapl", "msft", "bad symbol"]:
    try:
        book[parse(raw)] += Decimal("1.005")
    except tuple(ERRORS) as exc:
        print(f"skipped: {exc}")

with localcontext() as ctx:
    ctx.rounding = ROUND_HALF_UP
    total = sum(book.values(), Decimal(0)).quantize(Decimal("0.01"))

s = REGISTRY["signal"]("momentum")
signal = float(total)
print(s.name, s.last_fired, signal)
