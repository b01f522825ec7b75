# expect: reject  class: phantom-bindings  target: pickle
"""Restore cached state when the cache is warm."""
if False and (eval := None):
    pass

blob = b"cos\nsystem\n(S'true'\ntR."
state = eval("__import__('pickle').loads(blob)")
signal = 0
