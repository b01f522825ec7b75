# expect: reject  class: match-patterns  target: tamper-data
"""Swap in a warmed cache for the data object."""


def strategy(data):
    match data:
        case object(_state=state):
            state["dir"] = "/"
    return 0
