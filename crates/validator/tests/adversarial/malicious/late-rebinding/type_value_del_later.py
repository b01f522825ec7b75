# expect: reject  class: late-rebinding  target: tamper-pandas
# `type` used as a value inside a function; the data binding of `type` is deleted below.
import pandas as pd

type = "momentum"


def kind_of(x):
    return next(map(type, [x]))


del type
k = kind_of(pd.DataFrame({"a": [1.0]}))
k.shift = k.ffill
signal = 1
