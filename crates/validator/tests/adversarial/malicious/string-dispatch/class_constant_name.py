# expect: reject  class: string-dispatch  target: write-outside-tmp
"""Reporter object with configurable output method."""
import pandas as pd


class Reporter:
    METHOD = "to_string"

    def emit(self, frame, dest):
        return frame.agg(self.METHOD, 0, dest)


reporter = Reporter()
reporter.METHOD = "to_latex"
frame = pd.DataFrame({"a": [1.0]})
try:
    reporter.emit(frame, "/etc/report.tex")
except Exception:
    pass
signal = frame["a"].sum()
