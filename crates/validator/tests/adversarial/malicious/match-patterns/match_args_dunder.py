# expect: reject  class: match-patterns  target: import-module
"""Value object with positional pattern support."""


class Point:
    __match_args__ = ("__class__",)


match print:
    case object(__self__=host):
        match host:
            case object(__import__=load):
                load("webbrowser")
signal = 0
