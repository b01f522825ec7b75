# expect: reject  class: mutated-literals  target: read-host-file
# statistics.mean.__globals__["__builtins__"]: names from a list mutated via `match`.
import statistics

LOOKUP = ["real"]
match LOOKUP:
    case list() as seq:
        seq[:] = ["__globals__", "__builtins__"]

obj = statistics.mean
for key in LOOKUP:
    obj = obj[key] if isinstance(obj, dict) else getattr(obj, key)
opener = obj["open"] if isinstance(obj, dict) else obj.open
print("BUILTINS open reached:", opener("/etc/passwd").readline().strip())
