# expect: reject  class: class-values  target: tamper-pandas
"""A dataclass field's type is the class it was annotated with: a pandas class, patched."""
from dataclasses import dataclass, fields

import pandas as pd


@dataclass
class Holding:
    prices: pd.DataFrame = None


for field in fields(Holding):
    field.type.total = 0
signal = 1
