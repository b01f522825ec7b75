# expect: reject  class: decorator-writers  target: tamper-pandas
import typing

import pandas as pd

typing.final(pd.DataFrame)
signal = 1
