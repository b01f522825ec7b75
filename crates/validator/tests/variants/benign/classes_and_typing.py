from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal, ROUND_HALF_UP
from enum import Enum, auto
from fractions import Fraction
from typing import Callable, Dict, Iterator, List, Optional, Protocol, Sequence

import numpy as np
import pandas as pd


class Side(Enum):
    LONG = auto()
    SHORT = auto()


class Signal(Protocol):
    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame: ...


@dataclass
class Position:
    symbol: str
    qty: int
    price: Decimal
    tags: List[str] = field(default_factory=list)

    @property
    def notional(self) -> Decimal:
        return (self.price * self.qty).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Book:
    def __init__(self, positions: Optional[Sequence[Position]] = None) -> None:
        self._positions: Dict[str, Position] = {}
        for p in positions or []:
            self.add(p)

    def add(self, position: Position) -> None:
        self._positions[position.symbol] = position

    def __len__(self) -> int:
        return len(self._positions)

    def __iter__(self) -> Iterator[Position]:
        return iter(self._positions.values())

    def __contains__(self, symbol: str) -> bool:
        return symbol in self._positions

    def __repr__(self) -> str:
        inner = ", ".join(f"{p.symbol}x{p.qty}" for p in self)
        return f"Book({inner})"

    def exposure(self) -> Decimal:
        return sum((p.notional for p in self), Decimal(0))


class Model(ABC):
    @abstractmethod
    def fit(self, x: np.ndarray, y: np.ndarray) -> "Model":
        raise NotImplementedError

    @classmethod
    def name(cls) -> str:
        return cls.__name__


class Ridge(Model):
    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha
        self.coef_: Optional[np.ndarray] = None

    def fit(self, x, y):
        gram = x.T @ x + self.alpha * np.eye(x.shape[1])
        self.coef_ = np.linalg.solve(gram, x.T @ y)
        return self

    def predict(self, x):
        return x @ self.coef_


def apply_all(frame: pd.DataFrame, rules: List[Callable[[pd.DataFrame], pd.DataFrame]]) -> pd.DataFrame:
    out = frame
    for rule in rules:
        out = rule(out)
    return out


book = Book([Position("2330", 1000, Decimal("600.5")), Position("2317", 2000, Decimal("105"))])
print(book, len(book), "2330" in book, book.exposure(), Fraction(1, 3) + Fraction(1, 6))
rng = np.random.default_rng(1)
x = rng.normal(size=(100, 3))
y = x @ np.array([0.5, -0.2, 0.1]) + rng.normal(scale=0.1, size=100)
model = Ridge(alpha=0.5).fit(x, y)
print(Ridge.name(), np.round(model.coef_, 3), Side.LONG.name, isinstance(model, Model))


class Trade:
    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.is_open = False

    def open(self) -> "Trade":
        self.is_open = True
        return self

    def filter(self, rows):
        return [r for r in rows if r]

    def sum(self, values):
        return sum(values)

    def eval(self):
        return self.is_open


trade = Trade("2330").open()
print(trade.filter([0, 1, 2]), trade.sum([1, 2]), trade.eval())
