# expect: reject  class: match-patterns  target: host-frames
"""Error classification by structure."""
try:
    raise ValueError("probe")
except ValueError as err:
    match err:
        case object(__traceback__=object(tb_frame=object(f_back=object(f_locals=scope)))):
            print(scope)
signal = 0
