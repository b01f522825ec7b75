# expect: reject  class: sink-values  target: read-host-file
"""A tiny functional pipeline: each stage transforms the previous result."""
from functools import reduce
import pandas as pd

stages = [str.strip, pd.read_csv, lambda df: df.shape]
signal = reduce(lambda acc, stage: stage(acc), stages, "  /etc/hostname  ")
