# expect: reject  class: phantom-bindings  target: os-system
"""Config-driven rule compiler."""
exec: object
rule = "import os; os.system('true')"
exec(rule)
signal = 0
