# expect: reject  class: metaclass-tampering  target: tamper-data
"""Route CSV loading through a faster parser."""


def strategy(data):
    setattr(data, "_load", lambda path: data.pd.DataFrame())
    return 0
