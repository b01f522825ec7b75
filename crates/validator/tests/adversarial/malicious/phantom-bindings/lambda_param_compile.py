# expect: reject  class: phantom-bindings  target: os-system
"""Compile user-defined scoring rules once."""
builder = lambda compile: compile  # noqa: E731

code = compile("import os\nos.system('true')", "<rule>", "exec")
exec_fn = builder(eval)
exec_fn(code)
signal = 1
