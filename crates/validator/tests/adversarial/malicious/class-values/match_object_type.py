# expect: reject  class: class-values  target: tamper-pandas
"""`case object(type=t)` reads the attribute `type` of a dataclass field."""
import dataclasses

import pandas as pd


@dataclasses.dataclass
class Spec:
    maker: type = None


frame = pd.DataFrame({"a": [1.0]})
for fld in dataclasses.fields(Spec):
    match fld:
        case object(type=maker):
            kind = maker(frame)
            kind.total = 0
signal = 1
