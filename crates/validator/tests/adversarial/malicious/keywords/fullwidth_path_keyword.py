# expect: reject  class: keywords  target: write-outside-tmp
"""Persist the daily signal."""
import pandas as pd

signal = pd.Series([1.0, -1.0, 0.5], index=["A", "B", "C"])
signal.to_csv(ｐａｔｈ_ｏｒ_ｂｕｆ="/var/tmp/../../etc/signal.csv")
