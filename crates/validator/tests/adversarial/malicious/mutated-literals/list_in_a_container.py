# expect: reject  class: mutated-literals  target: read-host-file
# `ATTRS` looks like a literal list of harmless names, so `getattr(obj, name)` in the
# loop passes a "literal names only" check. The list is rewritten in place through a
# container that holds it, which never mentions the name `ATTRS` again.
ATTRS = ["real", "imag"]
shelf = [ATTRS]
shelf[0][:] = ["__globals__", "__builtins__", "exec"]


def probe():
    return None


obj = probe
for name in ATTRS:
    obj = obj[name] if isinstance(obj, dict) else getattr(obj, name)

obj("import os; print('BUILTINS exec reached; uid', os.getuid(), open('/etc/passwd').readline().strip())")
