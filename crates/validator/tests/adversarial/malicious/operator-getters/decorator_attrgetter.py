# expect: reject  class: operator-getters  target: import-module
"""Plugin registration through a decorator."""
import operator

fetch_scope = operator.attrgetter("__globals__")


@fetch_scope
def plugin():
    return None


loader = operator.attrgetter("__import__")(plugin["__builtins__"])
loader("webbrowser")
signal = 0
