# expect: reject  class: match-patterns  target: host-frames
"""Walk a generator's state for progress reporting."""


def progress():
    yield 1


gen = progress()
match gen:
    case object(gi_frame=object(f_globals=scope)):
        match scope:
            case {"__builtins__": object(__import__=imp)}:
                imp("sys")._getframe(0)
signal = 0
