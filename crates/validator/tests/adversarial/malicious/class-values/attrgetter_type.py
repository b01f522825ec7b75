# expect: reject  class: class-values  target: tamper-pandas
"""attrgetter('type') reads the field's class without a `.type` read."""
import dataclasses
import operator

import pandas as pd


@dataclasses.dataclass
class Spec:
    maker: type = None


frame = pd.DataFrame({"a": [1.0]})
kind = operator.attrgetter("type")(dataclasses.fields(Spec)[0])(frame)
kind.total = 0
signal = 1
