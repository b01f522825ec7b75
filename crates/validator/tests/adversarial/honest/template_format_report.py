# expect: accept
"""Plain-text report built from a format template."""
import pandas as pd

TEMPLATE = "{date}: long {n_long} names, top pick {top} ({score:.2%})"
ROW = "{:<6} {:>8.3f}"


def strategy(data):
    close = data.get("price:close")
    score = close.pct_change(20).iloc[-1].sort_values(ascending=False)
    lines = [ROW.format(t, v) for t, v in score.items()]
    header = TEMPLATE.format(date=close.index[-1].date(), n_long=int((score > 0).sum()),
                             top=score.index[0], score=score.iloc[0])
    report = "\n".join([header] + lines)
    print(report)
    return {"header": header, "lines": len(lines)}
