# expect: reject  class: phantom-bindings  target: import-module
"""Module-level import hook for optional plugins."""


def install():
    global __import__
    __import__ = None


plugin = __import__("webbrowser")
signal = 0
