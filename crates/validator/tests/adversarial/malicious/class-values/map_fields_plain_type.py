# expect: reject  class: class-values  target: tamper-pandas
"""`fields` handed to map: no direct fields(...) call, so `x: type` in the class body is a type."""
import dataclasses
import itertools

import pandas as pd


@dataclasses.dataclass
class Spec:
    maker: type = None


frame = pd.DataFrame({"a": [1.0]})
for fld in itertools.chain.from_iterable(map(dataclasses.fields, [Spec])):
    klass = fld.type(frame)
    klass.total = 0
signal = 1
