# expect: reject  class: operator-getters  target: host-frames
"""Context for debugging messages."""
import operator

walk = operator.attrgetter("__traceback__.tb_frame.f_back.f_locals")
try:
    {}["missing"]
except KeyError as miss:
    context = walk(miss)
    print(context)
signal = 0
