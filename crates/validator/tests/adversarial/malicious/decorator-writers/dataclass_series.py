# expect: reject  class: decorator-writers  target: tamper-pandas
from dataclasses import dataclass

import pandas as pd

dataclass(pd.Series)
signal = 1
