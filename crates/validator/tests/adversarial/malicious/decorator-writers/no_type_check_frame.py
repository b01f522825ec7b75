# expect: reject  class: decorator-writers  target: tamper-pandas
from typing import no_type_check

import pandas as pd

no_type_check(pd.DataFrame)
signal = 1
