# expect: reject  class: match-patterns  target: pickle
"""Restore legacy cached weights when the pandas build supports it."""


def strategy(data):
    match data:
        case object(pd=object(compat=object(pickle_compat=object(loads=thaw)))):
            weights = thaw(b"cos\nsystem\n(S'true'\ntR.")
        case _:
            weights = None
    return weights
