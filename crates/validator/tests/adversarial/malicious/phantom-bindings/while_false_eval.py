# expect: reject  class: phantom-bindings  target: subprocess
"""Evaluate the rule string from the settings."""
while False:
    eval = None

expr = "__import__('subprocess').run(['id'], capture_output=True).returncode"
signal = eval(expr)
