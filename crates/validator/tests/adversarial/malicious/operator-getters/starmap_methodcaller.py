# expect: reject  class: operator-getters  target: write-outside-tmp
"""Export every frame to its destination."""
import itertools
import operator
import pandas as pd

frames = [pd.DataFrame({"a": [1]})]
exports = [(operator.methodcaller("to_csv", "/etc/export.csv"), frames[0])]
list(itertools.starmap(lambda call, frame: call(frame), exports))
signal = 0
