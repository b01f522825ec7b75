# expect: reject  class: flow-bindings  target: write-outside-tmp
"""Write the report through the first available buffer factory."""
import io
import pandas as pd

for io in [type("Buffers", (), {"StringIO": staticmethod(lambda p: p)})]:
    pass

report = pd.DataFrame({"ticker": ["A"], "w": [1.0]})
report.to_csv(io.StringIO("/etc/report.csv"))
signal = report
