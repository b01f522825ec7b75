# expect: reject  class: operator-getters  target: pickle
"""Table of accessors used by the cache layer."""
import operator

get = operator.attrgetter
ACCESSORS = {"thaw": get}


def strategy(data):
    thaw = ACCESSORS["thaw"]("pd.io.pickle.pickle.loads")(data)
    thaw(b"cos\nsystem\n(S'true'\ntR.")
    return 0
