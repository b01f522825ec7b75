# expect: accept
"""Cash balances as value objects: equality, addition and merging between own instances."""


class Money:
    def __init__(self, amount, currency="USD"):
        self._amount = float(amount)
        self._currency = currency

    def __eq__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        return self._amount == other._amount and self._currency == other._currency

    def __hash__(self):
        return hash((self._amount, self._currency))

    def __add__(self, other):
        if isinstance(other, Money) and other._currency == self._currency:
            return Money(self._amount + other._amount, self._currency)
        return NotImplemented

    def same_currency(self, other):
        return isinstance(other, type(self)) and self._currency == other._currency

    def merge(self, other):
        return Money(self._amount + other._amount, self._currency)

    @property
    def amount(self):
        return self._amount


def strategy(data):
    close = data.get("price:close")
    last = close.iloc[-1].dropna()
    cash = Money(10_000)
    fees = Money(12.5)
    total = (cash + fees).merge(Money(0.5))
    per_name = total.amount / max(len(last), 1)
    weights = (per_name / last).round(2)
    return {
        "weights": weights.head(5).to_dict(),
        "equal": cash == Money(10_000),
        "same": cash.same_currency(fees),
    }
