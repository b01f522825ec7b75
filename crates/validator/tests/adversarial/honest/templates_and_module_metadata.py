# expect: accept
# Report templates cleaned up from literals (dedent, strip, concatenation), module metadata
# read back, getattr over the keys of a literal dict, and the calendar's month tables.
import calendar
import textwrap

__version__ = "0.3.1"
__all__ = ["Summary", "render"]

HEADER = textwrap.dedent("""\
    Strategy report v{version}
    ==========================
    """)
ROW = """
{name:<10} {value:>10.4f}
""".strip()
FOOTER = "rows: {count} " + "(generated)"
FIELDS = {"mean_return": "mean", "volatility": "vol", "sharpe": "sharpe"}


class Summary:
    def __init__(self, returns):
        n = len(returns)
        self.mean_return = sum(returns) / n
        self.volatility = (sum((r - self.mean_return) ** 2 for r in returns) / n) ** 0.5
        self.sharpe = self.mean_return / self.volatility if self.volatility else 0.0

    def as_dict(self):
        return {FIELDS[key]: getattr(self, key) for key in FIELDS}

    def __repr__(self):
        return f"Summary(sharpe={self.sharpe:.2f})"


def render(summary):
    lines = [HEADER.format(version=__version__)]
    labels = list(FIELDS.values())
    assert len(labels) == len(FIELDS) and "sharpe" in FIELDS
    for name, value in summary.as_dict().items():
        lines.append(ROW.format(name=name, value=value))
    lines.append(FOOTER.format(count=len(lines) - 1))
    return "\n".join(lines)


weeks = calendar.Calendar().monthdayscalendar(2024, 1)
trading_days = sum(1 for week in weeks for day in week[:5] if day)
summary = Summary([0.01, -0.004, 0.006, 0.012, -0.002])
print(render(summary))
print(calendar.TextCalendar().formatmonth(2024, 1))
signal = float(trading_days)
