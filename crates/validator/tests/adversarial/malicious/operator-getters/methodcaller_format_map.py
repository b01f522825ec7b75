# expect: reject  class: operator-getters  target: host-frames
"""Template rendering with mappings."""
import operator


def source():
    yield operator.methodcaller("format_map", {"g": gen})("{g.gi_frame.f_back.f_back.f_locals}")


gen = source()
print(next(gen))
signal = 0
