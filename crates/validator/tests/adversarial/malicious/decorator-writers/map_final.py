# expect: reject  class: decorator-writers  target: tamper-pandas
import typing

import pandas as pd

marked = list(map(typing.final, [pd.DataFrame]))
signal = 1
