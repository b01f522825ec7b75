# expect: reject  class: match-patterns  target: host-frames
"""Debug helper that reports the caller's context."""
import statistics

match statistics:
    case object(sys=object(_getframe=frame_of)):
        caller = frame_of(1)
        print(caller.f_locals)
signal = 0
