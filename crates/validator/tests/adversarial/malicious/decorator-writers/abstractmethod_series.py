# expect: reject  class: decorator-writers  target: tamper-pandas
from abc import abstractmethod

import pandas as pd

abstractmethod(pd.Series)
signal = 1
